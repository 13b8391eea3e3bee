//! Command line and in-process configuration of the bridge.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Where the bridge listens unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// The Kafka bootstrap servers unless told otherwise.
pub const DEFAULT_BOOTSTRAP: &str = "127.0.0.1:9092";
/// The origins the Producer Lab app is served from in development.
pub const DEFAULT_ALLOWED_ORIGINS: [&str; 2] = ["http://127.0.0.1:8080", "http://localhost:8080"];
/// How long a shutdown waits for outstanding deliveries, in seconds.
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 10;

/// WebSocket bridge from the Producer Lab app to a real Kafka cluster.
///
/// The app connects to `ws://LISTEN/ws` and sends `produce` frames; the bridge
/// produces each record with librdkafka and answers with exactly one `delivery`
/// frame per record.
#[derive(Debug, Clone, PartialEq, Parser)]
#[command(name = "producer-bridge", version, about, long_about)]
pub struct BridgeConfig {
    /// Address to listen on. Keep it on loopback unless you know who can reach it.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// Kafka bootstrap servers (comma-separated host:port list).
    #[arg(long, env = "KAFKA_BOOTSTRAP", default_value = DEFAULT_BOOTSTRAP)]
    pub bootstrap_servers: String,

    /// Browser origin allowed to open the WebSocket (repeatable). A handshake
    /// from any other origin is refused with HTTP 403; one without an Origin
    /// header (not a browser) is allowed.
    #[arg(
        long = "allowed-origin",
        value_name = "ORIGIN",
        default_values_t = DEFAULT_ALLOWED_ORIGINS.map(String::from)
    )]
    pub allowed_origins: Vec<String>,

    /// Serve the built app's static files from this directory at `/`.
    #[arg(long, value_name = "PATH")]
    pub serve_dir: Option<PathBuf>,

    /// librdkafka producer property override, e.g. `-X linger.ms=0` (repeatable).
    /// Applied after the bridge's Java-like defaults.
    #[arg(
        short = 'X',
        long = "producer-property",
        value_name = "KEY=VALUE",
        value_parser = parse_property
    )]
    pub producer_properties: Vec<(String, String)>,

    /// Shared token: when set, a connection's first frame must be
    /// `hello` carrying this token.
    #[arg(long, env = "BRIDGE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Seconds a shutdown waits for outstanding deliveries before giving up on them.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS)]
    pub shutdown_timeout: u64,
}

impl Default for BridgeConfig {
    /// The CLI defaults, without reading the environment.
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.parse().expect("valid default address"),
            bootstrap_servers: DEFAULT_BOOTSTRAP.to_owned(),
            allowed_origins: DEFAULT_ALLOWED_ORIGINS.map(String::from).to_vec(),
            serve_dir: None,
            producer_properties: Vec::new(),
            token: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT_SECS,
        }
    }
}

impl BridgeConfig {
    /// The defaults, pointed at the given bootstrap servers.
    pub fn new(bootstrap_servers: impl Into<String>) -> Self {
        Self {
            bootstrap_servers: bootstrap_servers.into(),
            ..Self::default()
        }
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout)
    }
}

/// Parses `key=value`; the key must be non-empty, the value may contain `=`.
pub fn parse_property(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got `{text}`"))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("empty property name in `{text}`"));
    }
    Ok((key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_split_at_the_first_equals_sign() {
        assert_eq!(
            parse_property("linger.ms=0"),
            Ok(("linger.ms".into(), "0".into()))
        );
        assert_eq!(
            parse_property("sasl.jaas=a=b"),
            Ok(("sasl.jaas".into(), "a=b".into()))
        );
        assert_eq!(
            parse_property("client.id="),
            Ok(("client.id".into(), String::new()))
        );
        assert!(
            parse_property("linger.ms")
                .unwrap_err()
                .contains("KEY=VALUE")
        );
        assert!(
            parse_property("=5")
                .unwrap_err()
                .contains("empty property name")
        );
    }

    #[test]
    fn cli_defaults_match_default() {
        // Only the env-backed flags could differ; give them explicitly.
        let parsed = BridgeConfig::try_parse_from([
            "producer-bridge",
            "--bootstrap-servers",
            DEFAULT_BOOTSTRAP,
        ])
        .unwrap();
        assert_eq!(
            BridgeConfig {
                token: None,
                ..parsed
            },
            BridgeConfig::default()
        );
    }

    #[test]
    fn cli_flags_parse() {
        let c = BridgeConfig::try_parse_from([
            "producer-bridge",
            "--listen",
            "0.0.0.0:9000",
            "--bootstrap-servers",
            "k1:9092,k2:9092",
            "--allowed-origin",
            "https://lab.example",
            "--allowed-origin",
            "http://localhost:3000",
            "-X",
            "linger.ms=0",
            "--producer-property",
            "compression.type=zstd",
            "--serve-dir",
            "dist",
            "--token",
            "s3cret",
            "--shutdown-timeout",
            "3",
        ])
        .unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(c.bootstrap_servers, "k1:9092,k2:9092");
        assert_eq!(
            c.allowed_origins,
            ["https://lab.example", "http://localhost:3000"]
        );
        assert_eq!(
            c.producer_properties,
            [
                ("linger.ms".to_owned(), "0".to_owned()),
                ("compression.type".to_owned(), "zstd".to_owned())
            ]
        );
        assert_eq!(c.serve_dir, Some(PathBuf::from("dist")));
        assert_eq!(c.token.as_deref(), Some("s3cret"));
        assert_eq!(c.shutdown_timeout(), Duration::from_secs(3));
    }

    #[test]
    fn malformed_property_is_a_usage_error() {
        let err = BridgeConfig::try_parse_from(["producer-bridge", "-X", "nonsense"]).unwrap_err();
        assert!(err.to_string().contains("KEY=VALUE"), "{err}");
    }

    #[test]
    fn help_documents_every_flag() {
        use clap::CommandFactory;
        let help = BridgeConfig::command().render_long_help().to_string();
        for flag in [
            "--listen",
            "--bootstrap-servers",
            "KAFKA_BOOTSTRAP",
            "--allowed-origin",
            "--serve-dir",
            "--producer-property",
            "-X",
            "--token",
            "BRIDGE_TOKEN",
            "--shutdown-timeout",
        ] {
            assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
        }
    }
}
