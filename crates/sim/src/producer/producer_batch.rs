//! `ProducerBatch`: the records bound for one partition that travel together.
//!
//! Sizing follows `MemoryRecordsBuilder` for v2 batches: the write limit is the buffer
//! allocated for the batch, `max(batch.size, upper bound of its first record)`; a record fits if
//! `estimatedBytesWritten + its exact size ≤ writeLimit` (the first record always fits); the
//! batch is full once `estimatedBytesWritten ≥ writeLimit` or it was closed for appends.
//! `estimatedBytesWritten` is 61 + the records' bytes, or with a codec 61 + records × the
//! topic's estimated compression ratio × 1.05. `close()` (at drain) compresses the records
//! with the real codec: from then on the batch has its real size on the wire.
//! Source: apache/kafka `ProducerBatch.tryAppend/close/split`,
//! `MemoryRecordsBuilder.hasRoomFor/isFull/estimatedBytesWritten/close`.

use std::rc::Rc;

pub use super::batch_records::{BatchRecords, RecordView};
use crate::record_batch::{CompressionType, Record, compression, encode_records};
use crate::record_size::{RECORD_BATCH_OVERHEAD, RecordHeader};

/// `MemoryRecordsBuilder.COMPRESSION_RATE_ESTIMATION_FACTOR`.
const COMPRESSION_RATE_ESTIMATION_FACTOR: f32 = 1.05;

/// A new batch reserves room for at most this many bytes of records up front.
const RESERVE_MAX_BYTES: usize = 1 << 16;

pub type RecordId = u64;
pub type BatchId = u64;

/// A record after serialization, as `send()` hands it to the accumulator (which copies it
/// into a batch's [`BatchRecords`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerializedRecord {
    pub id: RecordId,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    /// Shared: every record of a workload carries the same headers.
    pub headers: Rc<[RecordHeader]>,
    pub timestamp_ms: i64,
    /// Virtual µs of the `send()` call (for send-to-callback latency).
    pub sent_us: u64,
}

impl SerializedRecord {
    pub fn view(&self) -> RecordView<'_> {
        RecordView {
            id: self.id,
            key: self.key.as_deref(),
            value: self.value.as_deref(),
            headers: &self.headers,
            timestamp_ms: self.timestamp_ms,
            sent_us: self.sent_us,
        }
    }
}

/// One batch for one partition.
#[derive(Debug, Clone)]
pub struct ProducerBatch {
    pub id: BatchId,
    pub partition: u32,
    /// Shared with the requests that carry it (cheap to resend on retry).
    pub records: Rc<BatchRecords>,
    /// Virtual µs at creation: linger and delivery.timeout.ms count from here.
    pub created_us: u64,
    /// `lastAttemptMs`: creation, then the time of each re-enqueue.
    pub last_attempt_us: u64,
    pub attempts: u32,
    pub write_limit: usize,
    /// `estimatedSizeInBytes`: `estimatedBytesWritten` while open, the built size once closed.
    pub size_in_bytes: usize,
    closed_for_appends: bool,
    pub compression: CompressionType,
    /// The topic's compression-ratio estimate when the batch was opened.
    estimated_ratio: f32,
    uncompressed_records_bytes: usize,
    /// Set by `close()`: compressed records ÷ uncompressed records, header excluded
    /// (errata A); 1.0 without a codec.
    pub compression_ratio: Option<f32>,
    /// Made by `split()`: its buffer is allocated outside `buffer.memory`.
    pub is_split_batch: bool,
    /// `sequenceHasBeenReset`: an epoch bump rewrote its producer state since it was last
    /// drained.
    pub sequence_has_been_reset: bool,
    /// Stamped at drain for idempotent producers: (producer id, epoch, base sequence).
    pub producer: Option<(i64, i16, i32)>,
}

impl ProducerBatch {
    /// An uncompressed batch.
    pub fn new(id: BatchId, partition: u32, write_limit: usize, now_us: u64) -> Self {
        Self::with_compression(
            id,
            partition,
            write_limit,
            now_us,
            CompressionType::None,
            1.0,
        )
    }

    /// A batch for `compression.type`, sized with the topic's current ratio estimate.
    pub fn with_compression(
        id: BatchId,
        partition: u32,
        write_limit: usize,
        now_us: u64,
        compression: CompressionType,
        estimated_ratio: f32,
    ) -> Self {
        ProducerBatch {
            id,
            partition,
            records: Rc::new(BatchRecords::default()),
            created_us: now_us,
            last_attempt_us: now_us,
            attempts: 0,
            write_limit,
            size_in_bytes: RECORD_BATCH_OVERHEAD,
            closed_for_appends: false,
            compression,
            estimated_ratio,
            uncompressed_records_bytes: 0,
            compression_ratio: None,
            is_split_batch: false,
            sequence_has_been_reset: false,
            producer: None,
        }
    }

    /// `MemoryRecordsBuilder.estimatedBytesWritten`, in Java's float arithmetic.
    fn estimated_bytes_written(&self, uncompressed: usize) -> usize {
        if self.compression == CompressionType::None {
            RECORD_BATCH_OVERHEAD + uncompressed
        } else {
            let scaled =
                uncompressed as f32 * self.estimated_ratio * COMPRESSION_RATE_ESTIMATION_FACTOR;
            RECORD_BATCH_OVERHEAD + scaled as usize
        }
    }

    /// `ProducerBatch.tryAppend` with `MemoryRecordsBuilder.hasRoomFor`: appends and returns
    /// the bytes the estimated size grew by, or `None` when the record does not fit (the
    /// caller then closes this batch and opens a new one). The room check adds the record's
    /// uncompressed size to the estimate, as Kafka does.
    pub fn try_append(&mut self, record: RecordView<'_>) -> Option<usize> {
        self.try_append_sized(record, record.payload_size())
    }

    /// [`Self::try_append`] with the record's [`RecordView::payload_size`] already known.
    pub fn try_append_sized(
        &mut self,
        record: RecordView<'_>,
        payload: crate::record_size::PayloadSize,
    ) -> Option<usize> {
        if self.is_full() {
            return None;
        }
        let base_ts = self
            .records
            .base_timestamp_ms()
            .unwrap_or(record.timestamp_ms);
        let record_size =
            payload.record_size_in_bytes(self.records.len() as i32, record.timestamp_ms - base_ts);
        if !self.records.is_empty() && self.write_limit < self.size_in_bytes + record_size {
            return None;
        }
        if self.records.is_empty() {
            // Room for as many records like this one as the buffer takes (up to a bound, so
            // a large batch.size does not reserve memory a slow partition never fills).
            let bytes = self.write_limit.min(RESERVE_MAX_BYTES).max(record_size);
            self.records = Rc::new(BatchRecords::with_capacity(bytes / record_size + 1, bytes));
        }
        let before = self.size_in_bytes;
        self.uncompressed_records_bytes += record_size;
        self.size_in_bytes = self.estimated_bytes_written(self.uncompressed_records_bytes);
        Rc::make_mut(&mut self.records).push(record, payload);
        Some(self.size_in_bytes - before)
    }

    /// `ProducerBatch.close` → `MemoryRecordsBuilder.close`: builds the records with the
    /// codec, so the batch takes its real size. Returns the observed compression ratio for
    /// `CompressionRatioEstimator.updateEstimation` (Kafka feeds it on every drain).
    pub fn close(&mut self) -> f32 {
        self.closed_for_appends = true;
        self.sequence_has_been_reset = false;
        if let Some(ratio) = self.compression_ratio {
            return ratio;
        }
        if let Some(records) = Rc::get_mut(&mut self.records) {
            records.shrink_to_fit();
        }
        let ratio = if self.compression == CompressionType::None {
            1.0
        } else {
            let plain = encode_records(&self.wire_records());
            let compressed = compression::compress(self.compression, &plain).len();
            self.size_in_bytes = RECORD_BATCH_OVERHEAD + compressed;
            compressed as f32 / plain.len() as f32
        };
        self.compression_ratio = Some(ratio);
        ratio
    }

    /// The records as `DefaultRecord`s: offset deltas 0.., timestamps relative to the first.
    pub fn wire_records(&self) -> Vec<Record> {
        let base_ts = self.records.base_timestamp_ms().unwrap_or(0);
        self.records
            .iter()
            .enumerate()
            .map(|(i, r)| Record {
                offset_delta: i as i32,
                timestamp_delta: r.timestamp_ms - base_ts,
                key: r.key.map(<[u8]>::to_vec),
                value: r.value.map(<[u8]>::to_vec),
                headers: r.headers.to_vec(),
            })
            .collect()
    }

    /// `ProducerBatch.split(batch.size)`: the records re-packed into new batches of capacity
    /// `max(split_batch_size, the record's upper bound)`, each keeping this batch's creation
    /// time and, if it had one, consecutive sequences from its base sequence. New batches are
    /// sized with `estimated_ratio` (reset by the caller) and count as never tried.
    pub fn split(
        &self,
        split_batch_size: usize,
        estimated_ratio: f32,
        next_id: &mut BatchId,
    ) -> Vec<ProducerBatch> {
        let mut out: Vec<ProducerBatch> = Vec::new();
        for record in self.records.iter() {
            match out.last_mut().map(|b| b.try_append(record)) {
                Some(Some(_)) => continue,
                Some(None) => out.last_mut().expect("some").close_for_record_appends(),
                None => {}
            }
            let upper = record.payload_size().batch_size_upper_bound();
            let mut batch = ProducerBatch::with_compression(
                *next_id,
                self.partition,
                split_batch_size.max(upper),
                self.created_us,
                self.compression,
                estimated_ratio,
            );
            *next_id += 1;
            batch.is_split_batch = true;
            batch
                .try_append(record)
                .expect("the first record always fits");
            out.push(batch);
        }
        if let Some(last) = out.last_mut() {
            last.close_for_record_appends();
        }
        if let Some((pid, epoch, mut seq)) = self.producer {
            for b in &mut out {
                b.producer = Some((pid, epoch, seq));
                seq = super::transaction_manager::increment_sequence(seq, b.record_count() as i32);
            }
        }
        out
    }

    /// `MemoryRecordsBuilder.isFull`.
    pub fn is_full(&self) -> bool {
        // Records are added only by `try_append`, each with a size: a batch with uncompressed
        // bytes has records (read here instead of `records`, which is another allocation).
        let has_records = self.uncompressed_records_bytes > 0;
        debug_assert_eq!(has_records, !self.records.is_empty());
        self.closed_for_appends || (has_records && self.size_in_bytes >= self.write_limit)
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

    /// `lastSequence`: the base sequence plus the records after the first.
    pub fn last_sequence(&self) -> Option<i32> {
        self.base_sequence().map(|s| {
            super::transaction_manager::increment_sequence(s, self.record_count() as i32 - 1)
        })
    }

    /// `resetProducerState` after an epoch bump: new id, epoch and base sequence.
    pub fn reset_producer_state(&mut self, producer_id: i64, epoch: i16, base_sequence: i32) {
        self.producer = Some((producer_id, epoch, base_sequence));
        self.sequence_has_been_reset = true;
    }

    /// `inRetry`: re-enqueued at least once.
    pub fn in_retry(&self) -> bool {
        self.attempts > 0
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
            headers: Rc::from([]),
            timestamp_ms: 1_700_000_000_000,
            sent_us: 0,
        }
    }

    /// TV-F2: one record "key"/"value" gives a 76-byte batch.
    #[test]
    fn one_record_batch_is_76_bytes() {
        let mut b = ProducerBatch::new(0, 0, 16384, 0);
        assert_eq!(
            b.try_append(rec(0, Some("key"), "value").view()).unwrap(),
            15
        );
        assert_eq!(b.size_in_bytes, 76);
    }

    /// Errata G: batch.size=0 sizes the buffer to the first record's upper bound (93 for TV-F2),
    /// and a small follow-up record (8 bytes) still fits in the slack: 76 + 8 ≤ 93.
    #[test]
    fn batch_size_zero_still_admits_a_small_second_record() {
        let mut b = ProducerBatch::new(0, 0, 93, 0);
        b.try_append(rec(0, Some("key"), "value").view()).unwrap();
        let small = SerializedRecord {
            key: None,
            value: Some(b"v".to_vec()),
            ..rec(1, None, "v")
        };
        assert_eq!(b.try_append(small.view()).unwrap(), 8);
        assert_eq!(b.size_in_bytes, 84);
        assert!(!b.is_full());
    }

    /// A value that gzip cannot shrink: bytes from a fixed linear congruential sequence.
    fn noise(seed: u64, len: usize) -> String {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from(b'!' + ((x >> 33) % 90) as u8)
            })
            .collect()
    }

    /// With a codec, the estimate is 61 + records × ratio × 1.05 (truncated as Java's float
    /// cast), while the room check adds the record's full uncompressed size.
    #[test]
    fn compressed_batches_are_sized_by_the_ratio_estimate() {
        let mut b = ProducerBatch::with_compression(0, 0, 16384, 0, CompressionType::Gzip, 0.5);
        let r = rec(0, Some("key"), "value"); // 15 bytes uncompressed (TV-F2)
        assert_eq!(b.try_append(r.view()).unwrap(), 7); // (int)(15 × 0.5 × 1.05) = 7
        assert_eq!(b.size_in_bytes, 68);
        // Room check: 68 + 8000-ish record must fit in 16384, but not twice.
        let big = || rec(1, None, &"x".repeat(8000));
        assert!(b.try_append(big().view()).is_some());
        assert!(
            b.try_append(big().view()).is_some(),
            "scaled: 68 + 4208 + 8006 fits"
        );
        assert!(
            b.try_append(big().view()).is_none(),
            "8,418 + 8,006 > 16,384"
        );
    }

    /// `close()` compresses with the real codec: compressible text shrinks to its real size
    /// and the observed ratio excludes the header (errata A); without a codec it is 1.0.
    #[test]
    fn close_builds_the_batch_and_observes_the_ratio() {
        let mut plain = ProducerBatch::new(0, 0, 16384, 0);
        plain
            .try_append(rec(0, Some("key"), "value").view())
            .unwrap();
        assert_eq!(plain.close(), 1.0);
        assert_eq!(plain.size_in_bytes, 76);

        let mut gz = ProducerBatch::with_compression(1, 0, 16384, 0, CompressionType::Gzip, 1.0);
        for i in 0..20 {
            gz.try_append(rec(i, Some("k"), &"abc".repeat(100)).view())
                .unwrap();
        }
        let estimated = gz.size_in_bytes;
        let ratio = gz.close();
        assert!(ratio < 0.1, "repetitive text compresses well: {ratio}");
        assert!(gz.size_in_bytes < estimated / 5);
        let plain_len = encode_records(&gz.wire_records()).len();
        assert_eq!(
            gz.size_in_bytes,
            61 + compression::compress(CompressionType::Gzip, &encode_records(&gz.wire_records()))
                .len()
        );
        assert!((ratio - (gz.size_in_bytes - 61) as f32 / plain_len as f32).abs() < 1e-6);
    }

    /// `split(batch.size)`: an over-optimistic estimate let a batch of incompressible records
    /// grow past what the broker takes; the split re-packs them by batch.size at the reset
    /// estimate, keeps the creation time and hands out consecutive sequences.
    #[test]
    fn split_repacks_by_batch_size_and_keeps_sequences() {
        let mut big =
            ProducerBatch::with_compression(7, 3, 16384, 1_000, CompressionType::Gzip, 0.05);
        let mut n = 0;
        while big
            .try_append(rec(n, None, &noise(n, 1000)).view())
            .is_some()
        {
            n += 1;
        }
        assert!(n > 100, "the estimate admitted {n} records");
        big.producer = Some((42, 0, 500));
        let ratio = big.close();
        assert!(
            big.size_in_bytes > 16384 * 4,
            "real size {}",
            big.size_in_bytes
        );
        let mut next_id = 100;
        let pieces = big.split(16384, ratio.max(1.0), &mut next_id);
        assert_eq!(
            pieces
                .iter()
                .map(ProducerBatch::record_count)
                .sum::<usize>(),
            n as usize
        );
        assert!(pieces.len() >= 6);
        let mut seq = 500;
        for (i, p) in pieces.iter().enumerate() {
            assert_eq!(p.id, 100 + i as u64);
            assert!(p.is_split_batch && p.is_full() && p.attempts == 0);
            assert_eq!((p.partition, p.created_us), (3, 1_000));
            assert_eq!(p.producer, Some((42, 0, seq)));
            seq += p.record_count() as i32;
            assert!(p.size_in_bytes <= 16384);
        }
        assert_eq!(next_id, 100 + pieces.len() as u64);
    }

    /// A record larger than the up-front reservation (and than batch.size) still appends.
    #[test]
    fn a_record_larger_than_the_reservation_fits_its_own_batch() {
        let value = "x".repeat(RESERVE_MAX_BYTES * 2);
        let mut b = ProducerBatch::new(0, 0, 16384, 0);
        assert!(b.try_append(rec(0, None, &value).view()).is_some());
        assert_eq!(
            b.records.iter().next().unwrap().value.unwrap().len(),
            value.len()
        );
        assert!(b.is_full());
    }

    #[test]
    fn a_full_batch_refuses_records() {
        let mut b = ProducerBatch::new(0, 0, 100, 0);
        b.try_append(rec(0, Some("k"), &"x".repeat(30)).view())
            .unwrap();
        assert!(
            b.try_append(rec(1, Some("k"), &"x".repeat(30)).view())
                .is_none()
        );
        b.close_for_record_appends();
        assert!(b.is_full());
    }
}
