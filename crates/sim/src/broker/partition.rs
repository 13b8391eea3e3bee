//! A partition's log on its leader: offsets, records and idempotent-producer state.
//!
//! Source: apache/kafka `Partition.appendRecordsToLeader`, `UnifiedLog.append`.
//! Model simplification (walking skeleton): one replica per partition, so the high
//! watermark is the log end offset and acks=all behaves as acks=1.

use super::producer_state_manager::{BatchMetadata, ProducerStateManager, SequenceCheck};
use crate::produce_request::{PartitionResponse, WireBatch};
use crate::producer::producer_batch::RecordId;

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

#[derive(Debug, Clone, Default)]
pub struct Partition {
    pub log: Vec<LogEntry>,
    pub producer_state: ProducerStateManager,
}

impl Partition {
    pub fn log_end_offset(&self) -> i64 {
        self.log.len() as i64
    }

    /// `appendRecordsToLeader`: validates idempotent sequences, assigns offsets, appends.
    pub fn append_records_to_leader(&mut self, batch: &WireBatch) -> PartitionResponse {
        let count = batch.records.len() as i32;
        if let Some((pid, epoch, base_seq)) = batch.producer {
            let last_seq =
                crate::producer::transaction_manager::increment_sequence(base_seq, count - 1);
            match self.producer_state.check(pid, epoch, base_seq, last_seq) {
                SequenceCheck::Duplicate(meta) => {
                    return PartitionResponse {
                        error: None,
                        base_offset: meta.first_offset,
                        duplicate: true,
                    };
                }
                SequenceCheck::Reject(error) => {
                    return PartitionResponse {
                        error: Some(error),
                        base_offset: -1,
                        duplicate: false,
                    };
                }
                SequenceCheck::Append => {
                    let first_offset = self.log_end_offset();
                    self.producer_state.update(
                        pid,
                        epoch,
                        BatchMetadata {
                            first_seq: base_seq,
                            last_seq,
                            first_offset,
                            last_offset: first_offset + count as i64 - 1,
                        },
                    );
                }
            }
        }
        let base_offset = self.log_end_offset();
        let (pid, epoch, base_seq) = batch.producer.unwrap_or((-1, -1, -1));
        for (i, r) in batch.records.iter().enumerate() {
            self.log.push(LogEntry {
                offset: base_offset + i as i64,
                record: r.id,
                key: r
                    .key
                    .as_ref()
                    .map(|k| String::from_utf8_lossy(k).into_owned()),
                value: r
                    .value
                    .as_ref()
                    .map(|v| String::from_utf8_lossy(v).into_owned()),
                producer_id: pid,
                producer_epoch: epoch,
                sequence: if base_seq < 0 {
                    -1
                } else {
                    crate::producer::transaction_manager::increment_sequence(base_seq, i as i32)
                },
            });
        }
        PartitionResponse {
            error: None,
            base_offset,
            duplicate: false,
        }
    }
}
