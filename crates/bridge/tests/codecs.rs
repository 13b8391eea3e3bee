//! 10,000 keyed records per compression codec, with idempotence on, through
//! the bridge to a real broker (tansu), then read back with an rdkafka
//! consumer: every key, value, header, partition and offset must match what
//! the bridge reported, and every partition must be the Java producer's.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use producer_wire::{
    BridgeFrame, BridgeMessage, ClientFrame, DeliveryOutcome, Header, Produce, ProducerFrame,
};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::{Headers as _, Message as _};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::json;
use support::{Client, Tansu, start_bridge};
use tokio::time::Instant;

const RECORDS: u64 = 10_000;
const PARTITIONS: u32 = 6;
const BATCH: usize = 500;
const DEADLINE: Duration = Duration::from_secs(180);

/// What was sent for one id, and where the bridge said it landed.
#[derive(Debug, Clone, PartialEq)]
struct Stored {
    key: String,
    value: String,
    headers: Vec<(String, Option<String>)>,
    partition: i32,
    offset: i64,
}

fn record(id: u64, topic: &str, codec: &str) -> Produce {
    Produce {
        id,
        topic: topic.into(),
        key: Some(format!("key-{id}")),
        // Repetitive enough for every codec to shrink it.
        value: Some(format!("{codec} value {id} {}", "lorem ipsum ".repeat(8))),
        headers: vec![
            Header {
                key: "id".into(),
                value: Some(id.to_string()),
            },
            Header {
                key: "codec".into(),
                value: Some(codec.into()),
            },
            Header {
                key: "null".into(),
                value: None,
            },
        ],
        partition: None,
    }
}

async fn round_trip(codec: &str) {
    let Some(tansu) = Tansu::start_or_skip(&format!("codec round trip ({codec})")).await else {
        return;
    };
    let started = Instant::now();
    let topic = format!("codec-{codec}");
    tansu.create_topic(&topic, PARTITIONS as i32).await;
    let bridge = start_bridge(tansu.bootstrap(), |_| {}).await;
    let Client { mut tx, mut rx } = Client::connect(&bridge.ws_url()).await;
    let deadline = Instant::now() + DEADLINE;

    tx.send(&ClientFrame::Configure {
        config: [
            ("compression.type".to_owned(), json!(codec)),
            ("enable.idempotence".to_owned(), json!(true)),
            ("acks".to_owned(), json!("all")),
        ]
        .into(),
    })
    .await;
    match rx.recv_any_until(deadline).await {
        BridgeMessage::Producer(ProducerFrame::Configured { config, .. }) => {
            assert_eq!(config["compression.type"], codec);
            assert_eq!(config["enable.idempotence"], "true");
        }
        other => panic!("expected configured, got {other:?}"),
    }

    let sent: Vec<Produce> = (0..RECORDS).map(|id| record(id, &topic, codec)).collect();
    let frames = sent.clone();
    let sender = tokio::spawn(async move {
        for records in frames.chunks(BATCH) {
            tx.send(&ClientFrame::ProduceBatch {
                records: records.to_vec(),
            })
            .await;
        }
        tx.send(&ClientFrame::Flush).await;
        tx
    });
    let mut places: HashMap<u64, (i32, i64)> = HashMap::new();
    loop {
        match rx.recv_any_until(deadline).await {
            BridgeMessage::Frame(BridgeFrame::Flushed) => break,
            BridgeMessage::Frame(BridgeFrame::Delivery(d)) => match d.outcome {
                DeliveryOutcome::Acked {
                    partition, offset, ..
                } => {
                    let previous = places.insert(d.id, (partition, offset));
                    assert!(previous.is_none(), "two deliveries for {}", d.id);
                }
                DeliveryOutcome::Failed { error } => {
                    panic!("{codec}: record {} failed: {error:?}", d.id)
                }
            },
            BridgeMessage::Producer(ProducerFrame::Stats { .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let _tx = sender.await.unwrap();
    assert_eq!(places.len() as u64, RECORDS, "every record acked once");
    let produced_in = started.elapsed();

    let mut expected: BTreeMap<(i32, i64), Stored> = BTreeMap::new();
    for r in &sent {
        let (partition, offset) = places[&r.id];
        let key = r.key.clone().unwrap();
        let java = producer_sim::partition_for_key(key.as_bytes(), PARTITIONS);
        assert_eq!(
            partition as u32, java,
            "{key}: Java's partitioner says {java}"
        );
        let stored = Stored {
            key,
            value: r.value.clone().unwrap(),
            headers: r
                .headers
                .iter()
                .map(|h| (h.key.clone(), h.value.clone()))
                .collect(),
            partition,
            offset,
        };
        assert!(
            expected.insert((partition, offset), stored).is_none(),
            "offset reused"
        );
    }

    // A fresh topic, one idempotent producer: each partition's offsets are
    // 0, 1, 2, ... with no gap and no duplicate.
    let mut counts: BTreeMap<i32, i64> = BTreeMap::new();
    for (partition, offset) in expected.keys() {
        let next = counts.entry(*partition).or_default();
        assert_eq!(*offset, *next, "{codec}: partition {partition} offsets");
        *next += 1;
    }

    let bootstrap = tansu.bootstrap().to_owned();
    let read_topic = topic.clone();
    let read = tokio::task::spawn_blocking(move || read_all(&bootstrap, &read_topic, &counts))
        .await
        .unwrap();
    assert_eq!(read.len(), expected.len(), "{codec}: records in the log");
    for (place, stored) in &expected {
        assert_eq!(
            read.get(place),
            Some(stored),
            "{codec}: record at {place:?}"
        );
    }
    eprintln!(
        "{codec}: {RECORDS} records acked in {produced_in:?}, read back in {:?}",
        started.elapsed() - produced_in
    );
    let report = bridge.shutdown().await.unwrap();
    assert_eq!(report.undelivered, 0);
}

/// Reads each partition from the start until it has `counts[partition]`
/// records, keyed by place.
fn read_all(
    bootstrap: &str,
    topic: &str,
    counts: &BTreeMap<i32, i64>,
) -> BTreeMap<(i32, i64), Stored> {
    let consumer: BaseConsumer = support::client_config(bootstrap)
        .set("group.id", format!("reader-{topic}"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for partition in 0..PARTITIONS as i32 {
        tpl.add_partition_offset(topic, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let total: i64 = counts.values().sum();
    let deadline = std::time::Instant::now() + DEADLINE;
    let mut read = BTreeMap::new();
    while (read.len() as i64) < total {
        assert!(
            std::time::Instant::now() < deadline,
            "read {} of {total} records",
            read.len()
        );
        let Some(message) = consumer.poll(Duration::from_millis(500)) else {
            continue;
        };
        let message = message.expect("fetch");
        let text = |bytes: Option<&[u8]>| bytes.map(|b| String::from_utf8(b.to_vec()).unwrap());
        let headers = message
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| (h.key.to_owned(), text(h.value)))
                    .collect()
            })
            .unwrap_or_default();
        let stored = Stored {
            key: text(message.key()).expect("keyed"),
            value: text(message.payload()).expect("a value"),
            headers,
            partition: message.partition(),
            offset: message.offset(),
        };
        assert!(
            stored.offset < counts[&stored.partition],
            "a record past the acked ones: {stored:?}"
        );
        let previous = read.insert((stored.partition, stored.offset), stored);
        assert!(previous.is_none(), "an offset read twice");
    }
    read
}

macro_rules! codec_test {
    ($name:ident, $codec:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            round_trip($codec).await;
        }
    };
}

codec_test!(
    ten_thousand_idempotent_records_uncompressed_read_back_intact,
    "none"
);
codec_test!(
    ten_thousand_idempotent_records_gzip_read_back_intact,
    "gzip"
);
codec_test!(
    ten_thousand_idempotent_records_snappy_read_back_intact,
    "snappy"
);
codec_test!(ten_thousand_idempotent_records_lz4_read_back_intact, "lz4");
codec_test!(
    ten_thousand_idempotent_records_zstd_read_back_intact,
    "zstd"
);
