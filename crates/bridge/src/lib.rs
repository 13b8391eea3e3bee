//! `producer-bridge`: a WebSocket bridge from the Producer Lab app to a real
//! Kafka cluster, producing with librdkafka (rdkafka).
//!
//! Start it in-process (tests do this) or from the `producer-bridge` binary:
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use producer_bridge::{Bridge, BridgeConfig};
//! let mut config = BridgeConfig::new("127.0.0.1:9092");
//! config.listen = "127.0.0.1:0".parse()?; // any free port
//! let bridge = Bridge::start(config).await?;
//! println!("connect to {}", bridge.ws_url());
//! let report = bridge.shutdown().await?;
//! assert_eq!(report.undelivered, 0);
//! # Ok(()) }
//! ```
//!
//! The frames are [`producer_wire`]'s; `docs/bridge-protocol.md` describes the
//! protocol, the limits and the `configure` mapping.

pub mod config;
pub mod errors;
pub mod java_config;
pub mod kafka;
pub mod metrics;
pub mod outbox;
pub mod security;
mod server;
mod session;
pub mod stats;

pub use config::BridgeConfig;
pub use metrics::MetricsSnapshot;
pub use server::{Bridge, ShutdownReport};
