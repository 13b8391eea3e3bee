//! The broker's idempotent-producer state for one partition: per producer id, the epoch and
//! the metadata of the last 5 batches, used to recognise retried duplicates.
//!
//! Source: apache/kafka `ProducerStateEntry` (`NUM_BATCHES_TO_RETAIN = 5`, `findDuplicateBatch`),
//! `ProducerAppendInfo` (`checkProducerEpoch`, `checkSequence`, `inSequence`),
//! `UnifiedLog.analyzeAndValidateProducerState`.

use litemap::LiteMap;
use std::collections::VecDeque;

use crate::protocol::Errors;

/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`.
pub const NUM_BATCHES_TO_RETAIN: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BatchMetadata {
    pub first_seq: i32,
    pub last_seq: i32,
    pub first_offset: i64,
    pub last_offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProducerStateEntry {
    pub epoch: i16,
    pub batches: VecDeque<BatchMetadata>,
}

/// The outcome of validating an incoming idempotent batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceCheck {
    /// Append it.
    Append,
    /// Already written: answer NONE with the original offsets, write nothing.
    Duplicate(BatchMetadata),
    Reject(Errors),
}

#[derive(Debug, Clone, Default)]
pub struct ProducerStateManager {
    producers: LiteMap<i64, ProducerStateEntry>,
}

/// `ProducerAppendInfo.inSequence`: next follows last, wrapping at `Integer.MAX_VALUE`.
fn in_sequence(last_seq: i32, next_seq: i32) -> bool {
    next_seq == last_seq.wrapping_add(1) || (next_seq == 0 && last_seq == i32::MAX)
}

impl ProducerStateManager {
    /// Checks a batch of producer `pid` with `epoch` and sequences `first..=last`:
    /// duplicate first, then epoch, then sequence continuity.
    pub fn check(&self, pid: i64, epoch: i16, first_seq: i32, last_seq: i32) -> SequenceCheck {
        let Some(entry) = self.producers.get(&pid) else {
            return SequenceCheck::Append; // no state: any sequence is accepted
        };
        if epoch == entry.epoch
            && let Some(dup) = entry
                .batches
                .iter()
                .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
        {
            return SequenceCheck::Duplicate(*dup);
        }
        if epoch < entry.epoch {
            return SequenceCheck::Reject(Errors::InvalidProducerEpoch);
        }
        if epoch != entry.epoch {
            return if first_seq == 0 {
                SequenceCheck::Append
            } else {
                SequenceCheck::Reject(Errors::OutOfOrderSequenceNumber)
            };
        }
        match entry.batches.back() {
            Some(last) if !in_sequence(last.last_seq, first_seq) => {
                SequenceCheck::Reject(Errors::OutOfOrderSequenceNumber)
            }
            _ => SequenceCheck::Append,
        }
    }

    /// Records an appended batch; keeps the last 5; a new epoch clears the old metadata.
    pub fn update(&mut self, pid: i64, epoch: i16, meta: BatchMetadata) {
        let entry = self.producers.entry(pid).or_insert(ProducerStateEntry {
            epoch,
            batches: VecDeque::new(),
        });
        if entry.epoch != epoch {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        entry.batches.push_back(meta);
        if entry.batches.len() > NUM_BATCHES_TO_RETAIN {
            entry.batches.pop_front();
        }
    }

    /// Forgets batch metadata at or above `offset`, and producers left with none.
    pub fn truncate_to(&mut self, offset: i64) {
        for (_, entry) in self.producers.iter_mut() {
            entry.batches.retain(|b| b.last_offset < offset);
        }
        self.producers.retain(|_, e| !e.batches.is_empty());
    }

    /// Takes `other`'s producers that this state does not know.
    pub fn keep_missing_from(&mut self, other: ProducerStateManager) {
        for (pid, entry) in other.producers {
            self.producers.entry(pid).or_insert(entry);
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = (&i64, &ProducerStateEntry)> {
        self.producers.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(first_seq: i32, last_seq: i32, first_offset: i64) -> BatchMetadata {
        BatchMetadata {
            first_seq,
            last_seq,
            first_offset,
            last_offset: first_offset + (last_seq - first_seq) as i64,
        }
    }

    #[test]
    fn a_retried_batch_within_the_last_five_is_a_duplicate_with_its_original_offset() {
        let mut psm = ProducerStateManager::default();
        for i in 0..5 {
            psm.update(1, 0, meta(i * 10, i * 10 + 9, i as i64 * 10));
        }
        assert_eq!(
            psm.check(1, 0, 0, 9),
            SequenceCheck::Duplicate(meta(0, 9, 0))
        );
        psm.update(1, 0, meta(50, 59, 50));
        assert_eq!(
            psm.check(1, 0, 0, 9),
            SequenceCheck::Reject(Errors::OutOfOrderSequenceNumber),
            "the 6th batch pushed the first out of the window"
        );
    }

    #[test]
    fn gaps_are_out_of_order_and_old_epochs_are_fenced() {
        let mut psm = ProducerStateManager::default();
        psm.update(1, 3, meta(0, 4, 0));
        assert_eq!(psm.check(1, 3, 5, 9), SequenceCheck::Append);
        assert_eq!(
            psm.check(1, 3, 6, 9),
            SequenceCheck::Reject(Errors::OutOfOrderSequenceNumber)
        );
        assert_eq!(
            psm.check(1, 2, 5, 9),
            SequenceCheck::Reject(Errors::InvalidProducerEpoch)
        );
        assert_eq!(
            psm.check(1, 4, 0, 2),
            SequenceCheck::Append,
            "a new epoch starts at 0"
        );
        assert_eq!(
            psm.check(1, 4, 5, 9),
            SequenceCheck::Reject(Errors::OutOfOrderSequenceNumber)
        );
        assert_eq!(
            psm.check(2, 0, 77, 80),
            SequenceCheck::Append,
            "unknown producer: any sequence"
        );
    }

    #[test]
    fn sequence_wraps_after_int_max() {
        assert!(in_sequence(i32::MAX, 0));
        assert!(!in_sequence(i32::MAX, 1));
    }
}
