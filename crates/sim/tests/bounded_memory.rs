//! Long runs stay bounded: `retention.bytes` deletes the oldest batches of every replica and
//! moves the log start offset up, and `keep_callbacks` keeps only the newest reports.

use std::collections::BTreeMap;

use producer_sim::event::Outcome;
use producer_sim::scenario::{ClusterSpec, KeyChoice, Workload};
use producer_sim::{Scenario, Simulation};

fn long_run(records: u64, retention_bytes: Option<u64>) -> Scenario {
    Scenario {
        producer: BTreeMap::from([("linger.ms".into(), "2".into())]),
        cluster: ClusterSpec {
            brokers: 3,
            replication_factor: 3,
            min_insync_replicas: 2,
            partitions: 3,
            retention_bytes,
            ..ClusterSpec::default()
        },
        workload: Workload {
            records,
            records_per_second: 20_000,
            keys: KeyChoice::Pool { count: 30 },
            ..Workload::default()
        },
        ..Scenario::default()
    }
}

/// Goal: with retention.bytes=50000 each replica keeps at least the limit and less than the
/// limit plus its oldest batch, its log start offset is where the retained data begins, and the end offsets still
/// count every record ever written.
#[test]
fn retention_bytes_caps_every_replica() {
    let mut sim = Simulation::new(long_run(20_000, Some(50_000)), false).unwrap();
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished());
    assert!(
        sim.deliveries
            .iter()
            .all(|d| matches!(d.outcome, Outcome::Acked { .. }))
    );
    let mut written = 0;
    for p in &sim.cluster.partitions {
        let leader = &p.replicas[&p.leader.unwrap()];
        written += leader.log_end_offset();
        for replica in p.replicas.values() {
            // Deleting the oldest batch would take the log under the limit.
            let oldest = replica.batches.front().unwrap().size_in_bytes as u64;
            assert!(replica.size_in_bytes() < 50_000 + oldest);
            assert!(replica.size_in_bytes() >= 50_000);
            assert!(replica.log_start_offset() > 0);
            let first = replica.entries().next().unwrap().offset;
            assert_eq!(first, replica.log_start_offset());
            assert_eq!(replica.log_end_offset(), leader.log_end_offset());
            let sum: u64 = replica.batches.iter().map(|b| b.size_in_bytes as u64).sum();
            assert_eq!(sum, replica.size_in_bytes());
        }
    }
    assert_eq!(written, 20_000);
}

/// Goal: without retention.bytes nothing is deleted.
#[test]
fn no_retention_keeps_everything() {
    let mut sim = Simulation::new(long_run(2_000, None), false).unwrap();
    sim.run_to_completion(3_600_000_000);
    for p in &sim.cluster.partitions {
        for replica in p.replicas.values() {
            assert_eq!(replica.log_start_offset(), 0);
            assert_eq!(replica.entries().count() as i64, replica.log_end_offset());
        }
    }
}

/// Goal: with retention and a callbacks cap, what the simulation holds does not grow with the
/// run: 10× the records leave the same number of reports and log batches behind, while the
/// counts still cover every record.
#[test]
fn a_capped_run_holds_the_same_whatever_its_length() {
    let held = |records: u64| {
        let mut sim = Simulation::new(long_run(records, Some(20_000)), false).unwrap();
        sim.keep_callbacks(500);
        sim.run_to_completion(3_600_000_000);
        assert!(sim.is_finished());
        assert_eq!(sim.delivered_count(), records);
        let batches: usize = sim
            .cluster
            .partitions
            .iter()
            .flat_map(|p| p.replicas.values())
            .map(|r| r.batches.len())
            .sum();
        (sim.deliveries.len(), batches)
    };
    let (short_reports, short_batches) = held(5_000);
    let (long_reports, long_batches) = held(50_000);
    assert!(short_reports < 1000 && long_reports < 1000);
    assert!(
        long_batches <= short_batches * 2,
        "{short_batches} vs {long_batches}"
    );
}
