//! `Sender`: the producer's I/O loop. Each `run_once` checks which nodes are ready, drains
//! their batches into one ProduceRequest per node, and hands the requests to the network.
//! Responses complete batches (firing callbacks in order), or re-enqueue them for retry.
//!
//! Source: apache/kafka `Sender.runOnce`, `sendProducerData`, `handleProduceResponse`,
//! `completeBatch`, `canRetry`, `failBatch`; `NetworkClient` in-flight limits.
//!
//! Model simplifications: connections are always up and requests are written instantly, so
//! a node can take a request while fewer than `max.in.flight.requests.per.connection` are in
//! flight; the sender thread is infinitely fast (it runs after every event).

use std::collections::BTreeMap;

use super::metadata::{Metadata, NodeId};
use super::producer_batch::{BatchId, ProducerBatch, RecordId};
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
    pub partition: u32,
    pub at_us: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
struct InFlightRequest {
    node: NodeId,
    batches: Vec<BatchId>,
}

/// What one `run_once` wants the network to carry, and when to run again.
#[derive(Debug, Default)]
pub struct SendOutput {
    pub requests: Vec<ProduceRequest>,
    /// Send `InitProducerId` to this node.
    pub init_producer_id: Option<NodeId>,
    /// Absolute virtual time of the next useful wake-up, if any.
    pub next_wakeup_us: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Sender {
    acks: Acks,
    max_in_flight: usize,
    max_request_size: usize,
    request_timeout_ms: u64,
    retries: u32,
    delivery_timeout_us: u64,
    guarantee_message_order: bool,
    in_flight: BTreeMap<NodeId, usize>,
    requests: BTreeMap<RequestId, InFlightRequest>,
    in_flight_batches: BTreeMap<BatchId, ProducerBatch>,
    next_request_id: RequestId,
}

impl Sender {
    pub fn new(config: &ProducerConfig) -> Self {
        Sender {
            acks: config.acks,
            max_in_flight: config.max_in_flight_requests_per_connection,
            max_request_size: config.max_request_size,
            request_timeout_ms: config.request_timeout_ms,
            retries: config.retries,
            delivery_timeout_us: config.delivery_timeout_ms * 1000,
            guarantee_message_order: config.guarantee_message_order(),
            in_flight: BTreeMap::new(),
            requests: BTreeMap::new(),
            in_flight_batches: BTreeMap::new(),
            next_request_id: 0,
        }
    }

    /// `NetworkClient.ready`: the connection can take another request.
    fn client_ready(&self, node: NodeId) -> bool {
        self.in_flight.get(&node).copied().unwrap_or(0) < self.max_in_flight
    }

    pub fn in_flight_count(&self, node: NodeId) -> usize {
        self.in_flight.get(&node).copied().unwrap_or(0)
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

    pub fn has_in_flight(&self) -> bool {
        !self.requests.is_empty()
    }

    /// `runOnce` / `sendProducerData`.
    #[allow(clippy::too_many_arguments)]
    pub fn run_once(
        &mut self,
        now_us: u64,
        acc: &mut RecordAccumulator,
        metadata: &Metadata,
        mut tm: Option<&mut TransactionManager>,
        backoff_rng: &mut SimRng,
        trace: &mut Trace,
        deliveries: &mut Vec<Delivery>,
    ) -> SendOutput {
        let mut out = SendOutput::default();
        if let Some(tm) = tm.as_deref_mut() {
            if tm.take_init_producer_id_request() {
                // `leastLoadedNode`: the node with the fewest in-flight requests (lowest id on ties).
                let node = (1..=metadata
                    .leaders
                    .iter()
                    .flatten()
                    .copied()
                    .max()
                    .unwrap_or(1))
                    .min_by_key(|n| self.in_flight_count(*n))
                    .unwrap_or(1);
                out.init_producer_id = Some(node);
                return out;
            }
            if tm.has_pending_init() {
                return out; // woken again by the InitProducerId response
            }
        }
        let result = acc.ready(metadata, now_us, backoff_rng);
        let ready: Vec<NodeId> = result
            .ready_nodes
            .iter()
            .copied()
            .filter(|n| self.client_ready(*n))
            .collect();
        let drained = acc.drain(
            metadata,
            &ready,
            self.max_request_size,
            now_us,
            tm.as_deref_mut(),
            backoff_rng,
        );
        for (node, batches) in drained {
            if batches.is_empty() {
                continue;
            }
            let request = self.next_request_id;
            self.next_request_id += 1;
            let mut wire = Vec::with_capacity(batches.len());
            let mut bytes = 0;
            for (batch, reason) in batches {
                if self.guarantee_message_order {
                    acc.mute_partition(batch.partition);
                }
                trace.emit(
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
                self.in_flight_batches.insert(batch.id, batch);
            }
            let ids: Vec<BatchId> = wire.iter().map(|b| b.batch).collect();
            trace.emit(
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
                    let batch = self.in_flight_batches.remove(id).expect("just inserted");
                    self.complete_batch(
                        batch,
                        -1,
                        now_us,
                        acc,
                        tm.as_deref_mut(),
                        trace,
                        deliveries,
                    );
                }
            } else {
                *self.in_flight.entry(node).or_default() += 1;
                self.requests
                    .insert(request, InFlightRequest { node, batches: ids });
            }
            out.requests.push(ProduceRequest {
                id: request,
                destination: node,
                acks: self.acks,
                timeout_ms: self.request_timeout_ms,
                batches: wire,
            });
        }
        for batch in acc.expired_batches(now_us) {
            let elapsed_ms = (now_us - batch.created_us) / 1000;
            let message = format!(
                "Expiring {} record(s) for {}-{}:{} ms has passed since batch creation",
                batch.record_count(),
                metadata.topic,
                batch.partition,
                elapsed_ms
            );
            self.fail_batch(
                batch,
                Errors::DeliveryTimeout,
                message,
                now_us,
                tm.as_deref_mut(),
                trace,
                deliveries,
            );
        }
        let mut next = result.next_ready_check_delay_us;
        if let Some(expiry) = acc.next_expiry_us() {
            next = next.min(expiry.saturating_sub(now_us));
        }
        out.next_wakeup_us = (next != u64::MAX).then(|| now_us + next);
        out
    }

    /// `handleProduceResponse` → `completeBatch` per partition.
    #[allow(clippy::too_many_arguments)]
    pub fn handle_produce_response(
        &mut self,
        response: ProduceResponse,
        now_us: u64,
        acc: &mut RecordAccumulator,
        mut tm: Option<&mut TransactionManager>,
        trace: &mut Trace,
        deliveries: &mut Vec<Delivery>,
    ) {
        trace.emit(
            now_us,
            EventKind::ResponseReceived {
                request: response.request,
                node: response.node,
            },
        );
        if self.requests.remove(&response.request).is_some()
            && let Some(n) = self.in_flight.get_mut(&response.node)
        {
            *n -= 1;
        }
        for (batch_id, pr) in response.partitions {
            // A batch that expired while in flight was already failed; its response is ignored.
            let Some(batch) = self.in_flight_batches.remove(&batch_id) else {
                continue;
            };
            self.complete_with_response(
                batch,
                pr,
                now_us,
                acc,
                tm.as_deref_mut(),
                trace,
                deliveries,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn complete_with_response(
        &mut self,
        batch: ProducerBatch,
        pr: PartitionResponse,
        now_us: u64,
        acc: &mut RecordAccumulator,
        tm: Option<&mut TransactionManager>,
        trace: &mut Trace,
        deliveries: &mut Vec<Delivery>,
    ) {
        match pr.error {
            None | Some(Errors::DuplicateSequenceNumber) => {
                self.complete_batch(batch, pr.base_offset, now_us, acc, tm, trace, deliveries)
            }
            Some(error) if self.can_retry(&batch, error, now_us) => {
                if self.guarantee_message_order {
                    acc.unmute_partition(batch.partition);
                }
                trace.emit(
                    now_us,
                    EventKind::BatchRetried {
                        batch: batch.id,
                        partition: batch.partition,
                        attempts: batch.attempts + 1,
                        error: error.name().to_string(),
                    },
                );
                acc.reenqueue(batch, now_us);
            }
            Some(error) => {
                if self.guarantee_message_order {
                    acc.unmute_partition(batch.partition);
                }
                let message = format!("The server responded with {}", error.name());
                self.fail_batch(batch, error, message, now_us, tm, trace, deliveries)
            }
        }
    }

    /// `canRetry`: within the delivery timeout, attempts left, and a retriable error.
    fn can_retry(&self, batch: &ProducerBatch, error: Errors, now_us: u64) -> bool {
        now_us.saturating_sub(batch.created_us) < self.delivery_timeout_us
            && batch.attempts < self.retries
            && error.is_retriable()
    }

    #[allow(clippy::too_many_arguments)]
    fn complete_batch(
        &mut self,
        batch: ProducerBatch,
        base_offset: i64,
        now_us: u64,
        acc: &mut RecordAccumulator,
        tm: Option<&mut TransactionManager>,
        trace: &mut Trace,
        deliveries: &mut Vec<Delivery>,
    ) {
        if self.guarantee_message_order {
            acc.unmute_partition(batch.partition);
        }
        if let (Some(tm), Some((_, _, seq))) = (tm, batch.producer) {
            let last = super::transaction_manager::increment_sequence(
                seq,
                batch.record_count() as i32 - 1,
            );
            tm.handle_completed_batch(batch.partition, batch.id, last);
        }
        for (i, record) in batch.records.iter().enumerate() {
            let offset = if base_offset == -1 {
                -1
            } else {
                base_offset + i as i64
            };
            Self::fire(
                record.id,
                batch.partition,
                Outcome::Acked { offset },
                now_us,
                trace,
                deliveries,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fail_batch(
        &mut self,
        batch: ProducerBatch,
        error: Errors,
        message: String,
        now_us: u64,
        tm: Option<&mut TransactionManager>,
        trace: &mut Trace,
        deliveries: &mut Vec<Delivery>,
    ) {
        if let Some(tm) = tm {
            tm.remove_in_flight_batch(batch.partition, batch.id);
        }
        for record in &batch.records {
            let outcome = Outcome::Failed {
                error: error.name().to_string(),
                message: message.clone(),
            };
            Self::fire(
                record.id,
                batch.partition,
                outcome,
                now_us,
                trace,
                deliveries,
            );
        }
    }

    fn fire(
        record: RecordId,
        partition: u32,
        outcome: Outcome,
        now_us: u64,
        trace: &mut Trace,
        deliveries: &mut Vec<Delivery>,
    ) {
        trace.emit(
            now_us,
            EventKind::Callback {
                record,
                partition,
                outcome: outcome.clone(),
            },
        );
        deliveries.push(Delivery {
            record,
            partition,
            at_us: now_us,
            outcome,
        });
    }
}
