//! Determinism across platforms: the golden scenario's trace hash is pinned in
//! `golden/trace_hash.txt`, and the browser test in the app (`tests/app.rs`) checks the same
//! file against the wasm32 build. A change here means the model's behaviour changed: if that
//! was intended, update the file (`UPDATE_GOLDEN=1 cargo test -p producer-sim --test golden_trace`).

use producer_sim::{Scenario, Simulation};

#[test]
fn golden_scenario_trace_hash_is_pinned() {
    let sc: Scenario = serde_json::from_str(include_str!("golden/scenario.json")).unwrap();
    let mut sim = Simulation::new(sc, false).unwrap();
    sim.run_to_completion(u64::MAX);
    assert_eq!(sim.deliveries.len(), 3000);
    let hash = format!("{:016x}", sim.trace.hash());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/trace_hash.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, format!("{hash}\n")).unwrap();
    }
    let pinned = std::fs::read_to_string(path).expect("golden/trace_hash.txt exists");
    assert_eq!(
        hash,
        pinned.trim(),
        "trace hash changed (seed {})",
        sim.scenario.seed
    );
}

/// A bounded trace keeps only the newest events, while its hash still covers the whole run.
#[test]
fn bounded_trace_keeps_the_newest_events_and_the_full_hash() {
    let sc: Scenario = serde_json::from_str(include_str!("golden/scenario.json")).unwrap();
    let mut full = Simulation::new(sc.clone(), true).unwrap();
    full.run_to_completion(u64::MAX);
    let mut bounded =
        Simulation::with_trace(sc, producer_sim::event::Trace::bounded(1000)).unwrap();
    bounded.run_to_completion(u64::MAX);
    assert_eq!(bounded.trace.hash(), full.trace.hash());
    assert_eq!(bounded.trace.len(), full.trace.len());
    let kept = bounded.trace.events();
    assert!((1000..2000).contains(&kept.len()), "{}", kept.len());
    assert_eq!(
        kept,
        &full.trace.events()[full.trace.events().len() - kept.len()..]
    );
}
