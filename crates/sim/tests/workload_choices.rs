//! The application's choices: key distributions (list, hot key), record headers and value
//! sizes, all seeded, with their sizes flowing into batches and clear errors for bad input.

use producer_sim::event::EventKind;
use producer_sim::scenario::{KeyChoice, Workload};
use producer_sim::{Scenario, Simulation};

fn run(sc: Scenario) -> Simulation {
    let mut sim = Simulation::new(sc, true).expect("valid scenario");
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished());
    sim
}

fn scenario(workload: Workload) -> Scenario {
    Scenario {
        workload,
        ..Scenario::default()
    }
}

fn sent_keys(sim: &Simulation) -> Vec<Option<String>> {
    sim.trace
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Send { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect()
}

fn hot(share: f64, pool: u32, records: u64, seed: u64) -> Scenario {
    Scenario {
        seed,
        ..scenario(Workload {
            records,
            keys: KeyChoice::Hot {
                key: "celebrity".into(),
                share,
                pool,
            },
            ..Workload::default()
        })
    }
}

/// Goal: a key list is used in order, over and over.
#[test]
fn a_key_list_cycles_in_order() {
    let sim = run(scenario(Workload {
        records: 7,
        keys: KeyChoice::List {
            keys: vec!["a".into(), "b".into(), "c".into()],
        },
        ..Workload::default()
    }));
    let expected = ["a", "b", "c", "a", "b", "c", "a"].map(|k| Some(k.to_string()));
    assert_eq!(sent_keys(&sim), expected);
}

/// Goal: a hot key takes its share of the records (within 4 standard deviations of the
/// binomial), the rest spread over `key-0` … `key-{pool-1}`; the same seed repeats the run
/// and another seed does not.
#[test]
fn a_hot_key_takes_its_share() {
    let n = 5_000u64;
    let sim = run(hot(0.8, 50, n, 1));
    let keys = sent_keys(&sim);
    let hot_count = keys
        .iter()
        .filter(|k| k.as_deref() == Some("celebrity"))
        .count() as f64;
    let (mean, sd) = (0.8 * n as f64, (n as f64 * 0.8 * 0.2).sqrt());
    assert!(
        (hot_count - mean).abs() < 4.0 * sd,
        "{hot_count} hot of {n}"
    );
    let mut pool: Vec<u32> = keys
        .iter()
        .flatten()
        .filter(|k| *k != "celebrity")
        .map(|k| k.strip_prefix("key-").unwrap().parse().unwrap())
        .collect();
    pool.sort_unstable();
    pool.dedup();
    assert!(pool.iter().all(|i| *i < 50));
    assert!(pool.len() > 45, "the other keys spread over the pool");

    assert_eq!(sent_keys(&run(hot(0.8, 50, 200, 1)))[..], keys[..200]);
    assert_ne!(sent_keys(&run(hot(0.8, 50, 200, 2)))[..], keys[..200]);
}

#[test]
fn hot_key_shares_of_zero_and_one_are_absolute() {
    let all = sent_keys(&run(hot(1.0, 5, 300, 3)));
    assert!(all.iter().all(|k| k.as_deref() == Some("celebrity")));
    let none = sent_keys(&run(hot(0.0, 5, 300, 3)));
    assert!(none.iter().all(|k| k.as_deref() != Some("celebrity")));
}

/// Goal: headers count in each record's size. TV-F3's record (null key, value "v2", header
/// h=x) is 13 bytes, so a one-record batch is 61 + 13 = 74 bytes; a repeated header name is
/// allowed and adds its 4 bytes again.
#[test]
fn headers_flow_into_batch_sizes() {
    let drained_bytes = |headers: Vec<(String, String)>| {
        let sim = run(scenario(Workload {
            records: 1,
            keys: KeyChoice::Null,
            value_bytes: 2, // "v0"
            headers,
            ..Workload::default()
        }));
        sim.trace
            .events()
            .iter()
            .find_map(|e| match e.kind {
                EventKind::Drained { bytes, .. } => Some(bytes),
                _ => None,
            })
            .unwrap()
    };
    let h = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(drained_bytes(vec![]), 61 + 9);
    assert_eq!(drained_bytes(vec![h("h", "x")]), 74);
    assert_eq!(drained_bytes(vec![h("h", "x"), h("h", "x")]), 78);
}

/// Goal: value sizes drawn uniformly from min..=max reach both ends and nothing outside.
#[test]
fn value_sizes_are_drawn_within_bounds() {
    let sim = run(scenario(Workload {
        records: 400,
        value_bytes: 10,
        value_bytes_max: Some(14),
        ..Workload::default()
    }));
    let sizes: Vec<usize> = sim
        .trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Serialized { value_bytes, .. } => value_bytes,
            _ => None,
        })
        .collect();
    assert_eq!(sizes.len(), 400);
    for s in 10..=14 {
        let n = sizes.iter().filter(|v| **v == s).count();
        assert!((50..=110).contains(&n), "size {s}: {n} of 400");
    }
    assert!(sizes.iter().all(|s| (10..=14).contains(s)));
}

/// Goal: bad choices are refused before the run with the field's name.
#[test]
fn bad_workloads_are_refused_with_the_field_name() {
    let refuse = |w: Workload| {
        Simulation::new(scenario(w), false)
            .err()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        refuse(Workload {
            keys: KeyChoice::Hot {
                key: "k".into(),
                share: 2.0,
                pool: 4
            },
            ..Workload::default()
        }),
        "workload.keys.share must be between 0 and 1, not 2"
    );
    assert_eq!(
        refuse(Workload {
            keys: KeyChoice::List { keys: vec![] },
            ..Workload::default()
        }),
        "workload.keys.keys must list at least one key"
    );
    assert_eq!(
        refuse(Workload {
            value_bytes: 50,
            value_bytes_max: Some(10),
            ..Workload::default()
        }),
        "workload.value_bytes_max (10) must be at least workload.value_bytes (50)"
    );
}

/// Goal: the new fields read from TOML as docs/scenarios.md shows them, and an old scenario
/// without them serialises as before.
#[test]
fn toml_reads_the_new_fields() {
    let text = r#"
        [workload]
        records = 10
        value_bytes = 20
        value_bytes_max = 40
        headers = [["trace-id", "abc"], ["trace-id", "def"]]
        keys = { kind = "hot", key = "k", share = 0.9, pool = 10 }

        [network]
        one_way_latency_us = 1000
        links = [{ broker = 1, one_way_latency_us = 5000, jitter_us = 100 }]
    "#;
    let s = Scenario::parse(text, true).unwrap();
    assert_eq!(s.workload.value_bytes_max, Some(40));
    assert_eq!(s.workload.headers.len(), 2);
    assert_eq!(
        s.workload.keys,
        KeyChoice::Hot {
            key: "k".into(),
            share: 0.9,
            pool: 10
        }
    );
    assert_eq!(s.network.links[0].one_way_latency_us, Some(5000));
    assert_eq!(Scenario::parse(&s.to_toml(), true).unwrap(), s);
    let list = Scenario::parse(
        "[workload.keys]\nkind = \"list\"\nkeys = [\"x\", \"y\"]\n",
        true,
    )
    .unwrap();
    assert_eq!(
        list.workload.keys,
        KeyChoice::List {
            keys: vec!["x".into(), "y".into()]
        }
    );
    let plain = Scenario::default().to_toml();
    for field in ["value_bytes_max", "headers", "links"] {
        assert!(!plain.contains(field), "{field} left out when unset");
    }
}

/// Goal: the example `hot-key-slow-broker.toml` shows what its comment says: most records on
/// the hot key's partition (4, led by broker 2), and a median callback latency of at least the
/// slow link's round trip.
#[test]
fn the_hot_key_example_drags_latency_to_the_slow_broker() {
    let path = format!(
        "{}/../../scenarios/hot-key-slow-broker.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let sc = Scenario::parse(&std::fs::read_to_string(path).unwrap(), true).unwrap();
    let sim = run(sc);
    assert_eq!(sim.cluster.partitions[4].leader, Some(2));
    let on_4 = sim.deliveries.iter().filter(|d| d.partition == 4).count();
    assert!(
        on_4 * 10 >= sim.deliveries.len() * 6,
        "{on_4} on partition 4"
    );
    let m = sim.metrics();
    assert!(m.callback_latency_p50.unwrap() >= 40, "{m:?}");
    assert!(m.record_size_max.unwrap() > m.record_size_avg.unwrap());
}

/// Goal: tombstones: every value is null, on the wire and in the log, with any serializer
/// (Kafka's serializers map null to null); a null value costs 1 byte (varint -1).
#[test]
fn tombstones_write_null_values() {
    for serializer in [
        "org.apache.kafka.common.serialization.StringSerializer",
        "org.apache.kafka.common.serialization.LongSerializer",
    ] {
        let sc = producer_sim::Scenario {
            producer: [("value.serializer".to_string(), serializer.to_string())].into(),
            workload: producer_sim::scenario::Workload {
                records: 20,
                tombstones: true,
                ..producer_sim::scenario::Workload::default()
            },
            ..producer_sim::Scenario::default()
        };
        let mut sim = producer_sim::Simulation::new(sc, true).unwrap();
        sim.run_to_completion(3_600_000_000);
        assert!(sim.is_finished());
        let serialized: Vec<Option<usize>> = sim
            .trace
            .events()
            .iter()
            .filter_map(|e| match e.kind {
                producer_sim::event::EventKind::Serialized { value_bytes, .. } => Some(value_bytes),
                _ => None,
            })
            .collect();
        assert_eq!(serialized, vec![None; 20], "{serializer}");
        let mut in_log = 0;
        for p in 0..sim.scenario.cluster.partitions {
            for e in sim.partition_log(p).unwrap().entries() {
                assert_eq!(e.value, None);
                assert!(e.key.is_some());
                in_log += 1;
            }
        }
        assert_eq!(in_log, 20);
    }
}
