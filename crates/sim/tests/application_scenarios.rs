//! The application side of the producer: blocking on buffer.memory, sync vs async sends,
//! the size check, and what happens without flush() or close().

use std::collections::BTreeMap;

use producer_sim::event::{EventKind, Outcome};
use producer_sim::scenario::{KeyChoice, NetworkSpec, OnFinish, Workload};
use producer_sim::{Scenario, Simulation};

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run(sc: Scenario) -> Simulation {
    let mut sim = Simulation::new(sc, true).expect("valid scenario");
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished());
    sim
}

fn errors(sim: &Simulation, name: &str) -> Vec<(u64, String)> {
    sim.deliveries
        .iter()
        .filter_map(|d| match &d.outcome {
            Outcome::Failed { error, message } if error == name => {
                Some((d.record, message.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Goal: with buffer.memory full and the broker unreachable, send() blocks for max.block.ms
/// and then fails with BufferExhaustedException (Kafka's message), while earlier records keep
/// their memory until they expire.
#[test]
fn buffer_exhausted_after_max_block() {
    let sc = Scenario {
        producer: props(&[
            ("buffer.memory", "40000"),
            ("batch.size", "16384"),
            ("max.block.ms", "200"),
            ("acks", "1"),
            ("request.timeout.ms", "1000"),
            ("delivery.timeout.ms", "2000"),
        ]),
        workload: Workload {
            records: 10,
            records_per_second: 1000,
            keys: KeyChoice::Unique,
            ..Workload::default()
        },
        faults: vec![producer_sim::scenario::FaultAt {
            at_ms: 0,
            fault: producer_sim::scenario::Fault::CutClient {
                broker: 1,
                for_ms: 60_000,
            },
        }],
        ..Scenario::default()
    };
    let sim = run(sc);
    let exhausted = errors(&sim, "BUFFER_EXHAUSTED");
    assert!(!exhausted.is_empty(), "{:?}", sim.deliveries);
    let (_, message) = &exhausted[0];
    assert!(
        message.starts_with("Failed to allocate 16384 bytes within the configured max blocking time 200 ms. Total memory: 40000 bytes."),
        "{message}"
    );
    assert!(
        sim.trace
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::SendBlocked { bytes: 16384, .. }))
    );
    assert_eq!(
        sim.deliveries.len(),
        10,
        "every record still gets exactly one callback"
    );
}

/// Goal: a blocked send() resumes as soon as a completed batch frees memory.
#[test]
fn blocked_send_resumes_when_memory_frees() {
    let sc = Scenario {
        producer: props(&[
            ("buffer.memory", "20000"),
            ("batch.size", "16384"),
            ("linger.ms", "0"),
        ]),
        network: NetworkSpec {
            one_way_latency_us: 20_000,
            ..NetworkSpec::default()
        },
        workload: Workload {
            records: 5,
            records_per_second: 1000,
            keys: KeyChoice::Unique,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let sim = run(sc);
    assert!(
        sim.trace
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::SendBlocked { .. }))
    );
    assert!(
        sim.deliveries
            .iter()
            .all(|d| matches!(d.outcome, Outcome::Acked { .. })),
        "{:?}",
        sim.deliveries
    );
}

/// Goal: a record larger than max.request.size fails in send() with Kafka's message.
#[test]
fn record_too_large_fails_at_send() {
    let sc = Scenario {
        producer: props(&[("max.request.size", "1000")]),
        workload: Workload {
            records: 3,
            value_bytes: 2000,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let sim = run(sc);
    let e = errors(&sim, "RECORD_TOO_LARGE");
    assert_eq!(e.len(), 3);
    assert!(
        e[0].1.ends_with(
            "which is larger than 1000, which is the value of the max.request.size configuration."
        ),
        "{}",
        e[0].1
    );
    assert!(
        e[0].1
            .starts_with("The message is 2091 bytes when serialized"),
        "{}",
        e[0].1
    );
}

/// Goal: sync sends (`send().get()`) wait a full linger and round trip per record; async
/// sends batch and finish far sooner.
#[test]
fn sync_send_is_much_slower_than_async() {
    let base = |sync: bool| Scenario {
        producer: props(&[("linger.ms", "5")]),
        workload: Workload {
            records: 200,
            records_per_second: 10_000,
            sync,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let sync = run(base(true));
    let asynchronous = run(base(false));
    let end = |s: &Simulation| s.deliveries.iter().map(|d| d.at_us).max().unwrap();
    assert!(
        end(&sync) > 10 * end(&asynchronous),
        "sync {} µs vs async {} µs",
        end(&sync),
        end(&asynchronous)
    );
    // Each sync record is alone in its batch.
    let drained_records: Vec<usize> = sync
        .trace
        .events()
        .iter()
        .filter_map(|e| {
            if let EventKind::Drained { records, .. } = e.kind {
                Some(records)
            } else {
                None
            }
        })
        .collect();
    assert!(drained_records.iter().all(|n| *n == 1));
}

/// Goal: exiting without flush() loses whatever is still in the accumulator: those records
/// never get a callback. close() delivers them.
#[test]
fn exit_without_flush_loses_records_close_does_not() {
    let base = |on_finish| Scenario {
        producer: props(&[("linger.ms", "100")]),
        workload: Workload {
            records: 50,
            records_per_second: 1000,
            on_finish,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let exit = run(base(OnFinish::ExitWithoutFlush));
    let close = run(base(OnFinish::Close));
    assert!(
        exit.deliveries.len() < 50,
        "some records never got a callback"
    );
    assert!(
        exit.trace
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::ProcessExited { undelivered } if undelivered > 0))
    );
    assert_eq!(close.deliveries.len(), 50);
    assert!(
        close
            .deliveries
            .iter()
            .all(|d| matches!(d.outcome, Outcome::Acked { .. }))
    );
}

/// Goal: metrics under Kafka's names follow what happened: 100 records in batches of about
/// batch.size, one latency sample per response, retries and errors counted per record.
#[test]
fn metrics_follow_kafkas_definitions() {
    let sc = Scenario {
        producer: props(&[("acks", "1"), ("linger.ms", "1000"), ("batch.size", "1000")]),
        workload: Workload {
            records: 100,
            records_per_second: 1000,
            keys: KeyChoice::Pool { count: 1 },
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let sim = run(sc);
    let m = sim.metrics();
    assert_eq!(m.record_send_total, 100);
    let batches = sim
        .trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Drained { .. }))
        .count() as f64;
    let avg = m.batch_size_avg.unwrap();
    assert!(
        avg > 800.0 && avg <= 1000.0 + 200.0,
        "batches near batch.size: {avg}"
    );
    assert!((m.records_per_request_avg.unwrap() - 100.0 / batches).abs() < 1e-9);
    assert_eq!(m.request_latency_avg, Some(2.0), "1 ms each way");
    assert_eq!(m.record_error_total, 0);
    assert_eq!(m.compression_rate_avg, Some(1.0));
    assert_eq!(
        m.buffer_available_bytes, m.buffer_total_bytes,
        "all memory returned"
    );
}

/// Goal: a record that fails inside `send()` before it has a partition reports partition -1,
/// as `RecordMetadata.UNKNOWN_PARTITION` does.
#[test]
fn failures_before_partitioning_report_partition_minus_one() {
    let sc = Scenario {
        producer: props(&[("max.request.size", "1000")]),
        workload: Workload {
            records: 1,
            value_bytes: 2000,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    let sim = run(sc);
    let json = serde_json::to_value(&sim.deliveries[0]).unwrap();
    assert_eq!(json["partition"], -1);
    assert_eq!(json["error"], "RECORD_TOO_LARGE");
}
