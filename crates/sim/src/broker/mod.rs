//! The simulated brokers.

pub mod partition;
pub mod producer_state_manager;

use std::collections::BTreeMap;

use crate::produce_request::{ProduceRequest, ProduceResponse};
use crate::producer::metadata::NodeId;
pub use partition::{LogEntry, Partition};

/// One broker and the partitions it leads.
#[derive(Debug, Clone)]
pub struct Broker {
    pub id: NodeId,
    pub partitions: BTreeMap<u32, Partition>,
    next_producer_id: i64,
}

impl Broker {
    pub fn new(id: NodeId, led_partitions: impl IntoIterator<Item = u32>) -> Self {
        Broker {
            id,
            partitions: led_partitions
                .into_iter()
                .map(|p| (p, Partition::default()))
                .collect(),
            next_producer_id: 1000 * id as i64,
        }
    }

    /// `InitProducerId` for an idempotent producer: a fresh producer id, epoch 0.
    pub fn init_producer_id(&mut self) -> (i64, i16) {
        let pid = self.next_producer_id;
        self.next_producer_id += 1;
        (pid, 0)
    }

    /// Handles a ProduceRequest: appends each batch to its partition's log.
    pub fn handle_produce_request(&mut self, request: &ProduceRequest) -> ProduceResponse {
        let partitions = request
            .batches
            .iter()
            .map(|b| {
                let partition = self.partitions.entry(b.partition).or_default();
                (b.batch, partition.append_records_to_leader(b))
            })
            .collect();
        ProduceResponse {
            request: request.id,
            node: self.id,
            partitions,
        }
    }
}
