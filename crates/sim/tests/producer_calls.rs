//! `flush()` and `close(timeout)`: what they make sendable, how long the application waits,
//! and what a timed-out close aborts (RecordAccumulatorTest/KafkaProducerTest in spirit).

use std::collections::BTreeMap;

use producer_sim::event::{EventKind, Outcome};
use producer_sim::scenario::{CallAt, Fault, FaultAt, KeyChoice, ProducerCall, Workload};
use producer_sim::{Scenario, Simulation};

fn scenario(linger_ms: &str, calls: Vec<CallAt>) -> Scenario {
    Scenario {
        producer: BTreeMap::from([
            ("linger.ms".to_string(), linger_ms.to_string()),
            ("acks".to_string(), "1".to_string()),
        ]),
        workload: Workload {
            records: 40,
            records_per_second: 1000,
            keys: KeyChoice::Pool { count: 4 },
            ..Workload::default()
        },
        calls,
        ..Scenario::default()
    }
}

fn run(sc: Scenario) -> Simulation {
    let mut sim = Simulation::new(sc, true).expect("valid scenario");
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished());
    sim
}

fn at(sim: &Simulation, pick: impl Fn(&EventKind) -> bool) -> Vec<u64> {
    sim.trace
        .events()
        .iter()
        .filter(|e| pick(&e.kind))
        .map(|e| e.at_us)
        .collect()
}

fn send_time(sim: &Simulation, record: u64) -> u64 {
    sim.deliveries
        .iter()
        .find(|d| d.record == record)
        .expect("every record has a callback")
        .sent_at_us
}

/// Goal: flush() makes lingering batches sendable at once (linger.ms=10000 would hold them
/// ten seconds), blocks the application until every earlier record has its callback, and the
/// application's next send() comes only after flush() returned.
#[test]
fn flush_sends_lingering_batches_and_blocks_until_they_complete() {
    let sim = run(scenario(
        "10000",
        vec![CallAt {
            at_ms: 10,
            call: ProducerCall::Flush,
        }],
    ));
    let started = at(&sim, |k| matches!(k, EventKind::FlushStarted { .. }));
    let completed = at(&sim, |k| matches!(k, EventKind::FlushCompleted));
    assert_eq!((started.len(), completed.len()), (1, 1));
    let (started, completed) = (started[0], completed[0]);
    assert_eq!(started, 10_000);
    let before: Vec<_> = sim
        .deliveries
        .iter()
        .filter(|d| send_time(&sim, d.record) < started)
        .collect();
    assert_eq!(before.len(), 10, "records 0..9 were sent before the flush");
    for d in &before {
        assert!(matches!(d.outcome, Outcome::Acked { .. }));
        assert!(d.at_us <= completed, "flush() returns after every callback");
        assert!(d.at_us < 1_000_000, "not held for linger.ms");
    }
    let last_callback = before.iter().map(|d| d.at_us).max().unwrap();
    assert_eq!(completed, last_callback);
    // The 11th send() waits for flush() to return.
    assert_eq!(send_time(&sim, 10), completed);
    // Records after the flush linger again: the rest leave only at linger.ms.
    let later = sim.deliveries.iter().filter(|d| d.record >= 10);
    assert!(later.clone().all(|d| d.at_us >= 10_000_000));
    assert_eq!(later.count(), 30);
}

/// Goal: close() without a timeout sends what is buffered, even under a long linger.ms, and
/// the application sends nothing after it.
#[test]
fn close_sends_everything_buffered_then_stops_the_producer() {
    let sim = run(scenario(
        "10000",
        vec![CallAt {
            at_ms: 20,
            call: ProducerCall::Close { timeout_ms: None },
        }],
    ));
    assert_eq!(sim.records_sent(), 20, "no send() after close()");
    assert_eq!(sim.deliveries.len(), 20);
    assert!(
        sim.deliveries
            .iter()
            .all(|d| matches!(d.outcome, Outcome::Acked { .. }) && d.at_us < 1_000_000)
    );
    let closed: Vec<_> = sim
        .trace
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ProducerClosed { forced, aborted } => Some((forced, aborted)),
            _ => None,
        })
        .collect();
    assert_eq!(closed, vec![(false, 0)]);
}

/// Goal: close(timeout) with the broker unreachable aborts every incomplete batch when the
/// timeout passes, queued or in flight, with Kafka's "Producer is closed forcefully.", and
/// records that reached the broker before the cut keep their acks.
#[test]
fn close_with_timeout_aborts_incomplete_batches() {
    let mut sc = scenario(
        "0",
        vec![CallAt {
            at_ms: 30,
            call: ProducerCall::Close {
                timeout_ms: Some(50),
            },
        }],
    );
    sc.faults.push(FaultAt {
        at_ms: 15,
        fault: Fault::CutClient {
            broker: 1,
            for_ms: 60_000,
        },
    });
    let sim = run(sc);
    assert_eq!(sim.records_sent(), 30);
    assert_eq!(sim.deliveries.len(), 30, "exactly one callback per record");
    let aborted: Vec<_> = sim
        .deliveries
        .iter()
        .filter(|d| {
            matches!(&d.outcome, Outcome::Failed { error, message }
                if error == "KAFKA_EXCEPTION" && message == "Producer is closed forcefully.")
        })
        .collect();
    assert!(!aborted.is_empty());
    assert!(aborted.iter().all(|d| d.at_us == 80_000));
    let acked = sim
        .deliveries
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Acked { .. }))
        .count();
    assert_eq!(acked + aborted.len(), 30);
    assert!(acked >= 10, "records acked before the cut keep their acks");
    assert!(
        sim.deliveries
            .iter()
            .filter(|d| matches!(d.outcome, Outcome::Acked { .. }))
            .all(|d| d.at_us <= 15_000)
    );
    let forced = at(
        &sim,
        |k| matches!(k, EventKind::ProducerClosed { forced: true, aborted: n } if *n == aborted.len()),
    );
    assert_eq!(forced, vec![80_000]);
}

/// Goal: close(0) aborts at once whatever is still lingering.
#[test]
fn close_with_zero_timeout_aborts_at_once() {
    let sim = run(scenario(
        "10000",
        vec![CallAt {
            at_ms: 5,
            call: ProducerCall::Close {
                timeout_ms: Some(0),
            },
        }],
    ));
    assert_eq!(sim.deliveries.len(), 5);
    assert!(sim.deliveries.iter().all(|d| d.at_us == 5_000
        && matches!(&d.outcome, Outcome::Failed { error, .. } if error == "KAFKA_EXCEPTION")));
}

/// Goal: a flush() clicked during a run is written into the scenario, so replaying the
/// scenario from the start gives the identical trace.
#[test]
fn a_flush_made_mid_run_replays_identically() {
    let mut live = Simulation::new(scenario("10000", vec![]), true).unwrap();
    live.run_until(12_345);
    live.flush();
    live.run_to_completion(3_600_000_000);
    assert_eq!(live.scenario.calls.len(), 1);
    assert_eq!(live.scenario.calls[0].at_ms, 13);
    let replay = run(live.scenario.clone());
    assert_eq!(replay.trace.hash(), live.trace.hash());
    assert_eq!(
        at(&replay, |k| matches!(k, EventKind::FlushCompleted)).len(),
        1
    );
}
