//! The twin view (Real mode): runs the current workload through the model and, over a
//! connection of its own to `producer-bridge`, through the real cluster at once, paced by the
//! model's own `send()` times; then shows both side by side with [`crate::twin`]'s figures
//! and reasons.

use std::collections::BTreeMap;

use gloo_timers::callback::Interval;
use producer_sim::event::{EventKind, Outcome as SimOutcome, Trace};
use producer_sim::producer::sender::UNKNOWN_PARTITION;
use producer_sim::{Scenario, Simulation};
use producer_wire::{
    BridgeFrame, ClientFrame, Delivery, DeliveryOutcome, PROTOCOL_VERSION, Produce, ProducerFrame,
};
use yew::prelude::*;

use crate::bridge_client::{BridgeClient, BridgeEvent};
use crate::twin::{self, Fate, Outcome, Setup, Twin};

/// The most records a twin run sends (the rest of a larger workload is left out).
pub const MAX_RECORDS: u64 = 20_000;
/// How often the browser lets due records out, in ms.
const PACING_MS: u32 = 4;
/// At most this many record bytes per `produce_batch` frame (the bridge reads 4 MiB).
const FRAME_BYTES: usize = 1 << 20;
/// Records shown one by one (the figures cover them all).
const FIRST_RECORDS: usize = 12;
/// The warm-up record's id (the workload's ids count from 0).
const WARM_UP_ID: u64 = u64::MAX;
/// Re-render at most this often while records stream in, in ms.
const RENDER_EVERY_MS: f64 = 250.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The workload: the current run's scenario.
    pub scenario: Option<Scenario>,
    pub bridge_url: String,
}

pub enum Msg {
    Run,
    Cancel,
    Tick,
    Bridge(BridgeEvent),
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Connecting,
    /// One record before the clock starts: librdkafka connects, fetches the topic's metadata
    /// and gets its producer id on the first record, which the model does not time.
    WarmingUp,
    Running,
    Flushing,
    Done,
    Failed(String),
}

/// A record still to send: its id, when the model sent it (ms), key and value.
type Planned = (u64, f64, Option<String>, Option<String>);

pub struct TwinView {
    phase: Phase,
    client: Option<BridgeClient>,
    twin: Twin,
    setup: Option<Setup>,
    topic: String,
    plan: Vec<Planned>,
    next: usize,
    /// The browser's clock (ms) when the first record left.
    started_at: Option<f64>,
    left_out: u64,
    _ticker: Option<Interval>,
    last_render: f64,
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Runs the model to completion and collects each record's key, send time and callback.
fn run_model(scenario: &Scenario) -> Result<(Twin, Vec<Planned>), String> {
    let mut sim =
        Simulation::with_trace(scenario.clone(), Trace::new(true)).map_err(|e| e.to_string())?;
    sim.run_to_completion(3_600_000_000);
    let mut twin = Twin::default();
    let mut plan = Vec::new();
    for e in sim.trace.events() {
        let at_ms = e.at_us as f64 / 1000.0;
        match &e.kind {
            EventKind::Send { record, key, value } => {
                twin.keys.insert(*record, key.clone());
                twin.model.insert(*record, Fate::sent(at_ms));
                plan.push((*record, at_ms, key.clone(), value.clone()));
            }
            EventKind::Callback {
                record,
                partition,
                outcome,
            } => {
                let outcome = match outcome {
                    SimOutcome::Acked { offset } if *partition != UNKNOWN_PARTITION => {
                        Outcome::Acked {
                            partition: *partition as i32,
                            offset: *offset,
                        }
                    }
                    SimOutcome::Acked { .. } => Outcome::Failed("no partition".into()),
                    SimOutcome::Failed { error, .. } => Outcome::Failed(error.clone()),
                };
                if let Some(f) = twin.model.get_mut(record) {
                    f.done = Some((at_ms, outcome));
                }
            }
            _ => {}
        }
    }
    Ok((twin, plan))
}

fn setup_of(s: &Scenario, faults: usize, real_config: BTreeMap<String, String>) -> Setup {
    let number = |key: &str, default: u64| {
        s.producer
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Setup {
        records_per_second: s.workload.records_per_second,
        linger_ms: number("linger.ms", 5),
        batch_size: number("batch.size", 16384),
        model_partitions: s.cluster.partitions,
        one_way_latency_us: s.network.one_way_latency_us,
        jitter_us: s.network.jitter_us,
        faults,
        real_config,
        pacing_ms: f64::from(PACING_MS),
        warm_up: None,
    }
}

impl TwinView {
    fn start(&mut self, ctx: &Context<Self>) {
        let Some(scenario) = ctx.props().scenario.clone() else {
            return;
        };
        let mut s = scenario;
        let faults = s.faults.len();
        // The real cluster gets no faults, so neither does the model's twin run.
        s.faults.clear();
        self.left_out = s.workload.records.saturating_sub(MAX_RECORDS);
        s.workload.records = s.workload.records.min(MAX_RECORDS);
        self.topic = s.cluster.topic.clone();
        match run_model(&s) {
            Ok((twin, plan)) => {
                self.twin = twin;
                self.plan = plan;
            }
            Err(e) => {
                self.phase = Phase::Failed(format!("the model cannot run this scenario: {e}"));
                return;
            }
        }
        self.setup = Some(setup_of(&s, faults, BTreeMap::new()));
        self.next = 0;
        self.started_at = None;
        let link = ctx.link().clone();
        match BridgeClient::connect(&ctx.props().bridge_url, link.callback(Msg::Bridge)) {
            Ok(client) => {
                self.client = Some(client);
                self.phase = Phase::Connecting;
            }
            Err(e) => self.phase = Phase::Failed(e),
        }
        let link = ctx.link().clone();
        self._ticker = Some(Interval::new(PACING_MS, move || {
            link.send_message(Msg::Tick)
        }));
    }

    fn stop(&mut self, phase: Phase) {
        self.phase = phase;
        self._ticker = None;
        self.client = None;
    }

    /// Sends every record the model had sent by now (on the browser's clock since the start).
    fn send_due(&mut self) {
        let (Some(client), Some(started)) = (&self.client, self.started_at) else {
            return;
        };
        let elapsed = now_ms() - started;
        while self.next < self.plan.len() && self.plan[self.next].1 <= elapsed {
            let mut records = Vec::new();
            let mut bytes = 0;
            while let Some((id, _, key, value)) =
                self.plan.get(self.next).filter(|p| p.1 <= elapsed)
            {
                let size =
                    key.as_ref().map_or(0, String::len) + value.as_ref().map_or(0, String::len);
                if !records.is_empty() && bytes + size > FRAME_BYTES {
                    break;
                }
                bytes += size;
                records.push(Produce {
                    id: *id,
                    topic: self.topic.clone(),
                    key: key.clone(),
                    value: value.clone(),
                    headers: vec![],
                    partition: None,
                });
                self.next += 1;
            }
            let sent = now_ms() - started;
            for r in &records {
                self.twin.real.insert(r.id, Fate::sent(sent));
            }
            if let Err(e) = client.send(&ClientFrame::ProduceBatch { records }) {
                self.stop(Phase::Failed(e));
                return;
            }
        }
        if self.next == self.plan.len() && self.phase == Phase::Running {
            self.phase = Phase::Flushing;
            if let Err(e) = client.send(&ClientFrame::Flush) {
                self.stop(Phase::Failed(e));
            }
        }
    }

    fn delivered(&mut self, d: Delivery) {
        if d.id == WARM_UP_ID && self.phase == Phase::WarmingUp {
            match d.outcome {
                DeliveryOutcome::Acked {
                    partition, offset, ..
                } => {
                    if let Some(setup) = self.setup.as_mut() {
                        setup.warm_up = Some((partition, offset));
                    }
                    self.phase = Phase::Running;
                    self.started_at = Some(now_ms());
                    self.send_due();
                }
                DeliveryOutcome::Failed { error } => self.stop(Phase::Failed(format!(
                    "the warm-up record to {} failed: {} ({})",
                    self.topic, error.name, error.message
                ))),
            }
            return;
        }
        let Some(started) = self.started_at else {
            return;
        };
        let at = now_ms() - started;
        let Some(f) = self.twin.real.get_mut(&d.id) else {
            return;
        };
        let (outcome, bridge_ms) = match d.outcome {
            DeliveryOutcome::Acked {
                partition,
                offset,
                latency_ms,
                ..
            } => (Outcome::Acked { partition, offset }, latency_ms),
            DeliveryOutcome::Failed { error } => (Outcome::Failed(error.name), None),
        };
        f.done = Some((at, outcome));
        f.bridge_ms = bridge_ms;
    }

    /// Returns whether to render now.
    fn on_bridge(&mut self, ctx: &Context<Self>, event: BridgeEvent) -> bool {
        if let Some(why) = event.failure() {
            if let BridgeEvent::Closed(_) = event {
                // A connection closing after the run ended is not news.
                if !matches!(self.phase, Phase::Done | Phase::Failed(_)) {
                    let url = &ctx.props().bridge_url;
                    self.stop(Phase::Failed(format!(
                        "{why}; is producer-bridge running at {url}?"
                    )));
                }
            } else {
                self.stop(Phase::Failed(why));
            }
            return true;
        }
        match event {
            BridgeEvent::Open => {
                let config = ctx
                    .props()
                    .scenario
                    .as_ref()
                    .map(|s| {
                        // Inserted, not collect()ed: one stable sort fewer in the wasm bundle.
                        let mut m = BTreeMap::new();
                        m.extend(
                            s.producer
                                .iter()
                                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))),
                        );
                        m
                    })
                    .unwrap_or_default();
                if let Some(c) = &self.client {
                    let hello = ClientFrame::Hello {
                        version: PROTOCOL_VERSION,
                        token: None,
                        batch_deliveries: true,
                    };
                    let sent = c
                        .send(&hello)
                        .and_then(|()| c.send(&ClientFrame::Configure { config }));
                    if let Err(e) = sent {
                        self.stop(Phase::Failed(e));
                    }
                }
                true
            }
            BridgeEvent::Producer(ProducerFrame::Configured { config, .. }) => {
                if let Some(setup) = self.setup.as_mut() {
                    setup.real_config = config;
                }
                self.phase = Phase::WarmingUp;
                let warm_up = ClientFrame::Produce(Produce {
                    id: WARM_UP_ID,
                    topic: self.topic.clone(),
                    key: Some("producer-lab-twin-warm-up".into()),
                    value: Some("warm-up".into()),
                    headers: vec![],
                    partition: None,
                });
                if let Some(Err(e)) = self.client.as_ref().map(|c| c.send(&warm_up)) {
                    self.stop(Phase::Failed(e));
                }
                true
            }
            BridgeEvent::Producer(ProducerFrame::Stats { .. }) => false,
            BridgeEvent::Frame(BridgeFrame::Delivery(d)) => {
                let was = self.phase.clone();
                self.delivered(d);
                self.phase != was
            }
            BridgeEvent::Frame(BridgeFrame::Deliveries { deliveries }) => {
                let was = self.phase.clone();
                deliveries.into_iter().for_each(|d| self.delivered(d));
                self.phase != was
            }
            BridgeEvent::Frame(BridgeFrame::Overloaded { id, retry_after_ms }) => {
                if let (Some(f), Some(started)) = (self.twin.real.get_mut(&id), self.started_at) {
                    let why = format!(
                        "overloaded (the bridge's --max-in-flight; retry after {retry_after_ms} ms)"
                    );
                    f.done = Some((now_ms() - started, Outcome::Failed(why)));
                }
                false
            }
            BridgeEvent::Frame(BridgeFrame::Flushed) => {
                self.stop(Phase::Done);
                true
            }
            BridgeEvent::Frame(BridgeFrame::Welcome { .. }) => false,
            // Ended the session: handled by `failure()` above.
            BridgeEvent::Producer(ProducerFrame::ConfigRejected { .. })
            | BridgeEvent::Frame(BridgeFrame::Error { .. })
            | BridgeEvent::BadFrame(_)
            | BridgeEvent::Closed(_) => true,
        }
    }

    fn status(&self, bridge_url: &str) -> String {
        let acked = self.twin.real.values().filter(|f| f.done.is_some()).count();
        let total = self.plan.len();
        let left_out = if self.left_out > 0 {
            format!(
                " ({} more records left out: the twin sends at most {MAX_RECORDS})",
                self.left_out
            )
        } else {
            String::new()
        };
        match &self.phase {
            Phase::Idle => "not run yet".into(),
            Phase::Connecting => format!("connecting to {bridge_url}"),
            Phase::WarmingUp => "warming up: one record before the clock starts".into(),
            Phase::Running => format!(
                "sending: {} of {total} sent, {acked} answered{left_out}",
                self.next
            ),
            Phase::Flushing => format!("flushing: {acked} of {total} answered{left_out}"),
            Phase::Done => format!("done: {acked} of {total} answered{left_out}"),
            Phase::Failed(e) => format!("stopped: {e}"),
        }
    }
}

impl Component for TwinView {
    type Message = Msg;
    type Properties = Props;

    fn create(_ctx: &Context<Self>) -> Self {
        TwinView {
            phase: Phase::Idle,
            client: None,
            twin: Twin::default(),
            setup: None,
            topic: String::new(),
            plan: Vec::new(),
            next: 0,
            started_at: None,
            left_out: 0,
            _ticker: None,
            last_render: 0.0,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let render = match msg {
            Msg::Run => {
                self.start(ctx);
                true
            }
            Msg::Cancel => {
                self.stop(Phase::Failed("cancelled".into()));
                true
            }
            Msg::Tick => {
                if self.phase == Phase::Running {
                    self.send_due();
                }
                now_ms() - self.last_render >= RENDER_EVERY_MS
            }
            Msg::Bridge(event) => self.on_bridge(ctx, event),
        };
        if render {
            self.last_render = now_ms();
        }
        render
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let running = matches!(
            self.phase,
            Phase::Connecting | Phase::WarmingUp | Phase::Running | Phase::Flushing
        );
        html! {
            <details class="events twin" id="twin" open=true>
                <summary>{ "Twin: the model and the real cluster, side by side" }</summary>
                <p class="hint">{ format!(
                    "Runs this workload (at most {MAX_RECORDS} records, no faults) through the model and, at the same \
                     time, through the bridge to the real cluster, sending each record when the model's application \
                     sent it. Then compares where each record landed, the offsets per partition, the send → delivery \
                     latency and the throughput, and says why they differ.") }</p>
                { for ctx.props().scenario.as_ref().map(|s| html! {
                    <p class="hint" id="twin-workload">{ format!(
                        "This workload: {} records at {} records/s, keys {}, to topic {} ({} partitions in the model).",
                        s.workload.records.min(MAX_RECORDS), s.workload.records_per_second,
                        s.workload.keys.to_form_text(), s.cluster.topic, s.cluster.partitions) }</p>
                }) }
                <button id="twin-run" disabled={running || ctx.props().scenario.is_none()}
                    onclick={link.callback(|_| Msg::Run)}>{ "Run the twin" }</button>
                <button id="twin-cancel" disabled={!running} onclick={link.callback(|_| Msg::Cancel)}>{ "Cancel" }</button>
                <span id="twin-status" class="status">{ self.status(&ctx.props().bridge_url) }</span>
                { if self.plan.is_empty() { html! {} } else {
                    html! { <progress id="twin-progress" max={self.plan.len().to_string()}
                        value={self.twin.real.values().filter(|f| f.done.is_some()).count().to_string()}></progress> }
                } }
                { if self.twin.real.is_empty() { html! {} } else { self.comparison() } }
            </details>
        }
    }
}

fn ms(v: f64) -> String {
    format!("{v:.2}")
}

impl TwinView {
    fn comparison(&self) -> Html {
        let t = &self.twin;
        let agreement = twin::agreement(t);
        let model_offsets = twin::offsets(&t.model);
        let real_offsets = twin::offsets(&t.real);
        let mut partitions = producer_sim::litemap::LiteMap::new_vec();
        for p in model_offsets.keys().chain(real_offsets.keys()) {
            partitions.insert(*p, ());
        }
        let model_lat = twin::latencies(&t.model);
        let real_lat = twin::latencies(&t.real);
        let (ms_model, ms_real) = (twin::summary(&model_lat), twin::summary(&real_lat));
        let histogram = twin::histogram(&[&model_lat, &real_lat]);
        let reasons = self
            .setup
            .as_ref()
            .map(|s| twin::reasons(t, s))
            .unwrap_or_default();
        let (model_tp, real_tp) = (twin::throughput(&t.model), twin::throughput(&t.real));
        let offsets_cell = |o: Option<&twin::PartitionOffsets>| match o {
            None => {
                html! { <><td class="num">{ "0" }</td><td class="num">{ "–" }</td><td class="num">{ "–" }</td></> }
            }
            Some(o) => html! { <>
                <td class="num">{ o.count }</td>
                <td class="num">{ o.first.zip(o.last).map_or("–".into(), |(f, l)| format!("{f}–{l}")) }</td>
                <td class="num">{ o.span().map_or("–".into(), |s| s.to_string()) }</td>
            </> },
        };
        let stat_row = |name: &str, get: fn(&twin::Summary) -> String| {
            html! {
                <tr><td>{ name.to_string() }</td>
                    <td class="num">{ ms_model.as_ref().map_or("–".into(), get) }</td>
                    <td class="num">{ ms_real.as_ref().map_or("–".into(), get) }</td></tr>
            }
        };
        let tp = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.0}"));
        html! {
            <div class="twin-grid">
                <section aria-label="keyed partition agreement">
                    <h3>{ "Keyed partition agreement" }</h3>
                    <p id="twin-agreement">{ format!("{} of {} keyed records on the partition the model chose", agreement.agree, agreement.keyed) }
                        { if agreement.null_keyed > 0 { format!(" · {} null-keyed records placed by each side's sticky partitioner", agreement.null_keyed) } else { String::new() } }</p>
                    { if agreement.mismatches.is_empty() { html! {} } else { html! {
                        <table class="deliveries" id="twin-mismatches">
                            <thead><tr><th>{ "record" }</th><th>{ "key" }</th><th>{ "model" }</th><th>{ "real" }</th></tr></thead>
                            <tbody>{ for agreement.mismatches.iter().take(10).map(|m| html! {
                                <tr><td>{ format!("#{}", m.id) }</td><td>{ &m.key }</td><td>{ m.model }</td><td>{ m.real }</td></tr>
                            }) }</tbody>
                        </table>
                    } } }
                    { self.first_records() }
                </section>
                <section aria-label="offsets per partition">
                    <h3>{ "Offsets per partition" }</h3>
                    <table class="deliveries" id="twin-offsets">
                        <thead>
                            <tr><th></th><th colspan="3">{ "model" }</th><th colspan="3">{ "real" }</th></tr>
                            <tr><th>{ "partition" }</th><th>{ "records" }</th><th>{ "offsets" }</th><th>{ "span" }</th>
                                <th>{ "records" }</th><th>{ "offsets" }</th><th>{ "span" }</th></tr>
                        </thead>
                        <tbody>{ for partitions.keys().map(|p| html! {
                            <tr data-partition={p.to_string()}><td>{ format!("P{p}") }</td>
                                { offsets_cell(model_offsets.get(p)) }{ offsets_cell(real_offsets.get(p)) }</tr>
                        }) }</tbody>
                    </table>
                </section>
                <section aria-label="latency">
                    <h3>{ "Send → delivery latency (ms)" }</h3>
                    <table class="deliveries" id="twin-latency">
                        <thead><tr><th></th><th>{ "model" }</th><th>{ "real" }</th></tr></thead>
                        <tbody>
                            { stat_row("records", |s| s.count.to_string()) }
                            { stat_row("p50", |s| ms(s.p50)) }
                            { stat_row("p95", |s| ms(s.p95)) }
                            { stat_row("p99", |s| ms(s.p99)) }
                            { stat_row("max", |s| ms(s.max)) }
                            { stat_row("mean", |s| ms(s.mean)) }
                        </tbody>
                    </table>
                    { for histogram.map(|h| Self::histogram(&h)) }
                </section>
                <section aria-label="throughput">
                    <h3>{ "Throughput" }</h3>
                    <p id="twin-throughput">{ format!("model {} records/s · real {} records/s (acknowledged, first send to last report)", tp(model_tp), tp(real_tp)) }</p>
                </section>
                <section aria-label="why they differ" class="twin-reasons">
                    <h3>{ "Why they differ" }</h3>
                    <ul id="twin-reasons">{ for reasons.iter().map(|r| html! {
                        <li data-about={r.about}><b>{ r.about }</b>{ ": " }{ &r.text }</li>
                    }) }</ul>
                </section>
            </div>
        }
    }

    /// The first records, side by side: partition, offset and latency on each side.
    fn first_records(&self) -> Html {
        let t = &self.twin;
        let place = |f: Option<&Fate>| match f.and_then(|f| f.done.as_ref().map(|d| (f.sent_ms, d)))
        {
            Some((sent, (at, Outcome::Acked { partition, offset }))) => (
                format!("P{partition} @ {offset}"),
                format!("{:.1} ms", at - sent),
            ),
            Some((_, (_, Outcome::Failed(e)))) => (e.clone(), String::new()),
            None => ("…".into(), String::new()),
        };
        let rows = t.keys.iter().take(FIRST_RECORDS).map(|(id, key)| {
            let (model, model_ms) = place(t.model.get(id));
            let (real, real_ms) = place(t.real.get(id));
            let same = match (t.model.get(id).and_then(|f| f.done.as_ref()), t.real.get(id).and_then(|f| f.done.as_ref())) {
                (Some((_, Outcome::Acked { partition: m, .. })), Some((_, Outcome::Acked { partition: r, .. }))) if key.is_some() => {
                    if m == r { "✓" } else { "✗" }
                }
                _ => "",
            };
            html! {
                <tr><td>{ format!("#{id}") }</td><td>{ key.clone().unwrap_or_else(|| "null".into()) }</td>
                    <td>{ model }</td><td class="num">{ model_ms }</td><td>{ real }</td><td class="num">{ real_ms }</td><td>{ same }</td></tr>
            }
        });
        html! {
            <table class="deliveries" id="twin-records">
                <thead><tr><th>{ "record" }</th><th>{ "key" }</th><th>{ "model: partition @ offset" }</th><th>{ "latency" }</th>
                    <th>{ "real: partition @ offset" }</th><th>{ "latency" }</th><th></th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        }
    }

    /// Two rows of bars over the shared buckets: the model's and the real cluster's.
    fn histogram(h: &twin::Histogram) -> Html {
        let peak = h.counts.iter().flatten().copied().max().unwrap_or(1).max(1);
        let row = |name: &str, counts: &[u64]| {
            html! {
                <tr><th>{ name.to_string() }</th>{ for counts.iter().map(|c| {
                    // Bars up to 48 px; a bucket with any record shows at least 1 px.
                    let px = (*c as f64 / peak as f64 * 48.0).round().max(f64::from(u8::from(*c > 0)));
                    html! { <td class="bar" title={format!("{c} records")}
                        style="height:48px;min-width:28px;vertical-align:bottom;padding:0 2px">
                        <span style={format!("display:block;height:{px}px;background:var(--ok)")}></span>
                    </td> }
                }) }</tr>
            }
        };
        html! {
            <table class="twin-histogram" id="twin-histogram" aria-label="latency histogram">
                <tbody>
                    { row("model", &h.counts[0]) }
                    { row("real", &h.counts[1]) }
                    <tr><th>{ "≥ ms" }</th>{ for h.edges[..h.edges.len() - 1].iter().map(|e| html! { <td class="edge">{ format!("{e}") }</td> }) }</tr>
                </tbody>
            </table>
        }
    }
}
