//! The rdkafka side: the shared producer, enqueueing one record, and turning a
//! delivery report into the wire's [`DeliveryOutcome`].

use std::time::Duration;

use anyhow::Context as _;
use producer_wire::{DeliveryOutcome, KafkaError, Produce};
use rdkafka::ClientConfig;
use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::future_producer::OwnedDeliveryResult;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};

use crate::config::BridgeConfig;
use crate::errors;

/// Producer settings where librdkafka's defaults differ from the Java producer's:
/// Java's key placement (murmur2; random spread for null keys, which librdkafka
/// cannot make sticky here), idempotence, `acks=all` and a 5 ms linger.
/// `-X` overrides are applied after these.
pub const JAVA_LIKE_DEFAULTS: [(&str, &str); 4] = [
    ("partitioner", "murmur2_random"),
    ("enable.idempotence", "true"),
    ("acks", "all"),
    ("linger.ms", "5"),
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

/// The bridge's producer type.
pub type Producer = FutureProducer<BridgeContext>;

/// Routes librdkafka's reports to `tracing` at levels that fit a long-running
/// bridge: connection trouble is a warning (librdkafka retries on its own),
/// only a fatal producer error is an error. librdkafka's own log lines repeat
/// those reports and go to `debug`.
#[derive(Debug, Default, Clone, Copy)]
pub struct BridgeContext;

impl ClientContext for BridgeContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical => {
                tracing::error!(target: "librdkafka", facility, "{message}")
            }
            _ => tracing::debug!(target: "librdkafka", facility, "{message}"),
        }
    }

    fn error(&self, error: RdKafkaError, reason: &str) {
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::Fatal) {
            tracing::error!(target: "librdkafka", %error, "fatal producer error: {reason}");
        } else {
            tracing::warn!(target: "librdkafka", %error, "{reason}");
        }
    }
}

/// Creates the producer shared by all connections. Fails on an invalid property;
/// does not wait for the cluster (librdkafka connects in the background).
pub fn create_producer(config: &BridgeConfig) -> anyhow::Result<Producer> {
    producer_config(&config.bootstrap_servers, &config.producer_properties)
        .create_with_context(BridgeContext)
        .context("creating the Kafka producer (check the -X properties)")
}

/// Hands one record to librdkafka. `Err` is a local failure (queue full,
/// message too large, unknown partition...) that must be reported at once.
pub fn enqueue(producer: &Producer, record: &Produce) -> Result<DeliveryFuture, KafkaError> {
    let mut future_record: FutureRecord<'_, str, str> = FutureRecord::to(&record.topic);
    if let Some(key) = &record.key {
        future_record = future_record.key(key.as_str());
    }
    if let Some(value) = &record.value {
        future_record = future_record.payload(value.as_str());
    }
    if let Some(partition) = record.partition {
        future_record = future_record.partition(partition);
    }
    if !record.headers.is_empty() {
        let headers = record.headers.iter().fold(
            OwnedHeaders::new_with_capacity(record.headers.len()),
            |headers, h| {
                headers.insert(Header {
                    key: &h.key,
                    value: h.value.as_deref(),
                })
            },
        );
        future_record = future_record.headers(headers);
    }
    producer
        .send_result(future_record)
        .map_err(|(err, _record)| errors::from_rdkafka(&err))
}

/// Turns a delivery report into the outcome for the client. `report` is `None`
/// when the producer dropped the record without a report.
pub fn outcome(
    topic: &str,
    report: Option<OwnedDeliveryResult>,
    latency: Duration,
) -> DeliveryOutcome {
    match report {
        Some(Ok(delivery)) => DeliveryOutcome::Acked {
            topic: topic.to_owned(),
            partition: delivery.partition,
            offset: delivery.offset,
            timestamp: delivery.timestamp.to_millis(),
            latency_ms: Some(latency.as_secs_f64() * 1000.0),
        },
        Some(Err((err, _message))) => DeliveryOutcome::Failed {
            error: errors::from_rdkafka(&err),
        },
        None => DeliveryOutcome::Failed {
            error: errors::producer_gone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;
    use rdkafka::producer::future_producer::Delivery;

    #[test]
    fn java_like_defaults_then_overrides() {
        let c = producer_config("k:9092", &[("linger.ms".into(), "0".into())]);
        assert_eq!(c.get("bootstrap.servers"), Some("k:9092"));
        assert_eq!(c.get("partitioner"), Some("murmur2_random"));
        assert_eq!(c.get("enable.idempotence"), Some("true"));
        assert_eq!(c.get("acks"), Some("all"));
        assert_eq!(c.get("linger.ms"), Some("0"), "-X wins over the defaults");
    }

    #[test]
    fn invalid_property_fails_at_startup() {
        let mut config = BridgeConfig::new("127.0.0.1:1");
        config.producer_properties = vec![("no.such.property".into(), "1".into())];
        let Err(err) = create_producer(&config) else {
            panic!("an unknown property must be refused");
        };
        assert!(format!("{err:#}").contains("no.such.property"), "{err:#}");
    }

    #[test]
    fn acked_report_carries_place_and_latency() {
        let report = Ok(Delivery {
            partition: 2,
            offset: 41,
            timestamp: Timestamp::CreateTime(1_700_000_000_000),
        });
        let o = outcome("demo", Some(report), Duration::from_micros(3_500));
        assert_eq!(
            o,
            DeliveryOutcome::Acked {
                topic: "demo".into(),
                partition: 2,
                offset: 41,
                timestamp: Some(1_700_000_000_000),
                latency_ms: Some(3.5),
            }
        );
    }

    #[test]
    fn failed_report_carries_the_kafka_error() {
        let message = OwnedMessage::new(
            None,
            None,
            "demo".into(),
            Timestamp::NotAvailable,
            0,
            -1,
            None,
        );
        let report = Err((
            RdKafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut),
            message,
        ));
        match outcome("demo", Some(report), Duration::ZERO) {
            DeliveryOutcome::Failed { error } => assert_eq!(error.name, "_MSG_TIMED_OUT"),
            other => panic!("unexpected {other:?}"),
        }
        match outcome("demo", None, Duration::ZERO) {
            DeliveryOutcome::Failed { error } => assert_eq!(error.name, "_DESTROY"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
