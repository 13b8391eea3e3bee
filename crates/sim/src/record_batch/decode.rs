//! Reading one v2 batch: size, magic and CRC checks, decompression, then the records.
//!
//! Malformed input of any kind (truncated, garbage lengths, overlong varints, corrupt codec
//! streams) gives a [`DecodeError`], never a panic. Checks follow the broker's order: batch size
//! (`batchLength ≥ 49`), magic, CRC (`DefaultRecordBatch.isValid`), codec, then records as
//! `DefaultRecord.readFrom` reads them. Stricter than Kafka: bytes after the batch or after the
//! declared records are errors. As lenient as Kafka: any negative key/value length reads as
//! null, and a header key that is not UTF-8 is decoded lossily (Java's `Utils.utf8`).
//! Source: apache/kafka `DefaultRecordBatch`, `DefaultRecord.readFrom`, `ByteUtils`.

use std::borrow::Cow;
use std::fmt;

use super::compression::{self, CodecError};
use super::varint::{VarintError, read_varint, read_varlong};
use super::{
    ATTRIBUTES_OFFSET, COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK, CompressionType,
    DELETE_HORIZON_FLAG_MASK, LOG_OVERHEAD, MAGIC_V2, Record, RecordBatch, RecordHeader,
    TIMESTAMP_TYPE_MASK, TRANSACTIONAL_FLAG_MASK, TimestampType, compression_ratio,
    encode::CRC_OFFSET,
};
use crate::record_size::RECORD_BATCH_OVERHEAD;

/// Cap on the decompressed records of one batch used by [`decode`] (64 MiB), so a hostile
/// stream cannot exhaust memory. Kafka's own limits (`message.max.bytes`, 1 MiB by default)
/// apply to the compressed size; this bounds the inflated size.
pub const DEFAULT_MAX_RECORDS_BYTES: usize = 64 * 1024 * 1024;

/// A decoded batch plus what the wire told us about it.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedBatch {
    pub batch: RecordBatch,
    /// The stored CRC-32C (it matched the bytes).
    pub crc: u32,
    /// The raw attributes, unused bits 7-15 included.
    pub attributes: i16,
    /// Whole batch: 61-byte header + (compressed) records.
    pub size_in_bytes: usize,
    /// Records after decompression: the uncompressed record bytes.
    pub uncompressed_records_bytes: usize,
}

impl DecodedBatch {
    /// The `compression-rate` sample per spec errata A (header excluded); see [`compression_ratio`].
    pub fn compression_ratio(&self) -> f64 {
        compression_ratio(self.size_in_bytes, self.uncompressed_records_bytes)
    }
}

/// Why bytes are not one valid v2 batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the header (61) or than `batchLength + 12`.
    Truncated { needed: usize, available: usize },
    /// `batchLength` below 49, so smaller than the header itself.
    InvalidBatchLength(i32),
    /// More bytes than `batchLength + 12`.
    TrailingBytes { batch_size: usize, available: usize },
    /// Not magic 2.
    UnsupportedMagic(i8),
    /// The stored CRC (`expected`) differs from the CRC-32C of attributes → end (`actual`).
    CrcMismatch { expected: u32, actual: u32 },
    /// Codec id 5, 6 or 7.
    UnknownCompression(u8),
    /// `recordsCount` below zero.
    InvalidRecordCount(i32),
    /// The records stream does not decompress.
    Decompression {
        codec: CompressionType,
        error: CodecError,
    },
    /// Record `index` (0-based) is malformed.
    InvalidRecord { index: usize, reason: String },
    /// Bytes left over after the declared number of records.
    TrailingRecordBytes { records: i32, remaining: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { needed, available } => {
                write!(f, "truncated batch: needs {needed} bytes, got {available}")
            }
            DecodeError::InvalidBatchLength(n) => write!(
                f,
                "invalid batchLength {n}: a v2 batch has at least {} bytes after the length",
                RECORD_BATCH_OVERHEAD - LOG_OVERHEAD
            ),
            DecodeError::TrailingBytes {
                batch_size,
                available,
            } => write!(
                f,
                "{} bytes after the batch (batchLength gives {batch_size} bytes, got {available})",
                available - batch_size
            ),
            DecodeError::UnsupportedMagic(m) => {
                write!(f, "unsupported magic {m}: only RecordBatch v2 (magic 2)")
            }
            DecodeError::CrcMismatch { expected, actual } => write!(
                f,
                "CRC mismatch: header says 0x{expected:08x} (expected), bytes give 0x{actual:08x} (actual)"
            ),
            DecodeError::UnknownCompression(id) => write!(f, "unknown compression codec id {id}"),
            DecodeError::InvalidRecordCount(n) => write!(f, "invalid recordsCount {n}"),
            DecodeError::Decompression { codec, error } => {
                write!(f, "{codec} records do not decompress: {error}")
            }
            DecodeError::InvalidRecord { index, reason } => {
                write!(f, "record {index} is malformed: {reason}")
            }
            DecodeError::TrailingRecordBytes { records, remaining } => write!(
                f,
                "{remaining} bytes left after the {records} declared records"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes exactly one batch, inflating at most [`DEFAULT_MAX_RECORDS_BYTES`].
pub fn decode(bytes: &[u8]) -> Result<RecordBatch, DecodeError> {
    decode_detailed(bytes, DEFAULT_MAX_RECORDS_BYTES).map(|d| d.batch)
}

/// Decodes exactly one batch and reports its CRC, sizes and compression ratio.
/// `max_records_bytes` caps the decompressed records stream.
pub fn decode_detailed(
    bytes: &[u8],
    max_records_bytes: usize,
) -> Result<DecodedBatch, DecodeError> {
    let available = bytes.len();
    if available < RECORD_BATCH_OVERHEAD {
        return Err(DecodeError::Truncated {
            needed: RECORD_BATCH_OVERHEAD,
            available,
        });
    }
    let header = Header(bytes);
    let batch_length = header.i32(8);
    if batch_length < (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) as i32 {
        return Err(DecodeError::InvalidBatchLength(batch_length));
    }
    let size = batch_length as usize + LOG_OVERHEAD;
    if size > available {
        return Err(DecodeError::Truncated {
            needed: size,
            available,
        });
    }
    if size < available {
        return Err(DecodeError::TrailingBytes {
            batch_size: size,
            available,
        });
    }
    let magic = bytes[16] as i8;
    if magic != MAGIC_V2 {
        return Err(DecodeError::UnsupportedMagic(magic));
    }
    let expected = header.u32(CRC_OFFSET);
    let actual = crc32c::crc32c(&bytes[ATTRIBUTES_OFFSET..]);
    if expected != actual {
        return Err(DecodeError::CrcMismatch { expected, actual });
    }
    let attributes = header.i16(ATTRIBUTES_OFFSET);
    let codec_id = (attributes & COMPRESSION_CODEC_MASK) as u8;
    let compression =
        CompressionType::from_id(codec_id).ok_or(DecodeError::UnknownCompression(codec_id))?;
    let count = header.i32(57);
    if count < 0 {
        return Err(DecodeError::InvalidRecordCount(count));
    }

    let stored = &bytes[RECORD_BATCH_OVERHEAD..];
    let plain: Cow<'_, [u8]> = match compression {
        CompressionType::None => Cow::Borrowed(stored),
        codec => Cow::Owned(
            compression::decompress(codec, stored, max_records_bytes)
                .map_err(|error| DecodeError::Decompression { codec, error })?,
        ),
    };
    let records = read_records(&plain, count)?;

    let batch = RecordBatch {
        base_offset: header.i64(0),
        partition_leader_epoch: header.i32(12),
        compression,
        timestamp_type: if attributes & TIMESTAMP_TYPE_MASK != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        },
        is_transactional: attributes & TRANSACTIONAL_FLAG_MASK != 0,
        is_control: attributes & CONTROL_FLAG_MASK != 0,
        has_delete_horizon: attributes & DELETE_HORIZON_FLAG_MASK != 0,
        last_offset_delta: header.i32(23),
        base_timestamp: header.i64(27),
        max_timestamp: header.i64(35),
        producer_id: header.i64(43),
        producer_epoch: header.i16(51),
        base_sequence: header.i32(53),
        records,
    };
    Ok(DecodedBatch {
        batch,
        crc: expected,
        attributes,
        size_in_bytes: size,
        uncompressed_records_bytes: plain.len(),
    })
}

/// Big-endian reads at fixed offsets of a slice already known to hold the 61-byte header.
struct Header<'a>(&'a [u8]);

impl Header<'_> {
    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut a = [0; N];
        a.copy_from_slice(&self.0[at..at + N]);
        a
    }
    fn i16(&self, at: usize) -> i16 {
        i16::from_be_bytes(self.array(at))
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_be_bytes(self.array(at))
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_be_bytes(self.array(at))
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_be_bytes(self.array(at))
    }
}

/// Exactly `count` records, and nothing after them.
fn read_records(plain: &[u8], count: i32) -> Result<Vec<Record>, DecodeError> {
    let mut cursor = Cursor { buf: plain, pos: 0 };
    // A record takes at least 7 bytes, so never reserve more than the input can hold.
    let mut records = Vec::with_capacity((count as usize).min(plain.len() / 7));
    for index in 0..count as usize {
        let record = read_record(&mut cursor)
            .map_err(|reason| DecodeError::InvalidRecord { index, reason })?;
        records.push(record);
    }
    match cursor.remaining() {
        0 => Ok(records),
        remaining => Err(DecodeError::TrailingRecordBytes {
            records: count,
            remaining,
        }),
    }
}

/// One record (`DefaultRecord.readFrom`): its fields must use exactly its length prefix.
fn read_record(outer: &mut Cursor<'_>) -> Result<Record, String> {
    let length = outer.varint("length")?;
    if length < 0 {
        return Err(format!("negative record length {length}"));
    }
    let body = outer.take(length as usize).map_err(|_| {
        format!(
            "record length {length} exceeds the {} bytes left",
            outer.remaining()
        )
    })?;
    let mut c = Cursor { buf: body, pos: 0 };
    c.take(1)
        .map_err(|_| "missing attributes byte".to_string())?; // unused by Kafka
    let timestamp_delta = c.varlong("timestampDelta")?;
    let offset_delta = c.varint("offsetDelta")?;
    let key = c.nullable_bytes("key")?;
    let value = c.nullable_bytes("value")?;
    let header_count = c.varint("header count")?;
    if header_count < 0 {
        return Err(format!("negative header count {header_count}"));
    }
    let mut headers = Vec::with_capacity((header_count as usize).min(c.remaining() / 2));
    for _ in 0..header_count {
        let key_length = c.varint("header key length")?;
        if key_length < 0 {
            return Err(format!("negative header key length {key_length}"));
        }
        let key = c.bytes(key_length as usize, "header key")?;
        let value = c.nullable_bytes("header value")?;
        headers.push(RecordHeader {
            key: String::from_utf8_lossy(key).into_owned(),
            value,
        });
    }
    if c.remaining() != 0 {
        return Err(format!(
            "length prefix says {length} bytes but the fields use {}",
            c.pos
        ));
    }
    Ok(Record {
        offset_delta,
        timestamp_delta,
        key,
        value,
        headers,
    })
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ()> {
        if n > self.remaining() {
            return Err(());
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let left = self.remaining();
        self.take(n)
            .map_err(|_| format!("{what} length {n} exceeds the {left} bytes left"))
    }

    fn varint(&mut self, what: &str) -> Result<i32, String> {
        let (v, n) = read_varint(&self.buf[self.pos..]).map_err(|e| varint_error(what, e))?;
        self.pos += n;
        Ok(v)
    }

    fn varlong(&mut self, what: &str) -> Result<i64, String> {
        let (v, n) = read_varlong(&self.buf[self.pos..]).map_err(|e| varint_error(what, e))?;
        self.pos += n;
        Ok(v)
    }

    /// Varint length then bytes; any negative length is null, as in `DefaultRecord.readFrom`.
    fn nullable_bytes(&mut self, what: &str) -> Result<Option<Vec<u8>>, String> {
        let length = self.varint(what)?;
        if length < 0 {
            return Ok(None);
        }
        Ok(Some(self.bytes(length as usize, what)?.to_vec()))
    }
}

fn varint_error(what: &str, e: VarintError) -> String {
    format!("{what}: {e}")
}
