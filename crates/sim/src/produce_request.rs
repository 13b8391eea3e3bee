//! ProduceRequest and ProduceResponse as they travel between the producer and a broker.

use crate::producer::metadata::NodeId;
use crate::producer::producer_batch::{BatchId, BatchRecords};
use crate::producer::producer_config::Acks;
use crate::protocol::Errors;

pub type RequestId = u64;

/// One partition's batch inside a request: the records and the idempotence stamp.
#[derive(Debug, Clone)]
pub struct WireBatch {
    pub batch: BatchId,
    pub partition: u32,
    /// (producer id, epoch, base sequence), or `None` for a non-idempotent producer (-1s on the wire).
    pub producer: Option<(i64, i16, i32)>,
    pub records: std::rc::Rc<BatchRecords>,
    pub size_in_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct ProduceRequest {
    pub id: RequestId,
    pub destination: NodeId,
    pub acks: Acks,
    /// `timeoutMs`: the client's `request.timeout.ms`, the broker's acks=all wait limit.
    pub timeout_ms: u64,
    pub batches: Vec<WireBatch>,
}

/// The broker's answer for one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PartitionResponse {
    pub error: Option<Errors>,
    /// Offset of the batch's first record, or -1.
    pub base_offset: i64,
    /// True when the broker recognised a retried batch and wrote nothing.
    pub duplicate: bool,
}

#[derive(Debug, Clone)]
pub struct ProduceResponse {
    pub request: RequestId,
    pub node: NodeId,
    pub partitions: Vec<(BatchId, PartitionResponse)>,
    /// KIP-951: with NOT_LEADER_OR_FOLLOWER the broker names the partition's current leader.
    pub leader_hints: Vec<(u32, Option<NodeId>)>,
}
