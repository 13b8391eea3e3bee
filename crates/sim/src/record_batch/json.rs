//! JSON ↔ batch for the CLI's `encode-batch` and `decode-batch`.
//!
//! Input, one JSON object per line (blank lines are skipped):
//! `{"key": str|null, "value": str|null, "timestamp": ms, "headers": [[k, v|null], ...]}`.
//! `key`, `value` and `headers` may be omitted (null, null, []); `timestamp` is required and,
//! as in Kafka's `ProducerRecord`, not negative.
//!
//! Bytes are written as a JSON string when they are valid UTF-8 and as `{"hex": "…"}` (lowercase
//! hex) otherwise; both forms are accepted on input, so any bytes can be encoded. Header keys are
//! strings (Kafka header keys are UTF-8 text).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    CompressionType, DEFAULT_MAX_RECORDS_BYTES, DecodeError, DecodedBatch, ProducerIdentity,
    RecordBatch, RecordHeader, TimestampType, TimestampedRecord, decode_detailed, encode,
};

/// Bytes as JSON: text when valid UTF-8, else `{"hex": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JsonBytes {
    Text(String),
    Hex { hex: String },
}

impl JsonBytes {
    /// The JSON form of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> JsonBytes {
        match std::str::from_utf8(bytes) {
            Ok(text) => JsonBytes::Text(text.to_owned()),
            Err(_) => JsonBytes::Hex {
                hex: hex::encode(bytes),
            },
        }
    }

    /// The bytes; fails on invalid hex.
    pub fn into_bytes(self) -> Result<Vec<u8>, String> {
        match self {
            JsonBytes::Text(text) => Ok(text.into_bytes()),
            JsonBytes::Hex { hex } => {
                hex::decode(&hex).map_err(|e| format!("bad hex {hex:?}: {e}"))
            }
        }
    }
}

/// Header fields chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    pub compression: CompressionType,
    pub base_offset: i64,
    pub producer: ProducerIdentity,
}

/// A rejected input, with its 1-based line number when one line is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonInputError {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for JsonInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for JsonInputError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputRecord {
    #[serde(default)]
    key: Option<JsonBytes>,
    #[serde(default)]
    value: Option<JsonBytes>,
    timestamp: i64,
    #[serde(default)]
    headers: Vec<(String, Option<JsonBytes>)>,
}

/// Parses JSON lines into producer records; at least one record is required.
pub fn records_from_json_lines(input: &[u8]) -> Result<Vec<TimestampedRecord>, JsonInputError> {
    let mut records = Vec::new();
    for (index, raw) in input.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        let fail = |message: String| JsonInputError {
            line: Some(line),
            message,
        };
        let text = std::str::from_utf8(raw).map_err(|e| fail(format!("not UTF-8: {e}")))?;
        if text.trim().is_empty() {
            continue;
        }
        let parsed: InputRecord = serde_json::from_str(text).map_err(|e| fail(json_error(&e)))?;
        records.push(to_record(parsed).map_err(fail)?);
    }
    if records.is_empty() {
        return Err(JsonInputError {
            line: None,
            message: "no records: expected one JSON object per line".into(),
        });
    }
    Ok(records)
}

fn to_record(parsed: InputRecord) -> Result<TimestampedRecord, String> {
    if parsed.timestamp < 0 {
        return Err(format!(
            "invalid negative timestamp {} (ProducerRecord rejects it)",
            parsed.timestamp
        ));
    }
    let bytes = |b: Option<JsonBytes>| b.map(JsonBytes::into_bytes).transpose();
    let mut headers = Vec::with_capacity(parsed.headers.len());
    for (key, value) in parsed.headers {
        headers.push(RecordHeader {
            key,
            value: bytes(value)?,
        });
    }
    Ok(TimestampedRecord {
        timestamp: parsed.timestamp,
        key: bytes(parsed.key)?,
        value: bytes(parsed.value)?,
        headers,
    })
}

/// serde_json's message with its column; its "line 1" is meaningless for a single line.
fn json_error(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let message = message
        .rfind(" at line ")
        .map_or(message.as_str(), |i| &message[..i]);
    format!("column {}: {message}", e.column())
}

/// JSON lines → the bytes of one v2 batch, as the Java producer would build it.
pub fn encode_json_lines(input: &[u8], options: &EncodeOptions) -> Result<Vec<u8>, JsonInputError> {
    let records = records_from_json_lines(input)?;
    let batch = RecordBatch::from_producer_records(
        options.compression,
        options.base_offset,
        options.producer,
        &records,
    );
    Ok(encode(&batch))
}

/// `decode-batch`'s document: header fields, CRC, compression, ratio, and records.
#[derive(Debug, Serialize)]
pub struct BatchJson {
    pub base_offset: i64,
    pub batch_length: usize,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    /// Lowercase hex with `0x`, e.g. `"0xdb5e9cdd"`.
    pub crc: String,
    pub attributes: i16,
    pub compression: CompressionType,
    pub timestamp_type: TimestampType,
    pub is_transactional: bool,
    pub is_control: bool,
    pub has_delete_horizon: bool,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub records_count: usize,
    pub size_in_bytes: usize,
    pub uncompressed_records_bytes: usize,
    /// Per spec errata A: bytes after the 61-byte header ÷ uncompressed record bytes.
    pub compression_ratio: f64,
    pub records: Vec<RecordJson>,
}

/// One record with absolute offset and timestamp.
#[derive(Debug, Serialize)]
pub struct RecordJson {
    pub offset: i64,
    pub offset_delta: i32,
    /// baseTimestamp + delta; maxTimestamp for LogAppendTime batches, as Kafka reports it.
    pub timestamp: i64,
    pub timestamp_delta: i64,
    pub key: Option<JsonBytes>,
    pub value: Option<JsonBytes>,
    pub headers: Vec<(String, Option<JsonBytes>)>,
}

/// The JSON view of a decoded batch.
pub fn describe(decoded: &DecodedBatch) -> BatchJson {
    let b = &decoded.batch;
    let bytes = |v: &Option<Vec<u8>>| v.as_deref().map(JsonBytes::from_bytes);
    BatchJson {
        base_offset: b.base_offset,
        batch_length: decoded.size_in_bytes - super::LOG_OVERHEAD,
        partition_leader_epoch: b.partition_leader_epoch,
        magic: super::MAGIC_V2,
        crc: format!("0x{:08x}", decoded.crc),
        attributes: decoded.attributes,
        compression: b.compression,
        timestamp_type: b.timestamp_type,
        is_transactional: b.is_transactional,
        is_control: b.is_control,
        has_delete_horizon: b.has_delete_horizon,
        last_offset_delta: b.last_offset_delta,
        base_timestamp: b.base_timestamp,
        max_timestamp: b.max_timestamp,
        producer_id: b.producer_id,
        producer_epoch: b.producer_epoch,
        base_sequence: b.base_sequence,
        records_count: b.records.len(),
        size_in_bytes: decoded.size_in_bytes,
        uncompressed_records_bytes: decoded.uncompressed_records_bytes,
        compression_ratio: decoded.compression_ratio(),
        records: b
            .records
            .iter()
            .map(|r| RecordJson {
                offset: b.base_offset.wrapping_add(i64::from(r.offset_delta)),
                offset_delta: r.offset_delta,
                timestamp: match b.timestamp_type {
                    TimestampType::CreateTime => b.base_timestamp.wrapping_add(r.timestamp_delta),
                    TimestampType::LogAppendTime => b.max_timestamp,
                },
                timestamp_delta: r.timestamp_delta,
                key: bytes(&r.key),
                value: bytes(&r.value),
                headers: r
                    .headers
                    .iter()
                    .map(|h| (h.key.clone(), bytes(&h.value)))
                    .collect(),
            })
            .collect(),
    }
}

/// Raw batch bytes → `decode-batch`'s pretty-printed JSON document.
pub fn decode_to_json(bytes: &[u8]) -> Result<String, DecodeError> {
    let decoded = decode_detailed(bytes, DEFAULT_MAX_RECORDS_BYTES)?;
    Ok(serde_json::to_string_pretty(&describe(&decoded)).expect("BatchJson always serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bytes_pick_text_or_hex() {
        assert_eq!(JsonBytes::from_bytes(b"abc"), JsonBytes::Text("abc".into()));
        assert_eq!(
            JsonBytes::from_bytes(&[0xff, 0x00]),
            JsonBytes::Hex { hex: "ff00".into() }
        );
        let parsed: JsonBytes = serde_json::from_str(r#"{"hex":"ff00"}"#).unwrap();
        assert_eq!(parsed.into_bytes().unwrap(), vec![0xff, 0x00]);
    }

    #[test]
    fn lines_parse_with_defaults_and_blank_lines() {
        let input = b"{\"timestamp\": 5}\n\n{\"key\":\"k\",\"value\":null,\"timestamp\":6,\"headers\":[[\"h\",null],[\"h\",\"x\"]]}\n";
        let records = records_from_json_lines(input).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].key, None);
        assert_eq!(records[1].key.as_deref(), Some(&b"k"[..]));
        assert_eq!(records[1].headers.len(), 2);
        assert_eq!(records[1].headers[0].value, None);
    }

    #[test]
    fn errors_name_the_line() {
        let cases: [(&[u8], &str); 5] = [
            (b"{\"timestamp\":1}\n{\"key\":\"k\"}", "line 2: column"),
            (b"{\"timestamp\":1}\nnot json", "line 2: column"),
            (b"{\"timestamp\":-5}", "line 1: invalid negative timestamp"),
            (
                b"{\"timestamp\":1,\"key\":{\"hex\":\"zz\"}}",
                "line 1: bad hex",
            ),
            (b"{\"timestamp\":1,\"topic\":\"t\"}", "unknown field"),
        ];
        for (input, expected) in cases {
            let err = records_from_json_lines(input).unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
        assert!(records_from_json_lines(b"\n \n").is_err());
    }
}
