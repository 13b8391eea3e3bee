//! Headless-browser tests of the app (wasm-bindgen-test in Chromium): the page renders its
//! stages, Step advances the model, records reach the broker panel, and the model's trace
//! in wasm32 equals the native one.
#![cfg(target_arch = "wasm32")]

use producer_lab::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

async fn mount() -> Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
}

fn find(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

fn text(root: &Element, selector: &str) -> String {
    find(root, selector)
        .unwrap_or_else(|| panic!("{selector} missing"))
        .text_content()
        .unwrap_or_default()
}

async fn click(root: &Element, selector: &str) {
    find(root, selector)
        .unwrap()
        .dyn_into::<HtmlElement>()
        .unwrap()
        .click();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn page_renders_every_stage() {
    let root = mount().await;
    for id in [
        "app-panel",
        "serializer-panel",
        "partitioner-panel",
        "accumulator-panel",
        "sender-panel",
        "broker-panel",
        "callbacks-panel",
    ] {
        assert!(
            find(&root, &format!("#{id}")).is_some(),
            "#{id} is rendered"
        );
    }
    assert_eq!(text(&root, "#clock"), "t = 0.000 ms");
    assert!(find(&root, "#config-error").is_none());
}

#[wasm_bindgen_test]
async fn step_advances_the_model() {
    let root = mount().await;
    let before = root.query_selector_all("#trace li").unwrap().length();
    click(&root, "#step").await;
    let after = root.query_selector_all("#trace li").unwrap().length();
    assert!(
        after > before,
        "one Step adds events to the trace ({before} → {after})"
    );
    assert!(
        text(&root, "#app-panel").contains("1 / 400 send() calls"),
        "{}",
        text(&root, "#app-panel")
    );
}

#[wasm_bindgen_test]
async fn a_record_reaches_the_broker_panel() {
    let root = mount().await;
    let mut steps = 0;
    while find(&root, "#broker-panel .log-cell").is_none() {
        click(&root, "#step").await;
        steps += 1;
        assert!(
            steps < 500,
            "no record reached the broker after {steps} steps"
        );
    }
    // The broker appends on arrival; the callback fires when the response is back.
    while !text(&root, "#callbacks-panel").contains("→ P") {
        click(&root, "#step").await;
        steps += 1;
        assert!(steps < 500, "no callback after {steps} steps");
    }
    let clock = text(&root, "#clock");
    assert_ne!(clock, "t = 0.000 ms", "virtual time moved: {clock}");
}

#[wasm_bindgen_test]
fn trace_hash_in_wasm_equals_native() {
    let sc: producer_sim::Scenario =
        serde_json::from_str(include_str!("../crates/sim/tests/golden/scenario.json")).unwrap();
    let mut sim = producer_sim::Simulation::new(sc, false).unwrap();
    sim.run_to_completion(u64::MAX);
    let pinned = include_str!("../crates/sim/tests/golden/trace_hash.txt").trim();
    assert_eq!(format!("{:016x}", sim.trace.hash()), pinned);
}

fn set_url(query: &str) {
    let window = web_sys::window().unwrap();
    window
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(query))
        .unwrap();
}

fn input_value(root: &Element, selector: &str) -> String {
    find(root, selector)
        .unwrap()
        .dyn_into::<web_sys::HtmlInputElement>()
        .unwrap()
        .value()
}

#[wasm_bindgen_test]
async fn url_state_round_trips() {
    let scenario = producer_sim::Scenario {
        seed: 42,
        cluster: producer_sim::scenario::ClusterSpec {
            partitions: 4,
            ..Default::default()
        },
        faults: vec![producer_sim::scenario::FaultAt {
            at_ms: 5,
            fault: producer_sim::scenario::Fault::DropNextRequest { broker: 1 },
        }],
        ..Default::default()
    };
    let json = serde_json::to_string(&scenario).unwrap();
    set_url(&format!(
        "?scenario={}",
        String::from(js_sys::encode_uri_component(&json))
    ));
    let root = mount().await;
    assert_eq!(input_value(&root, "#seed"), "42");
    assert_eq!(input_value(&root, "#partitions"), "4");
    // The app writes back the scenario it runs, faults included.
    let search = web_sys::window().unwrap().location().search().unwrap();
    let written = producer_lab::bridge_client::query_param(&search, "scenario").unwrap();
    let back: producer_sim::Scenario = serde_json::from_str(&written).unwrap();
    assert_eq!(back.seed, 42);
    assert_eq!(back.faults, scenario.faults);
    set_url("?");
}

#[wasm_bindgen_test]
async fn garbage_in_the_url_gives_a_message_and_the_defaults() {
    set_url("?scenario=%7Bnot%20json");
    let root = mount().await;
    assert!(
        text(&root, "#url-error").contains("could not be read"),
        "{}",
        text(&root, "#url-error")
    );
    assert_eq!(input_value(&root, "#seed"), "1", "defaults are used");
    assert!(find(&root, "#step").is_some());
    set_url("?");
}

/// Clicking a batch follows it: the caption says where it is, from the accumulator into a
/// request; the request is selectable too, and the caption's ✕ clears the selection.
#[wasm_bindgen_test]
async fn a_batch_and_a_request_are_followed_through_the_stages() {
    let root = mount().await;
    let mut steps = 0;
    while find(&root, "#accumulator-panel .batch").is_none() {
        click(&root, "#step").await;
        steps += 1;
        assert!(steps < 500, "no batch after {steps} steps");
    }
    assert!(find(&root, "#selection-caption").is_none());
    click(&root, "#accumulator-panel .batch").await;
    let caption = text(&root, "#selection-caption");
    assert!(
        caption.starts_with("batch ") && caption.contains(": in the accumulator, "),
        "{caption}"
    );
    assert!(
        find(
            &root,
            "#accumulator-panel .batch.selected[aria-pressed=\"true\"]"
        )
        .is_some()
    );
    // Until it leaves in a request: the sender highlights it there.
    while find(&root, "#sender-panel .pick.bid.selected").is_none() {
        click(&root, "#step").await;
        steps += 1;
        assert!(
            steps < 2000,
            "the batch never left: {}",
            text(&root, "#selection-caption")
        );
    }
    let caption = text(&root, "#selection-caption");
    assert!(caption.contains(": in flight to broker "), "{caption}");
    assert!(find(&root, "#accumulator-panel .batch.selected").is_none());
    assert!(find(&root, "#sender-panel .request.selected").is_some());
    // The request carrying it.
    click(&root, "#sender-panel .request.selected .pick.rq").await;
    let caption = text(&root, "#selection-caption");
    assert!(
        caption.starts_with("request ") && caption.contains(": in flight with batch"),
        "{caption}"
    );
    assert!(find(&root, "#sender-panel .node.selected").is_some());
    assert!(find(&root, "#broker-panel .pill.selected").is_some());
    click(&root, "#selection-clear").await;
    assert!(find(&root, "#selection-caption").is_none());
    assert!(find(&root, ".pipeline .selected").is_none());
}
