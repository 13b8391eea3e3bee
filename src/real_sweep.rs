//! The real sweep (Real mode): throughput and latency against batch.size × linger.ms measured
//! on the real cluster through `producer-bridge`, point by point, beside the model's capacity
//! for the same points. For each point: `configure` the connection's producer (the scenario's
//! settings with that batch.size and linger.ms), send a few warm-up records (a fresh producer
//! connects and gets its producer id), then the point's records as fast as the bridge takes
//! them, `flush`, and measure.

use gloo_timers::callback::Interval;
use producer_sim::Scenario;
use producer_wire::{
    BridgeFrame, ClientFrame, Delivery, DeliveryOutcome, PROTOCOL_VERSION, Produce, ProducerFrame,
};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::bridge_client::{BridgeClient, BridgeEvent};
use crate::twin::{self, Fate, Outcome, Side};

pub const BATCH_SIZES: [u64; 3] = [1024, 16384, 131072];
pub const LINGERS_MS: [u64; 3] = [0, 5, 50];
/// Records per point unless the learner asks for another number.
const DEFAULT_RECORDS: u64 = 2_000;
const MAX_RECORDS: u64 = 50_000;
const WARM_UP: u64 = 20;
/// Records per `produce_batch` frame, and the most unacknowledged at once.
const FRAME_RECORDS: u64 = 100;
const WINDOW: u64 = 5_000;
const TICK_MS: u32 = 4;

/// The grid in the order it is measured.
pub fn grid() -> Vec<(u64, u64)> {
    BATCH_SIZES
        .iter()
        .flat_map(|b| LINGERS_MS.iter().map(move |l| (*b, *l)))
        .collect()
}

/// A measured point.
#[derive(Debug, Clone, PartialEq)]
pub struct RealPoint {
    pub batch_size: u64,
    pub linger_ms: u64,
    /// Acknowledged records per second, first send to last report.
    pub throughput: Option<f64>,
    pub latency: Option<twin::Summary>,
    pub failed: usize,
    /// The model's capacity for the same point (flat-out sends), records/s.
    pub model: Option<f64>,
}

/// The figures of one point from its records' send and report times.
pub fn measure(side: &Side) -> (Option<f64>, Option<twin::Summary>, usize) {
    let failed = side
        .values()
        .filter(|f| matches!(f.done, Some((_, Outcome::Failed(_)))))
        .count();
    (
        twin::throughput(side),
        twin::summary(&twin::latencies(side)),
        failed,
    )
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub scenario: Option<Scenario>,
    pub bridge_url: String,
}

pub enum Msg {
    Records(String),
    Run,
    Cancel,
    Tick,
    Bridge(BridgeEvent),
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Connecting,
    Configuring,
    WarmingUp,
    Sending,
    Flushing,
    Done,
    Failed(String),
}

pub struct RealSweep {
    records_text: String,
    records: u64,
    phase: Phase,
    client: Option<BridgeClient>,
    points: Vec<RealPoint>,
    /// The point being measured (index into `grid()`), its records and the next id to send.
    current: usize,
    side: Side,
    next_id: u64,
    warm_answered: u64,
    started_at: f64,
    _ticker: Option<Interval>,
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

impl RealSweep {
    fn value(&self, ctx: &Context<Self>) -> String {
        let bytes = ctx
            .props()
            .scenario
            .as_ref()
            .map_or(100, |s| s.workload.value_bytes);
        "abcdefghijklmnopqrstuvwxyz0123456789"
            .chars()
            .cycle()
            .take(bytes)
            .collect()
    }

    fn topic(ctx: &Context<Self>) -> String {
        ctx.props()
            .scenario
            .as_ref()
            .map_or("demo".into(), |s| s.cluster.topic.clone())
    }

    fn stop(&mut self, phase: Phase) {
        self.phase = phase;
        self.client = None;
        self._ticker = None;
    }

    fn send(&mut self, frame: &ClientFrame) {
        if let Some(Err(e)) = self.client.as_ref().map(|c| c.send(frame)) {
            self.stop(Phase::Failed(e));
        }
    }

    /// Asks for the current point's producer.
    fn configure(&mut self, ctx: &Context<Self>) {
        let (batch_size, linger_ms) = grid()[self.current];
        let mut config: std::collections::BTreeMap<String, serde_json::Value> = ctx
            .props()
            .scenario
            .as_ref()
            .map(|s| {
                // Inserted, not collect()ed: one stable sort fewer in the wasm bundle.
                let mut m = std::collections::BTreeMap::new();
                m.extend(
                    s.producer
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))),
                );
                m
            })
            .unwrap_or_default();
        config.insert("batch.size".into(), batch_size.into());
        config.insert("linger.ms".into(), linger_ms.into());
        config.insert("statistics.interval.ms".into(), 0.into());
        self.phase = Phase::Configuring;
        self.send(&ClientFrame::Configure { config });
    }

    fn record(&self, ctx: &Context<Self>, id: u64, value: &str) -> Produce {
        Produce {
            id,
            topic: Self::topic(ctx),
            key: Some(format!("key-{id}")),
            value: Some(value.to_owned()),
            headers: vec![],
            partition: None,
        }
    }

    /// Sends more of the point's records while fewer than `WINDOW` are unanswered.
    fn send_more(&mut self, ctx: &Context<Self>) {
        let value = self.value(ctx);
        let answered = self.side.values().filter(|f| f.done.is_some()).count() as u64;
        while self.phase == Phase::Sending
            && self.next_id < self.records
            && self.next_id - answered + FRAME_RECORDS <= WINDOW
        {
            let end = (self.next_id + FRAME_RECORDS).min(self.records);
            let records: Vec<Produce> = (self.next_id..end)
                .map(|id| self.record(ctx, id, &value))
                .collect();
            let sent = now_ms() - self.started_at;
            for id in self.next_id..end {
                self.side.insert(id, Fate::sent(sent));
            }
            self.next_id = end;
            self.send(&ClientFrame::ProduceBatch { records });
        }
        if self.phase == Phase::Sending && self.next_id == self.records {
            self.phase = Phase::Flushing;
            self.send(&ClientFrame::Flush);
        }
    }

    fn delivered(&mut self, ctx: &Context<Self>, d: Delivery) {
        if self.phase == Phase::WarmingUp && d.id >= self.records {
            self.warm_answered += 1;
            if let DeliveryOutcome::Failed { error } = d.outcome {
                self.stop(Phase::Failed(format!(
                    "warm-up record failed: {} ({})",
                    error.name, error.message
                )));
            } else if self.warm_answered == WARM_UP {
                self.phase = Phase::Sending;
                self.started_at = now_ms();
                self.send_more(ctx);
            }
            return;
        }
        let at = now_ms() - self.started_at;
        if let Some(f) = self.side.get_mut(&d.id) {
            f.done = Some((
                at,
                match d.outcome {
                    DeliveryOutcome::Acked {
                        partition, offset, ..
                    } => Outcome::Acked { partition, offset },
                    DeliveryOutcome::Failed { error } => Outcome::Failed(error.name),
                },
            ));
        }
    }

    /// The current point is flushed: record it and go on to the next.
    fn finish_point(&mut self, ctx: &Context<Self>) {
        let (batch_size, linger_ms) = grid()[self.current];
        let (throughput, latency, failed) = measure(&self.side);
        let model = ctx
            .props()
            .scenario
            .as_ref()
            .and_then(|s| crate::sweep::run_point(s, batch_size, linger_ms, self.records))
            .map(|p| p.throughput);
        self.points.push(RealPoint {
            batch_size,
            linger_ms,
            throughput,
            latency,
            failed,
            model,
        });
        self.current += 1;
        if self.current == grid().len() {
            self.stop(Phase::Done);
        } else {
            self.configure(ctx);
        }
    }

    fn on_bridge(&mut self, ctx: &Context<Self>, event: BridgeEvent) -> bool {
        if let Some(why) = event.failure() {
            // A connection closing after the sweep ended is not news.
            if !matches!(event, BridgeEvent::Closed(_))
                || !matches!(self.phase, Phase::Done | Phase::Failed(_))
            {
                self.stop(Phase::Failed(why));
            }
            return true;
        }
        match event {
            BridgeEvent::Open => {
                self.send(&ClientFrame::Hello {
                    version: PROTOCOL_VERSION,
                    token: None,
                    batch_deliveries: true,
                });
                self.configure(ctx);
                true
            }
            BridgeEvent::Producer(ProducerFrame::Configured { .. }) => {
                self.phase = Phase::WarmingUp;
                self.side.clear();
                self.next_id = 0;
                self.warm_answered = 0;
                let value = self.value(ctx);
                let records = (self.records..self.records + WARM_UP)
                    .map(|id| self.record(ctx, id, &value))
                    .collect();
                self.send(&ClientFrame::ProduceBatch { records });
                true
            }
            BridgeEvent::Producer(ProducerFrame::Stats { .. }) => false,
            BridgeEvent::Frame(BridgeFrame::Delivery(d)) => {
                self.delivered(ctx, d);
                self.send_more(ctx);
                false
            }
            BridgeEvent::Frame(BridgeFrame::Deliveries { deliveries }) => {
                deliveries.into_iter().for_each(|d| self.delivered(ctx, d));
                self.send_more(ctx);
                false
            }
            BridgeEvent::Frame(BridgeFrame::Overloaded { id, .. }) => {
                self.stop(Phase::Failed(format!(
                    "the bridge answered overloaded for record {id}"
                )));
                true
            }
            BridgeEvent::Frame(BridgeFrame::Flushed) => {
                if self.phase == Phase::Flushing {
                    self.finish_point(ctx);
                }
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

    fn status(&self) -> String {
        let total = grid().len();
        let point = grid().get(self.current).map_or(String::new(), |(b, l)| {
            format!(
                "point {} of {total} (batch.size={b}, linger.ms={l})",
                self.current + 1
            )
        });
        let answered = self.side.values().filter(|f| f.done.is_some()).count();
        match &self.phase {
            Phase::Idle => "not run yet".into(),
            Phase::Connecting => "connecting to the bridge".into(),
            Phase::Configuring => format!("{point}: configuring the producer"),
            Phase::WarmingUp => format!("{point}: warming up"),
            Phase::Sending | Phase::Flushing => {
                format!("{point}: {answered} of {} answered", self.records)
            }
            Phase::Done => format!("done: {total} points of {} records", self.records),
            Phase::Failed(e) => format!("stopped: {e}"),
        }
    }
}

impl Component for RealSweep {
    type Message = Msg;
    type Properties = Props;

    fn create(_ctx: &Context<Self>) -> Self {
        RealSweep {
            records_text: DEFAULT_RECORDS.to_string(),
            records: DEFAULT_RECORDS,
            phase: Phase::Idle,
            client: None,
            points: Vec::new(),
            current: 0,
            side: Side::new(),
            next_id: 0,
            warm_answered: 0,
            started_at: 0.0,
            _ticker: None,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Records(text) => {
                self.records_text = text;
                true
            }
            Msg::Run => {
                match self.records_text.trim().parse::<u64>() {
                    Ok(n) if (1..=MAX_RECORDS).contains(&n) => self.records = n,
                    _ => {
                        self.phase = Phase::Failed(format!(
                            "records per point must be a whole number from 1 to {MAX_RECORDS}, not '{}'",
                            self.records_text
                        ));
                        return true;
                    }
                }
                self.points.clear();
                self.current = 0;
                self.side.clear();
                match BridgeClient::connect(
                    &ctx.props().bridge_url,
                    ctx.link().callback(Msg::Bridge),
                ) {
                    Ok(c) => {
                        self.client = Some(c);
                        self.phase = Phase::Connecting;
                        let link = ctx.link().clone();
                        // Redraws the progress while records stream in.
                        self._ticker = Some(Interval::new(TICK_MS * 50, move || {
                            link.send_message(Msg::Tick)
                        }));
                    }
                    Err(e) => self.phase = Phase::Failed(e),
                }
                true
            }
            Msg::Cancel => {
                self.stop(Phase::Failed("cancelled".into()));
                true
            }
            Msg::Tick => true,
            Msg::Bridge(event) => self.on_bridge(ctx, event),
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let running = !matches!(self.phase, Phase::Idle | Phase::Done | Phase::Failed(_));
        let onchange = link.callback(|e: Event| {
            Msg::Records(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let f = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0}"));
        let rows = grid().into_iter().enumerate().map(|(i, (b, l))| {
            let cells = match self.points.get(i) {
                Some(p) => html! { <>
                    <td class="num">{ f(p.throughput) }</td>
                    <td class="num">{ p.latency.map_or("–".into(), |s| format!("{:.1} / {:.1}", s.p50, s.p99)) }</td>
                    <td class="num">{ f(p.model) }</td>
                    <td class="num">{ p.failed }</td>
                </> },
                None => html! { <><td class="pending">{ "…" }</td><td></td><td></td><td></td></> },
            };
            html! { <tr><td class="num">{ b }</td><td class="num">{ l }</td>{ cells }</tr> }
        });
        html! {
            <details class="events" id="real-sweep" open=true>
                <summary>{ "Real sweep: throughput against batch.size × linger.ms on the real cluster" }</summary>
                <p class="hint">{ format!(
                    "For each point the bridge's producer is configured with this scenario's settings and that batch.size \
                     and linger.ms; then the records go out as fast as the bridge takes them (at most {WINDOW} unanswered), \
                     and the page measures acknowledged records per second and send → delivery latency. Beside it, the \
                     model's capacity for the same point. The real figures include this machine's CPU, which the bridge, \
                     the broker and the browser share; the model's broker and network cost no CPU.") }</p>
                <label>{ "records per point " }
                    <input id="real-sweep-records" value={self.records_text.clone()} {onchange} disabled={running} /></label>
                <button id="real-sweep-run" disabled={running || ctx.props().scenario.is_none()}
                    onclick={link.callback(|_| Msg::Run)}>{ "Run on the real cluster" }</button>
                <button id="real-sweep-cancel" disabled={!running} onclick={link.callback(|_| Msg::Cancel)}>{ "Cancel" }</button>
                <span id="real-sweep-status" class="status">{ self.status() }</span>
                { if running || !self.points.is_empty() { html! {
                    <progress id="real-sweep-progress" max={grid().len().to_string()} value={self.points.len().to_string()}></progress>
                } } else { html! {} } }
                <table class="deliveries" id="real-sweep-table">
                    <thead><tr><th>{ "batch.size" }</th><th>{ "linger.ms" }</th><th>{ "real records/s" }</th>
                        <th>{ "real latency p50 / p99 (ms)" }</th><th>{ "model records/s" }</th><th>{ "failed" }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </details>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_every_pair_once() {
        let g = grid();
        assert_eq!(g.len(), BATCH_SIZES.len() * LINGERS_MS.len());
        let unique: std::collections::BTreeSet<_> = g.iter().collect();
        assert_eq!(unique.len(), g.len());
    }

    #[test]
    fn a_point_counts_failures_apart_from_its_figures() {
        let acked = |sent: f64, done: f64| Fate {
            sent_ms: sent,
            done: Some((
                done,
                Outcome::Acked {
                    partition: 0,
                    offset: 0,
                },
            )),
            bridge_ms: None,
        };
        let side: Side = [
            (0, acked(0.0, 10.0)),
            (1, acked(0.0, 20.0)),
            (
                2,
                Fate {
                    sent_ms: 0.0,
                    done: Some((5.0, Outcome::Failed("x".into()))),
                    bridge_ms: None,
                },
            ),
        ]
        .into_iter()
        .collect();
        let (throughput, latency, failed) = measure(&side);
        assert_eq!(failed, 1);
        assert_eq!(throughput, Some(100.0), "2 acked in 20 ms");
        let latency = latency.unwrap();
        assert_eq!((latency.count, latency.p50, latency.max), (2, 10.0, 20.0));
    }
}
