//! The broker dies mid-stream (SIGKILL: tansu treats SIGTERM as a graceful
//! stop) and comes back on the same port: every record still gets exactly one
//! delivery, acked or failed, and records sent after the restart are acked.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use producer_wire::{
    BridgeFrame, BridgeMessage, ClientFrame, Delivery, DeliveryOutcome, Produce, ProducerFrame,
};
use serde_json::json;
use support::{Client, ClientRx, ClientTx, Tansu, start_bridge};
use tokio::sync::oneshot;
use tokio::time::Instant;

const TOPIC: &str = "restart";
const PARTITIONS: i32 = 3;
/// Acks seen before the broker is killed; the sender keeps streaming, so
/// records are acked, in flight and queued when it dies.
const KILL_AFTER_ACKS: usize = 100;
/// Records the sender still sends once it knows the broker is dead.
const AFTER_KILL: u64 = 300;
const DEADLINE: Duration = Duration::from_secs(120);

fn record(id: u64) -> Produce {
    Produce {
        id,
        topic: TOPIC.into(),
        key: Some(format!("key-{id}")),
        value: Some(format!("value-{id}")),
        headers: vec![],
        partition: None,
    }
}

/// Reads frames until `flushed`, collecting deliveries (stats are skipped);
/// `on_delivery` sees each one as it arrives.
async fn until_flushed(
    rx: &mut ClientRx,
    deadline: Instant,
    mut on_delivery: impl FnMut(&Delivery),
) -> Vec<Delivery> {
    let mut deliveries = vec![];
    loop {
        match rx.recv_any_until(deadline).await {
            BridgeMessage::Frame(BridgeFrame::Flushed) => return deliveries,
            BridgeMessage::Frame(BridgeFrame::Delivery(d)) => {
                on_delivery(&d);
                deliveries.push(d);
            }
            BridgeMessage::Producer(ProducerFrame::Stats { .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

async fn send_all(tx: &mut ClientTx, ids: std::ops::Range<u64>) {
    for id in ids {
        tx.send(&ClientFrame::Produce(record(id))).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_killed_mid_stream_every_record_gets_one_delivery_and_restart_acks_again() {
    let Some(mut tansu) = Tansu::start_or_skip("broker_killed_mid_stream").await else {
        return;
    };
    tansu.create_topic(TOPIC, PARTITIONS).await;
    let bridge = start_bridge(tansu.bootstrap(), |_| {}).await;
    let Client { mut tx, mut rx } = Client::connect(&bridge.ws_url()).await;
    let deadline = Instant::now() + DEADLINE;

    // A short delivery timeout so the records the dead broker never acks fail
    // quickly; quick reconnects so the restarted broker is found quickly.
    tx.send(&ClientFrame::Configure {
        config: [
            ("delivery.timeout.ms".to_owned(), json!(3000)),
            ("request.timeout.ms".to_owned(), json!(1000)),
            ("reconnect.backoff.max.ms".to_owned(), json!(200)),
            ("retry.backoff.max.ms".to_owned(), json!(200)),
        ]
        .into(),
    })
    .await;
    match rx.recv_any_until(deadline).await {
        BridgeMessage::Producer(ProducerFrame::Configured { config, .. }) => {
            assert_eq!(config["message.timeout.ms"], "3000");
            assert_eq!(config["enable.idempotence"], "true");
        }
        other => panic!("expected configured, got {other:?}"),
    }

    // Stream records (10 per millisecond) until AFTER_KILL records have been
    // sent after the kill; returns the first id sent after it.
    let (killed_tx, mut killed) = oneshot::channel::<()>();
    let sender = tokio::spawn(async move {
        let mut first_after_kill = None;
        for id in 0.. {
            if first_after_kill.is_none() && killed.try_recv().is_ok() {
                first_after_kill = Some(id);
            }
            if first_after_kill.is_some_and(|first| id == first + AFTER_KILL) {
                tx.send(&ClientFrame::Flush).await;
                return (tx, id, first_after_kill.unwrap());
            }
            tx.send(&ClientFrame::Produce(record(id))).await;
            if id % 10 == 9 {
                // Pacing the load, not synchronisation.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        unreachable!()
    });
    let mut acked_before_kill = 0;
    let mut killed_tx = Some(killed_tx);
    let deliveries = until_flushed(&mut rx, deadline, |d| {
        if matches!(d.outcome, DeliveryOutcome::Acked { .. }) {
            acked_before_kill += 1;
        }
        if acked_before_kill == KILL_AFTER_ACKS
            && let Some(killed) = killed_tx.take()
        {
            tansu.kill();
            eprintln!("broker killed after {KILL_AFTER_ACKS} acks");
            killed.send(()).unwrap();
        }
    })
    .await;
    let (mut tx, total, first_after_kill) = sender.await.unwrap();

    let mut by_id: HashMap<u64, Vec<&DeliveryOutcome>> = HashMap::new();
    for d in &deliveries {
        by_id.entry(d.id).or_default().push(&d.outcome);
    }
    let missing: Vec<u64> = (0..total).filter(|id| !by_id.contains_key(id)).collect();
    assert!(missing.is_empty(), "silent records: {missing:?}");
    let twice: Vec<u64> = (0..total).filter(|id| by_id[id].len() > 1).collect();
    assert!(twice.is_empty(), "more than one delivery: {twice:?}");
    assert_eq!(deliveries.len() as u64, total);
    let (acked, failed): (Vec<&Delivery>, Vec<&Delivery>) = deliveries
        .iter()
        .partition(|d| matches!(d.outcome, DeliveryOutcome::Acked { .. }));
    assert!(acked.len() >= KILL_AFTER_ACKS, "acked: {}", acked.len());
    for d in &failed {
        let DeliveryOutcome::Failed { error } = &d.outcome else {
            unreachable!()
        };
        assert!(error.retriable, "record {}: {error:?}", d.id);
    }
    for id in first_after_kill..total {
        assert!(
            matches!(by_id[&id][0], DeliveryOutcome::Failed { .. }),
            "record {id} was sent to a dead broker but acked"
        );
    }
    eprintln!(
        "{total} records, the last {AFTER_KILL} sent after the kill: {} acked, {} failed ({:?})",
        acked.len(),
        failed.len(),
        failed
            .iter()
            .filter_map(|d| match &d.outcome {
                DeliveryOutcome::Failed { error } => Some(error.name.as_str()),
                DeliveryOutcome::Acked { .. } => None,
            })
            .collect::<std::collections::BTreeSet<_>>()
    );

    // Same port, empty memory storage: the topic is created again.
    tansu.restart().await;
    tansu.create_topic(TOPIC, PARTITIONS).await;
    // The producer finds the broker again on its own; until it has, a
    // record may still fail. Carry on until one is acked.
    let mut next = total;
    loop {
        assert!(
            Instant::now() < deadline,
            "no record acked after the restart"
        );
        tx.send(&ClientFrame::Produce(record(next))).await;
        tx.send(&ClientFrame::Flush).await;
        let ds = until_flushed(&mut rx, deadline, |_| {}).await;
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].id, next);
        next += 1;
        match &ds[0].outcome {
            DeliveryOutcome::Acked { .. } => break,
            DeliveryOutcome::Failed { error } => {
                eprintln!("after restart, record {} failed: {error:?}", ds[0].id)
            }
        }
    }
    send_all(&mut tx, next..next + 200).await;
    tx.send(&ClientFrame::Flush).await;
    let ds = until_flushed(&mut rx, deadline, |_| {}).await;
    assert_eq!(ds.len(), 200);
    for d in &ds {
        assert!(
            matches!(d.outcome, DeliveryOutcome::Acked { .. }),
            "after the restart: {d:?}"
        );
    }
    let report = bridge.shutdown().await.unwrap();
    assert_eq!(report.undelivered, 0);
}
