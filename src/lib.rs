//! Producer Lab: the Yew app. It renders the model in `producer-sim` stage by stage and, in
//! Real mode, sends the same produce calls through `producer-bridge` to a real Kafka.

pub mod app;
pub mod bridge_client;
pub mod charts;
pub mod config_panel;
pub mod controls;
pub mod export;
pub mod form;
pub mod lessons;
pub mod panels;
pub mod playback;
pub mod real_sweep;
pub mod sweep;
pub mod sweep_panel;
pub mod twin;
pub mod twin_view;
pub mod url_state;

pub use app::App;

/// The sweep's entry point for a Web Worker that instantiates this same module: one point of
/// `sweep::run_point` for the scenario in JSON, as `SweepPoint::to_values` (empty when the point
/// produced no figures). Errors are returned as strings, never panics.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn sweep_point(
    scenario_json: &str,
    batch_size: u32,
    linger_ms: u32,
    records: u32,
) -> Result<Vec<f64>, String> {
    let base: producer_sim::Scenario =
        serde_json::from_str(scenario_json).map_err(|e| format!("bad scenario: {e}"))?;
    let records = sweep::check_records(u64::from(records))?;
    Ok(
        sweep::run_point(&base, u64::from(batch_size), u64::from(linger_ms), records)
            .map_or_else(Vec::new, |p| p.to_values().to_vec()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The workers' entry point answers what `run_point` computes on the page, exactly.
    #[test]
    fn sweep_point_is_run_point_in_numbers() {
        let base = form::FormState::default().to_scenario().unwrap();
        let json = serde_json::to_string(&base).unwrap();
        let values = sweep_point(&json, 4096, 5, 2000).unwrap();
        let direct = sweep::run_point(&base, 4096, 5, 2000).unwrap();
        assert_eq!(sweep::SweepPoint::from_values(&values), Some(direct));
        assert_eq!(values, direct.to_values());
    }

    /// Bad input is an error string, not a panic.
    #[test]
    fn sweep_point_refuses_bad_input() {
        assert!(
            sweep_point("{not json", 4096, 5, 2000)
                .unwrap_err()
                .contains("bad scenario")
        );
        let json =
            serde_json::to_string(&form::FormState::default().to_scenario().unwrap()).unwrap();
        assert!(
            sweep_point(&json, 4096, 5, 0).is_err(),
            "0 records per point"
        );
        assert_eq!(sweep::SweepPoint::from_values(&[1.0, 2.0]), None);
    }
}
