//! What the learner follows through the stages: a record, a batch or a request, by the
//! identities the model has. A record is its `send()` number. A batch is a `ProducerBatch` id:
//! a retry re-enqueues the same batch (its `attempts` grows), so the id holds across retries.
//! A split (MESSAGE_TOO_LARGE, `splitAndReenqueue`) makes new batches: Kafka completes the big
//! batch and chains its records' futures to the pieces, so the selection follows the records
//! into the pieces. A request is a ProduceRequest id (one per send to a node).
//!
//! [`Follow`] reads the trace incrementally: each call folds only the events since the last
//! call (a new selection folds the events the page keeps once), and the model's state answers
//! where the selection is now. Panels ask it cheap questions (a sorted list, a few ids).

use producer_sim::Simulation;
use producer_sim::event::{EventKind, Outcome, SimEvent};
use producer_sim::produce_request::RequestId;
use producer_sim::producer::metadata::NodeId;
use producer_sim::producer::producer_batch::{BatchId, ProducerBatch, RecordId};

/// The thing the learner clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selected {
    Record(RecordId),
    Batch(BatchId),
    Request(RequestId),
}

impl Selected {
    /// "record #12", "batch 12", "request 40".
    pub fn name(self) -> String {
        match self {
            Selected::Record(r) => format!("record #{r}"),
            Selected::Batch(b) => format!("batch {b}"),
            Selected::Request(q) => format!("request {q}"),
        }
    }
}

/// A broker's append of one followed batch (`BrokerAppended`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Written {
    batch: BatchId,
    node: NodeId,
    partition: u32,
    base_offset: i64,
    records: usize,
    duplicate: bool,
}

/// The selection and what the trace has told about it so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Follow {
    selected: Option<Selected>,
    /// `Trace::len()` at the last read: the events before it are folded in.
    seen: u64,
    /// Events were dropped by the bounded trace before they were read.
    gap: bool,
    /// The records it covers, ascending.
    records: Vec<RecordId>,
    /// The batches carrying them, with their partitions; a split adds its pieces.
    batches: Vec<(BatchId, u32)>,
    /// Batches whose records are still to be read from the model's state.
    unresolved: Vec<BatchId>,
    /// Requests that carried the batches, with their destination, oldest first.
    requests: Vec<(RequestId, Option<NodeId>)>,
    written: Vec<Written>,
    /// Split batches and their pieces.
    splits: Vec<(BatchId, Vec<BatchId>)>,
    /// The last error a broker or the client gave the batches.
    last_error: Option<String>,
    /// A record: its `send()` was seen; its callback's partition and outcome.
    sent: bool,
    outcome: Option<(u32, Outcome)>,
    /// A request: its response arrived.
    answered: bool,
    acked: u64,
    failed: u64,
}

impl Follow {
    pub fn selected(&self) -> Option<Selected> {
        self.selected
    }

    /// Selects `what`, or clears the selection if `what` is selected already.
    pub fn toggle(&mut self, what: Selected) {
        let next = (self.selected != Some(what)).then_some(what);
        *self = Follow {
            selected: next,
            ..Follow::default()
        };
    }

    pub fn clear(&mut self) {
        *self = Follow::default();
    }

    /// A new run (reset, new settings, a move on the timeline): the same selection, learnt
    /// again from the new run's trace.
    pub fn restart(&mut self) {
        let selected = self.selected;
        *self = Follow::default();
        self.selected = selected;
    }

    pub fn has_record(&self, record: RecordId) -> bool {
        self.records.binary_search(&record).is_ok()
    }

    pub fn has_batch(&self, batch: BatchId) -> bool {
        self.batches.iter().any(|(b, _)| *b == batch)
    }

    pub fn has_request(&self, request: RequestId) -> bool {
        self.selected == Some(Selected::Request(request))
            || self.requests.last().is_some_and(|(q, _)| *q == request)
    }

    /// A partition the selection writes to.
    pub fn has_partition(&self, partition: u32) -> bool {
        self.batches.iter().any(|(_, p)| *p == partition)
            || self.outcome.as_ref().is_some_and(|(p, _)| *p == partition)
    }

    /// The end (exclusive) of the selection's offsets written to `partition`, if any.
    pub fn written_end(&self, partition: u32) -> Option<i64> {
        if let Some((p, Outcome::Acked { offset })) = &self.outcome {
            return (*p == partition && *offset >= 0).then_some(offset + 1);
        }
        self.written
            .iter()
            .filter(|w| w.partition == partition)
            .map(|w| w.base_offset + w.records as i64)
            .max()
    }

    /// The broker connection a selected request is on.
    pub fn request_node(&self) -> Option<NodeId> {
        match self.selected {
            Some(Selected::Request(q)) => self
                .requests
                .iter()
                .find(|(r, _)| *r == q)
                .and_then(|(_, n)| *n),
            _ => None,
        }
    }

    /// Reads the events the trace gained since the last call. Cheap when there are none.
    pub fn observe(&mut self, sim: &Simulation) {
        let Some(selected) = self.selected else {
            return;
        };
        let total = sim.trace.len();
        if total == self.seen {
            return;
        }
        let events = sim.trace.events();
        let first = total - events.len() as u64;
        let fresh = self.seen == 0;
        if fresh {
            // Learn from the state first: the fold below then counts every callback.
            self.seed_from_state(selected, sim);
        }
        let start = if self.seen < first {
            self.gap |= self.seen > 0;
            0
        } else {
            (self.seen - first) as usize
        };
        for i in start..events.len() {
            self.fold(selected, sim, events, i);
        }
        self.seen = total;
        self.resolve(selected, sim);
    }

    /// A live batch or request is read straight from the model.
    fn seed_from_state(&mut self, selected: Selected, sim: &Simulation) {
        match selected {
            Selected::Batch(b) => {
                if let Some(batch) = live_batch(sim, b, None) {
                    self.batches.push((b, batch.partition));
                    self.unresolved.push(b);
                }
            }
            Selected::Request(q) => {
                if let Some((_, node, ids)) = sim.sender.in_flight_requests().find(|r| r.0 == q) {
                    self.requests.push((q, Some(node)));
                    for id in ids {
                        if let Some(batch) = sim.sender.in_flight_batch(*id) {
                            self.batches.push((*id, batch.partition));
                            self.unresolved.push(*id);
                        }
                    }
                }
            }
            Selected::Record(r) => {
                // A record still in the accumulator or in flight: its batch.
                let carrier = in_flight_batches(sim)
                    .chain(
                        (0..sim.metadata.num_partitions()).flat_map(|p| sim.accumulator.deque(p)),
                    )
                    .find(|b| b.records.iter().any(|x| x.id == r));
                if let Some(b) = carrier {
                    self.batches.push((b.id, b.partition));
                }
            }
        }
        self.resolve(selected, sim);
    }

    fn fold(&mut self, selected: Selected, sim: &Simulation, events: &[SimEvent], i: usize) {
        match &events[i].kind {
            EventKind::Send { record, .. } if selected == Selected::Record(*record) => {
                self.sent = true;
            }
            EventKind::Appended {
                record,
                partition,
                batch,
                ..
            } => {
                if selected == Selected::Record(*record) {
                    self.batches = vec![(*batch, *partition)];
                } else if selected == Selected::Batch(*batch) {
                    if !self.has_batch(*batch) {
                        self.batches.push((*batch, *partition));
                    }
                    self.add_record(*record);
                }
            }
            EventKind::BatchSplit {
                batch,
                partition,
                into,
            } if self.has_batch(*batch) => {
                self.splits.push((*batch, into.clone()));
                self.last_error = Some("MESSAGE_TOO_LARGE".into());
                if let Selected::Record(_) = selected {
                    // Which piece holds the record is read from the state (`resolve`).
                    self.batches.retain(|(b, _)| b != batch);
                }
                for piece in into {
                    self.batches.push((*piece, *partition));
                }
            }
            EventKind::Drained {
                batch,
                partition,
                request,
                ..
            } => {
                if selected == Selected::Request(*request) {
                    if !self.requests.iter().any(|(q, _)| q == request) {
                        self.requests.push((*request, None));
                    }
                    if !self.has_batch(*batch) {
                        self.batches.push((*batch, *partition));
                        self.learn_records(sim, events, i, *batch);
                    }
                } else if self.has_batch(*batch)
                    && self.requests.last().is_none_or(|(q, _)| q != request)
                {
                    self.requests.push((*request, None));
                }
            }
            EventKind::RequestSent { request, node, .. } => {
                if let Some(r) = self.requests.iter_mut().find(|(q, _)| q == request) {
                    r.1 = Some(*node);
                }
            }
            EventKind::BrokerAppended {
                node,
                partition,
                batch,
                base_offset,
                records,
                duplicate,
            } if self.has_batch(*batch) => {
                let w = Written {
                    batch: *batch,
                    node: *node,
                    partition: *partition,
                    base_offset: *base_offset,
                    records: *records,
                    duplicate: *duplicate,
                };
                match self.written.iter_mut().find(|x| x.batch == *batch) {
                    Some(x) => *x = w,
                    None => self.written.push(w),
                }
            }
            EventKind::BrokerRejected { batch, error, .. }
            | EventKind::BatchRetried { batch, error, .. }
                if self.has_batch(*batch) =>
            {
                self.last_error = Some(error.clone());
            }
            EventKind::ResponseReceived { request, .. }
                if selected == Selected::Request(*request) =>
            {
                self.answered = true;
            }
            EventKind::Callback {
                record,
                partition,
                outcome,
            } if self.has_record(*record) => {
                match outcome {
                    Outcome::Acked { .. } => self.acked += 1,
                    Outcome::Failed { error, .. } => {
                        self.failed += 1;
                        self.last_error = Some(error.clone());
                    }
                }
                if selected == Selected::Record(*record) {
                    self.outcome = Some((*partition, outcome.clone()));
                }
            }
            _ => {}
        }
    }

    fn add_record(&mut self, record: RecordId) {
        if let Err(at) = self.records.binary_search(&record) {
            self.records.insert(at, record);
        }
    }

    /// The records of a batch a request carries: from the model if the batch is still there,
    /// else from the `Appended` events before `i` (back to the batch's first record).
    fn learn_records(&mut self, sim: &Simulation, events: &[SimEvent], i: usize, batch: BatchId) {
        if let Some(b) = live_batch(sim, batch, None) {
            for r in b.records.iter() {
                self.add_record(r.id);
            }
            return;
        }
        for e in events[..i].iter().rev() {
            match &e.kind {
                EventKind::Appended {
                    record,
                    batch: b,
                    new_batch,
                    ..
                } if *b == batch => {
                    self.add_record(*record);
                    if *new_batch {
                        return;
                    }
                }
                // A piece of a split has no `Appended` events of its own.
                EventKind::BatchSplit { into, .. } if into.contains(&batch) => return,
                _ => {}
            }
        }
    }

    /// Reads from the model what the trace cannot say: the records of live batches, and which
    /// piece of a split holds a followed record.
    fn resolve(&mut self, selected: Selected, sim: &Simulation) {
        for id in std::mem::take(&mut self.unresolved) {
            let partition = self.batches.iter().find(|(b, _)| *b == id).map(|x| x.1);
            if let Some(b) = live_batch(sim, id, partition) {
                for r in b.records.iter() {
                    self.add_record(r.id);
                }
            }
        }
        if let (Selected::Record(r), true) = (selected, self.batches.len() > 1) {
            let holder = self.batches.iter().copied().find(|(id, p)| {
                live_batch(sim, *id, Some(*p)).is_some_and(|b| b.records.iter().any(|x| x.id == r))
            });
            if let Some(h) = holder {
                self.batches = vec![h];
            }
        }
        if let Selected::Record(r) = selected {
            self.records = vec![r];
        }
    }

    /// One line: what is selected and where it is now.
    pub fn caption(&self, sim: &Simulation) -> Option<String> {
        let selected = self.selected?;
        let gap = if self.gap {
            " (some events were older than the trace the page keeps)"
        } else {
            ""
        };
        let text = match selected {
            Selected::Record(r) => self.record_caption(sim, r),
            Selected::Batch(b) => self.batch_caption(sim, b),
            Selected::Request(q) => self.request_caption(sim, q),
        };
        Some(format!("{text}{gap}"))
    }

    fn record_caption(&self, sim: &Simulation, r: RecordId) -> String {
        match &self.outcome {
            Some((p, Outcome::Acked { offset })) if *offset >= 0 => {
                return format!(
                    "record #{r}: delivered to partition {p} at offset {offset}; its callback fired{}",
                    log_note(sim, *p, *offset, 1, |id| id == r)
                );
            }
            Some((p, Outcome::Acked { .. })) => {
                return format!(
                    "record #{r}: sent to partition {p}; its callback fired with no offset (acks=0)"
                );
            }
            Some((_, Outcome::Failed { error, .. })) => {
                return format!("record #{r}: failed with {error}; its callback got the error");
            }
            None => {}
        }
        if let Some((b, p)) = self.batches.first() {
            return format!(
                "record #{r} in batch {b} of partition {p}: {}",
                self.batch_place(sim, *b, *p)
            );
        }
        if r >= sim.records_sent() {
            format!("record #{r}: not sent yet at this moment")
        } else if self.sent {
            format!("record #{r}: in send(), not yet in a batch")
        } else {
            format!("record #{r}: no longer in view (older than the trace the page keeps)")
        }
    }

    fn batch_caption(&self, sim: &Simulation, b: BatchId) -> String {
        match self.batches.iter().find(|(id, _)| *id == b) {
            Some((_, p)) => format!(
                "batch {b} of partition {p}: {}",
                self.batch_place(sim, b, *p)
            ),
            None => format!(
                "batch {b}: not in view at this moment (not made yet, or older than the trace the page keeps)"
            ),
        }
    }

    /// Where one batch is now: accumulator, in flight, written, split or failed.
    fn batch_place(&self, sim: &Simulation, b: BatchId, p: u32) -> String {
        let callbacks = self.callback_note();
        if let Some(batch) = sim.accumulator.deque(p).find(|x| x.id == b) {
            return if batch.attempts > 0 {
                format!(
                    "back in the accumulator to retry{}, attempt {} next",
                    self.last_error
                        .as_ref()
                        .map_or(String::new(), |e| format!(" after {e}")),
                    batch.attempts + 1
                )
            } else {
                format!(
                    "in the accumulator, {} records, {} B",
                    batch.record_count(),
                    batch.size_in_bytes
                )
            };
        }
        if let Some(batch) = sim.sender.in_flight_batch(b) {
            let request = sim.sender.in_flight_requests().find(|r| r.2.contains(&b));
            let mut text = match request {
                Some((q, node, _)) => format!(
                    "in flight to broker {node} in request {q}, attempt {}",
                    batch.attempts + 1
                ),
                None => format!("in flight, attempt {}", batch.attempts + 1),
            };
            if let Some(w) = self.written.iter().find(|w| w.batch == b) {
                text.push_str(&format!(
                    "; written at {}, waiting for the response",
                    offsets(w.base_offset, w.records)
                ));
            }
            return text;
        }
        if self.splits.iter().any(|(s, _)| *s == b) {
            // Its records are in the newest pieces (a piece can be split again, KAFKA-8350).
            let pieces: Vec<BatchId> = self
                .batches
                .iter()
                .map(|(x, _)| *x)
                .filter(|x| *x != b && !self.splits.iter().any(|(s, _)| s == x))
                .collect();
            let times = match self.splits.len() {
                1 => String::new(),
                n => format!(" ({n} splits)"),
            };
            let parts: Vec<String> = pieces
                .iter()
                .take(3)
                .map(|x| format!("batch {x} ({})", self.batch_place(sim, *x, p)))
                .collect();
            let more = if pieces.len() > 3 { ", …" } else { "" };
            return format!(
                "split after MESSAGE_TOO_LARGE{times}; its records are in {}{more}",
                parts.join(", ")
            );
        }
        if let Some(w) = self.written.iter().find(|w| w.batch == b) {
            let verb = if w.duplicate {
                format!(
                    "recognised as a duplicate by broker {} (first written at {})",
                    w.node,
                    offsets(w.base_offset, w.records)
                )
            } else {
                format!(
                    "written by broker {} at {}",
                    w.node,
                    offsets(w.base_offset, w.records)
                )
            };
            let replicas = replica_note(sim, w.partition, w.base_offset + w.records as i64);
            let log = log_note(sim, w.partition, w.base_offset, w.records, |id| {
                self.has_record(id)
            });
            return format!("{verb}{replicas}{log}{callbacks}");
        }
        if self.failed > 0 {
            return format!(
                "failed with {}{callbacks}",
                self.last_error.as_deref().unwrap_or("an error")
            );
        }
        format!("no longer in view{callbacks}")
    }

    /// "; 14 of 14 callbacks fired" (with the failures, if any).
    fn callback_note(&self) -> String {
        let fired = self.acked + self.failed;
        if fired == 0 || matches!(self.selected, Some(Selected::Record(_))) {
            return String::new();
        }
        let failed = if self.failed > 0 {
            format!(", {} with an error", self.failed)
        } else {
            String::new()
        };
        format!(
            "; {fired} of {} callbacks fired{failed}",
            self.records.len().max(fired as usize)
        )
    }

    fn request_caption(&self, sim: &Simulation, q: RequestId) -> String {
        let node = self.request_node();
        let to = node.map_or(String::new(), |n| format!(" to broker {n}"));
        let list = |sim: &Simulation| {
            self.batches
                .iter()
                .take(6)
                .map(|(b, p)| format!("batch {b} of P{p}: {}", self.batch_place_short(sim, *b, *p)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if sim.sender.in_flight_requests().any(|r| r.0 == q) {
            let parts: Vec<String> = self
                .batches
                .iter()
                .map(|(b, p)| format!("{b} (P{p})"))
                .collect();
            return format!(
                "request {q}{to}: in flight with batch{} {}, {} records",
                if parts.len() == 1 { "" } else { "es" },
                parts.join(", "),
                self.records.len()
            );
        }
        if self.batches.is_empty() {
            return format!(
                "request {q}: not in view at this moment (not sent yet, or older than the trace the page keeps)"
            );
        }
        let state = if self.answered {
            "answered"
        } else {
            "no response (connection closed, timed out or lost)"
        };
        format!(
            "request {q}{to}: {state}; {}{}",
            list(sim),
            self.callback_note()
        )
    }

    /// Where a request's batch went after the response, in a few words.
    fn batch_place_short(&self, sim: &Simulation, b: BatchId, p: u32) -> String {
        if sim.accumulator.deque(p).any(|x| x.id == b) {
            return "back in the accumulator to retry".into();
        }
        if let Some((q, node, _)) = sim.sender.in_flight_requests().find(|r| r.2.contains(&b)) {
            return format!("in flight again to broker {node} in request {q}");
        }
        if let Some((_, pieces)) = self.splits.iter().rev().find(|(s, _)| *s == b) {
            return format!(
                "split into {}",
                pieces
                    .iter()
                    .map(|x| format!("batch {x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        match self.written.iter().find(|w| w.batch == b) {
            Some(w) => offsets(w.base_offset, w.records),
            None => "failed".into(),
        }
    }
}

/// The batch, if it is in the accumulator (of `partition`, when known) or in flight.
fn live_batch(sim: &Simulation, id: BatchId, partition: Option<u32>) -> Option<&ProducerBatch> {
    if let Some(b) = sim.sender.in_flight_batch(id) {
        return Some(b);
    }
    match partition {
        Some(p) => sim.accumulator.deque(p).find(|b| b.id == id),
        None => (0..sim.metadata.num_partitions())
            .flat_map(|p| sim.accumulator.deque(p))
            .find(|b| b.id == id),
    }
}

fn in_flight_batches(sim: &Simulation) -> impl Iterator<Item = &ProducerBatch> {
    sim.sender
        .in_flight_requests()
        .flat_map(|(_, _, ids)| ids.iter())
        .filter_map(|id| sim.sender.in_flight_batch(*id))
}

/// "offset 7" or "offsets 7–9".
fn offsets(base: i64, records: usize) -> String {
    if records <= 1 {
        format!("offset {base}")
    } else {
        format!("offsets {base}–{}", base + records as i64 - 1)
    }
}

/// ", on 2 of 3 replicas, committed" for offsets below `end` of a replicated partition.
fn replica_note(sim: &Simulation, partition: u32, end: i64) -> String {
    let Some(part) = sim.cluster.partitions.get(partition as usize) else {
        return String::new();
    };
    let committed = if part.high_watermark >= end {
        ", committed"
    } else {
        ", not committed yet"
    };
    if part.assignment.len() <= 1 {
        return committed.into();
    }
    let on = part
        .replicas
        .values()
        .filter(|r| r.log_end_offset() >= end && r.log_start_offset() < end)
        .count();
    format!(", on {on} of {} replicas{committed}", part.assignment.len())
}

/// Whether the broker panel shows these offsets: gone from the leader's log (a failover
/// truncated it, or retention deleted it), or older than the cells shown.
fn log_note(
    sim: &Simulation,
    partition: u32,
    base: i64,
    records: usize,
    ours: impl Fn(RecordId) -> bool,
) -> String {
    let Some(log) = sim.partition_log(partition) else {
        return " (the partition is offline)".into();
    };
    let last = base + records as i64 - 1;
    if last < log.log_start_offset() {
        return " (deleted from the log by retention.bytes)".into();
    }
    // The record at `base` in the leader's log: one of ours, or lost in a failover.
    let at = log.batches.partition_point(|b| b.base_offset <= base);
    let here = at
        .checked_sub(1)
        .and_then(|i| log.batches.get(i))
        .filter(|b| base < b.next_offset())
        .and_then(|b| b.records.iter().nth((base - b.base_offset) as usize))
        .map(|r| r.id);
    if !here.is_some_and(ours) {
        return " (no longer in the leader's log: lost when leadership moved)".into();
    }
    if last < log.log_end_offset() - super::LOG_CELLS as i64 {
        return " (older than the log cells shown)".into();
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use producer_sim::Scenario;
    use producer_sim::scenario::{ClusterSpec, KeyChoice, Workload};

    fn sim(records: u64, rate: u32) -> Simulation {
        let sc = Scenario {
            cluster: ClusterSpec {
                brokers: 3,
                partitions: 6,
                replication_factor: 3,
                ..ClusterSpec::default()
            },
            workload: Workload {
                records,
                records_per_second: rate,
                keys: KeyChoice::Pool { count: 50 },
                ..Workload::default()
            },
            ..Scenario::default()
        };
        Simulation::with_trace(sc, producer_sim::event::Trace::bounded(200_000)).unwrap()
    }

    /// Steps until `pick` finds something in the model.
    fn until<T>(sim: &mut Simulation, pick: impl Fn(&Simulation) -> Option<T>) -> T {
        for _ in 0..1_000_000 {
            if let Some(t) = pick(sim) {
                return t;
            }
            assert!(sim.step(), "the run ended first");
        }
        panic!("never found");
    }

    fn run(sim: &mut Simulation, follow: &mut Follow, steps: usize) {
        for _ in 0..steps {
            if !sim.step() {
                break;
            }
            follow.observe(sim);
        }
    }

    #[test]
    fn the_same_thing_again_clears_it() {
        let mut f = Follow::default();
        f.toggle(Selected::Batch(3));
        assert_eq!(f.selected(), Some(Selected::Batch(3)));
        f.toggle(Selected::Request(3));
        assert_eq!(f.selected(), Some(Selected::Request(3)));
        f.toggle(Selected::Request(3));
        assert_eq!(f.selected(), None);
        f.toggle(Selected::Record(1));
        f.clear();
        assert_eq!(f.selected(), None);
    }

    /// A batch in the accumulator: its records, its partition; then in flight in a request;
    /// then written, replicated and acknowledged, every callback counted.
    #[test]
    fn a_batch_is_followed_from_the_accumulator_to_its_callbacks() {
        let mut sim = sim(2_000, 20_000);
        let (id, p, records) = until(&mut sim, |s| {
            (0..6)
                .flat_map(|p| s.accumulator.deque(p))
                .find(|b| b.record_count() >= 3)
                .map(|b| {
                    (
                        b.id,
                        b.partition,
                        b.records.iter().map(|r| r.id).collect::<Vec<_>>(),
                    )
                })
        });
        let mut f = Follow::default();
        f.toggle(Selected::Batch(id));
        f.observe(&sim);
        assert!(records.iter().all(|r| f.has_record(*r)), "{records:?}");
        assert!(!f.has_record(records[0] + 100_000));
        assert!(f.has_batch(id) && f.has_partition(p));
        assert!(
            f.caption(&sim)
                .unwrap()
                .starts_with(&format!("batch {id} of partition {p}: in the accumulator")),
            "{:?}",
            f.caption(&sim)
        );
        // Until it leaves in a request.
        while sim.sender.in_flight_batch(id).is_none() {
            assert!(sim.step());
            f.observe(&sim);
        }
        let (q, node, _) = sim
            .sender
            .in_flight_requests()
            .find(|r| r.2.contains(&id))
            .unwrap();
        assert!(f.has_request(q));
        let caption = f.caption(&sim).unwrap();
        assert_eq!(
            caption,
            format!(
                "batch {id} of partition {p}: in flight to broker {node} in request {q}, attempt 1"
            )
        );
        // Records appended to it before it closed are covered too.
        let all: Vec<u64> = sim
            .sender
            .in_flight_batch(id)
            .unwrap()
            .records
            .iter()
            .map(|r| r.id)
            .collect();
        assert!(all.iter().all(|r| f.has_record(*r)));
        while sim.sender.in_flight_batch(id).is_some() {
            assert!(sim.step());
            f.observe(&sim);
        }
        let caption = f.caption(&sim).unwrap();
        let n = all.len();
        assert!(
            caption.contains(&format!("written by broker {node} at offsets")),
            "{caption}"
        );
        assert!(
            caption.contains(&format!(
                "on 3 of 3 replicas, committed; {n} of {n} callbacks fired"
            )),
            "{caption}"
        );
    }

    /// A request: its batches, their partitions, its connection; after the response, where its
    /// batches went and the callbacks of their records.
    #[test]
    fn a_request_covers_its_batches_and_their_records() {
        let mut sim = sim(2_000, 20_000);
        let (q, node, ids) = until(&mut sim, |s| {
            s.sender
                .in_flight_requests()
                .find(|r| r.2.len() >= 2)
                .map(|(q, n, ids)| (q, n, ids.to_vec()))
        });
        let mut f = Follow::default();
        f.toggle(Selected::Request(q));
        f.observe(&sim);
        assert_eq!(f.request_node(), Some(node));
        assert!(f.has_request(q) && !f.has_request(q + 1));
        let mut count = 0;
        for id in &ids {
            let b = sim.sender.in_flight_batch(*id).unwrap();
            assert!(f.has_batch(*id) && f.has_partition(b.partition));
            assert!(b.records.iter().all(|r| f.has_record(r.id)));
            count += b.record_count();
        }
        let caption = f.caption(&sim).unwrap();
        assert!(
            caption.starts_with(&format!(
                "request {q} to broker {node}: in flight with batches "
            )),
            "{caption}"
        );
        assert!(
            caption.ends_with(&format!(", {count} records")),
            "{caption}"
        );
        run(&mut sim, &mut f, 200_000);
        let caption = f.caption(&sim).unwrap();
        assert!(
            caption.starts_with(&format!("request {q} to broker {node}: answered; batch ")),
            "{caption}"
        );
        assert!(
            caption.ends_with(&format!("{count} of {count} callbacks fired")),
            "{caption}"
        );
    }

    /// The same answers when the selection is made after the fact (the history the page keeps
    /// is folded once), and when the run is re-made (a move on the timeline).
    #[test]
    fn a_selection_made_later_or_after_a_restart_learns_the_same() {
        let mut sim = sim(600, 20_000);
        let (q, _, _) = until(&mut sim, |s| {
            s.sender
                .in_flight_requests()
                .next()
                .map(|(q, n, _)| (q, n, ()))
        });
        let mut live = Follow::default();
        live.toggle(Selected::Request(q));
        live.observe(&sim);
        run(&mut sim, &mut live, 1_000_000);
        let mut late = Follow::default();
        late.toggle(Selected::Request(q));
        late.observe(&sim);
        assert_eq!(late.caption(&sim), live.caption(&sim));
        assert_eq!(late.records, live.records);
        live.restart();
        live.observe(&sim);
        assert_eq!(live.caption(&sim), late.caption(&sim));
    }

    /// A record: its batch, then its offset; an unsent one says so.
    #[test]
    fn a_record_is_followed_to_its_offset() {
        let mut sim = sim(400, 20_000);
        let mut f = Follow::default();
        f.toggle(Selected::Record(5));
        f.observe(&sim);
        assert_eq!(
            f.caption(&sim).unwrap(),
            "record #5: not sent yet at this moment"
        );
        run(&mut sim, &mut f, 1_000_000);
        let d = sim.deliveries.iter().find(|d| d.record == 5).unwrap();
        let Outcome::Acked { offset } = d.outcome else {
            panic!()
        };
        let caption = f.caption(&sim).unwrap();
        assert!(
            caption.starts_with(&format!(
                "record #5: delivered to partition {} at offset {offset}; its callback fired",
                d.partition
            )),
            "{caption}"
        );
        assert!(f.has_record(5) && !f.has_record(6) && f.has_partition(d.partition));
    }

    /// MESSAGE_TOO_LARGE: the split batch's records go on in its pieces, and the selection
    /// follows them there.
    #[test]
    fn a_split_batch_is_followed_into_its_pieces() {
        let sc = Scenario {
            producer: [
                ("linger.ms", "50"),
                ("delivery.timeout.ms", "3000"),
                ("request.timeout.ms", "2000"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            cluster: ClusterSpec {
                partitions: 1,
                max_message_bytes: 10_000,
                ..ClusterSpec::default()
            },
            workload: Workload {
                records: 400,
                records_per_second: 10_000,
                keys: KeyChoice::Pool { count: 1 },
                ..Workload::default()
            },
            ..Scenario::default()
        };
        let mut sim = Simulation::new(sc, true).unwrap();
        let id = until(&mut sim, |s| {
            s.accumulator.deque(0).find(|b| b.is_full()).map(|b| b.id)
        });
        let mut f = Follow::default();
        f.toggle(Selected::Batch(id));
        f.observe(&sim);
        let records = f.records.clone();
        while f.splits.is_empty() {
            assert!(sim.step());
            f.observe(&sim);
        }
        let piece = f.splits[0].1[0];
        assert!(f.has_batch(id) && f.has_batch(piece));
        assert_eq!(f.records, records, "the same records");
        let caption = f.caption(&sim).unwrap();
        assert!(
            caption.starts_with(&format!(
                "batch {id} of partition 0: split after MESSAGE_TOO_LARGE; its records are in batch {piece} ("
            )),
            "{caption}"
        );
        // batch.size above max.message.bytes: the piece is split again and again until
        // delivery.timeout.ms fails it; the caption names the newest piece and the outcome.
        run(&mut sim, &mut f, 1_000_000);
        assert!(f.splits.len() > 2, "{}", f.splits.len());
        let caption = f.caption(&sim).unwrap();
        let newest = f.splits.last().unwrap().1[0];
        assert!(
            caption.starts_with(&format!(
                "batch {id} of partition 0: split after MESSAGE_TOO_LARGE ({} splits); its records are in batch {newest} (failed with ",
                f.splits.len()
            )),
            "{caption}"
        );
        assert!(caption.len() < 300, "{caption}");
    }

    /// acks=1 and a failover: acknowledged records that the new leader never had are shown
    /// as lost, the others as delivered (checked against the leader's log).
    #[test]
    fn an_acknowledged_record_lost_in_a_failover_says_so() {
        let text = include_str!("../../scenarios/acks1-failover-loses-writes.toml");
        let sc = Scenario::parse(text, true).unwrap();
        let mut sim = Simulation::new(sc, true).unwrap();
        sim.run_to_completion(u64::MAX);
        let in_log: Vec<RecordId> = sim
            .partition_log(0)
            .unwrap()
            .entries()
            .map(|e| e.record)
            .collect();
        let mut lost = 0;
        for d in sim.deliveries.clone() {
            let mut f = Follow::default();
            f.toggle(Selected::Record(d.record));
            f.observe(&sim);
            let caption = f.caption(&sim).unwrap();
            assert!(
                caption.contains("delivered to partition 0 at offset"),
                "{caption}"
            );
            let gone = caption.contains("lost when leadership moved");
            assert_eq!(gone, !in_log.contains(&d.record), "{caption}");
            lost += usize::from(gone);
        }
        assert!(lost > 0 && lost < sim.deliveries.len(), "{lost} lost");
    }
}
