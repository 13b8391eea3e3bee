//! `ProducerConfig`: the producer's settings under their real key names, with each profile's
//! true defaults, the client's own validation wording, and the warnings the client would log.
//!
//! # Profiles
//! - `kafka-4` (default): Apache Kafka 4.0 Java producer. `linger.ms=5` (KIP-1030),
//!   `max.in.flight > 5` with idempotence on is an error even when idempotence is only the
//!   default (KAFKA-17927), `DefaultPartitioner` / `UniformStickyPartitioner` are gone
//!   (KAFKA-18262), `RoundRobinPartitioner` has the KAFKA-17632 fix.
//! - `kafka-3`: the 3.8 / 3.9.0–3.9.1 Java producer. `linger.ms=0`; `max.in.flight > 5` with
//!   default idempotence turns idempotence off with a warning; the deprecated partitioner
//!   classes still work; `RoundRobinPartitioner` still skips partitions (KAFKA-9965).
//! - `kafka-2.0`: the 2.0 Java producer that tutorials still print: `acks=1`, `retries=0`,
//!   idempotence off, `DefaultPartitioner` sending null keys round-robin. Keys added later
//!   (`delivery.timeout.ms` 2.1, `metadata.max.idle.ms`, `partitioner.*` 3.3,
//!   `retry.backoff.max.ms` 3.7, `compression.*.level` 3.8) are unknown there.
//! - `librdkafka-2`: librdkafka 2.x (what `rdkafka`, confluent-kafka-python/-go/-dotnet use)
//!   with **its own** property names, aliases, defaults, ranges and error strings.
//!
//! # Java keys and defaults (kafka-4 / kafka-3 / kafka-2.0)
//! Source: apache/kafka `ProducerConfig` (`CONFIG` definitions), `CommonClientConfigs`,
//! `CompressionType` (level validators), branches 2.0 / 3.9 / trunk at 4.0.0-SNAPSHOT, and the
//! 4.0 changes from PRs #18080 (linger 5), #17717 (max.in.flight error), #18204 (removals).
//!
//! | key | default | validator |
//! |---|---|---|
//! | `acks` | `all` / `all` / `1` | one of all, -1, 0, 1 |
//! | `batch.size` | 16384 | INT ≥ 0 |
//! | `linger.ms` | 5 / 0 / 0 | LONG ≥ 0 |
//! | `buffer.memory` | 33554432 | LONG ≥ 0 |
//! | `max.in.flight.requests.per.connection` | 5 | INT ≥ 1 |
//! | `enable.idempotence` | true / true / false | BOOLEAN |
//! | `retries` | 2147483647 / 2147483647 / 0 | INT 0..2147483647 |
//! | `delivery.timeout.ms` | 120000 (not in 2.0) | INT ≥ 0 |
//! | `request.timeout.ms` | 30000 | INT ≥ 0 |
//! | `retry.backoff.ms` / `retry.backoff.max.ms` | 100 / 1000 (max not in 2.0) | LONG ≥ 0 |
//! | `max.request.size` | 1048576 | INT ≥ 0 |
//! | `max.block.ms` | 60000 | LONG ≥ 0 |
//! | `compression.type` | none | one of none, gzip, snappy, lz4, zstd (2.0: unchecked string) |
//! | `compression.gzip.level` / `.lz4.level` / `.zstd.level` | -1 / 9 / 3 (3.8+) | 1..9 or -1 / 1..17 / -131072..22 |
//! | `partitioner.class` | null | CLASS |
//! | `partitioner.ignore.keys` | false (3.3+) | BOOLEAN |
//! | `partitioner.adaptive.partitioning.enable` | true (3.3+) | BOOLEAN |
//! | `partitioner.availability.timeout.ms` | 0 (3.3+) | LONG ≥ 0 |
//! | `client.id` | "" → `producer-1` | STRING |
//! | `transactional.id` | null | non-empty STRING |
//! | `transaction.timeout.ms` | 60000 | INT |
//! | `reconnect.backoff.ms` / `.max.ms` | 50 / 1000 | LONG ≥ 0 |
//! | `metadata.max.age.ms` | 300000 | LONG ≥ 0 |
//! | `metadata.max.idle.ms` | 300000 (not in 2.0) | LONG ≥ 5000 |
//! | `metrics.sample.window.ms` / `metrics.num.samples` | 30000 / 2 | LONG ≥ 0 / INT ≥ 1 |
//! | `key.serializer` / `value.serializer` | required (the model assumes `StringSerializer`) | CLASS |
//!
//! # librdkafka properties (librdkafka-2)
//! Source: confluentinc/librdkafka `src/rdkafka_conf.c` (property table, `rd_kafka_anyconf_set_prop`,
//! `rd_kafka_conf_finalize`, `rd_kafka_topic_conf_finalize`), `CONFIGURATION.md`, v2.15.
//! `acks`/`request.required.acks` -1, `batch.size` 1000000, `batch.num.messages` 10000,
//! `linger.ms`/`queue.buffering.max.ms` 5 (a float), `queue.buffering.max.kbytes` 1048576,
//! `queue.buffering.max.messages` 100000, `max.in.flight`/`max.in.flight.requests.per.connection`
//! 1000000, `enable.idempotence` false, `retries`/`message.send.max.retries` 2147483647,
//! `delivery.timeout.ms`/`message.timeout.ms` 300000 (0 = infinite), `request.timeout.ms` 30000,
//! `retry.backoff.ms` 100, `retry.backoff.max.ms` 1000, `message.max.bytes` 1000000,
//! `compression.type`/`compression.codec` none, `compression.level` -1, `partitioner`
//! consistent_random, `sticky.partitioning.linger.ms` 2 × linger.ms = 10, `client.id` rdkafka,
//! `reconnect.backoff.ms` 100, `reconnect.backoff.max.ms` 10000, `metadata.max.age.ms` 900000.
//!
//! Model mapping for librdkafka: `queue.buffering.max.kbytes × 1024` is `buffer_memory`;
//! `message.max.bytes` is `max_request_size`; `max_block_ms` is 0 (`produce()` does not block,
//! it fails with `_QUEUE_FULL`); `message.timeout.ms=0` (infinite) is
//! [`INFINITE_DELIVERY_TIMEOUT_MS`]. The range errors drop the trailing newline librdkafka puts
//! in its message.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::librdkafka_partitioner::LibrdkafkaPartitioner;
use super::partitioner::PartitionerKind;
use super::serializer::{SerializerKind, StringEncoding};
use crate::record_batch::CompressionType;

/// Which client and version's defaults, names and rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Profile {
    /// Apache Kafka 4.x Java producer (the default).
    #[default]
    #[serde(rename = "kafka-4")]
    Kafka4,
    /// Kafka 3.8/3.9 Java producer: as 4.x but `linger.ms=0` and the 3.x leniencies.
    #[serde(rename = "kafka-3")]
    Kafka3,
    /// Kafka 2.0, the defaults most tutorials still print: acks=1, retries=0, no idempotence.
    #[serde(rename = "kafka-2.0")]
    Kafka2_0,
    /// librdkafka 2.x, with its own property names and defaults.
    #[serde(rename = "librdkafka-2")]
    Librdkafka2,
}

/// The client a profile models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Client {
    Java,
    Librdkafka,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::Kafka4,
        Profile::Kafka3,
        Profile::Kafka2_0,
        Profile::Librdkafka2,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Kafka4 => "kafka-4",
            Profile::Kafka3 => "kafka-3",
            Profile::Kafka2_0 => "kafka-2.0",
            Profile::Librdkafka2 => "librdkafka-2",
        }
    }

    pub fn parse(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn client(self) -> Client {
        match self {
            Profile::Librdkafka2 => Client::Librdkafka,
            _ => Client::Java,
        }
    }

    /// One line for the UI.
    pub fn describe(self) -> &'static str {
        match self {
            Profile::Kafka4 => "Apache Kafka 4.0 Java producer",
            Profile::Kafka3 => "Apache Kafka 3.8 / 3.9 Java producer",
            Profile::Kafka2_0 => "Apache Kafka 2.0 Java producer (the tutorials' defaults)",
            Profile::Librdkafka2 => "librdkafka 2.x (rdkafka, confluent-kafka-*)",
        }
    }
}

/// `acks`, normalised as `parseAcks` does (`all` → -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Acks {
    /// acks=0: no response; every offset is -1.
    None,
    /// acks=1: the leader's append.
    Leader,
    /// acks=all (-1): every in-sync replica, gated by min.insync.replicas.
    All,
}

impl Acks {
    pub fn as_i16(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

/// Java's `ConfigException` class name.
pub const CONFIG_EXCEPTION: &str = "org.apache.kafka.common.config.ConfigException";
const KAFKA_EXCEPTION: &str = "org.apache.kafka.common.KafkaException";
/// What `KafkaProducer`'s constructor wraps its failures in.
const FAILED_TO_CONSTRUCT: &str =
    "org.apache.kafka.common.KafkaException: Failed to construct kafka producer";
/// librdkafka: the error string of `rd_kafka_conf_set()`.
pub const RD_KAFKA_CONF_SET: &str = "rd_kafka_conf_set";
/// librdkafka: the error string of `rd_kafka_new()` (`rd_kafka_conf_finalize`).
pub const RD_KAFKA_NEW: &str = "rd_kafka_new";
/// The model's own refusal of something it does not simulate.
pub const MODEL: &str = "producer-sim";

/// A refused configuration, in the client's words. Named after Kafka's `ConfigException`; the
/// `exception` field says what really raised it: a Java exception class, the librdkafka
/// function whose error string `message` is, or [`MODEL`] for what the model does not simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigException {
    /// The key the message is about, when there is one.
    pub key: Option<String>,
    /// Java exception class, `rd_kafka_conf_set` / `rd_kafka_new`, or `producer-sim`.
    pub exception: &'static str,
    pub message: String,
    /// Set when Java's `KafkaProducer` constructor wraps the error: `KafkaException: Failed to
    /// construct kafka producer`, with this error as its cause.
    pub wrapped_in: Option<&'static str>,
}

impl ConfigException {
    /// `new ConfigException(name, value, message)`: `Invalid value V for configuration K: reason`.
    fn invalid(key: &str, value: impl fmt::Display, reason: &str) -> Self {
        ConfigException {
            key: Some(key.to_string()),
            exception: CONFIG_EXCEPTION,
            message: format!("Invalid value {value} for configuration {key}: {reason}"),
            wrapped_in: None,
        }
    }

    /// `new ConfigException(message)`.
    fn about(key: &str, message: impl Into<String>) -> Self {
        ConfigException {
            key: Some(key.to_string()),
            exception: CONFIG_EXCEPTION,
            message: message.into(),
            wrapped_in: None,
        }
    }

    fn raised(exception: &'static str, key: Option<&str>, message: impl Into<String>) -> Self {
        ConfigException {
            key: key.map(str::to_string),
            exception,
            message: message.into(),
            wrapped_in: None,
        }
    }

    /// Thrown inside `KafkaProducer`'s constructor, so wrapped.
    fn in_constructor(mut self) -> Self {
        self.wrapped_in = Some(FAILED_TO_CONSTRUCT);
        self
    }

    fn model(key: &str, message: impl Into<String>) -> Self {
        ConfigException::raised(MODEL, Some(key), message)
    }
}

impl fmt::Display for ConfigException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(outer) = self.wrapped_in {
            write!(f, "{outer}\nCaused by: ")?;
        }
        write!(f, "{}: {}", self.exception, self.message)
    }
}

impl std::error::Error for ConfigException {}

/// Who says a [`ConfigWarning`], and how loudly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// The client logs it at INFO.
    Info,
    /// The client logs it at WARN.
    Warn,
    /// The client says nothing; the model points out something it adjusted or does not simulate.
    Model,
}

/// A message the client would log while building the producer (or a model note).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigWarning {
    pub key: Option<String>,
    pub level: LogLevel,
    pub message: String,
}

/// The effective producer configuration after defaults, validation and the client's
/// adjustments. Build it with [`ProducerConfig::defaults`] or [`ProducerConfig::from_props`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProducerConfig {
    pub profile: Profile,
    pub acks: Acks,
    pub batch_size: usize,
    /// Whole milliseconds; Java clamps to `Integer.MAX_VALUE` before the accumulator sees it.
    pub linger_ms: u64,
    /// The same in microseconds; librdkafka's `linger.ms` is a float (`0.5` → 500 µs).
    pub linger_us: u64,
    pub buffer_memory: u64,
    pub max_in_flight_requests_per_connection: usize,
    pub enable_idempotence: bool,
    pub retries: u32,
    pub delivery_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub retry_backoff_ms: u64,
    pub retry_backoff_max_ms: u64,
    pub max_request_size: usize,
    pub max_block_ms: u64,
    pub partitioner_ignore_keys: bool,
    pub partitioner_adaptive_partitioning_enable: bool,
    pub partitioner_availability_timeout_ms: u64,
    pub compression_type: CompressionType,
    /// Java 3.8+ `compression.gzip.level` (`None` where the key does not exist).
    pub compression_gzip_level: Option<i32>,
    pub compression_lz4_level: Option<i32>,
    pub compression_zstd_level: Option<i32>,
    /// librdkafka `compression.level` (-1 = the codec's default).
    pub compression_level: Option<i32>,
    /// Which partitioning logic applies (`partitioner.class`, `partitioner.ignore.keys`,
    /// librdkafka's `partitioner` and `sticky.partitioning.linger.ms`).
    pub partitioner: PartitionerKind,
    pub client_id: String,
    /// Always `None`: transactions are not modelled, a transactional id is refused.
    pub transactional_id: Option<String>,
    pub transaction_timeout_ms: i64,
    pub reconnect_backoff_ms: u64,
    pub reconnect_backoff_max_ms: u64,
    pub metadata_max_age_ms: u64,
    /// `None` where the key does not exist (Kafka 2.0, librdkafka).
    pub metadata_max_idle_ms: Option<u64>,
    pub metrics_sample_window_ms: Option<u64>,
    pub metrics_num_samples: Option<u32>,
    pub key_serializer: SerializerKind,
    pub value_serializer: SerializerKind,
    /// librdkafka `batch.num.messages` (recorded, not enforced by the model).
    pub batch_num_messages: Option<u32>,
    /// librdkafka `queue.buffering.max.messages` (recorded, not enforced by the model).
    pub queue_buffering_max_messages: Option<u32>,
    /// What the client would log while starting, in order, and the model's notes.
    pub warnings: Vec<ConfigWarning>,
}

/// Kafka's `ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE`, also
/// librdkafka's `RD_KAFKA_IDEMP_MAX_INFLIGHT`.
pub const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: usize = 5;

/// librdkafka's `message.timeout.ms = 0` ("infinite"), as a delivery timeout the model's
/// microsecond arithmetic cannot overflow (about 35,700 years).
pub const INFINITE_DELIVERY_TIMEOUT_MS: u64 = 1 << 50;

/// The Java keys the model understands, in the UI's order.
pub const KNOWN_KEYS: &[&str] = &[
    "acks",
    "batch.size",
    "linger.ms",
    "buffer.memory",
    "max.in.flight.requests.per.connection",
    "enable.idempotence",
    "retries",
    "delivery.timeout.ms",
    "request.timeout.ms",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
    "max.request.size",
    "max.block.ms",
    "compression.type",
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.zstd.level",
    "partitioner.class",
    "partitioner.ignore.keys",
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
    "key.serializer",
    "value.serializer",
    "client.id",
    "transactional.id",
    "transaction.timeout.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "metadata.max.age.ms",
    "metadata.max.idle.ms",
    "metrics.sample.window.ms",
    "metrics.num.samples",
];

/// The librdkafka properties the model understands (canonical names), in the UI's order.
pub const LIBRDKAFKA_KEYS: &[&str] = &[
    "request.required.acks",
    "batch.size",
    "batch.num.messages",
    "queue.buffering.max.ms",
    "queue.buffering.max.kbytes",
    "queue.buffering.max.messages",
    "max.in.flight.requests.per.connection",
    "enable.idempotence",
    "message.send.max.retries",
    "message.timeout.ms",
    "request.timeout.ms",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
    "message.max.bytes",
    "compression.codec",
    "compression.level",
    "partitioner",
    "sticky.partitioning.linger.ms",
    "client.id",
    "transactional.id",
    "transaction.timeout.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "metadata.max.age.ms",
    "topic.metadata.refresh.interval.ms",
];

/// librdkafka's aliases (`_RK_C_ALIAS`): alias → canonical property.
pub const LIBRDKAFKA_ALIASES: &[(&str, &str)] = &[
    ("acks", "request.required.acks"),
    ("linger.ms", "queue.buffering.max.ms"),
    ("max.in.flight", "max.in.flight.requests.per.connection"),
    ("retries", "message.send.max.retries"),
    ("delivery.timeout.ms", "message.timeout.ms"),
    ("compression.type", "compression.codec"),
    ("bootstrap.servers", "metadata.broker.list"),
];

/// What the UI can say about a key: a short description in our words, and where tutorials go
/// wrong about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KeyDoc {
    pub key: &'static str,
    pub client: Client,
    pub doc: &'static str,
    /// "Tutorials say …; true since …", when there is something to correct.
    pub note: Option<&'static str>,
}

const fn java(key: &'static str, doc: &'static str, note: Option<&'static str>) -> KeyDoc {
    KeyDoc {
        key,
        client: Client::Java,
        doc,
        note,
    }
}

const fn rdk(key: &'static str, doc: &'static str, note: Option<&'static str>) -> KeyDoc {
    KeyDoc {
        key,
        client: Client::Librdkafka,
        doc,
        note,
    }
}

/// Documentation for every key in [`KNOWN_KEYS`] and [`LIBRDKAFKA_KEYS`]. Defaults come from
/// `ProducerConfig::defaults(profile).value_of(key)`.
pub const KEY_DOCS: &[KeyDoc] = &[
    java(
        "acks",
        "How many replicas must have the batch before the broker answers: 0 (no answer), 1 (leader), all (every in-sync replica).",
        Some("Tutorials say acks defaults to 1; it is all since Kafka 3.0 (KIP-679)."),
    ),
    java(
        "batch.size",
        "Capacity in bytes of one partition's batch; not the request size.",
        Some("It is per partition; max.request.size caps a whole request."),
    ),
    java(
        "linger.ms",
        "How long a new batch waits for more records before it is ready, counted from the batch's creation.",
        Some(
            "Tutorials say 0; it is 5 since Kafka 4.0 (KIP-1030). The clock starts when the batch is created, not at the last record.",
        ),
    ),
    java(
        "buffer.memory",
        "Bytes the producer may hold in batches waiting to be sent; send() blocks up to max.block.ms when it is full.",
        None,
    ),
    java(
        "max.in.flight.requests.per.connection",
        "Requests one connection may have unanswered at once.",
        Some("Ordering does not need 1: idempotence keeps order for any value up to 5."),
    ),
    java(
        "enable.idempotence",
        "Broker de-duplicates retries by producer id and sequence number.",
        Some(
            "Tutorials say false; true since 3.0, effective since 3.0.1/3.1.1/3.2.0 (KAFKA-13598). Silently turned off by acks or retries settings unless set explicitly.",
        ),
    ),
    java(
        "retries",
        "How often a failed batch is re-sent; delivery.timeout.ms is the real bound.",
        Some("Tutorials say 0; it is 2147483647 since Kafka 2.1 (KIP-91)."),
    ),
    java(
        "delivery.timeout.ms",
        "Upper bound from send() to success or failure, retries included.",
        Some("Added in 2.1 (KIP-91); must be at least linger.ms + request.timeout.ms."),
    ),
    java(
        "request.timeout.ms",
        "How long the client waits for a response; also sent to the broker as the acks=all wait.",
        None,
    ),
    java("retry.backoff.ms", "First wait before a retry.", None),
    java(
        "retry.backoff.max.ms",
        "Cap of the exponential retry backoff (KIP-580, 3.7).",
        None,
    ),
    java(
        "max.request.size",
        "Largest request, and so the largest single record.",
        None,
    ),
    java(
        "max.block.ms",
        "How long send() may block for metadata plus buffer memory.",
        Some("send() does block: on metadata and on a full buffer."),
    ),
    java(
        "compression.type",
        "Codec for whole batches: none, gzip, snappy, lz4, zstd.",
        None,
    ),
    java(
        "compression.gzip.level",
        "gzip level, 1..9 or -1 for the default (3.8+).",
        None,
    ),
    java("compression.lz4.level", "lz4 level, 1..17 (3.8+).", None),
    java(
        "compression.zstd.level",
        "zstd level, -131072..22 (3.8+).",
        None,
    ),
    java(
        "partitioner.class",
        "A pluggable partitioner; unset means the built-in logic.",
        Some(
            "Tutorials say null keys go round-robin; since 2.4 they stick to a partition (KIP-480, KIP-794). RoundRobinPartitioner skipped partitions until KAFKA-17632 (3.9.2/4.0).",
        ),
    ),
    java(
        "partitioner.ignore.keys",
        "Send keyed records through the sticky partitioner too (3.3+).",
        None,
    ),
    java(
        "partitioner.adaptive.partitioning.enable",
        "Prefer partitions whose brokers drain faster when choosing the sticky partition (3.3+).",
        None,
    ),
    java(
        "partitioner.availability.timeout.ms",
        "Treat a partition as unavailable after its broker cannot take data this long; 0 = off (3.3+).",
        None,
    ),
    java(
        "key.serializer",
        "Class turning the key into bytes; the partition hash covers these bytes.",
        Some(
            "Tutorials say partition = abs(key.hashCode()) % n; it is toPositive(murmur2(serialized key)) % n.",
        ),
    ),
    java(
        "value.serializer",
        "Class turning the value into bytes.",
        None,
    ),
    java(
        "client.id",
        "Name in broker logs and metrics; default producer-N.",
        None,
    ),
    java(
        "transactional.id",
        "Enables transactions (not modelled: refused).",
        None,
    ),
    java(
        "transaction.timeout.ms",
        "How long a transaction may stay open (recorded only).",
        None,
    ),
    java(
        "reconnect.backoff.ms",
        "First wait before reconnecting to a broker (recorded only).",
        None,
    ),
    java(
        "reconnect.backoff.max.ms",
        "Cap of the reconnect backoff (recorded only).",
        None,
    ),
    java(
        "metadata.max.age.ms",
        "Metadata is refreshed at least this often (recorded only).",
        None,
    ),
    java(
        "metadata.max.idle.ms",
        "Metadata of a topic not produced to for this long is dropped; at least 5000 (recorded only).",
        None,
    ),
    java(
        "metrics.sample.window.ms",
        "Length of one metrics sample window.",
        None,
    ),
    java(
        "metrics.num.samples",
        "Sample windows kept for rates and averages.",
        None,
    ),
    rdk(
        "request.required.acks",
        "Alias acks. -1/all, 0 or 1 (librdkafka accepts up to 1000; brokers refuse >1).",
        Some("librdkafka also defaults to all."),
    ),
    rdk(
        "batch.size",
        "Bytes of one MessageSet, framing included; applied after the first message.",
        Some("1000000 bytes, not 16384 as in Java."),
    ),
    rdk(
        "batch.num.messages",
        "Messages in one MessageSet (recorded, not enforced by the model).",
        None,
    ),
    rdk(
        "queue.buffering.max.ms",
        "Alias linger.ms. Float milliseconds.",
        Some("5 ms since librdkafka 1.5.0 (was 0.5)."),
    ),
    rdk(
        "queue.buffering.max.kbytes",
        "Producer queue limit in KiB; produce() fails with _QUEUE_FULL instead of blocking.",
        None,
    ),
    rdk(
        "queue.buffering.max.messages",
        "Producer queue limit in messages (recorded, not enforced by the model).",
        None,
    ),
    rdk(
        "max.in.flight.requests.per.connection",
        "Alias max.in.flight.",
        Some("1000000 by default, not 5."),
    ),
    rdk(
        "enable.idempotence",
        "Idempotent producer; adjusts max.in.flight, retries and acks unless the user set them.",
        Some("Still false by default in librdkafka."),
    ),
    rdk("message.send.max.retries", "Alias retries.", None),
    rdk(
        "message.timeout.ms",
        "Alias delivery.timeout.ms. 0 = infinite.",
        Some("300000, not 120000 as in Java."),
    ),
    rdk(
        "request.timeout.ms",
        "Ack timeout the broker enforces.",
        None,
    ),
    rdk("retry.backoff.ms", "First retry backoff.", None),
    rdk("retry.backoff.max.ms", "Retry backoff cap.", None),
    rdk("message.max.bytes", "Largest request.", None),
    rdk("compression.codec", "Alias compression.type.", None),
    rdk("compression.level", "-1 (codec default) .. 12.", None),
    rdk(
        "partitioner",
        "random, consistent, consistent_random, murmur2, murmur2_random, fnv1a, fnv1a_random.",
        Some(
            "Default consistent_random hashes with CRC32, not murmur2: the same key lands elsewhere than with Java. Use murmur2_random to match Java.",
        ),
    ),
    rdk(
        "sticky.partitioning.linger.ms",
        "How long null-key messages stick to one partition; 0 = per-message random.",
        Some("Time-based, unlike Java's byte-based stickiness; defaults to 2 × linger.ms."),
    ),
    rdk("client.id", "Client name; default rdkafka.", None),
    rdk(
        "transactional.id",
        "Enables transactions (not modelled: refused).",
        None,
    ),
    rdk(
        "transaction.timeout.ms",
        "Transaction timeout (recorded only).",
        None,
    ),
    rdk(
        "reconnect.backoff.ms",
        "First reconnect backoff (recorded only).",
        None,
    ),
    rdk(
        "reconnect.backoff.max.ms",
        "Reconnect backoff cap (recorded only).",
        None,
    ),
    rdk(
        "metadata.max.age.ms",
        "Metadata cache max age; default 3 × topic.metadata.refresh.interval.ms (recorded only).",
        None,
    ),
    rdk(
        "topic.metadata.refresh.interval.ms",
        "Metadata refresh period (recorded only).",
        None,
    ),
];

/// The documentation of a key (an alias finds its canonical librdkafka property).
pub fn key_doc(client: Client, key: &str) -> Option<&'static KeyDoc> {
    let key = match client {
        Client::Librdkafka => resolve_alias(key),
        Client::Java => key,
    };
    KEY_DOCS.iter().find(|d| d.client == client && d.key == key)
}

fn resolve_alias(key: &str) -> &str {
    LIBRDKAFKA_ALIASES
        .iter()
        .find(|(a, _)| *a == key)
        .map_or(key, |(_, c)| c)
}

/// A Java class the model knows by name, and from which version it exists.
#[derive(Clone, Copy, PartialEq, Eq)]
enum JavaClass {
    Partitioner,
    Serializer(SerializerKind),
    Deserializer,
}

fn java_class(profile: Profile, name: &str) -> Option<JavaClass> {
    let modern = profile != Profile::Kafka2_0;
    match name {
        "org.apache.kafka.clients.producer.RoundRobinPartitioner" if modern => {
            Some(JavaClass::Partitioner)
        }
        "org.apache.kafka.clients.producer.internals.DefaultPartitioner"
            if profile != Profile::Kafka4 =>
        {
            Some(JavaClass::Partitioner)
        }
        "org.apache.kafka.clients.producer.UniformStickyPartitioner"
            if profile == Profile::Kafka3 =>
        {
            Some(JavaClass::Partitioner)
        }
        _ => {
            if let Some(kind) = SerializerKind::from_class_name(name) {
                return Some(JavaClass::Serializer(kind));
            }
            let simple = name.strip_prefix("org.apache.kafka.common.serialization.")?;
            [
                "StringDeserializer",
                "IntegerDeserializer",
                "LongDeserializer",
                "ShortDeserializer",
                "FloatDeserializer",
                "DoubleDeserializer",
                "ByteArrayDeserializer",
            ]
            .contains(&simple)
            .then_some(JavaClass::Deserializer)
        }
    }
}

/// Java keys that Kafka knows but the model does not simulate: accepted without validation.
const JAVA_UNMODELLED_KEYS: &[&str] = &[
    "bootstrap.servers",
    "client.dns.lookup",
    "send.buffer.bytes",
    "receive.buffer.bytes",
    "enable.metrics.push",
    "metrics.recording.level",
    "metric.reporters",
    "socket.connection.setup.timeout.ms",
    "socket.connection.setup.timeout.max.ms",
    "connections.max.idle.ms",
    "interceptor.classes",
    "security.protocol",
    "security.providers",
    "metadata.recovery.strategy",
    "metadata.recovery.rebootstrap.trigger.ms",
];

/// Keys `StringSerializer.configure` reads (not `ConfigDef` keys; Kafka does not log them).
const SERIALIZER_ENCODING_KEYS: [&str; 3] = [
    "key.serializer.encoding",
    "value.serializer.encoding",
    "serializer.encoding",
];

/// Whether a modelled Java key exists in the profile's Kafka version.
fn java_key_exists(profile: Profile, key: &str) -> bool {
    if profile != Profile::Kafka2_0 {
        return KNOWN_KEYS.contains(&key);
    }
    !matches!(
        key,
        "delivery.timeout.ms"
            | "metadata.max.idle.ms"
            | "partitioner.ignore.keys"
            | "partitioner.adaptive.partitioning.enable"
            | "partitioner.availability.timeout.ms"
            | "retry.backoff.max.ms"
            | "compression.gzip.level"
            | "compression.lz4.level"
            | "compression.zstd.level"
    ) && KNOWN_KEYS.contains(&key)
}

/// `ConfigDef` definition order (4.0), which decides which bad key is reported first.
const JAVA_DEFINITION_ORDER: &[&str] = &[
    "buffer.memory",
    "retries",
    "acks",
    "compression.type",
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.zstd.level",
    "batch.size",
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
    "partitioner.ignore.keys",
    "linger.ms",
    "delivery.timeout.ms",
    "client.id",
    "max.request.size",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
    "max.block.ms",
    "request.timeout.ms",
    "metadata.max.age.ms",
    "metadata.max.idle.ms",
    "metrics.sample.window.ms",
    "metrics.num.samples",
    "max.in.flight.requests.per.connection",
    "key.serializer",
    "value.serializer",
    "partitioner.class",
    "enable.idempotence",
    "transaction.timeout.ms",
    "transactional.id",
];

impl ProducerConfig {
    /// The profile's defaults, with no user settings.
    pub fn defaults(profile: Profile) -> Self {
        match profile.client() {
            Client::Java => Self::java_defaults(profile),
            Client::Librdkafka => Self::librdkafka_defaults(),
        }
    }

    fn java_defaults(profile: Profile) -> Self {
        let modern = profile != Profile::Kafka2_0;
        let linger_ms = if profile == Profile::Kafka4 { 5 } else { 0 };
        let mut c = ProducerConfig {
            profile,
            acks: if modern { Acks::All } else { Acks::Leader },
            batch_size: 16384,
            linger_ms,
            linger_us: linger_ms * 1000,
            buffer_memory: 33_554_432,
            max_in_flight_requests_per_connection: 5,
            enable_idempotence: modern,
            retries: if modern { i32::MAX as u32 } else { 0 },
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            // Kafka 2.0 has no exponential backoff: a constant retry.backoff.ms.
            retry_backoff_max_ms: if modern { 1000 } else { 100 },
            max_request_size: 1_048_576,
            max_block_ms: 60_000,
            partitioner_ignore_keys: false,
            partitioner_adaptive_partitioning_enable: modern,
            partitioner_availability_timeout_ms: 0,
            compression_type: CompressionType::None,
            compression_gzip_level: modern.then_some(-1),
            compression_lz4_level: modern.then_some(9),
            compression_zstd_level: modern.then_some(3),
            compression_level: None,
            partitioner: if modern {
                PartitionerKind::BuiltIn { ignore_keys: false }
            } else {
                PartitionerKind::LegacyDefault
            },
            client_id: "producer-1".into(),
            transactional_id: None,
            transaction_timeout_ms: 60_000,
            reconnect_backoff_ms: 50,
            reconnect_backoff_max_ms: 1000,
            metadata_max_age_ms: 300_000,
            metadata_max_idle_ms: modern.then_some(300_000),
            metrics_sample_window_ms: Some(30_000),
            metrics_num_samples: Some(2),
            key_serializer: SerializerKind::STRING_UTF8,
            value_serializer: SerializerKind::STRING_UTF8,
            batch_num_messages: None,
            queue_buffering_max_messages: None,
            warnings: Vec::new(),
        };
        if !modern {
            c.note(
                None,
                "Kafka 2.0 has no delivery.timeout.ms (KIP-91 came in 2.1) and expires batches after request.timeout.ms; the model still applies a 120000 ms delivery timeout.",
            );
        }
        c
    }

    fn librdkafka_defaults() -> Self {
        let mut c = ProducerConfig {
            profile: Profile::Librdkafka2,
            acks: Acks::All,
            batch_size: 1_000_000,
            linger_ms: 5,
            linger_us: 5000,
            buffer_memory: 1_048_576 * 1024,
            max_in_flight_requests_per_connection: 1_000_000,
            enable_idempotence: false,
            retries: i32::MAX as u32,
            delivery_timeout_ms: 300_000,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1000,
            max_request_size: 1_000_000,
            max_block_ms: 0,
            partitioner_ignore_keys: false,
            partitioner_adaptive_partitioning_enable: false,
            partitioner_availability_timeout_ms: 0,
            compression_type: CompressionType::None,
            compression_gzip_level: None,
            compression_lz4_level: None,
            compression_zstd_level: None,
            compression_level: Some(-1),
            partitioner: PartitionerKind::Librdkafka {
                partitioner: LibrdkafkaPartitioner::ConsistentRandom,
                sticky_linger_ms: 10,
            },
            client_id: "rdkafka".into(),
            transactional_id: None,
            transaction_timeout_ms: 60_000,
            reconnect_backoff_ms: 100,
            reconnect_backoff_max_ms: 10_000,
            metadata_max_age_ms: 900_000,
            metadata_max_idle_ms: None,
            metrics_sample_window_ms: None,
            metrics_num_samples: None,
            key_serializer: SerializerKind::ByteArray,
            value_serializer: SerializerKind::ByteArray,
            batch_num_messages: Some(10_000),
            queue_buffering_max_messages: Some(100_000),
            warnings: Vec::new(),
        };
        c.note(
            None,
            "librdkafka's settings drive the model's Java-shaped accumulator and sender: batch.num.messages and queue.buffering.max.messages are recorded, not enforced, and a full queue fails produce() at once (max.block.ms 0).",
        );
        c
    }

    fn log(&mut self, key: Option<&str>, level: LogLevel, message: impl Into<String>) {
        self.warnings.push(ConfigWarning {
            key: key.map(str::to_string),
            level,
            message: message.into(),
        });
    }

    fn note(&mut self, key: Option<&str>, message: impl Into<String>) {
        self.log(key, LogLevel::Model, message);
    }

    /// Applies user settings (key → string value, as in a `.properties` file) on top of the
    /// profile's defaults and validates them the way the client does when the producer is
    /// created. For librdkafka the map's order (sorted keys) is the order of
    /// `rd_kafka_conf_set` calls, which matters only when an alias and its property are both set.
    pub fn from_props(
        profile: Profile,
        props: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigException> {
        match profile.client() {
            Client::Java => Self::from_java_props(profile, props),
            Client::Librdkafka => Self::from_librdkafka_props(props),
        }
    }

    fn from_java_props(
        profile: Profile,
        props: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigException> {
        let mut c = ProducerConfig::defaults(profile);
        // `ConfigDef.parse`: type, then validator, key by key in definition order.
        let mut partitioner_class: Option<String> = None;
        for &key in JAVA_DEFINITION_ORDER {
            if !java_key_exists(profile, key) {
                continue;
            }
            if let Some(raw) = props.get(key) {
                c.apply_java(key, raw, &mut partitioner_class)?;
            }
        }
        let mut unknown = Vec::new();
        for key in props.keys() {
            let k = key.as_str();
            if java_key_exists(profile, k) || SERIALIZER_ENCODING_KEYS.contains(&k) {
                continue;
            }
            if JAVA_UNMODELLED_KEYS.contains(&k) || k.starts_with("ssl.") || k.starts_with("sasl.")
            {
                c.note(
                    Some(k),
                    format!("{k} is accepted; the model does not simulate it."),
                );
            } else {
                unknown.push(k);
            }
        }
        if profile == Profile::Kafka2_0 {
            c.java_2_0_post_process(props)?;
        } else {
            c.java_post_process(props)?;
        }
        c.configure_java_instances(props, partitioner_class.as_deref())?;
        if profile != Profile::Kafka2_0 {
            c.configure_delivery_timeout(props)?;
        }
        // `logUnused`.
        if !unknown.is_empty() {
            if profile == Profile::Kafka2_0 {
                for k in unknown {
                    c.log(
                        Some(k),
                        LogLevel::Warn,
                        format!("The configuration '{k}' was supplied but isn't a known config."),
                    );
                }
            } else {
                c.log(
                    None,
                    LogLevel::Info,
                    format!(
                        "These configurations '[{}]' were supplied but are not used yet.",
                        unknown.join(", ")
                    ),
                );
            }
        }
        if c.transactional_id.is_some() {
            c.transactional_id = None;
            return Err(ConfigException::model(
                "transactional.id",
                "Transactions are not modelled: producer-sim simulates the idempotent producer only, so a transactional.id cannot be set.",
            ));
        }
        Ok(c)
    }

    /// One key through `ConfigDef.parseType` and its validator.
    fn apply_java(
        &mut self,
        key: &str,
        raw: &str,
        partitioner_class: &mut Option<String>,
    ) -> Result<(), ConfigException> {
        let profile = self.profile;
        match key {
            "acks" => {
                let v = raw.trim();
                self.acks = match v {
                    "all" | "-1" => Acks::All,
                    "1" => Acks::Leader,
                    "0" => Acks::None,
                    _ => {
                        return Err(ConfigException::invalid(
                            key,
                            v,
                            "String must be one of: all, -1, 0, 1",
                        ));
                    }
                }
            }
            "batch.size" => self.batch_size = at_least(key, j_int(key, raw)?, 0)? as usize,
            "linger.ms" => {
                let v = at_least(key, j_long(key, raw)?, 0)? as u64;
                // `KafkaProducer.lingerMs`: (int) min(linger.ms, Integer.MAX_VALUE).
                self.linger_ms = v.min(i32::MAX as u64);
                self.linger_us = self.linger_ms * 1000;
            }
            "buffer.memory" => self.buffer_memory = at_least(key, j_long(key, raw)?, 0)? as u64,
            "max.in.flight.requests.per.connection" => {
                self.max_in_flight_requests_per_connection =
                    at_least(key, j_int(key, raw)?, 1)? as usize
            }
            "enable.idempotence" => self.enable_idempotence = j_bool(key, raw)?,
            "retries" => {
                self.retries = between(key, j_int(key, raw)?, 0, i64::from(i32::MAX))? as u32
            }
            "delivery.timeout.ms" => {
                self.delivery_timeout_ms = at_least(key, j_int(key, raw)?, 0)? as u64
            }
            "request.timeout.ms" => {
                self.request_timeout_ms = at_least(key, j_int(key, raw)?, 0)? as u64
            }
            "retry.backoff.ms" => {
                self.retry_backoff_ms = at_least(key, j_long(key, raw)?, 0)? as u64;
                if profile == Profile::Kafka2_0 {
                    self.retry_backoff_max_ms = self.retry_backoff_ms;
                }
            }
            "retry.backoff.max.ms" => {
                self.retry_backoff_max_ms = at_least(key, j_long(key, raw)?, 0)? as u64
            }
            "max.request.size" => {
                self.max_request_size = at_least(key, j_int(key, raw)?, 0)? as usize
            }
            "max.block.ms" => self.max_block_ms = at_least(key, j_long(key, raw)?, 0)? as u64,
            "compression.type" => {
                let v = raw.trim();
                let found = CompressionType::ALL.into_iter().find(|t| t.name() == v);
                match (found, profile) {
                    (Some(t), _) => self.compression_type = t,
                    // 2.0: a free string; `CompressionType.forName` throws in the constructor.
                    (None, Profile::Kafka2_0) => {
                        return Err(ConfigException::raised(
                            "java.lang.IllegalArgumentException",
                            Some(key),
                            format!("Unknown compression name: {v}"),
                        )
                        .in_constructor());
                    }
                    (None, _) => {
                        return Err(ConfigException::invalid(
                            key,
                            v,
                            "String must be one of: none, gzip, snappy, lz4, zstd",
                        ));
                    }
                }
            }
            "compression.gzip.level" => {
                let n = j_int(key, raw)?;
                if n > 9 || (n < 1 && n != -1) {
                    return Err(ConfigException::invalid(
                        key,
                        n,
                        "Value must be between 1 and 9 or equal to -1",
                    ));
                }
                self.compression_gzip_level = Some(n as i32);
            }
            "compression.lz4.level" => {
                self.compression_lz4_level = Some(between(key, j_int(key, raw)?, 1, 17)? as i32)
            }
            "compression.zstd.level" => {
                self.compression_zstd_level =
                    Some(between(key, j_int(key, raw)?, -131_072, 22)? as i32)
            }
            "partitioner.ignore.keys" => self.partitioner_ignore_keys = j_bool(key, raw)?,
            "partitioner.adaptive.partitioning.enable" => {
                self.partitioner_adaptive_partitioning_enable = j_bool(key, raw)?
            }
            "partitioner.availability.timeout.ms" => {
                self.partitioner_availability_timeout_ms =
                    at_least(key, j_long(key, raw)?, 0)? as u64
            }
            "client.id" => self.client_id = raw.trim().to_string(),
            "transactional.id" => {
                let v = raw.trim();
                if v.is_empty() {
                    return Err(ConfigException::invalid(key, v, "String must be non-empty"));
                }
                self.transactional_id = Some(v.to_string());
            }
            "transaction.timeout.ms" => self.transaction_timeout_ms = j_int(key, raw)?,
            "reconnect.backoff.ms" => {
                self.reconnect_backoff_ms = at_least(key, j_long(key, raw)?, 0)? as u64
            }
            "reconnect.backoff.max.ms" => {
                self.reconnect_backoff_max_ms = at_least(key, j_long(key, raw)?, 0)? as u64
            }
            "metadata.max.age.ms" => {
                self.metadata_max_age_ms = at_least(key, j_long(key, raw)?, 0)? as u64
            }
            "metadata.max.idle.ms" => {
                self.metadata_max_idle_ms = Some(at_least(key, j_long(key, raw)?, 5000)? as u64)
            }
            "metrics.sample.window.ms" => {
                self.metrics_sample_window_ms = Some(at_least(key, j_long(key, raw)?, 0)? as u64)
            }
            "metrics.num.samples" => {
                self.metrics_num_samples = Some(at_least(key, j_int(key, raw)?, 1)? as u32)
            }
            "key.serializer" | "value.serializer" | "partitioner.class" => {
                // `Type.CLASS`: the class is loaded while parsing.
                let name = raw.trim();
                if java_class(profile, name).is_none() {
                    return Err(ConfigException::invalid(
                        key,
                        raw,
                        &format!("Class {raw} could not be found."),
                    ));
                }
                if key == "partitioner.class" {
                    *partitioner_class = Some(name.to_string());
                }
            }
            _ => unreachable!("{key} is in the definition order but not handled"),
        }
        Ok(())
    }

    /// `ProducerConfig.postProcessParsedConfig` (3.x / 4.x).
    fn java_post_process(
        &mut self,
        props: &BTreeMap<String, String>,
    ) -> Result<(), ConfigException> {
        // `CommonClientConfigs.warnDisablingExponentialBackoff`.
        if self.retry_backoff_ms > self.retry_backoff_max_ms {
            let (b, m) = (self.retry_backoff_ms, self.retry_backoff_max_ms);
            self.log(
                Some("retry.backoff.ms"),
                LogLevel::Warn,
                format!("Configuration 'retry.backoff.ms' with value '{b}' is greater than configuration 'retry.backoff.max.ms' with value '{m}'. A static backoff with value '{m}' will be applied."),
            );
        }
        self.post_process_reconnect_backoff(props);
        self.post_process_idempotence(props)?;
        if !props.contains_key("client.id") {
            // `maybeOverrideClientId`: "producer-" + transactional.id, or the process-wide counter.
            self.client_id = match &self.transactional_id {
                Some(t) => format!("producer-{t}"),
                None => "producer-1".into(),
            };
        }
        Ok(())
    }

    /// `CommonClientConfigs.postProcessReconnectBackoffConfigs`.
    fn post_process_reconnect_backoff(&mut self, props: &BTreeMap<String, String>) {
        if props.contains_key("reconnect.backoff.ms")
            && !props.contains_key("reconnect.backoff.max.ms")
        {
            self.log(
                Some("reconnect.backoff.ms"),
                LogLevel::Warn,
                "Disabling exponential reconnect backoff because reconnect.backoff.ms is set, but reconnect.backoff.max.ms is not.",
            );
            self.reconnect_backoff_max_ms = self.reconnect_backoff_ms;
        }
    }

    /// `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: a conflicting setting is an
    /// error when the user set `enable.idempotence` explicitly, and turns idempotence off when it
    /// is only the default. The `max.in.flight` check runs whenever idempotence is on before
    /// the adjustments: in 4.0 (KAFKA-17927) it is an error even when `acks=1` has just switched
    /// implicit idempotence off; in 3.x it turns idempotence off with a warning.
    fn post_process_idempotence(
        &mut self,
        props: &BTreeMap<String, String>,
    ) -> Result<(), ConfigException> {
        let explicit = props.contains_key("enable.idempotence");
        let mut disable = false;
        if self.enable_idempotence {
            if self.retries == 0 {
                if explicit {
                    return Err(ConfigException::about(
                        "retries",
                        "Must set retries to non-zero when using the idempotent producer.",
                    ));
                }
                self.log(
                    Some("retries"),
                    LogLevel::Info,
                    "Idempotence will be disabled because retries is set to 0.",
                );
                disable = true;
            }
            if self.acks != Acks::All {
                if explicit {
                    return Err(ConfigException::about(
                        "acks",
                        "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.",
                    ));
                }
                let acks = self.acks.as_i16();
                self.log(
                    Some("acks"),
                    LogLevel::Info,
                    format!("Idempotence will be disabled because acks is set to {acks}, not set to 'all'."),
                );
                disable = true;
            }
            let in_flight = self.max_in_flight_requests_per_connection;
            if in_flight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
                let key = "max.in.flight.requests.per.connection";
                if self.profile == Profile::Kafka4 {
                    return Err(ConfigException::about(
                        key,
                        format!(
                            "To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. Current value is {in_flight}."
                        ),
                    ));
                }
                if explicit {
                    return Err(ConfigException::about(
                        key,
                        "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.",
                    ));
                }
                self.log(
                    Some(key),
                    LogLevel::Warn,
                    format!("Idempotence will be disabled because max.in.flight.requests.per.connection is set to {in_flight}, which is greater than 5. Please note that in v4.0.0 and onward, this will become an error."),
                );
                disable = true;
            }
        }
        if disable {
            self.enable_idempotence = false;
        }
        if !self.enable_idempotence && props.contains_key("transactional.id") {
            return Err(ConfigException::about(
                "transactional.id",
                "Cannot set a transactional.id without also enabling idempotence.",
            ));
        }
        Ok(())
    }

    /// Kafka 2.0: reconnect post-processing in `ProducerConfig`, then `KafkaProducer`'s
    /// `configureTransactionState`, `configureRetries`, `configureInflightRequests` and
    /// `configureAcks` (errors wrapped by the constructor). Idempotence is off unless set; with
    /// it on, unset `retries` and `acks` become MAX and all.
    fn java_2_0_post_process(
        &mut self,
        props: &BTreeMap<String, String>,
    ) -> Result<(), ConfigException> {
        self.post_process_reconnect_backoff(props);
        let explicit_idempotence = props.contains_key("enable.idempotence");
        let transactional = props.contains_key("transactional.id");
        if !self.enable_idempotence && explicit_idempotence && transactional {
            return Err(ConfigException::about(
                "transactional.id",
                "Cannot set a transactional.id without also enabling idempotence.",
            )
            .in_constructor());
        }
        if transactional {
            self.enable_idempotence = true;
        }
        if self.enable_idempotence {
            if !props.contains_key("retries") {
                self.log(
                    Some("retries"),
                    LogLevel::Info,
                    "Overriding the default retries config to the recommended value of 2147483647 since the idempotent producer is enabled.",
                );
                self.retries = i32::MAX as u32;
            } else if self.retries == 0 {
                return Err(ConfigException::about(
                    "retries",
                    "Must set retries to non-zero when using the idempotent producer.",
                )
                .in_constructor());
            }
            if self.max_in_flight_requests_per_connection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
                return Err(ConfigException::about(
                    "max.in.flight.requests.per.connection",
                    "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.",
                )
                .in_constructor());
            }
            if !props.contains_key("acks") {
                self.log(
                    Some("acks"),
                    LogLevel::Info,
                    "Overriding the default acks to all since idempotence is enabled.",
                );
                self.acks = Acks::All;
            } else if self.acks != Acks::All {
                return Err(ConfigException::about(
                    "acks",
                    "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.",
                )
                .in_constructor());
            }
        }
        if !props.contains_key("client.id") {
            self.client_id = "producer-1".into();
        }
        Ok(())
    }

    /// `KafkaProducer`'s constructor: `getConfiguredInstance` for the partitioner and the
    /// serializers (a loaded class that is not of the right interface fails here), the
    /// deprecation warnings, and `StringSerializer.configure` (encodings).
    fn configure_java_instances(
        &mut self,
        props: &BTreeMap<String, String>,
        partitioner_class: Option<&str>,
    ) -> Result<(), ConfigException> {
        let not_instance = |key: &str, class: &str, interface: &str| {
            ConfigException::raised(
                KAFKA_EXCEPTION,
                Some(key),
                // `klass + " is not an instance of " + t.getName()`, klass being the loaded Class.
                format!("class {class} is not an instance of {interface}"),
            )
            .in_constructor()
        };
        let profile = self.profile;
        self.partitioner = match partitioner_class {
            None if profile == Profile::Kafka2_0 => PartitionerKind::LegacyDefault,
            None => PartitionerKind::BuiltIn {
                ignore_keys: self.partitioner_ignore_keys,
            },
            Some(class) => {
                if java_class(profile, class) != Some(JavaClass::Partitioner) {
                    return Err(not_instance(
                        "partitioner.class",
                        class,
                        "org.apache.kafka.clients.producer.Partitioner",
                    ));
                }
                match class {
                    "org.apache.kafka.clients.producer.RoundRobinPartitioner" => {
                        PartitionerKind::RoundRobin {
                            kafka_17632_fixed: profile == Profile::Kafka4,
                        }
                    }
                    "org.apache.kafka.clients.producer.UniformStickyPartitioner" => {
                        self.log(
                            Some("partitioner.class"),
                            LogLevel::Warn,
                            "UniformStickyPartitioner is deprecated.  Please clear partitioner.class configuration setting and set partitioner.ignore.keys to 'true' to get the uniform sticky partitioning behavior",
                        );
                        PartitionerKind::UniformSticky
                    }
                    _ if profile == Profile::Kafka2_0 => PartitionerKind::LegacyDefault,
                    _ => {
                        self.log(
                            Some("partitioner.class"),
                            LogLevel::Warn,
                            "DefaultPartitioner is deprecated.  Please clear partitioner.class configuration setting to get the default partitioning behavior",
                        );
                        PartitionerKind::DefaultSticky
                    }
                }
            }
        };
        for (key, which) in [("key.serializer", true), ("value.serializer", false)] {
            let Some(raw) = props.get(key) else {
                continue;
            };
            let class = raw.trim();
            let kind = match java_class(profile, class) {
                Some(JavaClass::Serializer(kind)) => kind,
                _ => {
                    return Err(not_instance(
                        key,
                        class,
                        "org.apache.kafka.common.serialization.Serializer",
                    ));
                }
            };
            let kind = match kind {
                SerializerKind::String { .. } => {
                    let prop = if which {
                        "key.serializer.encoding"
                    } else {
                        "value.serializer.encoding"
                    };
                    let name = props.get(prop).or_else(|| props.get("serializer.encoding"));
                    let encoding = match name {
                        None => StringEncoding::Utf8,
                        Some(n) => StringEncoding::parse(n).ok_or_else(|| {
                            ConfigException::raised(
                                "org.apache.kafka.common.errors.SerializationException",
                                Some(prop),
                                format!("Unsupported encoding {n}"),
                            )
                            .in_constructor()
                        })?,
                    };
                    SerializerKind::String { encoding }
                }
                other => other,
            };
            if which {
                self.key_serializer = kind;
            } else {
                self.value_serializer = kind;
            }
        }
        Ok(())
    }

    /// `KafkaProducer.configureDeliveryTimeout`: delivery.timeout.ms must cover linger.ms +
    /// request.timeout.ms. An explicit value that does not is an error; the default is raised.
    fn configure_delivery_timeout(
        &mut self,
        props: &BTreeMap<String, String>,
    ) -> Result<(), ConfigException> {
        let linger_plus_request = (self.linger_ms + self.request_timeout_ms).min(i32::MAX as u64);
        if self.delivery_timeout_ms < linger_plus_request {
            if props.contains_key("delivery.timeout.ms") {
                return Err(ConfigException::about(
                    "delivery.timeout.ms",
                    "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms",
                )
                .in_constructor());
            }
            self.delivery_timeout_ms = linger_plus_request;
            self.log(
                Some("delivery.timeout.ms"),
                LogLevel::Warn,
                format!("delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms. Setting it to {linger_plus_request}."),
            );
        }
        Ok(())
    }

    fn from_librdkafka_props(props: &BTreeMap<String, String>) -> Result<Self, ConfigException> {
        let mut c = ProducerConfig::defaults(Profile::Librdkafka2);
        let mut r = RdkRaw::default();
        for (key, raw) in props {
            c.apply_librdkafka(key, raw, &mut r)?;
        }
        c.finalize_librdkafka(&r)?;
        if c.transactional_id.is_some() {
            c.transactional_id = None;
            return Err(ConfigException::model(
                "transactional.id",
                "Transactions are not modelled: producer-sim simulates the idempotent producer only, so a transactional.id cannot be set.",
            ));
        }
        Ok(c)
    }

    /// `rd_kafka_conf_set(conf, key, value)`.
    fn apply_librdkafka(
        &mut self,
        key: &str,
        raw: &str,
        r: &mut RdkRaw,
    ) -> Result<(), ConfigException> {
        let resolved = resolve_alias(key);
        let Some(&name) = LIBRDKAFKA_KEYS.iter().find(|k| **k == resolved) else {
            let name = resolved;
            if name == "metadata.broker.list" || LIBRDKAFKA_OTHER_PROPERTIES.contains(&name) {
                self.note(
                    Some(key),
                    format!("{key} is a librdkafka property the model does not simulate."),
                );
                return Ok(());
            }
            if LIBRDKAFKA_CONSUMER_PROPERTIES.contains(&name) {
                self.log(
                    Some(key),
                    LogLevel::Warn,
                    format!("Configuration property {name} is a consumer property and will be ignored by this producer instance"),
                );
                return Ok(());
            }
            return Err(ConfigException::raised(
                RD_KAFKA_CONF_SET,
                Some(key),
                format!("No such configuration property: \"{key}\""),
            ));
        };
        r.modified.insert(name);
        // `rd_kafka_anyconf_set`: an empty string is NULL.
        let value = (!raw.is_empty()).then_some(raw);
        let int = |min: i64, max: i64| rdk_int(name, value, min, max, false);
        match name {
            "request.required.acks" => {
                self.acks = match rdk_int(name, value, -1, 1000, true)? {
                    -1 => Acks::All,
                    0 => Acks::None,
                    1 => Acks::Leader,
                    n => {
                        return Err(ConfigException::model(
                            key,
                            format!(
                                "librdkafka accepts acks={n}, but brokers answer every produce request with INVALID_REQUIRED_ACKS; the model does not simulate that."
                            ),
                        ));
                    }
                }
            }
            "batch.size" => self.batch_size = int(1, i64::from(i32::MAX))? as usize,
            "batch.num.messages" => self.batch_num_messages = Some(int(1, 1_000_000)? as u32),
            "queue.buffering.max.ms" => r.linger_ms = rdk_double(name, value, 0.0, 900_000.0)?,
            "queue.buffering.max.kbytes" => {
                self.buffer_memory = int(1, i64::from(i32::MAX))? as u64 * 1024
            }
            "queue.buffering.max.messages" => {
                self.queue_buffering_max_messages = Some(int(0, i64::from(i32::MAX))? as u32)
            }
            "max.in.flight.requests.per.connection" => {
                self.max_in_flight_requests_per_connection = int(1, 1_000_000)? as usize
            }
            "enable.idempotence" => self.enable_idempotence = rdk_bool(name, value)?,
            "message.send.max.retries" => self.retries = int(0, i64::from(i32::MAX))? as u32,
            "message.timeout.ms" => r.message_timeout_ms = int(0, i64::from(i32::MAX))?,
            "request.timeout.ms" => self.request_timeout_ms = int(1, 900_000)? as u64,
            "retry.backoff.ms" => self.retry_backoff_ms = int(1, 300_000)? as u64,
            "retry.backoff.max.ms" => self.retry_backoff_max_ms = int(1, 300_000)? as u64,
            "message.max.bytes" => self.max_request_size = int(1000, 1_000_000_000)? as usize,
            "compression.codec" => {
                let Some(v) = value else {
                    return Err(ConfigException::raised(
                        RD_KAFKA_CONF_SET,
                        Some(key),
                        format!("Configuration property \"{name}\" cannot be set to empty value"),
                    ));
                };
                // Only a left trim takes effect: the right trim starts at the terminating NUL.
                let t = v.trim_start_matches(|c: char| c.is_ascii() && c_space(c as u8));
                self.compression_type = CompressionType::ALL
                    .into_iter()
                    .find(|c| c.name().eq_ignore_ascii_case(t))
                    .ok_or_else(|| {
                        ConfigException::raised(
                            RD_KAFKA_CONF_SET,
                            Some(key),
                            format!("Invalid value \"{t}\" for configuration property \"{name}\""),
                        )
                    })?;
            }
            "compression.level" => self.compression_level = Some(int(-1, 12)? as i32),
            "partitioner" => {
                let v = value.map(|v| v.trim_start_matches(|c: char| c.is_ascii_whitespace()));
                r.partitioner =
                    Some(v.and_then(LibrdkafkaPartitioner::parse).ok_or_else(|| {
                        ConfigException::raised(
                            RD_KAFKA_CONF_SET,
                            Some(key),
                            format!(
                                "Invalid value for configuration property \"partitioner\": {}",
                                v.unwrap_or("(null)")
                            ),
                        )
                    })?);
            }
            "sticky.partitioning.linger.ms" => r.sticky_linger_ms = Some(int(0, 900_000)? as u64),
            "client.id" => self.client_id = value.map_or("rdkafka", |v| v.trim_start()).to_string(),
            "transactional.id" => self.transactional_id = value.map(|v| v.trim_start().to_string()),
            "transaction.timeout.ms" => {
                self.transaction_timeout_ms = int(1000, i64::from(i32::MAX))?
            }
            "reconnect.backoff.ms" => self.reconnect_backoff_ms = int(0, 3_600_000)? as u64,
            "reconnect.backoff.max.ms" => self.reconnect_backoff_max_ms = int(0, 3_600_000)? as u64,
            "metadata.max.age.ms" => self.metadata_max_age_ms = int(1, 86_400_000)? as u64,
            "topic.metadata.refresh.interval.ms" => r.refresh_interval_ms = int(-1, 3_600_000)?,
            _ => unreachable!("{name} is in LIBRDKAFKA_KEYS but not handled"),
        }
        Ok(())
    }

    /// `rd_kafka_conf_finalize` and `rd_kafka_topic_conf_finalize` for a producer.
    fn finalize_librdkafka(&mut self, r: &RdkRaw) -> Result<(), ConfigException> {
        let modified = |k: &str| r.modified.contains(k);
        let fail =
            |key: &str, msg: &str| Err(ConfigException::raised(RD_KAFKA_NEW, Some(key), msg));
        if self.transactional_id.is_some() && !self.enable_idempotence {
            if modified("enable.idempotence") {
                return fail(
                    "transactional.id",
                    "`transactional.id` requires `enable.idempotence=true`",
                );
            }
            self.enable_idempotence = true;
        }
        if self.enable_idempotence {
            if modified("max.in.flight.requests.per.connection") {
                if self.max_in_flight_requests_per_connection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
                    return fail(
                        "max.in.flight",
                        "`max.in.flight` must be set <= 5 when `enable.idempotence` is true",
                    );
                }
            } else {
                self.max_in_flight_requests_per_connection = self
                    .max_in_flight_requests_per_connection
                    .min(MAX_IN_FLIGHT_FOR_IDEMPOTENCE);
            }
            if modified("message.send.max.retries") {
                if self.retries < 1 {
                    return fail(
                        "retries",
                        "`retries` must be set >= 1 when `enable.idempotence` is true",
                    );
                }
            } else {
                self.retries = i32::MAX as u32;
            }
        }
        let sticky_linger_ms = match r.sticky_linger_ms {
            Some(v) => v,
            // `(int)RD_MIN(900000, (rd_ts_t)(2 * linger.ms))`, from the linger the user set.
            None => ((2.0 * r.linger_ms) as u64).min(900_000),
        };
        if !modified("metadata.max.age.ms") && r.refresh_interval_ms > 0 {
            self.metadata_max_age_ms = r.refresh_interval_ms as u64 * 3;
        }
        if self.reconnect_backoff_max_ms < self.reconnect_backoff_ms {
            return fail(
                "reconnect.backoff.max.ms",
                "`reconnect.backoff.max.ms` must be >= `reconnect.backoff.ms`",
            );
        }
        let mut linger_ms = r.linger_ms;
        let timeout = r.message_timeout_ms;
        if timeout != 0 && timeout as f64 <= linger_ms {
            if modified("queue.buffering.max.ms") {
                return fail(
                    "linger.ms",
                    "`message.timeout.ms` must be greater than `linger.ms`",
                );
            }
            linger_ms = timeout as f64 - 0.1;
            self.note(
                Some("linger.ms"),
                format!("librdkafka lowers the default linger.ms to message.timeout.ms - 0.1 = {linger_ms} ms without a log line."),
            );
        }
        if self.enable_idempotence {
            if modified("request.required.acks") {
                if self.acks != Acks::All {
                    return fail(
                        "acks",
                        "`acks` must be set to `all` when `enable.idempotence` is true",
                    );
                }
            } else {
                self.acks = Acks::All;
            }
        }
        // `conf->buffering_max_us = (rd_ts_t)(buffering_max_ms_dbl * 1000)`.
        self.linger_us = (linger_ms * 1000.0) as u64;
        self.linger_ms = self.linger_us / 1000;
        self.delivery_timeout_ms = if timeout == 0 {
            self.note(
                Some("message.timeout.ms"),
                format!("message.timeout.ms=0 means no timeout; the model uses {INFINITE_DELIVERY_TIMEOUT_MS} ms."),
            );
            INFINITE_DELIVERY_TIMEOUT_MS
        } else {
            timeout as u64
        };
        self.partitioner = PartitionerKind::Librdkafka {
            partitioner: r
                .partitioner
                .unwrap_or(LibrdkafkaPartitioner::ConsistentRandom),
            sticky_linger_ms,
        };
        Ok(())
    }

    /// `max.in.flight.requests.per.connection == 1`: partitions are muted while a batch is in flight.
    pub fn guarantee_message_order(&self) -> bool {
        self.max_in_flight_requests_per_connection == 1
    }

    /// The level the chosen codec compresses with, as configured (`None` for none/snappy, or
    /// where the client has no level setting).
    pub fn compression_level_in_use(&self) -> Option<i32> {
        match self.compression_type {
            CompressionType::None | CompressionType::Snappy => None,
            _ if self.profile == Profile::Librdkafka2 => self.compression_level,
            CompressionType::Gzip => self.compression_gzip_level,
            CompressionType::Lz4 => self.compression_lz4_level,
            CompressionType::Zstd => self.compression_zstd_level,
        }
    }

    /// The effective value of a key as the client would report it (`None` for a key this
    /// profile does not have). With [`ProducerConfig::defaults`] this gives each profile's
    /// default; librdkafka aliases are accepted.
    pub fn value_of(&self, key: &str) -> Option<String> {
        let s = |v: &dyn fmt::Display| Some(v.to_string());
        match self.profile.client() {
            Client::Java => {
                if !java_key_exists(self.profile, key) {
                    return None;
                }
                match key {
                    "acks" => s(&match self.acks {
                        Acks::All => "all",
                        Acks::Leader => "1",
                        Acks::None => "0",
                    }),
                    "batch.size" => s(&self.batch_size),
                    "linger.ms" => s(&self.linger_ms),
                    "buffer.memory" => s(&self.buffer_memory),
                    "max.in.flight.requests.per.connection" => {
                        s(&self.max_in_flight_requests_per_connection)
                    }
                    "enable.idempotence" => s(&self.enable_idempotence),
                    "retries" => s(&self.retries),
                    "delivery.timeout.ms" => s(&self.delivery_timeout_ms),
                    "request.timeout.ms" => s(&self.request_timeout_ms),
                    "retry.backoff.ms" => s(&self.retry_backoff_ms),
                    "retry.backoff.max.ms" => s(&self.retry_backoff_max_ms),
                    "max.request.size" => s(&self.max_request_size),
                    "max.block.ms" => s(&self.max_block_ms),
                    "compression.type" => s(&self.compression_type.name()),
                    "compression.gzip.level" => self.compression_gzip_level.map(|v| v.to_string()),
                    "compression.lz4.level" => self.compression_lz4_level.map(|v| v.to_string()),
                    "compression.zstd.level" => self.compression_zstd_level.map(|v| v.to_string()),
                    "partitioner.class" => s(&self.partitioner.class_name().unwrap_or("null")),
                    "partitioner.ignore.keys" => s(&self.partitioner_ignore_keys),
                    "partitioner.adaptive.partitioning.enable" => {
                        s(&self.partitioner_adaptive_partitioning_enable)
                    }
                    "partitioner.availability.timeout.ms" => {
                        s(&self.partitioner_availability_timeout_ms)
                    }
                    "key.serializer" => s(&self.key_serializer.class_name()),
                    "value.serializer" => s(&self.value_serializer.class_name()),
                    "client.id" => s(&self.client_id),
                    "transactional.id" => s(&self.transactional_id.as_deref().unwrap_or("null")),
                    "transaction.timeout.ms" => s(&self.transaction_timeout_ms),
                    "reconnect.backoff.ms" => s(&self.reconnect_backoff_ms),
                    "reconnect.backoff.max.ms" => s(&self.reconnect_backoff_max_ms),
                    "metadata.max.age.ms" => s(&self.metadata_max_age_ms),
                    "metadata.max.idle.ms" => self.metadata_max_idle_ms.map(|v| v.to_string()),
                    "metrics.sample.window.ms" => {
                        self.metrics_sample_window_ms.map(|v| v.to_string())
                    }
                    "metrics.num.samples" => self.metrics_num_samples.map(|v| v.to_string()),
                    _ => None,
                }
            }
            Client::Librdkafka => {
                let (partitioner, sticky) = match self.partitioner {
                    PartitionerKind::Librdkafka {
                        partitioner,
                        sticky_linger_ms,
                    } => (partitioner, sticky_linger_ms),
                    _ => unreachable!("a librdkafka profile has a librdkafka partitioner"),
                };
                match resolve_alias(key) {
                    "request.required.acks" => s(&self.acks.as_i16()),
                    "batch.size" => s(&self.batch_size),
                    "batch.num.messages" => self.batch_num_messages.map(|v| v.to_string()),
                    "queue.buffering.max.ms" => s(&fmt_ms_from_us(self.linger_us)),
                    "queue.buffering.max.kbytes" => s(&(self.buffer_memory / 1024)),
                    "queue.buffering.max.messages" => {
                        self.queue_buffering_max_messages.map(|v| v.to_string())
                    }
                    "max.in.flight.requests.per.connection" => {
                        s(&self.max_in_flight_requests_per_connection)
                    }
                    "enable.idempotence" => s(&self.enable_idempotence),
                    "message.send.max.retries" => s(&self.retries),
                    "message.timeout.ms" => s(&if self.delivery_timeout_ms
                        == INFINITE_DELIVERY_TIMEOUT_MS
                    {
                        0
                    } else {
                        self.delivery_timeout_ms
                    }),
                    "request.timeout.ms" => s(&self.request_timeout_ms),
                    "retry.backoff.ms" => s(&self.retry_backoff_ms),
                    "retry.backoff.max.ms" => s(&self.retry_backoff_max_ms),
                    "message.max.bytes" => s(&self.max_request_size),
                    "compression.codec" => s(&self.compression_type.name()),
                    "compression.level" => self.compression_level.map(|v| v.to_string()),
                    "partitioner" => s(&partitioner.name()),
                    "sticky.partitioning.linger.ms" => s(&sticky),
                    "client.id" => s(&self.client_id),
                    "transactional.id" => Some(self.transactional_id.clone().unwrap_or_default()),
                    "transaction.timeout.ms" => s(&self.transaction_timeout_ms),
                    "reconnect.backoff.ms" => s(&self.reconnect_backoff_ms),
                    "reconnect.backoff.max.ms" => s(&self.reconnect_backoff_max_ms),
                    "metadata.max.age.ms" => s(&self.metadata_max_age_ms),
                    "topic.metadata.refresh.interval.ms" => s(&300_000),
                    _ => None,
                }
            }
        }
    }
}

/// Milliseconds with up to three decimals (`5`, `0.5`).
fn fmt_ms_from_us(us: u64) -> String {
    let (ms, frac) = (us / 1000, us % 1000);
    if frac == 0 {
        ms.to_string()
    } else {
        format!("{ms}.{frac:03}").trim_end_matches('0').to_string()
    }
}

/// librdkafka values that are finalized together.
#[derive(Debug)]
struct RdkRaw {
    modified: BTreeSet<&'static str>,
    linger_ms: f64,
    message_timeout_ms: i64,
    sticky_linger_ms: Option<u64>,
    partitioner: Option<LibrdkafkaPartitioner>,
    refresh_interval_ms: i64,
}

impl Default for RdkRaw {
    fn default() -> Self {
        RdkRaw {
            modified: BTreeSet::new(),
            linger_ms: 5.0,
            message_timeout_ms: 300_000,
            sticky_linger_ms: None,
            partitioner: None,
            refresh_interval_ms: 300_000,
        }
    }
}

// ---- Java `ConfigDef` parsing ----

/// `Integer.parseInt(trimmed)`; the error shows the value as given.
fn j_int(key: &str, raw: &str) -> Result<i64, ConfigException> {
    raw.trim()
        .parse::<i32>()
        .map(i64::from)
        .map_err(|_| ConfigException::invalid(key, raw, "Not a number of type INT"))
}

/// `Long.parseLong(trimmed)`.
fn j_long(key: &str, raw: &str) -> Result<i64, ConfigException> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| ConfigException::invalid(key, raw, "Not a number of type LONG"))
}

/// `Type.BOOLEAN`: trimmed, case-insensitive true/false.
fn j_bool(key: &str, raw: &str) -> Result<bool, ConfigException> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigException::invalid(
            key,
            raw,
            "Expected value to be either true or false",
        )),
    }
}

/// `Range.atLeast(min)`; the error shows the parsed number.
fn at_least(key: &str, n: i64, min: i64) -> Result<i64, ConfigException> {
    if n < min {
        return Err(ConfigException::invalid(
            key,
            n,
            &format!("Value must be at least {min}"),
        ));
    }
    Ok(n)
}

/// `Range.between(min, max)`.
fn between(key: &str, n: i64, min: i64, max: i64) -> Result<i64, ConfigException> {
    at_least(key, n, min)?;
    if n > max {
        return Err(ConfigException::invalid(
            key,
            n,
            &format!("Value must be no more than {max}"),
        ));
    }
    Ok(n)
}

// ---- librdkafka `rd_kafka_anyconf_set_prop` parsing ----

fn rdk_err(key: &str, message: String) -> ConfigException {
    ConfigException::raised(RD_KAFKA_CONF_SET, Some(key), message)
}

/// `_RK_C_INT`: `strtol(value, &end, 0)`; no digits → the s2i table (only `all` for acks);
/// the `long` is cast to `int`, then range-checked.
fn rdk_int(
    name: &str,
    value: Option<&str>,
    min: i64,
    max: i64,
    all_is_minus_one: bool,
) -> Result<i64, ConfigException> {
    let Some(v) = value else {
        return Err(rdk_err(
            name,
            format!("Integer configuration property \"{name}\" cannot be set to empty value"),
        ));
    };
    let n = match c_strtol(v) {
        Some(n) => i64::from(n as i32),
        None if all_is_minus_one && v.eq_ignore_ascii_case("all") => -1,
        None => {
            return Err(rdk_err(
                name,
                format!("Invalid value for configuration property \"{name}\""),
            ));
        }
    };
    if n < min || n > max {
        return Err(rdk_err(
            name,
            format!(
                "Configuration property \"{name}\" value {n} is outside allowed range {min}..{max}"
            ),
        ));
    }
    Ok(n)
}

/// `_RK_C_DBL`: `strtod`, then the range check printed with `%g`.
fn rdk_double(name: &str, value: Option<&str>, min: f64, max: f64) -> Result<f64, ConfigException> {
    let Some(v) = value else {
        return Err(rdk_err(
            name,
            format!("Float configuration property \"{name}\" cannot be set to empty value"),
        ));
    };
    let Some(d) = c_strtod(v) else {
        return Err(rdk_err(
            name,
            format!("Invalid value for configuration property \"{name}\""),
        ));
    };
    if d.is_nan() {
        return Err(ConfigException::model(
            name,
            "librdkafka would accept NaN here (no comparison fails); the model refuses it.",
        ));
    }
    if d < min || d > max {
        return Err(rdk_err(
            name,
            format!(
                "Configuration property \"{name}\" value {} is outside allowed range {}..{}",
                fmt_g(d),
                fmt_g(min),
                fmt_g(max)
            ),
        ));
    }
    Ok(d)
}

/// `_RK_C_BOOL`: true/t/false/f case-insensitive, or exactly 1/0; no trimming.
fn rdk_bool(name: &str, value: Option<&str>) -> Result<bool, ConfigException> {
    let Some(v) = value else {
        return Err(rdk_err(
            name,
            format!("Bool configuration property \"{name}\" cannot be set to empty value"),
        ));
    };
    if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("t") || v == "1" {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") || v.eq_ignore_ascii_case("f") || v == "0" {
        Ok(false)
    } else {
        Err(rdk_err(
            name,
            format!("Expected bool value for \"{name}\": true or false"),
        ))
    }
}

/// C's `isspace` in the "C" locale.
fn c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtol(s, &end, 0)` on a 64-bit `long`: leading white space, a sign, `0x` (hex) or `0`
/// (octal) prefixes, trailing garbage ignored, saturating on overflow. `None` when no digit
/// was read (`end == s`).
fn c_strtol(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && c_space(b[i]) {
        i += 1;
    }
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut radix = 10;
    if b.get(i) == Some(&b'0') {
        if matches!(b.get(i + 1), Some(b'x' | b'X'))
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    let start = i;
    let mut acc: i128 = 0;
    while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(radix)) {
        acc = (acc * i128::from(radix) + i128::from(d)).min(i128::from(i64::MAX) + 1);
        i += 1;
    }
    if i == start {
        return None;
    }
    let v = if negative { -acc } else { acc };
    Some(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// C's `strtod` for decimal input: leading white space, sign, digits with an optional point and
/// exponent, or `inf`/`infinity`/`nan`; trailing garbage ignored. `None` when nothing was read.
fn c_strtod(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(|c: char| c.is_ascii() && c_space(c as u8));
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let rest = t[i..].to_ascii_lowercase();
    for word in ["infinity", "inf", "nan"] {
        if rest.starts_with(word) {
            let v = if word == "nan" {
                f64::NAN
            } else {
                f64::INFINITY
            };
            return Some(if b[0] == b'-' { -v } else { v });
        }
    }
    let digits_from = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut seen = i > digits_from;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        seen |= i > f;
    }
    if !seen {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let e = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > e {
            i = j;
        }
    }
    crate::decimal::parse_f64(&t[..i])
}

/// C's `%g`: six significant digits, trailing zeros removed, exponent form below 1e-4 or from
/// 1e6 on (`1e+06`).
fn fmt_g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{v:.5e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    let trim = |m: &str| {
        if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            m.to_string()
        }
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        trim(&format!("{v:.decimals$}"))
    }
}

/// Every librdkafka property a producer may set that the model does not simulate
/// (from `rd_kafka_properties` in `src/rdkafka_conf.c`, excluding consumer-only and pointer
/// properties).
const LIBRDKAFKA_OTHER_PROPERTIES: &[&str] = &[
    "allow.auto.create.topics",
    "api.version.fallback.ms",
    "api.version.request",
    "api.version.request.timeout.ms",
    "broker.address.family",
    "broker.address.ttl",
    "broker.version.fallback",
    "builtin.features",
    "client.dns.lookup",
    "client.rack",
    "client.software.name",
    "client.software.version",
    "connections.max.idle.ms",
    "debug",
    "delivery.report.only.error",
    "enable.gapless.guarantee",
    "enable.metrics.push",
    "enable.random.seed",
    "enable.sasl.oauthbearer.unsecure.jwt",
    "enable.sparse.connections",
    "enable.ssl.certificate.verification",
    "enable_sasl_queue",
    "enabled_events",
    "https.ca.location",
    "https.ca.pem",
    "internal.termination.signal",
    "log.connection.close",
    "log.queue",
    "log.thread.name",
    "log_level",
    "message.copy.max.bytes",
    "metadata.recovery.rebootstrap.trigger.ms",
    "metadata.recovery.strategy",
    "metadata.request.timeout.ms",
    "plugin.library.paths",
    "produce.offset.report",
    "queue.buffering.backpressure.threshold",
    "queuing.strategy",
    "receive.message.max.bytes",
    "reconnect.backoff.jitter.ms",
    "sasl.kerberos.keytab",
    "sasl.kerberos.kinit.cmd",
    "sasl.kerberos.min.time.before.relogin",
    "sasl.kerberos.principal",
    "sasl.kerberos.service.name",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.oauthbearer.assertion.algorithm",
    "sasl.oauthbearer.assertion.claim.aud",
    "sasl.oauthbearer.assertion.claim.exp.seconds",
    "sasl.oauthbearer.assertion.claim.iss",
    "sasl.oauthbearer.assertion.claim.jti.include",
    "sasl.oauthbearer.assertion.claim.nbf.seconds",
    "sasl.oauthbearer.assertion.claim.sub",
    "sasl.oauthbearer.assertion.file",
    "sasl.oauthbearer.assertion.jwt.template.file",
    "sasl.oauthbearer.assertion.private.key.file",
    "sasl.oauthbearer.assertion.private.key.passphrase",
    "sasl.oauthbearer.assertion.private.key.pem",
    "sasl.oauthbearer.client.credentials.client.id",
    "sasl.oauthbearer.client.credentials.client.secret",
    "sasl.oauthbearer.client.id",
    "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.config",
    "sasl.oauthbearer.extensions",
    "sasl.oauthbearer.grant.type",
    "sasl.oauthbearer.metadata.authentication.type",
    "sasl.oauthbearer.method",
    "sasl.oauthbearer.scope",
    "sasl.oauthbearer.sub.claim.name",
    "sasl.oauthbearer.token.endpoint.url",
    "sasl.password",
    "sasl.username",
    "security.protocol",
    "socket.blocking.max.ms",
    "socket.connection.setup.timeout.ms",
    "socket.keepalive.enable",
    "socket.max.fails",
    "socket.nagle.disable",
    "socket.receive.buffer.bytes",
    "socket.send.buffer.bytes",
    "socket.timeout.ms",
    "ssl.ca.certificate.stores",
    "ssl.ca.location",
    "ssl.ca.pem",
    "ssl.certificate.location",
    "ssl.certificate.pem",
    "ssl.cipher.suites",
    "ssl.crl.location",
    "ssl.curves.list",
    "ssl.endpoint.identification.algorithm",
    "ssl.engine.id",
    "ssl.engine.location",
    "ssl.key.location",
    "ssl.key.password",
    "ssl.key.pem",
    "ssl.keystore.location",
    "ssl.keystore.password",
    "ssl.providers",
    "ssl.sigalgs.list",
    "statistics.interval.ms",
    "test.mock.broker.rtt",
    "test.mock.num.brokers",
    "topic.blacklist",
    "topic.metadata.propagation.max.ms",
    "topic.metadata.refresh.fast.cnt",
    "topic.metadata.refresh.fast.interval.ms",
    "topic.metadata.refresh.sparse",
];

/// librdkafka's consumer-only properties: a producer accepts them and warns.
const LIBRDKAFKA_CONSUMER_PROPERTIES: &[&str] = &[
    "auto.commit.enable",
    "auto.commit.interval.ms",
    "auto.offset.reset",
    "check.crcs",
    "consume.callback.max.messages",
    "coordinator.query.interval.ms",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "enable.partition.eof",
    "fetch.error.backoff.ms",
    "fetch.max.bytes",
    "fetch.message.max.bytes",
    "fetch.min.bytes",
    "fetch.queue.backoff.ms",
    "fetch.wait.max.ms",
    "group.id",
    "group.instance.id",
    "group.protocol",
    "group.protocol.type",
    "group.remote.assignor",
    "heartbeat.interval.ms",
    "isolation.level",
    "max.partition.fetch.bytes",
    "max.poll.interval.ms",
    "max.poll.records",
    "offset.store.method",
    "offset.store.path",
    "offset.store.sync.interval.ms",
    "partition.assignment.strategy",
    "queued.max.messages.kbytes",
    "queued.min.messages",
    "session.timeout.ms",
    "share.acknowledgement.mode",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn err(profile: Profile, pairs: &[(&str, &str)]) -> ConfigException {
        ProducerConfig::from_props(profile, &props(pairs)).unwrap_err()
    }

    #[test]
    fn kafka_4_defaults_are_acks_all_idempotent_linger_5() {
        let c = ProducerConfig::from_props(Profile::Kafka4, &BTreeMap::new()).unwrap();
        assert_eq!(c.acks, Acks::All);
        assert!(c.enable_idempotence);
        assert_eq!((c.linger_ms, c.linger_us), (5, 5000));
        assert_eq!(c.batch_size, 16384);
        assert_eq!(c.retries, 2147483647);
        assert_eq!(c.delivery_timeout_ms, 120_000);
        assert_eq!(
            c.partitioner,
            PartitionerKind::BuiltIn { ignore_keys: false }
        );
        assert_eq!(c, ProducerConfig::defaults(Profile::Kafka4));
        assert!(c.warnings.iter().all(|w| w.level == LogLevel::Model));
    }

    #[test]
    fn kafka_2_0_defaults_are_the_tutorials() {
        let c = ProducerConfig::from_props(Profile::Kafka2_0, &BTreeMap::new()).unwrap();
        assert_eq!(
            (c.acks, c.retries, c.enable_idempotence, c.linger_ms),
            (Acks::Leader, 0, false, 0)
        );
        assert_eq!(c.partitioner, PartitionerKind::LegacyDefault);
    }

    #[test]
    fn acks_one_alone_silently_disables_implicit_idempotence() {
        let c = ProducerConfig::from_props(Profile::Kafka4, &props(&[("acks", "1")])).unwrap();
        assert!(
            !c.enable_idempotence,
            "KAFKA-13673: implicit idempotence is turned off"
        );
        assert_eq!(
            c.warnings[0].message,
            "Idempotence will be disabled because acks is set to 1, not set to 'all'."
        );
    }

    #[test]
    fn acks_one_with_explicit_idempotence_is_a_config_exception() {
        let e = err(
            Profile::Kafka4,
            &[("acks", "1"), ("enable.idempotence", "true")],
        );
        assert_eq!(
            e.message,
            "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence."
        );
    }

    #[test]
    fn bad_values_use_kafka_wording_and_name_the_key() {
        let e = err(Profile::Kafka4, &[("batch.size", "big")]);
        assert_eq!(e.key.as_deref(), Some("batch.size"));
        assert_eq!(
            e.message,
            "Invalid value big for configuration batch.size: Not a number of type INT"
        );
        let e = err(Profile::Kafka4, &[("linger.ms", " -1 ")]);
        assert_eq!(
            e.message,
            "Invalid value -1 for configuration linger.ms: Value must be at least 0"
        );
        assert_eq!(
            e.to_string(),
            "org.apache.kafka.common.config.ConfigException: Invalid value -1 for configuration linger.ms: Value must be at least 0"
        );
    }

    /// Kafka does not refuse unknown keys: `logUnused` mentions them.
    #[test]
    fn unknown_keys_are_logged_not_refused() {
        let c = ProducerConfig::from_props(Profile::Kafka4, &props(&[("lingr.ms", "1")])).unwrap();
        assert_eq!(c.linger_ms, 5);
        let last = c.warnings.last().unwrap();
        assert_eq!(last.level, LogLevel::Info);
        assert_eq!(
            last.message,
            "These configurations '[lingr.ms]' were supplied but are not used yet."
        );
        let c =
            ProducerConfig::from_props(Profile::Kafka2_0, &props(&[("lingr.ms", "1")])).unwrap();
        let last = c.warnings.last().unwrap();
        assert_eq!(
            (last.level, last.message.as_str()),
            (
                LogLevel::Warn,
                "The configuration 'lingr.ms' was supplied but isn't a known config."
            )
        );
    }

    #[test]
    fn explicit_delivery_timeout_below_linger_plus_request_is_rejected() {
        let e = err(
            Profile::Kafka4,
            &[("delivery.timeout.ms", "1000"), ("linger.ms", "10")],
        );
        assert_eq!(
            e.message,
            "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
        );
        assert_eq!(e.wrapped_in, Some(FAILED_TO_CONSTRUCT));
    }

    #[test]
    fn default_delivery_timeout_is_raised_to_linger_plus_request() {
        let c = ProducerConfig::from_props(Profile::Kafka4, &props(&[("linger.ms", "200000")]))
            .unwrap();
        assert_eq!(c.delivery_timeout_ms, 230_000);
        assert!(c.warnings.iter().any(|w| w.message
            == "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms. Setting it to 230000."));
    }

    #[test]
    fn c_parsers_behave_like_libc() {
        assert_eq!(c_strtol("  42abc"), Some(42));
        assert_eq!(c_strtol("0x10"), Some(16));
        assert_eq!(c_strtol("010"), Some(8));
        assert_eq!(c_strtol("-7"), Some(-7));
        assert_eq!(c_strtol("abc"), None);
        assert_eq!(c_strtol("99999999999999999999"), Some(i64::MAX));
        assert_eq!(c_strtod("0.5ms"), Some(0.5));
        assert_eq!(c_strtod(" 1e3"), Some(1000.0));
        assert_eq!(c_strtod("."), None);
        assert_eq!(fmt_g(900000.0), "900000");
        assert_eq!(fmt_g(1e6), "1e+06");
        assert_eq!(fmt_g(-1.0), "-1");
        assert_eq!(fmt_g(0.5), "0.5");
        assert_eq!(fmt_g(1234567.0), "1.23457e+06");
        assert_eq!(fmt_ms_from_us(500), "0.5");
        assert_eq!(fmt_ms_from_us(5000), "5");
    }
}
