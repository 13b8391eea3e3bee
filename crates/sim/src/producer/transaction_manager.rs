//! `TransactionManager`, reduced to what the idempotent producer needs: the producer id and
//! epoch, one sequence counter per partition, the in-flight batches in sequence order, the
//! retry decision for sequence errors, unresolved sequences and the local epoch bump (KIP-360).
//!
//! Kafka keeps idempotent sequence bookkeeping in its TransactionManager even without
//! transactions; this model does the same and implements no transactions.
//! Source: apache/kafka `TransactionManager` (`canRetry`, `handleFailedBatch`,
//! `handleCompletedBatch`, `markSequenceUnresolved`, `maybeResolveSequences`,
//! `requestEpochBumpForPartition`, `bumpIdempotentEpochAndResetIdIfNeeded`,
//! `maybeUpdateProducerIdAndEpoch`), `TxnPartitionEntry.startSequencesAtBeginning`,
//! `DefaultRecordBatch.incrementSequence`; spec §5.4.

use litemap::LiteMap;

use super::producer_batch::BatchId;
use crate::protocol::Errors;

/// Producer id and epoch from `InitProducerId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ProducerIdAndEpoch {
    pub producer_id: i64,
    pub epoch: i16,
}

/// A batch tracked in flight: (base sequence, batch, record count).
type InFlight = (i32, BatchId, usize);

#[derive(Debug, Clone, Default)]
struct TxnPartitionEntry {
    /// The producer id and epoch this partition's sequences belong to.
    producer_id_and_epoch: Option<ProducerIdAndEpoch>,
    next_sequence: i32,
    /// Batches sent and not yet completed, by sequence.
    in_flight: Vec<InFlight>,
    last_acked_sequence: Option<i32>,
    last_acked_offset: Option<i64>,
}

/// New producer state for a batch whose sequence was rewritten by an epoch bump:
/// (batch, producer id, epoch, base sequence).
pub type Rewrite = (BatchId, i64, i16, i32);

#[derive(Debug, Clone)]
pub struct TransactionManager {
    producer_id_and_epoch: Option<ProducerIdAndEpoch>,
    init_requested: bool,
    partitions: Vec<TxnPartitionEntry>,
    epoch_bump_required: bool,
    partitions_to_rewrite: LiteMap<u32, ()>,
    /// Partitions whose sequence state is unknown (an in-retry batch expired), with the
    /// sequence after the expired batch.
    unresolved: LiteMap<u32, i32>,
}

/// `DefaultRecordBatch.incrementSequence`: wraps past `Integer.MAX_VALUE` to 0.
pub fn increment_sequence(seq: i32, by: i32) -> i32 {
    if seq > i32::MAX - by {
        by - (i32::MAX - seq) - 1
    } else {
        seq + by
    }
}

impl TransactionManager {
    pub fn new(num_partitions: u32) -> Self {
        TransactionManager {
            producer_id_and_epoch: None,
            init_requested: false,
            partitions: vec![TxnPartitionEntry::default(); num_partitions as usize],
            epoch_bump_required: false,
            partitions_to_rewrite: LiteMap::new_vec(),
            unresolved: LiteMap::new_vec(),
        }
    }

    pub fn producer_id_and_epoch(&self) -> Option<ProducerIdAndEpoch> {
        self.producer_id_and_epoch
    }

    /// True once, when the sender should send `InitProducerId`.
    pub fn take_init_producer_id_request(&mut self) -> bool {
        let send = self.producer_id_and_epoch.is_none() && !self.init_requested;
        self.init_requested |= send;
        send
    }

    /// No node could be asked; ask again on the next run.
    pub fn retry_init_producer_id(&mut self) {
        self.init_requested = false;
    }

    pub fn has_pending_init(&self) -> bool {
        self.producer_id_and_epoch.is_none()
    }

    pub fn set_producer_id_and_epoch(&mut self, pid: ProducerIdAndEpoch) {
        self.producer_id_and_epoch = Some(pid);
        self.init_requested = false;
    }

    pub fn sequence_number(&self, partition: u32) -> i32 {
        self.partitions[partition as usize].next_sequence
    }

    pub fn increment_sequence_number(&mut self, partition: u32, records: usize) {
        let e = &mut self.partitions[partition as usize];
        e.next_sequence = increment_sequence(e.next_sequence, records as i32);
    }

    pub fn add_in_flight_batch(
        &mut self,
        partition: u32,
        base_sequence: i32,
        batch: BatchId,
        records: usize,
    ) {
        let e = &mut self.partitions[partition as usize];
        let at = e.in_flight.partition_point(|(s, _, _)| *s < base_sequence);
        e.in_flight.insert(at, (base_sequence, batch, records));
    }

    pub fn remove_in_flight_batch(&mut self, partition: u32, batch: BatchId) {
        self.partitions[partition as usize]
            .in_flight
            .retain(|(_, b, _)| *b != batch);
    }

    pub fn has_in_flight_batches(&self, partition: u32) -> bool {
        !self.partitions[partition as usize].in_flight.is_empty()
    }

    /// `firstInFlightSequence`: the lowest sequence still awaiting a response.
    pub fn first_in_flight_sequence(&self, partition: u32) -> Option<i32> {
        self.partitions[partition as usize]
            .in_flight
            .first()
            .map(|(s, _, _)| *s)
    }

    /// `handleCompletedBatch`: the last acked sequence and offset move forward.
    pub fn handle_completed_batch(
        &mut self,
        partition: u32,
        batch: BatchId,
        last_sequence: i32,
        last_offset: Option<i64>,
    ) {
        self.remove_in_flight_batch(partition, batch);
        let e = &mut self.partitions[partition as usize];
        e.last_acked_sequence = Some(
            e.last_acked_sequence
                .map_or(last_sequence, |s| s.max(last_sequence)),
        );
        if let Some(offset) = last_offset {
            e.last_acked_offset = Some(e.last_acked_offset.map_or(offset, |o| o.max(offset)));
        }
    }

    pub fn last_acked_sequence(&self, partition: u32) -> Option<i32> {
        self.partitions[partition as usize].last_acked_sequence
    }

    /// `isNextSequence`: `sequence − lastAcked == 1`, with −1 when nothing was acked.
    fn is_next_sequence(&self, partition: u32, sequence: i32) -> bool {
        let last = self.last_acked_sequence(partition).unwrap_or(-1);
        sequence.wrapping_sub(last) == 1
    }

    pub fn has_unresolved_sequence(&self, partition: u32) -> bool {
        self.unresolved.contains_key(&partition)
    }

    /// `hasStaleProducerIdAndEpoch`: the partition's sequences belong to an older id/epoch.
    pub fn has_stale_producer_id_and_epoch(&self, partition: u32) -> bool {
        self.producer_id_and_epoch != self.partitions[partition as usize].producer_id_and_epoch
    }

    /// `maybeUpdateProducerIdAndEpoch`, before a new batch gets a sequence: once a stale
    /// partition has nothing in flight, its sequences restart at 0 under the current epoch.
    pub fn maybe_update_producer_id_and_epoch(&mut self, partition: u32) {
        if self.has_stale_producer_id_and_epoch(partition) && !self.has_in_flight_batches(partition)
        {
            let current = self.producer_id_and_epoch;
            self.start_sequences_at_beginning(partition, current);
        }
    }

    /// `canRetry` for the idempotent producer (the delivery-timeout and attempts checks come
    /// first, in the sender). OUT_OF_ORDER_SEQUENCE_NUMBER is retried when a batch ahead of
    /// this one failed; with a real gap it is retried after an epoch bump. UNKNOWN_PRODUCER_ID
    /// is retried, bumping the epoch unless the broker gave no log start offset.
    pub fn can_retry(
        &mut self,
        error: Errors,
        partition: u32,
        base_sequence: i32,
        sequence_has_been_reset: bool,
        log_start_offset: i64,
    ) -> bool {
        match error {
            Errors::UnknownProducerId => {
                if log_start_offset != -1 && !sequence_has_been_reset {
                    // Retention deleted the producer's data, or the broker lost its state.
                    self.request_epoch_bump_for_partition(partition);
                }
                true
            }
            Errors::OutOfOrderSequenceNumber => {
                let unresolved = self.has_unresolved_sequence(partition);
                if !unresolved
                    && (sequence_has_been_reset || !self.is_next_sequence(partition, base_sequence))
                {
                    return true; // an earlier batch failed: this one was sent too soon
                }
                if !unresolved || self.unresolved.get(&partition) == Some(&base_sequence) {
                    self.request_epoch_bump_for_partition(partition);
                }
                true
            }
            _ => error.is_retriable(),
        }
    }

    /// `handleFailedBatch`: an out-of-order failure asks for an epoch bump; UNKNOWN_PRODUCER_ID
    /// forgets the partition's sequences; any other failure that leaves a gap
    /// (`adjust_sequence_numbers`: it failed before its retries ran out) asks for a bump too.
    pub fn handle_failed_batch(
        &mut self,
        partition: u32,
        batch: BatchId,
        error: Errors,
        adjust_sequence_numbers: bool,
    ) {
        self.remove_in_flight_batch(partition, batch);
        match error {
            Errors::OutOfOrderSequenceNumber => self.request_epoch_bump_for_partition(partition),
            Errors::UnknownProducerId => {
                self.partitions[partition as usize] = TxnPartitionEntry::default();
                self.unresolved.remove(&partition);
            }
            _ if adjust_sequence_numbers => self.request_epoch_bump_for_partition(partition),
            _ => {}
        }
    }

    /// `markSequenceUnresolved`: a batch that was retried expired, so whether the broker has
    /// it is unknown; new batches wait until the partition's in-flight batches are done.
    pub fn mark_sequence_unresolved(&mut self, partition: u32, last_sequence: i32) {
        let next = increment_sequence(last_sequence, 1);
        let e = self.unresolved.entry(partition).or_insert(next);
        *e = (*e).max(next);
    }

    /// `maybeResolveSequences`: once an unresolved partition has nothing in flight, either its
    /// next sequence follows the last acked one (resolved), or the gap needs an epoch bump.
    pub fn maybe_resolve_sequences(&mut self) {
        if self.unresolved.is_empty() {
            return;
        }
        let done: Vec<u32> = self
            .unresolved
            .keys()
            .copied()
            .filter(|p| !self.has_in_flight_batches(*p))
            .collect();
        for p in done {
            if !self.is_next_sequence(p, self.sequence_number(p)) {
                self.request_epoch_bump_for_partition(p);
            }
            self.unresolved.remove(&p);
        }
    }

    fn request_epoch_bump_for_partition(&mut self, partition: u32) {
        self.epoch_bump_required = true;
        self.partitions_to_rewrite.insert(partition, ());
    }

    /// `bumpIdempotentEpochAndResetIdIfNeeded` at the start of each sender run: the epoch goes
    /// up by one locally (at `Short.MAX_VALUE` the producer id is dropped and a new one
    /// requested), and each partition that asked restarts its sequences at 0, rewriting its
    /// in-flight batches in order. Returns the bumped id/epoch and the batches to rewrite.
    pub fn bump_idempotent_epoch_if_needed(
        &mut self,
    ) -> Option<(Option<ProducerIdAndEpoch>, Vec<Rewrite>)> {
        if !std::mem::take(&mut self.epoch_bump_required) {
            return None;
        }
        let current = self.producer_id_and_epoch?;
        self.producer_id_and_epoch = (current.epoch < i16::MAX).then_some(ProducerIdAndEpoch {
            producer_id: current.producer_id,
            epoch: current.epoch + 1,
        });
        let bumped = self.producer_id_and_epoch;
        let mut rewrites = Vec::new();
        for (p, ()) in std::mem::take(&mut self.partitions_to_rewrite) {
            rewrites.extend(self.start_sequences_at_beginning(p, bumped));
            self.unresolved.remove(&p);
        }
        Some((bumped, rewrites))
    }

    /// `TxnPartitionEntry.startSequencesAtBeginning`: in-flight batches get sequences
    /// 0, n₁, n₁+n₂, … under `pid`; the next sequence follows them; nothing is acked yet.
    fn start_sequences_at_beginning(
        &mut self,
        partition: u32,
        pid: Option<ProducerIdAndEpoch>,
    ) -> Vec<Rewrite> {
        let e = &mut self.partitions[partition as usize];
        let mut seq = 0;
        let mut rewrites = Vec::new();
        for (base, batch, records) in &mut e.in_flight {
            *base = seq;
            if let Some(pid) = pid {
                rewrites.push((*batch, pid.producer_id, pid.epoch, seq));
            }
            seq = increment_sequence(seq, *records as i32);
        }
        e.producer_id_and_epoch = pid;
        e.next_sequence = seq;
        e.last_acked_sequence = None;
        rewrites
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_count_records_and_wrap_at_int_max() {
        assert_eq!(increment_sequence(0, 5), 5);
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(i32::MAX - 1, 3), 1);
        let mut tm = TransactionManager::new(2);
        tm.increment_sequence_number(1, 3);
        assert_eq!((tm.sequence_number(0), tm.sequence_number(1)), (0, 3));
    }

    #[test]
    fn in_flight_batches_are_kept_in_sequence_order() {
        let mut tm = TransactionManager::new(1);
        tm.add_in_flight_batch(0, 10, 2, 5);
        tm.add_in_flight_batch(0, 0, 1, 10);
        assert_eq!(tm.first_in_flight_sequence(0), Some(0));
        tm.handle_completed_batch(0, 1, 9, Some(9));
        assert_eq!(tm.first_in_flight_sequence(0), Some(10));
        assert_eq!(tm.last_acked_sequence(0), Some(9));
    }
}
