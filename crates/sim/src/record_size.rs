//! Sizes of records and batches in the v2 format (magic 2).
//!
//! Source: apache/kafka `DefaultRecord.sizeInBytes`, `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`,
//! `DefaultRecordBatch.estimateBatchSizeUpperBound`, `ByteUtils.sizeOfVarint`.

/// The fixed v2 batch header: 61 bytes (`RECORD_BATCH_OVERHEAD`).
pub const RECORD_BATCH_OVERHEAD: usize = 61;

/// Worst-case per-record framing: `DefaultRecord.MAX_RECORD_OVERHEAD`.
pub const MAX_RECORD_OVERHEAD: usize = 21;

/// Bytes of a zigzag varint (`ByteUtils.sizeOfVarint`); see [`crate::record_batch::varint`].
pub use crate::record_batch::varint::size_of_varint;

/// Bytes of a zigzag varlong (`ByteUtils.sizeOfVarlong`); see [`crate::record_batch::varint`].
pub use crate::record_batch::varint::size_of_varlong;

/// One record header as it is sized on the wire.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordHeader {
    pub key: String,
    pub value: Option<Vec<u8>>,
}

fn size_of_bytes(bytes: Option<&[u8]>) -> usize {
    match bytes {
        None => 1,
        Some(b) => size_of_varint(b.len() as i32) + b.len(),
    }
}

fn size_of_headers(headers: &[RecordHeader]) -> usize {
    if headers.is_empty() {
        return 1; // the varint 0
    }
    size_of_varint(headers.len() as i32)
        + headers
            .iter()
            .map(|h| size_of_bytes(Some(h.key.as_bytes())) + size_of_bytes(h.value.as_deref()))
            .sum::<usize>()
}

/// The bytes of a record's key, value and headers with their length prefixes: the part of
/// its size that does not depend on its place in the batch. Computed once, it gives both the
/// exact size and the upper bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadSize(pub usize);

impl PayloadSize {
    pub fn of(key: Option<&[u8]>, value: Option<&[u8]>, headers: &[RecordHeader]) -> Self {
        PayloadSize(size_of_bytes(key) + size_of_bytes(value) + size_of_headers(headers))
    }

    /// `DefaultRecord.sizeInBytes` for the record at this place in its batch.
    pub fn record_size_in_bytes(self, offset_delta: i32, timestamp_delta: i64) -> usize {
        let body = 1 // attributes
            + size_of_varlong(timestamp_delta)
            + size_of_varint(offset_delta)
            + self.0;
        size_of_varint(body as i32) + body
    }

    /// `estimateBatchSizeUpperBound`: 61 + 21 + key + value + headers.
    pub fn batch_size_upper_bound(self) -> usize {
        RECORD_BATCH_OVERHEAD + MAX_RECORD_OVERHEAD + self.0
    }
}

/// Exact bytes of one record inside a batch (`DefaultRecord.sizeInBytes`), length prefix included.
pub fn record_size_in_bytes(
    offset_delta: i32,
    timestamp_delta: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[RecordHeader],
) -> usize {
    PayloadSize::of(key, value, headers).record_size_in_bytes(offset_delta, timestamp_delta)
}

/// Upper bound of a batch holding just this record (`estimateBatchSizeUpperBound`):
/// 61 + 21 + key + value + headers. Used for `max.request.size` checks and new-batch buffers.
pub fn estimate_batch_size_upper_bound(
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[RecordHeader],
) -> usize {
    PayloadSize::of(key, value, headers).batch_size_upper_bound()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ByteUtilsTest: sizes of the signed varint vectors in the spec (§7.2).
    #[test]
    fn varint_sizes_match_kafka_vectors() {
        let cases: [(i32, usize); 15] = [
            (0, 1),
            (-1, 1),
            (1, 1),
            (63, 1),
            (-64, 1),
            (64, 2),
            (-65, 2),
            (8191, 2),
            (-8192, 2),
            (8192, 3),
            (-8193, 3),
            (1048575, 3),
            (1048576, 4),
            (i32::MAX, 5),
            (i32::MIN, 5),
        ];
        for (v, n) in cases {
            assert_eq!(size_of_varint(v), n, "varint({v})");
        }
    }

    /// TV-F2: key "key", value "value", no headers → 15 record bytes; upper bound 93.
    #[test]
    fn tv_f2_record_sizes() {
        assert_eq!(
            record_size_in_bytes(0, 0, Some(b"key"), Some(b"value"), &[]),
            15
        );
        assert_eq!(
            estimate_batch_size_upper_bound(Some(b"key"), Some(b"value"), &[]),
            93
        );
    }

    /// TV-F3 record 1: null key, "v2", header h=x, tsDelta 5, offsetDelta 1 → 13 bytes (length 12).
    #[test]
    fn tv_f3_second_record_size() {
        let h = [RecordHeader {
            key: "h".into(),
            value: Some(b"x".to_vec()),
        }];
        assert_eq!(record_size_in_bytes(1, 5, None, Some(b"v2"), &h), 13);
    }
}
