//! The records of one batch, held as `MemoryRecordsBuilder` holds them: the key and value
//! bytes of every record back to back in one buffer, plus a small entry per record. Appending
//! copies the bytes in, so a batch costs a few growing buffers instead of allocations per
//! record. Headers, the same for every record of a workload, are kept once per run of records
//! that share them.
//!
//! Source: apache/kafka `MemoryRecordsBuilder.appendWithOffset` (records written into the
//! batch's buffer), `DefaultRecord.writeTo` (a null key or value is written as length -1).

use std::rc::Rc;

use super::producer_batch::RecordId;
use crate::record_size::{PayloadSize, RecordHeader};

/// One record of a batch, borrowed: what the accumulator appends and what readers see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordView<'a> {
    pub id: RecordId,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    /// Shared: every record of a workload carries the same headers.
    pub headers: &'a Rc<[RecordHeader]>,
    pub timestamp_ms: i64,
    /// Virtual µs of the `send()` call (for send-to-callback latency).
    pub sent_us: u64,
}

impl RecordView<'_> {
    /// The sizes of its key, value and headers on the wire.
    pub fn payload_size(&self) -> PayloadSize {
        PayloadSize::of(self.key, self.value, self.headers)
    }
}

/// Where one record's bytes are in [`BatchRecords::bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RecordEntry {
    id: RecordId,
    timestamp_ms: i64,
    sent_us: u64,
    /// The key starts here; the value follows it.
    start: usize,
    /// -1 for a null key, as on the wire.
    key_length: i32,
    /// -1 for a null value (a tombstone).
    value_length: i32,
}

/// The records of one batch, in append order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchRecords {
    entries: Vec<RecordEntry>,
    bytes: Vec<u8>,
    /// Each run of records with the same headers: the index of its first record, the headers.
    headers: Vec<(usize, Rc<[RecordHeader]>)>,
    /// The largest `estimateBatchSizeUpperBound` of a record, for the record-size metrics.
    largest_upper_bound: usize,
}

fn length_of(bytes: Option<&[u8]>) -> i32 {
    bytes.map_or(-1, |b| b.len() as i32)
}

impl BatchRecords {
    /// Room for `records` records of `bytes` key and value bytes, so appends do not reallocate.
    pub fn with_capacity(records: usize, bytes: usize) -> Self {
        BatchRecords {
            entries: Vec::with_capacity(records),
            bytes: Vec::with_capacity(bytes),
            headers: Vec::new(),
            largest_upper_bound: 0,
        }
    }

    /// Copies the record in; `payload` is its [`RecordView::payload_size`].
    pub fn push(&mut self, record: RecordView<'_>, payload: PayloadSize) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(record.key.unwrap_or_default());
        self.bytes
            .extend_from_slice(record.value.unwrap_or_default());
        self.entries.push(RecordEntry {
            id: record.id,
            timestamp_ms: record.timestamp_ms,
            sent_us: record.sent_us,
            start,
            key_length: length_of(record.key),
            value_length: length_of(record.value),
        });
        if self
            .headers
            .last()
            .is_none_or(|(_, run)| !Rc::ptr_eq(run, record.headers))
        {
            self.headers
                .push((self.entries.len() - 1, Rc::clone(record.headers)));
        }
        self.largest_upper_bound = self
            .largest_upper_bound
            .max(payload.batch_size_upper_bound());
    }

    /// Gives back capacity the batch will not use: it is closed.
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
        self.bytes.shrink_to_fit();
        self.headers.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The largest `estimateBatchSizeUpperBound` of its records (0 when empty).
    pub fn largest_upper_bound(&self) -> usize {
        self.largest_upper_bound
    }

    /// The record at `index` (< len).
    #[inline]
    fn view(&self, index: usize) -> RecordView<'_> {
        let entry = &self.entries[index];
        let key_end = entry.start + entry.key_length.max(0) as usize;
        let value_end = key_end + entry.value_length.max(0) as usize;
        let run = match self.headers.len() {
            1 => 0, // the usual case: one set of headers for the whole batch
            _ => self.headers.partition_point(|(first, _)| *first <= index) - 1,
        };
        RecordView {
            id: entry.id,
            key: (entry.key_length >= 0).then(|| &self.bytes[entry.start..key_end]),
            value: (entry.value_length >= 0).then(|| &self.bytes[key_end..value_end]),
            headers: &self.headers[run].1,
            timestamp_ms: entry.timestamp_ms,
            sent_us: entry.sent_us,
        }
    }

    /// The first record's timestamp: the batch's base timestamp.
    pub fn base_timestamp_ms(&self) -> Option<i64> {
        self.entries.first().map(|e| e.timestamp_ms)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = RecordView<'_>> + ExactSizeIterator {
        (0..self.len()).map(|i| self.view(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys and values come back as appended, null and empty kept apart.
    #[test]
    fn records_come_back_as_appended() {
        let none: Rc<[RecordHeader]> = Rc::from(Vec::new());
        let h: Rc<[RecordHeader]> = Rc::from(vec![RecordHeader {
            key: "h".into(),
            value: None,
        }]);
        let mut records = BatchRecords::default();
        let input = [
            (Some(&b"key"[..]), Some(&b"value"[..]), &none),
            (None, Some(&b""[..]), &h),
            (Some(&b""[..]), None, &none),
        ];
        for (i, (key, value, headers)) in input.iter().enumerate() {
            let r = RecordView {
                id: i as u64,
                key: *key,
                value: *value,
                headers,
                timestamp_ms: 10 + i as i64,
                sent_us: 7,
            };
            records.push(r, r.payload_size());
        }
        let back: Vec<_> = records
            .iter()
            .map(|r| (r.id, r.key, r.value, r.headers.len(), r.timestamp_ms))
            .collect();
        assert_eq!(
            back,
            [
                (0, Some(&b"key"[..]), Some(&b"value"[..]), 0, 10),
                (1, None, Some(&b""[..]), 1, 11),
                (2, Some(&b""[..]), None, 0, 12),
            ]
        );
        // 61 + 21 + (1 + 3) + (1 + 5) + 1 for the first record (TV-F2's 93).
        assert_eq!(records.largest_upper_bound(), 93);
        assert!(records.iter().map(|r| r.headers).eq([&none, &h, &none]));
        assert_eq!(
            records.iter().rev().map(|r| r.id).collect::<Vec<_>>(),
            [2, 1, 0]
        );
    }
}
