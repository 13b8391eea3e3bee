//! The idempotent producer's sequence gaps: batches that expire after a retry leave their
//! sequences unresolved; once nothing is in flight the producer bumps its epoch locally
//! (KIP-360) and restarts the partition's sequences at 0, which the broker accepts for a new
//! epoch (TransactionManagerTest / SenderTest in spirit).

use std::collections::BTreeMap;

use producer_sim::event::{EventKind, Outcome};
use producer_sim::scenario::{ClusterSpec, Fault, FaultAt, KeyChoice, NetworkSpec, Workload};
use producer_sim::{Scenario, Simulation};

fn run(sc: Scenario) -> Simulation {
    let mut sim = Simulation::new(sc, true).expect("valid scenario");
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished());
    sim
}

fn cut_client_scenario() -> Scenario {
    Scenario {
        producer: BTreeMap::from([
            ("linger.ms".into(), "0".into()),
            ("request.timeout.ms".into(), "300".into()),
            ("delivery.timeout.ms".into(), "1000".into()),
        ]),
        cluster: ClusterSpec {
            partitions: 1,
            ..ClusterSpec::default()
        },
        workload: Workload {
            records: 300,
            records_per_second: 100,
            keys: KeyChoice::Pool { count: 1 },
            ..Workload::default()
        },
        // 20 ms each way: a request is always in flight when the cut comes.
        network: NetworkSpec {
            one_way_latency_us: 20_000,
            ..NetworkSpec::default()
        },
        faults: vec![FaultAt {
            at_ms: 500,
            fault: Fault::CutClient {
                broker: 1,
                for_ms: 1500,
            },
        }],
        ..Scenario::default()
    }
}

/// Goal: batches in retry expire while the client is cut off, so their sequences are
/// unresolved; once nothing is in flight the producer bumps its epoch to 1 and restarts at
/// sequence 0, and every record sent after the heal is acked, written once, under epoch 1.
#[test]
fn expired_retries_leave_a_gap_that_an_epoch_bump_closes() {
    let sim = run(cut_client_scenario());
    let bumps: Vec<(u64, Option<i16>)> = sim
        .trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::EpochBumped { epoch, .. } => Some((e.at_us, epoch)),
            _ => None,
        })
        .collect();
    assert_eq!(bumps.len(), 1, "{bumps:?}");
    assert_eq!(bumps[0].1, Some(1));
    let first_expiry = sim
        .deliveries
        .iter()
        .filter(
            |d| matches!(&d.outcome, Outcome::Failed { error, .. } if error == "DELIVERY_TIMEOUT"),
        )
        .map(|d| d.at_us)
        .min()
        .unwrap();
    assert!(
        bumps[0].0 >= first_expiry,
        "once the expired batch left nothing in flight"
    );

    let expired = sim.deliveries.iter().filter(
        |d| matches!(&d.outcome, Outcome::Failed { error, .. } if error == "DELIVERY_TIMEOUT"),
    );
    assert!(expired.count() > 0);
    let sent_after_heal: Vec<_> = sim
        .deliveries
        .iter()
        .filter(|d| d.sent_at_us >= 2_100_000)
        .collect();
    assert!(sent_after_heal.len() > 50);
    assert!(
        sent_after_heal
            .iter()
            .all(|d| matches!(d.outcome, Outcome::Acked { .. }))
    );

    let log: Vec<_> = sim.partition_log(0).unwrap().entries().collect();
    let mut records: Vec<u64> = log.iter().map(|e| e.record).collect();
    records.sort_unstable();
    records.dedup();
    assert_eq!(records.len(), log.len(), "no record written twice");
    let first_new_epoch = log.iter().position(|e| e.producer_epoch == 1).unwrap();
    assert_eq!(log[first_new_epoch].sequence, 0, "sequences restart at 0");
    assert!(log[..first_new_epoch].iter().all(|e| e.producer_epoch == 0));
    assert!(log[first_new_epoch..].iter().all(|e| e.producer_epoch == 1));
    // Sequences under each epoch are contiguous from 0.
    for epoch in [0, 1] {
        let seqs: Vec<i32> = log
            .iter()
            .filter(|e| e.producer_epoch == epoch)
            .map(|e| e.sequence)
            .collect();
        assert!(
            seqs.iter().enumerate().all(|(i, s)| *s == i as i32),
            "{seqs:?}"
        );
    }
}

/// Goal: a batch that fails for good before its retries ran out (MESSAGE_TOO_LARGE for a
/// single record) leaves a gap too: each such failure bumps the epoch, so the next batch
/// starts at sequence 0 of the new epoch instead of being refused as out of order.
#[test]
fn a_non_retriable_failure_bumps_the_epoch() {
    let mut sc = cut_client_scenario();
    sc.faults.clear();
    sc.workload.records = 3;
    sc.workload.records_per_second = 10;
    sc.workload.value_bytes = 5000;
    sc.cluster.max_message_bytes = 4000;
    let sim = run(sc);
    let drained: Vec<(i32, Option<i32>)> = sim
        .trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Drained { base_sequence, .. } => Some((0, base_sequence)),
            _ => None,
        })
        .collect();
    assert_eq!(drained.len(), 3);
    assert!(
        drained.iter().all(|(_, seq)| *seq == Some(0)),
        "{drained:?}"
    );
    let epochs: Vec<Option<i16>> = sim
        .trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::EpochBumped { epoch, .. } => Some(epoch),
            _ => None,
        })
        .collect();
    assert_eq!(epochs, vec![Some(1), Some(2), Some(3)]);
}

/// Goal: without the gap there is no bump: an ordinary run keeps epoch 0.
#[test]
fn no_gap_no_bump() {
    let mut sc = cut_client_scenario();
    sc.faults.clear();
    let sim = run(sc);
    assert!(
        !sim.trace
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::EpochBumped { .. }))
    );
    assert!(
        sim.deliveries
            .iter()
            .all(|d| matches!(d.outcome, Outcome::Acked { .. }))
    );
}
