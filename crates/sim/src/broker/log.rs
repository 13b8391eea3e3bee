//! A replica's log: batches with offsets, and the producer state rebuilt from them.
//!
//! Followers copy whole batches, as Kafka's replica fetcher does, so the producer state (the
//! 5-batch dedup window) exists on every replica and survives a leader change.
//! Source: apache/kafka `UnifiedLog.append`, `ProducerStateManager`, `LeaderEpochFileCache`.

use std::collections::VecDeque;
use std::rc::Rc;

use super::producer_state_manager::{BatchMetadata, ProducerStateManager, SequenceCheck};
use crate::produce_request::WireBatch;
use crate::producer::producer_batch::{BatchRecords, RecordId};
use crate::producer::transaction_manager::increment_sequence;
use crate::protocol::Errors;

/// One record in the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogEntry {
    pub offset: i64,
    /// The producer-side record this entry came from (a duplicate write repeats it).
    pub record: RecordId,
    pub key: Option<String>,
    pub value: Option<String>,
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// -1 for non-idempotent writes.
    pub sequence: i32,
}

/// One appended batch. Its records are shared with the request that carried them; the
/// readable [`LogEntry`]s are built only when someone looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogBatch {
    pub base_offset: i64,
    /// The leader epoch the batch was written in (`partitionLeaderEpoch`).
    pub leader_epoch: i32,
    /// (producer id, epoch, base sequence) of an idempotent batch.
    pub producer: Option<(i64, i16, i32)>,
    pub records: Rc<BatchRecords>,
    /// Bytes of the batch as it was produced (what a follower fetches over the network).
    pub size_in_bytes: usize,
}

impl LogBatch {
    pub fn next_offset(&self) -> i64 {
        self.base_offset + self.records.len() as i64
    }

    pub fn entries(&self) -> impl DoubleEndedIterator<Item = LogEntry> + '_ {
        let (pid, epoch, base_seq) = self.producer.unwrap_or((-1, -1, -1));
        self.records.iter().enumerate().map(move |(i, r)| LogEntry {
            offset: self.base_offset + i as i64,
            record: r.id,
            key: r.key.map(|k| String::from_utf8_lossy(k).into_owned()),
            value: r.value.map(|v| String::from_utf8_lossy(v).into_owned()),
            producer_id: pid,
            producer_epoch: epoch,
            sequence: if base_seq < 0 {
                -1
            } else {
                increment_sequence(base_seq, i as i32)
            },
        })
    }

    fn metadata(&self) -> Option<(i64, i16, BatchMetadata)> {
        let (pid, epoch, first_seq) = self.producer?;
        let n = self.records.len() as i32;
        Some((
            pid,
            epoch,
            BatchMetadata {
                first_seq,
                last_seq: increment_sequence(first_seq, n - 1),
                first_offset: self.base_offset,
                last_offset: self.next_offset() - 1,
            },
        ))
    }
}

/// What a leader append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendInfo {
    pub first_offset: i64,
    pub last_offset: i64,
    /// A retried batch already in the log: nothing was written.
    pub duplicate: bool,
}

/// The log of one partition on one broker.
///
/// Retention by size (`retention.bytes`, `UnifiedLog.deleteRetentionSizeBreachedSegments`):
/// the oldest data is deleted while the log stays at or above the limit without it, and the
/// log start offset moves up. Model simplification: each batch is its own segment, and
/// retention runs on every append instead of every `log.retention.check.interval.ms`; the
/// newest batch (the active segment) is never deleted. The producer state of deleted batches
/// is kept, as Kafka keeps it until `producer.id.expiration.ms`.
#[derive(Debug, Clone, Default)]
pub struct Replica {
    pub batches: VecDeque<LogBatch>,
    pub producer_state: ProducerStateManager,
    /// The topic's `retention.bytes`; `None` is Kafka's -1 (no limit).
    pub retention_bytes: Option<u64>,
    log_start_offset: i64,
    /// Bytes of the batches still in the log.
    size_in_bytes: u64,
}

impl Replica {
    pub fn with_retention(retention_bytes: Option<u64>) -> Self {
        Replica {
            retention_bytes,
            ..Replica::default()
        }
    }

    pub fn log_end_offset(&self) -> i64 {
        self.batches
            .back()
            .map_or(self.log_start_offset, LogBatch::next_offset)
    }

    /// The first offset still in the log.
    pub fn log_start_offset(&self) -> i64 {
        self.batches
            .front()
            .map_or(self.log_start_offset, |b| b.base_offset)
    }

    /// Bytes of the batches still in the log.
    pub fn size_in_bytes(&self) -> u64 {
        self.size_in_bytes
    }

    fn apply_retention(&mut self) {
        let Some(limit) = self.retention_bytes else {
            return;
        };
        while self.batches.len() > 1 {
            let oldest = self.batches[0].size_in_bytes as u64;
            if self.size_in_bytes - oldest < limit {
                break;
            }
            let gone = self.batches.pop_front().expect("len > 1");
            self.size_in_bytes -= oldest;
            self.log_start_offset = gone.next_offset();
        }
    }

    /// Every record, oldest first, as readable entries (built on demand).
    pub fn entries(&self) -> impl Iterator<Item = LogEntry> + '_ {
        self.batches.iter().flat_map(LogBatch::entries)
    }

    pub fn len(&self) -> usize {
        self.log_end_offset() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// Leader append: idempotent batches are checked against the producer state first
    /// (duplicate → original offsets, nothing written), then offsets are assigned.
    pub fn append_as_leader(
        &mut self,
        wire: &WireBatch,
        leader_epoch: i32,
    ) -> Result<AppendInfo, Errors> {
        let count = wire.records.len() as i32;
        if let Some((pid, epoch, base_seq)) = wire.producer {
            let last_seq = increment_sequence(base_seq, count - 1);
            match self.producer_state.check(pid, epoch, base_seq, last_seq) {
                SequenceCheck::Duplicate(m) => {
                    return Ok(AppendInfo {
                        first_offset: m.first_offset,
                        last_offset: m.last_offset,
                        duplicate: true,
                    });
                }
                SequenceCheck::Reject(e) => return Err(e),
                SequenceCheck::Append => {}
            }
        }
        let base_offset = self.log_end_offset();
        let batch = LogBatch {
            base_offset,
            leader_epoch,
            producer: wire.producer,
            records: Rc::clone(&wire.records),
            size_in_bytes: wire.size_in_bytes,
        };
        let info = AppendInfo {
            first_offset: base_offset,
            last_offset: batch.next_offset() - 1,
            duplicate: false,
        };
        self.append_as_follower(batch);
        Ok(info)
    }

    /// Follower append of a batch copied from the leader; the producer state follows along.
    pub fn append_as_follower(&mut self, batch: LogBatch) {
        if let Some((pid, epoch, meta)) = batch.metadata() {
            self.producer_state.update(pid, epoch, meta);
        }
        if self.batches.is_empty() {
            self.log_start_offset = self.log_start_offset.max(batch.base_offset);
        }
        self.size_in_bytes += batch.size_in_bytes as u64;
        self.batches.push_back(batch);
        self.apply_retention();
    }

    /// Removes everything at or above `offset` (whole batches) and rebuilds the producer state.
    pub fn truncate_to(&mut self, offset: i64) -> usize {
        let before = self.len();
        self.batches.retain(|b| b.base_offset < offset);
        self.size_in_bytes = self.batches.iter().map(|b| b.size_in_bytes as u64).sum();
        self.log_start_offset = self.log_start_offset.min(offset);
        let mut old = std::mem::take(&mut self.producer_state);
        for b in &self.batches {
            if let Some((pid, epoch, meta)) = b.metadata() {
                self.producer_state.update(pid, epoch, meta);
            }
        }
        // Producers whose batches retention already deleted keep their state below `offset`.
        old.truncate_to(offset);
        self.producer_state.keep_missing_from(old);
        before - self.len()
    }

    /// Batches from `offset` on, for a follower's fetch. Followers fetch near the log end, so
    /// the search runs back from it (no more steps than batches returned, plus one).
    pub fn batches_from(&self, offset: i64) -> Vec<LogBatch> {
        let start = self
            .batches
            .iter()
            .rposition(|b| b.next_offset() <= offset)
            .map_or(0, |i| i + 1);
        self.batches.range(start..).cloned().collect()
    }

    pub fn latest_epoch(&self) -> Option<i32> {
        self.batches.back().map(|b| b.leader_epoch)
    }

    /// `OffsetsForLeaderEpoch`: the end offset of `epoch` in this log — the base offset of the
    /// first batch of a later epoch, or the log end.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> i64 {
        self.batches
            .iter()
            .find(|b| b.leader_epoch > epoch)
            .map_or(self.log_end_offset(), |b| b.base_offset)
    }
}
