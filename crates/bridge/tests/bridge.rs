//! The bridge over a real WebSocket, against a real Kafka-compatible broker
//! (tansu, see `support`). Tests that need no broker point the bridge at a
//! closed port: librdkafka connects lazily.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use producer_wire::{
    BridgeFrame, BridgeMessage, ClientFrame, Delivery, DeliveryOutcome, Header, PROTOCOL_VERSION,
    Produce, ProducerFrame,
};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::{Headers as _, Message as _};
use rdkafka::{Offset, TopicPartitionList};
use support::{Client, ClientRx, Tansu, free_port, http_get, start_bridge};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

const PARTITIONS: u32 = 6;
/// Generous: the machine running the tests may be busy compiling.
const DEADLINE: Duration = Duration::from_secs(120);

fn record(id: u64, topic: &str, key: Option<&str>, value: &str) -> Produce {
    Produce {
        id,
        topic: topic.into(),
        key: key.map(String::from),
        value: Some(value.into()),
        headers: vec![],
        partition: None,
    }
}

/// A bootstrap address where nothing listens, for tests that need no broker.
fn no_broker() -> String {
    format!("127.0.0.1:{}", free_port())
}

/// Collects frames until `flushed` (the client sent `flush` last).
async fn collect_until_flushed(rx: &mut ClientRx, deadline: Instant) -> Vec<BridgeFrame> {
    let mut frames = vec![];
    loop {
        match rx.recv_until(deadline).await {
            BridgeFrame::Flushed => return frames,
            frame => frames.push(frame),
        }
    }
}

fn deliveries(frames: Vec<BridgeFrame>) -> Vec<Delivery> {
    frames
        .into_iter()
        .map(|frame| match frame {
            BridgeFrame::Delivery(d) => d,
            other => panic!("expected only deliveries, got {other:?}"),
        })
        .collect()
}

/// The acked place of a delivery; panics with the error otherwise.
fn acked(d: &Delivery) -> (i32, i64) {
    match &d.outcome {
        DeliveryOutcome::Acked {
            partition, offset, ..
        } => (*partition, *offset),
        DeliveryOutcome::Failed { error } => panic!("record {} failed: {error:?}", d.id),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_keyed_records_each_get_exactly_one_delivery() {
    let Some(tansu) =
        Tansu::start_or_skip("thousand_keyed_records_each_get_exactly_one_delivery").await
    else {
        return;
    };
    let topic = "bridge-thousand";
    tansu.create_topic(topic, PARTITIONS as i32).await;
    let bridge = start_bridge(tansu.bootstrap(), |_| {}).await;
    let Client { mut tx, mut rx } = Client::connect(&bridge.ws_url()).await;

    const N: u64 = 1_000;
    let deadline = Instant::now() + DEADLINE;
    // Send from another task while this one reads, as a browser would.
    let sender = tokio::spawn(async move {
        for id in 0..N {
            let key = format!("key-{id}");
            tx.send(&ClientFrame::Produce(record(
                id,
                topic,
                Some(&key),
                &format!("value-{id}"),
            )))
            .await;
        }
        tx.send(&ClientFrame::Flush).await;
        tx
    });
    let frames = collect_until_flushed(&mut rx, deadline).await;
    let _tx = sender.await.unwrap();

    let mut by_id: HashMap<u64, Vec<Delivery>> = HashMap::new();
    for d in deliveries(frames) {
        by_id.entry(d.id).or_default().push(d);
    }
    let unexpected: Vec<u64> = by_id.keys().copied().filter(|id| *id >= N).collect();
    assert!(
        unexpected.is_empty(),
        "deliveries for ids never sent: {unexpected:?}"
    );
    let missing: Vec<u64> = (0..N).filter(|id| !by_id.contains_key(id)).collect();
    assert!(missing.is_empty(), "no delivery for ids {missing:?}");
    let duplicated: Vec<u64> = (0..N).filter(|id| by_id[id].len() > 1).collect();
    assert!(
        duplicated.is_empty(),
        "more than one delivery for ids {duplicated:?}"
    );

    let mut offsets: BTreeMap<i32, Vec<(u64, i64)>> = BTreeMap::new();
    for id in 0..N {
        let d = &by_id[&id][0];
        let (partition, offset) = acked(d);
        let DeliveryOutcome::Acked {
            topic: t,
            latency_ms,
            ..
        } = &d.outcome
        else {
            unreachable!()
        };
        assert_eq!(t, topic);
        assert!(
            latency_ms.is_some_and(|ms| ms >= 0.0),
            "latency for {id}: {latency_ms:?}"
        );
        let key = format!("key-{id}");
        let expected = producer_sim::partition_for_key(key.as_bytes(), PARTITIONS);
        assert_eq!(
            partition as u32, expected,
            "{key} landed on {partition}, Java's partitioner says {expected}"
        );
        offsets.entry(partition).or_default().push((id, offset));
    }
    for (partition, placed) in &offsets {
        // Sent in id order on one connection with idempotence: offsets are distinct
        // and grow in sending order.
        let in_order: Vec<i64> = placed.iter().map(|(_, offset)| *offset).collect();
        assert!(
            in_order.windows(2).all(|w| w[0] < w[1]),
            "partition {partition}: offsets not distinct and increasing in send order: {in_order:?}"
        );
    }
    assert_eq!(
        offsets.len(),
        PARTITIONS as usize,
        "1000 keys spread over every partition"
    );

    let report = bridge.shutdown().await.unwrap();
    assert_eq!(report.undelivered, 0);
}

/// Protocol version 3: a client that asks for it in `hello` gets its reports
/// many to a `deliveries` frame, still exactly one per record, and `flushed`
/// after all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_deliveries_carry_exactly_one_report_per_record() {
    let Some(tansu) =
        Tansu::start_or_skip("batched_deliveries_carry_exactly_one_report_per_record").await
    else {
        return;
    };
    let topic = "bridge-batched";
    tansu.create_topic(topic, PARTITIONS as i32).await;
    let bridge = start_bridge(tansu.bootstrap(), |c| {
        c.allowed_topics = vec![topic.into()];
    })
    .await;
    let Client { mut tx, mut rx } = Client::connect(&bridge.ws_url()).await;
    tx.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: None,
        batch_deliveries: true,
    })
    .await;
    assert!(matches!(rx.recv().await, BridgeFrame::Welcome { .. }));

    const N: u64 = 2_000;
    const REFUSED: u64 = 777;
    let deadline = Instant::now() + DEADLINE;
    let sender = tokio::spawn(async move {
        for first in (0..N).step_by(100) {
            let records = (first..first + 100)
                .map(|id| {
                    // One record goes to a topic outside the allow-list: the
                    // bridge answers it itself, in the same stream.
                    let t = if id == REFUSED { "not-allowed" } else { topic };
                    record(id, t, Some(&format!("key-{id}")), "v")
                })
                .collect();
            tx.send(&ClientFrame::ProduceBatch { records }).await;
        }
        tx.send(&ClientFrame::Flush).await;
        tx
    });
    let frames = collect_until_flushed(&mut rx, deadline).await;
    let _tx = sender.await.unwrap();

    let frame_count = frames.len();
    let mut by_id: HashMap<u64, Delivery> = HashMap::new();
    let mut offsets: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for frame in frames {
        let BridgeFrame::Deliveries { deliveries } = frame else {
            panic!("expected only deliveries frames, got {frame:?}");
        };
        for d in deliveries {
            if d.id != REFUSED {
                let (partition, offset) = acked(&d);
                let expected =
                    producer_sim::partition_for_key(format!("key-{}", d.id).as_bytes(), PARTITIONS);
                assert_eq!(partition as u32, expected, "record {}", d.id);
                offsets.entry(partition).or_default().push(offset);
            }
            let id = d.id;
            assert!(by_id.insert(id, d).is_none(), "two deliveries for {id}");
        }
    }
    assert_eq!(by_id.len() as u64, N, "one delivery per record");
    match &by_id[&REFUSED].outcome {
        DeliveryOutcome::Failed { error } => {
            assert_eq!(error.name, "TOPIC_AUTHORIZATION_FAILED")
        }
        other => panic!("the refused record was {other:?}"),
    }
    for (partition, in_arrival_order) in &offsets {
        assert!(
            in_arrival_order.windows(2).all(|w| w[0] < w[1]),
            "partition {partition}: deliveries not in offset order"
        );
    }
    // How many reports share a frame depends on how often the writer wakes
    // (timing); that they are shared at all is the protocol's promise.
    assert!(
        (frame_count as u64) <= N / 2,
        "{frame_count} frames for {N} deliveries: not batched"
    );
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_handshake_is_refused() {
    let bridge = start_bridge(&no_broker(), |_| {}).await;
    let handshake = |origin: Option<&'static str>| {
        let mut request = bridge.ws_url().into_client_request().unwrap();
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("Origin", origin.parse().unwrap());
        }
        tokio_tungstenite::connect_async(request)
    };

    match handshake(Some("https://evil.example")).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
            let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default())
                .into_owned();
            assert!(
                body.contains("origin `https://evil.example` is not allowed"),
                "{body}"
            );
        }
        Err(other) => panic!("expected HTTP 403, got {other}"),
        Ok(_) => panic!("a cross-origin handshake was accepted"),
    }

    for origin in [
        Some("http://localhost:8080"),
        Some("http://127.0.0.1:8080"),
        None,
    ] {
        let (ws, response) = handshake(origin)
            .await
            .unwrap_or_else(|e| panic!("origin {origin:?} refused: {e}"));
        assert_eq!(response.status(), 101);
        let mut client = Client::from_stream(ws);
        client
            .send(&ClientFrame::Hello {
                version: PROTOCOL_VERSION,
                token: None,
                batch_deliveries: false,
            })
            .await;
        match client.recv().await {
            BridgeFrame::Welcome { version, .. } => assert_eq!(version, PROTOCOL_VERSION),
            other => panic!("expected welcome, got {other:?}"),
        }
    }
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frame_gets_error_frame_and_connection_survives() {
    let Some(tansu) =
        Tansu::start_or_skip("malformed_frame_gets_error_frame_and_connection_survives").await
    else {
        return;
    };
    let topic = "bridge-malformed";
    tansu.create_topic(topic, PARTITIONS as i32).await;
    let bridge = start_bridge(tansu.bootstrap(), |_| {}).await;
    let mut client = Client::connect(&bridge.ws_url()).await;

    client.send_raw("{not json").await;
    match client.recv().await {
        BridgeFrame::Error { message } => {
            assert!(message.starts_with("malformed frame:"), "{message}")
        }
        other => panic!("expected an error frame, got {other:?}"),
    }
    client.send_raw(r#"{"type":"teleport"}"#).await;
    match client.recv().await {
        BridgeFrame::Error { message } => {
            assert!(message.contains("unknown variant `teleport`"), "{message}")
        }
        other => panic!("expected an error frame, got {other:?}"),
    }

    client
        .send(&ClientFrame::Produce(record(
            42,
            topic,
            Some("k"),
            "still here",
        )))
        .await;
    client.send(&ClientFrame::Flush).await;
    let ds = deliveries(collect_until_flushed(&mut client.rx, Instant::now() + DEADLINE).await);
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert_eq!(ds[0].id, 42);
    let (partition, _) = acked(&ds[0]);
    assert_eq!(
        partition as u32,
        producer_sim::partition_for_key(b"k", PARTITIONS)
    );
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_partition_headers_and_batch_reach_kafka() {
    let Some(tansu) =
        Tansu::start_or_skip("explicit_partition_headers_and_batch_reach_kafka").await
    else {
        return;
    };
    let topic = "bridge-headers";
    tansu.create_topic(topic, PARTITIONS as i32).await;
    let bridge = start_bridge(tansu.bootstrap(), |_| {}).await;
    let mut client = Client::connect(&bridge.ws_url()).await;

    let headers = vec![
        Header {
            key: "h".into(),
            value: Some("1".into()),
        },
        Header {
            key: "h".into(),
            value: None,
        },
        Header {
            key: "trace".into(),
            value: Some("abc".into()),
        },
    ];
    let mut records = vec![
        Produce {
            headers: headers.clone(),
            partition: Some(4),
            ..record(1, topic, Some("key-a"), "with headers")
        },
        Produce {
            partition: Some(4),
            value: None,
            ..record(2, topic, Some("key-b"), "")
        },
    ];
    records.push(Produce {
        partition: Some(4),
        ..record(3, topic, None, "null key")
    });
    client.send(&ClientFrame::ProduceBatch { records }).await;
    client.send(&ClientFrame::Flush).await;
    let mut ds = deliveries(collect_until_flushed(&mut client.rx, Instant::now() + DEADLINE).await);
    ds.sort_by_key(|d| d.id);
    assert_eq!(ds.iter().map(|d| d.id).collect::<Vec<_>>(), [1, 2, 3]);
    let places: Vec<(i32, i64)> = ds.iter().map(acked).collect();
    assert!(
        places.iter().all(|(p, _)| *p == 4),
        "explicit partition ignored: {places:?}"
    );

    // Read the records back and compare what Kafka stored.
    let bootstrap = tansu.bootstrap().to_owned();
    let first_offset = places[0].1;
    let stored = tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = support::client_config(&bootstrap)
            .set("group.id", "bridge-test-reader")
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, 4, Offset::Offset(first_offset))
            .unwrap();
        consumer.assign(&tpl).unwrap();
        let deadline = std::time::Instant::now() + DEADLINE;
        let mut stored = vec![];
        while stored.len() < 3 {
            assert!(
                std::time::Instant::now() < deadline,
                "records not readable: {stored:?}"
            );
            let Some(message) = consumer.poll(Duration::from_millis(500)) else {
                continue;
            };
            let message = message.expect("fetch");
            let headers: Vec<(String, Option<String>)> = message
                .headers()
                .map(|hs| {
                    hs.iter()
                        .map(|h| {
                            (
                                h.key.to_owned(),
                                h.value.map(|v| String::from_utf8_lossy(v).into_owned()),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let key = message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned());
            let value = message
                .payload()
                .map(|v| String::from_utf8_lossy(v).into_owned());
            stored.push((key, value, headers));
        }
        stored
    })
    .await
    .unwrap();
    let h = |k: &str, v: Option<&str>| (k.to_owned(), v.map(String::from));
    assert_eq!(
        stored[0],
        (
            Some("key-a".into()),
            Some("with headers".into()),
            vec![h("h", Some("1")), h("h", None), h("trace", Some("abc"))]
        )
    );
    assert_eq!(stored[1], (Some("key-b".into()), None, vec![]), "tombstone");
    assert_eq!(stored[2], (None, Some("null key".into()), vec![]));
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_refusal_is_delivered_at_once() {
    // No broker needed: librdkafka refuses an oversized record before sending it.
    let bridge = start_bridge(&no_broker(), |c| {
        c.producer_properties
            .push(("message.max.bytes".into(), "1000".into()));
    })
    .await;
    let mut client = Client::connect(&bridge.ws_url()).await;
    client
        .send(&ClientFrame::Produce(record(
            7,
            "anything",
            Some("k"),
            &"x".repeat(5_000),
        )))
        .await;
    client.send(&ClientFrame::Flush).await;
    let ds = deliveries(collect_until_flushed(&mut client.rx, Instant::now() + DEADLINE).await);
    assert_eq!(ds.len(), 1, "{ds:?}");
    match &ds[0] {
        Delivery {
            id: 7,
            outcome: DeliveryOutcome::Failed { error },
        } => {
            assert_eq!(
                (error.code, error.name.as_str(), error.retriable),
                (10, "MESSAGE_TOO_LARGE", false)
            );
        }
        other => panic!("expected a failed delivery for 7, got {other:?}"),
    }
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_is_required_when_configured() {
    let bridge = start_bridge(&no_broker(), |c| c.token = Some("s3cret".into())).await;

    let refused = |first: ClientFrame, reason: &'static str| {
        let url = bridge.ws_url();
        async move {
            let mut client = Client::connect(&url).await;
            client.send(&first).await;
            match client.recv().await {
                BridgeFrame::Error { message } => assert!(message.contains(reason), "{message}"),
                other => panic!("expected an error frame, got {other:?}"),
            }
            match client.rx.next_message(Instant::now() + DEADLINE).await {
                Some(Message::Close(Some(close))) => assert_eq!(u16::from(close.code), 1008),
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    };
    refused(ClientFrame::Flush, "first frame must be hello").await;
    refused(
        ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: None,
            batch_deliveries: false,
        },
        "requires a token",
    )
    .await;
    refused(
        ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: Some("guess".into()),
            batch_deliveries: false,
        },
        "wrong token",
    )
    .await;

    let mut client = Client::connect(&bridge.ws_url()).await;
    client
        .send(&ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: Some("s3cret".into()),
            batch_deliveries: false,
        })
        .await;
    assert!(matches!(client.recv().await, BridgeFrame::Welcome { .. }));
    client.send(&ClientFrame::Flush).await;
    assert_eq!(client.recv().await, BridgeFrame::Flushed);
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_static_files_with_wasm_mime_type() {
    let dir = std::env::temp_dir().join(format!("producer-bridge-static-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<html>lab</html>").unwrap();
    std::fs::write(dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let serve_dir = dir.clone();
    let bridge = start_bridge(&no_broker(), move |c| c.serve_dir = Some(serve_dir)).await;
    let addr = bridge.local_addr();

    let health = http_get(addr, "/healthz").await;
    assert!(
        health.starts_with("HTTP/1.0 200") || health.starts_with("HTTP/1.1 200"),
        "{health}"
    );
    assert!(health.ends_with("ok"), "{health}");
    let index = http_get(addr, "/").await;
    assert!(
        index.contains(" 200 ") && index.contains("<html>lab</html>"),
        "{index}"
    );
    let wasm = http_get(addr, "/app_bg.wasm").await.to_ascii_lowercase();
    assert!(wasm.contains("content-type: application/wasm"), "{wasm}");
    let missing = http_get(addr, "/nope.js").await;
    assert!(missing.contains(" 404 "), "{missing}");

    bridge.shutdown().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_topic_gets_a_failed_delivery() {
    // tansu does not auto-create topics. librdkafka waits
    // topic.metadata.propagation.max.ms for the topic to appear, then fails the
    // record with the broker's UNKNOWN_TOPIC_OR_PARTITION; once it has cached
    // the topic as unknown, it refuses further records at once (_UNKNOWN_TOPIC).
    let Some(tansu) = Tansu::start_or_skip("unknown_topic_gets_a_failed_delivery").await else {
        return;
    };
    let bridge = start_bridge(tansu.bootstrap(), |c| {
        c.producer_properties
            .push(("topic.metadata.propagation.max.ms".into(), "1000".into()));
    })
    .await;
    let mut client = Client::connect(&bridge.ws_url()).await;

    for id in [1, 2] {
        client
            .send(&ClientFrame::Produce(record(
                id,
                "no-such-topic",
                Some("k"),
                "v",
            )))
            .await;
        client.send(&ClientFrame::Flush).await;
        let ds = deliveries(collect_until_flushed(&mut client.rx, Instant::now() + DEADLINE).await);
        assert_eq!(ds.len(), 1, "{ds:?}");
        assert_eq!(ds[0].id, id);
        let DeliveryOutcome::Failed { error } = &ds[0].outcome else {
            panic!("a record for a missing topic was acked: {:?}", ds[0]);
        };
        let allowed: &[(i32, &str)] = if id == 1 {
            &[(3, "UNKNOWN_TOPIC_OR_PARTITION")]
        } else {
            &[(3, "UNKNOWN_TOPIC_OR_PARTITION"), (-188, "_UNKNOWN_TOPIC")]
        };
        assert!(
            allowed.contains(&(error.code, error.name.as_str())) && error.retriable,
            "record {id}: {error:?}"
        );
    }
    bridge.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_reports_what_was_not_delivered() {
    // No broker: the record stays queued in librdkafka until the shutdown gives up.
    let bridge = start_bridge(&no_broker(), |c| c.shutdown_timeout = 1).await;
    let mut client = Client::connect(&bridge.ws_url()).await;
    client
        .send(&ClientFrame::Produce(record(1, "t", Some("k"), "v")))
        .await;
    client
        .send(&ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: None,
            batch_deliveries: false,
        })
        .await;
    // The welcome proves the produce before it was read and enqueued.
    assert!(matches!(client.recv().await, BridgeFrame::Welcome { .. }));

    let report = bridge.shutdown().await.unwrap();
    assert_eq!(report.undelivered, 1);
    // The purged record still gets its one delivery, naming why, before the close.
    match client.recv().await {
        BridgeFrame::Delivery(Delivery {
            id: 1,
            outcome: DeliveryOutcome::Failed { error },
        }) => {
            assert_eq!(error.name, "_PURGE_QUEUE", "{error:?}");
            assert!(error.message.contains("producer stopped"), "{error:?}");
        }
        other => panic!("expected the purged record's delivery, got {other:?}"),
    }
    match client.rx.next_message(Instant::now() + DEADLINE).await {
        Some(Message::Close(Some(close))) => assert_eq!(u16::from(close.code), 1001),
        other => panic!("expected a going-away close, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configure_changes_the_producer_observably() {
    let Some(tansu) = Tansu::start_or_skip("configure_changes_the_producer_observably").await
    else {
        return;
    };
    let topic = "bridge-configure";
    tansu.create_topic(topic, PARTITIONS as i32).await;
    let bridge = start_bridge(tansu.bootstrap(), |_| {}).await;
    let mut client = Client::connect(&bridge.ws_url()).await;
    let deadline = Instant::now() + DEADLINE;
    let configure = |pairs: &[(&str, serde_json::Value)]| ClientFrame::Configure {
        config: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    };
    let send_and_flush = |ids: std::ops::Range<u64>| {
        let records = ids
            .map(|id| {
                let value = format!("{id} {}", "the same words again and again ".repeat(10));
                record(id, topic, Some(&format!("key-{id}")), &value)
            })
            .collect();
        [ClientFrame::ProduceBatch { records }, ClientFrame::Flush]
    };
    // Deliveries until `flushed`, skipping `stats`.
    async fn deliveries_until_flushed(client: &mut Client, deadline: Instant) -> Vec<Delivery> {
        let mut ds = vec![];
        loop {
            match client.rx.recv_any_until(deadline).await {
                BridgeMessage::Frame(BridgeFrame::Flushed) => return ds,
                BridgeMessage::Frame(BridgeFrame::Delivery(d)) => ds.push(d),
                BridgeMessage::Producer(ProducerFrame::Stats { .. }) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    // acks=0 and gzip: the broker sends no offset; Java reports -1.
    client
        .send(&configure(&[
            ("acks", serde_json::json!("0")),
            ("compression.type", serde_json::json!("gzip")),
        ]))
        .await;
    match client.recv_any().await {
        BridgeMessage::Producer(ProducerFrame::Configured { config, notes }) => {
            assert_eq!(config["acks"], "0");
            assert_eq!(config["enable.idempotence"], "false", "{notes:?}");
        }
        other => panic!("expected configured, got {other:?}"),
    }
    for frame in send_and_flush(0..200) {
        client.send(&frame).await;
    }
    let ds = deliveries_until_flushed(&mut client, deadline).await;
    assert_eq!(ds.len(), 200);
    for d in &ds {
        let (partition, offset) = acked(d);
        assert_eq!(offset, -1, "acks=0 has no offset: {d:?}");
        let key = format!("key-{}", d.id);
        assert_eq!(
            partition as u32,
            producer_sim::partition_for_key(key.as_bytes(), PARTITIONS)
        );
    }
    // The connection's stats show the Java metrics of its producer, gzip included.
    let metrics = loop {
        match client.rx.recv_any_until(deadline).await {
            BridgeMessage::Producer(ProducerFrame::Stats { metrics, window_ms }) => {
                assert!(window_ms > 0.0);
                if metrics.record_send_total >= Some(200.0) {
                    break metrics;
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    let ratio = metrics.compression_rate_avg;
    assert!(
        ratio.is_some_and(|r| r > 0.0 && r < 0.5),
        "gzip ratio: {metrics:?}"
    );
    assert!(
        metrics.batch_size_avg.is_some_and(|b| b > 61.0),
        "{metrics:?}"
    );
    assert!(
        metrics.buffer_total_bytes == Some(32.0 * 1024.0 * 1024.0),
        "{metrics:?}"
    );

    // Back to the defaults: acks=all gives offsets again.
    client.send(&configure(&[])).await;
    match client.recv_any().await {
        BridgeMessage::Producer(ProducerFrame::Configured { config, .. }) => {
            assert_eq!(config["acks"], "all");
            assert_eq!(config["enable.idempotence"], "true");
        }
        other => panic!("expected configured, got {other:?}"),
    }
    for frame in send_and_flush(200..210) {
        client.send(&frame).await;
    }
    let ds = deliveries_until_flushed(&mut client, deadline).await;
    assert_eq!(ds.len(), 10);
    assert!(ds.iter().all(|d| acked(d).1 >= 0), "{ds:?}");

    let text = http_get(bridge.local_addr(), "/metrics").await;
    assert!(
        text.starts_with("HTTP/1.0 200") || text.starts_with("HTTP/1.1 200"),
        "{text}"
    );
    assert!(
        text.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{text}"
    );
    for line in [
        "producer_bridge_records_sent_total 210",
        "producer_bridge_records_acked_total 210",
        "producer_bridge_records_failed_total 0",
        "producer_bridge_records_in_flight 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing `{line}`:\n{text}");
    }
    // The connection's new producer appears with its first statistics report.
    loop {
        let text = http_get(bridge.local_addr(), "/metrics").await;
        let line = "kafka_producer_record_send_total{producer=\"connection-";
        if text.lines().any(|l| l.starts_with(line)) {
            break;
        }
        assert!(Instant::now() < deadline, "no `{line}` in\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bridge.shutdown().await.unwrap();
}
