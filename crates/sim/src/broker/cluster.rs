//! The simulated cluster: brokers that lead and follow partitions, replicate by fetching,
//! keep acks=all requests in purgatory until the high watermark covers them, and a controller
//! that fences crashed brokers and elects new leaders from the ISR (unclean election off).
//!
//! Source: apache/kafka `ReplicaManager.appendRecords`, `DelayedProduce`, `Partition`,
//! `ReplicaFetcherThread`, KRaft `ReplicationControlManager` (fencing after
//! `broker.session.timeout.ms`, leader from the ISR in assignment order, KIP-841 removing
//! fenced brokers from the ISR), KIP-951 (new leader in NOT_LEADER_OR_FOLLOWER responses).
//!
//! Model simplifications: one topic; each follower fetches all partitions it follows from a
//! leader in one session; truncation on a leader change happens at once; the controller is
//! always available.

use litemap::LiteMap;

use super::log::LogBatch;
use super::partition::{LeaderAppend, PartitionState};
use crate::event::{EventKind, Trace};
use crate::produce_request::{PartitionResponse, ProduceRequest, ProduceResponse, RequestId};
use crate::producer::metadata::NodeId;
use crate::producer::producer_batch::BatchId;
use crate::producer::producer_config::Acks;
use crate::protocol::Errors;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub brokers: u32,
    pub partitions: u32,
    pub replication_factor: u32,
    pub min_insync_replicas: usize,
    pub replica_lag_time_max_us: u64,
    pub broker_session_timeout_us: u64,
    pub replica_fetch_wait_max_us: u64,
    /// The topic's `max.message.bytes`.
    pub max_message_bytes: usize,
    /// The topic's `retention.bytes` (`None`: no limit).
    pub retention_bytes: Option<u64>,
}

/// A follower's fetch: its log end offset for each partition it follows on `leader`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    pub follower: NodeId,
    pub leader: NodeId,
    pub offsets: Vec<(u32, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchResponse {
    pub follower: NodeId,
    pub leader: NodeId,
    pub data: Vec<(u32, Vec<LogBatch>)>,
}

/// Timers the cluster asks the event loop for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterTimer {
    DelayedProduceExpiry {
        broker: NodeId,
        request: RequestId,
    },
    FetchWaitExpiry {
        follower: NodeId,
        leader: NodeId,
        session: u64,
    },
    FenceBroker {
        broker: NodeId,
        incarnation: u64,
    },
}

/// Messages and timers produced by one cluster step, for the event loop to deliver.
#[derive(Debug, Default)]
pub struct Outbox {
    pub produce_responses: Vec<ProduceResponse>,
    /// Fetches to send now (follower → leader), or at the given later time (a slowed follower).
    pub fetch_requests: Vec<(u64, FetchRequest)>,
    pub fetch_responses: Vec<FetchResponse>,
    pub timers: Vec<(u64, ClusterTimer)>,
}

impl Outbox {
    /// Nothing to deliver.
    pub fn is_empty(&self) -> bool {
        self.produce_responses.is_empty()
            && self.fetch_requests.is_empty()
            && self.fetch_responses.is_empty()
            && self.timers.is_empty()
    }
}

#[derive(Debug, Clone)]
struct DelayedProduce {
    broker: NodeId,
    request: RequestId,
    pending: Vec<(BatchId, u32, i64, i64)>,
    done: Vec<(BatchId, PartitionResponse)>,
}

#[derive(Debug, Clone, Default)]
pub struct BrokerState {
    pub alive: bool,
    /// Bumped on each crash, so a stale fencing timer is ignored after a restart.
    incarnation: u64,
    /// A slowed follower sends no fetch before this time.
    slow_until_us: u64,
}

#[derive(Debug, Clone)]
pub struct Cluster {
    pub config: ClusterConfig,
    pub brokers: LiteMap<NodeId, BrokerState>,
    pub partitions: Vec<PartitionState>,
    delayed: Vec<DelayedProduce>,
    parked_fetches: LiteMap<(NodeId, NodeId), (FetchRequest, u64)>,
    sessions: LiteMap<(NodeId, NodeId), ()>,
    next_session: u64,
    next_producer_id: i64,
}

impl Cluster {
    /// Replicas of partition p are brokers `p, p+1, …` (mod N, ids from 1): the leader of p is
    /// broker `p % N + 1`, as a round-robin assignment gives.
    pub fn new(config: ClusterConfig) -> Self {
        let n = config.brokers;
        let partitions = (0..config.partitions)
            .map(|p| {
                let assignment = (0..config.replication_factor.min(n))
                    .map(|i| (p + i) % n + 1)
                    .collect();
                PartitionState::new(p, assignment, config.retention_bytes)
            })
            .collect();
        // Inserted one by one: `LiteMap`'s `extend` and `collect` sort, a stable sort per type in
        // the wasm bundle.
        let mut brokers = LiteMap::new_vec();
        for id in 1..=n {
            let broker = BrokerState {
                alive: true,
                ..BrokerState::default()
            };
            brokers.insert(id, broker);
        }
        Cluster {
            brokers,
            partitions,
            delayed: Vec::new(),
            parked_fetches: LiteMap::new_vec(),
            sessions: LiteMap::new_vec(),
            next_session: 0,
            next_producer_id: 1000,
            config,
        }
    }

    pub fn is_alive(&self, node: NodeId) -> bool {
        self.brokers.get(&node).is_some_and(|b| b.alive)
    }

    /// Leaders as the controller's metadata publishes them.
    pub fn leaders(&self) -> Vec<Option<NodeId>> {
        self.partitions.iter().map(|p| p.leader).collect()
    }

    /// `InitProducerId` for an idempotent producer: a fresh producer id, epoch 0.
    pub fn init_producer_id(&mut self) -> (i64, i16) {
        let pid = self.next_producer_id;
        self.next_producer_id += 1;
        (pid, 0)
    }

    /// Starts every follower's fetch session.
    pub fn start(&mut self, now_us: u64, out: &mut Outbox) {
        self.start_missing_sessions(now_us, out);
    }

    fn start_missing_sessions(&mut self, now_us: u64, out: &mut Outbox) {
        let mut pairs = LiteMap::new_vec();
        for p in &self.partitions {
            let Some(leader) = p.leader else { continue };
            for f in p.assignment.iter().filter(|f| **f != leader) {
                pairs.insert((*f, leader), ());
            }
        }
        for ((f, l), ()) in pairs {
            if !self.sessions.contains_key(&(f, l)) && self.is_alive(f) && self.is_alive(l) {
                self.sessions.insert((f, l), ());
                self.send_fetch(f, l, now_us, out);
            }
        }
    }

    /// The follower's next fetch to `leader`, or the end of the session if it follows nothing there.
    fn send_fetch(&mut self, follower: NodeId, leader: NodeId, now_us: u64, out: &mut Outbox) {
        let offsets: Vec<(u32, i64)> = self
            .partitions
            .iter()
            .filter(|p| p.leader == Some(leader) && p.assignment.contains(&follower))
            .map(|p| (p.id, p.replicas[&follower].log_end_offset()))
            .collect();
        if offsets.is_empty() || !self.is_alive(follower) {
            self.sessions.remove(&(follower, leader));
            return;
        }
        let at = now_us.max(self.brokers[&follower].slow_until_us);
        out.fetch_requests.push((
            at,
            FetchRequest {
                follower,
                leader,
                offsets,
            },
        ));
    }

    /// A ProduceRequest reaches `request.destination`.
    pub fn handle_produce(
        &mut self,
        request: &ProduceRequest,
        now_us: u64,
        trace: &mut Trace,
        out: &mut Outbox,
    ) {
        let node = request.destination;
        if !self.is_alive(node) {
            return;
        }
        let min_isr = self.config.min_insync_replicas;
        let max_message_bytes = self.config.max_message_bytes;
        let mut done = Vec::new();
        let mut pending = Vec::new();
        let mut appended = false;
        for b in &request.batches {
            let part = &mut self.partitions[b.partition as usize];
            if part.leader != Some(node) {
                trace.emit(
                    now_us,
                    EventKind::BrokerRejected {
                        node,
                        partition: b.partition,
                        batch: b.batch,
                        error: "NOT_LEADER_OR_FOLLOWER".into(),
                    },
                );
                done.push((
                    b.batch,
                    PartitionResponse {
                        error: Some(Errors::NotLeaderOrFollower),
                        base_offset: -1,
                        duplicate: false,
                    },
                ));
                continue;
            }
            match part.append_records_to_leader(b, request.acks, min_isr, max_message_bytes) {
                LeaderAppend::Done(pr) => {
                    let kind = match pr.error {
                        None => {
                            appended |= !pr.duplicate;
                            EventKind::BrokerAppended {
                                node,
                                partition: b.partition,
                                batch: b.batch,
                                base_offset: pr.base_offset,
                                records: b.records.len(),
                                duplicate: pr.duplicate,
                            }
                        }
                        Some(e) => EventKind::BrokerRejected {
                            node,
                            partition: b.partition,
                            batch: b.batch,
                            error: e.name().into(),
                        },
                    };
                    trace.emit(now_us, kind);
                    done.push((b.batch, pr));
                }
                LeaderAppend::AwaitReplication {
                    required_offset,
                    base_offset,
                } => {
                    appended = true;
                    trace.emit(
                        now_us,
                        EventKind::BrokerAppended {
                            node,
                            partition: b.partition,
                            batch: b.batch,
                            base_offset,
                            records: b.records.len(),
                            duplicate: false,
                        },
                    );
                    pending.push((b.batch, b.partition, required_offset, base_offset));
                }
            }
        }
        // A single replica needs no follower: its high watermark moves with the append.
        for b in &request.batches {
            self.advance_high_watermark(b.partition, now_us, trace);
        }
        if request.acks == Acks::None {
            // acks=0: no response at all.
        } else if pending.is_empty() {
            out.produce_responses.push(ProduceResponse {
                request: request.id,
                node,
                partitions: done,
                leader_hints: self.leader_hints(request),
            });
        } else {
            self.delayed.push(DelayedProduce {
                broker: node,
                request: request.id,
                pending,
                done,
            });
            out.timers.push((
                now_us + request.timeout_ms * 1000,
                ClusterTimer::DelayedProduceExpiry {
                    broker: node,
                    request: request.id,
                },
            ));
            self.try_complete_delayed(out);
        }
        if appended {
            self.answer_parked_fetches(node, now_us, out);
        }
    }

    fn leader_hints(&self, request: &ProduceRequest) -> Vec<(u32, Option<NodeId>)> {
        request
            .batches
            .iter()
            .map(|b| &self.partitions[b.partition as usize])
            .filter(|p| p.leader != Some(request.destination))
            .map(|p| (p.id, p.leader))
            .collect()
    }

    fn advance_high_watermark(&mut self, p: u32, now_us: u64, trace: &mut Trace) {
        let min_isr = self.config.min_insync_replicas;
        let part = &mut self.partitions[p as usize];
        if part.maybe_increment_high_watermark(min_isr) {
            trace.emit(
                now_us,
                EventKind::HighWatermark {
                    partition: p,
                    offset: part.high_watermark,
                },
            );
        }
    }

    /// `DelayedProduce.tryComplete` for every parked acks=all request.
    fn try_complete_delayed(&mut self, out: &mut Outbox) {
        let min_isr = self.config.min_insync_replicas;
        let partitions = &self.partitions;
        for d in self.delayed.iter_mut() {
            d.pending.retain(|&(batch, p, required, base)| {
                let part = &partitions[p as usize];
                let result = if part.leader != Some(d.broker) {
                    Some(Some(Errors::NotLeaderOrFollower))
                } else {
                    part.check_enough_replicas_reach_offset(required, min_isr)
                };
                match result {
                    None => true,
                    Some(error) => {
                        let base_offset = if error.is_none() { base } else { -1 };
                        d.done.push((
                            batch,
                            PartitionResponse {
                                error,
                                base_offset,
                                duplicate: false,
                            },
                        ));
                        false
                    }
                }
            });
        }
        for d in self.delayed.extract_if(.., |d| d.pending.is_empty()) {
            out.produce_responses.push(ProduceResponse {
                request: d.request,
                node: d.broker,
                partitions: d.done,
                leader_hints: Vec::new(),
            });
        }
    }

    /// The purgatory timeout: what is still waiting gets REQUEST_TIMED_OUT.
    pub fn expire_delayed(&mut self, broker: NodeId, request: RequestId, out: &mut Outbox) {
        let Some(i) = self
            .delayed
            .iter()
            .position(|d| d.broker == broker && d.request == request)
        else {
            return;
        };
        let mut d = self.delayed.remove(i);
        for (batch, ..) in d.pending.drain(..) {
            d.done.push((
                batch,
                PartitionResponse {
                    error: Some(Errors::RequestTimedOut),
                    base_offset: -1,
                    duplicate: false,
                },
            ));
        }
        if self.is_alive(broker) {
            out.produce_responses.push(ProduceResponse {
                request,
                node: broker,
                partitions: d.done,
                leader_hints: Vec::new(),
            });
        }
    }

    /// A follower's fetch reaches the leader: record its progress, then answer with new data
    /// or park the fetch for up to `replica.fetch.wait.max.ms`.
    pub fn handle_fetch(
        &mut self,
        fetch: FetchRequest,
        now_us: u64,
        trace: &mut Trace,
        out: &mut Outbox,
    ) {
        let (f, l) = (fetch.follower, fetch.leader);
        if !self.is_alive(l) || !self.is_alive(f) {
            self.sessions.remove(&(f, l));
            return;
        }
        for &(p, offset) in &fetch.offsets {
            let part = &mut self.partitions[p as usize];
            if part.leader != Some(l) {
                continue;
            }
            part.update_follower_fetch_state(f, offset, now_us);
            if part.maybe_expand_isr(f) {
                trace.emit(
                    now_us,
                    EventKind::IsrChanged {
                        partition: p,
                        isr: part.isr.clone(),
                    },
                );
            }
            self.advance_high_watermark(p, now_us, trace);
        }
        self.try_complete_delayed(out);
        if self.has_fetch_data(&fetch)
            || fetch
                .offsets
                .iter()
                .all(|(p, _)| self.partitions[*p as usize].leader != Some(l))
        {
            out.fetch_responses.push(FetchResponse {
                follower: f,
                leader: l,
                data: self.fetch_data(&fetch),
            });
        } else {
            let session = self.next_session;
            self.next_session += 1;
            self.parked_fetches.insert((f, l), (fetch, session));
            out.timers.push((
                now_us + self.config.replica_fetch_wait_max_us,
                ClusterTimer::FetchWaitExpiry {
                    follower: f,
                    leader: l,
                    session,
                },
            ));
        }
    }

    /// Whether [`Self::fetch_data`] would hold a batch: a partition still led by the fetch's
    /// leader has batches at or past the fetch offset (without copying them).
    fn has_fetch_data(&self, fetch: &FetchRequest) -> bool {
        fetch.offsets.iter().any(|&(p, offset)| {
            let part = &self.partitions[p as usize];
            part.leader == Some(fetch.leader)
                && part.replicas[&fetch.leader]
                    .batches
                    .back()
                    .is_some_and(|last| last.next_offset() > offset)
        })
    }

    fn fetch_data(&self, fetch: &FetchRequest) -> Vec<(u32, Vec<LogBatch>)> {
        fetch
            .offsets
            .iter()
            .filter(|(p, _)| self.partitions[*p as usize].leader == Some(fetch.leader))
            .map(|&(p, offset)| {
                (
                    p,
                    self.partitions[p as usize].replicas[&fetch.leader].batches_from(offset),
                )
            })
            .collect()
    }

    fn answer_parked_fetches(&mut self, leader: NodeId, _now_us: u64, out: &mut Outbox) {
        let keys: Vec<(NodeId, NodeId)> = self
            .parked_fetches
            .keys()
            .filter(|(_, l)| *l == leader)
            .copied()
            .collect();
        for key in keys {
            let (fetch, _) = &self.parked_fetches[&key];
            if self.has_fetch_data(fetch) {
                let data = self.fetch_data(fetch);
                self.parked_fetches.remove(&key);
                out.fetch_responses.push(FetchResponse {
                    follower: key.0,
                    leader: key.1,
                    data,
                });
            }
        }
    }

    /// `replica.fetch.wait.max.ms` passed with no new data: answer empty.
    pub fn fetch_wait_expired(
        &mut self,
        follower: NodeId,
        leader: NodeId,
        session: u64,
        out: &mut Outbox,
    ) {
        if self
            .parked_fetches
            .get(&(follower, leader))
            .is_some_and(|(_, s)| *s == session)
        {
            self.parked_fetches.remove(&(follower, leader));
            out.fetch_responses.push(FetchResponse {
                follower,
                leader,
                data: Vec::new(),
            });
        }
    }

    /// The fetch response reaches the follower: append, then fetch again.
    pub fn handle_fetch_response(
        &mut self,
        resp: FetchResponse,
        now_us: u64,
        trace: &mut Trace,
        out: &mut Outbox,
    ) {
        let (f, l) = (resp.follower, resp.leader);
        if !self.is_alive(f) {
            self.sessions.remove(&(f, l));
            return;
        }
        for (p, batches) in resp.data {
            let part = &mut self.partitions[p as usize];
            if part.leader != Some(l) || !part.assignment.contains(&f) {
                continue;
            }
            let replica = part.replicas.get_mut(&f).expect("assigned");
            let mut copied = false;
            for b in batches {
                if b.base_offset == replica.log_end_offset() {
                    replica.append_as_follower(b);
                    copied = true;
                }
            }
            if copied {
                trace.emit(
                    now_us,
                    EventKind::Replicated {
                        node: f,
                        partition: p,
                        log_end_offset: replica.log_end_offset(),
                    },
                );
            }
        }
        self.send_fetch(f, l, now_us, out);
    }

    /// `replica.lag.time.max.ms` check (Kafka runs it every half of that interval).
    pub fn isr_expiration(&mut self, now_us: u64, trace: &mut Trace, out: &mut Outbox) {
        let lag = self.config.replica_lag_time_max_us;
        for p in 0..self.partitions.len() {
            let part = &mut self.partitions[p];
            if part.leader.is_some_and(|l| self.brokers[&l].alive)
                && !part.maybe_shrink_isr(now_us, lag).is_empty()
            {
                trace.emit(
                    now_us,
                    EventKind::IsrChanged {
                        partition: p as u32,
                        isr: part.isr.clone(),
                    },
                );
                self.advance_high_watermark(p as u32, now_us, trace);
            }
        }
        self.try_complete_delayed(out);
    }

    /// The broker's process dies. Its requests and fetches vanish; the controller notices only
    /// after `broker.session.timeout.ms`.
    pub fn crash(&mut self, node: NodeId, now_us: u64, trace: &mut Trace, out: &mut Outbox) {
        let Some(b) = self.brokers.get_mut(&node) else {
            return;
        };
        if !b.alive {
            return;
        }
        b.alive = false;
        b.incarnation += 1;
        let incarnation = b.incarnation;
        self.delayed.retain(|d| d.broker != node);
        self.parked_fetches
            .retain(|(f, l), _| *f != node && *l != node);
        self.sessions.retain(|(f, l), ()| *f != node && *l != node);
        trace.emit(now_us, EventKind::BrokerCrashed { node });
        out.timers.push((
            now_us + self.config.broker_session_timeout_us,
            ClusterTimer::FenceBroker {
                broker: node,
                incarnation,
            },
        ));
    }

    /// The controller fences a broker whose session expired: it leaves every ISR (KIP-841) and
    /// its partitions get a new leader from the remaining ISR, or go offline.
    pub fn fence(
        &mut self,
        node: NodeId,
        incarnation: u64,
        now_us: u64,
        trace: &mut Trace,
        out: &mut Outbox,
    ) {
        if self
            .brokers
            .get(&node)
            .is_none_or(|b| b.alive || b.incarnation != incarnation)
        {
            return;
        }
        trace.emit(now_us, EventKind::BrokerFenced { node });
        for p in 0..self.partitions.len() {
            let part = &mut self.partitions[p];
            if !part.assignment.contains(&node) {
                continue;
            }
            let was_leader = part.leader == Some(node);
            if part.isr.len() > 1 || !was_leader {
                part.isr.retain(|n| *n != node);
            }
            if was_leader {
                let brokers = &self.brokers;
                let next = part
                    .assignment
                    .iter()
                    .copied()
                    .find(|n| part.isr.contains(n) && brokers[n].alive);
                match next {
                    Some(l) => {
                        part.become_leader(l, now_us);
                        trace.emit(
                            now_us,
                            EventKind::LeaderElected {
                                partition: p as u32,
                                leader: l,
                                epoch: part.leader_epoch,
                            },
                        );
                        self.truncate_followers(p, now_us, trace);
                    }
                    None => {
                        part.leader = None;
                        trace.emit(
                            now_us,
                            EventKind::PartitionOffline {
                                partition: p as u32,
                            },
                        );
                    }
                }
            }
            let part = &self.partitions[p];
            trace.emit(
                now_us,
                EventKind::IsrChanged {
                    partition: p as u32,
                    isr: part.isr.clone(),
                },
            );
        }
        self.try_complete_delayed(out);
        self.start_missing_sessions(now_us, out);
    }

    fn truncate_followers(&mut self, p: usize, now_us: u64, trace: &mut Trace) {
        let part = &mut self.partitions[p];
        let followers: Vec<NodeId> = part
            .assignment
            .iter()
            .copied()
            .filter(|n| Some(*n) != part.leader)
            .collect();
        for f in followers {
            if !self.brokers[&f].alive {
                continue;
            }
            let lost = part.truncate_follower(f);
            if lost > 0 {
                trace.emit(
                    now_us,
                    EventKind::Truncated {
                        node: f,
                        partition: p as u32,
                        records: lost,
                    },
                );
            }
        }
    }

    /// The broker comes back: it truncates to its leaders' logs and fetches to catch up. An
    /// offline partition whose last ISR member returns gets it as leader.
    pub fn restart(&mut self, node: NodeId, now_us: u64, trace: &mut Trace, out: &mut Outbox) {
        let Some(b) = self.brokers.get_mut(&node) else {
            return;
        };
        if b.alive {
            return;
        }
        b.alive = true;
        b.slow_until_us = 0;
        trace.emit(now_us, EventKind::BrokerRestarted { node });
        for p in 0..self.partitions.len() {
            let part = &mut self.partitions[p];
            if !part.assignment.contains(&node) {
                continue;
            }
            if part.leader.is_none() && part.isr.contains(&node) {
                part.become_leader(node, now_us);
                trace.emit(
                    now_us,
                    EventKind::LeaderElected {
                        partition: p as u32,
                        leader: node,
                        epoch: part.leader_epoch,
                    },
                );
                self.truncate_followers(p, now_us, trace);
            } else if part.leader.is_some_and(|l| l != node) {
                let lost = part.truncate_follower(node);
                if lost > 0 {
                    trace.emit(
                        now_us,
                        EventKind::Truncated {
                            node,
                            partition: p as u32,
                            records: lost,
                        },
                    );
                }
            }
        }
        self.start_missing_sessions(now_us, out);
    }

    /// The follower sends no fetch until `until_us`; its ISR membership lapses after the lag limit.
    pub fn slow_follower(&mut self, node: NodeId, until_us: u64) {
        if let Some(b) = self.brokers.get_mut(&node) {
            b.slow_until_us = until_us;
        }
    }
}
