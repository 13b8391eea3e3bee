//! The outcome of a finished run as one JSON document (`producer-sim run`).

use serde_json::{Value, json};

use crate::Simulation;

/// Effective config, seed, every record's outcome, each partition's final log on its leader
/// (with replicas, ISR and high watermark), and the trace hash.
pub fn run_report(sim: &Simulation) -> Value {
    let partitions: Vec<Value> = sim
        .cluster
        .partitions
        .iter()
        .map(|p| {
            let log: Vec<_> = sim
                .partition_log(p.id)
                .map(|r| r.entries().collect())
                .unwrap_or_default();
            json!({
                "partition": p.id,
                "leader": p.leader,
                "leader_epoch": p.leader_epoch,
                "replicas": p.assignment,
                "isr": p.isr,
                "high_watermark": p.high_watermark,
                "log": log,
            })
        })
        .collect();
    json!({
        "profile": sim.config.profile,
        "config": sim.config,
        "seed": sim.scenario.seed,
        "records": sim.deliveries,
        "metrics": sim.metrics(),
        "partitions": partitions,
        "end_us": sim.now_us(),
        "trace_events": sim.trace.len(),
        "trace_hash": format!("{:016x}", sim.trace.hash()),
    })
}
