//! The discrete-event loop. It alone owns virtual time: every component is called with `now`
//! and answers with what happened and when it next needs a turn. Events at the same time run
//! in the order they were scheduled, so a run is a pure function of its scenario and seed.
//! Faults are data: the scenario's fault timeline is scheduled like any other event.

use litemap::LiteMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::broker::cluster::{ClusterTimer, FetchRequest, FetchResponse, Outbox};
use crate::broker::{Cluster, ClusterConfig};
use crate::event::{EventKind, Trace};
use crate::produce_request::{ProduceRequest, ProduceResponse};
use crate::producer::metadata::{Metadata, NodeId};
use crate::producer::partitioner::Partitioner;
use crate::producer::producer_config::{ConfigException, ProducerConfig};
use crate::producer::record_accumulator::RecordAccumulator;
use crate::producer::sender::{Delivery, Sender, SenderContext};
use crate::producer::transaction_manager::{ProducerIdAndEpoch, TransactionManager};
use crate::protocol::Errors;
use crate::rng::{SimRng, Stream};
use crate::scenario::{Fault, Scenario, ScenarioError};

mod application;
mod producer_calls;
pub use application::AppState;
pub use producer_calls::CallState;

/// Something scheduled to happen at a virtual time.
#[derive(Debug)]
enum Action {
    /// The application calls `send()` for its next record.
    AppSend,
    /// A blocked `send()` reached `max.block.ms`.
    SendBlockTimeout {
        record: u64,
    },
    /// The application is done sending: it closes the producer, or exits without flushing.
    AppFinish,
    /// The application calls `flush()` or `close()`.
    Call(crate::scenario::ProducerCall),
    /// `close(timeout)` ran out of time.
    CloseTimeout,
    /// The sender's poll timeout ran out.
    SenderWakeup,
    RequestArrives(ProduceRequest),
    ResponseArrives(ProduceResponse),
    InitProducerIdArrives {
        node: NodeId,
    },
    InitProducerIdAnswered(ProducerIdAndEpoch),
    /// The InitProducerId request got no answer within request.timeout.ms.
    InitProducerIdLost,
    MetadataArrives {
        node: NodeId,
    },
    MetadataAnswered(Vec<Option<NodeId>>),
    MetadataLost,
    FetchArrives(FetchRequest),
    FetchResponseArrives(FetchResponse),
    Cluster(ClusterTimer),
    IsrExpiration,
    Fault(Fault),
    /// A cut between the client and a broker heals.
    Heal {
        broker: NodeId,
    },
}

/// Faults and producer calls run before anything else at the same time, so one injected
/// during a run and the same one replayed from the scenario land at the same point.
/// Ordered by (time, class, sequence); sequences are unique, so `slot` never decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Scheduled {
    at_us: u64,
    class: u8,
    seq: u64,
    /// Where its action waits in [`EventQueue::actions`].
    slot: u32,
}

/// The pending events: a heap of small keys, the actions beside it in a slab, so sifting the
/// heap moves keys only.
#[derive(Debug, Default)]
struct EventQueue {
    heap: BinaryHeap<Reverse<Scheduled>>,
    actions: slab::Slab<Action>,
}

impl EventQueue {
    fn push(&mut self, at_us: u64, class: u8, seq: u64, action: Action) {
        let slot = self.actions.insert(action) as u32;
        self.heap.push(Reverse(Scheduled {
            at_us,
            class,
            seq,
            slot,
        }));
    }

    fn peek(&self) -> Option<&Scheduled> {
        self.heap.peek().map(|Reverse(s)| s)
    }

    fn pop(&mut self) -> Option<(Scheduled, Action)> {
        let Reverse(next) = self.heap.pop()?;
        Some((next, self.actions.remove(next.slot as usize)))
    }
}

/// Why a scenario could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    Config(ConfigException),
    Scenario(ScenarioError),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::Config(e) => e.fmt(f),
            SetupError::Scenario(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SetupError {}

/// Network faults between the producer and one broker.
#[derive(Debug, Clone, Copy, Default)]
struct LinkFaults {
    drop_next_request: bool,
    drop_next_response: bool,
    cut_until_us: u64,
}

/// One run of the producer against the simulated cluster.
pub struct Simulation {
    pub scenario: Scenario,
    pub config: ProducerConfig,
    pub metadata: Metadata,
    pub accumulator: RecordAccumulator,
    pub sender: Sender,
    pub transaction_manager: Option<TransactionManager>,
    pub partitioner: Partitioner,
    pub cluster: Cluster,
    /// Delivery reports in the order the callbacks fired: all of them, or only the newest
    /// when [`Simulation::keep_callbacks`] bounds them.
    pub deliveries: Vec<Delivery>,
    /// Reports dropped from the front of `deliveries` to keep memory bounded.
    deliveries_dropped: u64,
    callbacks_cap: Option<usize>,
    pub trace: Trace,
    pub app: AppState,
    queue: EventQueue,
    /// Queued faults, producer calls and requests on their way: a run is not finished while
    /// any is left (counted, so `is_finished` need not scan the queue).
    queued_unfinished: usize,
    /// The application's next `send()` as (time, sequence): the one event every record has,
    /// kept beside the queue and ordered with it by the same (time, class, sequence) key.
    next_send: Option<(u64, u64)>,
    next_seq: u64,
    now_us: u64,
    sender_wakeup_at: Option<u64>,
    records_sent: u64,
    links: LiteMap<NodeId, LinkFaults>,
    /// Per direction of each connection (node 0 is the producer): when its last message
    /// finished transmitting and when it arrived, to keep bandwidth and FIFO order.
    wires: LiteMap<(NodeId, NodeId), (u64, u64)>,
    /// Which brokers the sender can reach, rebuilt for each `run_once` in a reused buffer.
    reachable_buffer: Vec<bool>,
    network_rng: SimRng,
    workload_rng: SimRng,
    partitioner_rng: SimRng,
    backoff_rng: SimRng,
}

impl Simulation {
    /// Validates the scenario and sets up the producer and cluster at time 0.
    /// `keep_trace` holds every event for reading (the trace hash is computed either way).
    pub fn new(scenario: Scenario, keep_trace: bool) -> Result<Self, SetupError> {
        Self::with_trace(scenario, Trace::new(keep_trace))
    }

    /// As `new`, with a given trace (`Trace::off()` for benchmarks).
    pub fn with_trace(scenario: Scenario, trace: Trace) -> Result<Self, SetupError> {
        scenario.validate().map_err(SetupError::Scenario)?;
        let config = ProducerConfig::from_props(scenario.profile, &scenario.producer)
            .map_err(SetupError::Config)?;
        let c = &scenario.cluster;
        let cluster = Cluster::new(ClusterConfig {
            brokers: c.brokers,
            partitions: c.partitions,
            replication_factor: c.replication_factor,
            min_insync_replicas: c.min_insync_replicas as usize,
            replica_lag_time_max_us: c.replica_lag_time_max_ms * 1000,
            broker_session_timeout_us: c.broker_session_timeout_ms * 1000,
            replica_fetch_wait_max_us: c.replica_fetch_wait_max_ms * 1000,
            max_message_bytes: c.max_message_bytes,
            retention_bytes: c.retention_bytes,
        });
        let metadata = Metadata {
            topic: c.topic.clone(),
            leaders: cluster.leaders(),
            broker_count: c.brokers,
        };
        let seed = scenario.seed;
        let partitions = c.partitions;
        let mut sim = Simulation {
            accumulator: RecordAccumulator::new(&config, partitions),
            sender: Sender::new(&config),
            transaction_manager: config
                .enable_idempotence
                .then(|| TransactionManager::new(partitions)),
            partitioner: Partitioner::from_config(&config),
            config,
            metadata,
            cluster,
            deliveries: Vec::new(),
            deliveries_dropped: 0,
            callbacks_cap: None,
            app: AppState::default(),
            trace,
            queue: EventQueue::default(),
            queued_unfinished: 0,
            next_send: None,
            next_seq: 0,
            now_us: 0,
            sender_wakeup_at: None,
            records_sent: 0,
            links: LiteMap::new_vec(),
            wires: LiteMap::new_vec(),
            reachable_buffer: Vec::new(),
            network_rng: SimRng::new(seed, Stream::Network),
            workload_rng: SimRng::new(seed, Stream::Workload),
            partitioner_rng: SimRng::new(seed, Stream::Partitioner),
            backoff_rng: SimRng::new(seed, Stream::Backoff),
            scenario,
        };
        sim.app.callback_latency =
            crate::metrics::percentiles::SampledLatencies::new(sim.scenario.workload.records);
        if sim.scenario.workload.records > 0 {
            sim.schedule_send(0);
        }
        let faults = sim.scenario.faults.clone();
        for f in faults {
            sim.schedule(f.at_ms * 1000, Action::Fault(f.fault));
        }
        let calls = sim.scenario.calls.clone();
        for c in calls {
            sim.schedule(c.at_ms * 1000, Action::Call(c.call));
        }
        let mut out = Outbox::default();
        sim.cluster.start(0, &mut out);
        sim.deliver(out);
        if sim.scenario.cluster.replication_factor > 1 {
            sim.schedule(sim.isr_check_interval(), Action::IsrExpiration);
        }
        sim.schedule(0, Action::SenderWakeup);
        sim.sender_wakeup_at = Some(0);
        Ok(sim)
    }

    fn isr_check_interval(&self) -> u64 {
        (self.scenario.cluster.replica_lag_time_max_ms * 1000 / 2).max(1)
    }

    /// Schedules the application's next `send()`.
    fn schedule_send(&mut self, at_us: u64) {
        if self.next_send.is_some() {
            return self.schedule(at_us, Action::AppSend);
        }
        self.next_send = Some((at_us, self.next_seq));
        self.next_seq += 1;
    }

    /// Faults and producer calls (class 0) run before other events at the same time.
    fn class_of(action: &Action) -> u8 {
        u8::from(!matches!(action, Action::Fault(_) | Action::Call(_)))
    }

    /// Events that keep a run from being finished while they are queued.
    fn holds_the_run(action: &Action) -> bool {
        matches!(
            action,
            Action::Fault(_) | Action::RequestArrives(_) | Action::Call(_)
        )
    }

    fn schedule(&mut self, at_us: u64, action: Action) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let class = Self::class_of(&action);
        self.queued_unfinished += usize::from(Self::holds_the_run(&action));
        self.queue.push(at_us, class, seq, action);
    }

    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    pub fn records_sent(&self) -> u64 {
        self.records_sent
    }

    /// Time of the next pending event that matters, if any.
    pub fn next_event_at(&self) -> Option<u64> {
        let queued = self.queue.peek().map(|s| s.at_us);
        match (self.next_send, queued) {
            (Some((send_at, _)), Some(at)) => Some(send_at.min(at)),
            (Some((send_at, _)), None) => Some(send_at),
            (None, queued) => queued,
        }
    }

    /// The next event in (time, class, sequence) order: the application's `send()` or the
    /// head of the queue.
    fn pop_next(&mut self) -> Option<(u64, Action)> {
        let send_first = match (self.next_send, self.queue.peek()) {
            (Some((at, seq)), Some(head)) => {
                (at, Self::class_of(&Action::AppSend), seq) < (head.at_us, head.class, head.seq)
            }
            (send, _) => send.is_some(),
        };
        if send_first {
            let (at, _) = self.next_send.take().expect("checked");
            return Some((at, Action::AppSend));
        }
        let (next, action) = self.queue.pop()?;
        self.queued_unfinished -= usize::from(Self::holds_the_run(&action));
        Some((next.at_us, action))
    }

    /// True when every record has its callback, every sent request has reached its broker,
    /// and no fault is still to come. Replication and ISR checks go on forever and do not count.
    pub fn is_finished(&self) -> bool {
        if self.app.exited {
            return true;
        }
        (self.records_sent >= self.scenario.workload.records || self.app.calls.closed)
            && self.delivered_count() >= self.records_sent
            && !self.app.calls.blocking_call_open()
            && self.queued_unfinished == 0
    }

    /// Processes the next event. Returns false when there is none.
    pub fn step(&mut self) -> bool {
        if self.is_finished() {
            return false;
        }
        while let Some((at_us, action)) = self.pop_next() {
            self.now_us = at_us;
            if let Action::SenderWakeup = action {
                if self.sender_wakeup_at != Some(at_us) {
                    continue; // superseded by an earlier or later wake-up
                }
                self.sender_wakeup_at = None;
            }
            // `sender.wakeup()` follows an append only when it opened or filled a batch.
            if self.handle(action) {
                self.run_sender();
            }
            self.observe_callbacks();
            self.trim_callbacks();
            return true;
        }
        false
    }

    /// Keeps only the newest `cap` to `2 × cap` delivery reports, so a long run's memory does
    /// not grow with its records (with `retention.bytes`, logs are bounded too). Counts still
    /// cover every report.
    pub fn keep_callbacks(&mut self, cap: usize) {
        self.callbacks_cap = Some(cap.max(1));
    }

    /// How many delivery callbacks have fired, including dropped reports.
    pub fn delivered_count(&self) -> u64 {
        self.deliveries_dropped + self.deliveries.len() as u64
    }

    fn trim_callbacks(&mut self) {
        let Some(cap) = self.callbacks_cap else {
            return;
        };
        if self.deliveries.len() >= cap * 2 {
            let drop = self.deliveries.len() - cap;
            self.deliveries.drain(..drop);
            self.deliveries_dropped += drop as u64;
            self.app.deliveries_trimmed(drop);
        }
    }

    /// Processes every event up to and including `t_us`, then sets the clock to `t_us`.
    pub fn run_until(&mut self, t_us: u64) {
        while !self.is_finished() && self.next_event_at().is_some_and(|at| at <= t_us) {
            self.step();
        }
        self.now_us = self.now_us.max(t_us);
    }

    /// Runs until every record has its callback or `limit_us` of virtual time has passed.
    pub fn run_to_completion(&mut self, limit_us: u64) {
        while !self.is_finished() && self.next_event_at().is_some_and(|at| at <= limit_us) {
            self.step();
        }
    }

    /// When a message of `bytes` sent at `send_us` from `from` arrives at `to`: it waits for
    /// the link, occupies it for its transmission time, then travels the latency plus jitter,
    /// and never overtakes an earlier message on the same connection.
    fn transit(&mut self, from: NodeId, to: NodeId, bytes: usize, send_us: u64) -> u64 {
        // The broker's own link for client traffic, the slower one between brokers.
        let link = self.scenario.network.params_between(from, to);
        let (latency, jitter, bandwidth) = (
            link.one_way_latency_us,
            link.jitter_us,
            link.bandwidth_bytes_per_second,
        );
        if jitter == 0 && bandwidth == 0 {
            return send_us + latency;
        }
        let (busy_until, last_arrival) = self.wires.get(&(from, to)).copied().unwrap_or((0, 0));
        let start = send_us.max(busy_until);
        let tx = if bandwidth == 0 {
            0
        } else {
            (bytes as u64).saturating_mul(1_000_000).div_ceil(bandwidth)
        };
        let extra = if jitter == 0 {
            0
        } else {
            self.network_rng.below(jitter + 1)
        };
        let arrival = (start + tx + latency + extra).max(last_arrival);
        self.wires.insert((from, to), (start + tx, arrival));
        arrival
    }

    fn link(&mut self, broker: NodeId) -> &mut LinkFaults {
        self.links.entry(broker).or_default()
    }

    /// The producer can connect to the broker: it is up and the network lets messages through.
    fn reachable(&self, broker: NodeId) -> bool {
        self.cluster.is_alive(broker) && !self.cut(broker)
    }

    fn cut(&self, broker: NodeId) -> bool {
        self.links
            .get(&broker)
            .is_some_and(|l| l.cut_until_us > self.now_us)
    }

    /// Schedules what the cluster sent; the client link's faults apply to produce responses.
    fn deliver(&mut self, out: Outbox) {
        let now = self.now_us;
        for response in out.produce_responses {
            let node = response.node;
            let link = self.link(node);
            if std::mem::take(&mut link.drop_next_response) || self.cut(node) {
                self.trace.emit(
                    now,
                    EventKind::Dropped {
                        what: format!("response to request {}", response.request),
                        node,
                    },
                );
                continue;
            }
            let bytes = 64 + 32 * response.partitions.len();
            let at = self.transit(node, 0, bytes, now);
            self.schedule(at, Action::ResponseArrives(response));
        }
        for (at, fetch) in out.fetch_requests {
            let arrive = self.transit(
                fetch.follower,
                fetch.leader,
                64 + 16 * fetch.offsets.len(),
                at,
            );
            self.schedule(arrive, Action::FetchArrives(fetch));
        }
        for resp in out.fetch_responses {
            let bytes = 64
                + resp
                    .data
                    .iter()
                    .flat_map(|(_, b)| b.iter())
                    .map(|b| b.size_in_bytes)
                    .sum::<usize>();
            let at = self.transit(resp.leader, resp.follower, bytes, now);
            self.schedule(at, Action::FetchResponseArrives(resp));
        }
        for (at, timer) in out.timers {
            self.schedule(at, Action::Cluster(timer));
        }
    }

    fn sender_cx(&mut self) -> (&mut Sender, SenderContext<'_>) {
        (
            &mut self.sender,
            SenderContext {
                acc: &mut self.accumulator,
                metadata: &mut self.metadata,
                tm: self.transaction_manager.as_mut(),
                trace: &mut self.trace,
                deliveries: &mut self.deliveries,
                rng: &mut self.backoff_rng,
            },
        )
    }

    /// Handles one action; returns whether the sender thread wakes up.
    fn handle(&mut self, action: Action) -> bool {
        if let Action::AppSend = action
            && !self.app.calls.blocking()
        {
            // The event of every record, without the cluster's outbox.
            let wake_sender = self.app_send();
            return wake_sender | self.app_progress();
        }
        let now = self.now_us;
        let mut out = Outbox::default();
        let mut wake_sender = true;
        match action {
            Action::AppSend | Action::AppFinish if self.app.calls.blocking() => {
                // The thread is in `flush()`/`close()`; after `close()` it sends nothing more.
                self.defer_workload_step();
                wake_sender = false;
            }
            Action::AppSend => wake_sender = self.app_send(),
            Action::SendBlockTimeout { record } => self.send_block_timeout(record),
            Action::AppFinish => self.app_finish(),
            Action::Call(call) => self.queue_call(call),
            Action::CloseTimeout => self.close_timeout(),
            Action::SenderWakeup => {}
            Action::RequestArrives(request) => {
                if self.reachable(request.destination) {
                    self.cluster
                        .handle_produce(&request, now, &mut self.trace, &mut out);
                }
            }
            Action::ResponseArrives(response) => {
                if !self.cut(response.node) {
                    let (sender, mut cx) = self.sender_cx();
                    sender.handle_produce_response(response, now, &mut cx);
                }
            }
            Action::InitProducerIdArrives { node } => {
                if self.reachable(node) {
                    let (producer_id, epoch) = self.cluster.init_producer_id();
                    let at = self.transit(node, 0, 64, now);
                    self.schedule(
                        at,
                        Action::InitProducerIdAnswered(ProducerIdAndEpoch { producer_id, epoch }),
                    );
                } else {
                    let timeout = self.config.request_timeout_ms * 1000;
                    self.schedule(now + timeout, Action::InitProducerIdLost);
                }
            }
            Action::InitProducerIdAnswered(pid) => {
                self.trace.emit(
                    now,
                    EventKind::ProducerIdAssigned {
                        producer_id: pid.producer_id,
                        epoch: pid.epoch,
                    },
                );
                if let Some(tm) = self.transaction_manager.as_mut() {
                    tm.set_producer_id_and_epoch(pid);
                }
            }
            Action::InitProducerIdLost => {
                if let Some(tm) = self.transaction_manager.as_mut() {
                    tm.retry_init_producer_id();
                }
            }
            Action::MetadataArrives { node } => {
                if self.reachable(node) {
                    let leaders = self.cluster.leaders();
                    let at = self.transit(node, 0, 64 + 8 * leaders.len(), now);
                    self.schedule(at, Action::MetadataAnswered(leaders));
                } else {
                    let timeout = self.config.request_timeout_ms * 1000;
                    self.schedule(now + timeout, Action::MetadataLost);
                }
            }
            Action::MetadataAnswered(leaders) => {
                let (sender, mut cx) = self.sender_cx();
                sender.handle_metadata_response(leaders, now, &mut cx);
            }
            Action::MetadataLost => self.sender.metadata_request_failed(),
            Action::FetchArrives(fetch) => {
                self.cluster
                    .handle_fetch(fetch, now, &mut self.trace, &mut out)
            }
            Action::FetchResponseArrives(resp) => {
                self.cluster
                    .handle_fetch_response(resp, now, &mut self.trace, &mut out)
            }
            Action::Cluster(timer) => match timer {
                ClusterTimer::DelayedProduceExpiry { broker, request } => {
                    self.cluster.expire_delayed(broker, request, &mut out)
                }
                ClusterTimer::FetchWaitExpiry {
                    follower,
                    leader,
                    session,
                } => self
                    .cluster
                    .fetch_wait_expired(follower, leader, session, &mut out),
                ClusterTimer::FenceBroker {
                    broker,
                    incarnation,
                } => self
                    .cluster
                    .fence(broker, incarnation, now, &mut self.trace, &mut out),
            },
            Action::IsrExpiration => {
                self.cluster.isr_expiration(now, &mut self.trace, &mut out);
                if !self.is_finished() {
                    let next = now + self.isr_check_interval();
                    self.schedule(next, Action::IsrExpiration);
                }
            }
            Action::Fault(fault) => self.inject(fault, &mut out),
            Action::Heal { broker } => {
                if self
                    .links
                    .get(&broker)
                    .is_some_and(|l| l.cut_until_us <= now)
                {
                    self.link(broker).cut_until_us = 0;
                }
            }
        }
        if !out.is_empty() {
            self.deliver(out);
        }
        wake_sender | self.app_progress()
    }

    /// Adds a fault at the current time, as data: it joins the scenario's timeline, so the
    /// scenario still reproduces this run from the start.
    pub fn inject_now(&mut self, fault: Fault) {
        let at_ms = self.now_us / 1000 + 1;
        self.scenario.faults.push(crate::scenario::FaultAt {
            at_ms,
            fault: fault.clone(),
        });
        self.schedule(at_ms * 1000, Action::Fault(fault));
    }

    /// Applies one fault from the timeline.
    fn inject(&mut self, fault: Fault, out: &mut Outbox) {
        let now = self.now_us;
        self.trace.emit(
            now,
            EventKind::Fault {
                fault: fault.clone(),
            },
        );
        match fault {
            Fault::CrashBroker { broker } => self.crash(broker, out),
            Fault::KillLeader { partition } => {
                if let Some(leader) = self.cluster.partitions[partition as usize].leader {
                    self.crash(leader, out);
                }
            }
            Fault::RestartBroker { broker } => {
                self.cluster.restart(broker, now, &mut self.trace, out)
            }
            Fault::DropNextRequest { broker } => self.link(broker).drop_next_request = true,
            Fault::DropNextResponse { broker } => self.link(broker).drop_next_response = true,
            Fault::SlowFollower { broker, for_ms } => {
                self.cluster.slow_follower(broker, now + for_ms * 1000)
            }
            Fault::CutClient { broker, for_ms } => {
                let until = now + for_ms * 1000;
                self.link(broker).cut_until_us = until;
                self.schedule(until, Action::Heal { broker });
            }
        }
    }

    /// A broker dies: the client's connection to it breaks at once (the OS resets it).
    fn crash(&mut self, broker: NodeId, out: &mut Outbox) {
        let now = self.now_us;
        self.cluster.crash(broker, now, &mut self.trace, out);
        let (sender, mut cx) = self.sender_cx();
        sender.disconnect(broker, Errors::NetworkException, now, &mut cx);
    }

    /// Runs the sender until it sends nothing more now, then schedules its next wake-up.
    fn run_sender(&mut self) {
        if self.app.calls.closed {
            return; // the sender thread has stopped
        }
        let now = self.now_us;
        // Which brokers a connection can reach right now (up, and not cut off); sending
        // requests changes neither.
        let mut up = std::mem::take(&mut self.reachable_buffer);
        up.clear();
        up.resize(self.scenario.cluster.brokers as usize + 1, false);
        for (&n, broker) in &self.cluster.brokers {
            if let Some(slot) = up.get_mut(n as usize).filter(|_| n > 0) {
                *slot = broker.alive && !self.cut(n);
            }
        }
        for _ in 0..64 {
            let out = {
                let (sender, mut cx) = self.sender_cx();
                sender.run_once(now, &mut cx, &|n: NodeId| {
                    up.get(n as usize).copied().unwrap_or(false)
                })
            };
            if let Some(node) = out.init_producer_id {
                self.trace.emit(now, EventKind::InitProducerIdSent { node });
                self.sender.metrics.record_request(now);
                let at = self.transit(0, node, 64, now);
                self.schedule(at, Action::InitProducerIdArrives { node });
            }
            if let Some(node) = out.metadata_request {
                self.trace.emit(now, EventKind::MetadataRequested { node });
                self.sender.metrics.record_request(now);
                let at = self.transit(0, node, 64, now);
                self.schedule(at, Action::MetadataArrives { node });
            }
            if let Some(at) = out.next_wakeup_us
                && self.sender_wakeup_at.is_none_or(|w| at < w || w < now)
            {
                self.sender_wakeup_at = Some(at);
                self.schedule(at.max(now), Action::SenderWakeup);
            }
            if out.requests.is_empty() {
                break;
            }
            for request in out.requests {
                let node = request.destination;
                let link = self.link(node);
                if std::mem::take(&mut link.drop_next_request) {
                    self.trace.emit(
                        now,
                        EventKind::Dropped {
                            what: format!("request {}", request.id),
                            node,
                        },
                    );
                    continue;
                }
                let bytes = 64
                    + request
                        .batches
                        .iter()
                        .map(|b| b.size_in_bytes)
                        .sum::<usize>();
                let at = self.transit(0, node, bytes, now);
                self.schedule(at, Action::RequestArrives(request));
            }
        }
        self.reachable_buffer = up;
    }

    /// Every record of the partition's log on its current leader (or its last leader).
    pub fn partition_log(&self, partition: u32) -> Option<&crate::broker::Replica> {
        let p = &self.cluster.partitions[partition as usize];
        let node = p.leader.or_else(|| p.isr.first().copied())?;
        p.replicas.get(&node)
    }

    /// The producer's metrics now, under Kafka's names.
    pub fn metrics(&self) -> crate::producer::sender_metrics::MetricsSnapshot {
        let pool = &self.accumulator.buffer_pool;
        let buffer = crate::producer::sender_metrics::BufferReading {
            available: pool.available_memory(),
            total: pool.total_memory(),
            waiting_threads: pool.queued() as u64,
        };
        let in_flight = self.sender.in_flight_requests().count();
        self.sender
            .metrics
            .snapshot(self.now_us, buffer, in_flight, &self.app.callback_latency)
    }
}
