//! The rdkafka side: producer configuration, enqueueing one record with its
//! [`Ticket`], and the producer context that writes each delivery report into
//! the [`Outbox`] of the connection that sent the record.
//!
//! Rule: librdkafka calls [`BridgeContext::delivery`] exactly once for every
//! message it accepted (acked, failed, timed out or purged), on its polling
//! thread; the ticket travels with the message, so the report needs no lookup.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use producer_wire::{KafkaError, ProduceRef, ProducerMetrics};
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Message as _, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, ProducerContext, ThreadedProducer};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientConfig, ClientContext, Timestamp};
use tokio::sync::watch;

use crate::config::BridgeConfig;
use crate::errors;
use crate::metrics::Metrics;
use crate::outbox::{Outbox, Report};
use crate::stats::{self, Totals};

/// Producer settings where librdkafka's defaults differ from the Java
/// producer's (producer-semantics §1.4): Java's key placement (murmur2; a
/// time-based sticky partition for null keys, the closest librdkafka has),
/// idempotence, `acks=all`, `linger.ms=5`, `batch.size=16384`,
/// `delivery.timeout.ms=120000`, `max.in.flight.requests.per.connection=5`,
/// `max.request.size=1048576` and `buffer.memory=32 MiB`.
/// `-X` overrides, then a connection's `configure`, are applied after these.
pub const JAVA_LIKE_DEFAULTS: [(&str, &str); 9] = [
    ("partitioner", "murmur2_random"),
    ("enable.idempotence", "true"),
    ("acks", "all"),
    ("linger.ms", "5"),
    ("batch.size", "16384"),
    ("message.timeout.ms", "120000"),
    ("max.in.flight", "5"),
    ("message.max.bytes", "1048576"),
    ("queue.buffering.max.kbytes", "32768"),
];

/// The librdkafka configuration: bootstrap servers, Java-like defaults, then overrides.
pub fn producer_config(bootstrap_servers: &str, overrides: &[(String, String)]) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap_servers)
        .set("client.id", "producer-bridge");
    for (key, value) in JAVA_LIKE_DEFAULTS {
        config.set(key, value);
    }
    for (key, value) in overrides {
        config.set(key, value);
    }
    config
}

/// The bridge's base configuration: [`producer_config`] with the CLI's
/// statistics interval (a `-X statistics.interval.ms` still wins).
pub fn base_config(config: &BridgeConfig) -> ClientConfig {
    let mut base = producer_config(&config.bootstrap_servers, &[]);
    base.set(
        "statistics.interval.ms",
        config.stats_interval_ms.to_string(),
    );
    for (key, value) in &config.producer_properties {
        base.set(key, value);
    }
    base
}

/// The bridge's producer type.
pub type Producer = ThreadedProducer<BridgeContext>;

/// What travels with each message through librdkafka and back.
#[derive(Debug)]
pub struct Ticket {
    /// The connection's sequence number of the record.
    pub seq: u64,
    /// The client's id.
    pub id: u64,
    /// Key + value + header bytes, charged to the connection's in-flight bytes.
    pub bytes: usize,
    /// When the frame carrying the record was read.
    pub received: Instant,
    /// When the bridge called librdkafka's produce().
    pub handoff: Instant,
    /// Where the report goes: the connection's outbox.
    pub reply: Arc<Outbox>,
}

/// The latest statistics of a producer, under the Java metric names.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsReport {
    pub window_ms: f64,
    pub metrics: ProducerMetrics,
}

/// One producer's context: its identity, its configuration, the bridge's
/// counters, and its stats.
pub struct BridgeContext {
    /// The bridge's registry id of the producer.
    id: u64,
    label: String,
    /// What the producer was created with, to create its successor.
    config: ClientConfig,
    metrics: Arc<Metrics>,
    /// This producer's failed deliveries, for `record-error-rate`.
    failed: AtomicU64,
    /// An idempotent producer whose identity must be renewed, see [`BridgeContext::is_stale`].
    stale: AtomicBool,
    stats: watch::Sender<Option<StatsReport>>,
    totals: Mutex<Option<Totals>>,
}

impl BridgeContext {
    pub fn new(
        id: u64,
        label: impl Into<String>,
        config: ClientConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        BridgeContext {
            id,
            label: label.into(),
            config,
            metrics,
            failed: AtomicU64::new(0),
            stale: AtomicBool::new(false),
            stats: watch::channel(None).0,
            totals: Mutex::new(None),
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Whether the bridge should replace this producer by a fresh one with the
    /// same configuration before producing again.
    ///
    /// Rule: when a record of an idempotent producer times out, the Java
    /// producer asks the broker for a new epoch (InitProducerId, KIP-360);
    /// librdkafka bumps the epoch locally instead, which a broker that lost the
    /// producer's state (a restarted tansu) rejects forever
    /// (UNKNOWN_PRODUCER_ID), so every later record times out. A fresh producer
    /// asks the broker for a new identity, as Java does. A fatal error
    /// (librdkafka's idempotence guarantees broken) also needs a fresh producer.
    pub fn is_stale(&self) -> bool {
        self.stale.load(Relaxed)
    }

    fn mark_stale_on(&self, code: Option<RDKafkaErrorCode>) {
        let idempotent = self.config.get("enable.idempotence") == Some("true");
        let renew = match code {
            Some(RDKafkaErrorCode::Fatal) => true,
            Some(RDKafkaErrorCode::MessageTimedOut) => idempotent,
            _ => false,
        };
        if renew && !self.stale.swap(true, Relaxed) {
            tracing::warn!(producer = %self.label, ?code, "the producer will be replaced by a fresh one");
        }
    }

    /// The producer's statistics as they arrive.
    pub fn subscribe(&self) -> watch::Receiver<Option<StatsReport>> {
        self.stats.subscribe()
    }

    /// The latest statistics, if any arrived.
    pub fn latest(&self) -> Option<StatsReport> {
        self.stats.borrow().clone()
    }
}

impl ClientContext for BridgeContext {
    /// librdkafka's log lines repeat what [`ClientContext::error`] reports and
    /// go to `debug`; only the most severe are errors.
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical => {
                tracing::error!(target: "librdkafka", producer = %self.label, facility, "{message}")
            }
            _ => {
                tracing::debug!(target: "librdkafka", producer = %self.label, facility, "{message}")
            }
        }
    }

    /// Connection trouble is a warning (librdkafka retries on its own); only a
    /// fatal producer error is an error.
    fn error(&self, error: RdKafkaError, reason: &str) {
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::Fatal) {
            self.mark_stale_on(Some(RDKafkaErrorCode::Fatal));
            tracing::error!(target: "librdkafka", producer = %self.label, %error, "fatal producer error: {reason}");
        } else {
            tracing::warn!(target: "librdkafka", producer = %self.label, %error, "{reason}");
        }
    }

    fn stats(&self, statistics: Statistics) {
        let mut totals = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        let (metrics, window_ms, next) =
            stats::java_metrics(&statistics, *totals, self.failed.load(Relaxed));
        *totals = Some(next);
        self.stats
            .send_replace(Some(StatsReport { window_ms, metrics }));
    }
}

impl ProducerContext for BridgeContext {
    type DeliveryOpaque = Box<Ticket>;

    fn delivery(&self, result: &DeliveryResult<'_>, ticket: Box<Ticket>) {
        let reported = Instant::now();
        self.metrics.records_reported.fetch_add(1, Relaxed);
        let latency = reported.saturating_duration_since(ticket.received);
        let report = match result {
            Ok(message) => {
                self.metrics.records_acked.fetch_add(1, Relaxed);
                report(
                    Ok((
                        message.topic(),
                        message.partition(),
                        message.offset(),
                        message.timestamp(),
                    )),
                    latency,
                )
            }
            Err((error, _message)) => {
                self.mark_stale_on(error.rdkafka_error_code());
                self.failed.fetch_add(1, Relaxed);
                self.metrics.records_failed.fetch_add(1, Relaxed);
                report(Err(error), latency)
            }
        };
        // The connection may be gone; its records still count above.
        ticket.reply.push(
            ticket.seq,
            ticket.bytes,
            ticket.id,
            &report,
            Some((ticket.handoff - ticket.received, reported)),
        );
    }
}

/// Creates a producer with the configuration its context carries. Fails on an
/// invalid property; does not wait for the cluster (librdkafka connects in
/// the background).
pub fn create(context: BridgeContext) -> anyhow::Result<Producer> {
    let config = context.config.clone();
    config
        .create_with_context(context)
        .context("creating the Kafka producer")
}

/// How long a retired producer may take to report what it holds: its
/// delivery timeout (`message.timeout.ms`), or `fallback` when that is infinite.
pub fn drain_time(config: &ClientConfig, fallback: Duration) -> Duration {
    config
        .get("message.timeout.ms")
        .and_then(|ms| ms.parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map_or(fallback, Duration::from_millis)
}

/// Why librdkafka did not take a record.
#[derive(Debug)]
pub enum Refused {
    /// Its queue is full (`queue.buffering.max.*`): back-pressure, not a failure.
    QueueFull,
    /// A local failure (too large, unknown partition, ...), reported at once.
    Failed(KafkaError),
}

/// Hands one record to librdkafka. `Err` gives the ticket back with the reason.
pub fn enqueue(
    producer: &Producer,
    record: &ProduceRef<'_>,
    ticket: Box<Ticket>,
) -> Result<(), (Refused, Box<Ticket>)> {
    let mut base: BaseRecord<'_, str, str, Box<Ticket>> =
        BaseRecord::with_opaque_to(record.topic.as_str(), ticket);
    if let Some(key) = record.key() {
        base = base.key(key);
    }
    if let Some(value) = record.value() {
        base = base.payload(value);
    }
    if let Some(partition) = record.partition {
        base = base.partition(partition);
    }
    if !record.headers.is_empty() {
        let headers = record.headers.iter().fold(
            OwnedHeaders::new_with_capacity(record.headers.len()),
            |headers, h| {
                headers.insert(Header {
                    key: h.key.as_str(),
                    value: h.value.as_ref().map(|v| v.as_str()),
                })
            },
        );
        base = base.headers(headers);
    }
    producer.send(base).map_err(|(err, base)| {
        let refused = match err.rdkafka_error_code() {
            Some(RDKafkaErrorCode::QueueFull) => Refused::QueueFull,
            _ => Refused::Failed(errors::from_rdkafka(&err)),
        };
        (refused, base.delivery_opaque)
    })
}

/// Turns a delivery report into what the client learns: the record's place,
/// or the error. An offset librdkafka does not know (acks=0, or a retried
/// idempotent batch) is -1, as the Java producer reports it.
pub fn report<'a>(
    result: Result<(&'a str, i32, i64, Timestamp), &RdKafkaError>,
    latency: Duration,
) -> Report<'a> {
    match result {
        Ok((topic, partition, offset, timestamp)) => Report::Acked {
            topic,
            partition,
            offset: offset.max(-1),
            timestamp: timestamp.to_millis(),
            latency_ms: Some(latency.as_secs_f64() * 1000.0),
        },
        Err(err) => Report::Failed(errors::from_rdkafka(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_like_defaults_then_overrides() {
        let c = producer_config("k:9092", &[("linger.ms".into(), "0".into())]);
        assert_eq!(c.get("bootstrap.servers"), Some("k:9092"));
        assert_eq!(c.get("partitioner"), Some("murmur2_random"));
        assert_eq!(c.get("enable.idempotence"), Some("true"));
        assert_eq!(c.get("acks"), Some("all"));
        assert_eq!(c.get("batch.size"), Some("16384"));
        assert_eq!(c.get("message.timeout.ms"), Some("120000"));
        assert_eq!(c.get("linger.ms"), Some("0"), "-X wins over the defaults");
    }

    #[test]
    fn base_config_adds_the_statistics_interval_and_overrides() {
        let mut config = BridgeConfig::new("k:9092");
        config.producer_properties = vec![
            ("sasl.password".into(), "hunter2".into()),
            ("statistics.interval.ms".into(), "5000".into()),
        ];
        let base = base_config(&config);
        assert_eq!(base.get("statistics.interval.ms"), Some("5000"));
        assert_eq!(base.get("sasl.password"), Some("hunter2"));
        assert_ne!(
            base.config_map()["sasl.password"],
            "hunter2",
            "shown redacted"
        );
        assert_eq!(
            base_config(&BridgeConfig::new("k:9092")).get("statistics.interval.ms"),
            Some("1000")
        );
    }

    #[test]
    fn invalid_property_fails_at_creation() {
        let config = producer_config("127.0.0.1:1", &[("no.such.property".into(), "1".into())]);
        let Err(err) = create(BridgeContext::new(0, "t", config, Arc::default())) else {
            panic!("an unknown property must be refused");
        };
        assert!(format!("{err:#}").contains("no.such.property"), "{err:#}");
    }

    #[test]
    fn timed_out_idempotent_and_fatal_producers_need_renewal() {
        let context = |idempotence: &str| {
            let config =
                producer_config("k:1", &[("enable.idempotence".into(), idempotence.into())]);
            BridgeContext::new(1, "t", config, Arc::default())
        };
        let c = context("true");
        c.mark_stale_on(Some(RDKafkaErrorCode::MessageSizeTooLarge));
        assert!(!c.is_stale());
        c.mark_stale_on(Some(RDKafkaErrorCode::MessageTimedOut));
        assert!(c.is_stale());
        let c = context("false");
        c.mark_stale_on(Some(RDKafkaErrorCode::MessageTimedOut));
        assert!(
            !c.is_stale(),
            "librdkafka recovers on its own without idempotence"
        );
        c.mark_stale_on(Some(RDKafkaErrorCode::Fatal));
        assert!(c.is_stale());
        assert_eq!(
            drain_time(c.config(), Duration::ZERO),
            Duration::from_secs(120)
        );
    }

    #[test]
    fn acked_report_carries_place_and_latency() {
        let report = Ok(("demo", 2, 41, Timestamp::CreateTime(1_700_000_000_000)));
        let o = super::report(report, Duration::from_micros(3_500));
        assert_eq!(
            o,
            Report::Acked {
                topic: "demo",
                partition: 2,
                offset: 41,
                timestamp: Some(1_700_000_000_000),
                latency_ms: Some(3.5),
            }
        );
    }

    #[test]
    fn unknown_offset_is_minus_one_as_in_java() {
        // librdkafka reports RD_KAFKA_OFFSET_INVALID (-1001) for acks=0.
        let report = Ok(("demo", 0, -1001, Timestamp::NotAvailable));
        match super::report(report, Duration::ZERO) {
            Report::Acked {
                offset, timestamp, ..
            } => {
                assert_eq!((offset, timestamp), (-1, None))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn failed_report_carries_the_kafka_error() {
        let err = RdKafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut);
        match super::report(Err(&err), Duration::ZERO) {
            Report::Failed(error) => assert_eq!(error.name, "_MSG_TIMED_OUT"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
