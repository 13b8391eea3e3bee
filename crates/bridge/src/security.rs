//! Who may talk to the bridge.
//!
//! Rule: a browser always sends `Origin` on a WebSocket handshake, and any web
//! page can open a socket to `ws://127.0.0.1`, so a handshake whose origin is
//! not allow-listed is refused before the upgrade (no cross-site WebSocket
//! hijacking). A handshake without `Origin` comes from a non-browser client,
//! which could connect anyway, and is allowed. The optional shared token is
//! checked in the `hello` frame. A record goes only to an allow-listed topic,
//! checked before it reaches librdkafka.

/// Checks a handshake's `Origin` header against the allow-list.
/// `Err` says why the handshake is refused.
pub fn check_origin(origin: Option<&str>, allowed: &[String]) -> Result<(), String> {
    let Some(origin) = origin else {
        return Ok(());
    };
    let origin = origin.trim();
    if allowed
        .iter()
        .any(|a| a.trim().trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        Ok(())
    } else {
        Err(format!(
            "origin `{origin}` is not allowed to open the bridge WebSocket \
             (allowed: {}); start producer-bridge with --allowed-origin {origin} to allow it",
            allowed.join(", ")
        ))
    }
}

/// Checks the token of a `hello` frame; `Err` says why the session is refused.
pub fn check_token(expected: Option<&str>, given: Option<&str>) -> Result<(), String> {
    match (expected, given) {
        (None, _) => Ok(()),
        (Some(_), None) => Err("this bridge requires a token: send hello with \"token\"".into()),
        (Some(expected), Some(given))
            if constant_time_eq(expected.as_bytes(), given.as_bytes()) =>
        {
            Ok(())
        }
        (Some(_), Some(_)) => Err("wrong token in hello".into()),
    }
}

/// Checks a record's topic against the allow-list: exact names, prefixes
/// ending in `*`, or `*` for every topic. `Err` says why the record is refused.
pub fn check_topic(topic: &str, allowed: &[String]) -> Result<(), String> {
    let listed = allowed
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => topic.starts_with(prefix),
            None => pattern == topic,
        });
    if listed {
        Ok(())
    } else {
        Err(format!(
            "topic `{topic}` is not in the bridge's topic allow-list ({}); \
             start producer-bridge with --allow-topic {topic} to allow it",
            allowed.join(", ")
        ))
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec![
            "http://127.0.0.1:8080".into(),
            "http://localhost:8080/".into(),
        ]
    }

    #[test]
    fn listed_origins_pass() {
        assert_eq!(
            check_origin(Some("http://127.0.0.1:8080"), &allowed()),
            Ok(())
        );
        // A trailing slash in the allow-list and letter case do not matter.
        assert_eq!(
            check_origin(Some("http://LOCALHOST:8080"), &allowed()),
            Ok(())
        );
    }

    #[test]
    fn missing_origin_is_a_non_browser_client_and_passes() {
        assert_eq!(check_origin(None, &allowed()), Ok(()));
    }

    #[test]
    fn other_origins_are_refused_with_the_reason() {
        for evil in [
            "https://evil.example",
            "http://127.0.0.1:8081",
            "https://127.0.0.1:8080",
            "http://localhost:8080.evil.example",
            "null",
            "",
        ] {
            let err = check_origin(Some(evil), &allowed()).unwrap_err();
            assert!(err.contains("not allowed"), "{err}");
            assert!(err.contains(&format!("`{evil}`")), "{err}");
        }
    }

    #[test]
    fn topics_match_exact_names_and_prefixes() {
        let allowed = vec!["demo".to_owned(), "lab-*".to_owned()];
        for ok in ["demo", "lab-", "lab-orders"] {
            assert_eq!(check_topic(ok, &allowed), Ok(()), "{ok}");
        }
        for refused in [
            "demo2",
            "dem",
            "lab",
            "Lab-orders",
            "",
            "__consumer_offsets",
        ] {
            let err = check_topic(refused, &allowed).unwrap_err();
            assert!(err.contains(&format!("topic `{refused}` is not")), "{err}");
            assert!(err.contains("demo, lab-*"), "{err}");
            assert!(err.contains("--allow-topic"), "{err}");
        }
        assert_eq!(check_topic("anything", &["*".to_owned()]), Ok(()));
        assert!(check_topic("anything", &[]).is_err());
    }

    #[test]
    fn token_is_checked_only_when_configured() {
        assert_eq!(check_token(None, None), Ok(()));
        assert_eq!(check_token(None, Some("anything")), Ok(()));
        assert_eq!(check_token(Some("s3cret"), Some("s3cret")), Ok(()));
        assert!(
            check_token(Some("s3cret"), Some("s3cre"))
                .unwrap_err()
                .contains("wrong token")
        );
        assert!(check_token(Some("s3cret"), Some("S3cret")).is_err());
        assert!(
            check_token(Some("s3cret"), None)
                .unwrap_err()
                .contains("requires a token")
        );
    }
}
