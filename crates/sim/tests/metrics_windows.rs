//! The producer metrics over whole runs: Kafka's windowed rates and averages (2 × 30 s by
//! default), cumulative totals, and perf-test's latency percentiles, each checked against a
//! value computed independently from the run's trace and callbacks.

use std::collections::BTreeMap;

use producer_sim::event::{EventKind, Outcome};
use producer_sim::scenario::{Fault, FaultAt, KeyChoice, NetworkSpec, Workload};
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

fn workload(records: u64, per_second: u32) -> Workload {
    Workload {
        records,
        records_per_second: per_second,
        keys: KeyChoice::Pool { count: 6 },
        ..Workload::default()
    }
}

/// Goal: 10 s of sending at 1000/s reads as Kafka reads it: the rate's window is at least one
/// full 30 s window plus the elapsed part, so about 10,000 / 40 s, not 1000/s. Sixty idle
/// seconds later every windowed value is gone and the totals remain.
#[test]
fn a_short_burst_is_spread_over_the_minimum_window_then_purged() {
    let mut sim = run(Scenario {
        workload: workload(10_000, 1000),
        ..Scenario::default()
    });
    let first_drain_ms = sim
        .trace
        .events()
        .iter()
        .find(|e| matches!(e.kind, EventKind::Drained { .. }))
        .map(|e| e.at_us / 1000)
        .unwrap();
    let now_ms = sim.now_us() / 1000;
    let m = sim.metrics();
    assert_eq!(m.record_send_total, 10_000);
    let expected = 10_000.0 / ((now_ms - first_drain_ms + 30_000) as f64 / 1000.0);
    assert!(
        (m.record_send_rate - expected).abs() < 1e-9,
        "{} vs {expected}",
        m.record_send_rate
    );
    assert!(m.record_send_rate < 260.0);
    assert!(m.batch_size_avg.is_some());

    sim.run_until(sim.now_us() + 60_000_000);
    let idle = sim.metrics();
    assert_eq!(idle.record_send_rate, 0.0);
    assert_eq!(idle.request_rate, 0.0);
    assert_eq!(idle.batch_size_avg, None);
    assert_eq!(idle.record_queue_time_max, None);
    assert_eq!(idle.request_latency_avg, None);
    assert_eq!(idle.record_send_total, 10_000, "totals are cumulative");
    assert_eq!(idle.request_total, m.request_total);
}

/// Goal: the windows come from `metrics.sample.window.ms` and `metrics.num.samples`: with
/// 2 × 1 s, a reading 3 s after the last send has nothing left.
#[test]
fn the_window_follows_the_producer_config() {
    let mut sim = run(Scenario {
        producer: props(&[
            ("metrics.sample.window.ms", "1000"),
            ("metrics.num.samples", "2"),
        ]),
        workload: workload(2_000, 1000),
        ..Scenario::default()
    });
    assert!(sim.metrics().record_send_rate > 0.0);
    sim.run_until(sim.now_us() + 3_000_000);
    let m = sim.metrics();
    assert_eq!(m.record_send_rate, 0.0);
    assert_eq!(m.records_per_request_avg, None);
    assert_eq!(m.record_send_total, 2_000);
}

/// Goal: perf-test's percentiles: the send-to-callback latencies of acknowledged records in
/// whole ms, sorted, at index (int)(p × n); request-latency percentiles likewise from the
/// request/response pairs in the trace.
#[test]
fn latency_percentiles_follow_perf_tests_rule() {
    let sim = run(Scenario {
        network: NetworkSpec {
            one_way_latency_us: 1_500,
            jitter_us: 4_000,
            ..NetworkSpec::default()
        },
        workload: workload(3_000, 2_000),
        ..Scenario::default()
    });
    let mut callbacks: Vec<u64> = sim
        .deliveries
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Acked { .. }))
        .map(|d| d.at_us / 1000 - d.sent_at_us / 1000)
        .collect();
    callbacks.sort_unstable();
    let pick = |v: &[u64], p: f64| v[(p * v.len() as f64) as usize];
    let m = sim.metrics();
    assert_eq!(callbacks.len(), 3_000);
    assert_eq!(m.callback_latency_p50, Some(pick(&callbacks, 0.5)));
    assert_eq!(m.callback_latency_p95, Some(pick(&callbacks, 0.95)));
    assert_eq!(m.callback_latency_p99, Some(pick(&callbacks, 0.99)));
    assert_eq!(m.callback_latency_p99_9, Some(pick(&callbacks, 0.999)));
    assert_eq!(m.callback_latency_max, callbacks.last().copied());
    assert!(callbacks.first() < callbacks.last(), "jitter spreads them");

    let mut sent = BTreeMap::new();
    let mut requests = Vec::new();
    for e in sim.trace.events() {
        match e.kind {
            EventKind::RequestSent { request, .. } => {
                sent.insert(request, e.at_us);
            }
            EventKind::ResponseReceived { request, .. } => {
                requests.push(e.at_us / 1000 - sent[&request] / 1000)
            }
            _ => {}
        }
    }
    requests.sort_unstable();
    assert_eq!(m.request_latency_p50, Some(pick(&requests, 0.5)));
    assert_eq!(m.request_latency_p99_9, Some(pick(&requests, 0.999)));
    assert_eq!(m.request_latency_max, requests.last().map(|&l| l as f64));
}

/// Goal: `request-total` counts every request the client writes (produce, metadata and
/// InitProducerId, as the Selector does), and errors include failed `send()` calls.
#[test]
fn request_and_error_totals_count_every_source() {
    let sim = run(Scenario {
        producer: props(&[
            ("request.timeout.ms", "2000"),
            ("delivery.timeout.ms", "5000"),
        ]),
        workload: workload(400, 200),
        faults: vec![FaultAt {
            at_ms: 500,
            fault: Fault::CutClient {
                broker: 1,
                for_ms: 1_000,
            },
        }],
        ..Scenario::default()
    });
    let sent = sim
        .trace
        .events()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::RequestSent { .. }
                    | EventKind::MetadataRequested { .. }
                    | EventKind::InitProducerIdSent { .. }
            )
        })
        .count() as u64;
    let m = sim.metrics();
    assert_eq!(m.request_total, sent);
    let failed = sim
        .deliveries
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Failed { .. }))
        .count() as u64;
    assert_eq!(m.record_error_total, failed);

    let too_large = run(Scenario {
        producer: props(&[("max.request.size", "500")]),
        workload: Workload {
            value_bytes: 1000,
            ..workload(7, 100)
        },
        ..Scenario::default()
    });
    assert_eq!(
        too_large.metrics().record_error_total,
        7,
        "doSend's errors.record()"
    );
    assert_eq!(too_large.metrics().record_send_total, 0);
}

/// Goal: a send() that times out waiting for memory counts in buffer-exhausted-total and
/// waited exactly max.block.ms, which bufferpool-wait-time-ns-total includes.
#[test]
fn buffer_exhaustion_is_counted_with_its_wait() {
    let sim = run(Scenario {
        producer: props(&[
            ("buffer.memory", "40000"),
            ("batch.size", "16384"),
            ("max.block.ms", "200"),
            ("request.timeout.ms", "1000"),
            ("delivery.timeout.ms", "2000"),
        ]),
        workload: Workload {
            keys: KeyChoice::Unique,
            ..workload(10, 1000)
        },
        faults: vec![FaultAt {
            at_ms: 0,
            fault: Fault::CutClient {
                broker: 1,
                for_ms: 60_000,
            },
        }],
        ..Scenario::default()
    });
    let exhausted = sim
        .deliveries
        .iter()
        .filter(
            |d| matches!(&d.outcome, Outcome::Failed { error, .. } if error == "BUFFER_EXHAUSTED"),
        )
        .count() as u64;
    let m = sim.metrics();
    assert!(exhausted > 0);
    assert_eq!(m.buffer_exhausted_total, exhausted);
    assert!(m.bufferpool_wait_time_ns_total >= exhausted * 200_000_000);
    assert!(m.record_error_total >= exhausted);
    assert_eq!(m.waiting_threads, 0);
}
