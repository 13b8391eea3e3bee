//! Per-broker network links: a broker's own latency, jitter and bandwidth for client traffic,
//! the slower link for replication, and FIFO order on every connection.

use std::collections::BTreeMap;

use producer_sim::event::EventKind;
use producer_sim::scenario::{ClusterSpec, KeyChoice, LinkSpec, NetworkSpec, Workload};
use producer_sim::{Scenario, Simulation};

fn run(sc: Scenario) -> Simulation {
    let mut sim = Simulation::new(sc, true).expect("valid scenario");
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished());
    sim
}

fn link(broker: u32) -> LinkSpec {
    LinkSpec {
        broker,
        one_way_latency_us: None,
        jitter_us: None,
        bandwidth_bytes_per_second: None,
    }
}

/// Round trips per node: (request id, node, sent µs, response µs, request bytes), in send order.
fn round_trips(sim: &Simulation) -> Vec<(u64, u32, u64, u64, usize)> {
    let mut sent = Vec::new();
    let mut answered = BTreeMap::new();
    for e in sim.trace.events() {
        match e.kind {
            EventKind::RequestSent {
                request,
                node,
                bytes,
                ..
            } => sent.push((request, node, e.at_us, bytes)),
            EventKind::ResponseReceived { request, .. } => {
                answered.insert(request, e.at_us);
            }
            _ => {}
        }
    }
    sent.into_iter()
        .map(|(r, n, at, bytes)| (r, n, at, answered[&r], bytes))
        .collect()
}

fn three_leaders(network: NetworkSpec, per_second: u32) -> Scenario {
    Scenario {
        producer: [("acks", "1")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cluster: ClusterSpec {
            brokers: 3,
            partitions: 3,
            ..ClusterSpec::default()
        },
        network,
        workload: Workload {
            records: 300,
            records_per_second: per_second,
            keys: KeyChoice::Pool { count: 30 },
            ..Workload::default()
        },
        ..Scenario::default()
    }
}

/// Goal: requests to broker 2 take its 20 ms each way; the others keep the 1 ms default.
/// Broker 3's 1 MB/s link adds each message's transmission time: the request's 64 + batch
/// bytes and the response's 64 + 32 bytes.
#[test]
fn each_broker_has_its_own_latency_and_bandwidth() {
    let sim = run(three_leaders(
        NetworkSpec {
            links: vec![
                LinkSpec {
                    one_way_latency_us: Some(20_000),
                    ..link(2)
                },
                LinkSpec {
                    bandwidth_bytes_per_second: Some(1_000_000),
                    ..link(3)
                },
            ],
            ..NetworkSpec::default()
        },
        50,
    ));
    let trips = round_trips(&sim);
    for node in 1..=3 {
        assert!(
            trips.iter().any(|t| t.1 == node),
            "node {node} got requests"
        );
    }
    for (_, node, sent, answered, bytes) in trips {
        let expected = match node {
            2 => 40_000,
            3 => 2_000 + (64 + bytes as u64) + (64 + 32),
            _ => 2_000,
        };
        assert_eq!(answered - sent, expected, "node {node}, {bytes} bytes");
    }
}

/// Goal: jitter on one broker's link reorders nothing: its responses arrive in the order the
/// requests were sent, though the jitter (30 ms) is far larger than the gap between sends.
#[test]
fn jitter_keeps_each_connection_in_order() {
    let sim = run(three_leaders(
        NetworkSpec {
            links: vec![LinkSpec {
                jitter_us: Some(30_000),
                ..link(1)
            }],
            ..NetworkSpec::default()
        },
        2_000,
    ));
    let mut order = Vec::new();
    for e in sim.trace.events() {
        if let EventKind::ResponseReceived { request, node: 1 } = e.kind {
            order.push(request);
        }
    }
    let trips = round_trips(&sim);
    let sent: Vec<u64> = trips.iter().filter(|t| t.1 == 1).map(|t| t.0).collect();
    assert!(sent.len() > 5);
    assert_eq!(order, sent);
    let spread: Vec<u64> = trips
        .iter()
        .filter(|t| t.1 == 1)
        .map(|t| t.3 - t.2)
        .collect();
    assert!(
        spread.iter().max() > spread.iter().min(),
        "jitter varies latency"
    );
}

/// Goal: a follower behind a 30 ms link slows acks=all: the leader's reply waits for the
/// follower's fetch to return data (30 ms) and its next fetch to report it (30 ms).
#[test]
fn a_slow_follower_link_slows_replication() {
    let base = |links: Vec<LinkSpec>| Scenario {
        producer: [("acks", "all")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cluster: ClusterSpec {
            brokers: 2,
            partitions: 1,
            replication_factor: 2,
            min_insync_replicas: 2,
            ..ClusterSpec::default()
        },
        network: NetworkSpec {
            links,
            ..NetworkSpec::default()
        },
        workload: Workload {
            records: 20,
            records_per_second: 10,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let probe = Simulation::new(base(vec![]), false).unwrap();
    let leader = probe.cluster.partitions[0].leader.unwrap();
    let follower = 3 - leader;
    let fast = round_trips(&run(base(vec![])));
    let slow = round_trips(&run(base(vec![LinkSpec {
        one_way_latency_us: Some(30_000),
        ..link(follower)
    }])));
    let worst_fast = fast.iter().map(|t| t.3 - t.2).max().unwrap();
    let best_slow = slow.iter().map(|t| t.3 - t.2).min().unwrap();
    assert!(worst_fast < 10_000, "{worst_fast}");
    assert!(best_slow >= 62_000, "{best_slow}");
    assert!(
        slow.iter().all(|t| t.1 == leader),
        "the client only talks to the leader"
    );
}
