//! # producer-sim: a faithful, deterministic model of the Kafka producer
//!
//! The pipeline, in `KafkaProducer.doSend` order:
//!
//! ```text
//!  send() ─▶ Serializer ─▶ BuiltInPartitioner ─▶ RecordAccumulator ─▶ Sender ─▶ Broker
//!                                                 (batches per         (ready → drain →    (append, assign
//!                                                  partition)           ProduceRequest)      offsets, dedup)
//!  callbacks ◀──────────────── complete / retry / fail ◀──────────── ProduceResponse ◀──────┘
//! ```
//!
//! Map of the code:
//! - [`simulation`]: the discrete-event loop that owns virtual time; start here.
//! - [`scenario`]: what a run is made of (config, cluster, network, workload, seed).
//! - [`producer`]: the client, named after Kafka's classes.
//! - [`broker`]: partition logs and the idempotent-producer state.
//! - [`event`]: the typed trace the UI renders, and its hash.
//! - [`record_size`], [`protocol`], [`produce_request`]: wire-level facts.
//! - [`rng`]: seeded, portable randomness, one stream per subsystem.
//!
//! Nothing here reads a clock, spawns a thread or draws unseeded randomness.
//!
//! # References
//! apache/kafka `clients/.../producer/internals`, KIP-91, KIP-98, KIP-480, KIP-580, KIP-679,
//! KIP-794, KIP-1030; the project's `producer-semantics.md`.

pub mod bench;
pub mod broker;
pub mod decimal;
pub mod event;
pub mod faults;
pub mod metrics;
pub mod produce_request;
pub mod protocol;
pub mod record_batch;
pub mod record_size;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod simulation;

/// ICU4X's flat sorted-vector map, the model's and the app's ordered map.
pub use litemap;

pub mod producer {
    pub mod batch_records;
    pub mod buffer_pool;
    pub mod built_in_partitioner;
    pub mod exponential_backoff;
    pub mod librdkafka_partitioner;
    pub mod metadata;
    pub mod partitioner;
    pub mod producer_batch;
    pub mod producer_config;
    pub mod record_accumulator;
    pub mod sender;
    pub mod sender_metrics;
    pub mod serializer;
    pub mod transaction_manager;
}

pub use event::{EventKind, SimEvent};
pub use producer::built_in_partitioner::partition_for_key;
pub use scenario::{KeyChoice, Scenario};
pub use simulation::{SetupError, Simulation};
