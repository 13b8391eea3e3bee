//! The sweep panel: its own component, so the work it does re-renders only itself, and only
//! when a point is done. The points run in Web Workers that instantiate the app's own wasm
//! module (`web/sweep-worker.js`, the `sweep_point` export), one per core up to
//! [`MAX_WORKERS`]; without workers (or with `window.producerLabSweepOnPage`) they run on the
//! page in slices.

use gloo_events::EventListener;
use producer_sim::Scenario;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlInputElement, Worker};
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

/// Workers at most: the sweep's 64 points are independent, so cores are the limit.
const MAX_WORKERS: usize = 4;

/// The worker script, copied next to the glue by trunk (`index.html`).
const WORKER_SCRIPT: &str = "sweep-worker.js";

#[derive(Properties, PartialEq)]
pub struct SweepProps {
    /// The scenario whose workload the sweep measures.
    pub base: Scenario,
}

pub enum SweepMsg {
    Records(String),
    Start,
    Slice,
    /// A worker's answer: its number and the message's data.
    Worker(usize, JsValue),
    /// A worker failed to start or died: the rest of the sweep runs on the page.
    WorkerFailed(String),
}

/// A worker and its listeners (dropped with it).
struct SweepWorker {
    worker: Worker,
    _listeners: [EventListener; 2],
    /// The point it is computing.
    busy: Option<usize>,
}

pub struct SweepPanel {
    records_text: String,
    error: Option<String>,
    /// The scenario and records per run of the sweep in progress or done.
    run: Option<(Scenario, u64)>,
    /// The run's scenario as the workers read it, serialized once per run.
    scenario_json: String,
    /// Each point: `None` while pending, then the point (or `Some(None)` if it had no figures).
    points: Vec<Option<Option<SweepPoint>>>,
    done: usize,
    current: Option<(usize, PointRun)>,
    workers: Vec<SweepWorker>,
    /// Points not yet handed to a worker, the costliest (smallest batch.size) last.
    queue: Vec<usize>,
    /// Workers started for the run shown (0: all on the page).
    worker_count: usize,
    hint: Option<String>,
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
        let before = self.done;
        while self.done < grid.len() {
            if self.current.is_none() {
                let Some(i) = self.points.iter().position(Option::is_none) else {
                    break;
                };
                let (b, l) = grid[i];
                self.current = Some((i, PointRun::new(base, b, l, *records)));
            }
            let Some((i, current)) = self.current.as_mut() else {
                break;
            };
            let left = SLICE_MS - (js_sys::Date::now() - start);
            if left <= 0.0 {
                break;
            }
            match current.work(left, js_sys::Date::now) {
                Some(point) => {
                    self.points[*i] = Some(point);
                    self.done += 1;
                    self.current = None;
                }
                None => break,
            }
        }
        self.compute_ms += js_sys::Date::now() - start;
        self.finish_if_done();
        self.done != before
    }

    fn finish_if_done(&mut self) {
        if self.done == self.points.len() && self.elapsed_ms.is_none() {
            self.elapsed_ms = Some(js_sys::Date::now() - self.started_ms);
            self.stop_workers();
        }
    }

    fn stop_workers(&mut self) {
        for w in self.workers.drain(..) {
            w.worker.terminate();
        }
        self.queue.clear();
    }

    /// Starts the workers, or says why the page cannot (no Worker, no module URLs).
    fn start_workers(&mut self, ctx: &Context<Self>) -> Result<(), String> {
        let window = web_sys::window().ok_or("no window")?;
        let worker_class = js_sys::Reflect::get(&window, &JsValue::from_str("Worker"));
        if !worker_class.is_ok_and(|w| w.is_function()) {
            return Err("this browser has no Web Workers".into());
        }
        let document = window.document().ok_or("no document")?;
        let href = |selector: &str| {
            document
                .query_selector(selector)
                .ok()
                .flatten()
                .and_then(|e| e.get_attribute("href"))
        };
        let base_url = document.base_uri().ok().flatten().unwrap_or_default();
        let absolute = |h: &str, base: &str| {
            web_sys::Url::new_with_base(h, base)
                .map(|u| u.href())
                .map_err(|_| format!("bad URL {h}"))
        };
        let glue = href(r#"link[rel="modulepreload"][href$=".js"]"#)
            .ok_or("the page names no module glue")?;
        let wasm =
            href(r#"link[rel="preload"][href$=".wasm"]"#).ok_or("the page names no wasm module")?;
        let glue = absolute(&glue, &base_url)?;
        let wasm = absolute(&wasm, &base_url)?;
        let script = absolute(WORKER_SCRIPT, &glue)?;
        let cores = window.navigator().hardware_concurrency() as usize;
        let count = cores.clamp(1, MAX_WORKERS).min(self.queue.len()).max(1);
        let init = js_sys::Object::new();
        let set = |o: &js_sys::Object, k: &str, v: &JsValue| {
            let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
        };
        set(&init, "init", &JsValue::TRUE);
        set(&init, "glue", &JsValue::from_str(&glue));
        set(&init, "wasm", &JsValue::from_str(&wasm));
        for n in 0..count {
            let options = web_sys::WorkerOptions::new();
            options.set_type(web_sys::WorkerType::Module);
            let worker = Worker::new_with_options(&script, &options)
                .map_err(|e| format!("a worker could not start: {e:?}"))?;
            let link = ctx.link().clone();
            let on_message = EventListener::new(&worker, "message", move |e| {
                if let Some(m) = e.dyn_ref::<web_sys::MessageEvent>() {
                    link.send_message(SweepMsg::Worker(n, m.data()));
                }
            });
            let link = ctx.link().clone();
            let on_error = EventListener::new(&worker, "error", move |e| {
                e.prevent_default();
                let why = e
                    .dyn_ref::<web_sys::ErrorEvent>()
                    .map(|e| e.message())
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| "it could not load".into());
                link.send_message(SweepMsg::WorkerFailed(format!(
                    "a sweep worker failed: {why}"
                )));
            });
            worker
                .post_message(&init)
                .map_err(|e| format!("a worker refused its module: {e:?}"))?;
            self.workers.push(SweepWorker {
                worker,
                _listeners: [on_message, on_error],
                busy: None,
            });
        }
        self.worker_count = count;
        for n in 0..count {
            self.hand_out(n);
        }
        Ok(())
    }

    /// Gives worker `n` the next point, if any.
    fn hand_out(&mut self, n: usize) {
        let Some((_, records)) = self.run.as_ref() else {
            return;
        };
        let Some(w) = self.workers.get_mut(n) else {
            return;
        };
        let Some(i) = self.queue.pop() else {
            w.busy = None;
            return;
        };
        let (b, l) = sweep::grid()[i];
        let m = js_sys::Object::new();
        for (k, v) in [
            ("index", JsValue::from(i as u32)),
            ("batch", JsValue::from(b as u32)),
            ("linger", JsValue::from(l as u32)),
            ("records", JsValue::from(*records as u32)),
            ("scenario", JsValue::from_str(&self.scenario_json)),
        ] {
            let _ = js_sys::Reflect::set(&m, &JsValue::from_str(k), &v);
        }
        w.busy = Some(i);
        let _ = w.worker.post_message(&m);
    }

    /// The rest of the sweep on the page, after a worker failed.
    fn fall_back(&mut self, ctx: &Context<Self>, why: String) {
        self.stop_workers();
        self.hint = Some(format!("{why}; the sweep runs on this page instead"));
        if self.done < self.points.len() {
            self.schedule(ctx);
        }
    }

    /// A worker's message: a point, a point's error, or a fatal error.
    fn on_worker(&mut self, ctx: &Context<Self>, n: usize, data: JsValue) -> bool {
        let get = |k: &str| js_sys::Reflect::get(&data, &JsValue::from_str(k)).unwrap_or_default();
        if let Some(why) = get("fatal").as_string() {
            self.fall_back(ctx, why);
            return true;
        }
        let index = get("index").as_f64().map(|i| i as usize);
        let busy = self.workers.get(n).and_then(|w| w.busy);
        if index.is_none() || index != busy {
            // Not the answer this worker owes (a stale message): ignore it.
            return false;
        }
        let i = busy.unwrap_or_default();
        if let Some(why) = get("error").as_string() {
            self.fall_back(ctx, format!("a sweep worker failed on a point: {why}"));
            return true;
        }
        let Some(values) = get("point")
            .dyn_ref::<js_sys::Float64Array>()
            .map(|a| a.to_vec())
        else {
            self.fall_back(ctx, "a sweep worker answered with no point".into());
            return true;
        };
        let point = SweepPoint::from_values(&values);
        if point.is_none() && !values.is_empty() {
            self.fall_back(ctx, "a sweep worker answered with a malformed point".into());
            return true;
        }
        self.compute_ms += get("ms").as_f64().unwrap_or(0.0);
        if let Some(slot) = self.points.get_mut(i).filter(|p| p.is_none()) {
            *slot = Some(point);
            self.done += 1;
        }
        self.hand_out(n);
        self.finish_if_done();
        let now = js_sys::Date::now();
        let redraw = self.elapsed_ms.is_some() || now - self.drawn_ms >= REDRAW_MS;
        if redraw {
            self.drawn_ms = now;
        }
        redraw
    }

    /// True when the page asks for the sweep without workers (`window.producerLabSweepOnPage`
    /// set before the run): the e2e test compares both ways.
    fn on_page_requested() -> bool {
        web_sys::window()
            .and_then(|w| {
                js_sys::Reflect::get(&w, &JsValue::from_str("producerLabSweepOnPage")).ok()
            })
            .is_some_and(|v| v.is_truthy())
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
            scenario_json: String::new(),
            points: Vec::new(),
            done: 0,
            current: None,
            workers: Vec::new(),
            queue: Vec::new(),
            worker_count: 0,
            hint: None,
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
                    let base = ctx.props().base.clone();
                    self.scenario_json = serde_json::to_string(&base).unwrap_or_default();
                    self.run = Some((base, records));
                    self.stop_workers();
                    let grid = sweep::grid();
                    self.points = vec![None; grid.len()];
                    self.done = 0;
                    self.current = None;
                    self.started_ms = js_sys::Date::now();
                    self.drawn_ms = self.started_ms;
                    self.compute_ms = 0.0;
                    self.elapsed_ms = None;
                    self.hint = None;
                    self.worker_count = 0;
                    // Handed out from the end: smallest batch.size (the most requests) first.
                    let mut queue: Vec<usize> = (0..grid.len()).collect();
                    queue.sort_by_key(|i| (std::cmp::Reverse(grid[*i].0), grid[*i].1));
                    self.queue = queue;
                    if Self::on_page_requested() {
                        self.schedule(ctx);
                    } else if let Err(why) = self.start_workers(ctx) {
                        self.fall_back(ctx, why);
                    }
                    true
                }
                Err(e) => {
                    self.error = Some(e);
                    true
                }
            },
            SweepMsg::Worker(n, data) => self.on_worker(ctx, n, data),
            SweepMsg::WorkerFailed(why) => {
                if self.workers.is_empty() {
                    return false;
                }
                self.fall_back(ctx, why);
                true
            }
            SweepMsg::Slice => {
                if !self.workers.is_empty() {
                    return false;
                }
                let changed = self.slice();
                let done = self.done == self.points.len();
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

    fn destroy(&mut self, _ctx: &Context<Self>) {
        self.stop_workers();
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let total = BATCH_SIZES.len() * LINGERS_MS.len();
        let done = self.done;
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
            .flatten()
            .map(|p| p.throughput)
            .fold(0.0, f64::max);
        let cell = |i: usize| match self.points.get(i).copied().flatten() {
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
                        <span id="sweep-time" class="hint">{ format!("{total} points × ({records} records flat out + {sample} at {rate} records/s) in {:.2} s ({:.2} s in the model, {})",
                            ms / 1000.0, self.compute_ms / 1000.0,
                            match (self.worker_count, self.hint.is_some()) {
                                (0, _) => "on this page".to_string(),
                                (_, true) => "in workers, then on this page".to_string(),
                                (1, false) => "in 1 worker".to_string(),
                                (n, false) => format!("summed over {n} workers"),
                            }) }</span>
                    }) }
                    { for self.hint.as_ref().map(|h| html! { <span id="sweep-hint" class="hint">{ h }</span> }) }
                </div>
                { for self.error.as_ref().map(|e| html! { <p class="error" role="alert">{ e }</p> }) }
                { for table }
            </details>
        }
    }
}
