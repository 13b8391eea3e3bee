//! The typed event trace. The simulation emits one `SimEvent` per thing that happens, in
//! virtual-time order; the UI renders these and nothing else decides what is shown.

use serde::Serialize;

use crate::produce_request::RequestId;
use crate::producer::metadata::NodeId;
use crate::producer::producer_batch::{BatchId, RecordId};
use crate::producer::record_accumulator::ReadyReason;

pub use crate::producer::partitioner::PartitionHow;

/// A delivery callback's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// `RecordMetadata` with the offset (-1 for acks=0).
    Acked {
        offset: i64,
    },
    Failed {
        error: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The application called `send()`.
    Send {
        record: RecordId,
        key: Option<String>,
        value: Option<String>,
    },
    /// The serializers turned key and value into bytes.
    Serialized {
        record: RecordId,
        key_bytes: Option<usize>,
        value_bytes: Option<usize>,
    },
    Partitioned {
        record: RecordId,
        partition: u32,
        how: PartitionHow,
    },
    /// The record joined a batch (a new one if `new_batch`).
    Appended {
        record: RecordId,
        partition: u32,
        batch: BatchId,
        new_batch: bool,
        batch_bytes: usize,
    },
    /// The sticky partitioner moved on.
    StickySwitched {
        to: u32,
    },
    /// The idempotent producer asked for a producer id.
    InitProducerIdSent {
        node: NodeId,
    },
    ProducerIdAssigned {
        producer_id: i64,
        epoch: i16,
    },
    /// A batch left the accumulator for a request.
    Drained {
        batch: BatchId,
        partition: u32,
        request: RequestId,
        records: usize,
        bytes: usize,
        reason: ReadyReason,
        base_sequence: Option<i32>,
    },
    RequestSent {
        request: RequestId,
        node: NodeId,
        batches: Vec<BatchId>,
        bytes: usize,
    },
    /// The broker appended a batch (or recognised a duplicate and wrote nothing).
    BrokerAppended {
        node: NodeId,
        partition: u32,
        batch: BatchId,
        base_offset: i64,
        records: usize,
        duplicate: bool,
    },
    BrokerRejected {
        node: NodeId,
        partition: u32,
        batch: BatchId,
        error: String,
    },
    ResponseReceived {
        request: RequestId,
        node: NodeId,
    },
    /// The idempotent producer bumped its epoch locally (KIP-360) to close a sequence gap; the
    /// listed batches restart their partitions' sequences at 0. `None`: the epoch was
    /// exhausted and a new producer id is requested.
    EpochBumped {
        producer_id: Option<i64>,
        epoch: Option<i16>,
        rewritten_batches: Vec<BatchId>,
    },
    /// MESSAGE_TOO_LARGE: the batch was split by `batch.size` into new batches, which go to
    /// the head of the partition's queue (`splitAndReenqueue`).
    BatchSplit {
        batch: BatchId,
        partition: u32,
        into: Vec<BatchId>,
    },
    BatchRetried {
        batch: BatchId,
        partition: u32,
        attempts: u32,
        error: String,
    },
    /// A delivery callback fired.
    Callback {
        record: RecordId,
        #[serde(serialize_with = "crate::producer::sender::serialize_partition")]
        partition: u32,
        outcome: Outcome,
    },
    /// A follower copied batches from its leader.
    Replicated {
        node: NodeId,
        partition: u32,
        log_end_offset: i64,
    },
    HighWatermark {
        partition: u32,
        offset: i64,
    },
    IsrChanged {
        partition: u32,
        isr: Vec<NodeId>,
    },
    LeaderElected {
        partition: u32,
        leader: NodeId,
        epoch: i32,
    },
    /// No live ISR member to lead (unclean election is off).
    PartitionOffline {
        partition: u32,
    },
    /// A replica dropped records its new leader does not have.
    Truncated {
        node: NodeId,
        partition: u32,
        records: usize,
    },
    BrokerCrashed {
        node: NodeId,
    },
    /// The controller noticed the crash (`broker.session.timeout.ms`).
    BrokerFenced {
        node: NodeId,
    },
    BrokerRestarted {
        node: NodeId,
    },
    /// A scheduled fault took effect.
    Fault {
        fault: crate::scenario::Fault,
    },
    /// A message was lost on the network.
    Dropped {
        what: String,
        node: NodeId,
    },
    /// The client closed its connection to a node; its in-flight requests fail with `error`.
    Disconnected {
        node: NodeId,
        error: String,
        requests: usize,
    },
    /// `send()` blocked: `buffer.memory` has no room for a new batch of `bytes`.
    SendBlocked {
        record: RecordId,
        bytes: u64,
    },
    /// The application exited without `flush()`/`close()`; these records never get a callback.
    ProcessExited {
        undelivered: usize,
    },
    /// `flush()` began: these records, sent earlier, still wait for their callbacks.
    FlushStarted {
        undelivered: u64,
    },
    /// Every record sent before the `flush()` has its callback; `flush()` returns.
    FlushCompleted,
    CloseStarted {
        timeout_ms: Option<u64>,
    },
    /// `close()` returned. `forced`: its timeout passed and `aborted` records failed.
    ProducerClosed {
        forced: bool,
        aborted: usize,
    },
    MetadataRequested {
        node: NodeId,
    },
    MetadataUpdated {
        leaders: Vec<Option<NodeId>>,
    },
}

/// One event at one virtual time (µs since the start of the run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimEvent {
    pub at_us: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Collects events and folds them into a hash that is the same on every platform.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Off: events are neither kept nor hashed (benchmarks).
    on: bool,
    keep: bool,
    /// Keep at most about this many of the newest events (the hash still covers all).
    cap: usize,
    events: Vec<SimEvent>,
    hash: u64,
    count: u64,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

impl Trace {
    /// `keep`: hold every event for later reading (the UI and the CLI); the hash is kept always.
    pub fn new(keep: bool) -> Self {
        Trace {
            on: true,
            keep,
            cap: usize::MAX,
            events: Vec::new(),
            hash: FNV_OFFSET,
            count: 0,
        }
    }

    /// Keeps only the newest `cap` to `2 × cap` events, so a long run in the browser stays
    /// bounded in memory. The hash and the count still cover every event.
    pub fn bounded(cap: usize) -> Self {
        Trace {
            cap: cap.max(1),
            ..Trace::new(true)
        }
    }

    /// No trace at all: for throughput benchmarks.
    pub fn off() -> Self {
        Trace {
            on: false,
            ..Trace::new(false)
        }
    }

    /// Adds an event; with the trace off it is dropped unseen (inlined, so that costs nothing).
    #[inline(always)]
    pub fn emit(&mut self, at_us: u64, kind: EventKind) {
        if self.on {
            self.record(at_us, kind);
        }
    }

    #[inline(never)]
    fn record(&mut self, at_us: u64, kind: EventKind) {
        let event = SimEvent { at_us, kind };
        let bytes = serde_json::to_vec(&event).expect("events serialize");
        for b in bytes.into_iter().chain([b'\n']) {
            self.hash = (self.hash ^ b as u64).wrapping_mul(FNV_PRIME);
        }
        self.count += 1;
        if self.keep {
            self.events.push(event);
            if self.events.len() >= self.cap.saturating_mul(2) {
                self.events.drain(..self.cap);
            }
        }
    }

    /// False for `Trace::off()`: callers may skip building events.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// FNV-1a 64 over each event's JSON line.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn events(&self) -> &[SimEvent] {
        &self.events
    }
}
