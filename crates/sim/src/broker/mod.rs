//! The simulated brokers: replicated partition logs, the acks=all purgatory, follower
//! fetching, ISR and high watermark, the idempotent-producer state, and the controller.

pub mod cluster;
pub mod log;
pub mod partition;
pub mod producer_state_manager;

pub use cluster::{Cluster, ClusterConfig};
pub use log::{LogEntry, Replica};
pub use partition::PartitionState;
