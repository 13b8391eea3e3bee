//! The discrete-event loop. It alone owns virtual time: every component is called with `now`
//! and answers with what happened and when it next needs a turn. Events at the same time run
//! in the order they were scheduled, so a run is a pure function of its scenario and seed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::broker::Broker;
use crate::event::{EventKind, PartitionMethod, Trace};
use crate::produce_request::{ProduceRequest, ProduceResponse};
use crate::producer::built_in_partitioner::{murmur2, partition_for_key};
use crate::producer::metadata::{Metadata, NodeId};
use crate::producer::producer_batch::SerializedRecord;
use crate::producer::producer_config::{ConfigException, ProducerConfig};
use crate::producer::record_accumulator::RecordAccumulator;
use crate::producer::sender::{Delivery, Sender};
use crate::producer::serializer::{Serializer, StringSerializer};
use crate::producer::transaction_manager::{ProducerIdAndEpoch, TransactionManager};
use crate::rng::{SimRng, Stream};
use crate::scenario::{KeyChoice, Scenario, ScenarioError};

/// Something scheduled to happen at a virtual time.
#[derive(Debug)]
enum Action {
    /// The application calls `send()` for its next record.
    AppSend,
    /// The sender's poll timeout ran out.
    SenderWakeup,
    RequestArrives(ProduceRequest),
    ResponseArrives(ProduceResponse),
    InitProducerIdArrives {
        node: NodeId,
    },
    InitProducerIdAnswered(ProducerIdAndEpoch),
}

#[derive(Debug)]
struct Scheduled {
    at_us: u64,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at_us, self.seq) == (other.at_us, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at_us, self.seq).cmp(&(other.at_us, other.seq))
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

/// One run of the producer against the simulated cluster.
pub struct Simulation {
    pub scenario: Scenario,
    pub config: ProducerConfig,
    pub metadata: Metadata,
    pub accumulator: RecordAccumulator,
    pub sender: Sender,
    pub transaction_manager: Option<TransactionManager>,
    pub brokers: Vec<Broker>,
    pub deliveries: Vec<Delivery>,
    pub trace: Trace,
    queue: BinaryHeap<Reverse<Scheduled>>,
    next_seq: u64,
    now_us: u64,
    sender_wakeup_at: Option<u64>,
    records_sent: u64,
    workload_rng: SimRng,
    partitioner_rng: SimRng,
    backoff_rng: SimRng,
}

impl Simulation {
    /// Validates the scenario and sets up the producer and cluster at time 0.
    /// `keep_trace` holds every event for reading (the trace hash is computed either way).
    pub fn new(scenario: Scenario, keep_trace: bool) -> Result<Self, SetupError> {
        scenario.validate().map_err(SetupError::Scenario)?;
        let config = ProducerConfig::from_props(scenario.profile, &scenario.producer)
            .map_err(SetupError::Config)?;
        let brokers_n = scenario.cluster.brokers;
        let partitions = scenario.cluster.partitions;
        // Leaders are spread round-robin over brokers 1..=N, as partition assignment does.
        let leaders: Vec<Option<NodeId>> =
            (0..partitions).map(|p| Some(p % brokers_n + 1)).collect();
        let metadata = Metadata {
            topic: scenario.cluster.topic.clone(),
            leaders,
        };
        let brokers = (1..=brokers_n)
            .map(|id| Broker::new(id, metadata.partitions_for_node(id)))
            .collect();
        let seed = scenario.seed;
        let mut sim = Simulation {
            accumulator: RecordAccumulator::new(&config, partitions),
            sender: Sender::new(&config),
            transaction_manager: config
                .enable_idempotence
                .then(|| TransactionManager::new(partitions)),
            config,
            metadata,
            brokers,
            deliveries: Vec::new(),
            trace: Trace::new(keep_trace),
            queue: BinaryHeap::new(),
            next_seq: 0,
            now_us: 0,
            sender_wakeup_at: None,
            records_sent: 0,
            workload_rng: SimRng::new(seed, Stream::Workload),
            partitioner_rng: SimRng::new(seed, Stream::Partitioner),
            backoff_rng: SimRng::new(seed, Stream::Backoff),
            scenario,
        };
        if sim.scenario.workload.records > 0 {
            sim.schedule(0, Action::AppSend);
        }
        sim.schedule(0, Action::SenderWakeup);
        sim.sender_wakeup_at = Some(0);
        Ok(sim)
    }

    fn schedule(&mut self, at_us: u64, action: Action) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Reverse(Scheduled { at_us, seq, action }));
    }

    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    pub fn records_sent(&self) -> u64 {
        self.records_sent
    }

    /// Time of the next pending event, if any.
    pub fn next_event_at(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse(s)| s.at_us)
    }

    /// True when nothing is left to happen.
    pub fn is_finished(&self) -> bool {
        self.queue.is_empty()
    }

    /// Processes the next event. Returns false when there is none.
    pub fn step(&mut self) -> bool {
        while let Some(Reverse(next)) = self.queue.pop() {
            self.now_us = next.at_us;
            if let Action::SenderWakeup = next.action {
                if self.sender_wakeup_at != Some(next.at_us) {
                    continue; // superseded by an earlier or later wake-up
                }
                self.sender_wakeup_at = None;
            }
            self.handle(next.action);
            self.run_sender();
            return true;
        }
        false
    }

    /// Processes every event up to and including `t_us`, then sets the clock to `t_us`.
    pub fn run_until(&mut self, t_us: u64) {
        while self.next_event_at().is_some_and(|at| at <= t_us) {
            self.step();
        }
        self.now_us = self.now_us.max(t_us);
    }

    /// Runs until no event is left or `limit_us` of virtual time has passed.
    pub fn run_to_completion(&mut self, limit_us: u64) {
        while self.next_event_at().is_some_and(|at| at <= limit_us) {
            self.step();
        }
    }

    fn handle(&mut self, action: Action) {
        let now = self.now_us;
        match action {
            Action::AppSend => self.app_send(),
            Action::SenderWakeup => {}
            Action::RequestArrives(request) => {
                let broker = &mut self.brokers[(request.destination - 1) as usize];
                let response = broker.handle_produce_request(&request);
                for (batch, pr) in &response.partitions {
                    let wire = request
                        .batches
                        .iter()
                        .find(|b| b.batch == *batch)
                        .expect("answered batch was sent");
                    let kind = match pr.error {
                        None => EventKind::BrokerAppended {
                            node: broker.id,
                            partition: wire.partition,
                            batch: *batch,
                            base_offset: pr.base_offset,
                            records: wire.records.len(),
                            duplicate: pr.duplicate,
                        },
                        Some(e) => EventKind::BrokerRejected {
                            node: broker.id,
                            partition: wire.partition,
                            batch: *batch,
                            error: e.name().to_string(),
                        },
                    };
                    self.trace.emit(now, kind);
                }
                if request.acks != crate::producer::producer_config::Acks::None {
                    let at = now + self.scenario.network.one_way_latency_us;
                    self.schedule(at, Action::ResponseArrives(response));
                }
            }
            Action::ResponseArrives(response) => {
                self.sender.handle_produce_response(
                    response,
                    now,
                    &mut self.accumulator,
                    self.transaction_manager.as_mut(),
                    &mut self.trace,
                    &mut self.deliveries,
                );
            }
            Action::InitProducerIdArrives { node } => {
                let (producer_id, epoch) = self.brokers[(node - 1) as usize].init_producer_id();
                let at = now + self.scenario.network.one_way_latency_us;
                self.schedule(
                    at,
                    Action::InitProducerIdAnswered(ProducerIdAndEpoch { producer_id, epoch }),
                );
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
        }
    }

    /// `KafkaProducer.doSend`: serialize, partition, append; then schedule the next send.
    fn app_send(&mut self) {
        let now = self.now_us;
        let id = self.records_sent;
        self.records_sent += 1;
        let w = &self.scenario.workload;
        let key = match w.keys {
            KeyChoice::Null => None,
            KeyChoice::Pool { count } => {
                Some(format!("key-{}", self.workload_rng.below(count as u64)))
            }
            KeyChoice::Unique => Some(format!("key-{id}")),
        };
        let value = make_value(id, w.value_bytes);
        self.trace.emit(
            now,
            EventKind::Send {
                record: id,
                key: key.clone(),
                value: Some(value.clone()),
            },
        );
        let topic = &self.scenario.cluster.topic;
        let key_bytes = StringSerializer.serialize(topic, key.as_deref());
        let value_bytes = StringSerializer.serialize(topic, Some(&value));
        self.trace.emit(
            now,
            EventKind::Serialized {
                record: id,
                key_bytes: key_bytes.as_ref().map(Vec::len),
                value_bytes: value_bytes.as_ref().map(Vec::len),
            },
        );
        let n = self.metadata.num_partitions();
        let keyed = key_bytes
            .as_ref()
            .filter(|_| !self.config.partitioner_ignore_keys);
        let partition = keyed.map(|k| partition_for_key(k, n));
        let record = SerializedRecord {
            id,
            key: key_bytes.clone(),
            value: value_bytes,
            headers: Vec::new(),
            timestamp_ms: (now / 1000) as i64,
        };
        let result = self
            .accumulator
            .append(partition, record, now, &mut self.partitioner_rng);
        let how = match keyed {
            Some(k) => PartitionMethod::Keyed {
                murmur2: murmur2(k),
                num_partitions: n,
            },
            None => PartitionMethod::Sticky,
        };
        self.trace.emit(
            now,
            EventKind::Partitioned {
                record: id,
                partition: result.partition,
                how,
            },
        );
        self.trace.emit(
            now,
            EventKind::Appended {
                record: id,
                partition: result.partition,
                batch: result.batch,
                new_batch: result.new_batch_created,
                batch_bytes: result.batch_bytes,
            },
        );
        if let Some(to) = result.switched_to {
            self.trace.emit(now, EventKind::StickySwitched { to });
        }
        let w = &self.scenario.workload;
        if self.records_sent < w.records {
            let at = self.records_sent * 1_000_000 / w.records_per_second as u64;
            self.schedule(at, Action::AppSend);
        }
    }

    /// Runs the sender until it sends nothing more now, then schedules its next wake-up.
    fn run_sender(&mut self) {
        let now = self.now_us;
        for _ in 0..64 {
            let out = self.sender.run_once(
                now,
                &mut self.accumulator,
                &self.metadata,
                self.transaction_manager.as_mut(),
                &mut self.backoff_rng,
                &mut self.trace,
                &mut self.deliveries,
            );
            let latency = self.scenario.network.one_way_latency_us;
            if let Some(node) = out.init_producer_id {
                self.trace.emit(now, EventKind::InitProducerIdSent { node });
                self.schedule(now + latency, Action::InitProducerIdArrives { node });
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
                self.schedule(now + latency, Action::RequestArrives(request));
            }
        }
    }
}

/// A readable value of exactly `bytes` bytes: `v<id>` padded with dots (cut if too long).
fn make_value(id: u64, bytes: usize) -> String {
    let mut v = format!("v{id}");
    v.truncate(bytes);
    while v.len() < bytes {
        v.push('.');
    }
    v
}
