//! `real-sweep`: throughput and latency against batch.size × linger.ms (× compression),
//! measured on a real cluster through `producer-bridge`, next to the model's prediction for
//! the same points: the seed tutorial's throughput table, for real.
//!
//! ```sh
//! cargo bench -p producer-bridge --bench real-sweep                 # starts its own tansu
//! cargo bench -p producer-bridge --bench real-sweep -- --bootstrap-servers 127.0.0.1:9092 \
//!     --batch-sizes 1024,16384,131072 --lingers 0,5,50 --compression none,lz4 --records 20000
//! ```
//!
//! For each point, one WebSocket connection to an in-process bridge: `configure` (batch.size,
//! linger.ms, compression.type; everything else the Java defaults), 100 warm-up records (a
//! fresh producer connects and gets its producer id first), then `--records` keyed records in
//! `produce_batch` frames of 100 with at most `--window` unacknowledged, then `flush`.
//! Throughput is acknowledged records over first send → last report; latency is each record's
//! frame send → its delivery report, as the client sees it.
//!
//! The model's prediction runs `producer-sim` with the same producer settings, topic
//! partitions, keys (`key-{i}`, one per record) and value size, sending flat out (10,000,000
//! `send()` calls a second of model time) and then closing, on a one-broker cluster whose
//! network is `--model-one-way-us` each way (default 100 µs, a loopback's order). The model's
//! broker costs no CPU; the real one shares this machine's cores with the bridge and client.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use producer_bridge::BridgeConfig;
use producer_sim::event::{Outcome, Trace};
use producer_sim::scenario::{ClusterSpec, KeyChoice, NetworkSpec, OnFinish, Workload};
use producer_sim::{Scenario, Simulation};
use producer_wire::{
    BridgeFrame, BridgeMessage, ClientFrame, DeliveryOutcome, PROTOCOL_VERSION, Produce,
    ProducerFrame,
};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use tokio_tungstenite::tungstenite::Message;

const TOPIC: &str = "real-sweep";
const WARM_UP: u64 = 100;
const FRAME_RECORDS: u64 = 100;
/// The model's `send()` rate: far above what any point acknowledges, so that the model
/// measures its capacity.
const MODEL_FLAT_OUT: u32 = 10_000_000;

#[derive(Debug, Clone)]
struct Options {
    bootstrap_servers: Option<String>,
    records: u64,
    value_bytes: usize,
    window: u64,
    partitions: i32,
    batch_sizes: Vec<u64>,
    lingers: Vec<u64>,
    compression: Vec<String>,
    model_one_way_us: u64,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut o = Options {
            bootstrap_servers: None,
            records: 20_000,
            value_bytes: 100,
            window: 10_000,
            partitions: 6,
            batch_sizes: vec![1024, 16384, 131072],
            lingers: vec![0, 5, 50],
            compression: vec!["none".into()],
            model_one_way_us: 100,
        };
        let mut args = std::env::args().skip(1);
        let list = |text: String| -> Result<Vec<u64>, String> {
            text.split(',')
                .map(|v| v.trim().parse::<u64>().map_err(|e| format!("{v}: {e}")))
                .collect()
        };
        while let Some(arg) = args.next() {
            if arg == "--bench" {
                continue;
            }
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            let number = |text: String| text.parse::<u64>().map_err(|e| format!("{text}: {e}"));
            match arg.as_str() {
                "--bootstrap-servers" => o.bootstrap_servers = Some(value()?),
                "--records" => o.records = number(value()?)?.max(1),
                "--value-bytes" => o.value_bytes = number(value()?)? as usize,
                "--window" => o.window = number(value()?)?.max(FRAME_RECORDS),
                "--partitions" => o.partitions = number(value()?)? as i32,
                "--batch-sizes" => o.batch_sizes = list(value()?)?,
                "--lingers" => o.lingers = list(value()?)?,
                "--compression" => {
                    o.compression = value()?.split(',').map(|c| c.trim().to_owned()).collect()
                }
                "--model-one-way-us" => o.model_one_way_us = number(value()?)?,
                other => return Err(format!("unknown option {other}")),
            }
        }
        Ok(o)
    }
}

fn main() {
    // `cargo test --all-targets` runs bench targets without `--bench`: nothing to do then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("real-sweep: run it with `cargo bench -p producer-bridge --bench real-sweep`");
        return;
    }
    let options = Options::parse().unwrap_or_else(|e| {
        eprintln!("real-sweep: {e}");
        std::process::exit(2);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(options));
}

/// One point measured on the real cluster.
struct Real {
    throughput: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// One point predicted by the model.
struct Model {
    throughput: f64,
    mean_latency_ms: f64,
}

async fn run(o: Options) {
    let tansu = match &o.bootstrap_servers {
        Some(_) => None,
        None => Some(
            support::Tansu::start_or_skip("real-sweep")
                .await
                .expect("tansu is needed when no --bootstrap-servers is given"),
        ),
    };
    let bootstrap = o
        .bootstrap_servers
        .clone()
        .unwrap_or_else(|| tansu.as_ref().unwrap().bootstrap().to_owned());
    create_topic(&bootstrap, o.partitions).await;
    let bridge = support::start_bridge(&bootstrap, |c: &mut BridgeConfig| {
        c.allowed_topics = vec![TOPIC.into()];
        c.max_in_flight = c.max_in_flight.max(o.window as usize);
    })
    .await;
    println!(
        "real-sweep: {bootstrap} ({}), topic {TOPIC} with {} partitions; load average {}",
        if tansu.is_some() {
            "tansu started by the sweep"
        } else {
            "given broker"
        },
        o.partitions,
        load_average()
    );
    println!(
        "each point: {} keyed records (key-i), {} value bytes, produce_batch frames of {FRAME_RECORDS}, at most {} unacknowledged; acks=all, idempotence on",
        o.records, o.value_bytes, o.window
    );
    println!(
        "model: 1 broker, {} partitions, {} µs one way, flat-out sends then close()\n",
        o.partitions, o.model_one_way_us
    );
    println!(
        "| batch.size | linger.ms | compression | real records/s | real latency p50 / p99 (ms) | model records/s | model mean latency (ms) | real / model |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for compression in &o.compression {
        for &batch_size in &o.batch_sizes {
            for &linger_ms in &o.lingers {
                let model = model_point(&o, batch_size, linger_ms, compression);
                let real =
                    real_point(&bridge.ws_url(), &o, batch_size, linger_ms, compression).await;
                let (real_text, ratio) = match &real {
                    Ok(r) => (
                        (
                            format!("{:.0}", r.throughput),
                            format!("{:.1} / {:.1}", r.p50_ms, r.p99_ms),
                        ),
                        model.as_ref().map_or("–".into(), |m| {
                            format!("{:.2}", r.throughput / m.throughput)
                        }),
                    ),
                    Err(e) => ((format!("failed: {e}"), "–".into()), "–".into()),
                };
                let (model_tp, model_latency) =
                    model.as_ref().map_or(("–".into(), "–".into()), |m| {
                        (
                            format!("{:.0}", m.throughput),
                            format!("{:.1}", m.mean_latency_ms),
                        )
                    });
                println!(
                    "| {batch_size} | {linger_ms} | {compression} | {} | {} | {model_tp} | {model_latency} | {ratio} |",
                    real_text.0, real_text.1
                );
            }
        }
    }
    println!("\nload average at the end: {}", load_average());
    let _ = bridge.shutdown().await;
    drop(tansu);
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

async fn create_topic(bootstrap: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> =
        support::client_config(bootstrap).create().unwrap();
    let topic = NewTopic::new(TOPIC, partitions, TopicReplication::Fixed(1));
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for result in admin
        .create_topics([&topic], &options)
        .await
        .expect("CreateTopics")
    {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => panic!("creating {topic}: {code:?}"),
        }
    }
}

/// The model's capacity and mean latency for one point.
fn model_point(o: &Options, batch_size: u64, linger_ms: u64, compression: &str) -> Option<Model> {
    let mut s = Scenario {
        cluster: ClusterSpec {
            topic: TOPIC.into(),
            partitions: o.partitions as u32,
            ..ClusterSpec::default()
        },
        network: NetworkSpec {
            one_way_latency_us: o.model_one_way_us,
            ..NetworkSpec::default()
        },
        workload: Workload {
            records_per_second: MODEL_FLAT_OUT,
            records: o.records,
            keys: KeyChoice::Unique,
            value_bytes: o.value_bytes,
            on_finish: OnFinish::Close,
            ..Workload::default()
        },
        ..Scenario::default()
    };
    s.producer
        .insert("batch.size".into(), batch_size.to_string());
    s.producer.insert("linger.ms".into(), linger_ms.to_string());
    s.producer
        .insert("compression.type".into(), compression.into());
    let mut sim = Simulation::with_trace(s, Trace::off()).ok()?;
    sim.run_to_completion(3_600_000_000);
    let (mut acked, mut latency_sum, mut last) = (0u64, 0u64, 0u64);
    for d in &sim.deliveries {
        if let Outcome::Acked { .. } = d.outcome {
            acked += 1;
            // Flat out: record i is sent at i / rate seconds.
            let sent_us = d.record * 1_000_000 / u64::from(MODEL_FLAT_OUT);
            latency_sum += d.at_us.saturating_sub(sent_us);
            last = last.max(d.at_us);
        }
    }
    (acked > 0).then(|| Model {
        throughput: acked as f64 / (last.max(1) as f64 / 1e6),
        mean_latency_ms: latency_sum as f64 / acked as f64 / 1000.0,
    })
}

type Sink = futures_util::stream::SplitSink<support::Ws, Message>;
type Stream = futures_util::stream::SplitStream<support::Ws>;

async fn next(stream: &mut Stream) -> Result<BridgeMessage, String> {
    let message = tokio::time::timeout(Duration::from_secs(120), stream.next())
        .await
        .map_err(|_| "no frame from the bridge for 120 s".to_string())?;
    match message {
        Some(Ok(Message::Text(text))) => BridgeMessage::parse(&text),
        other => Err(format!("bridge connection: {other:?}")),
    }
}

fn record(id: u64, value: &str) -> Produce {
    Produce {
        id,
        topic: TOPIC.into(),
        key: Some(format!("key-{id}")),
        value: Some(value.to_owned()),
        headers: vec![],
        partition: None,
    }
}

/// Sends records `ids` in frames of `FRAME_RECORDS`, at most `window` unacknowledged, and
/// returns each record's send → report latency and the time of the last report.
async fn send_all(
    sink: &mut Sink,
    stream: &mut Stream,
    ids: std::ops::Range<u64>,
    window: u64,
    value: &str,
) -> Result<(Vec<Duration>, Instant), String> {
    let first = ids.start;
    let n = ids.end - ids.start;
    let mut sent_at = vec![None; n as usize];
    let mut latencies = Vec::with_capacity(n as usize);
    let (mut next_id, mut answered) = (ids.start, 0u64);
    let mut last = Instant::now();
    while answered < n {
        while next_id < ids.end && next_id - first - answered + FRAME_RECORDS <= window {
            let end = (next_id + FRAME_RECORDS).min(ids.end);
            let records = (next_id..end).map(|id| record(id, value)).collect();
            let now = Instant::now();
            sent_at[(next_id - first) as usize..(end - first) as usize].fill(Some(now));
            sink.send(Message::text(
                ClientFrame::ProduceBatch { records }.to_json(),
            ))
            .await
            .map_err(|e| e.to_string())?;
            next_id = end;
        }
        let deliveries = match next(stream).await? {
            BridgeMessage::Frame(BridgeFrame::Deliveries { deliveries }) => deliveries,
            BridgeMessage::Frame(BridgeFrame::Delivery(d)) => vec![d],
            BridgeMessage::Producer(ProducerFrame::Stats { .. }) => continue,
            other => return Err(format!("unexpected {other:?}")),
        };
        last = Instant::now();
        for d in deliveries {
            if let DeliveryOutcome::Failed { error } = &d.outcome {
                return Err(format!(
                    "record {} failed: {} ({})",
                    d.id, error.name, error.message
                ));
            }
            let sent = sent_at
                .get_mut((d.id - first) as usize)
                .and_then(Option::take)
                .ok_or(format!("a second or unknown delivery for {}", d.id))?;
            latencies.push(last - sent);
            answered += 1;
        }
    }
    Ok((latencies, last))
}

async fn real_point(
    url: &str,
    o: &Options,
    batch_size: u64,
    linger_ms: u64,
    compression: &str,
) -> Result<Real, String> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sink, mut stream) = ws.split();
    let config = [
        ("batch.size", serde_json::json!(batch_size)),
        ("linger.ms", serde_json::json!(linger_ms)),
        ("compression.type", serde_json::json!(compression)),
        ("statistics.interval.ms", serde_json::json!(0)),
    ];
    let frames = [
        ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: None,
            batch_deliveries: true,
        },
        ClientFrame::Configure {
            config: config.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        },
    ];
    for frame in frames {
        sink.send(Message::text(frame.to_json()))
            .await
            .map_err(|e| e.to_string())?;
    }
    loop {
        match next(&mut stream).await? {
            BridgeMessage::Frame(BridgeFrame::Welcome { .. }) => {}
            BridgeMessage::Producer(ProducerFrame::Configured { .. }) => break,
            other => return Err(format!("configure: {other:?}")),
        }
    }
    let value: String = "abcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .cycle()
        .take(o.value_bytes)
        .collect();
    // Warm-up ids lie past the measured ones.
    send_all(
        &mut sink,
        &mut stream,
        o.records..o.records + WARM_UP,
        o.window,
        &value,
    )
    .await?;
    let started = Instant::now();
    let (mut latencies, last) =
        send_all(&mut sink, &mut stream, 0..o.records, o.window, &value).await?;
    sink.send(Message::text(ClientFrame::Flush.to_json()))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match next(&mut stream).await? {
            BridgeMessage::Frame(BridgeFrame::Flushed) => break,
            BridgeMessage::Producer(ProducerFrame::Stats { .. }) => {}
            other => return Err(format!("flush: {other:?}")),
        }
    }
    latencies.sort();
    let at = |q: f64| {
        latencies[((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(Real {
        throughput: o.records as f64 / (last - started).as_secs_f64(),
        p50_ms: ms(at(0.5)),
        p99_ms: ms(at(0.99)),
    })
}
