//! `TransactionManager`, reduced to what the idempotent producer needs: the producer id and
//! epoch, one sequence counter per partition, and the in-flight batches in sequence order.
//!
//! Kafka keeps idempotent sequence bookkeeping in its TransactionManager even without
//! transactions; this model does the same and implements no transactions.
//! Source: apache/kafka `TransactionManager` (`sequenceNumber`, `incrementSequenceNumber`,
//! `addInFlightBatch`, `firstInFlightSequence`), `DefaultRecordBatch.incrementSequence`.

use super::producer_batch::BatchId;

/// Producer id and epoch from `InitProducerId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ProducerIdAndEpoch {
    pub producer_id: i64,
    pub epoch: i16,
}

#[derive(Debug, Clone, Default)]
struct TxnPartitionEntry {
    next_sequence: i32,
    /// (base sequence, batch) of batches sent and not yet completed, by sequence.
    in_flight: Vec<(i32, BatchId)>,
    last_acked_sequence: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct TransactionManager {
    producer_id_and_epoch: Option<ProducerIdAndEpoch>,
    init_requested: bool,
    partitions: Vec<TxnPartitionEntry>,
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

    pub fn add_in_flight_batch(&mut self, partition: u32, base_sequence: i32, batch: BatchId) {
        let e = &mut self.partitions[partition as usize];
        let at = e.in_flight.partition_point(|(s, _)| *s < base_sequence);
        e.in_flight.insert(at, (base_sequence, batch));
    }

    pub fn remove_in_flight_batch(&mut self, partition: u32, batch: BatchId) {
        self.partitions[partition as usize]
            .in_flight
            .retain(|(_, b)| *b != batch);
    }

    /// `firstInFlightSequence`: the lowest sequence still awaiting a response.
    pub fn first_in_flight_sequence(&self, partition: u32) -> Option<i32> {
        self.partitions[partition as usize]
            .in_flight
            .first()
            .map(|(s, _)| *s)
    }

    pub fn handle_completed_batch(&mut self, partition: u32, batch: BatchId, last_sequence: i32) {
        self.remove_in_flight_batch(partition, batch);
        let e = &mut self.partitions[partition as usize];
        e.last_acked_sequence = Some(
            e.last_acked_sequence
                .map_or(last_sequence, |s| s.max(last_sequence)),
        );
    }

    pub fn last_acked_sequence(&self, partition: u32) -> Option<i32> {
        self.partitions[partition as usize].last_acked_sequence
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
        tm.add_in_flight_batch(0, 10, 2);
        tm.add_in_flight_batch(0, 0, 1);
        assert_eq!(tm.first_in_flight_sequence(0), Some(0));
        tm.handle_completed_batch(0, 1, 9);
        assert_eq!(tm.first_in_flight_sequence(0), Some(10));
        assert_eq!(tm.last_acked_sequence(0), Some(9));
    }
}
