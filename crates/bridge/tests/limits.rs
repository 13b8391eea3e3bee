//! The bridge's safety limits over a real WebSocket. None of these needs a
//! broker: the bridge points at a closed port, librdkafka connects lazily and
//! keeps accepted records queued, which is exactly a broker that never acks.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use producer_bridge::Bridge;
use producer_wire::{
    BridgeFrame, BridgeMessage, ClientFrame, Delivery, DeliveryOutcome, PROTOCOL_VERSION, Produce,
    ProducerFrame,
};
use serde_json::json;
use support::{Client, ClientRx, free_port, http_get, start_bridge};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

const DEADLINE: Duration = Duration::from_secs(120);

fn no_broker() -> String {
    format!("127.0.0.1:{}", free_port())
}

fn record(id: u64, topic: &str, value: &str) -> Produce {
    Produce {
        id,
        topic: topic.into(),
        key: Some(format!("key-{id}")),
        value: Some(value.into()),
        headers: vec![],
        partition: None,
    }
}

fn hello() -> ClientFrame {
    ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: None,
        batch_deliveries: false,
    }
}

/// Frames until `welcome`: the client sends `hello` after the frames under
/// test, and the bridge answers in reading order, so the `welcome` proves
/// that everything before it was read and handled.
async fn until_welcome(rx: &mut ClientRx) -> Vec<BridgeFrame> {
    let deadline = Instant::now() + DEADLINE;
    let mut frames = vec![];
    loop {
        match rx.recv_until(deadline).await {
            BridgeFrame::Welcome { .. } => return frames,
            frame => frames.push(frame),
        }
    }
}

/// Polls the bridge's counters until `done` holds (no sleeping as synchronisation).
async fn wait_for_metrics(
    bridge: &Bridge,
    what: &str,
    done: impl Fn(&producer_bridge::MetricsSnapshot) -> bool,
) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let m = bridge.metrics();
        if done(&m) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {m:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn failed(frame: &BridgeFrame) -> (u64, &producer_wire::KafkaError) {
    match frame {
        BridgeFrame::Delivery(Delivery {
            id,
            outcome: DeliveryOutcome::Failed { error },
        }) => (*id, error),
        other => panic!("expected a failed delivery, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_outside_the_allow_list_gets_a_delivery_error_naming_why() {
    let bridge = start_bridge(&no_broker(), |c| {
        c.allowed_topics = vec!["demo".into(), "lab-*".into()];
        c.shutdown_timeout = 0; // the accepted records can never be delivered
    })
    .await;
    let mut client = Client::connect(&bridge.ws_url()).await;
    client.send(&hello()).await;
    match client.recv().await {
        BridgeFrame::Welcome { limits, .. } => {
            assert_eq!(limits.unwrap().allowed_topics, ["demo", "lab-*"])
        }
        other => panic!("expected welcome, got {other:?}"),
    }
    client
        .send(&ClientFrame::ProduceBatch {
            records: vec![
                record(1, "secrets", "v"),
                record(2, "lab-orders", "v"),
                record(3, "demo", "v"),
                record(4, "lab", "v"),
            ],
        })
        .await;
    client.send(&hello()).await;
    let frames = until_welcome(&mut client.rx).await;
    assert_eq!(
        frames.len(),
        2,
        "only the refused records are answered yet: {frames:?}"
    );
    for (frame, (id, topic)) in frames.iter().zip([(1, "secrets"), (4, "lab")]) {
        let (got, error) = failed(frame);
        assert_eq!(got, id);
        assert_eq!(
            (error.code, error.name.as_str(), error.retriable),
            (29, "TOPIC_AUTHORIZATION_FAILED", false)
        );
        assert!(
            error.message.contains(&format!(
                "topic `{topic}` is not in the bridge's topic allow-list"
            )) && error.message.contains("--allow-topic"),
            "{error:?}"
        );
    }
    let m = bridge.metrics();
    assert_eq!(
        (m.records_refused_topic, m.records_sent, m.records_failed),
        (2, 2, 2)
    );
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frame_and_record_are_refused_with_a_reason_and_the_connection_survives() {
    let bridge = start_bridge(&no_broker(), |c| {
        c.max_frame_bytes = 1024;
        c.max_record_bytes = 100;
    })
    .await;
    let mut client = Client::connect(&bridge.ws_url()).await;

    // A frame over the limit: refused as a whole.
    let big = ClientFrame::Produce(record(1, "t", &"x".repeat(1500))).to_json();
    client.send_raw(&big).await;
    match client.recv().await {
        BridgeFrame::Error { message } => assert!(
            message.contains(&format!("frame of {} bytes refused", big.len()))
                && message.contains("--max-frame-bytes"),
            "{message}"
        ),
        other => panic!("expected an error frame, got {other:?}"),
    }
    // A record over the limit in a frame under it: that record fails.
    client
        .send(&ClientFrame::Produce(record(2, "t", &"y".repeat(101))))
        .await;
    let frame = client.recv().await;
    let (id, error) = failed(&frame);
    assert_eq!(id, 2);
    assert_eq!((error.code, error.name.as_str()), (10, "MESSAGE_TOO_LARGE"));
    assert!(
        error.message.contains("limit of 100 bytes")
            && error.message.contains("--max-record-bytes"),
        "{error:?}"
    );
    // Malformed JSON, an unknown type and a binary frame: refused, connection open.
    client.send_raw("{not json").await;
    client.send_raw(r#"{"type":"teleport"}"#).await;
    client.tx.send_message(Message::binary(vec![1, 2, 3])).await;
    for expected in [
        "malformed frame:",
        "unknown variant `teleport`",
        "binary frames are not supported",
    ] {
        match client.recv().await {
            BridgeFrame::Error { message } => assert!(message.contains(expected), "{message}"),
            other => panic!("expected an error frame, got {other:?}"),
        }
    }
    // Still served.
    client.send(&ClientFrame::Flush).await;
    assert_eq!(client.recv().await, BridgeFrame::Flushed);
    let m = bridge.metrics();
    assert_eq!(
        (m.frames_rejected, m.records_refused_size, m.records_sent),
        (4, 1, 0)
    );

    // Past twice the limit tungstenite stops reading: the bridge says why and
    // closes the connection with 1009.
    client.send_raw(&"z".repeat(3000)).await;
    match client.recv().await {
        BridgeFrame::Error { message } => assert!(
            message.contains("3000 > 2048") && message.contains("--max-frame-bytes 1024"),
            "{message}"
        ),
        other => panic!("expected an error frame, got {other:?}"),
    }
    match client.rx.next_message(Instant::now() + DEADLINE).await {
        Some(Message::Close(Some(close))) => assert_eq!(u16::from(close.code), 1009),
        other => panic!("expected a close frame, got {other:?}"),
    }
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_past_the_in_flight_cap_is_answered_overloaded_and_memory_stays_bounded() {
    const CAP: usize = 100;
    let bridge = start_bridge(&no_broker(), |c| {
        c.max_in_flight = CAP;
        c.shutdown_timeout = 0; // the accepted records can never be delivered
    })
    .await;
    let mut client = Client::connect(&bridge.ws_url()).await;
    // Three floods of 500: nothing is ever acked, so only the first CAP records
    // can be accepted; every other record is answered `overloaded` at once.
    for flood in 0..3u64 {
        let records = (flood * 500..(flood + 1) * 500)
            .map(|id| record(id, "t", "flood"))
            .collect();
        client.send(&ClientFrame::ProduceBatch { records }).await;
        client.send(&hello()).await;
        let frames = until_welcome(&mut client.rx).await;
        let overloaded: Vec<u64> = frames
            .iter()
            .map(|f| match f {
                BridgeFrame::Overloaded { id, retry_after_ms } => {
                    assert!(*retry_after_ms > 0);
                    *id
                }
                other => panic!("expected only overloaded, got {other:?}"),
            })
            .collect();
        let first_refused = if flood == 0 { CAP as u64 } else { flood * 500 };
        assert_eq!(
            overloaded,
            (first_refused..(flood + 1) * 500).collect::<Vec<_>>()
        );
        let m = bridge.metrics();
        assert_eq!(m.records_sent, CAP as u64, "{m:?}");
        assert_eq!(m.peak_connection_in_flight, CAP, "{m:?}");
        assert_eq!(
            m.librdkafka_queued, CAP as i64,
            "librdkafka holds only the cap: {m:?}"
        );
        assert_eq!(m.records_overloaded, (flood + 1) * 500 - CAP as u64);
    }

    // Shutdown purges the accepted records: each gets exactly one delivery.
    let report = bridge.shutdown().await.unwrap();
    assert_eq!(report.undelivered, CAP as i32);
    let mut ids = vec![];
    loop {
        match client.rx.next_message(Instant::now() + DEADLINE).await {
            Some(Message::Text(text)) => {
                let frame = BridgeFrame::parse(&text).unwrap();
                let (id, error) = failed(&frame);
                assert_eq!(error.name, "_PURGE_QUEUE");
                ids.push(id);
            }
            Some(Message::Close(Some(close))) => {
                assert_eq!(u16::from(close.code), 1001);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    ids.sort_unstable();
    assert_eq!(ids, (0..CAP as u64).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_bytes_are_capped_too() {
    let bridge = start_bridge(&no_broker(), |c| {
        c.max_in_flight_bytes = 10_000;
        c.max_record_bytes = 1_000;
        c.shutdown_timeout = 0; // the accepted records can never be delivered
    })
    .await;
    let mut client = Client::connect(&bridge.ws_url()).await;
    // 900 value bytes + 6 key bytes per record: 11 fit in 10,000 bytes.
    let records = (0..50)
        .map(|id| record(id, "t", &"v".repeat(900)))
        .collect();
    client.send(&ClientFrame::ProduceBatch { records }).await;
    client.send(&hello()).await;
    let frames = until_welcome(&mut client.rx).await;
    assert_eq!(frames.len(), 39, "{frames:?}");
    assert!(
        frames
            .iter()
            .all(|f| matches!(f, BridgeFrame::Overloaded { .. }))
    );
    let m = bridge.metrics();
    assert_eq!(m.records_sent, 11);
    assert!(m.peak_connection_in_flight_bytes <= 10_000, "{m:?}");
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_maximum_are_refused_with_a_reason() {
    let bridge = start_bridge(&no_broker(), |c| c.max_connections = 2).await;
    let mut open = vec![];
    for _ in 0..2 {
        let mut client = Client::connect(&bridge.ws_url()).await;
        client.send(&hello()).await;
        assert!(matches!(client.recv().await, BridgeFrame::Welcome { .. }));
        open.push(client);
    }
    let mut third = Client::connect(&bridge.ws_url()).await;
    match third.recv().await {
        BridgeFrame::Error { message } => assert!(
            message.contains("too many connections") && message.contains("--max-connections"),
            "{message}"
        ),
        other => panic!("expected an error frame, got {other:?}"),
    }
    match third.rx.next_message(Instant::now() + DEADLINE).await {
        Some(Message::Close(Some(close))) => assert_eq!(u16::from(close.code), 1013),
        other => panic!("expected a close frame, got {other:?}"),
    }
    assert_eq!(bridge.metrics().connections_refused, 1);

    // A place frees up when a client leaves.
    drop(open.pop());
    wait_for_metrics(&bridge, "a connection closes", |m| m.connections == 1).await;
    let mut again = Client::connect(&bridge.ws_url()).await;
    again.send(&hello()).await;
    assert!(matches!(again.recv().await, BridgeFrame::Welcome { .. }));

    let metrics = http_get(bridge.local_addr(), "/metrics").await;
    for line in [
        "producer_bridge_connections 2",
        "producer_bridge_connections_refused_total 1",
        "producer_bridge_connections_total 3",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing `{line}`:\n{metrics}"
        );
    }
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configure_names_every_key_it_cannot_honour_and_changes_nothing() {
    let bridge = start_bridge(&no_broker(), |_| {}).await;
    let mut client = Client::connect(&bridge.ws_url()).await;
    let configure = |pairs: &[(&str, serde_json::Value)]| ClientFrame::Configure {
        config: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    };
    client
        .send(&configure(&[
            ("linger.ms", json!(10)),
            ("max.block.ms", json!(1000)),
            ("no.such.key", json!(1)),
            ("enable.idempotence", json!(true)),
            ("acks", json!("1")),
        ]))
        .await;
    match client.recv_any().await {
        BridgeMessage::Producer(ProducerFrame::ConfigRejected { rejected }) => {
            let keys: Vec<&str> = rejected.iter().map(|r| r.key.as_str()).collect();
            assert_eq!(
                keys,
                ["acks", "max.block.ms", "no.such.key"],
                "{rejected:?}"
            );
            assert!(rejected[0].reason.contains("Must set acks to all"));
            assert!(rejected[1].reason.contains("overloaded"));
            assert!(rejected[2].reason.contains("not a Java producer config"));
        }
        other => panic!("expected config_rejected, got {other:?}"),
    }
    // Nothing changed: no producer was created.
    assert_eq!(bridge.metrics().producers, 1, "only the shared producer");

    client
        .send(&configure(&[
            ("acks", json!(0)),
            ("compression.type", json!("gzip")),
            ("linger.ms", json!("20")),
        ]))
        .await;
    match client.recv_any().await {
        BridgeMessage::Producer(ProducerFrame::Configured { config, notes }) => {
            for (key, value) in [
                ("acks", "0"),
                ("compression.type", "gzip"),
                ("linger.ms", "20"),
                ("enable.idempotence", "false"),
                ("partitioner", "murmur2_random"),
            ] {
                assert_eq!(
                    config.get(key).map(String::as_str),
                    Some(value),
                    "{key}: {config:?}"
                );
            }
            assert!(notes.iter().any(|n| n.contains("acks=0")), "{notes:?}");
        }
        other => panic!("expected configured, got {other:?}"),
    }
    assert_eq!(
        bridge.metrics().producers,
        2,
        "the connection has its own producer"
    );
    // Another configure replaces it; the replaced one is retired (it held nothing).
    client.send(&configure(&[])).await;
    assert!(matches!(
        client.recv_any().await,
        BridgeMessage::Producer(ProducerFrame::Configured { .. })
    ));
    drop(client);
    wait_for_metrics(&bridge, "producers retire", |m| m.producers == 1).await;
    bridge.shutdown().await.unwrap();
}
