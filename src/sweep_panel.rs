//! The sweep panel: its own component, so the work it does in slices re-renders only itself,
//! and only when a point is done.

use gloo_events::EventListener;
use producer_sim::Scenario;
use wasm_bindgen::JsValue;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::sweep::{self, BATCH_SIZES, LINGERS_MS, PointRun, SweepPoint};

/// Wall-clock ms of model work per slice; between slices the page handles input and draws.
const SLICE_MS: f64 = 50.0;

/// While the sweep runs, the grid is drawn again at most this often (wall-clock ms): drawing
/// it after each of the 64 points cost a tenth of the sweep's time.
const REDRAW_MS: f64 = 250.0;

/// The message that schedules the next slice. A window message is a new task like
/// `setTimeout(0)`, without its 4 ms clamp (which would add a tenth to the sweep's time).
const NEXT_SLICE: &str = "producer-lab:sweep-slice";

#[derive(Properties, PartialEq)]
pub struct SweepProps {
    /// The scenario whose workload the sweep measures.
    pub base: Scenario,
}

pub enum SweepMsg {
    Records(String),
    Start,
    Slice,
}

pub struct SweepPanel {
    records_text: String,
    error: Option<String>,
    /// The scenario and records per run of the sweep in progress or done.
    run: Option<(Scenario, u64)>,
    points: Vec<Option<SweepPoint>>,
    current: Option<PointRun>,
    started_ms: f64,
    /// Wall time spent in the model, and in all, once done.
    compute_ms: f64,
    elapsed_ms: Option<f64>,
    /// When the grid was last drawn with new points.
    drawn_ms: f64,
    _next: Option<EventListener>,
}

impl SweepPanel {
    fn schedule(&mut self, ctx: &Context<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if self._next.is_none() {
            let link = ctx.link().clone();
            self._next = Some(EventListener::new(&window, "message", move |e| {
                use wasm_bindgen::JsCast;
                let ours = e
                    .dyn_ref::<web_sys::MessageEvent>()
                    .and_then(|m| m.data().as_string())
                    .is_some_and(|d| d == NEXT_SLICE);
                if ours {
                    link.send_message(SweepMsg::Slice);
                }
            }));
        }
        let _ = window.post_message(&JsValue::from_str(NEXT_SLICE), "*");
    }

    /// One slice of work; true when a point was finished (the grid changed).
    fn slice(&mut self) -> bool {
        let Some((base, records)) = self.run.as_ref() else {
            return false;
        };
        let grid = sweep::grid();
        let start = js_sys::Date::now();
        let before = self.points.len();
        while self.points.len() < grid.len() {
            let (b, l) = grid[self.points.len()];
            let current = self
                .current
                .get_or_insert_with(|| PointRun::new(base, b, l, *records));
            let left = SLICE_MS - (js_sys::Date::now() - start);
            if left <= 0.0 {
                break;
            }
            match current.work(left, js_sys::Date::now) {
                Some(point) => {
                    self.points.push(point);
                    self.current = None;
                }
                None => break,
            }
        }
        self.compute_ms += js_sys::Date::now() - start;
        if self.points.len() == grid.len() && self.elapsed_ms.is_none() {
            self.elapsed_ms = Some(js_sys::Date::now() - self.started_ms);
        }
        self.points.len() != before
    }
}

impl Component for SweepPanel {
    type Message = SweepMsg;
    type Properties = SweepProps;

    fn create(_ctx: &Context<Self>) -> Self {
        SweepPanel {
            records_text: sweep::DEFAULT_RECORDS.to_string(),
            error: None,
            run: None,
            points: Vec::new(),
            current: None,
            started_ms: 0.0,
            compute_ms: 0.0,
            elapsed_ms: None,
            drawn_ms: 0.0,
            _next: None,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: SweepMsg) -> bool {
        match msg {
            SweepMsg::Records(text) => {
                self.error = sweep::parse_records(&text).err();
                self.records_text = text;
                true
            }
            SweepMsg::Start => match sweep::parse_records(&self.records_text) {
                Ok(records) => {
                    self.run = Some((ctx.props().base.clone(), records));
                    self.points.clear();
                    self.current = None;
                    self.started_ms = js_sys::Date::now();
                    self.drawn_ms = self.started_ms;
                    self.compute_ms = 0.0;
                    self.elapsed_ms = None;
                    self.schedule(ctx);
                    true
                }
                Err(e) => {
                    self.error = Some(e);
                    true
                }
            },
            SweepMsg::Slice => {
                let changed = self.slice();
                let done = self.points.len() == BATCH_SIZES.len() * LINGERS_MS.len();
                if done {
                    self._next = None;
                } else {
                    self.schedule(ctx);
                }
                let now = js_sys::Date::now();
                let redraw = changed && (done || now - self.drawn_ms >= REDRAW_MS);
                if redraw {
                    self.drawn_ms = now;
                }
                redraw
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let total = BATCH_SIZES.len() * LINGERS_MS.len();
        let done = self.points.len();
        let running = self.run.is_some() && done < total;
        let records = self.run.as_ref().map_or(0, |(_, r)| *r);
        // The workload's rate and the sample at that rate, for the run shown or the next one.
        let rate = self
            .run
            .as_ref()
            .map_or(&ctx.props().base, |(s, _)| s)
            .workload
            .records_per_second;
        let shown_records = match self.run {
            Some(_) => records,
            None => sweep::parse_records(&self.records_text).unwrap_or(sweep::DEFAULT_RECORDS),
        };
        let sample = sweep::sample_records(rate, shown_records);
        let best = self
            .points
            .iter()
            .flatten()
            .map(|p| p.throughput)
            .fold(0.0, f64::max);
        let cell = |i: usize| match self.points.get(i) {
            Some(Some(p)) => {
                let heat = if best > 0.0 {
                    (p.throughput / best * 60.0) as u32
                } else {
                    0
                };
                html! {
                    <td class="sweep-cell" style={format!("background: color-mix(in srgb, var(--ok) {heat}%, transparent)")}
                        title={format!("batch.size {} · linger.ms {}\nflat out: {:.0} records/s, latency mean {:.1} ms, p99 {} ms, {:.1} records per request\nat {rate} records/s (first {} records): latency mean {:.1} ms, {:.1} records per request",
                            p.batch_size, p.linger_ms, p.throughput, p.capacity_latency_avg_ms, p.capacity_latency_p99_ms,
                            p.capacity_records_per_request, p.sample_records, p.latency_ms, p.records_per_request)}>
                        <b>{ format!("{:.0}", p.throughput) }</b><br/>{ format!("{:.1} ms", p.latency_ms) }
                    </td>
                }
            }
            Some(None) => html! { <td class="sweep-cell">{ "–" }</td> },
            None => html! { <td class="sweep-cell pending">{ "…" }</td> },
        };
        let table = self.run.as_ref().map(|_| html! {
            <table class="deliveries sweep" id="sweep-table">
                <caption>{ format!("capacity in acknowledged records/s (bold), and mean send → callback latency at {rate} records/s") }</caption>
                <thead><tr><th scope="col">{ "batch.size \\ linger.ms" }</th>{ for LINGERS_MS.iter().map(|l| html! { <th scope="col">{ l }</th> }) }</tr></thead>
                <tbody>{ for BATCH_SIZES.iter().enumerate().map(|(r, b)| html! {
                    <tr><th scope="row">{ b }</th>{ for (0..LINGERS_MS.len()).map(|c| cell(r * LINGERS_MS.len() + c)) }</tr>
                }) }</tbody>
            </table>
        });
        let oninput = link.callback(|e: InputEvent| {
            SweepMsg::Records(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        html! {
            <details class="events" id="sweep" open={self.run.is_some()}>
                <summary>{ "Sweep: throughput and latency across batch.size × linger.ms" }</summary>
                <p class="hint">{ format!("Each cell runs this workload (no faults) through the model twice. Capacity: the records per point sent flat out, then close(), as kafka-producer-perf-test --throughput -1 does; the cell shows acknowledged records per second, its tooltip perf-test's mean and p99 latency and the records per request. Latency at {rate} records/s: the mean send → callback time of the first {sample} records at the workload's own rate ({:.0} s of model time, long enough for a steady state: linger.ms is at most 100 ms), which shows what linger.ms costs.", sweep::SAMPLE_US as f64 / 1e6) }</p>
                <div class="sweep-controls">
                    <label for="sweep-records" title="Records the model sends flat out for each point's capacity">{ "records per point " }
                        <input id="sweep-records" value={self.records_text.clone()} {oninput} disabled={running}
                            aria-label="records per point" inputmode="numeric" />
                    </label>
                    <button id="sweep-run" disabled={running || self.error.is_some()} onclick={link.callback(|_| SweepMsg::Start)}>
                        { format!("Run the {}×{} sweep", BATCH_SIZES.len(), LINGERS_MS.len()) }
                    </button>
                    { if self.run.is_some() { html! {
                        <progress id="sweep-progress" max={total.to_string()} value={done.to_string()}
                            aria-label="sweep progress">{ format!("{done} of {total}") }</progress>
                    } } else { html! {} } }
                    { for self.elapsed_ms.map(|ms| html! {
                        <span id="sweep-time" class="hint">{ format!("{total} points × ({records} records flat out + {sample} at {rate} records/s) in {:.2} s ({:.2} s in the model)",
                            ms / 1000.0, self.compute_ms / 1000.0) }</span>
                    }) }
                </div>
                { for self.error.as_ref().map(|e| html! { <p class="error" role="alert">{ e }</p> }) }
                { for table }
            </details>
        }
    }
}
