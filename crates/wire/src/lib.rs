//! The frames that travel between the Producer Lab app and `producer-bridge`.
//!
//! Every frame is one JSON text message with a `type` tag. The browser sends
//! [`ClientFrame`]s; the bridge answers with [`BridgeFrame`]s. The contract the
//! bridge keeps: **exactly one `delivery` per accepted `produce`**, carrying the
//! client's own `id`, so the browser can match reports to its records.
//!
//! ```json
//! {"type":"produce","id":7,"topic":"demo","key":"user-1","value":"hello"}
//! {"type":"delivery","id":7,"topic":"demo","partition":2,"offset":41,"timestamp":1700000000000,"latency_ms":3.2}
//! {"type":"delivery","id":8,"error":{"code":3,"name":"UNKNOWN_TOPIC_OR_PARTITION","retriable":true,"message":"..."}}
//! {"type":"error","message":"malformed frame: ..."}
//! ```
//!
//! Fields that are absent decode as `None`; unknown fields are ignored, so newer
//! clients can talk to older bridges.

use serde::{Deserialize, Serialize};

/// Version of this protocol, sent in the `hello` handshake.
pub const PROTOCOL_VERSION: u32 = 1;

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
    /// Answer to `hello`: the bridge's protocol version and what it is connected to.
    Welcome {
        version: u32,
        bootstrap_servers: String,
    },
    Delivery(Delivery),
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

impl ClientFrame {
    /// Decodes one text frame. The error text names what was wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("malformed frame: {e}"))
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
            token: Some("s3cret".into())
        },
        r#"{"type":"hello","version":1,"token":"s3cret"}"#
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
            bootstrap_servers: "127.0.0.1:9092".into()
        },
        r#"{"type":"welcome","version":1,"bootstrap_servers":"127.0.0.1:9092"}"#
    );
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
