//! The laboratory page: the run form, playback controls, the pipeline's stages and, in Real
//! mode, the bridge to a real Kafka beside the model's prediction.

use std::collections::BTreeMap;

use gloo_timers::callback::Interval;
use producer_sim::event::EventKind;
use producer_sim::litemap::LiteMap;
use producer_sim::scenario::Fault;
use producer_sim::{Simulation, partition_for_key};
use producer_wire::{
    BridgeFrame, ClientFrame, DeliveryOutcome, Produce, ProducerFrame, ProducerMetrics,
};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::bridge_client::{BridgeClient, BridgeEvent, default_bridge_url};
use crate::form::{Field, FormState};
use crate::panels;

/// Wall-clock milliseconds between animation ticks.
const TICK_MS: u32 = 50;
/// Speeds: virtual time per wall time, 0.1× to 1000×.
const SPEEDS: [(f64, &str); 9] = [
    (0.1, "0.1×"),
    (0.3, "0.3×"),
    (1.0, "1×"),
    (3.0, "3×"),
    (10.0, "10×"),
    (30.0, "30×"),
    (100.0, "100×"),
    (300.0, "300×"),
    (1000.0, "1000×"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Simulated,
    Real,
}

pub enum Msg {
    /// A field's text as typed: kept so that a re-render (every tick while playing, every
    /// bridge frame in Real mode) does not put the old value back under the cursor.
    Draft(Field, String),
    /// A field's text committed (change): the run restarts with it.
    Edit(Field, String),
    /// A producer config from the config panel (empty: back to the default).
    EditConfig(String, String),
    /// Load a lesson's scenario (empty id: free play).
    Lesson(String),
    RevealAnswer,
    /// Inject a fault now; it becomes part of the scenario.
    Fault(Fault),
    Apply,
    Play,
    Pause,
    Step,
    Tick,
    Speed(usize),
    /// Re-run the scenario from the start to this virtual time (determinism makes it exact).
    Scrub(u64),
    /// Space: play or pause.
    TogglePlay,
    /// The metrics table was opened or closed.
    MetricsOpen(bool),
    /// `producer.flush()` now.
    Flush,
    /// `producer.close(timeout)` now, with the timeout typed beside the button.
    Close,
    CloseTimeout(String),
    /// Light, dark, or the system's choice.
    Theme,
    /// Follow a record, batch or request through the stages (the same one again clears it).
    Select(panels::Selected),
    /// Escape or the caption's ✕: follow nothing.
    Deselect,
    Mode(Mode),
    BridgeUrl(String),
    /// The bridge address as typed (see [`Msg::Draft`]).
    BridgeUrlDraft(String),
    Bridge(BridgeEvent),
}

/// One record sent through the bridge: what the model predicts and what Kafka answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RealRecord {
    pub key: Option<String>,
    pub predicted: Option<u32>,
    pub result: Option<Result<(i32, i64), String>>,
}

/// Delivery reports the page keeps (the newest); counts still cover every record. Lessons
/// send far fewer, so their answers see every report.
const CALLBACKS_KEPT: usize = 20_000;

/// Trace events the page keeps (the newest); the trace hash still covers the whole run.
const TRACE_EVENTS_KEPT: usize = 200_000;

pub struct App {
    /// The timeout typed for `close()`, in ms (blank: none).
    close_timeout: String,
    /// Whether the metrics table is open (closed, it is not rendered).
    metrics_open: bool,
    /// The config key the error is about, when the client names one.
    error_key: Option<String>,
    /// Edits from the config panel (made once, so the panel re-renders only on change).
    edit_config: Callback<(String, String)>,
    /// The last tick covered too many records to animate each one.
    busy: bool,
    /// The last tick ran out of its time budget: the model is slower than the chosen speed.
    behind: bool,
    /// What the learner follows through the stages, and what the trace told about it.
    follow: panels::Follow,
    series: crate::charts::Series,
    /// "auto", "light" or "dark".
    theme: &'static str,
    _keys: Option<gloo_events::EventListener>,
    /// The furthest virtual time this run reached, for the timeline.
    horizon_us: u64,
    form: FormState,
    lesson: Option<&'static crate::lessons::Lesson>,
    revealed: bool,
    /// The scenario behind the form: what the form does not show (faults, other keys) lives here.
    base: producer_sim::Scenario,
    /// A shared link whose scenario could not be read.
    url_error: Option<String>,
    sim: Option<Simulation>,
    error: Option<String>,
    playing: bool,
    speed: usize,
    ticker: Option<Interval>,
    mode: Mode,
    bridge_url: String,
    bridge: Option<BridgeClient>,
    bridge_status: String,
    /// Records already handed to the bridge (by model record id).
    bridged_upto: u64,
    real: LiteMap<u64, RealRecord>,
    /// What the bridge made of our producer config (notes or refusals).
    real_config: Option<Result<Vec<String>, Vec<String>>>,
    /// The real producer's metrics under Java's names, from librdkafka's statistics.
    real_metrics: Option<Box<ProducerMetrics>>,
}

impl App {
    fn start(&mut self) {
        self.horizon_us = 0;
        self.series = Default::default();
        self.playing = false;
        self.ticker = None;
        self.bridged_upto = 0;
        self.real.clear();
        self.follow.restart();
        let sim = self
            .form
            .to_scenario_over(&self.base)
            .map_err(|e| (None, e))
            .and_then(|s| {
                Simulation::with_trace(s, producer_sim::event::Trace::bounded(TRACE_EVENTS_KEPT))
                    .map_err(|e| {
                        let key = match &e {
                            producer_sim::SetupError::Config(c) => c.key.clone(),
                            _ => None,
                        };
                        (key, e.to_string())
                    })
            });
        match sim {
            Ok(mut sim) => {
                sim.keep_callbacks(CALLBACKS_KEPT);
                self.base = sim.scenario.clone();
                crate::url_state::write_scenario(&self.base);
                self.sim = Some(sim);
                self.error = None;
                self.error_key = None;
            }
            Err((key, e)) => {
                self.sim = None;
                self.error = Some(e);
                self.error_key = key;
            }
        }
    }

    fn advance(&mut self, virtual_us: u64) {
        if let Some(sim) = self.sim.as_mut() {
            let target = sim.now_us() + virtual_us;
            let tick = crate::playback::run_within_sampling(
                sim,
                &mut self.series,
                target,
                crate::playback::TICK_BUDGET_MS,
                js_sys::Date::now,
            );
            self.busy = tick.records > crate::playback::ANIMATE_MAX_RECORDS;
            self.behind = tick.behind;
            self.horizon_us = self.horizon_us.max(sim.now_us());
            if sim.is_finished() {
                self.playing = false;
                self.ticker = None;
            }
        }
        self.forward_to_bridge();
    }

    /// In Real mode, every send() the model made is also produced through the bridge.
    fn forward_to_bridge(&mut self) {
        if self.mode != Mode::Real {
            return;
        }
        let (Some(sim), Some(bridge)) = (self.sim.as_ref(), self.bridge.as_ref()) else {
            return;
        };
        if !bridge.is_open() {
            return;
        }
        let topic = sim.scenario.cluster.topic.clone();
        let partitions = sim.scenario.cluster.partitions;
        // Sends are in record order: walk back from the newest until one already bridged.
        let mut new: Vec<(u64, Option<String>, Option<String>)> = Vec::new();
        for e in sim.trace.events().iter().rev() {
            if let EventKind::Send { record, key, value } = &e.kind {
                if *record < self.bridged_upto {
                    break;
                }
                new.push((*record, key.clone(), value.clone()));
            }
        }
        for (id, key, value) in new.into_iter().rev() {
            let predicted = key
                .as_ref()
                .map(|k| partition_for_key(k.as_bytes(), partitions));
            let frame = ClientFrame::Produce(Produce {
                id,
                topic: topic.clone(),
                key: key.clone(),
                value,
                headers: vec![],
                partition: None,
            });
            let result = bridge.send(&frame).err().map(Err);
            self.real.insert(
                id,
                RealRecord {
                    key,
                    predicted,
                    result,
                },
            );
            self.bridged_upto = id + 1;
        }
    }

    fn connect(&mut self, ctx: &Context<Self>) {
        self.bridge = None;
        match BridgeClient::connect(&self.bridge_url, ctx.link().callback(Msg::Bridge)) {
            Ok(c) => {
                self.bridge = Some(c);
                self.bridge_status = format!("connecting to {}", self.bridge_url);
            }
            Err(e) => self.bridge_status = e,
        }
    }

    fn on_delivery(&mut self, d: producer_wire::Delivery) {
        if let Some(r) = self.real.get_mut(&d.id) {
            r.result = Some(match d.outcome {
                DeliveryOutcome::Acked {
                    partition, offset, ..
                } => Ok((partition, offset)),
                DeliveryOutcome::Failed { error } => {
                    Err(format!("{} ({})", error.name, error.message))
                }
            });
        }
    }

    fn on_bridge(&mut self, event: BridgeEvent) {
        match event {
            BridgeEvent::Open => {
                self.bridge_status = format!("connected to {}", self.bridge_url);
                if let Some(b) = &self.bridge {
                    let _ = b.send(&ClientFrame::Hello {
                        version: producer_wire::PROTOCOL_VERSION,
                        token: None,
                        batch_deliveries: true,
                    });
                    // The real producer gets the settings the model runs with (Java key names).
                    let mut config = BTreeMap::new();
                    if let Some(s) = &self.sim {
                        // Inserted, not collect()ed: one stable sort fewer in the wasm bundle.
                        config.extend(
                            s.scenario
                                .producer
                                .iter()
                                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))),
                        );
                    }
                    let _ = b.send(&ClientFrame::Configure { config });
                }
                self.forward_to_bridge();
            }
            BridgeEvent::Frame(BridgeFrame::Welcome {
                bootstrap_servers, ..
            }) => {
                self.bridge_status = format!(
                    "connected to {} → Kafka at {bootstrap_servers}",
                    self.bridge_url
                );
            }
            BridgeEvent::Frame(BridgeFrame::Delivery(d)) => self.on_delivery(d),
            BridgeEvent::Frame(BridgeFrame::Deliveries { deliveries }) => {
                deliveries.into_iter().for_each(|d| self.on_delivery(d))
            }
            BridgeEvent::Frame(BridgeFrame::Error { message }) => {
                self.bridge_status = format!("bridge error: {message}")
            }
            BridgeEvent::Frame(BridgeFrame::Overloaded { id, retry_after_ms }) => {
                if let Some(r) = self.real.get_mut(&id) {
                    r.result = Some(Err(format!(
                        "bridge overloaded; retry after {retry_after_ms} ms"
                    )));
                }
            }
            BridgeEvent::Frame(BridgeFrame::Flushed) => {}
            BridgeEvent::Producer(ProducerFrame::Configured { notes, .. }) => {
                self.real_config = Some(Ok(notes))
            }
            BridgeEvent::Producer(ProducerFrame::ConfigRejected { rejected }) => {
                self.real_config = Some(Err(rejected
                    .iter()
                    .map(|r| format!("{}: {}", r.key, r.reason))
                    .collect()));
            }
            BridgeEvent::Producer(ProducerFrame::Stats { metrics, .. }) => {
                self.real_metrics = Some(metrics)
            }
            BridgeEvent::BadFrame(e) => {
                self.bridge_status = format!("unexpected frame from the bridge: {e}")
            }
            BridgeEvent::Closed(why) => {
                self.bridge = None;
                self.bridge_status = format!(
                    "disconnected ({why}); is producer-bridge running at {}?",
                    self.bridge_url
                );
            }
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let (form, base, url_error) = match crate::url_state::read_scenario() {
            Some(Ok(s)) => (FormState::from_scenario(&s), s, None),
            Some(Err(e)) => {
                let base = FormState::default().to_scenario().unwrap_or_default();
                (
                    FormState::default(),
                    base,
                    Some(format!(
                        "This link's scenario could not be read ({e}); showing the defaults."
                    )),
                )
            }
            None => (
                FormState::default(),
                FormState::default().to_scenario().unwrap_or_default(),
                None,
            ),
        };
        let mut app = App {
            follow: panels::Follow::default(),
            series: Default::default(),
            theme: "auto",
            _keys: None,
            horizon_us: 0,
            lesson: None,
            revealed: false,
            form,
            base,
            url_error,
            sim: None,
            error: None,
            playing: false,
            speed: 0,
            error_key: None,
            metrics_open: false,
            close_timeout: String::new(),
            edit_config: ctx.link().callback(|(k, v)| Msg::EditConfig(k, v)),
            busy: false,
            behind: false,
            ticker: None,
            mode: Mode::Simulated,
            bridge_url: default_bridge_url(),
            bridge: None,
            bridge_status: "not connected".into(),
            bridged_upto: 0,
            real: LiteMap::new_vec(),
            real_config: None,
            real_metrics: None,
        };
        app.start();
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::Draft(field, value) => {
                self.form.set(field, value);
                return false;
            }
            Msg::Edit(field, value) => {
                self.form.set(field, value);
                self.start();
            }
            Msg::EditConfig(key, value) => {
                let field = match key.as_str() {
                    "acks" => Some(Field::Acks),
                    "batch.size" => Some(Field::BatchSize),
                    "linger.ms" => Some(Field::LingerMs),
                    _ => None,
                };
                match field {
                    Some(f) => self.form.set(f, value),
                    None if value.trim().is_empty() => {
                        self.base.producer.remove(&key);
                    }
                    None => {
                        self.base.producer.insert(key, value.trim().to_string());
                    }
                }
                self.start();
            }
            Msg::Apply => self.start(),
            Msg::Lesson(id) => {
                self.lesson = crate::lessons::find(&id);
                self.revealed = false;
                if let Some(l) = self.lesson {
                    self.base = l.scenario();
                    self.form = FormState::from_scenario(&self.base);
                    self.start();
                }
            }
            Msg::RevealAnswer => self.revealed = true,
            Msg::Fault(fault) => {
                if let Some(sim) = self.sim.as_mut() {
                    sim.inject_now(fault);
                    self.base = sim.scenario.clone();
                    crate::url_state::write_scenario(&self.base);
                }
            }
            Msg::Play => {
                if self.sim.as_ref().is_some_and(|s| !s.is_finished()) {
                    self.playing = true;
                    let link = ctx.link().clone();
                    self.ticker =
                        Some(Interval::new(TICK_MS, move || link.send_message(Msg::Tick)));
                }
            }
            Msg::Pause => {
                self.playing = false;
                self.ticker = None;
            }
            Msg::Step => {
                if let Some(sim) = self.sim.as_mut() {
                    sim.step();
                    self.horizon_us = self.horizon_us.max(sim.now_us());
                }
                self.forward_to_bridge();
            }
            Msg::Tick => {
                let us = (f64::from(TICK_MS) * 1000.0 * SPEEDS[self.speed].0).max(1.0) as u64;
                self.advance(us);
            }
            Msg::Speed(i) => self.speed = i.min(SPEEDS.len() - 1),
            Msg::Select(what) => self.follow.toggle(what),
            Msg::Deselect => {
                if self.follow.selected().is_none() {
                    return false;
                }
                self.follow.clear();
            }
            Msg::Theme => {
                self.theme = match self.theme {
                    "auto" => "dark",
                    "dark" => "light",
                    _ => "auto",
                };
                if let Some(root) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.document_element())
                {
                    let _ = if self.theme == "auto" {
                        root.remove_attribute("data-theme")
                    } else {
                        root.set_attribute("data-theme", self.theme)
                    };
                }
            }
            Msg::MetricsOpen(open) => self.metrics_open = open,
            Msg::Flush | Msg::Close => {
                if let Some(sim) = self.sim.as_mut() {
                    match msg {
                        Msg::Flush => sim.flush(),
                        _ => match crate::controls::parse_timeout(&self.close_timeout) {
                            Ok(timeout) => sim.close(timeout),
                            Err(_) => return false,
                        },
                    }
                    self.base = sim.scenario.clone();
                    crate::url_state::write_scenario(&self.base);
                }
            }
            Msg::CloseTimeout(text) => self.close_timeout = text,
            Msg::TogglePlay => {
                let msg = if self.playing { Msg::Pause } else { Msg::Play };
                return <Self as Component>::update(self, ctx, msg);
            }
            Msg::Scrub(ms) => {
                let horizon = self.horizon_us;
                self.start();
                self.horizon_us = horizon;
                if let Some(sim) = self.sim.as_mut() {
                    // The charts' readings up to that moment, taken on the way: the same run.
                    self.series.run_until(sim, ms * 1000);
                }
            }
            Msg::Mode(mode) => {
                self.mode = mode;
                if mode == Mode::Real && self.bridge.is_none() {
                    self.connect(ctx);
                }
            }
            Msg::BridgeUrlDraft(url) => {
                self.bridge_url = url;
                return false;
            }
            Msg::BridgeUrl(url) => {
                self.bridge_url = url;
                if self.mode == Mode::Real {
                    self.connect(ctx);
                }
            }
            Msg::Bridge(event) => self.on_bridge(event),
        }
        // Only the events since the last update are read (none while nothing is selected).
        if let Some(sim) = &self.sim {
            self.follow.observe(sim);
        }
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        if !first_render {
            return;
        }
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let link = ctx.link().clone();
        let options = gloo_events::EventListenerOptions::enable_prevent_default();
        self._keys = Some(gloo_events::EventListener::new_with_options(
            &document,
            "keydown",
            options,
            move |event| {
                use wasm_bindgen::JsCast;
                let Some(e) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                // Typing in a field keeps its keys.
                let in_field = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| {
                        matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                    });
                if in_field {
                    return;
                }
                match e.key().as_str() {
                    " " => {
                        e.prevent_default();
                        link.send_message(Msg::TogglePlay);
                    }
                    "ArrowRight" => {
                        e.prevent_default();
                        link.send_message(Msg::Step);
                    }
                    "Escape" => link.send_message(Msg::Deselect),
                    _ => {}
                }
            },
        ));
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        html! {
            <main class={classes!("lab", (self.playing && self.busy).then_some("busy"))}>
                <header class="top">
                    <h1>{ "Producer Lab" }</h1>
                    <p class="tagline">{ "The Kafka producer, stage by stage: a faithful model you can step through" }</p>
                    <button class="theme" id="theme" onclick={link.callback(|_| Msg::Theme)}
                        aria-label="colour theme" title="Colour theme: system, dark or light">{ format!("theme: {}", self.theme) }</button>
                    { self.mode_switch(link) }
                </header>
                { self.lesson_bar(link) }
                { self.controls(link) }
                { match &self.sim {
                    Some(sim) => self.pipeline(sim, link),
                    None => html! {},
                } }
                { self.charts() }
                { for self.sim.as_ref().map(|s| self.metrics_panel(s, link)) }
                { for self.sim.as_ref().map(|_| html! { <crate::sweep_panel::SweepPanel base={self.base.clone()} /> }) }
                { if self.mode == Mode::Real { self.real_panel(link) } else { html! {} } }
                { if self.mode == Mode::Real { html! {
                    <>
                        <crate::twin_view::TwinView scenario={self.sim.as_ref().map(|s| s.scenario.clone())} bridge_url={self.bridge_url.clone()} />
                        <crate::real_sweep::RealSweep scenario={self.sim.as_ref().map(|s| s.scenario.clone())} bridge_url={self.bridge_url.clone()} />
                    </>
                } } else { html! {} } }
                { for self.sim.as_ref().map(|s| html! {
                    <crate::export::ExportPanel config={s.config.clone()} topic={s.scenario.cluster.topic.clone()} />
                }) }
                { for self.sim.as_ref().map(|s| html! {
                    <details class="events" open=true><summary>{ "Event trace (newest first)" }</summary>{ panels::recent_events(s) }</details>
                }) }
            </main>
        }
    }
}

impl App {
    fn lesson_bar(&self, link: &html::Scope<Self>) -> Html {
        let onchange = link.callback(|e: Event| {
            Msg::Lesson(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let current = self.lesson.map_or("", |l| l.id);
        let card = self.lesson.map(|l| {
            let finished = self.sim.as_ref().is_some_and(Simulation::is_finished);
            let answer = self.sim.as_ref().filter(|_| self.revealed && finished).map(|s| l.answer(s));
            html! {
                <div class="lesson-card" id="lesson-card">
                    <h2>{ l.title }</h2>
                    <p>{ l.narrative }</p>
                    <p class="hint"><b>{ "Watch: " }</b>{ l.watch }</p>
                    <p><b>{ "Question: " }</b>{ l.question }</p>
                    { match answer {
                        Some(a) => html! { <p class="answer" id="lesson-answer">{ a }</p> },
                        None => html! {
                            <button id="reveal" disabled={!finished} onclick={link.callback(|_| Msg::RevealAnswer)}
                                title="Play the run to its end first">{ "Reveal the answer from the run" }</button>
                        },
                    } }
                </div>
            }
        });
        html! {
            <section class="lessons" aria-label="Lessons">
                <label>{ "Lesson " }
                    <select id="lesson" {onchange} aria-label="lesson">
                        <option value="" selected={current.is_empty()}>{ "Free play" }</option>
                        { for crate::lessons::LESSONS.iter().map(|l| html! {
                            <option value={l.id} selected={current == l.id}>{ l.title }</option>
                        }) }
                    </select>
                </label>
                { for card }
            </section>
        }
    }

    fn mode_switch(&self, link: &html::Scope<Self>) -> Html {
        let button = |mode: Mode, id: &'static str, label: &'static str| {
            let pressed = self.mode == mode;
            html! {
                <button id={id} class={classes!("seg", pressed.then_some("on"))} aria-pressed={pressed.to_string()}
                    onclick={link.callback(move |_| Msg::Mode(mode))}>{ label }</button>
            }
        };
        html! {
            <div class="mode" role="group" aria-label="Broker">
                { button(Mode::Simulated, "mode-sim", "Simulated broker") }
                { button(Mode::Real, "mode-real", "Real Kafka (bridge)") }
            </div>
        }
    }

    /// The producer settings the run uses: the scenario's, with the form's three on top.
    fn config_set(&self) -> std::collections::BTreeMap<String, String> {
        let mut set = self.base.producer.clone();
        let f = &self.form;
        for (key, value) in [
            ("acks", &f.acks),
            ("batch.size", &f.batch_size),
            ("linger.ms", &f.linger_ms),
        ] {
            if value.trim().is_empty() {
                set.remove(key);
            } else {
                set.insert(key.to_string(), value.trim().to_string());
            }
        }
        set
    }

    fn controls(&self, link: &html::Scope<Self>) -> Html {
        let profile =
            producer_sim::producer::producer_config::Profile::parse(self.form.profile.trim())
                .unwrap_or(producer_sim::producer::producer_config::Profile::Kafka4);
        let input =
            |field: Field, id: &'static str, label: &'static str, value: &str, hint: String| {
                let onchange = link.callback(move |e: Event| {
                    Msg::Edit(field, e.target_unchecked_into::<HtmlInputElement>().value())
                });
                let oninput = link.callback(move |e: InputEvent| {
                    Msg::Draft(field, e.target_unchecked_into::<HtmlInputElement>().value())
                });
                let invalid = self.error_key.as_deref().is_some_and(|k| k == label);
                crate::controls::field(
                    id,
                    label,
                    crate::controls::input(id, value, invalid, oninput, onchange),
                    hint,
                )
            };
        // The three producer configs on the form say what the model's key docs say.
        let config_hint = |key: &str| crate::controls::config_hint(profile, key);
        let f = &self.form;
        let clock = self.sim.as_ref().map_or(0, |s| s.now_us());
        let finished = self.sim.as_ref().is_none_or(|s| s.is_finished());
        let speed_change = link.callback(|e: Event| {
            Msg::Speed(
                e.target_unchecked_into::<HtmlInputElement>()
                    .value()
                    .parse()
                    .unwrap_or(1),
            )
        });
        html! {
            <section class="controls" aria-label="Run">
                <div class="fields">
                    { input(Field::Seed, "seed", "seed", &f.seed, "One root seed makes the whole run reproducible: same seed and settings, same trace.".into()) }
                    { crate::controls::field("profile", "profile", crate::controls::profile_select(profile, link.callback(|e: Event| {
                        Msg::Edit(Field::Profile, e.target_unchecked_into::<HtmlInputElement>().value())
                    })), "Which client's defaults and validation the model uses. kafka-2.0 has the tutorial's defaults (acks=1, linger.ms=0, no idempotence).".into()) }
                    { input(Field::Acks, "acks", "acks", &f.acks, config_hint("acks")) }
                    { input(Field::BatchSize, "batch-size", "batch.size", &f.batch_size, config_hint("batch.size")) }
                    { input(Field::LingerMs, "linger-ms", "linger.ms", &f.linger_ms, config_hint("linger.ms")) }
                    { input(Field::Partitions, "partitions", "partitions", &f.partitions, "Partitions of the topic (1 to 1024).".into()) }
                    { input(Field::Brokers, "brokers", "brokers", &f.brokers, "Brokers in the cluster; partition leaders are spread over them.".into()) }
                    { input(Field::ReplicationFactor, "replication-factor", "replication", &f.replication_factor, "Replicas per partition: the leader and its followers.".into()) }
                    { input(Field::MinInsyncReplicas, "min-isr", "min.insync.replicas", &f.min_insync_replicas, "Topic config: with acks=all the leader refuses writes (NOT_ENOUGH_REPLICAS) while the ISR is smaller than this. Kafka's default is 1; 2 with replication 3 is the usual advice.".into()) }
                    { input(Field::RecordsPerSecond, "rate", "records/s", &f.records_per_second, "send() calls per second of model time, evenly spaced.".into()) }
                    { input(Field::Records, "records", "records", &f.records, "How many records the application sends in all.".into()) }
                    { input(Field::Keys, "keys", "keys", &f.keys, "pool:N (N distinct keys), null (the sticky partitioner decides), unique, list:a,b,c (in turn) or hot:SHARE:POOL:KEY.".into()) }
                </div>
                <crate::config_panel::ConfigPanel profile={profile} set={self.config_set()}
                    error={self.error_key.clone().zip(self.error.clone()).map(|(k, e)| (Some(k), e))} on_edit={self.edit_config.clone()} />
                { for self.url_error.as_ref().map(|e| html! { <p id="url-error" class="error" role="alert">{ e }</p> }) }
                { for self.error.as_ref().map(|e| html! { <p id="config-error" class="error" role="alert">{ e }</p> }) }
                <div class="playback">
                    { if self.playing {
                        html! { <button id="pause" onclick={link.callback(|_| Msg::Pause)}>{ "Pause" }</button> }
                    } else {
                        html! { <button id="play" disabled={finished} onclick={link.callback(|_| Msg::Play)}>{ "▶ Play" }</button> }
                    } }
                    <button id="step" disabled={finished} onclick={link.callback(|_| Msg::Step)} title="Process one event (→)">{ "Step" }</button>
                    <button id="reset" onclick={link.callback(|_| Msg::Apply)}>{ "Reset" }</button>
                    <label class="speed">{ "speed " }
                        <select onchange={speed_change} aria-label="speed">
                            { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                                <option value={i.to_string()} selected={i == self.speed}>{ *name }</option>
                            }) }
                        </select>
                    </label>
                    { self.fault_buttons(link) }
                    { for self.sim.as_ref().filter(|_| self.horizon_us > 0).map(|s| {
                        let onchange = link.callback(|e: Event| {
                            Msg::Scrub(e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(0))
                        });
                        html! {
                            <input id="scrubber" type="range" min="0" max={(self.horizon_us / 1000).to_string()}
                                value={(s.now_us() / 1000).to_string()} {onchange}
                                aria-label="timeline: go back to any earlier moment" title="Timeline: re-runs the same scenario to that moment" />
                        }
                    }) }
                    <span id="clock" class="clock">{ format!("t = {:.3} ms", clock as f64 / 1000.0) }</span>
                    { if self.playing && self.behind {
                        html! { <span id="behind" class="hint" title="Each tick gets a fixed share of the frame; the rest draws the page">{ "the model runs slower than this speed" }</span> }
                    } else { html! {} } }
                    { for self.sim.as_ref().map(|s| html! {
                        <span class="hash" title="Same seed and settings, same trace">{ format!("trace {:016x}", s.trace.hash()) }</span>
                    }) }
                </div>
            </section>
        }
    }

    fn fault_buttons(&self, link: &html::Scope<Self>) -> Html {
        let Some(sim) = self.sim.as_ref() else {
            return html! {};
        };
        let finished = sim.is_finished();
        let leader_p0 = sim.cluster.partitions.first().and_then(|p| p.leader);
        let down: Vec<u32> = (1..=sim.scenario.cluster.brokers)
            .filter(|b| !sim.cluster.is_alive(*b))
            .collect();
        let button = |id: &'static str,
                      label: String,
                      title: &'static str,
                      fault: Option<Fault>| {
            let disabled = finished || fault.is_none();
            let onclick = link.batch_callback(move |_| fault.clone().map(Msg::Fault));
            html! { <button id={id} class="fault" {title} {disabled} {onclick}>{ label }</button> }
        };
        html! {
            <span class="faults" role="group" aria-label="Faults">
                { button("fault-kill-leader", format!("Kill leader of P0{}", leader_p0.map_or(String::new(), |l| format!(" (broker {l})"))),
                    "Crash the broker leading partition 0; the controller notices after broker.session.timeout.ms",
                    Some(Fault::KillLeader { partition: 0 })) }
                { button("fault-restart", format!("Restart {}", down.first().map_or("broker".to_string(), |b| format!("broker {b}"))),
                    "Bring a crashed broker back; it truncates to its leader and catches up",
                    down.first().map(|b| Fault::RestartBroker { broker: *b })) }
                { button("fault-drop-request", "Drop next request".into(), "Lose the next ProduceRequest to broker 1",
                    Some(Fault::DropNextRequest { broker: 1 })) }
                { button("fault-drop-response", "Drop next response".into(), "Broker 1 writes the next request but its response is lost: a retry follows",
                    Some(Fault::DropNextResponse { broker: 1 })) }
                { button("fault-slow-follower", "Slow follower (10 s)".into(), "The last broker stops fetching for 10 s and leaves the ISR",
                    Some(Fault::SlowFollower { broker: sim.scenario.cluster.brokers, for_ms: 10_000 })) }
            </span>
        }
    }

    /// `flush()` and `close(timeout)`: calls on the producer, recorded in the scenario (its
    /// `calls`) so that a shared link or the timeline replays them.
    fn call_buttons(&self, sim: &Simulation, link: &html::Scope<Self>) -> Html {
        let open = !sim.is_finished() && !sim.app.calls.closing() && !sim.app.calls.closed;
        let timeout = crate::controls::parse_timeout(&self.close_timeout);
        let on_timeout = link.callback(|e: InputEvent| {
            Msg::CloseTimeout(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        html! {
            <div class="calls" role="group" aria-label="Producer calls">
                <button id="call-flush" disabled={!open || sim.app.calls.flushing()} onclick={link.callback(|_| Msg::Flush)}
                    title="producer.flush(): every batch becomes sendable now; the application waits until the records sent so far complete">{ "flush()" }</button>
                <button id="call-close" disabled={!open || timeout.is_err()} onclick={link.callback(|_| Msg::Close)}
                    title="producer.close(timeout): sends what is buffered and stops; after the timeout the rest is aborted">
                    { match timeout { Ok(Some(ms)) => format!("close({ms} ms)"), _ => "close()".to_string() } }</button>
                <input id="close-timeout" class="timeout" value={self.close_timeout.clone()} oninput={on_timeout} placeholder="no timeout"
                    aria-label="close() timeout in ms (blank: wait for every record)" aria-invalid={timeout.is_err().to_string()}
                    title="close() timeout in ms; blank waits for every record, 0 aborts at once" inputmode="numeric" />
            </div>
        }
    }

    fn pipeline(&self, sim: &Simulation, link: &html::Scope<Self>) -> Html {
        let sel = panels::Selection {
            follow: &self.follow,
            select: link.callback(Msg::Select),
        };
        html! {
            <>
            { panels::selection_caption(sim, &self.follow, self.playing, link.callback(|_| Msg::Deselect)) }
            <div class="pipeline">
                { panels::stage("app-panel", "Application", "send()", panels::application(sim, &sel, self.call_buttons(sim, link))) }
                { panels::stage("serializer-panel", "Serializer", "key/value → bytes", panels::serializer(sim)) }
                { panels::stage("partitioner-panel", "Partitioner", "which partition", panels::partitioner(sim)) }
                { panels::stage("accumulator-panel", "Record Accumulator", "batches per partition", panels::accumulator(sim, &sel)) }
                { panels::stage("sender-panel", "Sender", "requests in flight", panels::sender(sim, &sel)) }
                { panels::stage("broker-panel", "Broker", "partition logs", panels::broker(sim, &sel)) }
                { panels::stage("callbacks-panel", "Callbacks", "delivery reports", panels::callbacks(sim, &sel)) }
            </div>
            </>
        }
    }

    fn charts(&self) -> Html {
        crate::charts::grid(&self.series)
    }

    /// The model's metrics under Kafka's names, beside the real producer's in Real mode.
    fn metrics_panel(&self, sim: &Simulation, link: &html::Scope<Self>) -> Html {
        let ontoggle = link.callback(|e: Event| {
            Msg::MetricsOpen(
                e.target_unchecked_into::<web_sys::Element>()
                    .has_attribute("open"),
            )
        });
        // Closed, the table is not built at all (it would change on every tick).
        let model = if self.metrics_open {
            serde_json::to_value(sim.metrics()).unwrap_or_default()
        } else {
            serde_json::Value::Null
        };
        // Inserted one by one: `LiteMap`'s `collect` sorts, a stable sort more in the bundle.
        let mut real: LiteMap<&str, f64> = LiteMap::new_vec();
        for (k, v) in self.real_metrics.iter().flat_map(|m| m.named()) {
            if let Some(v) = v {
                real.insert(k, v);
            }
        }
        let show_real = self.mode == Mode::Real;
        let rows = model.as_object().into_iter().flatten().map(|(name, v)| {
            let text = match v {
                serde_json::Value::Number(n) => n.as_f64().map_or("–".into(), |f| {
                    if f.fract() == 0.0 {
                        format!("{f:.0}")
                    } else {
                        format!("{f:.2}")
                    }
                }),
                _ => "–".to_string(),
            };
            let real = real
                .get(name.as_str())
                .map_or("–".to_string(), |v| format!("{v:.2}"));
            html! {
                <tr key={name.clone()}>
                    <td>{ name.clone() }</td><td class="num">{ text }</td>
                    { if show_real { html! { <td class="num">{ real }</td> } } else { html! {} } }
                </tr>
            }
        });
        html! {
            <details class="events" id="metrics" {ontoggle}>
                <summary>{ "Metrics (producer-metrics, under Kafka's names)" }</summary>
                <table class="deliveries metrics-table">
                    <thead><tr><th>{ "metric" }</th><th>{ "model" }</th>{ if show_real { html! { <th>{ "real (librdkafka)" }</th> } } else { html! {} } }</tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                <p class="hint">{ "Computed as Kafka computes them: rates and averages over metrics.num.samples windows of metrics.sample.window.ms (2 × 30 s by default), totals over the whole run; latency percentiles as kafka-producer-perf-test prints them." }</p>
            </details>
        }
    }

    fn real_panel(&self, link: &html::Scope<Self>) -> Html {
        let onchange = link.callback(|e: Event| {
            Msg::BridgeUrl(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let oninput = link.callback(|e: InputEvent| {
            Msg::BridgeUrlDraft(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let acked = self
            .real
            .values()
            .filter(|r| matches!(r.result, Some(Ok(_))))
            .count();
        let agree = self
            .real
            .values()
            .filter(|r| matches!((r.predicted, &r.result), (Some(p), Some(Ok((q, _)))) if p as i32 == *q))
            .count();
        let rows = self.real.iter().rev().take(20).map(|(id, r)| {
            let (part, offset, status) = match &r.result {
                None => ("…".to_string(), "…".to_string(), "pending".to_string()),
                Some(Ok((p, o))) => (p.to_string(), o.to_string(), "acked".to_string()),
                Some(Err(e)) => ("–".into(), "–".into(), e.clone()),
            };
            let matches = match (r.predicted, &r.result) {
                (Some(p), Some(Ok((q, _)))) => if p as i32 == *q { "✓" } else { "✗" },
                _ => "",
            };
            html! {
                <tr key={*id}>
                    <td>{ format!("#{id}") }</td>
                    <td>{ r.key.clone().unwrap_or_else(|| "null".into()) }</td>
                    <td>{ r.predicted.map_or("sticky".to_string(), |p| p.to_string()) }</td>
                    <td class="real-partition">{ part }</td><td>{ offset }</td><td>{ matches }</td><td>{ status }</td>
                </tr>
            }
        });
        html! {
            <section class="real" id="real-panel" aria-label="Real Kafka">
                <header>
                    <h2>{ "Real Kafka, through the bridge" }</h2>
                    <label>{ "bridge " }<input id="bridge-url" value={self.bridge_url.clone()} {oninput} {onchange} /></label>
                    <span id="bridge-status" class="status">{ &self.bridge_status }</span>
                </header>
                <p class="hint">{ format!("{} sent · {acked} acked by Kafka · {agree} on the partition the model predicted (librdkafka partitioner=murmur2_random, as Java)", self.real.len()) }</p>
                { match &self.real_config {
                    Some(Ok(notes)) if !notes.is_empty() => html! { <p class="hint">{ format!("bridge: {}", notes.join("; ")) }</p> },
                    Some(Err(refused)) => html! { <p class="error" role="alert">{ format!("The bridge cannot honour: {}", refused.join("; ")) }</p> },
                    _ => html! {},
                } }
                { for self.real_metrics.as_ref().map(|m| html! {
                    <dl class="metrics" id="real-metrics">
                        { for m.named().iter().filter_map(|(name, v)| v.map(|v| html! {
                            <><dt>{ *name }</dt><dd>{ format!("{v:.2}") }</dd></>
                        })) }
                    </dl>
                }) }
                <table class="deliveries">
                    <thead><tr><th>{ "record" }</th><th>{ "key" }</th><th>{ "model" }</th><th>{ "Kafka" }</th><th>{ "offset" }</th><th></th><th>{ "status" }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </section>
        }
    }
}
