//! Scenario tests of the walking skeleton's pipeline, in the spirit of Kafka's
//! RecordAccumulatorTest and SenderTest: set up, run, assert on the trace and the logs.

use std::collections::BTreeMap;

use producer_sim::event::{EventKind, Outcome};
use producer_sim::producer::record_accumulator::ReadyReason;
use producer_sim::scenario::{KeyChoice, Workload};
use producer_sim::{Scenario, SimEvent, Simulation, partition_for_key};

fn scenario(props: &[(&str, &str)], workload: Workload) -> Scenario {
    Scenario {
        producer: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        workload,
        ..Scenario::default()
    }
}

fn run(sc: Scenario) -> Simulation {
    let mut sim = Simulation::new(sc, true).expect("valid scenario");
    sim.run_to_completion(600_000_000);
    assert!(sim.is_finished(), "the run should drain completely");
    sim
}

fn events(sim: &Simulation) -> &[SimEvent] {
    sim.trace.events()
}

fn drained(sim: &Simulation) -> Vec<(u64, ReadyReason, usize)> {
    events(sim)
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Drained {
                reason, records, ..
            } => Some((e.at_us, reason, records)),
            _ => None,
        })
        .collect()
}

/// Goal: linger.ms counts from batch creation. Method: one record, linger 50 ms, no idempotence
/// (acks=1), and check the batch leaves the accumulator exactly 50 ms after it was created.
#[test]
fn linger_expiry_makes_batch_ready() {
    let sim = run(scenario(
        &[("acks", "1"), ("linger.ms", "50")],
        Workload {
            records: 1,
            ..Workload::default()
        },
    ));
    assert_eq!(drained(&sim), vec![(50_000, ReadyReason::LingerExpired, 1)]);
}

/// Goal: a full batch is sent before linger expires. Method: batch.size fits ~2 records of
/// 100 bytes, linger 10 s; the first batch must leave when the third record closes it.
#[test]
fn full_batch_is_ready_before_linger() {
    let sim = run(scenario(
        &[("acks", "1"), ("linger.ms", "10000"), ("batch.size", "300")],
        Workload {
            records: 3,
            keys: KeyChoice::Pool { count: 1 },
            records_per_second: 1000,
            ..Workload::default()
        },
    ));
    let d = drained(&sim);
    assert_eq!(d[0].1, ReadyReason::Full);
    assert_eq!(d[0].2, 2, "two 100-byte records fill a 300-byte batch");
    assert_eq!(
        d[0].0, 2_000,
        "sent when the third record opened a new batch at t=2 ms"
    );
    assert_eq!(d[1], (10_002_000, ReadyReason::LingerExpired, 1));
}

/// Goal: acks=0 gives offset -1 to every callback, while the broker still writes the records.
#[test]
fn acks_zero_reports_offset_minus_one() {
    let sim = run(scenario(
        &[("acks", "0")],
        Workload {
            records: 50,
            ..Workload::default()
        },
    ));
    assert_eq!(sim.deliveries.len(), 50);
    assert!(
        sim.deliveries
            .iter()
            .all(|d| d.outcome == Outcome::Acked { offset: -1 })
    );
    let written: usize = (0..6).map(|p| sim.partition_log(p).unwrap().len()).sum();
    assert_eq!(written, 50);
    assert!(
        !events(&sim)
            .iter()
            .any(|e| matches!(e.kind, EventKind::ResponseReceived { .. })),
        "no responses"
    );
}

/// Goal: callbacks of one partition fire in send order with increasing offsets, and every
/// keyed record lands where the Java partitioner puts it.
#[test]
fn callbacks_fire_in_send_order_per_partition() {
    let sim = run(scenario(
        &[],
        Workload {
            records: 2000,
            records_per_second: 20_000,
            ..Workload::default()
        },
    ));
    assert_eq!(sim.deliveries.len(), 2000);
    let mut last: BTreeMap<u32, (u64, i64)> = BTreeMap::new();
    for d in &sim.deliveries {
        let Outcome::Acked { offset } = d.outcome else {
            panic!("record {} failed: {:?}", d.record, d.outcome)
        };
        if let Some((rec, off)) = last.insert(d.partition, (d.record, offset)) {
            assert!(
                rec < d.record && off + 1 == offset,
                "partition {} out of order",
                d.partition
            );
        }
    }
    for p in 0..6 {
        for entry in sim.partition_log(p).unwrap().entries() {
            let key = entry.key.as_ref().expect("keyed workload");
            assert_eq!(partition_for_key(key.as_bytes(), 6), p, "key {key}");
        }
    }
}

/// Goal: idempotent batches carry the producer id and per-partition sequences that count
/// records from 0 without gaps, stamped at drain.
#[test]
fn idempotent_sequences_are_contiguous_per_partition() {
    let sim = run(scenario(
        &[],
        Workload {
            records: 500,
            records_per_second: 10_000,
            ..Workload::default()
        },
    ));
    assert!(
        events(&sim)
            .iter()
            .any(|e| matches!(e.kind, EventKind::ProducerIdAssigned { .. }))
    );
    for p in 0..6 {
        for (i, entry) in sim.partition_log(p).unwrap().entries().enumerate() {
            assert_eq!(entry.sequence, i as i32);
            assert_eq!(entry.producer_id, 1000);
        }
    }
}

/// Goal: no more than max.in.flight.requests.per.connection requests per broker at once.
#[test]
fn in_flight_requests_never_exceed_the_limit() {
    let sc = Scenario {
        network: producer_sim::scenario::NetworkSpec {
            one_way_latency_us: 20_000,
            ..producer_sim::scenario::NetworkSpec::default()
        },
        ..scenario(
            &[
                ("acks", "1"),
                ("linger.ms", "0"),
                ("max.in.flight.requests.per.connection", "2"),
            ],
            Workload {
                records: 300,
                records_per_second: 10_000,
                ..Workload::default()
            },
        )
    };
    let sim = run(sc);
    let (mut now, mut max) = (0i32, 0i32);
    for e in events(&sim) {
        match e.kind {
            EventKind::RequestSent { .. } => now += 1,
            EventKind::ResponseReceived { .. } => now -= 1,
            _ => {}
        }
        max = max.max(now);
    }
    assert_eq!(max, 2);
    assert_eq!(sim.deliveries.len(), 300);
}

/// Goal: null keys stick to one partition (KIP-794), not round-robin.
#[test]
fn null_keys_stick_to_one_partition_per_batch() {
    let sim = run(scenario(
        &[("linger.ms", "1000")],
        Workload {
            records: 20,
            keys: KeyChoice::Null,
            ..Workload::default()
        },
    ));
    let parts: std::collections::BTreeSet<u32> =
        sim.deliveries.iter().map(|d| d.partition).collect();
    assert_eq!(
        parts.len(),
        1,
        "20 small records never reach batch.size, so one partition: {parts:?}"
    );
}

/// Goal: the same seed and scenario give the same trace; another seed gives another.
#[test]
fn same_seed_same_trace_hash() {
    let sc = scenario(
        &[],
        Workload {
            records: 300,
            keys: KeyChoice::Null,
            ..Workload::default()
        },
    );
    let a = run(sc.clone());
    let b = run(sc.clone());
    let c = run(Scenario { seed: 2, ..sc });
    assert_eq!(a.trace.hash(), b.trace.hash());
    assert_eq!(a.trace.events(), b.trace.events());
    assert_ne!(
        a.trace.hash(),
        c.trace.hash(),
        "the seed drives the sticky partition choice"
    );
}

/// Goal: invalid configs never start a run, and say why in Kafka's words.
#[test]
fn invalid_config_is_refused_with_kafkas_message() {
    let err = Simulation::new(scenario(&[("acks", "2")], Workload::default()), false)
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        "org.apache.kafka.common.config.ConfigException: Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"
    );
}
