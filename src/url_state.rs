//! The whole scenario lives in the page URL (`?scenario=<JSON>`), so a link reproduces the
//! exact run: config, cluster, workload, the faults injected so far, and the seed.

use producer_sim::Scenario;
use wasm_bindgen::JsValue;

use crate::bridge_client::query_param;

/// The scenario in the URL: `None` without one, `Err` with the reason when it is unreadable.
pub fn read_scenario() -> Option<Result<Scenario, String>> {
    let search = web_sys::window()?.location().search().ok()?;
    let text = query_param(&search, "scenario")?;
    Some(
        Scenario::parse(&text, false)
            .and_then(|s| s.validate().map(|_| s))
            .map_err(|e| e.0),
    )
}

/// Replaces the URL's scenario (keeping `?bridge=` if present) without a page load.
pub fn write_scenario(scenario: &Scenario) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let json = serde_json::to_string(scenario).unwrap_or_default();
    let mut query = format!(
        "?scenario={}",
        String::from(js_sys::encode_uri_component(&json))
    );
    if let Some(bridge) = window
        .location()
        .search()
        .ok()
        .and_then(|s| query_param(&s, "bridge"))
    {
        query.push_str(&format!(
            "&bridge={}",
            String::from(js_sys::encode_uri_component(&bridge))
        ));
    }
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&query));
    }
}
