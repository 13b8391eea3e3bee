//! Batch sizing on the way out: compression shrinks what goes on the wire and lets batches
//! hold more records as the ratio estimate learns; a batch larger than the topic's
//! `max.message.bytes` gets MESSAGE_TOO_LARGE and is split (RecordAccumulatorTest,
//! SenderTest `testSplitBatchAndSend` in spirit).

use std::collections::BTreeMap;

use producer_sim::event::{EventKind, Outcome};
use producer_sim::scenario::{ClusterSpec, KeyChoice, Workload};
use producer_sim::{Scenario, Simulation};

fn scenario(props: &[(&str, &str)], records: u64) -> Scenario {
    Scenario {
        producer: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        cluster: ClusterSpec {
            partitions: 1,
            ..ClusterSpec::default()
        },
        workload: Workload {
            records,
            records_per_second: 100_000,
            keys: KeyChoice::Pool { count: 1 },
            value_bytes: 100,
            ..Workload::default()
        },
        ..Scenario::default()
    }
}

fn run(sc: Scenario) -> Simulation {
    let mut sim = Simulation::new(sc, true).expect("valid scenario");
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished());
    sim
}

/// (records, bytes) of every drained batch, in drain order.
fn drained(sim: &Simulation) -> Vec<(usize, usize)> {
    sim.trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Drained { records, bytes, .. } => Some((records, bytes)),
            _ => None,
        })
        .collect()
}

/// Goal: with gzip, a batch is closed at batch.size by its *estimated* size (ratio 1.0 × 1.05
/// at first), but goes on the wire at its real, much smaller size; as the estimate falls by
/// 0.005 per batch, later batches hold more records.
#[test]
fn compression_shrinks_batches_on_the_wire_and_the_estimate_lets_them_grow() {
    let props = [("compression.type", "gzip"), ("linger.ms", "1000")];
    let gzip = run(scenario(&props, 20_000));
    let plain = run(scenario(&[("linger.ms", "1000")], 20_000));
    let (g, p) = (drained(&gzip), drained(&plain));
    assert!(g.iter().all(|(_, bytes)| *bytes < 16384 / 4), "{g:?}");
    // The first gzip batch is closed by its estimate: ~1.05 × the plain batch's records.
    let first_plain = p[0].0 as f64;
    let first_gzip = g[0].0 as f64;
    assert!(
        (first_gzip - first_plain / 1.05).abs() <= 1.0,
        "{first_gzip} vs {first_plain}"
    );
    // Later batches hold more records than the first as the estimate learns.
    let last_full = g[g.len() - 2].0;
    assert!(last_full > g[0].0 * 2, "{} then {}", g[0].0, last_full);
    assert!(g.len() < p.len());
    assert!(gzip.accumulator.compression_ratio_estimate() < 0.5);
    let rate = gzip.metrics().compression_rate_avg.unwrap();
    assert!(rate < 0.2, "compression-rate-avg {rate}");
    assert_eq!(plain.metrics().compression_rate_avg, Some(1.0));
    assert!(
        gzip.deliveries
            .iter()
            .all(|d| matches!(d.outcome, Outcome::Acked { .. }))
    );
}

/// Goal: batch.size (16384) above the topic's max.message.bytes (10000): every batch gets
/// MESSAGE_TOO_LARGE, and splitting by batch.size rebuilds the same batch, so it is split
/// again and again until delivery.timeout.ms fails it, as the Java producer does (KAFKA-8350).
/// (The default kafka-4 profile is idempotent: the pieces keep their sequences.)
#[test]
fn batch_size_above_max_message_bytes_splits_until_the_delivery_timeout() {
    let props = [
        ("linger.ms", "50"),
        ("delivery.timeout.ms", "1100"),
        ("request.timeout.ms", "1000"),
    ];
    let mut sc = scenario(&props, 400);
    sc.cluster.max_message_bytes = 10_000;
    let sim = run(sc);
    let splits = sim
        .trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::BatchSplit { .. }))
        .count();
    assert!(splits > 100, "split on every response: {splits}");
    assert_eq!(sim.metrics().batch_split_total, splits as u64);
    let retried = sim
        .trace
        .events()
        .iter()
        .any(|e| matches!(e.kind, EventKind::BatchRetried { .. }));
    assert!(!retried, "a split uses no retry attempt");
    let (acked, timed_out): (Vec<_>, Vec<_>) = sim
        .deliveries
        .iter()
        .partition(|d| matches!(d.outcome, Outcome::Acked { .. }));
    assert_eq!(sim.deliveries.len(), 400);
    assert!(timed_out.iter().all(|d| matches!(&d.outcome,
        Outcome::Failed { error, .. } if error == "DELIVERY_TIMEOUT")));
    // Only the tail that fits under 10000 bytes gets through.
    assert!(acked.len() < 400 && !timed_out.is_empty());
}

/// Goal: a single-record batch over the limit is not split: MESSAGE_TOO_LARGE fails it at
/// once (`RecordTooLargeException`, not retriable).
#[test]
fn a_single_record_over_the_limit_fails_without_a_split() {
    let mut sc = scenario(&[("linger.ms", "0")], 3);
    sc.workload.records_per_second = 10;
    sc.workload.value_bytes = 5000;
    sc.cluster.max_message_bytes = 4000;
    let sim = run(sc);
    assert!(sim.deliveries.iter().all(|d| d.at_us < 1_000_000
        && matches!(&d.outcome, Outcome::Failed { error, .. } if error == "MESSAGE_TOO_LARGE")));
    assert!(!sim.trace.events().iter().any(|e| matches!(
        e.kind,
        EventKind::BatchSplit { .. } | EventKind::BatchRetried { .. }
    )));
}
