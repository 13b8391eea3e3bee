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
/// The topics the app produces to (`lab serve` creates `demo`).
pub const DEFAULT_ALLOWED_TOPICS: [&str; 2] = ["demo", "producer-lab-*"];
/// Simultaneous WebSocket connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;
/// Records per connection accepted but not yet reported.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 10_000;
/// Bytes of those records: the Java producer's `buffer.memory` (32 MiB).
pub const DEFAULT_MAX_IN_FLIGHT_BYTES: usize = 32 * 1024 * 1024;
/// Largest text frame: room for a `produce_batch` of thousands of records.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;
/// Largest record: the Java producer's `max.request.size` (1 MiB).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1024 * 1024;
/// librdkafka `statistics.interval.ms` for `stats` frames and `/metrics`.
pub const DEFAULT_STATS_INTERVAL_MS: u64 = 1000;

/// WebSocket bridge from the Producer Lab app to a real Kafka cluster.
///
/// The app connects to `ws://LISTEN/ws` and sends `produce` frames; the bridge
/// produces each record with librdkafka and answers with exactly one `delivery`
/// frame per record. `GET /healthz` answers `ok`; `GET /metrics` serves
/// Prometheus text. Every limit below refuses with a reason that names it;
/// the protocol is described in docs/bridge-protocol.md.
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

    /// librdkafka producer property override, e.g. `-X linger.ms=0` or the
    /// cluster's security settings (repeatable). Applied to every producer
    /// after the bridge's Java-like defaults; a connection's `configure`
    /// overrides the keys it sets.
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

    /// Seconds a shutdown (SIGTERM, Ctrl-C) waits for outstanding deliveries;
    /// records still unreported then are purged and reported as failed.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS)]
    pub shutdown_timeout: u64,

    /// Topic the bridge may produce to (repeatable): an exact name, or a
    /// prefix ending in `*` (`lab-*`); `*` allows every topic. A record for
    /// any other topic gets a failed delivery (TOPIC_AUTHORIZATION_FAILED).
    #[arg(
        long = "allow-topic",
        value_name = "TOPIC",
        default_values_t = DEFAULT_ALLOWED_TOPICS.map(String::from)
    )]
    pub allowed_topics: Vec<String>,

    /// Simultaneous WebSocket connections; one more is answered by an
    /// `error` frame and closed (1013, try again later).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS, value_parser = at_least_one)]
    pub max_connections: usize,

    /// Records per connection accepted but not yet reported; past it a
    /// `produce` is answered by `overloaded` instead of being queued.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_IN_FLIGHT, value_parser = at_least_one)]
    pub max_in_flight: usize,

    /// Bytes (key + value + headers) of those records; past it a `produce` is
    /// answered by `overloaded`. Must be at least --max-record-bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_IN_FLIGHT_BYTES, value_parser = at_least_one)]
    pub max_in_flight_bytes: usize,

    /// Largest text frame read; a larger one is answered by `error` and the
    /// connection stays open (beyond twice this size it is closed, 1009).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FRAME_BYTES, value_parser = at_least_one)]
    pub max_frame_bytes: usize,

    /// Largest record (key + value + header keys and values); a larger one
    /// gets a failed delivery (MESSAGE_TOO_LARGE).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_RECORD_BYTES, value_parser = at_least_one)]
    pub max_record_bytes: usize,

    /// librdkafka statistics interval: `stats` frames on configured
    /// connections and the producer metrics on /metrics. 0 turns them off;
    /// a `configure` may set its own `statistics.interval.ms`.
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_STATS_INTERVAL_MS)]
    pub stats_interval_ms: u64,
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
            allowed_topics: DEFAULT_ALLOWED_TOPICS.map(String::from).to_vec(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_in_flight_bytes: DEFAULT_MAX_IN_FLIGHT_BYTES,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            stats_interval_ms: DEFAULT_STATS_INTERVAL_MS,
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

    /// Checks that the limits fit together; `Err` names the flags.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_record_bytes > self.max_in_flight_bytes {
            return Err(format!(
                "--max-record-bytes ({}) must not exceed --max-in-flight-bytes ({}): \
                 such a record could never be accepted",
                self.max_record_bytes, self.max_in_flight_bytes
            ));
        }
        if self.allowed_topics.iter().any(|t| t.trim().is_empty()) {
            return Err("--allow-topic needs a topic name or a prefix ending in `*`".into());
        }
        Ok(())
    }

    /// The limits as announced in `welcome`.
    pub fn limits(&self) -> producer_wire::Limits {
        producer_wire::Limits {
            max_frame_bytes: self.max_frame_bytes as u64,
            max_record_bytes: self.max_record_bytes as u64,
            max_in_flight: self.max_in_flight as u64,
            max_in_flight_bytes: self.max_in_flight_bytes as u64,
            allowed_topics: self.allowed_topics.clone(),
        }
    }
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
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
            "--allow-topic",
            "orders",
            "--allow-topic",
            "lab-*",
            "--max-connections",
            "5",
            "--max-in-flight",
            "100",
            "--max-in-flight-bytes",
            "65536",
            "--max-frame-bytes",
            "8192",
            "--max-record-bytes",
            "4096",
            "--stats-interval-ms",
            "0",
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
        assert_eq!(c.allowed_topics, ["orders", "lab-*"]);
        assert_eq!(
            (
                c.max_connections,
                c.max_in_flight,
                c.max_in_flight_bytes,
                c.max_frame_bytes,
                c.max_record_bytes,
                c.stats_interval_ms
            ),
            (5, 100, 65536, 8192, 4096, 0)
        );
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn limits_are_checked() {
        let err = BridgeConfig::try_parse_from(["producer-bridge", "--max-in-flight", "0"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 1"), "{err}");
        let c = BridgeConfig {
            max_record_bytes: 10,
            max_in_flight_bytes: 5,
            ..BridgeConfig::default()
        };
        assert!(c.validate().unwrap_err().contains("--max-record-bytes"));
        let c = BridgeConfig {
            allowed_topics: vec![" ".into()],
            ..BridgeConfig::default()
        };
        assert!(c.validate().unwrap_err().contains("--allow-topic"));
        assert_eq!(BridgeConfig::default().validate(), Ok(()));
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
            "--allow-topic",
            "--max-connections",
            "--max-in-flight",
            "--max-in-flight-bytes",
            "--max-frame-bytes",
            "--max-record-bytes",
            "--stats-interval-ms",
            "/metrics",
            "[default: 64]",
            "[default: 10000]",
        ] {
            assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
        }
    }
}
