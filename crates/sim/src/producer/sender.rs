//! `Sender`: the producer's I/O loop. Each `run_once` checks which nodes are ready, drains
//! their batches into one ProduceRequest per node, and hands the requests to the network.
//! Responses complete batches (firing callbacks in order), or re-enqueue them for retry.
//! Requests that outlive `request.timeout.ms` close the connection; a lost connection fails
//! every request on it; both ask for fresh metadata.
//!
//! Source: apache/kafka `Sender.runOnce`, `sendProducerData`, `handleProduceResponse`,
//! `completeBatch`, `canRetry`, `failBatch`, `getExpiredInflightBatches`; `NetworkClient`
//! (`handleTimedOutRequests`, `processDisconnection`, in-flight limits), KIP-951.
//!
//! Model simplifications: a connection to a live broker is established at once, and a
//! request is written at once; the sender thread runs after every event.

use litemap::LiteMap;

use super::exponential_backoff::ExponentialBackoff;
use super::metadata::{Metadata, NodeId};
use super::producer_batch::{BatchId, ProducerBatch, RecordId, RecordView};
use super::producer_config::{Acks, ProducerConfig};
use super::record_accumulator::RecordAccumulator;
use super::transaction_manager::TransactionManager;
use crate::event::{EventKind, Outcome, Trace};
use crate::produce_request::{
    PartitionResponse, ProduceRequest, ProduceResponse, RequestId, WireBatch,
};
use crate::protocol::Errors;
use crate::rng::SimRng;

/// A delivery report as the application's callback receives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub record: RecordId,
    /// [`UNKNOWN_PARTITION`] when `send()` failed before a partition was chosen.
    #[serde(serialize_with = "serialize_partition")]
    pub partition: u32,
    /// When `send()` was called.
    pub sent_at_us: u64,
    pub at_us: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// `RecordMetadata.UNKNOWN_PARTITION`: the callback of a record that failed in `send()`
/// before it had a partition. Written as Kafka writes it, -1.
pub const UNKNOWN_PARTITION: u32 = u32::MAX;

pub fn serialize_partition<S: serde::Serializer>(p: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(if *p == UNKNOWN_PARTITION {
        -1
    } else {
        *p as i64
    })
}

#[derive(Debug, Clone)]
struct InFlightRequest {
    node: NodeId,
    batches: Vec<BatchId>,
    sent_us: u64,
}

/// What one `run_once` wants the network to carry, and when to run again.
#[derive(Debug, Default)]
pub struct SendOutput {
    pub requests: Vec<ProduceRequest>,
    /// Send `InitProducerId` to this node.
    pub init_producer_id: Option<NodeId>,
    /// Send a MetadataRequest to this node.
    pub metadata_request: Option<NodeId>,
    /// Absolute virtual time of the next useful wake-up, if any.
    pub next_wakeup_us: Option<u64>,
}

/// Everything a send step writes to: the accumulator, idempotence state, trace and callbacks.
pub struct SenderContext<'a> {
    pub acc: &'a mut RecordAccumulator,
    pub metadata: &'a mut Metadata,
    pub tm: Option<&'a mut TransactionManager>,
    pub trace: &'a mut Trace,
    pub deliveries: &'a mut Vec<Delivery>,
    /// Jitter for retry and reconnect backoff.
    pub rng: &'a mut SimRng,
}

#[derive(Debug, Clone)]
pub struct Sender {
    acks: Acks,
    max_in_flight: usize,
    max_request_size: usize,
    request_timeout_us: u64,
    retries: u32,
    delivery_timeout_us: u64,
    /// `ClusterConnectionStates`: `reconnect.backoff.ms` growing ×2 with 20% jitter up to
    /// `reconnect.backoff.max.ms`, per consecutive failure.
    reconnect_backoff: ExponentialBackoff,
    guarantee_message_order: bool,
    /// By id, which is also the order they were sent in (ids grow with time): the first is
    /// the oldest.
    requests: LiteMap<RequestId, InFlightRequest>,
    /// In-flight requests per node (index = node id), kept with `requests`.
    requests_per_node: Vec<usize>,
    in_flight_batches: LiteMap<BatchId, ProducerBatch>,
    /// (creation time, id) of every batch in `in_flight_batches`: the first is the one that
    /// reaches `delivery.timeout.ms` first.
    in_flight_by_creation: LiteMap<(u64, BatchId), ()>,
    /// Nodes whose connection was closed, and when the client may reconnect.
    reconnect_at: LiteMap<NodeId, u64>,
    connect_failures: LiteMap<NodeId, u32>,
    retry_backoff_us: u64,
    next_metadata_us: u64,
    metadata_needed: bool,
    metadata_in_flight: bool,
    pub metrics: super::sender_metrics::SenderMetrics,
    next_request_id: RequestId,
    /// The ready nodes a connection can take a request to, rebuilt on each run.
    sendable_nodes: Vec<NodeId>,
}

impl Sender {
    pub fn new(config: &ProducerConfig) -> Self {
        Sender {
            acks: config.acks,
            max_in_flight: config.max_in_flight_requests_per_connection,
            max_request_size: config.max_request_size,
            request_timeout_us: config.request_timeout_ms * 1000,
            retries: config.retries,
            delivery_timeout_us: config.delivery_timeout_ms * 1000,
            reconnect_backoff: ExponentialBackoff {
                initial_ms: config.reconnect_backoff_ms,
                max_ms: config.reconnect_backoff_max_ms,
            },
            guarantee_message_order: config.guarantee_message_order(),
            requests: LiteMap::new_vec(),
            requests_per_node: Vec::new(),
            in_flight_batches: LiteMap::new_vec(),
            in_flight_by_creation: LiteMap::new_vec(),
            reconnect_at: LiteMap::new_vec(),
            connect_failures: LiteMap::new_vec(),
            retry_backoff_us: config.retry_backoff_ms * 1000,
            next_metadata_us: 0,
            metadata_needed: false,
            metrics: super::sender_metrics::SenderMetrics::new(config),
            metadata_in_flight: false,
            next_request_id: 0,
            sendable_nodes: Vec::new(),
        }
    }

    pub fn in_flight_count(&self, node: NodeId) -> usize {
        self.requests_per_node
            .get(node as usize)
            .copied()
            .unwrap_or(0)
    }

    fn insert_request(&mut self, id: RequestId, request: InFlightRequest) {
        debug_assert!(
            self.requests
                .last()
                .is_none_or(|(last, r)| *last < id && r.sent_us <= request.sent_us),
            "requests are sent in id order"
        );
        let node = request.node as usize;
        if self.requests_per_node.len() <= node {
            self.requests_per_node.resize(node + 1, 0);
        }
        self.requests_per_node[node] += 1;
        self.requests.insert(id, request);
    }

    fn remove_request(&mut self, id: RequestId) -> Option<InFlightRequest> {
        let request = self.requests.remove(&id)?;
        self.requests_per_node[request.node as usize] -= 1;
        Some(request)
    }

    fn insert_in_flight_batch(&mut self, batch: ProducerBatch) {
        self.in_flight_by_creation
            .insert((batch.created_us, batch.id), ());
        self.in_flight_batches.insert(batch.id, batch);
    }

    fn remove_in_flight_batch(&mut self, id: BatchId) -> Option<ProducerBatch> {
        let batch = self.in_flight_batches.remove(&id)?;
        self.in_flight_by_creation
            .remove(&(batch.created_us, batch.id));
        Some(batch)
    }

    /// `NetworkClient.ready`: connected (or able to connect) and below the in-flight limit.
    fn client_ready(&self, node: NodeId, now_us: u64, reachable: &impl Fn(NodeId) -> bool) -> bool {
        reachable(node)
            && self.reconnect_at.get(&node).is_none_or(|at| now_us >= *at)
            && self.in_flight_count(node) < self.max_in_flight
    }

    /// Batches sent and awaiting a response, by request.
    pub fn in_flight_requests(&self) -> impl Iterator<Item = (RequestId, NodeId, &[BatchId])> {
        self.requests
            .iter()
            .map(|(id, r)| (*id, r.node, r.batches.as_slice()))
    }

    pub fn in_flight_batch(&self, id: BatchId) -> Option<&ProducerBatch> {
        self.in_flight_batches.get(&id)
    }

    /// The least loaded reachable node (`leastLoadedNode`), lowest id on ties.
    fn least_loaded_node(
        &self,
        metadata: &Metadata,
        now_us: u64,
        reachable: &impl Fn(NodeId) -> bool,
    ) -> Option<NodeId> {
        let nodes = metadata
            .leaders
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(1)
            .max(metadata.broker_count);
        (1..=nodes)
            .filter(|n| reachable(*n) && self.reconnect_at.get(n).is_none_or(|at| now_us >= *at))
            .min_by_key(|n| self.in_flight_count(*n))
    }

    /// `runOnce` / `sendProducerData`. `reachable` says whether a connection to a node can be
    /// made (the broker is up and the network lets the client through).
    pub fn run_once(
        &mut self,
        now_us: u64,
        cx: &mut SenderContext<'_>,
        reachable: &impl Fn(NodeId) -> bool,
    ) -> SendOutput {
        let mut out = SendOutput::default();
        self.handle_timed_out_requests(now_us, cx);
        self.maybe_bump_epoch(now_us, cx);
        if let Some(tm) = cx.tm.as_deref_mut() {
            if tm.take_init_producer_id_request() {
                match self.least_loaded_node(cx.metadata, now_us, reachable) {
                    Some(node) => {
                        out.init_producer_id = Some(node);
                        return out;
                    }
                    None => tm.retry_init_producer_id(),
                }
            }
            if tm.has_pending_init() {
                out.next_wakeup_us = Some(now_us + self.reconnect_backoff.initial_ms.max(1) * 1000);
                return out; // woken again by the InitProducerId response
            }
        }
        let result = cx.acc.ready(cx.metadata, now_us, cx.rng);
        if result.unknown_leader {
            self.metadata_needed = true;
        }
        if self.metadata_needed
            && !self.metadata_in_flight
            && now_us >= self.next_metadata_us
            && let Some(node) = self.least_loaded_node(cx.metadata, now_us, reachable)
        {
            self.metadata_in_flight = true;
            self.metadata_needed = false;
            self.next_metadata_us = now_us + self.retry_backoff_us;
            out.metadata_request = Some(node);
        }
        let mut not_ready_wakeup = u64::MAX;
        let mut ready = std::mem::take(&mut self.sendable_nodes);
        ready.clear();
        for &n in &result.ready_nodes {
            if !reachable(n) {
                self.connection_failed(n, now_us, cx.rng);
            }
            if self.client_ready(n, now_us, reachable) {
                ready.push(n);
            } else if let Some(at) = self.reconnect_at.get(&n).filter(|at| **at > now_us) {
                not_ready_wakeup = not_ready_wakeup.min(*at);
            }
        }
        // Nothing to drain without a node to send to.
        let drained = if ready.is_empty() {
            LiteMap::new_vec()
        } else {
            cx.acc.drain(
                cx.metadata,
                &ready,
                self.max_request_size,
                now_us,
                cx.tm.as_deref_mut(),
                cx.rng,
            )
        };
        self.sendable_nodes = ready;
        for (node, batches) in drained {
            self.metrics
                .update_produce_request_metrics(now_us, batches.iter().map(|(b, _)| b));
            if !batches.is_empty() {
                let request = self.send_produce_request(node, batches, now_us, cx);
                out.requests.push(request);
            }
        }
        let queued_expiry = self.expire_batches(now_us, cx);
        let mut next = result
            .next_ready_check_delay_us
            .saturating_add(now_us)
            .min(not_ready_wakeup);
        for deadline in [
            queued_expiry,
            // The oldest request and the oldest in-flight batch.
            self.requests
                .values()
                .next()
                .map(|r| r.sent_us + self.request_timeout_us),
            self.in_flight_by_creation
                .first()
                .map(|((created_us, _), ())| created_us + self.delivery_timeout_us),
        ]
        .into_iter()
        .flatten()
        {
            next = next.min(deadline);
        }
        if self.metadata_needed && !self.metadata_in_flight {
            // With no node to ask, `leastLoadedNode` gives up until a reconnect could succeed.
            next = next.min(self.next_metadata_us.max(now_us + self.retry_backoff_us));
        }
        out.next_wakeup_us = (next != u64::MAX).then_some(next.max(now_us));
        cx.acc.recycle_ready_nodes(result.ready_nodes);
        out
    }

    /// `maybeResolveSequences` and `bumpIdempotentEpochAndResetIdIfNeeded`, at the start of
    /// each run: batches whose sequences restart under the new epoch are rewritten where they
    /// are, in flight or queued for retry.
    fn maybe_bump_epoch(&mut self, now_us: u64, cx: &mut SenderContext<'_>) {
        let Some(tm) = cx.tm.as_deref_mut() else {
            return;
        };
        tm.maybe_resolve_sequences();
        let Some((bumped, rewrites)) = tm.bump_idempotent_epoch_if_needed() else {
            return;
        };
        // Inserted, not collect()ed: one stable sort fewer in the wasm bundle.
        let mut rewrites_by_batch: LiteMap<BatchId, (i64, i16, i32)> = LiteMap::new_vec();
        rewrites_by_batch.extend(
            rewrites
                .into_iter()
                .map(|(batch, pid, epoch, seq)| (batch, (pid, epoch, seq))),
        );
        let rewrites = rewrites_by_batch;
        for (id, (pid, epoch, seq)) in &rewrites {
            if let Some(batch) = self.in_flight_batches.get_mut(id) {
                batch.reset_producer_state(*pid, *epoch, *seq);
            }
        }
        cx.acc.rewrite_producer_state(&rewrites);
        cx.trace.emit(
            now_us,
            EventKind::EpochBumped {
                producer_id: bumped.map(|p| p.producer_id),
                epoch: bumped.map(|p| p.epoch),
                rewritten_batches: rewrites.keys().copied().collect(),
            },
        );
    }

    fn send_produce_request(
        &mut self,
        node: NodeId,
        batches: Vec<(ProducerBatch, super::record_accumulator::ReadyReason)>,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) -> ProduceRequest {
        let request = self.next_request_id;
        self.next_request_id += 1;
        let mut wire = Vec::with_capacity(batches.len());
        let mut bytes = 0;
        for (batch, reason) in batches {
            if self.guarantee_message_order {
                cx.acc.mute_partition(batch.partition);
            }
            cx.trace.emit(
                now_us,
                EventKind::Drained {
                    batch: batch.id,
                    partition: batch.partition,
                    request,
                    records: batch.record_count(),
                    bytes: batch.size_in_bytes,
                    reason,
                    base_sequence: batch.base_sequence(),
                },
            );
            bytes += batch.size_in_bytes;
            wire.push(WireBatch {
                batch: batch.id,
                partition: batch.partition,
                producer: batch.producer,
                records: batch.records.clone(),
                size_in_bytes: batch.size_in_bytes,
            });
            self.insert_in_flight_batch(batch);
        }
        let ids: Vec<BatchId> = wire.iter().map(|b| b.batch).collect();
        self.metrics.record_request(now_us);
        cx.trace.emit(
            now_us,
            EventKind::RequestSent {
                request,
                node,
                batches: ids.clone(),
                bytes,
            },
        );
        if self.acks == Acks::None {
            // acks=0: complete as soon as the request is written, offset -1 (no response).
            for id in &ids {
                let batch = self.remove_in_flight_batch(*id).expect("just inserted");
                self.complete_batch(batch, -1, now_us, cx);
            }
        } else {
            self.connect_failures.remove(&node);
            self.insert_request(
                request,
                InFlightRequest {
                    node,
                    batches: ids,
                    sent_us: now_us,
                },
            );
        }
        ProduceRequest {
            id: request,
            destination: node,
            acks: self.acks,
            timeout_ms: self.request_timeout_us / 1000,
            batches: wire,
        }
    }

    /// `handleTimedOutRequests`: a request older than `request.timeout.ms` closes its connection.
    fn handle_timed_out_requests(&mut self, now_us: u64, cx: &mut SenderContext<'_>) {
        // The first request is the oldest: none timed out if it did not.
        if self
            .requests
            .values()
            .next()
            .is_none_or(|r| now_us < r.sent_us + self.request_timeout_us)
        {
            return;
        }
        let timed_out: Vec<NodeId> = self
            .requests
            .values()
            .filter(|r| now_us >= r.sent_us + self.request_timeout_us)
            .map(|r| r.node)
            .collect();
        for node in timed_out {
            self.disconnect(node, Errors::RequestTimedOut, now_us, cx);
        }
    }

    /// A connection attempt to an unreachable node failed (`ClusterConnectionStates.disconnected`):
    /// one more consecutive failure lengthens the reconnect backoff; fresh metadata is wanted.
    fn connection_failed(&mut self, node: NodeId, now_us: u64, rng: &mut SimRng) {
        if self.reconnect_at.get(&node).is_some_and(|at| *at > now_us) {
            return;
        }
        let failures = self.connect_failures.entry(node).or_default();
        let backoff_us = self.reconnect_backoff.backoff(*failures, rng) * 1000;
        *failures += 1;
        self.reconnect_at.insert(node, now_us + backoff_us);
        self.metadata_needed = true;
    }

    /// `processDisconnection`: every in-flight request on the node fails with `error`
    /// (REQUEST_TIMED_OUT after a timeout, NETWORK_EXCEPTION when the connection broke).
    pub fn disconnect(
        &mut self,
        node: NodeId,
        error: Errors,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) {
        let ids: Vec<RequestId> = self
            .requests
            .iter()
            .filter(|(_, r)| r.node == node)
            .map(|(id, _)| *id)
            .collect();
        if ids.is_empty() && self.reconnect_at.get(&node).is_some_and(|at| *at > now_us) {
            return;
        }
        self.connection_failed(node, now_us, cx.rng);
        cx.trace.emit(
            now_us,
            EventKind::Disconnected {
                node,
                error: error.name().to_string(),
                requests: ids.len(),
            },
        );
        for id in ids {
            let request = self.remove_request(id).expect("listed");
            for batch_id in request.batches {
                if let Some(batch) = self.remove_in_flight_batch(batch_id) {
                    let pr = PartitionResponse {
                        error: Some(error),
                        base_offset: -1,
                        duplicate: false,
                    };
                    self.complete_with_response(batch, pr, now_us, cx);
                }
            }
        }
    }

    /// `forceClose` → `abortIncompleteBatches`: every batch not yet complete, queued or in
    /// flight, fails with "Producer is closed forcefully."; late responses are ignored.
    /// Returns how many records were aborted.
    pub fn abort_incomplete_batches(&mut self, now_us: u64, cx: &mut SenderContext<'_>) -> usize {
        self.requests.clear();
        self.requests_per_node.clear();
        self.in_flight_by_creation.clear();
        let mut batches: Vec<ProducerBatch> = std::mem::take(&mut self.in_flight_batches)
            .into_iter()
            .map(|(_, batch)| batch)
            .collect();
        batches.extend(cx.acc.abort_undrained());
        batches.sort_by_key(|b| (b.partition, b.id));
        let mut aborted = 0;
        for batch in batches {
            aborted += batch.record_count();
            let message = "Producer is closed forcefully.".to_string();
            self.fail_batch(batch, Errors::KafkaException, message, false, now_us, cx);
        }
        aborted
    }

    /// `getExpiredInflightBatches` and `expiredBatches`: batches past `delivery.timeout.ms`
    /// since creation fail, even while a request for them is still in flight.
    /// Returns when the oldest batch still queued expires (`RecordAccumulator::next_expiry_us`
    /// after the expiry).
    fn expire_batches(&mut self, now_us: u64, cx: &mut SenderContext<'_>) -> Option<u64> {
        // Only when the oldest in-flight batch expired is there any to look for.
        let any_in_flight_expired = self
            .in_flight_by_creation
            .first()
            .is_some_and(|((created_us, _), ())| now_us >= created_us + self.delivery_timeout_us);
        let expired_in_flight: Vec<BatchId> = if any_in_flight_expired {
            self.in_flight_batches
                .values()
                .filter(|b| now_us >= b.created_us + self.delivery_timeout_us)
                .map(|b| b.id)
                .collect()
        } else {
            Vec::new()
        };
        let queued_expiry = cx.acc.next_expiry_us();
        let queued_expired = queued_expiry.is_some_and(|at| now_us >= at);
        if !any_in_flight_expired && !queued_expired {
            return queued_expiry;
        }
        let mut expired: Vec<ProducerBatch> = expired_in_flight
            .iter()
            .filter_map(|id| self.remove_in_flight_batch(*id))
            .collect();
        expired.extend(cx.acc.expired_batches(now_us));
        for batch in expired {
            let message = format!(
                "Expiring {} record(s) for {}-{}:{} ms has passed since batch creation",
                batch.record_count(),
                cx.metadata.topic,
                batch.partition,
                (now_us - batch.created_us) / 1000
            );
            if self.guarantee_message_order {
                cx.acc.unmute_partition(batch.partition);
            }
            // A batch that was retried may have reached the broker: its sequence is unresolved.
            let unresolved = batch.in_retry().then(|| batch.last_sequence()).flatten();
            let partition = batch.partition;
            self.fail_batch(batch, Errors::DeliveryTimeout, message, false, now_us, cx);
            if let (Some(tm), Some(last)) = (cx.tm.as_deref_mut(), unresolved) {
                tm.mark_sequence_unresolved(partition, last);
            }
        }
        cx.acc.next_expiry_us()
    }

    /// `handleProduceResponse` → `completeBatch` per partition.
    pub fn handle_produce_response(
        &mut self,
        response: ProduceResponse,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) {
        cx.trace.emit(
            now_us,
            EventKind::ResponseReceived {
                request: response.request,
                node: response.node,
            },
        );
        let Some(request) = self.remove_request(response.request) else {
            return; // the connection was closed (timeout); this late response is dropped
        };
        self.metrics.record_latency(request.sent_us, now_us);
        for (p, leader) in &response.leader_hints {
            if let Some(slot) = cx.metadata.leaders.get_mut(*p as usize) {
                *slot = *leader;
            }
        }
        for (batch_id, pr) in response.partitions {
            // A batch that expired while in flight was already failed; its response is ignored.
            let Some(batch) = self.remove_in_flight_batch(batch_id) else {
                continue;
            };
            self.complete_with_response(batch, pr, now_us, cx);
        }
    }

    /// The answer to a MetadataRequest: the controller's current leaders.
    pub fn handle_metadata_response(
        &mut self,
        leaders: Vec<Option<NodeId>>,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) {
        self.metadata_in_flight = false;
        cx.metadata.leaders = leaders.clone();
        cx.trace
            .emit(now_us, EventKind::MetadataUpdated { leaders });
    }

    /// The MetadataRequest was lost; ask again after the backoff.
    pub fn metadata_request_failed(&mut self) {
        self.metadata_in_flight = false;
        self.metadata_needed = true;
    }

    fn complete_with_response(
        &mut self,
        batch: ProducerBatch,
        pr: PartitionResponse,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) {
        match pr.error {
            None | Some(Errors::DuplicateSequenceNumber) => {
                self.complete_batch(batch, pr.base_offset, now_us, cx)
            }
            Some(Errors::MessageTooLarge) if batch.record_count() > 1 => {
                self.split_and_reenqueue(batch, now_us, cx)
            }
            Some(error) => {
                if matches!(
                    error,
                    Errors::NotLeaderOrFollower
                        | Errors::NetworkException
                        | Errors::UnknownTopicOrPartition
                        | Errors::LeaderNotAvailable
                ) {
                    self.metadata_needed = true; // an InvalidMetadataException
                }
                if self.guarantee_message_order {
                    cx.acc.unmute_partition(batch.partition);
                }
                if self.can_retry(&batch, error, now_us, cx.tm.as_deref_mut()) {
                    cx.trace.emit(
                        now_us,
                        EventKind::BatchRetried {
                            batch: batch.id,
                            partition: batch.partition,
                            attempts: batch.attempts + 1,
                            error: error.name().to_string(),
                        },
                    );
                    self.metrics.record_retries(now_us, batch.record_count());
                    cx.acc.reenqueue(batch, now_us);
                } else {
                    let message = format!("The server responded with {}", error.name());
                    let adjust_sequences = batch.attempts < self.retries;
                    self.fail_batch(batch, error, message, adjust_sequences, now_us, cx)
                }
            }
        }
    }

    /// `completeBatch` on MESSAGE_TOO_LARGE for a batch of several records: split it and
    /// send the pieces as new batches. This uses no retry attempt, and the pieces keep the
    /// batch's creation time, so `delivery.timeout.ms` still counts from it. When `batch.size`
    /// exceeds the topic's `max.message.bytes`, a piece can be as large as the batch and is
    /// split again on every response until it expires: Kafka does the same (KAFKA-8350).
    fn split_and_reenqueue(
        &mut self,
        batch: ProducerBatch,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) {
        if let Some(tm) = cx.tm.as_deref_mut() {
            tm.remove_in_flight_batch(batch.partition, batch.id);
        }
        let pieces = cx.acc.split_and_reenqueue(&batch);
        if let Some(tm) = cx.tm.as_deref_mut() {
            for (id, seq, records) in &pieces {
                if let Some(seq) = seq {
                    tm.add_in_flight_batch(batch.partition, *seq, *id, *records);
                }
            }
        }
        cx.acc.deallocate(&batch);
        self.metrics.record_batch_split(now_us);
        if self.guarantee_message_order {
            cx.acc.unmute_partition(batch.partition);
        }
        cx.trace.emit(
            now_us,
            EventKind::BatchSplit {
                batch: batch.id,
                partition: batch.partition,
                into: pieces.into_iter().map(|(id, _, _)| id).collect(),
            },
        );
    }

    /// `canRetry`: within the delivery timeout, attempts left, and a retriable error; for the
    /// idempotent producer the last test is `TransactionManager.canRetry`, which may ask for an
    /// epoch bump. (The model's broker never answers UNKNOWN_PRODUCER_ID: since KIP-360 a
    /// broker without state for a producer accepts any sequence. The log start offset is
    /// therefore not carried.)
    fn can_retry(
        &self,
        batch: &ProducerBatch,
        error: Errors,
        now_us: u64,
        tm: Option<&mut TransactionManager>,
    ) -> bool {
        now_us.saturating_sub(batch.created_us) < self.delivery_timeout_us
            && batch.attempts < self.retries
            && match (tm, batch.base_sequence()) {
                (Some(tm), Some(seq)) => tm.can_retry(
                    error,
                    batch.partition,
                    seq,
                    batch.sequence_has_been_reset,
                    -1,
                ),
                _ => error.is_retriable(),
            }
    }

    fn complete_batch(
        &mut self,
        batch: ProducerBatch,
        base_offset: i64,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) {
        // The batch's buffer goes back to buffer.memory once its callbacks have run.
        cx.acc.deallocate(&batch);
        if self.guarantee_message_order {
            cx.acc.unmute_partition(batch.partition);
        }
        if let (Some(tm), Some(last)) = (cx.tm.as_deref_mut(), batch.last_sequence()) {
            let last_offset =
                (base_offset != -1).then(|| base_offset + batch.record_count() as i64 - 1);
            tm.handle_completed_batch(batch.partition, batch.id, last, last_offset);
        }
        for (i, record) in batch.records.iter().enumerate() {
            let offset = if base_offset == -1 {
                -1
            } else {
                base_offset + i as i64
            };
            Self::fire(
                record,
                batch.partition,
                Outcome::Acked { offset },
                now_us,
                cx,
            );
        }
    }

    /// `failBatch`: callbacks get the error; `adjust_sequences` (it failed before its
    /// retries ran out) lets the transaction manager close the sequence gap with a bump.
    fn fail_batch(
        &mut self,
        batch: ProducerBatch,
        error: Errors,
        message: String,
        adjust_sequences: bool,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) {
        cx.acc.deallocate(&batch);
        self.metrics.record_errors(now_us, batch.record_count());
        if let Some(tm) = cx.tm.as_deref_mut() {
            tm.handle_failed_batch(batch.partition, batch.id, error, adjust_sequences);
        }
        for record in batch.records.iter() {
            let outcome = Outcome::Failed {
                error: error.name().to_string(),
                message: message.clone(),
            };
            Self::fire(record, batch.partition, outcome, now_us, cx);
        }
    }

    fn fire(
        record: RecordView<'_>,
        partition: u32,
        outcome: Outcome,
        now_us: u64,
        cx: &mut SenderContext<'_>,
    ) {
        if cx.trace.is_on() {
            cx.trace.emit(
                now_us,
                EventKind::Callback {
                    record: record.id,
                    partition,
                    outcome: outcome.clone(),
                },
            );
        }
        cx.deliveries.push(Delivery {
            record: record.id,
            partition,
            sent_at_us: record.sent_us,
            at_us: now_us,
            outcome,
        });
    }
}
