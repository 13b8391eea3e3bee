//! Property tests over random configs and random fault schedules. Each case is one seed; a
//! failure prints it, and `Scenario { seed, .. }` with the same settings reproduces the run.

use std::collections::{BTreeMap, BTreeSet};

use producer_sim::event::Outcome;
use producer_sim::faults::random_faults;
use producer_sim::scenario::{ClusterSpec, KeyChoice, Workload};
use producer_sim::{Scenario, Simulation};
use proptest::prelude::*;

fn scenario(seed: u64, props: &[(&str, String)], partitions: u32, min_isr: u32) -> Scenario {
    let cluster = ClusterSpec {
        brokers: 3,
        partitions,
        replication_factor: 3,
        min_insync_replicas: min_isr,
        replica_lag_time_max_ms: 2_000,
        broker_session_timeout_ms: 1_500,
        ..ClusterSpec::default()
    };
    Scenario {
        seed,
        producer: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        faults: random_faults(seed, &cluster, 3_000, 4),
        cluster,
        workload: Workload {
            records: 300,
            records_per_second: 150,
            keys: KeyChoice::Pool { count: 8 },
            value_bytes: 16,
            ..Workload::default()
        },
        ..Scenario::default()
    }
}

fn run(sc: Scenario) -> Simulation {
    let seed = sc.seed;
    let mut sim = Simulation::new(sc, false).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished(), "seed {seed}: the run did not finish");
    sim
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// With idempotence and acks=all, under any fault schedule: no acknowledged record is
    /// lost, no record is written twice, and each partition's log keeps send order.
    #[test]
    fn idempotent_acks_all_never_loses_duplicates_or_reorders(
        seed in any::<u64>(),
        linger in prop_oneof![Just(0u64), Just(5), Just(50)],
        batch_size in prop_oneof![Just(16384usize), Just(200), Just(1000)],
        in_flight in 1usize..=5,
        partitions in 1u32..=4,
        min_isr in 1u32..=2,
    ) {
        let props = [
            ("linger.ms", linger.to_string()),
            ("batch.size", batch_size.to_string()),
            ("max.in.flight.requests.per.connection", in_flight.to_string()),
            ("request.timeout.ms", "3000".to_string()),
            ("delivery.timeout.ms", "60000".to_string()),
        ];
        let sim = run(scenario(seed, &props, partitions, min_isr));
        prop_assert_eq!(sim.deliveries.len(), 300, "seed {}: one callback per record", seed);
        for p in 0..partitions {
            let log: Vec<(i64, u64)> = sim.partition_log(p).map(|r| r.entries().map(|e| (e.offset, e.record)).collect()).unwrap_or_default();
            let records: Vec<u64> = log.iter().map(|(_, r)| *r).collect();
            let unique: BTreeSet<u64> = records.iter().copied().collect();
            prop_assert_eq!(unique.len(), records.len(), "seed {}: partition {} has a duplicate: {:?}", seed, p, records);
            prop_assert!(records.windows(2).all(|w| w[0] < w[1]), "seed {}: partition {} out of send order: {:?}", seed, p, records);
            let by_offset: BTreeMap<i64, u64> = log.into_iter().collect();
            for d in sim.deliveries.iter().filter(|d| d.partition == p) {
                if let Outcome::Acked { offset } = d.outcome {
                    prop_assert_eq!(by_offset.get(&offset), Some(&d.record), "seed {}: acked record {} lost from partition {}", seed, d.record, p);
                }
            }
        }
    }
}

/// Without idempotence the same kind of schedules can write a record twice or out of order:
/// across a handful of seeds, at least one does.
#[test]
fn without_idempotence_some_fault_schedule_duplicates_or_reorders() {
    let props = [
        ("enable.idempotence", "false".to_string()),
        ("linger.ms", "0".to_string()),
        ("request.timeout.ms", "3000".to_string()),
        ("delivery.timeout.ms", "60000".to_string()),
    ];
    let anomaly = (1..=40u64).find(|seed| {
        let sim = run(scenario(*seed, &props, 2, 1));
        (0..2).any(|p| {
            let records: Vec<u64> = sim
                .partition_log(p)
                .map(|r| r.entries().map(|e| e.record).collect())
                .unwrap_or_default();
            let unique: BTreeSet<u64> = records.iter().copied().collect();
            unique.len() != records.len() || records.windows(2).any(|w| w[0] > w[1])
        })
    });
    assert!(
        anomaly.is_some(),
        "no seed in 1..=40 produced a duplicate or reordering"
    );
}
