//! Checks of the workload, and the short text of a key choice the app's form shows.

use super::{KeyChoice, ScenarioError, Workload};

/// Values are at most 1 MiB.
const MAX_VALUE_BYTES: usize = 1 << 20;

impl Workload {
    /// Refuses what the application could not do, with the field's name.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let err = |m: String| Err(ScenarioError(m));
        if self.value_bytes > MAX_VALUE_BYTES {
            return err(format!(
                "workload.value_bytes must be at most {MAX_VALUE_BYTES}"
            ));
        }
        if let Some(max) = self.value_bytes_max {
            if max < self.value_bytes {
                return err(format!(
                    "workload.value_bytes_max ({max}) must be at least workload.value_bytes ({})",
                    self.value_bytes
                ));
            }
            if max > MAX_VALUE_BYTES {
                return err(format!(
                    "workload.value_bytes_max must be at most {MAX_VALUE_BYTES}"
                ));
            }
        }
        match &self.keys {
            KeyChoice::Pool { count: 0 } => err("workload.keys.count must be at least 1".into()),
            KeyChoice::List { keys } if keys.is_empty() => {
                err("workload.keys.keys must list at least one key".into())
            }
            KeyChoice::Hot { share, .. } if !(0.0..=1.0).contains(share) => err(format!(
                "workload.keys.share must be between 0 and 1, not {share}"
            )),
            KeyChoice::Hot { pool: 0, .. } => err("workload.keys.pool must be at least 1".into()),
            _ => Ok(()),
        }
    }
}

impl KeyChoice {
    /// `null`, `unique`, `pool:N`, `list:a,b,c` or `hot:SHARE:POOL:KEY` (the key last, so it
    /// may hold `:`). List keys containing `,` cannot be written this way.
    pub fn to_form_text(&self) -> String {
        match self {
            KeyChoice::Null => "null".into(),
            KeyChoice::Unique => "unique".into(),
            KeyChoice::Pool { count } => format!("pool:{count}"),
            KeyChoice::List { keys } => format!("list:{}", keys.join(",")),
            KeyChoice::Hot { key, share, pool } => format!("hot:{share}:{pool}:{key}"),
        }
    }

    /// Reads [`KeyChoice::to_form_text`]'s format; ranges are checked by `Workload::validate`.
    pub fn from_form_text(text: &str) -> Result<KeyChoice, String> {
        let text = text.trim();
        let number = |name: &str, v: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{name} must be a whole number, not '{v}'"))
        };
        if let Some(n) = text.strip_prefix("pool:") {
            return Ok(KeyChoice::Pool {
                count: number("number of keys", n)?,
            });
        }
        if let Some(list) = text.strip_prefix("list:") {
            let keys = list.split(',').map(str::to_string).collect();
            return Ok(KeyChoice::List { keys });
        }
        if let Some(rest) = text.strip_prefix("hot:") {
            let mut parts = rest.splitn(3, ':');
            let (share, pool, key) = match (parts.next(), parts.next(), parts.next()) {
                (Some(s), Some(p), Some(k)) => (s, p, k),
                _ => {
                    return Err(format!(
                        "Write a hot key as hot:SHARE:POOL:KEY, not '{text}'"
                    ));
                }
            };
            let share = crate::decimal::parse_f64(share.trim())
                .ok_or_else(|| format!("the hot key's share must be a number, not '{share}'"))?;
            return Ok(KeyChoice::Hot {
                key: key.to_string(),
                share,
                pool: number("the pool size", pool)?,
            });
        }
        match text {
            "null" => Ok(KeyChoice::Null),
            "unique" => Ok(KeyChoice::Unique),
            other => Err(format!("Unknown key choice '{other}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(w: Workload) -> Result<(), String> {
        w.validate().map_err(|e| e.0)
    }

    #[test]
    fn bad_choices_are_refused_by_name() {
        let hot = |share: f64, pool: u32| Workload {
            keys: KeyChoice::Hot {
                key: "k".into(),
                share,
                pool,
            },
            ..Workload::default()
        };
        assert_eq!(
            check(hot(1.5, 3)).unwrap_err(),
            "workload.keys.share must be between 0 and 1, not 1.5"
        );
        assert!(check(hot(-0.1, 3)).is_err());
        assert!(check(hot(f64::NAN, 3)).is_err());
        assert!(check(hot(0.0, 3)).is_ok() && check(hot(1.0, 3)).is_ok());
        assert_eq!(
            check(hot(0.5, 0)).unwrap_err(),
            "workload.keys.pool must be at least 1"
        );
        let list = Workload {
            keys: KeyChoice::List { keys: vec![] },
            ..Workload::default()
        };
        assert_eq!(
            check(list).unwrap_err(),
            "workload.keys.keys must list at least one key"
        );
        let sizes = Workload {
            value_bytes: 100,
            value_bytes_max: Some(99),
            ..Workload::default()
        };
        assert_eq!(
            check(sizes).unwrap_err(),
            "workload.value_bytes_max (99) must be at least workload.value_bytes (100)"
        );
        let huge = Workload {
            value_bytes_max: Some(2 << 20),
            ..Workload::default()
        };
        assert!(check(huge).is_err());
    }

    #[test]
    fn form_text_round_trips() {
        for choice in [
            KeyChoice::Null,
            KeyChoice::Unique,
            KeyChoice::Pool { count: 12 },
            KeyChoice::List {
                keys: vec!["a".into(), "b b".into(), "c".into()],
            },
            KeyChoice::Hot {
                key: "user:42".into(),
                share: 0.85,
                pool: 100,
            },
        ] {
            let text = choice.to_form_text();
            assert_eq!(KeyChoice::from_form_text(&text), Ok(choice), "{text}");
        }
        for bad in ["pool:", "random", "hot:x:1:k", "hot:0.5:k", "hot:0.5:-1:k"] {
            assert!(KeyChoice::from_form_text(bad).is_err(), "{bad}");
        }
    }
}
