//! Every scenario in `scenarios/` parses, runs to completion and shows what its comment says.

use producer_sim::event::{EventKind, Outcome};
use producer_sim::{Scenario, Simulation};

fn load(name: &str) -> Simulation {
    let path = format!("{}/../../scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let sc = Scenario::parse(&text, true).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut sim = Simulation::new(sc, true).unwrap_or_else(|e| panic!("{name}: {e}"));
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished(), "{name} finishes");
    sim
}

fn log(sim: &Simulation, p: u32) -> Vec<u64> {
    sim.partition_log(p)
        .map(|r| r.entries().map(|e| e.record).collect())
        .unwrap_or_default()
}

#[test]
fn every_example_parses_and_runs() {
    let dir = format!("{}/../../scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".toml") {
            let sim = load(&name);
            assert_eq!(
                sim.deliveries.len() as u64,
                sim.scenario.workload.records,
                "{name}: one callback per record"
            );
            n += 1;
        }
    }
    assert!(n >= 4);
}

#[test]
fn acks1_failover_example_loses_acknowledged_writes() {
    let sim = load("acks1-failover-loses-writes.toml");
    let in_log = log(&sim, 0);
    let lost = sim
        .deliveries
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Acked { .. }) && !in_log.contains(&d.record))
        .count();
    assert!(lost > 0);
}

#[test]
fn acks_all_failover_example_keeps_them() {
    let sim = load("acks-all-failover-keeps-writes.toml");
    let in_log = log(&sim, 0);
    assert!(
        sim.deliveries
            .iter()
            .all(|d| matches!(d.outcome, Outcome::Acked { .. }) && in_log.contains(&d.record))
    );
}

#[test]
fn lost_response_example_writes_a_duplicate() {
    let sim = load("lost-response-duplicates.toml");
    let l = log(&sim, sim.deliveries[0].partition);
    let unique: std::collections::BTreeSet<u64> = l.iter().copied().collect();
    assert!(l.len() > unique.len());
}

#[test]
fn sticky_example_switches_partitions_in_runs() {
    let sim = load("sticky-null-keys.toml");
    let switches = sim
        .trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::StickySwitched { .. }))
        .count();
    let used: std::collections::BTreeSet<u32> =
        sim.deliveries.iter().map(|d| d.partition).collect();
    assert!(
        switches > 10 && switches < 200,
        "switches after ~batch.size bytes, not per record: {switches}"
    );
    assert!(used.len() > 1);
}

#[test]
fn toml_and_json_describe_the_same_scenario() {
    let path = format!(
        "{}/../../scenarios/acks1-failover-loses-writes.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let sc = Scenario::parse(&std::fs::read_to_string(path).unwrap(), true).unwrap();
    let back = Scenario::parse(&sc.to_toml(), true).unwrap();
    assert_eq!(back, sc);
    let json = serde_json::to_string(&sc).unwrap();
    assert_eq!(Scenario::parse(&json, false).unwrap(), sc);
    assert!(
        Scenario::parse("[cluster]\nbrokerz = 3\n", true)
            .unwrap_err()
            .0
            .contains("unknown field `brokerz`")
    );
}

#[test]
fn batch_larger_than_max_message_example_splits_until_the_timeout() {
    let sim = load("batch-larger-than-max-message.toml");
    let splits = sim
        .trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::BatchSplit { .. }))
        .count();
    assert!(splits > 100);
    let timed_out = sim
        .deliveries
        .iter()
        .filter(
            |d| matches!(&d.outcome, Outcome::Failed { error, .. } if error == "DELIVERY_TIMEOUT"),
        )
        .count();
    assert!(timed_out >= 300, "{timed_out}");
}

#[test]
fn epoch_bump_example_writes_every_later_record_once_under_epoch_1() {
    let sim = load("epoch-bump-after-expiry.toml");
    let entries: Vec<_> = sim.partition_log(0).unwrap().entries().collect();
    let mut ids: Vec<u64> = entries.iter().map(|e| e.record).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), entries.len());
    assert!(
        entries
            .iter()
            .any(|e| e.producer_epoch == 1 && e.sequence == 0)
    );
    assert!(
        sim.deliveries
            .iter()
            .filter(|d| d.sent_at_us >= 2_100_000)
            .all(|d| matches!(d.outcome, Outcome::Acked { .. }))
    );
}

#[test]
fn flush_then_close_example_beats_linger() {
    let sim = load("flush-then-close.toml");
    let flushed = sim
        .deliveries
        .iter()
        .filter(|d| d.sent_at_us < 200_000)
        .all(|d| d.at_us < 300_000);
    assert!(flushed);
    let last = sim.deliveries.iter().map(|d| d.at_us).max().unwrap();
    assert!(
        last < 1_000_000,
        "close() does not wait out linger.ms: {last}"
    );
}
