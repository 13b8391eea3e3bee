//! The standard throughput benchmark: simulated records per second of wall time.
//!
//! Scenario: the default kafka-4 config, one broker, 6 partitions, keys from a pool of 1000,
//! 100-byte values, no compression, no trace. The clock is passed in, so the library stays
//! free of wall time; the CLI and the criterion bench supply `std::time::Instant`.

use crate::Simulation;
use crate::event::Trace;
use crate::scenario::{ClusterSpec, KeyChoice, Scenario, Workload};

/// The benchmark's scenario with `records` records sent at 1,000,000 per virtual second.
pub fn standard_scenario(records: u64) -> Scenario {
    Scenario {
        cluster: ClusterSpec {
            partitions: 6,
            ..ClusterSpec::default()
        },
        workload: Workload {
            records,
            records_per_second: 1_000_000,
            keys: KeyChoice::Pool { count: 1000 },
            value_bytes: 100,
            ..Workload::default()
        },
        ..Scenario::default()
    }
}

/// Runs the standard scenario to completion without a trace; returns the records delivered.
/// `bounded`: retention.bytes of 1 MiB per partition and the newest 10,000 reports only.
pub fn run_standard(records: u64, bounded: bool) -> u64 {
    let mut scenario = standard_scenario(records);
    if bounded {
        scenario.cluster.retention_bytes = Some(1 << 20);
    }
    let mut sim =
        Simulation::with_trace(scenario, Trace::off()).expect("the standard scenario is valid");
    if bounded {
        sim.keep_callbacks(10_000);
    }
    sim.run_to_completion(u64::MAX);
    sim.delivered_count()
}
