//! `ProducerBatch`: the records bound for one partition that travel together.
//!
//! Sizing follows `MemoryRecordsBuilder` for uncompressed v2 batches: the write limit is the
//! buffer allocated for the batch, `max(batch.size, upper bound of its first record)`; a record
//! fits if `estimatedBytesWritten + its exact size ≤ writeLimit` (the first record always fits);
//! the batch is full once `estimatedBytesWritten ≥ writeLimit` or it was closed for appends.
//! Source: apache/kafka `ProducerBatch.tryAppend`, `MemoryRecordsBuilder.hasRoomFor/isFull`.

use std::rc::Rc;

use crate::record_size::{RECORD_BATCH_OVERHEAD, RecordHeader, record_size_in_bytes};

pub type RecordId = u64;
pub type BatchId = u64;

/// A record after serialization, as the accumulator holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerializedRecord {
    pub id: RecordId,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<RecordHeader>,
    pub timestamp_ms: i64,
}

/// One batch for one partition.
#[derive(Debug, Clone)]
pub struct ProducerBatch {
    pub id: BatchId,
    pub partition: u32,
    /// Shared with the requests that carry it (cheap to resend on retry).
    pub records: Rc<Vec<SerializedRecord>>,
    /// Virtual µs at creation: linger and delivery.timeout.ms count from here.
    pub created_us: u64,
    /// `lastAttemptMs`: creation, then the time of each re-enqueue.
    pub last_attempt_us: u64,
    pub attempts: u32,
    pub write_limit: usize,
    /// `estimatedBytesWritten`: 61-byte header plus the records' exact sizes.
    pub size_in_bytes: usize,
    closed_for_appends: bool,
    /// Stamped at drain for idempotent producers: (producer id, epoch, base sequence).
    pub producer: Option<(i64, i16, i32)>,
}

impl ProducerBatch {
    pub fn new(id: BatchId, partition: u32, write_limit: usize, now_us: u64) -> Self {
        ProducerBatch {
            id,
            partition,
            records: Rc::new(Vec::new()),
            created_us: now_us,
            last_attempt_us: now_us,
            attempts: 0,
            write_limit,
            size_in_bytes: RECORD_BATCH_OVERHEAD,
            closed_for_appends: false,
            producer: None,
        }
    }

    fn exact_size_of(&self, record: &SerializedRecord) -> usize {
        let base_ts = self
            .records
            .first()
            .map_or(record.timestamp_ms, |r| r.timestamp_ms);
        record_size_in_bytes(
            self.records.len() as i32,
            record.timestamp_ms - base_ts,
            record.key.as_deref(),
            record.value.as_deref(),
            &record.headers,
        )
    }

    /// `ProducerBatch.tryAppend` with `MemoryRecordsBuilder.hasRoomFor`: appends and returns
    /// the bytes the batch grew by, or hands the record back when it does not fit (the caller
    /// then closes this batch and opens a new one).
    pub fn try_append(&mut self, record: SerializedRecord) -> Result<usize, SerializedRecord> {
        if self.is_full() {
            return Err(record);
        }
        let grew = self.exact_size_of(&record);
        if !self.records.is_empty() && self.write_limit < self.size_in_bytes + grew {
            return Err(record);
        }
        self.size_in_bytes += grew;
        Rc::make_mut(&mut self.records).push(record);
        Ok(grew)
    }

    /// `MemoryRecordsBuilder.isFull`.
    pub fn is_full(&self) -> bool {
        self.closed_for_appends
            || (!self.records.is_empty() && self.size_in_bytes >= self.write_limit)
    }

    pub fn close_for_record_appends(&mut self) {
        self.closed_for_appends = true;
    }

    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Time the batch has waited since its last attempt (`waitedTimeMs`), in µs.
    pub fn waited_us(&self, now_us: u64) -> u64 {
        now_us.saturating_sub(self.last_attempt_us)
    }

    /// `ProducerBatch.reenqueued`: one more attempt; the linger/backoff clock restarts now.
    pub fn reenqueued(&mut self, now_us: u64) {
        self.attempts += 1;
        self.last_attempt_us = self.last_attempt_us.max(now_us);
    }

    pub fn base_sequence(&self) -> Option<i32> {
        self.producer.map(|(_, _, seq)| seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: u64, key: Option<&str>, value: &str) -> SerializedRecord {
        SerializedRecord {
            id,
            key: key.map(|k| k.as_bytes().to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: vec![],
            timestamp_ms: 1_700_000_000_000,
        }
    }

    /// TV-F2: one record "key"/"value" gives a 76-byte batch.
    #[test]
    fn one_record_batch_is_76_bytes() {
        let mut b = ProducerBatch::new(0, 0, 16384, 0);
        assert_eq!(b.try_append(rec(0, Some("key"), "value")).unwrap(), 15);
        assert_eq!(b.size_in_bytes, 76);
    }

    /// Errata G: batch.size=0 sizes the buffer to the first record's upper bound (93 for TV-F2),
    /// and a small follow-up record (8 bytes) still fits in the slack: 76 + 8 ≤ 93.
    #[test]
    fn batch_size_zero_still_admits_a_small_second_record() {
        let mut b = ProducerBatch::new(0, 0, 93, 0);
        b.try_append(rec(0, Some("key"), "value")).unwrap();
        let small = SerializedRecord {
            key: None,
            value: Some(b"v".to_vec()),
            ..rec(1, None, "v")
        };
        assert_eq!(b.try_append(small).unwrap(), 8);
        assert_eq!(b.size_in_bytes, 84);
        assert!(!b.is_full());
    }

    #[test]
    fn a_full_batch_refuses_records() {
        let mut b = ProducerBatch::new(0, 0, 100, 0);
        b.try_append(rec(0, Some("k"), &"x".repeat(30))).unwrap();
        assert!(b.try_append(rec(1, Some("k"), &"x".repeat(30))).is_err());
        b.close_for_record_appends();
        assert!(b.is_full());
    }
}
