//! Kafka's RecordBatch v2 (magic 2): the exact bytes a producer sends, and a strict decoder.
//!
//! ```text
//! offset  field                 type     producer writes
//!      0  baseOffset            int64    0 (the broker assigns offsets)
//!      8  batchLength           int32    size − 12
//!     12  partitionLeaderEpoch  int32    −1 (not covered by the CRC)
//!     16  magic                 int8     2
//!     17  crc                   uint32   CRC-32C of bytes 21..end
//!     21  attributes            int16    codec | timestampType | transactional | control
//!     23  lastOffsetDelta       int32    records − 1
//!     27  baseTimestamp         int64    first record's timestamp
//!     35  maxTimestamp          int64    largest record timestamp
//!     43  producerId            int64    −1 unless idempotent
//!     51  producerEpoch         int16    −1 unless idempotent
//!     53  baseSequence          int32    −1 unless idempotent
//!     57  recordsCount          int32
//!     61  records               …        one compressed stream when a codec is set
//! ```
//!
//! Map: [`varint`] (zigzag varints), [`encode()`], [`decode()`], [`compression`] (the five codecs
//! and their Kafka framings), [`json`] (the CLI's JSON ↔ batch conversion).
//!
//! Byte-identity with the Java client: uncompressed batches are identical (spec TV-F2/TV-F3 are
//! unit tests). With a codec, the header, the codec framing and the CRC rule are identical, but
//! the compressed payload comes from a different compressor implementation, so the bytes (and
//! the CRC) can differ while decoding to the same records; see each codec's module.
//!
//! Source: apache/kafka `DefaultRecordBatch` (layout comment, `writeHeader`, `computeAttributes`),
//! `DefaultRecord`, `MemoryRecordsBuilder`; spec `producer-semantics.md` §7 and errata A.

use std::fmt;
use std::str::FromStr;

use crate::record_size::{RECORD_BATCH_OVERHEAD, record_size_in_bytes};

pub use crate::record_size::RecordHeader;

pub mod compression;
mod decode;
mod encode;
pub mod json;
pub mod varint;

pub use decode::{DEFAULT_MAX_RECORDS_BYTES, DecodeError, DecodedBatch, decode, decode_detailed};
pub use encode::{encode, encode_records};

/// The `magic` byte of the v2 format.
pub const MAGIC_V2: i8 = 2;
/// `RecordBatch.NO_PARTITION_LEADER_EPOCH`: what producers write at offset 12.
pub const NO_PARTITION_LEADER_EPOCH: i32 = -1;
/// `RecordBatch.NO_PRODUCER_ID`, `NO_PRODUCER_EPOCH`, `NO_SEQUENCE`.
pub const NO_PRODUCER_ID: i64 = -1;
pub const NO_PRODUCER_EPOCH: i16 = -1;
pub const NO_SEQUENCE: i32 = -1;
/// Bytes before `batchLength` counts: baseOffset (8) + batchLength (4).
pub const LOG_OVERHEAD: usize = 12;
/// Offset of `attributes`, where the CRC-32C coverage starts (`DefaultRecordBatch.ATTRIBUTES_OFFSET`).
pub const ATTRIBUTES_OFFSET: usize = 21;

/// Attribute bits (`DefaultRecordBatch`): 0-2 codec, 3 timestamp type, 4 transactional,
/// 5 control, 6 delete horizon set (written by compaction only).
const COMPRESSION_CODEC_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_MASK: i16 = 0x08;
const TRANSACTIONAL_FLAG_MASK: i16 = 0x10;
const CONTROL_FLAG_MASK: i16 = 0x20;
const DELETE_HORIZON_FLAG_MASK: i16 = 0x40;

/// The batch codec, attribute bits 0-2. Source: apache/kafka `CompressionType` (ids and names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompressionType {
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

impl CompressionType {
    /// All codecs in id order.
    pub const ALL: [CompressionType; 5] = [
        CompressionType::None,
        CompressionType::Gzip,
        CompressionType::Snappy,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ];

    /// The id stored in attribute bits 0-2.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The codec of an id; ids 5-7 are unknown (`CompressionType.forId` throws).
    pub fn from_id(id: u8) -> Option<CompressionType> {
        CompressionType::ALL.get(usize::from(id)).copied()
    }

    /// The name used by `compression.type`.
    pub fn name(self) -> &'static str {
        match self {
            CompressionType::None => "none",
            CompressionType::Gzip => "gzip",
            CompressionType::Snappy => "snappy",
            CompressionType::Lz4 => "lz4",
            CompressionType::Zstd => "zstd",
        }
    }
}

impl fmt::Display for CompressionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CompressionType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CompressionType::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| format!("unknown compression type {s:?} (none|gzip|snappy|lz4|zstd)"))
    }
}

/// Attribute bit 3. Producers always write CreateTime; brokers may stamp LogAppendTime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TimestampType {
    CreateTime,
    LogAppendTime,
}

/// One record inside a batch (`DefaultRecord`). Its attributes byte is always 0 on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub offset_delta: i32,
    pub timestamp_delta: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    /// In order; duplicate keys and null values are allowed.
    pub headers: Vec<RecordHeader>,
}

impl Record {
    /// Exact bytes of this record on the wire, length prefix included (`DefaultRecord.sizeInBytes`).
    pub fn size_in_bytes(&self) -> usize {
        record_size_in_bytes(
            self.offset_delta,
            self.timestamp_delta,
            self.key.as_deref(),
            self.value.as_deref(),
            &self.headers,
        )
    }
}

/// A record as the producer appends it, with its absolute CreateTime in ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampedRecord {
    pub timestamp: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<RecordHeader>,
}

/// The idempotence fields of the header; all −1 for a non-idempotent producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerIdentity {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

impl ProducerIdentity {
    /// What a non-idempotent producer writes.
    pub const NONE: ProducerIdentity = ProducerIdentity {
        producer_id: NO_PRODUCER_ID,
        producer_epoch: NO_PRODUCER_EPOCH,
        base_sequence: NO_SEQUENCE,
    };

    /// All three fields when all are given (an idempotent producer), else [`Self::NONE`].
    pub fn from_parts(
        producer_id: Option<i64>,
        producer_epoch: Option<i16>,
        base_sequence: Option<i32>,
    ) -> ProducerIdentity {
        match (producer_id, producer_epoch, base_sequence) {
            (Some(producer_id), Some(producer_epoch), Some(base_sequence)) => ProducerIdentity {
                producer_id,
                producer_epoch,
                base_sequence,
            },
            _ => ProducerIdentity::NONE,
        }
    }
}

/// One v2 batch. Header fields are stored as given so that decode → encode reproduces a batch;
/// `recordsCount` and `batchLength` are derived from `records` when encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBatch {
    pub base_offset: i64,
    pub partition_leader_epoch: i32,
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
    pub records: Vec<Record>,
}

impl RecordBatch {
    /// The batch the Java producer builds from these records: PLE −1, CreateTime, offset deltas
    /// 0..n, baseTimestamp = first record's, maxTimestamp = the largest, lastOffsetDelta = n − 1.
    /// Source: apache/kafka `MemoryRecordsBuilder.appendWithOffset`/`writeDefaultBatchHeader`.
    pub fn from_producer_records(
        compression: CompressionType,
        base_offset: i64,
        producer: ProducerIdentity,
        records: &[TimestampedRecord],
    ) -> RecordBatch {
        let base_timestamp = records.first().map_or(-1, |r| r.timestamp);
        let max_timestamp = records.iter().map(|r| r.timestamp).max().unwrap_or(-1);
        RecordBatch {
            base_offset,
            partition_leader_epoch: NO_PARTITION_LEADER_EPOCH,
            compression,
            timestamp_type: TimestampType::CreateTime,
            is_transactional: false,
            is_control: false,
            has_delete_horizon: false,
            last_offset_delta: records.len() as i32 - 1,
            base_timestamp,
            max_timestamp,
            producer_id: producer.producer_id,
            producer_epoch: producer.producer_epoch,
            base_sequence: producer.base_sequence,
            records: records
                .iter()
                .enumerate()
                .map(|(i, r)| Record {
                    offset_delta: i as i32,
                    timestamp_delta: r.timestamp.wrapping_sub(base_timestamp),
                    key: r.key.clone(),
                    value: r.value.clone(),
                    headers: r.headers.clone(),
                })
                .collect(),
        }
    }

    /// The int16 attributes (`DefaultRecordBatch.computeAttributes`).
    pub fn attributes(&self) -> i16 {
        let mut a = i16::from(self.compression.id());
        if self.timestamp_type == TimestampType::LogAppendTime {
            a |= TIMESTAMP_TYPE_MASK;
        }
        if self.is_transactional {
            a |= TRANSACTIONAL_FLAG_MASK;
        }
        if self.is_control {
            a |= CONTROL_FLAG_MASK;
        }
        if self.has_delete_horizon {
            a |= DELETE_HORIZON_FLAG_MASK;
        }
        a
    }

    /// Sum of the records' uncompressed sizes (`MemoryRecordsBuilder.uncompressedRecordsSizeInBytes`).
    pub fn records_size_in_bytes(&self) -> usize {
        self.records.iter().map(Record::size_in_bytes).sum()
    }
}

/// `compression-rate` sample of one batch, per spec errata A: the bytes after the 61-byte header
/// divided by the uncompressed record bytes. An uncompressed batch scores exactly 1.0; a batch
/// without record bytes also scores 1.0 (Kafka never builds one).
/// Source: apache/kafka `MemoryRecordsBuilder.close` (`actualCompressionRatio`).
pub fn compression_ratio(batch_size_in_bytes: usize, uncompressed_records_bytes: usize) -> f64 {
    if uncompressed_records_bytes == 0 {
        return 1.0;
    }
    batch_size_in_bytes.saturating_sub(RECORD_BATCH_OVERHEAD) as f64
        / uncompressed_records_bytes as f64
}

#[cfg(test)]
mod tests;
