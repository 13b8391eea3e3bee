//! Many clients at once through one bridge to a real broker (tansu): every
//! client gets exactly its own reports, none of another client's.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use producer_wire::{BridgeFrame, ClientFrame, DeliveryOutcome, Produce};
use support::{Client, Tansu, start_bridge};
use tokio::time::Instant;

const CLIENTS: u64 = 50;
const RECORDS: u64 = 1_000;
const PARTITIONS: u32 = 6;
const DEADLINE: Duration = Duration::from_secs(180);

/// Client `c` numbers its records `c * 1_000_000 + i`: an id tells whose it is.
fn id(client: u64, i: u64) -> u64 {
    client * 1_000_000 + i
}

async fn one_client(url: String, client: u64, topic: &'static str) -> HashMap<u64, (String, i32)> {
    let Client { mut tx, mut rx } = Client::connect(&url).await;
    let deadline = Instant::now() + DEADLINE;
    let sender = tokio::spawn(async move {
        // Half the records one per frame, half in batches of 50.
        for i in 0..RECORDS / 2 {
            tx.send(&ClientFrame::Produce(record(client, i, topic)))
                .await;
        }
        let batched: Vec<Produce> = (RECORDS / 2..RECORDS)
            .map(|i| record(client, i, topic))
            .collect();
        for records in batched.chunks(50) {
            tx.send(&ClientFrame::ProduceBatch {
                records: records.to_vec(),
            })
            .await;
        }
        tx.send(&ClientFrame::Flush).await;
        tx
    });
    let mut got: HashMap<u64, (String, i32)> = HashMap::new();
    loop {
        match rx.recv_until(deadline).await {
            BridgeFrame::Flushed => break,
            BridgeFrame::Delivery(d) => {
                let DeliveryOutcome::Acked {
                    topic: t,
                    partition,
                    ..
                } = d.outcome
                else {
                    panic!("client {client}: record {} failed: {:?}", d.id, d.outcome);
                };
                assert!(
                    got.insert(d.id, (t, partition)).is_none(),
                    "client {client}: two deliveries for {}",
                    d.id
                );
            }
            other => panic!("client {client}: unexpected {other:?}"),
        }
    }
    let _tx = sender.await.unwrap();
    got
}

fn record(client: u64, i: u64, topic: &str) -> Produce {
    Produce {
        id: id(client, i),
        topic: topic.into(),
        key: Some(format!("client-{client}-key-{i}")),
        value: Some(format!("value {i} of client {client}")),
        headers: vec![],
        partition: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_each_get_exactly_their_own_thousand_reports() {
    let Some(tansu) =
        Tansu::start_or_skip("fifty_clients_each_get_exactly_their_own_thousand_reports").await
    else {
        return;
    };
    let topic = "many-clients";
    tansu.create_topic(topic, PARTITIONS as i32).await;
    let bridge = start_bridge(tansu.bootstrap(), |_| {}).await;
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| tokio::spawn(one_client(bridge.ws_url(), c, topic)))
        .collect();
    for (client, handle) in clients.into_iter().enumerate() {
        let client = client as u64;
        let got = handle.await.unwrap();
        let foreign: Vec<u64> = got
            .keys()
            .copied()
            .filter(|&i| i / 1_000_000 != client)
            .collect();
        assert!(
            foreign.is_empty(),
            "client {client} got others' reports: {foreign:?}"
        );
        let missing: Vec<u64> = (0..RECORDS)
            .filter(|&i| !got.contains_key(&id(client, i)))
            .collect();
        assert!(
            missing.is_empty(),
            "client {client} lacks reports for {missing:?}"
        );
        for i in 0..RECORDS {
            let (t, partition) = &got[&id(client, i)];
            assert_eq!(t, topic);
            let key = format!("client-{client}-key-{i}");
            assert_eq!(
                *partition as u32,
                producer_sim::partition_for_key(key.as_bytes(), PARTITIONS),
                "{key}"
            );
        }
    }
    eprintln!(
        "{} records from {CLIENTS} clients acked in {:?}",
        CLIENTS * RECORDS,
        started.elapsed()
    );
    let m = bridge.metrics();
    assert_eq!(m.records_acked, CLIENTS * RECORDS, "{m:?}");
    assert_eq!((m.records_failed, m.records_in_flight), (0, 0), "{m:?}");
    assert_eq!(m.connections_total, CLIENTS);
    let report = bridge.shutdown().await.unwrap();
    assert_eq!(report.undelivered, 0);
}
