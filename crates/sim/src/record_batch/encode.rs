//! Writing a v2 batch: 61-byte big-endian header, records (compressed as one stream when a
//! codec is set), then CRC-32C over attributes → end patched in at offset 17.
//! Source: apache/kafka `DefaultRecordBatch.writeHeader`, `DefaultRecord.writeTo`,
//! `MemoryRecordsBuilder.writeDefaultBatchHeader`.

use super::varint::write_varint;
use super::varint::write_varlong;
use super::{ATTRIBUTES_OFFSET, LOG_OVERHEAD, MAGIC_V2, Record, RecordBatch, compression};
use crate::record_size::RECORD_BATCH_OVERHEAD;

/// Offset of the crc field (`DefaultRecordBatch.CRC_OFFSET`).
pub(super) const CRC_OFFSET: usize = 17;

/// The exact v2 bytes of `batch`. `recordsCount` is `records.len()`; every other header field is
/// written as stored (use [`RecordBatch::from_producer_records`] for what a producer writes).
///
/// # Panics
/// If a length does not fit Kafka's int32 fields (a key, value or batch of 2 GiB or more).
pub fn encode(batch: &RecordBatch) -> Vec<u8> {
    let plain = encode_records(&batch.records);
    let records = compression::compress(batch.compression, &plain);
    let size = RECORD_BATCH_OVERHEAD + records.len();

    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&batch.base_offset.to_be_bytes());
    out.extend_from_slice(&int32(size - LOG_OVERHEAD).to_be_bytes());
    out.extend_from_slice(&batch.partition_leader_epoch.to_be_bytes());
    out.push(MAGIC_V2 as u8);
    out.extend_from_slice(&[0; 4]); // crc, patched below
    out.extend_from_slice(&batch.attributes().to_be_bytes());
    out.extend_from_slice(&batch.last_offset_delta.to_be_bytes());
    out.extend_from_slice(&batch.base_timestamp.to_be_bytes());
    out.extend_from_slice(&batch.max_timestamp.to_be_bytes());
    out.extend_from_slice(&batch.producer_id.to_be_bytes());
    out.extend_from_slice(&batch.producer_epoch.to_be_bytes());
    out.extend_from_slice(&batch.base_sequence.to_be_bytes());
    out.extend_from_slice(&int32(batch.records.len()).to_be_bytes());
    debug_assert_eq!(out.len(), RECORD_BATCH_OVERHEAD);
    out.extend_from_slice(&records);

    let crc = crc32c::crc32c(&out[ATTRIBUTES_OFFSET..]);
    out[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
    out
}

/// The uncompressed records stream (what a codec compresses): each record as
/// `DefaultRecord.writeTo` lays it out. Its length is [`RecordBatch::records_size_in_bytes`].
pub fn encode_records(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = Vec::new();
    for record in records {
        body.clear();
        body.push(0); // attributes: unused, always 0
        write_varlong(&mut body, record.timestamp_delta);
        write_varint(&mut body, record.offset_delta);
        write_nullable_bytes(&mut body, record.key.as_deref());
        write_nullable_bytes(&mut body, record.value.as_deref());
        write_varint(&mut body, int32(record.headers.len()));
        for header in &record.headers {
            write_nullable_bytes(&mut body, Some(header.key.as_bytes()));
            write_nullable_bytes(&mut body, header.value.as_deref());
        }
        write_varint(&mut out, int32(body.len()));
        out.extend_from_slice(&body);
    }
    out
}

/// Varint length (−1 for null) followed by the bytes.
fn write_nullable_bytes(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => write_varint(out, -1),
        Some(b) => {
            write_varint(out, int32(b.len()));
            out.extend_from_slice(b);
        }
    }
}

fn int32(n: usize) -> i32 {
    i32::try_from(n).expect("Kafka lengths and counts are int32")
}
