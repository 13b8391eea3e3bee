//! The send path uses the configured partitioner: librdkafka's default hashes with CRC-32,
//! and Java's RoundRobinPartitioner spreads keyed records over every partition.

use std::collections::BTreeSet;

use producer_sim::event::{EventKind, PartitionHow};
use producer_sim::producer::producer_config::Profile;
use producer_sim::scenario::{KeyChoice, Workload};
use producer_sim::{Scenario, Simulation};

fn run(sc: Scenario) -> Simulation {
    let mut sim = Simulation::new(sc, true).expect("valid");
    sim.run_to_completion(600_000_000);
    sim
}

fn partitioned(sim: &Simulation) -> Vec<(u32, PartitionHow)> {
    sim.trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Partitioned { partition, how, .. } => Some((partition, how)),
            _ => None,
        })
        .collect()
}

#[test]
fn librdkafka_profile_hashes_keys_with_crc32_consistent_random() {
    let sc = Scenario {
        profile: Profile::Librdkafka2,
        workload: Workload {
            records: 50,
            keys: KeyChoice::Unique,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let sim = run(sc);
    let p = partitioned(&sim);
    assert_eq!(p.len(), 50);
    for (partition, how) in p {
        match how {
            PartitionHow::Crc32 {
                crc32,
                num_partitions,
            } => assert_eq!(partition, crc32 % num_partitions),
            other => panic!("expected CRC-32, got {other:?}"),
        }
    }
}

#[test]
fn java_profile_hashes_keys_with_murmur2() {
    let sim = run(Scenario {
        workload: Workload {
            records: 20,
            ..Workload::default()
        },
        ..Scenario::default()
    });
    assert!(
        partitioned(&sim)
            .iter()
            .all(|(_, how)| matches!(how, PartitionHow::Murmur2 { .. }))
    );
}

#[test]
fn round_robin_partitioner_ignores_keys_and_uses_every_partition() {
    let sc = Scenario {
        producer: [(
            "partitioner.class".to_string(),
            "org.apache.kafka.clients.producer.RoundRobinPartitioner".to_string(),
        )]
        .into_iter()
        .collect(),
        workload: Workload {
            records: 60,
            keys: KeyChoice::Pool { count: 1 },
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let sim = run(sc);
    let used: BTreeSet<u32> = partitioned(&sim).iter().map(|(p, _)| *p).collect();
    assert_eq!(
        used.len(),
        6,
        "one key, yet all 6 partitions get records: {used:?}"
    );
    assert_eq!(sim.deliveries.len(), 60);
}
