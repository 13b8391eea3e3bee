//! The frames that travel between the Producer Lab app and `producer-bridge`.
//!
//! Every frame is one JSON text message with a `type` tag. The browser sends
//! [`ClientFrame`]s; the bridge answers with [`BridgeFrame`]s, and, on a
//! connection that sent `configure`, also with [`ProducerFrame`]s
//! ([`BridgeMessage`] decodes either). The contract the bridge keeps:
//! **exactly one `delivery` per accepted `produce`**, carrying the client's own
//! `id`, so the browser can match reports to its records. A record that is not
//! accepted gets `overloaded` instead, naming its `id`.
//!
//! ```json
//! {"type":"produce","id":7,"topic":"demo","key":"user-1","value":"hello"}
//! {"type":"delivery","id":7,"topic":"demo","partition":2,"offset":41,"timestamp":1700000000000,"latency_ms":3.2}
//! {"type":"delivery","id":8,"error":{"code":3,"name":"UNKNOWN_TOPIC_OR_PARTITION","retriable":true,"message":"..."}}
//! {"type":"error","message":"malformed frame: ..."}
//! ```
//!
//! Fields that are absent decode as `None`; unknown fields are ignored, so newer
//! clients can talk to older bridges. `docs/bridge-protocol.md` describes every
//! frame, field, error and limit.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod fast;

pub use fast::{ClientFrameRef, HeaderRef, ProduceRef};

/// Version of this protocol, sent in the `hello` handshake and answered in `welcome`.
///
/// 2 added `configure` (answered by `configured` or `config_rejected`), `stats`
/// and `welcome.limits`. A client that never sends `configure` sees only the
/// frames of version 1, whatever version it announces.
///
/// 3 added `hello.batch_deliveries`: a client that sets it receives its
/// deliveries in `deliveries` frames, many reports per frame, instead of one
/// `delivery` frame each (one WebSocket message per record costs the bridge
/// and the client more than the report itself). A client that does not set it
/// sees no change.
pub const PROTOCOL_VERSION: u32 = 3;

/// One record header. Kafka allows duplicate keys and null values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// A record the browser asks the bridge to produce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Produce {
    /// The client's correlation id, echoed in the `delivery` frame.
    pub id: u64,
    pub topic: String,
    /// UTF-8 key; `None` is Kafka's null key (sticky partitioning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// UTF-8 value; `None` is a tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    /// An explicit partition, bypassing the partitioner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<i32>,
}

/// Frames from the browser to the bridge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Opens a session: protocol version and the optional shared token.
    Hello {
        version: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        /// Version 3: send this connection's deliveries as `deliveries` frames.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        batch_deliveries: bool,
    },
    /// Gives this connection a producer of its own, configured with the Java
    /// producer's key names (`acks`, `linger.ms`, `compression.type`, ...).
    /// Values may be JSON strings, numbers or booleans. Each `configure` starts
    /// from the bridge's defaults; it is answered by `configured` or, if any key
    /// cannot be honoured, by `config_rejected` (and nothing changes).
    Configure {
        config: BTreeMap<String, serde_json::Value>,
    },
    Produce(Produce),
    /// Several records in one frame; each still gets its own `delivery`.
    ProduceBatch {
        records: Vec<Produce>,
    },
    /// Waits until every record sent so far has its `delivery`, then answers `flushed`.
    Flush,
}

/// A Kafka error as both clients name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaError {
    /// Kafka's protocol error code, or librdkafka's negative local code.
    pub code: i32,
    /// Kafka's error name, e.g. `NOT_ENOUGH_REPLICAS`, or librdkafka's `_MSG_TIMED_OUT`.
    pub name: String,
    pub retriable: bool,
    pub message: String,
}

/// The outcome of one `produce`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: u64,
    #[serde(flatten)]
    pub outcome: DeliveryOutcome,
}

/// Acknowledged with a place in the log, or failed with a Kafka error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DeliveryOutcome {
    Failed {
        error: KafkaError,
    },
    Acked {
        topic: String,
        partition: i32,
        /// -1 when acks=0: the broker sends no offset.
        offset: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timestamp: Option<i64>,
        /// From the bridge's receipt of the frame to the delivery report.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latency_ms: Option<f64>,
    },
}

/// Frames from the bridge to the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BridgeFrame {
    /// Answer to `hello`: the bridge's protocol version, what it is connected
    /// to and (since version 2) the limits it enforces.
    Welcome {
        version: u32,
        bootstrap_servers: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limits: Option<Limits>,
    },
    Delivery(Delivery),
    /// Version 3, to a client that asked for it in `hello`: several deliveries
    /// in one frame, in the order the bridge learnt them.
    Deliveries {
        deliveries: Vec<Delivery>,
    },
    /// Every record sent before the `flush` has its delivery.
    Flushed,
    /// The connection has too many records in flight; retry this one later.
    Overloaded {
        id: u64,
        retry_after_ms: u64,
    },
    /// The frame could not be understood or was refused. The connection stays open.
    Error {
        message: String,
    },
}

/// The limits a bridge enforces, announced in `welcome` so that a client can
/// stay inside them. Every refusal names the limit it hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest text frame the bridge reads; a larger one is answered by `error`.
    pub max_frame_bytes: u64,
    /// Largest record (key + value + header keys and values); a larger one is
    /// answered by a failed `delivery` (`MESSAGE_TOO_LARGE`).
    pub max_record_bytes: u64,
    /// Records of this connection accepted but not yet reported; past it,
    /// `produce` is answered by `overloaded`.
    pub max_in_flight: u64,
    /// Bytes of those records; past it, `produce` is answered by `overloaded`.
    pub max_in_flight_bytes: u64,
    /// Topics the bridge produces to: exact names, or prefixes ending in `*`.
    pub allowed_topics: Vec<String>,
}

/// One key a `configure` could not honour, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedKey {
    pub key: String,
    pub reason: String,
}

/// The connection producer's metrics under the Java producer's names
/// (`producer-metrics` group), computed from librdkafka's statistics over the
/// last statistics interval. `None` (JSON `null`) when the interval had no
/// sample, e.g. no request for `request-latency-avg`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProducerMetrics {
    #[serde(rename = "record-send-rate")]
    pub record_send_rate: Option<f64>,
    #[serde(rename = "record-send-total")]
    pub record_send_total: Option<f64>,
    #[serde(rename = "record-error-rate")]
    pub record_error_rate: Option<f64>,
    #[serde(rename = "record-error-total")]
    pub record_error_total: Option<f64>,
    #[serde(rename = "record-retry-rate")]
    pub record_retry_rate: Option<f64>,
    #[serde(rename = "request-latency-avg")]
    pub request_latency_avg: Option<f64>,
    #[serde(rename = "request-latency-max")]
    pub request_latency_max: Option<f64>,
    #[serde(rename = "batch-size-avg")]
    pub batch_size_avg: Option<f64>,
    #[serde(rename = "records-per-request-avg")]
    pub records_per_request_avg: Option<f64>,
    #[serde(rename = "compression-rate-avg")]
    pub compression_rate_avg: Option<f64>,
    #[serde(rename = "record-queue-time-avg")]
    pub record_queue_time_avg: Option<f64>,
    #[serde(rename = "record-queue-time-max")]
    pub record_queue_time_max: Option<f64>,
    #[serde(rename = "produce-throttle-time-avg")]
    pub produce_throttle_time_avg: Option<f64>,
    #[serde(rename = "produce-throttle-time-max")]
    pub produce_throttle_time_max: Option<f64>,
    #[serde(rename = "buffer-available-bytes")]
    pub buffer_available_bytes: Option<f64>,
    #[serde(rename = "buffer-total-bytes")]
    pub buffer_total_bytes: Option<f64>,
    #[serde(rename = "requests-in-flight")]
    pub requests_in_flight: Option<f64>,
}

impl ProducerMetrics {
    /// Every metric as (Java name, value), in declaration order.
    pub fn named(&self) -> [(&'static str, Option<f64>); 17] {
        [
            ("record-send-rate", self.record_send_rate),
            ("record-send-total", self.record_send_total),
            ("record-error-rate", self.record_error_rate),
            ("record-error-total", self.record_error_total),
            ("record-retry-rate", self.record_retry_rate),
            ("request-latency-avg", self.request_latency_avg),
            ("request-latency-max", self.request_latency_max),
            ("batch-size-avg", self.batch_size_avg),
            ("records-per-request-avg", self.records_per_request_avg),
            ("compression-rate-avg", self.compression_rate_avg),
            ("record-queue-time-avg", self.record_queue_time_avg),
            ("record-queue-time-max", self.record_queue_time_max),
            ("produce-throttle-time-avg", self.produce_throttle_time_avg),
            ("produce-throttle-time-max", self.produce_throttle_time_max),
            ("buffer-available-bytes", self.buffer_available_bytes),
            ("buffer-total-bytes", self.buffer_total_bytes),
            ("requests-in-flight", self.requests_in_flight),
        ]
    }
}

/// Frames about a connection's own producer. The bridge sends them only on a
/// connection that sent `configure`, so a client that never configures (such
/// as a version 1 client) never receives one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProducerFrame {
    /// The `configure` was applied: later records use this producer.
    Configured {
        /// The librdkafka configuration the producer was created with
        /// (secrets shown as `[redacted]`).
        config: BTreeMap<String, String>,
        /// What the bridge adjusted the way the Java producer would, e.g.
        /// idempotence turned off by `acks=1`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notes: Vec<String>,
    },
    /// The `configure` was refused; the connection keeps its previous producer.
    ConfigRejected { rejected: Vec<RejectedKey> },
    /// Producer metrics, every statistics interval.
    Stats {
        /// The time the rates are computed over, in milliseconds.
        window_ms: f64,
        metrics: Box<ProducerMetrics>,
    },
}

/// Any frame from the bridge: what a client that sends `configure` decodes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum BridgeMessage {
    Frame(BridgeFrame),
    Producer(ProducerFrame),
}

impl From<BridgeFrame> for BridgeMessage {
    fn from(frame: BridgeFrame) -> Self {
        BridgeMessage::Frame(frame)
    }
}

impl From<ProducerFrame> for BridgeMessage {
    fn from(frame: ProducerFrame) -> Self {
        BridgeMessage::Producer(frame)
    }
}

impl BridgeMessage {
    /// Decodes one text frame by its `type`. The error text names what was wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Tag<'a> {
            #[serde(borrow, rename = "type")]
            kind: std::borrow::Cow<'a, str>,
        }
        let tag: Tag<'_> =
            serde_json::from_str(text).map_err(|e| format!("malformed frame: {e}"))?;
        match tag.kind.as_ref() {
            "configured" | "config_rejected" | "stats" => {
                ProducerFrame::parse(text).map(BridgeMessage::Producer)
            }
            _ => BridgeFrame::parse(text).map(BridgeMessage::Frame),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("frames always serialize")
    }
}

impl ProducerFrame {
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("malformed frame: {e}"))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("frames always serialize")
    }
}

impl ClientFrame {
    /// Decodes one text frame. The error text names what was wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        fast::ClientFrameRef::parse(text).map(fast::ClientFrameRef::into_owned)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("frames always serialize")
    }
}

impl BridgeFrame {
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("malformed frame: {e}"))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("frames always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes, decodes and compares, and checks the JSON against the documented shape.
    macro_rules! test_roundtrip {
        ($name:ident, $ty:ty, $frame:expr, $json:expr) => {
            #[test]
            fn $name() {
                let frame: $ty = $frame;
                let text = frame.to_json();
                let expected: serde_json::Value = serde_json::from_str($json).unwrap();
                let actual: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(actual, expected, "wire shape");
                assert_eq!(<$ty>::parse(&text).unwrap(), frame, "roundtrip");
                assert_eq!(
                    <$ty>::parse($json).unwrap(),
                    frame,
                    "documented JSON decodes"
                );
            }
        };
    }

    test_roundtrip!(
        hello_roundtrips,
        ClientFrame,
        ClientFrame::Hello {
            version: 1,
            token: Some("s3cret".into()),
            batch_deliveries: false,
        },
        r#"{"type":"hello","version":1,"token":"s3cret"}"#
    );
    test_roundtrip!(
        hello_asking_for_batched_deliveries_roundtrips,
        ClientFrame,
        ClientFrame::Hello {
            version: 3,
            token: None,
            batch_deliveries: true,
        },
        r#"{"type":"hello","version":3,"batch_deliveries":true}"#
    );
    test_roundtrip!(
        deliveries_roundtrip,
        BridgeFrame,
        BridgeFrame::Deliveries {
            deliveries: vec![
                Delivery {
                    id: 1,
                    outcome: DeliveryOutcome::Acked {
                        topic: "demo".into(),
                        partition: 0,
                        offset: 5,
                        timestamp: None,
                        latency_ms: Some(1.5),
                    },
                },
                Delivery {
                    id: 2,
                    outcome: DeliveryOutcome::Failed {
                        error: KafkaError {
                            code: -192,
                            name: "_MSG_TIMED_OUT".into(),
                            retriable: true,
                            message: "Local: Message timed out".into(),
                        },
                    },
                },
            ],
        },
        r#"{"type":"deliveries","deliveries":[{"id":1,"topic":"demo","partition":0,"offset":5,"latency_ms":1.5},{"id":2,"error":{"code":-192,"name":"_MSG_TIMED_OUT","retriable":true,"message":"Local: Message timed out"}}]}"#
    );
    test_roundtrip!(
        produce_roundtrips,
        ClientFrame,
        ClientFrame::Produce(Produce {
            id: 7,
            topic: "demo".into(),
            key: Some("user-1".into()),
            value: Some("hello".into()),
            headers: vec![],
            partition: None,
        }),
        r#"{"type":"produce","id":7,"topic":"demo","key":"user-1","value":"hello"}"#
    );
    test_roundtrip!(
        produce_with_null_key_headers_and_partition_roundtrips,
        ClientFrame,
        ClientFrame::Produce(Produce {
            id: 8,
            topic: "demo".into(),
            key: None,
            value: None,
            headers: vec![
                Header {
                    key: "h".into(),
                    value: Some("1".into())
                },
                Header {
                    key: "h".into(),
                    value: None
                },
            ],
            partition: Some(3),
        }),
        r#"{"type":"produce","id":8,"topic":"demo","headers":[{"key":"h","value":"1"},{"key":"h","value":null}],"partition":3}"#
    );
    test_roundtrip!(
        produce_batch_roundtrips,
        ClientFrame,
        ClientFrame::ProduceBatch {
            records: vec![Produce {
                id: 1,
                topic: "t".into(),
                key: Some("k".into()),
                value: Some("v".into()),
                headers: vec![],
                partition: None,
            }],
        },
        r#"{"type":"produce_batch","records":[{"id":1,"topic":"t","key":"k","value":"v"}]}"#
    );
    test_roundtrip!(
        flush_roundtrips,
        ClientFrame,
        ClientFrame::Flush,
        r#"{"type":"flush"}"#
    );
    test_roundtrip!(
        welcome_roundtrips,
        BridgeFrame,
        BridgeFrame::Welcome {
            version: 1,
            bootstrap_servers: "127.0.0.1:9092".into(),
            limits: None,
        },
        r#"{"type":"welcome","version":1,"bootstrap_servers":"127.0.0.1:9092"}"#
    );
    test_roundtrip!(
        welcome_with_limits_roundtrips,
        BridgeFrame,
        BridgeFrame::Welcome {
            version: 2,
            bootstrap_servers: "127.0.0.1:9092".into(),
            limits: Some(Limits {
                max_frame_bytes: 4_194_304,
                max_record_bytes: 1_048_576,
                max_in_flight: 10_000,
                max_in_flight_bytes: 33_554_432,
                allowed_topics: vec!["demo".into(), "lab-*".into()],
            }),
        },
        r#"{"type":"welcome","version":2,"bootstrap_servers":"127.0.0.1:9092","limits":{"max_frame_bytes":4194304,"max_record_bytes":1048576,"max_in_flight":10000,"max_in_flight_bytes":33554432,"allowed_topics":["demo","lab-*"]}}"#
    );
    test_roundtrip!(
        configure_roundtrips,
        ClientFrame,
        ClientFrame::Configure {
            config: [
                ("acks".to_owned(), serde_json::json!("1")),
                ("linger.ms".to_owned(), serde_json::json!(20)),
                ("enable.idempotence".to_owned(), serde_json::json!(false)),
            ]
            .into_iter()
            .collect(),
        },
        r#"{"type":"configure","config":{"acks":"1","linger.ms":20,"enable.idempotence":false}}"#
    );
    test_roundtrip!(
        configured_roundtrips,
        ProducerFrame,
        ProducerFrame::Configured {
            config: [("acks".to_owned(), "1".to_owned())].into_iter().collect(),
            notes: vec!["enable.idempotence=false: acks=1 turns it off".into()],
        },
        r#"{"type":"configured","config":{"acks":"1"},"notes":["enable.idempotence=false: acks=1 turns it off"]}"#
    );
    test_roundtrip!(
        config_rejected_roundtrips,
        ProducerFrame,
        ProducerFrame::ConfigRejected {
            rejected: vec![RejectedKey {
                key: "max.block.ms".into(),
                reason: "librdkafka never blocks".into(),
            }],
        },
        r#"{"type":"config_rejected","rejected":[{"key":"max.block.ms","reason":"librdkafka never blocks"}]}"#
    );
    test_roundtrip!(
        stats_roundtrips,
        ProducerFrame,
        ProducerFrame::Stats {
            window_ms: 1000.0,
            metrics: Box::new(ProducerMetrics {
                record_send_rate: Some(250.0),
                request_latency_avg: None,
                ..ProducerMetrics::default()
            }),
        },
        r#"{"type":"stats","window_ms":1000.0,"metrics":{"record-send-rate":250.0,"record-send-total":null,"record-error-rate":null,"record-error-total":null,"record-retry-rate":null,"request-latency-avg":null,"request-latency-max":null,"batch-size-avg":null,"records-per-request-avg":null,"compression-rate-avg":null,"record-queue-time-avg":null,"record-queue-time-max":null,"produce-throttle-time-avg":null,"produce-throttle-time-max":null,"buffer-available-bytes":null,"buffer-total-bytes":null,"requests-in-flight":null}}"#
    );

    #[test]
    fn bridge_message_decodes_both_kinds_by_type() {
        let m = BridgeMessage::parse(r#"{"type":"flushed"}"#).unwrap();
        assert_eq!(m, BridgeMessage::Frame(BridgeFrame::Flushed));
        let m = BridgeMessage::parse(r#"{"type":"config_rejected","rejected":[]}"#).unwrap();
        assert_eq!(
            m,
            BridgeMessage::Producer(ProducerFrame::ConfigRejected { rejected: vec![] })
        );
        assert_eq!(m.to_json(), r#"{"type":"config_rejected","rejected":[]}"#);
        let e = BridgeMessage::parse(r#"{"type":"teleport"}"#).unwrap_err();
        assert!(e.contains("unknown variant `teleport`"), "{e}");
        let e = BridgeMessage::parse("[1]").unwrap_err();
        assert!(e.starts_with("malformed frame:"), "{e}");
    }

    #[test]
    fn a_version_1_client_cannot_decode_producer_frames_so_they_are_opt_in() {
        // The app decodes with BridgeFrame::parse: producer frames must stay out
        // of BridgeFrame, and the bridge sends them only after `configure`.
        let stats = ProducerFrame::Stats {
            window_ms: 1.0,
            metrics: Box::default(),
        };
        assert!(BridgeFrame::parse(&stats.to_json()).is_err());
    }
    test_roundtrip!(
        acked_delivery_roundtrips,
        BridgeFrame,
        BridgeFrame::Delivery(Delivery {
            id: 7,
            outcome: DeliveryOutcome::Acked {
                topic: "demo".into(),
                partition: 2,
                offset: 41,
                timestamp: Some(1_700_000_000_000),
                latency_ms: Some(3.5),
            },
        }),
        r#"{"type":"delivery","id":7,"topic":"demo","partition":2,"offset":41,"timestamp":1700000000000,"latency_ms":3.5}"#
    );
    test_roundtrip!(
        failed_delivery_roundtrips,
        BridgeFrame,
        BridgeFrame::Delivery(Delivery {
            id: 9,
            outcome: DeliveryOutcome::Failed {
                error: KafkaError {
                    code: 3,
                    name: "UNKNOWN_TOPIC_OR_PARTITION".into(),
                    retriable: true,
                    message: "This server does not host this topic-partition.".into(),
                },
            },
        }),
        r#"{"type":"delivery","id":9,"error":{"code":3,"name":"UNKNOWN_TOPIC_OR_PARTITION","retriable":true,"message":"This server does not host this topic-partition."}}"#
    );
    test_roundtrip!(
        flushed_roundtrips,
        BridgeFrame,
        BridgeFrame::Flushed,
        r#"{"type":"flushed"}"#
    );
    test_roundtrip!(
        overloaded_roundtrips,
        BridgeFrame,
        BridgeFrame::Overloaded {
            id: 5,
            retry_after_ms: 50
        },
        r#"{"type":"overloaded","id":5,"retry_after_ms":50}"#
    );
    test_roundtrip!(
        error_roundtrips,
        BridgeFrame,
        BridgeFrame::Error {
            message: "malformed frame: EOF".into()
        },
        r#"{"type":"error","message":"malformed frame: EOF"}"#
    );

    #[test]
    fn malformed_and_unknown_frames_are_errors_that_say_why() {
        let e = ClientFrame::parse("{not json").unwrap_err();
        assert!(e.starts_with("malformed frame:"), "{e}");
        let e = ClientFrame::parse(r#"{"type":"teleport"}"#).unwrap_err();
        assert!(e.contains("unknown variant `teleport`"), "{e}");
        let e = ClientFrame::parse(r#"{"type":"produce","topic":"t"}"#).unwrap_err();
        assert!(e.contains("missing field `id`"), "{e}");
    }

    #[test]
    fn acked_offset_minus_one_is_kept_for_acks_zero() {
        let f = BridgeFrame::parse(
            r#"{"type":"delivery","id":1,"topic":"t","partition":0,"offset":-1}"#,
        )
        .unwrap();
        match f {
            BridgeFrame::Delivery(Delivery {
                outcome: DeliveryOutcome::Acked { offset, .. },
                ..
            }) => {
                assert_eq!(offset, -1)
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
