//! The bridge's hot path: records decoded without copying their text, and
//! delivery reports written straight into a frame's text.
//!
//! Both give exactly what the serde-derived frames give: [`ClientFrameRef::parse`]
//! decodes like [`ClientFrame::parse`](crate::ClientFrame::parse), and
//! [`write_acked`] / [`write_failed`] write the bytes that serializing a
//! [`Delivery`](crate::Delivery) writes (the tests compare them).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::{ClientFrame, Header, KafkaError, Produce};

/// Text borrowed from the frame when it has no escapes, else unescaped into a copy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text<'a>(pub Cow<'a, str>);

impl Text<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// A [`Header`] that borrows from the frame.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HeaderRef<'a> {
    #[serde(borrow)]
    pub key: Text<'a>,
    #[serde(default, borrow)]
    pub value: Option<Text<'a>>,
}

/// A [`Produce`] that borrows its topic, key, value and headers from the frame.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProduceRef<'a> {
    pub id: u64,
    #[serde(borrow)]
    pub topic: Text<'a>,
    #[serde(default, borrow)]
    pub key: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub value: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub headers: Vec<HeaderRef<'a>>,
    #[serde(default)]
    pub partition: Option<i32>,
}

impl ProduceRef<'_> {
    pub fn key(&self) -> Option<&str> {
        self.key.as_ref().map(Text::as_str)
    }

    pub fn value(&self) -> Option<&str> {
        self.value.as_ref().map(Text::as_str)
    }

    /// Key + value + header bytes: what the record costs in memory and on the wire.
    pub fn bytes(&self) -> usize {
        let text = |t: &Option<Text<'_>>| t.as_ref().map_or(0, |t| t.0.len());
        text(&self.key)
            + text(&self.value)
            + self
                .headers
                .iter()
                .map(|h| h.key.0.len() + text(&h.value))
                .sum::<usize>()
    }

    pub fn into_owned(self) -> Produce {
        let owned = |t: Text<'_>| t.0.into_owned();
        Produce {
            id: self.id,
            topic: owned(self.topic),
            key: self.key.map(owned),
            value: self.value.map(owned),
            headers: self
                .headers
                .into_iter()
                .map(|h| Header {
                    key: owned(h.key),
                    value: h.value.map(owned),
                })
                .collect(),
            partition: self.partition,
        }
    }
}

impl<'a> From<&'a Produce> for ProduceRef<'a> {
    fn from(p: &'a Produce) -> Self {
        let text = |s: &'a str| Text(Cow::Borrowed(s));
        ProduceRef {
            id: p.id,
            topic: text(&p.topic),
            key: p.key.as_deref().map(text),
            value: p.value.as_deref().map(text),
            headers: p
                .headers
                .iter()
                .map(|h| HeaderRef {
                    key: text(&h.key),
                    value: h.value.as_deref().map(text),
                })
                .collect(),
            partition: p.partition,
        }
    }
}

/// A client frame as the bridge reads it: records borrowed from the text,
/// every other frame decoded as [`ClientFrame`].
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrameRef<'a> {
    Produce(ProduceRef<'a>),
    ProduceBatch(Vec<ProduceRef<'a>>),
    Other(ClientFrame),
}

/// Every field of the frames that carry records, decoded in one pass. serde
/// decodes an internally tagged enum by first copying the whole frame into a
/// generic tree, which costs more than the decoding itself for a
/// `produce_batch` of many records; this struct skips that for `produce` and
/// `produce_batch`.
#[derive(Deserialize)]
struct RecordFields<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Text<'a>>,
    id: Option<u64>,
    #[serde(borrow)]
    topic: Option<Text<'a>>,
    #[serde(default, borrow)]
    key: Option<Text<'a>>,
    #[serde(default, borrow)]
    value: Option<Text<'a>>,
    #[serde(default, borrow)]
    headers: Vec<HeaderRef<'a>>,
    #[serde(default)]
    partition: Option<i32>,
    #[serde(default, borrow, deserialize_with = "records")]
    records: Option<Vec<ProduceRef<'a>>>,
}

/// Records a `produce_batch` starts room for: JSON gives no length, and
/// growing the vector from one record copies it seven times on the way to 100.
const BATCH_CAPACITY: usize = 128;

/// A `produce_batch`'s records, decoded into a vector with room for a batch.
fn records<'de: 'a, 'a, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<ProduceRef<'a>>>, D::Error> {
    struct Records;
    impl<'de> Visitor<'de> for Records {
        type Value = Vec<ProduceRef<'de>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(BATCH_CAPACITY));
            while let Some(record) = seq.next_element()? {
                records.push(record);
            }
            Ok(records)
        }
    }
    deserializer.deserialize_seq(Records).map(Some)
}

impl<'a> ClientFrameRef<'a> {
    /// Decodes one text frame. The error text names what was wrong, as
    /// [`ClientFrame::parse`](crate::ClientFrame::parse) does.
    pub fn parse(text: &'a str) -> Result<Self, String> {
        // The frames that carry records decode directly; anything else, and
        // anything unexpected, goes through the tagged decoder (and its errors).
        if let Ok(fields) = serde_json::from_str::<RecordFields<'a>>(text) {
            match (
                fields.kind.as_ref().map(Text::as_str),
                fields.id,
                fields.topic,
                fields.records,
            ) {
                (Some("produce"), Some(id), Some(topic), _) => {
                    return Ok(ClientFrameRef::Produce(ProduceRef {
                        id,
                        topic,
                        key: fields.key,
                        value: fields.value,
                        headers: fields.headers,
                        partition: fields.partition,
                    }));
                }
                (Some("produce_batch"), _, _, Some(records)) => {
                    return Ok(ClientFrameRef::ProduceBatch(records));
                }
                _ => {}
            }
        }
        serde_json::from_str(text)
            .map(ClientFrameRef::Other)
            .map_err(|e| format!("malformed frame: {e}"))
    }

    pub fn into_owned(self) -> ClientFrame {
        match self {
            ClientFrameRef::Produce(p) => ClientFrame::Produce(p.into_owned()),
            ClientFrameRef::ProduceBatch(records) => ClientFrame::ProduceBatch {
                records: records.into_iter().map(ProduceRef::into_owned).collect(),
            },
            ClientFrameRef::Other(frame) => frame,
        }
    }
}

fn int(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn json(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    // Writing into a Vec cannot fail, and these values always serialize.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Writes an acked delivery's fields, without braces, as serializing
/// [`Delivery`](crate::Delivery) writes them: `"id":7,"topic":"demo",...`.
/// The bytes are UTF-8; [`delivery_frame`] and [`deliveries_frame`] frame them.
pub fn write_acked(
    out: &mut Vec<u8>,
    id: u64,
    topic: &str,
    partition: i32,
    offset: i64,
    timestamp: Option<i64>,
    latency_ms: Option<f64>,
) {
    out.extend_from_slice(b"\"id\":");
    int(out, id);
    out.extend_from_slice(b",\"topic\":");
    json(out, topic);
    out.extend_from_slice(b",\"partition\":");
    int(out, partition);
    out.extend_from_slice(b",\"offset\":");
    int(out, offset);
    if let Some(timestamp) = timestamp {
        out.extend_from_slice(b",\"timestamp\":");
        int(out, timestamp);
    }
    if let Some(latency_ms) = latency_ms {
        out.extend_from_slice(b",\"latency_ms\":");
        json(out, &latency_ms);
    }
}

/// Writes a failed delivery's fields, without braces: `"id":8,"error":{...}`.
pub fn write_failed(out: &mut Vec<u8>, id: u64, error: &KafkaError) {
    out.extend_from_slice(b"\"id\":");
    int(out, id);
    out.extend_from_slice(b",\"error\":");
    json(out, error);
}

/// Writes an `overloaded` answer's fields, without braces: `"id":5,"retry_after_ms":50`.
pub fn write_overloaded(out: &mut Vec<u8>, id: u64, retry_after_ms: u64) {
    out.extend_from_slice(b"\"id\":");
    int(out, id);
    out.extend_from_slice(b",\"retry_after_ms\":");
    int(out, retry_after_ms);
}

/// The frame's text. The writers above only write UTF-8, so this never
/// replaces anything; checked once per frame rather than per field.
fn text(frame: Vec<u8>) -> String {
    String::from_utf8(frame).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A frame of `kind` around fields written by [`write_acked`], [`write_failed`]
/// or [`write_overloaded`]: `{"type":"delivery",...}` or `{"type":"overloaded",...}`.
pub fn single_frame(kind: &str, fields: &[u8]) -> String {
    let mut frame = Vec::with_capacity(fields.len() + kind.len() + 12);
    frame.extend_from_slice(b"{\"type\":\"");
    frame.extend_from_slice(kind.as_bytes());
    frame.extend_from_slice(b"\",");
    frame.extend_from_slice(fields);
    frame.push(b'}');
    text(frame)
}

/// A `delivery` frame around fields written by [`write_acked`] or [`write_failed`].
pub fn delivery_frame(fields: &[u8]) -> String {
    single_frame("delivery", fields)
}

/// A `deliveries` frame around several deliveries' fields; `capacity` is a
/// guess of its length (the fields' lengths plus 3 bytes each, plus 40).
pub fn deliveries_frame<'f>(fields: impl IntoIterator<Item = &'f [u8]>, capacity: usize) -> String {
    let mut frame = Vec::with_capacity(capacity);
    frame.extend_from_slice(b"{\"type\":\"deliveries\",\"deliveries\":[");
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            frame.push(b',');
        }
        frame.push(b'{');
        frame.extend_from_slice(f);
        frame.push(b'}');
    }
    frame.extend_from_slice(b"]}");
    text(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BridgeFrame, Delivery, DeliveryOutcome};

    /// Frames the owned decoder's tests use, and more: escapes, odd shapes, errors.
    const FRAMES: &[&str] = &[
        r#"{"type":"produce","id":7,"topic":"demo","key":"user-1","value":"hello"}"#,
        r#"{"id":7,"topic":"demo","type":"produce"}"#,
        r#"{"type":"produce","id":7,"topic":"d\u00e9mo","key":null,"value":"a\"b","headers":[{"key":"h"},{"key":"h\n","value":"1"}],"partition":3,"records":7,"extra":{"x":[1]}}"#,
        r#"{"type":"produce_batch","records":[{"id":1,"topic":"t","key":"k","value":"v"},{"id":2,"topic":"t"}]}"#,
        r#"{"type":"produce_batch","records":[{"id":1,"topic":"t","key":"k\\","value":"é"}]}"#,
        r#"{"type":"produce_batch","records":[],"id":"not a number"}"#,
        r#"{"type":"produce","topic":"t"}"#,
        r#"{"type":"produce","id":-1,"topic":"t"}"#,
        r#"{"type":"produce","id":1,"topic":"t","partition":"3"}"#,
        r#"{"type":"produce","id":1,"topic":7}"#,
        r#"{"type":"produce_batch"}"#,
        r#"{"type":"produce_batch","records":[{"id":1}]}"#,
        r#"{"type":"produce","id":1,"id":2,"topic":"t"}"#,
        r#"{"type":"flush","id":1,"topic":"t"}"#,
        r#"{"type":"hello","version":3,"batch_deliveries":true}"#,
        r#"{"type":"configure","config":{"acks":"1"}}"#,
        r#"{"type":"teleport","id":1,"topic":"t"}"#,
        r#"{"id":1,"topic":"t"}"#,
        r#"[1,2]"#,
        "{not json",
    ];

    #[test]
    fn borrowed_decoding_equals_the_tagged_decoder() {
        for text in FRAMES {
            let tagged: Result<ClientFrame, String> =
                serde_json::from_str(text).map_err(|e| format!("malformed frame: {e}"));
            let fast = ClientFrameRef::parse(text).map(ClientFrameRef::into_owned);
            assert_eq!(fast, tagged, "{text}");
            assert_eq!(ClientFrame::parse(text), tagged, "{text}");
        }
    }

    #[test]
    fn text_without_escapes_is_borrowed() {
        let frame = r#"{"type":"produce","id":1,"topic":"t","key":"plain","value":"a\"b"}"#;
        let Ok(ClientFrameRef::Produce(p)) = ClientFrameRef::parse(frame) else {
            panic!("a produce frame");
        };
        assert!(matches!(p.key.as_ref().unwrap().0, Cow::Borrowed("plain")));
        assert!(matches!(p.value.as_ref().unwrap().0, Cow::Owned(_)));
        assert_eq!(p.value(), Some("a\"b"));
        assert_eq!(p.bytes(), 5 + 3);
    }

    fn serde_fields(delivery: Delivery) -> String {
        let frame = BridgeFrame::Delivery(delivery).to_json();
        let prefix = "{\"type\":\"delivery\",";
        assert!(frame.starts_with(prefix), "{frame}");
        frame[prefix.len()..frame.len() - 1].to_owned()
    }

    #[test]
    fn written_deliveries_are_byte_for_byte_serdes() {
        let cases = [
            ("demo", 2, 41, Some(1_700_000_000_000), Some(3.2)),
            ("t\"o\\p\u{1}é", -1, -1, None, None),
            ("x", i32::MAX, i64::MAX, Some(-5), Some(1000.0)),
            ("y", 0, 0, None, Some(1e-7)),
            ("z", 5, 7, Some(0), Some(123456.789)),
        ];
        for (topic, partition, offset, timestamp, latency_ms) in cases {
            let id = u64::MAX - partition as u64;
            let mut fields = Vec::new();
            write_acked(
                &mut fields,
                id,
                topic,
                partition,
                offset,
                timestamp,
                latency_ms,
            );
            let delivery = Delivery {
                id,
                outcome: DeliveryOutcome::Acked {
                    topic: topic.into(),
                    partition,
                    offset,
                    timestamp,
                    latency_ms,
                },
            };
            assert_eq!(
                String::from_utf8(fields.clone()).unwrap(),
                serde_fields(delivery.clone())
            );
            assert_eq!(
                BridgeFrame::parse(&delivery_frame(&fields)).unwrap(),
                BridgeFrame::Delivery(delivery)
            );
        }
        let error = KafkaError {
            code: -192,
            name: "_MSG_TIMED_OUT".into(),
            retriable: true,
            message: "Local: \"timed\" out".into(),
        };
        let mut fields = Vec::new();
        write_failed(&mut fields, 9, &error);
        let failed = Delivery {
            id: 9,
            outcome: DeliveryOutcome::Failed { error },
        };
        assert_eq!(
            String::from_utf8(fields.clone()).unwrap(),
            serde_fields(failed.clone())
        );
        let mut acked = Vec::new();
        write_acked(&mut acked, 1, "t", 0, 3, None, None);
        let frame = deliveries_frame([acked.as_slice(), fields.as_slice()], 0);
        match BridgeFrame::parse(&frame).unwrap() {
            BridgeFrame::Deliveries { deliveries } => {
                assert_eq!(deliveries.len(), 2);
                assert_eq!(deliveries[1], failed);
                assert_eq!(deliveries[0].id, 1);
            }
            other => panic!("unexpected {other:?}"),
        }
        let mut overloaded = Vec::new();
        write_overloaded(&mut overloaded, 5, 50);
        let frame = single_frame("overloaded", &overloaded);
        assert_eq!(
            frame,
            BridgeFrame::Overloaded {
                id: 5,
                retry_after_ms: 50
            }
            .to_json()
        );
    }
}
