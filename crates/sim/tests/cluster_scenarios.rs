//! Replication, acks and faults, in the spirit of Kafka's PartitionTest, ReplicaManagerTest
//! and SenderTest: set up a cluster, inject a fault, run, assert on logs and callbacks.

use std::collections::{BTreeMap, BTreeSet};

use producer_sim::event::{EventKind, Outcome};
use producer_sim::scenario::{ClusterSpec, Fault, FaultAt, KeyChoice, NetworkSpec, Workload};
use producer_sim::{Scenario, Simulation};

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn cluster(brokers: u32, partitions: u32, rf: u32, min_isr: u32) -> ClusterSpec {
    ClusterSpec {
        brokers,
        partitions,
        replication_factor: rf,
        min_insync_replicas: min_isr,
        ..ClusterSpec::default()
    }
}

fn at(ms: u64, fault: Fault) -> FaultAt {
    FaultAt { at_ms: ms, fault }
}

fn run(sc: Scenario) -> Simulation {
    let seed = sc.seed;
    let mut sim = Simulation::new(sc, true).expect("valid scenario");
    sim.run_to_completion(600_000_000);
    assert!(sim.is_finished(), "run did not finish (seed {seed})");
    sim
}

fn acked(sim: &Simulation) -> BTreeMap<u64, (u32, i64)> {
    sim.deliveries
        .iter()
        .filter_map(|d| match d.outcome {
            Outcome::Acked { offset } => Some((d.record, (d.partition, offset))),
            _ => None,
        })
        .collect()
}

fn log_records(sim: &Simulation, partition: u32) -> Vec<u64> {
    sim.partition_log(partition)
        .map(|r| r.entries().map(|e| e.record).collect())
        .unwrap_or_default()
}

/// The failover scenario of the `acks` doc: followers fall behind, the leader acknowledges
/// and dies, a follower from the ISR takes over with a shorter log.
fn failover(acks: &str, min_isr: u32) -> Scenario {
    Scenario {
        producer: props(&[("acks", acks), ("linger.ms", "0")]),
        cluster: cluster(3, 1, 3, min_isr),
        workload: Workload {
            records: 50,
            records_per_second: 100,
            keys: KeyChoice::Pool { count: 4 },
            value_bytes: 20,
            ..Workload::default()
        },
        faults: vec![
            at(
                0,
                Fault::SlowFollower {
                    broker: 2,
                    for_ms: 2_000,
                },
            ),
            at(
                0,
                Fault::SlowFollower {
                    broker: 3,
                    for_ms: 2_000,
                },
            ),
            at(1_000, Fault::KillLeader { partition: 0 }),
            at(15_000, Fault::RestartBroker { broker: 1 }),
        ],
        ..Scenario::default()
    }
}

/// Goal: acks=1 loses acknowledged writes on leader failover (unclean election off).
#[test]
fn acks_one_loses_unreplicated_writes_on_failover() {
    let sim = run(failover("1", 1));
    let acked = acked(&sim);
    let in_log: BTreeSet<u64> = log_records(&sim, 0).into_iter().collect();
    let lost: Vec<u64> = acked
        .keys()
        .filter(|r| !in_log.contains(r))
        .copied()
        .collect();
    assert!(!lost.is_empty(), "some acknowledged records must be gone");
    assert!(
        sim.trace
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::Truncated { node: 1, .. })),
        "the old leader truncated"
    );
    assert_eq!(
        sim.cluster.partitions[0].leader,
        Some(2),
        "a follower from the ISR took over"
    );
}

/// Goal: acks=all with min.insync.replicas=2 loses nothing it acknowledged in the same failover.
#[test]
fn acks_all_with_min_isr_two_keeps_every_acknowledged_write() {
    let sim = run(failover("all", 2));
    let acked = acked(&sim);
    assert_eq!(
        acked.len(),
        50,
        "every record is eventually acknowledged: {:?}",
        sim.deliveries
            .iter()
            .find(|d| !matches!(d.outcome, Outcome::Acked { .. }))
    );
    let log = log_records(&sim, 0);
    for r in acked.keys() {
        assert!(
            log.contains(r),
            "acknowledged record {r} is in the final log"
        );
    }
}

/// Goal: without idempotence, a lost response makes the retry write the batch twice.
#[test]
fn dropped_response_duplicates_without_idempotence() {
    let sc = Scenario {
        producer: props(&[
            ("enable.idempotence", "false"),
            ("request.timeout.ms", "2000"),
            ("linger.ms", "0"),
        ]),
        workload: Workload {
            records: 20,
            records_per_second: 100,
            keys: KeyChoice::Pool { count: 1 },
            value_bytes: 10,
            ..Workload::default()
        },
        faults: vec![at(50, Fault::DropNextResponse { broker: 1 })],
        ..Scenario::default()
    };
    let sim = run(sc);
    let p = sim.deliveries[0].partition;
    let log = log_records(&sim, p);
    let unique: BTreeSet<u64> = log.iter().copied().collect();
    assert!(
        log.len() > unique.len(),
        "some record was written twice: {log:?}"
    );
    assert_eq!(acked(&sim).len(), 20);
}

/// Goal: with idempotence the same lost response is recognised as a duplicate: no record is
/// written twice, and the retry reports the original offset.
#[test]
fn dropped_response_is_deduplicated_with_idempotence() {
    let sc = Scenario {
        producer: props(&[("request.timeout.ms", "2000"), ("linger.ms", "0")]),
        // Two records a second: fewer than five batches follow the lost one before its retry,
        // so it is still in the broker's 5-batch window.
        workload: Workload {
            records: 20,
            records_per_second: 2,
            keys: KeyChoice::Pool { count: 1 },
            value_bytes: 10,
            ..Workload::default()
        },
        faults: vec![at(50, Fault::DropNextResponse { broker: 1 })],
        ..Scenario::default()
    };
    let sim = run(sc);
    let p = sim.deliveries[0].partition;
    let log = log_records(&sim, p);
    let unique: BTreeSet<u64> = log.iter().copied().collect();
    assert_eq!(log.len(), unique.len(), "no duplicates: {log:?}");
    assert!(sim.trace.events().iter().any(|e| matches!(
        e.kind,
        EventKind::BrokerAppended {
            duplicate: true,
            ..
        }
    )));
    let offsets: Vec<i64> = acked(&sim).values().map(|(_, o)| *o).collect();
    assert_eq!(
        offsets,
        (0..20).collect::<Vec<_>>(),
        "each record got its own log offset, in order"
    );
}

/// Goal: without idempotence and with several requests in flight, a retried batch lands
/// after a later one: the log order differs from the send order.
#[test]
fn retry_without_idempotence_reorders() {
    let sc = Scenario {
        producer: props(&[
            ("enable.idempotence", "false"),
            ("request.timeout.ms", "1000"),
            ("linger.ms", "0"),
        ]),
        network: NetworkSpec {
            one_way_latency_us: 5_000,
            ..NetworkSpec::default()
        },
        workload: Workload {
            records: 30,
            records_per_second: 1000,
            keys: KeyChoice::Pool { count: 1 },
            value_bytes: 10,
            ..Workload::default()
        },
        faults: vec![at(3, Fault::DropNextRequest { broker: 1 })],
        ..Scenario::default()
    };
    let sim = run(sc);
    let log = log_records(&sim, sim.deliveries[0].partition);
    assert_eq!(log.len(), 30);
    assert!(
        log.windows(2).any(|w| w[0] > w[1]),
        "retried records land after later ones: {log:?}"
    );
}

/// Goal: with idempotence a lost request does not reorder: once the broker knows the
/// producer, it refuses the later batches as out of sequence until the retried one arrives.
/// (The drop comes after the first batches: a broker with no state for a producer accepts any
/// first sequence, as Kafka's `ProducerAppendInfo.checkSequence` does since KIP-360.)
#[test]
fn retry_with_idempotence_keeps_order() {
    let sc = Scenario {
        producer: props(&[("request.timeout.ms", "1000"), ("linger.ms", "0")]),
        network: NetworkSpec {
            one_way_latency_us: 5_000,
            ..NetworkSpec::default()
        },
        workload: Workload {
            records: 30,
            records_per_second: 1000,
            keys: KeyChoice::Pool { count: 1 },
            value_bytes: 10,
            ..Workload::default()
        },
        faults: vec![at(12, Fault::DropNextRequest { broker: 1 })],
        ..Scenario::default()
    };
    let sim = run(sc);
    let log = log_records(&sim, sim.deliveries[0].partition);
    assert_eq!(log, (0..30).collect::<Vec<_>>());
    assert!(sim.trace.events().iter().any(|e| matches!(&e.kind, EventKind::BrokerRejected { error, .. } if error == "OUT_OF_ORDER_SEQUENCE_NUMBER")));
}

/// Goal: a follower that stops fetching leaves the ISR after replica.lag.time.max.ms; with
/// min.insync.replicas=3 the leader then refuses acks=all writes with NOT_ENOUGH_REPLICAS,
/// and the producer retries until the follower is back.
#[test]
fn isr_shrink_gives_not_enough_replicas_until_the_follower_returns() {
    let mut c = cluster(3, 1, 3, 3);
    c.replica_lag_time_max_ms = 500;
    let sc = Scenario {
        // The short request timeout lets the parked requests fail over to fresh ones, which
        // then meet the shrunken ISR.
        producer: props(&[("linger.ms", "0"), ("request.timeout.ms", "1500")]),
        cluster: c,
        workload: Workload {
            records: 40,
            records_per_second: 10,
            keys: KeyChoice::Pool { count: 2 },
            value_bytes: 10,
            ..Workload::default()
        },
        faults: vec![at(
            100,
            Fault::SlowFollower {
                broker: 3,
                for_ms: 3_000,
            },
        )],
        ..Scenario::default()
    };
    let sim = run(sc);
    let events = sim.trace.events();
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.kind, EventKind::IsrChanged { isr, .. } if isr.len() == 2)),
        "ISR shrank"
    );
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::BrokerRejected { error, .. } if error == "NOT_ENOUGH_REPLICAS")));
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.kind, EventKind::IsrChanged { isr, .. } if isr.len() == 3)),
        "ISR grew back"
    );
    assert_eq!(acked(&sim).len(), 40);
}

/// Goal: acks=all answers only after followers fetched the batch: an extra round trip.
#[test]
fn acks_all_waits_for_the_followers() {
    let base = |acks: &str| Scenario {
        producer: props(&[("acks", acks), ("linger.ms", "0")]),
        cluster: cluster(3, 1, 3, 1),
        workload: Workload {
            records: 1,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let one = run(base("1"));
    let all = run(base("all"));
    let t1 = one.deliveries[0].at_us;
    let t_all = all.deliveries[0].at_us;
    // acks=1: request + response = 2 ms. acks=all also waits for a fetch response and the
    // follower's next fetch: 2 ms more (plus the InitProducerId round trip of the idempotent producer).
    assert_eq!(t1, 2_000);
    assert_eq!(t_all, 2_000 + 2_000 + 2_000);
}

/// Goal: the dedup window holds 5 batches. A lost response followed by more than five newer
/// batches on the partition can no longer be recognised: its retry is OUT_OF_ORDER_SEQUENCE_NUMBER,
/// which the idempotent producer retries (the batch is not next in line, `TransactionManager.canRetry`)
/// until delivery.timeout.ms, and then reports a failure for a record that is in the log.
#[test]
fn lost_response_behind_five_newer_batches_falls_out_of_the_dedup_window() {
    let sc = Scenario {
        producer: props(&[
            ("request.timeout.ms", "2000"),
            ("linger.ms", "0"),
            ("delivery.timeout.ms", "10000"),
        ]),
        workload: Workload {
            records: 20,
            records_per_second: 100,
            keys: KeyChoice::Pool { count: 1 },
            value_bytes: 10,
            ..Workload::default()
        },
        faults: vec![at(50, Fault::DropNextResponse { broker: 1 })],
        ..Scenario::default()
    };
    let sim = run(sc);
    let failed: Vec<u64> = sim
        .deliveries
        .iter()
        .filter(
            |d| matches!(&d.outcome, Outcome::Failed { error, .. } if error == "DELIVERY_TIMEOUT"),
        )
        .map(|d| d.record)
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "exactly the record whose response was lost fails"
    );
    let log = log_records(&sim, sim.deliveries[0].partition);
    assert_eq!(
        log.iter().filter(|r| **r == failed[0]).count(),
        1,
        "yet it was written, once"
    );
    assert!(sim.trace.events().iter().any(|e| matches!(&e.kind, EventKind::BrokerRejected { error, .. } if error == "OUT_OF_ORDER_SEQUENCE_NUMBER")));
}

/// Goal: a partition whose every ISR member is down goes offline; records wait and expire
/// with the delivery timeout instead of going to an out-of-sync replica.
#[test]
fn no_unclean_election_records_expire_while_offline() {
    let mut c = cluster(2, 1, 2, 1);
    c.replica_lag_time_max_ms = 500;
    let sc = Scenario {
        producer: props(&[
            ("acks", "1"),
            ("delivery.timeout.ms", "20000"),
            ("request.timeout.ms", "5000"),
            ("linger.ms", "0"),
        ]),
        cluster: c,
        workload: Workload {
            records: 10,
            records_per_second: 1,
            keys: KeyChoice::Pool { count: 1 },
            value_bytes: 10,
            ..Workload::default()
        },
        faults: vec![
            at(
                0,
                Fault::SlowFollower {
                    broker: 2,
                    for_ms: 60_000,
                },
            ),
            at(2_500, Fault::CrashBroker { broker: 1 }),
        ],
        ..Scenario::default()
    };
    let sim = run(sc);
    assert!(
        sim.trace
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::PartitionOffline { partition: 0 }))
    );
    let failed = sim
        .deliveries
        .iter()
        .filter(
            |d| matches!(&d.outcome, Outcome::Failed { error, .. } if error == "DELIVERY_TIMEOUT"),
        )
        .count();
    assert!(failed > 0, "records sent while offline expire");
}

/// Goal: a fault injected mid-run is data: replaying the scenario it was recorded into gives
/// the same trace.
#[test]
fn injected_fault_replays_identically_from_the_scenario() {
    let sc = Scenario {
        cluster: cluster(3, 3, 3, 2),
        workload: Workload {
            records: 300,
            records_per_second: 1000,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let mut live = Simulation::new(sc, false).unwrap();
    live.run_until(120_500);
    live.inject_now(Fault::KillLeader { partition: 1 });
    live.run_until(150_000);
    live.inject_now(Fault::DropNextResponse { broker: 2 });
    live.run_to_completion(600_000_000);
    let mut replay = Simulation::new(live.scenario.clone(), false).unwrap();
    replay.run_to_completion(600_000_000);
    assert_eq!(live.scenario.faults.len(), 2);
    assert_eq!(replay.trace.hash(), live.trace.hash());
    assert_eq!(replay.deliveries, live.deliveries);
}

/// Goal: bandwidth is part of latency: a 1 MB/s link adds each request's transmission time.
#[test]
fn limited_bandwidth_adds_transmission_time() {
    let base = |bandwidth: u64| Scenario {
        producer: props(&[("acks", "1"), ("linger.ms", "0")]),
        network: NetworkSpec {
            bandwidth_bytes_per_second: bandwidth,
            ..NetworkSpec::default()
        },
        workload: Workload {
            records: 1,
            value_bytes: 10_000,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let fast = run(base(0));
    let slow = run(base(1_000_000));
    let bytes: usize = fast
        .trace
        .events()
        .iter()
        .find_map(|e| match e.kind {
            EventKind::RequestSent { bytes, .. } => Some(bytes),
            _ => None,
        })
        .unwrap();
    // The request carries the batch plus 64 bytes of framing; 1 byte per µs at 1 MB/s.
    let tx = (bytes + 64) as u64;
    assert_eq!(
        slow.deliveries[0].at_us,
        fast.deliveries[0].at_us + tx + 96,
        "request {tx} µs + response 96 µs"
    );
}

/// Goal: jitter never reorders messages on one connection (TCP), and the same seed gives
/// the same jittered run.
#[test]
fn jitter_keeps_each_connection_in_order_and_is_seeded() {
    let sc = Scenario {
        producer: props(&[
            ("acks", "1"),
            ("linger.ms", "0"),
            ("max.in.flight.requests.per.connection", "5"),
            ("enable.idempotence", "false"),
        ]),
        network: NetworkSpec {
            jitter_us: 5_000,
            ..NetworkSpec::default()
        },
        workload: Workload {
            records: 300,
            records_per_second: 5000,
            keys: KeyChoice::Pool { count: 1 },
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let a = run(sc.clone());
    let b = run(sc);
    assert_eq!(a.trace.hash(), b.trace.hash());
    let log = log_records(&a, a.deliveries[0].partition);
    assert!(
        log.windows(2).all(|w| w[0] < w[1]),
        "requests arrive in the order they were sent"
    );
    let response_order: Vec<u64> = a
        .trace
        .events()
        .iter()
        .filter_map(|e| {
            if let EventKind::ResponseReceived { request, .. } = e.kind {
                Some(request)
            } else {
                None
            }
        })
        .collect();
    assert!(
        response_order.windows(2).all(|w| w[0] < w[1]),
        "responses too"
    );
}
