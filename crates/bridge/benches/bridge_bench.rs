//! `bridge-bench`: the bridge against a direct rdkafka producer, in one run,
//! against the same broker with the same producer configuration.
//!
//! ```sh
//! cargo bench -p producer-bridge --bench bridge-bench                # starts its own tansu
//! cargo bench -p producer-bridge --bench bridge-bench -- --bootstrap-servers 127.0.0.1:9092
//! ```
//!
//! Phases (each bridge phase runs a fresh `producer-bridge` process, so its
//! counters and RSS belong to that phase alone):
//! 1. Throughput: `--records` keyed records, at most `--window` unacknowledged
//!    at a time, through a direct producer and through the bridge (a loopback
//!    WebSocket client sending `produce_batch` frames of `--batch` records),
//!    alternated `--rounds` times; the median of each path is reported.
//! 2. Latency at a steady `--rate` (records/s, below saturation) for
//!    `--latency-secs`: the delivery latency each client sees (send to report)
//!    on both paths, and the bridge-added latency the bridge measures itself.
//! 3. Flood: a client sends `--flood-records` as fast as it can, ignoring
//!    `overloaded`, while Kafka acknowledges at its own pace; the bridge's peak
//!    RSS is read from /proc.
//!
//! Bridge-added latency (the bridge's `producer_bridge_added_latency_seconds`):
//! per record, the time from the bridge reading the WebSocket frame to calling
//! librdkafka's produce(), plus the time from librdkafka's delivery report to
//! the delivery frame being flushed to the socket: what the bridge adds on top
//! of librdkafka, measured inside the bridge.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use producer_bridge::BridgeConfig;
use producer_bridge::kafka::base_config;
use producer_bridge::metrics::Histogram;
use producer_wire::{ClientFrame, PROTOCOL_VERSION, Produce};
use rdkafka::ClientContext;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::producer::{
    BaseRecord, DeliveryResult, Producer as _, ProducerContext, ThreadedProducer,
};
use rdkafka::types::RDKafkaErrorCode;
use tokio_tungstenite::tungstenite::Message;

const TOPIC: &str = "bridge-bench";
/// Records each path sends (and waits for) before its clock starts: a fresh
/// producer first connects, gets its producer id and the topic's metadata.
const WARM_UP: u64 = 100;

#[derive(Debug, Clone)]
struct Options {
    bootstrap_servers: Option<String>,
    records: u64,
    value_bytes: usize,
    batch: usize,
    window: u64,
    rounds: usize,
    partitions: i32,
    rate: u64,
    latency_secs: u64,
    flood_records: u64,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut o = Options {
            bootstrap_servers: None,
            records: 1_000_000,
            value_bytes: 100,
            batch: 100,
            window: 10_000,
            rounds: 3,
            partitions: 6,
            rate: 2_000,
            latency_secs: 5,
            flood_records: 300_000,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if arg == "--bench" {
                continue;
            }
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            let number = |text: String| text.parse::<u64>().map_err(|e| format!("{text}: {e}"));
            match arg.as_str() {
                "--bootstrap-servers" => o.bootstrap_servers = Some(value()?),
                "--records" => o.records = number(value()?)?,
                "--value-bytes" => o.value_bytes = number(value()?)? as usize,
                "--batch" => o.batch = number(value()?)? as usize,
                "--window" => o.window = number(value()?)?,
                "--rounds" => o.rounds = number(value()?)? as usize,
                "--partitions" => o.partitions = number(value()?)? as i32,
                "--rate" => o.rate = number(value()?)?,
                "--latency-secs" => o.latency_secs = number(value()?)?,
                "--flood-records" => o.flood_records = number(value()?)?,
                other => return Err(format!("unknown option {other}")),
            }
        }
        Ok(o)
    }
}

fn main() {
    // `cargo test --all-targets` runs bench targets without `--bench`: nothing to do then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("bridge-bench: run it with `cargo bench -p producer-bridge --bench bridge-bench`");
        return;
    }
    let options = Options::parse().unwrap_or_else(|e| {
        eprintln!("bridge-bench: {e}");
        std::process::exit(2);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(options));
}

async fn run(o: Options) {
    let tansu = match &o.bootstrap_servers {
        Some(_) => None,
        None => Some(
            support::Tansu::start_or_skip("bridge-bench")
                .await
                .expect("tansu is needed when no --bootstrap-servers is given"),
        ),
    };
    let bootstrap = o
        .bootstrap_servers
        .clone()
        .unwrap_or_else(|| tansu.as_ref().unwrap().bootstrap().to_owned());
    create_topic(&bootstrap, o.partitions).await;
    let records = Arc::new(make_records(o.records.max(o.flood_records), o.value_bytes));
    println!(
        "bridge-bench: {bootstrap} ({}), topic {TOPIC} with {} partitions",
        if tansu.is_some() {
            "tansu started by the bench"
        } else {
            "given broker"
        },
        o.partitions
    );
    println!(
        "records: keyed, {} value bytes, no headers; window {} unacknowledged; bridge frames: produce_batch of {}",
        o.value_bytes, o.window, o.batch
    );
    println!(
        "producer config (both paths): the bridge's defaults (acks=all, idempotence, linger.ms=5, batch.size=16384, murmur2_random)\n"
    );

    println!("load average at the start: {}", load_average());
    // 1. Throughput.
    let mut direct_rates = vec![];
    let mut bridge_rates = vec![];
    let (mut direct_cpu, mut bridge_cpu, mut client_cpu) = (vec![], vec![], vec![]);
    let (mut broker_direct, mut broker_bridge) = (vec![], vec![]);
    // The broker's CPU µs per record over `run` (NaN for a given broker).
    let tansu_pid = tansu.as_ref().map(support::Tansu::pid);
    let broker_cpu = |before: f64| {
        tansu_pid.map_or(f64::NAN, |pid| {
            (cpu_seconds(pid) - before) * 1e6 / o.records as f64
        })
    };
    let broker_now = || tansu_pid.map_or(0.0, cpu_seconds);
    let mut saturated_added = None;
    for round in 1..=o.rounds {
        let before = broker_now();
        let (direct, cpu) = direct_throughput(&bootstrap, &records, o.records, o.window);
        let broker = broker_cpu(before);
        println!(
            "round {round}: direct {direct:>9.0} records/s, producer CPU {cpu:.2} µs/record, broker {broker:.2}"
        );
        direct_rates.push(direct);
        direct_cpu.push(cpu);
        broker_direct.push(broker);
        let bridge = BridgeProcess::start(&bootstrap, &[]).await;
        let before = broker_now();
        let (through, cpu, client) =
            bridge_throughput(&bridge, &records, o.records, o.window, o.batch).await;
        let broker = broker_cpu(before);
        println!(
            "round {round}: bridge {through:>9.0} records/s, bridge CPU {cpu:.2} µs/record (client {client:.2}), broker {broker:.2}"
        );
        bridge_rates.push(through);
        bridge_cpu.push(cpu);
        client_cpu.push(client);
        broker_bridge.push(broker);
        saturated_added = Some(bridge.added_latency().await);
        bridge.stop();
    }
    let (broker_direct, broker_bridge) = (median(&mut broker_direct), median(&mut broker_bridge));
    // Each round runs both paths back to back, under about the same load from the rest of
    // the machine: the median of the rounds' ratios is steadier than the ratio of medians.
    let mut round_ratios: Vec<f64> = bridge_rates
        .iter()
        .zip(&direct_rates)
        .map(|(b, d)| b / d)
        .collect();
    let round_ratio = median(&mut round_ratios);
    let direct = median(&mut direct_rates);
    let bridged = median(&mut bridge_rates);
    let (direct_cpu, bridge_cpu, client_cpu) = (
        median(&mut direct_cpu),
        median(&mut bridge_cpu),
        median(&mut client_cpu),
    );

    // 2. Latency at a steady rate.
    let latency_records = o.rate * o.latency_secs;
    let direct_latency = direct_paced(&bootstrap, &records, latency_records, o.rate);
    let bridge = BridgeProcess::start(&bootstrap, &[]).await;
    let bridge_latency = bridge_paced(&bridge, &records, latency_records, o.rate).await;
    let added = bridge.added_latency().await;
    bridge.stop();

    // 3. Flood.
    let bridge = BridgeProcess::start(&bootstrap, &[]).await;
    let flood = flood(&bridge, &records, o.flood_records, o.batch).await;
    bridge.stop();

    let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    let (dp50, dp99) = (
        ms(direct_latency.latency.quantile(0.5)),
        ms(direct_latency.latency.quantile(0.99)),
    );
    let (bp50, bp99) = (
        ms(bridge_latency.quantile(0.5)),
        ms(bridge_latency.quantile(0.99)),
    );
    let (saturated_p50, saturated_p99, _) =
        saturated_added.unwrap_or((f64::NAN, f64::NAN, f64::NAN));
    println!("\n## Results\n");
    println!("| measure | direct rdkafka | through the bridge | |");
    println!("|---|---|---|---|");
    println!(
        "| throughput, {} records, median of {} | {:.0} records/s | {:.0} records/s | ratio **{:.2}**, median of the rounds' ratios **{round_ratio:.2}** (target ≥ 0.9) |",
        o.records,
        o.rounds,
        direct,
        bridged,
        bridged / direct
    );
    println!(
        "| CPU per record, median | {direct_cpu:.2} µs (producer) + {broker_direct:.2} µs (broker) | {bridge_cpu:.2} µs (bridge process) + {client_cpu:.2} µs (client) + {broker_bridge:.2} µs (broker) | |"
    );
    println!(
        "| delivery latency at {} records/s, p50 / p99 | {dp50:.2} / {dp99:.2} ms | {bp50:.2} / {bp99:.2} ms | difference {:.2} / {:.2} ms |",
        o.rate,
        bp50 - dp50,
        bp99 - dp99
    );
    println!(
        "| bridge-added latency at {} records/s, p50 / p99 / p99.9 | | {:.3} / {:.3} / {:.3} ms | target p99 ≤ 2 ms |",
        o.rate, added.0, added.1, added.2
    );
    println!(
        "| bridge-added latency at full throughput, p50 / p99 | | {saturated_p50:.3} / {saturated_p99:.3} ms | |"
    );
    println!(
        "| flood: {} records sent as fast as possible | | peak RSS {:.1} MiB (idle {:.1} MiB); {} accepted, {} overloaded; peak in flight {} | bounded by --max-in-flight 10000 |",
        o.flood_records,
        flood.peak_rss_kib as f64 / 1024.0,
        flood.idle_rss_kib as f64 / 1024.0,
        flood.accepted,
        flood.overloaded,
        flood.peak_in_flight
    );
    println!("\nload average at the end: {}", load_average());
    drop(tansu);
}

/// /proc/loadavg's 1, 5 and 15 minute figures.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Key `key-{i}`, a value of `value_bytes` bytes.
fn make_records(n: u64, value_bytes: usize) -> Vec<(String, String)> {
    let filler: String = "abcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .cycle()
        .take(value_bytes)
        .collect();
    (0..n)
        .map(|i| (format!("key-{i}"), filler.clone()))
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
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
    // Wait until the producer sees it, so the first run does not pay for metadata.
    let probe: ThreadedProducer<Counting> = base_config(&BridgeConfig::new(bootstrap))
        .create_with_context(Counting::default())
        .unwrap();
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(md) = probe
                .client()
                .fetch_metadata(Some(TOPIC), Duration::from_secs(5))
                && md
                    .topics()
                    .first()
                    .is_some_and(|t| t.partitions().len() == partitions as usize)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("topic {TOPIC} not visible");
    })
    .await
    .unwrap();
}

/// What the bench client reads of a bridge frame: its type, the record ids
/// and whether they failed. A client decoding every field would spend more of
/// the shared CPU on itself; the bridge does the same work either way.
#[derive(Debug, serde::Deserialize)]
struct Reply<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    id: Option<u64>,
    error: Option<serde::de::IgnoredAny>,
    /// A `deliveries` frame's reports (the bench asks for them in `hello`).
    #[serde(default)]
    deliveries: Vec<Report>,
}

#[derive(Debug, serde::Deserialize)]
struct Report {
    id: u64,
    error: Option<serde::de::IgnoredAny>,
}

impl Reply<'_> {
    fn parse(text: &str) -> Reply<'_> {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("bridge frame {text}: {e}"))
    }

    /// The ids of the acknowledged records this frame reports; panics on
    /// anything else.
    fn acked(&self) -> Vec<u64> {
        match self.kind.as_ref() {
            "delivery" if self.error.is_none() => vec![self.id.expect("a delivery has an id")],
            "deliveries" => self
                .deliveries
                .iter()
                .map(|r| {
                    assert!(r.error.is_none(), "bridge: record {} failed", r.id);
                    r.id
                })
                .collect(),
            _ => panic!("bridge: {self:?}"),
        }
    }
}

/// Counts acknowledgements, frees window places and records latencies.
#[derive(Default)]
struct Counting {
    acked: AtomicU64,
    failed: AtomicU64,
    in_flight: Mutex<u64>,
    freed: Condvar,
    latency: Histogram,
}

impl ClientContext for Counting {}

impl ProducerContext for Counting {
    type DeliveryOpaque = Box<Instant>;

    fn delivery(&self, result: &DeliveryResult<'_>, sent: Box<Instant>) {
        self.latency.record(sent.elapsed());
        match result {
            Ok(_) => self.acked.fetch_add(1, Relaxed),
            Err(_) => self.failed.fetch_add(1, Relaxed),
        };
        *self.in_flight.lock().unwrap() -= 1;
        self.freed.notify_one();
    }
}

/// The direct path: one producer with the bridge's configuration, `n`
/// records, at most `window` unacknowledged, paced to `rate` records/s if
/// given. Returns the producer's context (counts and latencies) and the time.
fn direct(
    bootstrap: &str,
    records: &[(String, String)],
    n: u64,
    window: u64,
    rate: Option<u64>,
) -> (Arc<Counting>, Duration) {
    let producer: ThreadedProducer<Counting> = base_config(&BridgeConfig::new(bootstrap))
        .create_with_context(Counting::default())
        .unwrap();
    let ctx = producer.context().clone();
    // Warm up: connection, producer id and metadata before the clock starts.
    for (key, value) in records.iter().take(WARM_UP as usize) {
        *ctx.in_flight.lock().unwrap() += 1;
        let record = BaseRecord::with_opaque_to(TOPIC, Box::new(Instant::now()))
            .key(key.as_str())
            .payload(value.as_str());
        producer
            .send(record)
            .map_err(|(e, _)| e)
            .expect("warm-up produce");
    }
    producer
        .flush(Duration::from_secs(60))
        .expect("warm-up flush");
    assert_eq!(
        *ctx.in_flight.lock().unwrap(),
        0,
        "warm-up records unacknowledged"
    );
    ctx.acked.store(0, Relaxed);
    ctx.latency.reset();
    let started = Instant::now();
    for (i, (key, value)) in records.iter().take(n as usize).enumerate() {
        if let Some(rate) = rate {
            let due = started + Duration::from_secs_f64(i as f64 / rate as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        {
            let mut in_flight = ctx.in_flight.lock().unwrap();
            while *in_flight >= window {
                in_flight = ctx.freed.wait(in_flight).unwrap();
            }
            *in_flight += 1;
        }
        let mut record = BaseRecord::with_opaque_to(TOPIC, Box::new(Instant::now()))
            .key(key.as_str())
            .payload(value.as_str());
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((err, back))
                    if err.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) =>
                {
                    record = back;
                    std::thread::sleep(Duration::from_micros(100));
                }
                Err((err, _)) => panic!("direct produce: {err}"),
            }
        }
    }
    producer
        .flush(Duration::from_secs(120))
        .expect("direct flush");
    let elapsed = started.elapsed();
    assert_eq!(ctx.failed.load(Relaxed), 0, "direct: failed deliveries");
    assert_eq!(ctx.acked.load(Relaxed), n);
    (ctx, elapsed)
}

/// Records/s, and CPU µs per record of the producing process (the bench).
fn direct_throughput(
    bootstrap: &str,
    records: &[(String, String)],
    n: u64,
    window: u64,
) -> (f64, f64) {
    let cpu = cpu_seconds(std::process::id());
    let (_, elapsed) = direct(bootstrap, records, n, window, None);
    let cpu = cpu_seconds(std::process::id()) - cpu;
    (n as f64 / elapsed.as_secs_f64(), cpu * 1e6 / n as f64)
}

/// User + system CPU time of a process so far, from /proc (USER_HZ = 100).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields 14 (utime) and 15 (stime); `after_name` starts at field 3.
    (ticks(11) + ticks(12)) as f64 / 100.0
}

fn direct_paced(bootstrap: &str, records: &[(String, String)], n: u64, rate: u64) -> Arc<Counting> {
    direct(bootstrap, records, n, u64::MAX, Some(rate)).0
}

/// A `producer-bridge` process on a free loopback port.
struct BridgeProcess {
    child: Child,
    addr: std::net::SocketAddr,
}

impl BridgeProcess {
    async fn start(bootstrap: &str, extra: &[&str]) -> BridgeProcess {
        let port = support::free_port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_producer-bridge"))
            .args([
                "--listen",
                &listen,
                "--bootstrap-servers",
                bootstrap,
                "--allow-topic",
                TOPIC,
            ])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .expect("starting producer-bridge");
        let process = BridgeProcess {
            child,
            addr: listen.parse().unwrap(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if tokio::net::TcpStream::connect(process.addr).await.is_ok() {
                return process;
            }
            assert!(
                Instant::now() < deadline,
                "producer-bridge did not listen on {listen}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// A value from /metrics.
    async fn metric(&self, name: &str) -> f64 {
        let text = support::http_get(self.addr, "/metrics").await;
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /metrics"))
    }

    /// The bridge-added latency p50, p99 and p99.9, in ms.
    async fn added_latency(&self) -> (f64, f64, f64) {
        let q = |q: &'static str| {
            let name = format!("producer_bridge_added_latency_seconds{{quantile=\"{q}\"}}");
            async move { self.metric(&name).await * 1000.0 }
        };
        (q("0.5").await, q("0.99").await, q("0.999").await)
    }

    /// (current, peak) resident set size in KiB.
    fn rss_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn stop(mut self) {
        // SIGTERM for a graceful stop; everything was acknowledged already.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Pre-encoded `produce_batch` frames for records `0..n`.
fn frames(records: &[(String, String)], n: u64, batch: usize) -> Vec<(u64, usize, String)> {
    (0..n)
        .step_by(batch)
        .map(|first| {
            let count = batch.min((n - first) as usize);
            let batch = (first..first + count as u64)
                .map(|id| produce(records, id))
                .collect();
            (
                first,
                count,
                ClientFrame::ProduceBatch { records: batch }.to_json(),
            )
        })
        .collect()
}

fn produce(records: &[(String, String)], id: u64) -> Produce {
    let (key, value) = &records[id as usize];
    Produce {
        id,
        topic: TOPIC.into(),
        key: Some(key.clone()),
        value: Some(value.clone()),
        headers: vec![],
        partition: None,
    }
}

/// Asks for `deliveries` frames (protocol version 3), then sends `WARM_UP`
/// records through the fresh connection and waits for them.
async fn warm_up(sink: &mut WsSink, stream: &mut WsStream, records: &[(String, String)]) {
    let hello = ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: None,
        batch_deliveries: true,
    };
    sink.feed(Message::text(hello.to_json())).await.unwrap();
    // One record per frame, like the paced phase, so that these samples in
    // the bridge's own latency summary look like the measured ones.
    for id in 0..WARM_UP {
        let frame = ClientFrame::Produce(produce(records, id)).to_json();
        sink.feed(Message::text(frame)).await.unwrap();
    }
    sink.flush().await.unwrap();
    let mut acked = 0;
    let mut welcomed = false;
    while !welcomed || acked < WARM_UP {
        let Some(Ok(Message::Text(text))) = stream.next().await else {
            panic!("bridge connection ended");
        };
        let reply = Reply::parse(&text);
        if reply.kind == "welcome" {
            welcomed = true;
        } else {
            acked += reply.acked().len() as u64;
        }
    }
}

type WsSink = futures_util::stream::SplitSink<support::Ws, Message>;
type WsStream = futures_util::stream::SplitStream<support::Ws>;

/// The bridge path: `n` records in `produce_batch` frames, at most `window`
/// unacknowledged. Returns records/s, and CPU µs per record of the bridge
/// process and of the client (the bench process).
async fn bridge_throughput(
    bridge: &BridgeProcess,
    records: &[(String, String)],
    n: u64,
    window: u64,
    batch: usize,
) -> (f64, f64, f64) {
    let frames = frames(records, n, batch);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(bridge.url(), None, true)
        .await
        .expect("connect");
    let (mut sink, mut stream) = ws.split();
    warm_up(&mut sink, &mut stream, records).await;
    let permits = Arc::new(tokio::sync::Semaphore::new(window as usize));
    let (bridge_pid, client_pid) = (bridge.child.id(), std::process::id());
    let cpu = (cpu_seconds(bridge_pid), cpu_seconds(client_pid));
    let started = Instant::now();
    let sender = {
        let permits = permits.clone();
        tokio::spawn(async move {
            for (_, count, json) in frames {
                permits.acquire_many(count as u32).await.unwrap().forget();
                sink.send(Message::text(json)).await.unwrap();
            }
            sink
        })
    };
    let mut acked = 0;
    while acked < n {
        let Some(Ok(Message::Text(text))) = stream.next().await else {
            panic!("bridge connection ended");
        };
        let count = Reply::parse(&text).acked().len();
        acked += count as u64;
        permits.add_permits(count);
    }
    let elapsed = started.elapsed();
    let per_record = |before: f64, pid: u32| (cpu_seconds(pid) - before) * 1e6 / n as f64;
    let cpu = (per_record(cpu.0, bridge_pid), per_record(cpu.1, client_pid));
    let _sink = sender.await.unwrap();
    (n as f64 / elapsed.as_secs_f64(), cpu.0, cpu.1)
}

/// The bridge path at a steady rate, one `produce` frame per record: the
/// latency the client sees from sending a record to reading its delivery.
async fn bridge_paced(
    bridge: &BridgeProcess,
    records: &[(String, String)],
    n: u64,
    rate: u64,
) -> Histogram {
    let frames: Vec<String> = (0..n)
        .map(|id| ClientFrame::Produce(produce(records, id)).to_json())
        .collect();
    let (ws, _) = tokio_tungstenite::connect_async_with_config(bridge.url(), None, true)
        .await
        .expect("connect");
    let (mut sink, mut stream) = ws.split();
    warm_up(&mut sink, &mut stream, records).await;
    let sent_at: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let started = Instant::now();
    let sender = {
        let sent_at = sent_at.clone();
        tokio::spawn(async move {
            for (id, json) in frames.into_iter().enumerate() {
                let due = started + Duration::from_secs_f64(id as f64 / rate as f64);
                tokio::time::sleep_until(due.into()).await;
                sent_at.lock().unwrap().insert(id as u64, Instant::now());
                sink.send(Message::text(json)).await.unwrap();
            }
            sink
        })
    };
    let latency = Histogram::default();
    let mut done = 0;
    while done < n {
        let Some(Ok(Message::Text(text))) = stream.next().await else {
            panic!("bridge connection ended");
        };
        let received = Instant::now();
        for id in Reply::parse(&text).acked() {
            let sent = sent_at
                .lock()
                .unwrap()
                .remove(&id)
                .expect("sent before reported");
            latency.record(received - sent);
            done += 1;
        }
    }
    let _sink = sender.await.unwrap();
    latency
}

struct Flood {
    accepted: u64,
    overloaded: u64,
    peak_in_flight: u64,
    idle_rss_kib: u64,
    peak_rss_kib: u64,
}

/// A client that sends as fast as it can and never waits: past the bridge's
/// in-flight cap its records are answered `overloaded`. The bridge's RSS is
/// sampled throughout.
async fn flood(
    bridge: &BridgeProcess,
    records: &[(String, String)],
    n: u64,
    batch: usize,
) -> Flood {
    let frames = frames(records, n, batch);
    let idle_rss_kib = bridge.rss_kib().0;
    let (ws, _) = tokio_tungstenite::connect_async_with_config(bridge.url(), None, true)
        .await
        .expect("connect");
    let (mut sink, mut stream) = ws.split();
    warm_up(&mut sink, &mut stream, records).await;
    let finished = Arc::new(AtomicBool::new(false));
    let sender = tokio::spawn(async move {
        for (_, _, json) in frames {
            sink.feed(Message::text(json)).await.unwrap();
        }
        sink.flush().await.unwrap();
        sink
    });
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (pid, peak, finished) = (bridge.child.id(), peak.clone(), finished.clone());
        tokio::spawn(async move {
            while !finished.load(Relaxed) {
                if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    && let Some(kib) = status
                        .lines()
                        .find_map(|l| l.strip_prefix("VmRSS:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                {
                    peak.fetch_max(kib, Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let (mut acked, mut overloaded) = (0, 0);
    while acked + overloaded < n {
        let Some(Ok(Message::Text(text))) = stream.next().await else {
            panic!("bridge connection ended");
        };
        let reply = Reply::parse(&text);
        match reply.kind.as_ref() {
            "delivery" | "deliveries" => acked += reply.acked().len() as u64,
            "overloaded" => overloaded += 1,
            other => panic!("bridge: unexpected {other} frame"),
        }
    }
    finished.store(true, Relaxed);
    sampler.await.unwrap();
    let _sink = sender.await.unwrap();
    let peak_in_flight = bridge
        .metric("producer_bridge_peak_connection_in_flight")
        .await as u64;
    Flood {
        accepted: acked,
        overloaded,
        peak_in_flight,
        idle_rss_kib,
        peak_rss_kib: peak.load(Relaxed).max(bridge.rss_kib().1),
    }
}
