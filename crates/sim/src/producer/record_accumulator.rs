//! `RecordAccumulator`: per-partition deques of batches, the ready rule and the drain.
//!
//! Source: apache/kafka `RecordAccumulator` (`append`, `tryAppend`, `ready`, `partitionReady`,
//! `batchReady`, `drain`, `drainBatchesForOneNode`, `shouldStopDrainBatchesForPartition`,
//! `reenqueue`, `expiredBatches`), with the review's errata C and E applied.
//!
//! Model simplification: one topic.

use litemap::LiteMap;
use std::collections::VecDeque;

use super::buffer_pool::BufferPool;
use super::built_in_partitioner::BuiltInPartitioner;
use super::exponential_backoff::ExponentialBackoff;
use super::metadata::{Metadata, NodeId};
use super::producer_batch::{BatchId, ProducerBatch, RecordView};
use super::producer_config::ProducerConfig;
use super::transaction_manager::TransactionManager;
use crate::record_batch::CompressionType;
use crate::rng::SimRng;

/// What `append` did with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordAppendResult {
    pub partition: u32,
    pub batch: BatchId,
    pub new_batch_created: bool,
    /// The batch the record went to is now full (or a newer one exists behind it).
    pub batch_is_full: bool,
    /// Size of the batch after the append.
    pub batch_bytes: usize,
    /// The sticky partition switched to this one after the append.
    pub switched_to: Option<u32>,
}

/// What `append` did. The record was not taken unless it was appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendOutcome {
    Appended(RecordAppendResult),
    /// `abortForNewBatch`: the partitioner wants `onNewBatch` before a new batch is opened.
    AbortForNewBatch,
    /// A new batch needs `size` bytes that `buffer.memory` does not have: `send()` blocks.
    Blocked {
        size: u64,
    },
}

/// `ReadyCheckResult`: nodes with sendable data, and when to look again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyCheckResult {
    pub ready_nodes: Vec<NodeId>,
    pub next_ready_check_delay_us: u64,
    pub unknown_leader: bool,
}

/// Why a drained batch was sendable: the UI explains each batch's departure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadyReason {
    /// The batch is full, or another batch queued behind it.
    Full,
    /// `linger.ms` passed since the batch was created.
    LingerExpired,
    /// A retry whose backoff passed.
    BackoffExpired,
    /// `flush()` or `close()` is in progress.
    Flush,
    /// Not ready itself: taken because its leader was ready for another partition (errata C).
    NodeReady,
}

#[derive(Debug, Clone)]
pub struct RecordAccumulator {
    batch_size: usize,
    linger_us: u64,
    delivery_timeout_us: u64,
    adaptive: bool,
    retry_backoff: ExponentialBackoff,
    /// Index = partition; `None` until the partition's first batch (adaptive stats need all).
    deques: Vec<Option<VecDeque<ProducerBatch>>>,
    muted: Vec<bool>,
    drain_index: LiteMap<NodeId, usize>,
    pub partitioner: BuiltInPartitioner,
    pub buffer_pool: BufferPool,
    next_batch_id: BatchId,
    flushes_in_progress: u32,
    closed: bool,
    compression: CompressionType,
    /// `CompressionRatioEstimator` for this topic and codec (starts at 1.0).
    compression_ratio_estimate: f32,
    /// The buffer of the last `ready`'s nodes, handed back by [`Self::recycle_ready_nodes`].
    ready_nodes_spare: Vec<NodeId>,
}

/// `CompressionRatioEstimator.updateEstimation`: a worse observed ratio raises the estimate by
/// at least 0.05; a better one lowers it by at most 0.005.
pub fn update_compression_ratio_estimate(current: f32, observed: f32) -> f32 {
    if observed > current {
        (current + 0.05).max(observed)
    } else if observed < current {
        (current - 0.005).max(observed)
    } else {
        current
    }
}

impl RecordAccumulator {
    pub fn new(config: &ProducerConfig, num_partitions: u32) -> Self {
        RecordAccumulator {
            batch_size: config.batch_size,
            linger_us: config.linger_ms * 1000,
            delivery_timeout_us: config.delivery_timeout_ms * 1000,
            adaptive: config.partitioner_adaptive_partitioning_enable,
            retry_backoff: ExponentialBackoff {
                initial_ms: config.retry_backoff_ms,
                max_ms: config.retry_backoff_max_ms,
            },
            deques: vec![None; num_partitions as usize],
            muted: vec![false; num_partitions as usize],
            drain_index: LiteMap::new_vec(),
            partitioner: BuiltInPartitioner::new(num_partitions, config.batch_size),
            buffer_pool: BufferPool::new(config.buffer_memory),
            next_batch_id: 0,
            flushes_in_progress: 0,
            closed: false,
            compression: config.compression_type,
            compression_ratio_estimate: 1.0,
            ready_nodes_spare: Vec::new(),
        }
    }

    /// `append`: adds the record to the partition's last batch, or to a new one.
    /// `partition = None` is Kafka's UNKNOWN_PARTITION: the sticky partitioner chooses.
    /// With `abort_on_new_batch` (a `partitioner.class` partitioner), a record that would need a
    /// new batch is handed back instead (`abortForNewBatch`), so the producer can call
    /// `onNewBatch` and partition again. As in Java, the last batch is closed for appends as
    /// soon as a record does not fit, before the new batch's memory is allocated. A new batch
    /// takes its buffer from `buffer.memory`; `preallocated` is memory a blocked `send()`
    /// already gathered for it.
    pub fn append(
        &mut self,
        partition: Option<u32>,
        record: RecordView<'_>,
        now_us: u64,
        rng: &mut SimRng,
        abort_on_new_batch: bool,
        preallocated: u64,
    ) -> AppendOutcome {
        let mut random = || rng.next_positive_i32();
        let sticky = partition.is_none();
        let mut p = partition.unwrap_or_else(|| {
            self.partitioner
                .peek_current_partition(&mut random)
                .partition
        });
        let mut switched_before = None;
        if sticky && Self::all_batches_full(self.deques[p as usize].as_ref()) {
            // `partitionChanged`: a switch that waited for a batch boundary happens now (errata M).
            if let Some(next) = self.partitioner.update_partition_info(0, true, &mut random) {
                p = next;
                switched_before = Some(next);
            }
        }
        let deque = self.deques[p as usize].get_or_insert_with(VecDeque::new);
        let payload = record.payload_size();
        // `tryAppend`: the last batch takes the record, or is closed for appends.
        let tried = match deque.back_mut() {
            Some(last) => match last.try_append_sized(record, payload) {
                Some(grew) => Some((last.id, grew)),
                None => {
                    last.close_for_record_appends();
                    None
                }
            },
            None => None,
        };
        let (batch, new_batch_created, appended) = match tried {
            Some((id, grew)) => {
                if preallocated > 0 {
                    self.buffer_pool.deallocate(preallocated);
                }
                (id, false, grew)
            }
            None => {
                if abort_on_new_batch && partition.is_some() {
                    return AppendOutcome::AbortForNewBatch;
                }
                let upper_bound = payload.batch_size_upper_bound();
                let size = self.batch_size.max(upper_bound) as u64;
                if preallocated < size && !self.buffer_pool.try_allocate(size) {
                    return AppendOutcome::Blocked { size };
                }
                let id = self.next_batch_id;
                self.next_batch_id += 1;
                let mut batch = ProducerBatch::with_compression(
                    id,
                    p,
                    self.batch_size.max(upper_bound),
                    now_us,
                    self.compression,
                    self.compression_ratio_estimate,
                );
                batch
                    .try_append_sized(record, payload)
                    .expect("the first record always fits");
                deque.push_back(batch);
                (id, true, deque.back().expect("pushed").size_in_bytes)
            }
        };
        let last = deque.back().expect("non-empty after append");
        let batch_is_full = deque.len() > 1 || last.is_full();
        let batch_bytes = last.size_in_bytes;
        let switched_to = if sticky {
            let enable_switch = Self::all_batches_full(Some(deque));
            self.partitioner
                .update_partition_info(appended, enable_switch, &mut random)
        } else {
            None
        }
        .or(switched_before);
        AppendOutcome::Appended(RecordAppendResult {
            partition: p,
            batch,
            new_batch_created,
            batch_is_full,
            batch_bytes,
            switched_to,
        })
    }

    /// `allBatchesFull`: the last batch is full, or there is none.
    fn all_batches_full(deque: Option<&VecDeque<ProducerBatch>>) -> bool {
        deque.and_then(|d| d.back()).is_none_or(|b| b.is_full())
    }

    /// `shouldBackoff`, drawing a fresh jitter as Kafka does on each evaluation.
    fn backoff_us(&self, batch: &ProducerBatch, rng: &mut SimRng) -> Option<u64> {
        (batch.attempts > 0).then(|| self.retry_backoff.backoff(batch.attempts - 1, rng) * 1000)
    }

    /// `ready`: the nodes that lead a partition whose head batch is sendable and not backing
    /// off. Sendable means full, or lingered long enough, or a flush/close is in progress.
    /// Also refreshes the adaptive partitioner's queue-size stats.
    pub fn ready(
        &mut self,
        metadata: &Metadata,
        now_us: u64,
        rng: &mut SimRng,
    ) -> ReadyCheckResult {
        let mut ready_nodes = std::mem::take(&mut self.ready_nodes_spare);
        ready_nodes.clear();
        let mut next = u64::MAX;
        let mut unknown_leader = false;
        let n = self.deques.len();
        let all_have_deques = self.deques.iter().all(Option::is_some);
        let mut stats =
            (self.adaptive && all_have_deques).then(|| self.partitioner.take_load_stats_buffers(n));
        // Partitions with a leader so far, when the adaptive stats are built.
        let mut with_leader = 0usize;
        // Every head batch is sendable while memory is exhausted or a flush or close runs.
        let forced = self.buffer_pool.queued() > 0 || self.closed || self.flushes_in_progress > 0;
        for (p, deque) in self.deques.iter().enumerate() {
            let Some(deque) = deque else {
                continue;
            };
            let leader = metadata.leaders.get(p).copied().flatten();
            if let (Some(_), Some((_, ids))) = (leader, stats.as_mut()) {
                ids[with_leader] = p as u32;
                with_leader += 1;
            }
            let Some(head) = deque.front() else { continue };
            let waited = head.waited_us(now_us);
            let backoff = self.backoff_us(head, rng);
            let backing_off = backoff.is_some_and(|b| waited < b);
            let Some(leader) = leader else {
                unknown_leader = true;
                continue;
            };
            if let Some((sizes, _)) = stats.as_mut() {
                sizes[with_leader - 1] = deque.len() as u32;
            }
            if self.muted[p] || ready_nodes.contains(&leader) {
                continue;
            }
            let time_to_wait = match backoff {
                Some(b) if backing_off => b,
                _ => self.linger_us,
            };
            let full = deque.len() > 1 || head.is_full();
            let sendable = full || waited >= time_to_wait || forced;
            if sendable && !backing_off {
                ready_nodes.push(leader);
            } else {
                next = next.min(time_to_wait.saturating_sub(waited));
            }
        }
        self.partitioner
            .update_partition_load_stats(stats, with_leader);
        ready_nodes.sort_unstable();
        ReadyCheckResult {
            ready_nodes,
            next_ready_check_delay_us: next,
            unknown_leader,
        }
    }

    /// Gives back a [`ReadyCheckResult`]'s node list, so the next `ready` reuses its memory.
    pub fn recycle_ready_nodes(&mut self, nodes: Vec<NodeId>) {
        self.ready_nodes_spare = nodes;
    }

    /// Why this head batch would be sendable now (for the trace; same rules as `ready`).
    fn ready_reason(&self, p: usize, batch: &ProducerBatch, now_us: u64) -> ReadyReason {
        let deque_len = self.deques[p].as_ref().map_or(0, VecDeque::len);
        if deque_len > 1 || batch.is_full() {
            ReadyReason::Full
        } else if batch.attempts > 0 {
            ReadyReason::BackoffExpired
        } else if batch.waited_us(now_us) >= self.linger_us {
            ReadyReason::LingerExpired
        } else if self.closed || self.flushes_in_progress > 0 {
            ReadyReason::Flush
        } else {
            ReadyReason::NodeReady
        }
    }

    /// `drain`: for each ready node, walk its partitions round-robin from its drain index and
    /// take at most the head batch of each, until `max.request.size` would be exceeded.
    /// Idempotent batches get their producer id, epoch and base sequence here.
    pub fn drain(
        &mut self,
        metadata: &Metadata,
        nodes: &[NodeId],
        max_request_size: usize,
        now_us: u64,
        mut tm: Option<&mut TransactionManager>,
        rng: &mut SimRng,
    ) -> LiteMap<NodeId, Vec<(ProducerBatch, ReadyReason)>> {
        let mut out = LiteMap::new_vec();
        for &node in nodes {
            let parts = metadata.partitions_for_node(node);
            let mut ready: Vec<(ProducerBatch, ReadyReason)> = Vec::new();
            if parts.is_empty() {
                out.insert(node, ready);
                continue;
            }
            let mut size = 0usize;
            let mut drain_index = self.drain_index.get(&node).copied().unwrap_or(0) % parts.len();
            let start = drain_index;
            loop {
                let p = parts[drain_index] as usize;
                self.drain_index.insert(node, drain_index);
                drain_index = (drain_index + 1) % parts.len();
                if let Some(batch) = self.drain_one(
                    p,
                    size,
                    &ready,
                    max_request_size,
                    now_us,
                    tm.as_deref_mut(),
                    rng,
                ) {
                    match batch {
                        Some((b, reason)) => {
                            size += b.size_in_bytes;
                            ready.push((b, reason));
                        }
                        None => break,
                    }
                }
                if drain_index == start {
                    break;
                }
            }
            out.insert(node, ready);
        }
        out
    }

    /// One partition of `drainBatchesForOneNode`: `None` = skip it, `Some(None)` = stop the
    /// whole node (errata C), `Some(Some(batch))` = take its head batch.
    #[allow(clippy::too_many_arguments, clippy::option_option)]
    fn drain_one(
        &mut self,
        p: usize,
        size: usize,
        ready: &[(ProducerBatch, ReadyReason)],
        max_request_size: usize,
        now_us: u64,
        tm: Option<&mut TransactionManager>,
        rng: &mut SimRng,
    ) -> Option<Option<(ProducerBatch, ReadyReason)>> {
        if self.muted[p] {
            return None;
        }
        let first = self.deques[p].as_ref()?.front()?;
        if self
            .backoff_us(first, rng)
            .is_some_and(|b| first.waited_us(now_us) < b)
        {
            return None;
        }
        if size + first.size_in_bytes > max_request_size && !ready.is_empty() {
            return Some(None);
        }
        if let Some(tm) = tm.as_deref()
            && Self::should_stop_drain_batches_for_partition(first, p as u32, tm)
        {
            return Some(None);
        }
        let reason = self.ready_reason(p, first, now_us);
        let mut batch = self.deques[p]
            .as_mut()
            .expect("checked")
            .pop_front()
            .expect("checked");
        if let Some(tm) = tm
            && batch.producer.is_none()
        {
            tm.maybe_update_producer_id_and_epoch(p as u32);
            let pid = tm.producer_id_and_epoch().expect("checked in should_stop");
            let seq = tm.sequence_number(p as u32);
            batch.producer = Some((pid.producer_id, pid.epoch, seq));
            tm.increment_sequence_number(p as u32, batch.record_count());
            tm.add_in_flight_batch(p as u32, seq, batch.id, batch.record_count());
        }
        let observed = batch.close();
        self.compression_ratio_estimate =
            update_compression_ratio_estimate(self.compression_ratio_estimate, observed);
        Some(Some((batch, reason)))
    }

    /// `shouldStopDrainBatchesForPartition` for a non-transactional idempotent producer:
    /// wait for a producer id; hold new batches while the partition still has batches in
    /// flight under an older epoch, or an unresolved sequence; while a retried batch is
    /// queued, send only the one whose sequence is the first in flight (one in flight per
    /// partition while retrying).
    fn should_stop_drain_batches_for_partition(
        first: &ProducerBatch,
        p: u32,
        tm: &TransactionManager,
    ) -> bool {
        if tm.producer_id_and_epoch().is_none() {
            return true;
        }
        if first.producer.is_none()
            && ((tm.has_in_flight_batches(p) && tm.has_stale_producer_id_and_epoch(p))
                || tm.has_unresolved_sequence(p))
        {
            return true;
        }
        match (tm.first_in_flight_sequence(p), first.base_sequence()) {
            (Some(in_flight), Some(seq)) => seq != in_flight,
            _ => false,
        }
    }

    /// `reenqueue`: a retried batch goes back to the head of its deque (in sequence order for
    /// idempotent batches), with one more attempt.
    pub fn reenqueue(&mut self, mut batch: ProducerBatch, now_us: u64) {
        batch.reenqueued(now_us);
        let deque = self.deques[batch.partition as usize].get_or_insert_with(VecDeque::new);
        Self::insert_in_sequence_order(deque, batch);
    }

    /// `splitAndReenqueue`: after MESSAGE_TOO_LARGE, reset the ratio estimate to
    /// `max(1.0, the big batch's ratio)`, split the batch by `batch.size` and put the pieces at
    /// the head of the deque (in sequence order for idempotent batches). Returns the pieces'
    /// ids and base sequences, for the transaction manager.
    pub fn split_and_reenqueue(
        &mut self,
        big: &ProducerBatch,
    ) -> Vec<(BatchId, Option<i32>, usize)> {
        let observed = big.compression_ratio.unwrap_or(1.0);
        self.compression_ratio_estimate = observed.max(1.0);
        let pieces = big.split(
            self.batch_size,
            self.compression_ratio_estimate,
            &mut self.next_batch_id,
        );
        let ids = pieces
            .iter()
            .map(|b| (b.id, b.base_sequence(), b.record_count()))
            .collect();
        let deque = self.deques[big.partition as usize].get_or_insert_with(VecDeque::new);
        for batch in pieces.into_iter().rev() {
            Self::insert_in_sequence_order(deque, batch);
        }
        ids
    }

    /// `insertInSequenceOrder` for batches with a sequence; others go to the head.
    fn insert_in_sequence_order(deque: &mut VecDeque<ProducerBatch>, batch: ProducerBatch) {
        match batch.base_sequence() {
            Some(seq) => {
                let at = deque
                    .iter()
                    .position(|b| b.base_sequence().is_none_or(|s| s > seq))
                    .unwrap_or(deque.len());
                deque.insert(at, batch);
            }
            None => deque.push_front(batch),
        }
    }

    /// `RecordAccumulator.deallocate`: a batch's buffer goes back to `buffer.memory`, unless
    /// it was made by a split (allocated outside the pool).
    pub fn deallocate(&mut self, batch: &ProducerBatch) {
        if !batch.is_split_batch {
            self.buffer_pool.deallocate(batch.write_limit as u64);
        }
    }

    /// `resetProducerState` for the queued batches an epoch bump rewrote.
    pub fn rewrite_producer_state(&mut self, rewrites: &LiteMap<BatchId, (i64, i16, i32)>) {
        for batch in self.deques.iter_mut().flatten().flat_map(|d| d.iter_mut()) {
            if let Some((pid, epoch, seq)) = rewrites.get(&batch.id) {
                batch.reset_producer_state(*pid, *epoch, *seq);
            }
        }
    }

    /// The topic's current compression-ratio estimate.
    pub fn compression_ratio_estimate(&self) -> f32 {
        self.compression_ratio_estimate
    }

    /// `expiredBatches`: queued batches past `delivery.timeout.ms` since creation, scanning each
    /// deque from the head and stopping at the first that has not expired.
    pub fn expired_batches(&mut self, now_us: u64) -> Vec<ProducerBatch> {
        let timeout = self.delivery_timeout_us;
        let head_expired = |deque: &VecDeque<ProducerBatch>| {
            deque
                .front()
                .is_some_and(|b| now_us.saturating_sub(b.created_us) >= timeout)
        };
        let mut expired = Vec::new();
        if !self.deques.iter().flatten().any(head_expired) {
            return expired;
        }
        for deque in self.deques.iter_mut().flatten() {
            while head_expired(deque) {
                expired.push(deque.pop_front().expect("checked"));
            }
        }
        expired
    }

    /// Earliest creation time of any queued batch, for the delivery-timeout wake-up.
    pub fn next_expiry_us(&self) -> Option<u64> {
        let mut earliest: Option<u64> = None;
        for head in self.deques.iter().flatten().filter_map(VecDeque::front) {
            if earliest.is_none_or(|e| head.created_us < e) {
                earliest = Some(head.created_us);
            }
        }
        earliest.map(|created_us| created_us + self.delivery_timeout_us)
    }

    pub fn mute_partition(&mut self, p: u32) {
        self.muted[p as usize] = true;
    }

    pub fn unmute_partition(&mut self, p: u32) {
        self.muted[p as usize] = false;
    }

    pub fn begin_flush(&mut self) {
        self.flushes_in_progress += 1;
    }

    pub fn await_flush_completion(&mut self) {
        self.flushes_in_progress = self.flushes_in_progress.saturating_sub(1);
    }

    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Takes every queued batch out, for `abortIncompleteBatches`.
    pub fn abort_undrained(&mut self) -> Vec<ProducerBatch> {
        self.deques
            .iter_mut()
            .flatten()
            .flat_map(|d| d.drain(..))
            .collect()
    }

    pub fn has_undrained(&self) -> bool {
        self.deques.iter().flatten().any(|d| !d.is_empty())
    }

    /// The queued batches of one partition, head first.
    pub fn deque(&self, p: u32) -> impl Iterator<Item = &ProducerBatch> {
        self.deques[p as usize].iter().flatten()
    }

    pub fn linger_us(&self) -> u64 {
        self.linger_us
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
}

#[cfg(test)]
mod tests {
    use super::update_compression_ratio_estimate as update;

    /// CompressionRatioEstimatorTest in spirit: worse ratios move the estimate up by at least
    /// 0.05, better ones down by at most 0.005.
    #[test]
    fn the_ratio_estimate_rises_fast_and_falls_slowly() {
        assert_eq!(update(1.0, 0.3), 0.995);
        assert_eq!(update(0.31, 0.3), 0.31 - 0.005);
        assert_eq!(update(0.302, 0.3), 0.3);
        assert_eq!(update(0.5, 0.52), 0.55);
        assert_eq!(update(0.5, 0.9), 0.9);
        assert_eq!(update(0.5, 0.5), 0.5);
    }
}
