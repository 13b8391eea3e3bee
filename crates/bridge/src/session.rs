//! One WebSocket connection: a reader that decodes frames, applies the limits
//! and enqueues records, and a single writer task that owns the socket's
//! sending half.
//!
//! Rules:
//! - every accepted `produce` yields exactly one `delivery` with the client's
//!   id: librdkafka's report, or the bridge's own refusal (topic, size), or
//!   librdkafka's immediate refusal; a record that is not accepted gets
//!   `overloaded` instead (past the in-flight caps, or librdkafka's queue full);
//! - `flushed` goes out only after every record read before the `flush` has
//!   been answered;
//! - memory is bounded: at most `--max-in-flight` records (and
//!   `--max-in-flight-bytes`) per connection are between reading and their
//!   answer being written, and the reader waits (stops reading the socket)
//!   when the writer's queue of other frames is full.
//!
//! Accepted records are numbered in reading order (`seq`). Their answers reach
//! the writer through the connection's [`Outbox`] (bounded by the in-flight
//! cap), written there by librdkafka's polling thread or by the reader; every
//! other frame goes over a small bounded channel from the reader. The writer
//! frames the answers in bulk: many per `deliveries` frame when the client
//! asked for it in `hello` (protocol version 3), else one `delivery` each.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures_util::SinkExt;
use futures_util::stream::{SplitSink, SplitStream, StreamExt};
use producer_wire::fast::{deliveries_frame, delivery_frame, single_frame};
use producer_wire::{
    BridgeFrame, BridgeMessage, ClientFrame, ClientFrameRef, KafkaError, PROTOCOL_VERSION,
    ProduceRef, ProducerFrame, RejectedKey,
};
use rdkafka::producer::Producer as _;
use tokio::sync::{mpsc, watch};
use tracing::{debug, info, warn};

use crate::errors;
use crate::java_config;
use crate::kafka::{self, Refused, StatsReport, Ticket};
use crate::metrics::raise;
use crate::outbox::{Answers, Kind, Outbox, Report};
use crate::security::{check_token, check_topic};
use crate::server::{ConnectionSlot, Shared};

/// How long a client should wait after `overloaded` before retrying.
pub const RETRY_AFTER_MS: u64 = 50;
/// Frames other than deliveries the reader may queue for the writer.
const CONTROL_QUEUE: usize = 64;
/// Most deliveries in one `deliveries` frame.
const DELIVERIES_PER_FRAME: usize = 512;
/// After the shutdown deadline the producers are purged; this is how long the
/// writer then waits for those reports.
pub const PURGE_GRACE: Duration = Duration::from_secs(2);

/// What the reader asks the writer to do, in reading order.
enum Control {
    /// Send this frame now.
    Frame(BridgeMessage),
    /// Send `flushed` once every record numbered below `upto` is answered.
    Flush { upto: u64 },
    /// Send `stats` frames from this producer from now on.
    Stats(watch::Receiver<Option<StatsReport>>),
    /// Frame deliveries many to a `deliveries` frame (true) or one per `delivery` frame.
    BatchDeliveries(bool),
    /// Send an error naming the reason, then close with this code.
    Refuse { code: u16, reason: String },
    /// The bridge is stopping: answer the records numbered below `upto`
    /// (bounded by the deadline), then close.
    Shutdown { upto: u64, deadline: Instant },
}

/// A connection's records between reading and their answer being written.
#[derive(Debug, Default)]
struct Load {
    records: AtomicUsize,
    bytes: AtomicUsize,
}

/// Serves one upgraded connection until the client leaves or the bridge stops.
pub(crate) async fn run(
    socket: WebSocket,
    shared: Arc<Shared>,
    peer: String,
    slot: ConnectionSlot,
) {
    debug!(%peer, "session opened");
    let (sink, stream) = socket.split();
    let (control_tx, control_rx) = mpsc::channel(CONTROL_QUEUE);
    let outbox = Arc::new(Outbox::default());
    let load = Arc::new(Load::default());
    let writer = tokio::spawn(write_loop(
        Writer {
            sink,
            open: true,
            shared: shared.clone(),
            load: load.clone(),
            progress: Progress::default(),
            outbox: outbox.clone(),
            answers: Answers::default(),
            batch: false,
            written: Vec::new(),
        },
        control_rx,
        peer.clone(),
    ));
    let mut reader = Reader {
        authenticated: shared.config.token.is_none(),
        producer: shared.shared_producer(),
        own_producer: false,
        next_seq: 0,
        control: control_tx,
        outbox,
        load,
        shared,
    };
    reader.read_loop(stream).await;
    // Closes the writer's channels: it ends once it has sent what it must.
    reader.close();
    if let Err(err) = writer.await {
        warn!(%peer, %err, "session writer task failed");
    }
    drop(slot);
    debug!(%peer, "session closed");
}

/// Answers a connection the bridge will not serve: an `error` frame naming the
/// reason, then a close frame with `code`.
pub(crate) async fn refuse(mut socket: WebSocket, code: u16, reason: String) {
    let frame = BridgeFrame::Error {
        message: reason.clone(),
    };
    if socket
        .send(Message::Text(frame.to_json().into()))
        .await
        .is_ok()
    {
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: Utf8Bytes::from(close_reason(&reason)),
            })))
            .await;
    }
}

/// Drops a producer clone on a blocking thread: if it is the last one, the
/// drop joins librdkafka's polling thread and flushes.
fn drop_off_async_threads(producer: kafka::Producer) {
    tokio::task::spawn_blocking(move || drop(producer));
}

fn connection_label(id: u64) -> String {
    format!("connection-{id}")
}

/// A close reason fits in 123 bytes; cut at a character boundary.
fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

struct Reader {
    shared: Arc<Shared>,
    authenticated: bool,
    /// The producer records go to: the bridge's shared one until a `configure`.
    producer: kafka::Producer,
    /// Whether `producer` is this connection's own (from `configure`).
    own_producer: bool,
    next_seq: u64,
    control: mpsc::Sender<Control>,
    outbox: Arc<Outbox>,
    load: Arc<Load>,
}

/// The reader stops: the client left, was refused, or the writer is gone.
struct Stop;

impl Reader {
    async fn read_loop(&mut self, mut stream: SplitStream<WebSocket>) {
        let mut shutdown = self.shared.shutdown.clone();
        loop {
            let message = tokio::select! {
                message = stream.next() => Ok(message),
                stopping = shutdown.wait_for(Option::is_some) => {
                    Err(stopping.ok().and_then(|deadline| *deadline).unwrap_or_else(Instant::now))
                }
            };
            let message = match message {
                Ok(message) => message,
                Err(deadline) => {
                    let upto = self.next_seq;
                    let _ = self
                        .control
                        .send(Control::Shutdown { upto, deadline })
                        .await;
                    return;
                }
            };
            let result = match message {
                Some(Ok(Message::Text(text))) => self.on_text(&text).await,
                Some(Ok(Message::Binary(_))) => {
                    self.reject_frame(
                        "binary frames are not supported: send JSON text frames".into(),
                    )
                    .await
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                Some(Ok(Message::Close(_))) | None => return,
                Some(Err(err)) => {
                    debug!(%err, "websocket read failed");
                    // tungstenite refuses a frame over twice --max-frame-bytes
                    // before we see it ("Space limit exceeded: Message too
                    // long"); the connection cannot continue, but we say why.
                    let text = err.to_string();
                    if text.contains("Space limit exceeded") {
                        let reason = format!(
                            "{text} (producer-bridge --max-frame-bytes {})",
                            self.shared.config.max_frame_bytes
                        );
                        let code = close_code::SIZE;
                        let _ = self.control.send(Control::Refuse { code, reason }).await;
                    }
                    return;
                }
            };
            if result.is_err() {
                return;
            }
        }
    }

    async fn send(&self, frame: impl Into<BridgeMessage>) -> Result<(), Stop> {
        self.control
            .send(Control::Frame(frame.into()))
            .await
            .map_err(|_| Stop)
    }

    async fn reject_frame(&self, message: String) -> Result<(), Stop> {
        self.shared.metrics.frames_rejected.fetch_add(1, Relaxed);
        self.send(BridgeFrame::Error { message }).await
    }

    async fn on_text(&mut self, text: &str) -> Result<(), Stop> {
        let received = Instant::now();
        let max = self.shared.config.max_frame_bytes;
        if text.len() > max {
            return self
                .reject_frame(format!(
                    "frame of {} bytes refused: the bridge reads frames of at most {max} bytes \
                     (producer-bridge --max-frame-bytes); none of its records was accepted",
                    text.len()
                ))
                .await;
        }
        let frame = ClientFrameRef::parse(text);
        if !self.authenticated {
            let refusal = match frame {
                Ok(ClientFrameRef::Other(ClientFrame::Hello {
                    version,
                    token,
                    batch_deliveries,
                })) => match check_token(self.shared.config.token.as_deref(), token.as_deref()) {
                    Ok(()) => {
                        self.authenticated = true;
                        return self.welcome(version, batch_deliveries).await;
                    }
                    Err(reason) => reason,
                },
                Ok(_) => {
                    "this bridge requires a token: the first frame must be hello with \"token\""
                        .into()
                }
                Err(message) => message,
            };
            let _ = self
                .control
                .send(Control::Refuse {
                    code: close_code::POLICY,
                    reason: refusal,
                })
                .await;
            return Err(Stop);
        }
        match frame {
            Err(message) => self.reject_frame(message).await,
            Ok(ClientFrameRef::Produce(record)) => self.produce(&record, received).await,
            Ok(ClientFrameRef::ProduceBatch(records)) => {
                for record in &records {
                    self.produce(record, received).await?;
                }
                Ok(())
            }
            Ok(ClientFrameRef::Other(ClientFrame::Hello {
                version,
                batch_deliveries,
                ..
            })) => self.welcome(version, batch_deliveries).await,
            Ok(ClientFrameRef::Other(ClientFrame::Configure { config })) => {
                self.configure(config).await
            }
            Ok(ClientFrameRef::Other(ClientFrame::Produce(record))) => {
                self.produce(&ProduceRef::from(&record), received).await
            }
            Ok(ClientFrameRef::Other(ClientFrame::ProduceBatch { records })) => {
                for record in &records {
                    self.produce(&ProduceRef::from(record), received).await?;
                }
                Ok(())
            }
            Ok(ClientFrameRef::Other(ClientFrame::Flush)) => {
                let upto = self.next_seq;
                self.control
                    .send(Control::Flush { upto })
                    .await
                    .map_err(|_| Stop)
            }
        }
    }

    async fn welcome(&self, client_version: u32, batch_deliveries: bool) -> Result<(), Stop> {
        if client_version != PROTOCOL_VERSION {
            info!(
                client_version,
                PROTOCOL_VERSION, "client speaks another protocol version"
            );
        }
        self.control
            .send(Control::BatchDeliveries(batch_deliveries))
            .await
            .map_err(|_| Stop)?;
        self.send(BridgeFrame::Welcome {
            version: PROTOCOL_VERSION,
            bootstrap_servers: self.shared.config.bootstrap_servers.clone(),
            limits: Some(self.shared.config.limits()),
        })
        .await
    }

    /// Gives the connection a producer of its own, or says which keys cannot
    /// be honoured. The previous own producer keeps delivering what it holds.
    async fn configure(
        &mut self,
        given: std::collections::BTreeMap<String, serde_json::Value>,
    ) -> Result<(), Stop> {
        let mapped = match java_config::map(&given) {
            Ok(mapped) => mapped,
            Err(rejected) => return self.send(ProducerFrame::ConfigRejected { rejected }).await,
        };
        let mut config = kafka::base_config(&self.shared.config);
        for (key, value) in &mapped.librdkafka {
            config.set(*key, value);
        }
        let created = self
            .shared
            .producers
            .create(connection_label, config.clone(), &self.shared.metrics)
            .await;
        let producer = match created {
            Ok(producer) => producer,
            Err(err) => {
                let reason = format!("{err:#}");
                let rejected = java_config::blame(&reason, &mapped, &given)
                    .into_iter()
                    .map(|key| RejectedKey {
                        key,
                        reason: format!("librdkafka refused the configuration: {reason}"),
                    })
                    .collect();
                return self.send(ProducerFrame::ConfigRejected { rejected }).await;
            }
        };
        let stats = producer.context().subscribe();
        self.retire_own_producer();
        self.producer = producer;
        self.own_producer = true;
        let config = config
            .config_map()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        self.send(ProducerFrame::Configured {
            config,
            notes: mapped.notes,
        })
        .await?;
        self.control
            .send(Control::Stats(stats))
            .await
            .map_err(|_| Stop)
    }

    /// Retires the connection's own producer and lets go of everything else.
    fn close(mut self) {
        self.retire_own_producer();
        drop_off_async_threads(self.producer);
    }

    /// Lets this connection's own producer deliver what it holds, then drops
    /// it; records go to the shared producer until the next `configure`.
    fn retire_own_producer(&mut self) {
        let shared = self.shared.shared_producer();
        let previous = std::mem::replace(&mut self.producer, shared);
        if std::mem::take(&mut self.own_producer) {
            self.shared.producers.retire(previous);
        }
    }

    /// Replaces the producer by a fresh one with the same configuration when
    /// its identity went stale (see [`kafka::BridgeContext::is_stale`]).
    async fn renew_if_stale(&mut self) -> Result<(), Stop> {
        if !self.producer.context().is_stale() {
            return Ok(());
        }
        if !self.own_producer {
            let current = self.shared.renew_shared(&self.producer).await;
            drop_off_async_threads(std::mem::replace(&mut self.producer, current));
            return Ok(());
        }
        let config = self.producer.context().config().clone();
        match self
            .shared
            .producers
            .create(connection_label, config, &self.shared.metrics)
            .await
        {
            Ok(fresh) => {
                let stats = fresh.context().subscribe();
                let stale = std::mem::replace(&mut self.producer, fresh);
                self.shared.producers.retire(stale);
                self.control
                    .send(Control::Stats(stats))
                    .await
                    .map_err(|_| Stop)
            }
            Err(err) => {
                warn!("{err:#}: keeping the stale producer");
                Ok(())
            }
        }
    }

    /// Accepts one record (or answers `overloaded`) and starts its delivery.
    async fn produce(&mut self, record: &ProduceRef<'_>, received: Instant) -> Result<(), Stop> {
        self.renew_if_stale().await?;
        let config = &self.shared.config;
        let metrics = &self.shared.metrics;
        let bytes = record.bytes();
        let refusal = match check_topic(record.topic.as_str(), &config.allowed_topics) {
            Err(reason) => Some((
                &metrics.records_refused_topic,
                errors::topic_refused(reason),
            )),
            Ok(()) if bytes > config.max_record_bytes => Some((
                &metrics.records_refused_size,
                errors::record_too_large(bytes, config.max_record_bytes),
            )),
            Ok(()) => None,
        };
        // The bridge's own refusals hold no librdkafka memory: they cost no bytes.
        let charged = if refusal.is_some() { 0 } else { bytes };
        let records = self.load.records.load(Relaxed);
        let in_flight_bytes = self.load.bytes.load(Relaxed);
        if records >= config.max_in_flight
            || (records > 0 && in_flight_bytes + charged > config.max_in_flight_bytes)
        {
            metrics.records_overloaded.fetch_add(1, Relaxed);
            return self
                .send(BridgeFrame::Overloaded {
                    id: record.id,
                    retry_after_ms: RETRY_AFTER_MS,
                })
                .await;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let records = self.load.records.fetch_add(1, Relaxed) + 1;
        let in_flight_bytes = self.load.bytes.fetch_add(charged, Relaxed) + charged;
        raise(&metrics.peak_connection_in_flight, records);
        raise(&metrics.peak_connection_in_flight_bytes, in_flight_bytes);
        if let Some((counter, error)) = refusal {
            counter.fetch_add(1, Relaxed);
            self.answer(seq, 0, record.id, error);
            return Ok(());
        }
        let ticket = Box::new(Ticket {
            seq,
            id: record.id,
            bytes,
            received,
            handoff: Instant::now(),
            reply: self.outbox.clone(),
        });
        // Counted before the call: its report may come back before it returns.
        metrics.records_sent.fetch_add(1, Relaxed);
        match kafka::enqueue(&self.producer, record, ticket) {
            Ok(()) => {}
            Err((refused, _ticket)) => {
                metrics.records_sent.fetch_sub(1, Relaxed);
                match refused {
                    Refused::QueueFull => {
                        metrics.records_overloaded.fetch_add(1, Relaxed);
                        let overloaded = Report::Overloaded {
                            retry_after_ms: RETRY_AFTER_MS,
                        };
                        self.outbox.push(seq, bytes, record.id, &overloaded, None);
                    }
                    Refused::Failed(error) => self.answer(seq, bytes, record.id, error),
                }
            }
        }
        Ok(())
    }

    /// A failed delivery decided without librdkafka.
    fn answer(&self, seq: u64, bytes: usize, id: u64, error: KafkaError) {
        self.shared.metrics.records_failed.fetch_add(1, Relaxed);
        self.outbox
            .push(seq, bytes, id, &Report::Failed(error), None);
    }
}

type Sink = SplitSink<WebSocket, Message>;

/// The sending half with its bookkeeping. Once a send fails the client is
/// gone and later frames are dropped (records are still accounted).
struct Writer {
    sink: Sink,
    open: bool,
    shared: Arc<Shared>,
    load: Arc<Load>,
    progress: Progress,
    outbox: Arc<Outbox>,
    /// The answers being framed (kept to reuse their buffers).
    answers: Answers,
    /// Whether the client asked for `deliveries` frames.
    batch: bool,
    /// Bridge time before librdkafka and report time of the deliveries fed
    /// since the last socket flush.
    written: Vec<(Duration, Instant)>,
}

/// How the writer ends.
enum End {
    /// The client left (or the reader stopped): close without waiting.
    Left,
    /// Close with this code and reason.
    Close(u16, String),
    /// Answer the records below `upto`, bounded by the deadline, then close (1001).
    Drain { upto: u64, deadline: Instant },
}

async fn write_loop(mut w: Writer, mut control: mpsc::Receiver<Control>, peer: String) {
    let mut stats: Option<watch::Receiver<Option<StatsReport>>> = None;
    let outbox = w.outbox.clone();
    let end = loop {
        let mut end = None;
        tokio::select! {
            biased;
            () = outbox.ready() => {}
            c = control.recv() => match c {
                Some(Control::Frame(frame)) => w.frame(&frame).await,
                Some(Control::Flush { upto }) => {
                    let due = w.progress.flush(upto);
                    w.flushed(due).await;
                }
                Some(Control::Stats(rx)) => stats = Some(rx),
                Some(Control::BatchDeliveries(batch)) => w.batch = batch,
                Some(Control::Refuse { code, reason }) => {
                    warn!(%peer, %reason, "session refused");
                    w.frame(&BridgeFrame::Error { message: reason.clone() }.into()).await;
                    end = Some(End::Close(code, reason));
                }
                Some(Control::Shutdown { upto, deadline }) => end = Some(End::Drain { upto, deadline }),
                None => end = Some(End::Left),
            },
            Some(report) = next_stats(&mut stats) => {
                let frame = ProducerFrame::Stats { window_ms: report.window_ms, metrics: Box::new(report.metrics) };
                w.frame(&frame.into()).await;
            }
        }
        // Every answer already waiting goes out in the same socket write.
        w.answers().await;
        w.flush().await;
        if let Some(end) = end {
            break end;
        }
    };
    let close = match end {
        End::Left => None,
        End::Close(code, reason) => Some((code, reason)),
        End::Drain { upto, deadline } => {
            // Records already enqueued are still worth reporting; at the
            // deadline the bridge purges the producers, which reports the rest.
            let give_up = deadline + PURGE_GRACE;
            while w.open && !w.progress.all_answered(upto) {
                if tokio::time::timeout_at(give_up.into(), outbox.ready())
                    .await
                    .is_err()
                {
                    break;
                }
                w.answers().await;
                w.flush().await;
            }
            let missing = w.progress.unanswered(upto);
            if missing > 0 {
                warn!(%peer, missing, "shutdown: records left without a delivery frame");
            }
            Some((close_code::AWAY, "bridge shutting down".to_owned()))
        }
    };
    outbox.close();
    if let (true, Some((code, reason))) = (w.open, close) {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from(close_reason(&reason)),
        };
        let _ = w.sink.send(Message::Close(Some(frame))).await;
    }
    let _ = w.sink.close().await;
}

/// The next statistics report of the connection's producer, if it has its own.
async fn next_stats(rx: &mut Option<watch::Receiver<Option<StatsReport>>>) -> Option<StatsReport> {
    let Some(rx) = rx else {
        return std::future::pending().await;
    };
    loop {
        if rx.changed().await.is_err() {
            // The producer was retired; a new one brings a new receiver.
            return std::future::pending().await;
        }
        if let Some(report) = rx.borrow_and_update().clone() {
            return Some(report);
        }
    }
}

impl Writer {
    /// Queues a frame on the socket (sent at the next flush).
    async fn frame(&mut self, frame: &BridgeMessage) {
        self.text(frame.to_json()).await;
    }

    async fn text(&mut self, text: String) {
        if !self.open {
            return;
        }
        if let Err(err) = self.sink.feed(Message::Text(text.into())).await {
            debug!(%err, "websocket write failed; the client is gone");
            self.open = false;
        }
    }

    /// Frames every answer waiting in the outbox, in order, each followed by
    /// any `flushed` it unblocked.
    async fn answers(&mut self) {
        let mut answers = std::mem::take(&mut self.answers);
        self.outbox.take(&mut answers);
        // Released before any frame is written: a client that reads its
        // deliveries may send more at once, and these no longer hold
        // librdkafka memory.
        let bytes: usize = answers.entries.iter().map(|e| e.bytes).sum();
        self.load.records.fetch_sub(answers.entries.len(), Relaxed);
        self.load.bytes.fetch_sub(bytes, Relaxed);
        // Deliveries gathered for one `deliveries` frame.
        let mut group: Vec<&[u8]> = Vec::new();
        for (entry, fields) in answers.iter() {
            if let Some(timing) = entry.timing {
                self.written.push(timing);
            }
            match entry.kind {
                Kind::Delivery if self.batch => {
                    group.push(fields);
                    if group.len() == DELIVERIES_PER_FRAME {
                        self.deliveries(&mut group).await;
                    }
                }
                Kind::Delivery => self.text(delivery_frame(fields)).await,
                Kind::Overloaded => {
                    self.deliveries(&mut group).await;
                    self.text(single_frame("overloaded", fields)).await;
                }
            }
            let due = self.progress.answered(entry.seq);
            if due > 0 {
                self.deliveries(&mut group).await;
                self.flushed(due).await;
            }
        }
        self.deliveries(&mut group).await;
        drop(group);
        answers.clear();
        self.answers = answers;
    }

    /// Sends the gathered deliveries as one frame.
    async fn deliveries(&mut self, group: &mut Vec<&[u8]>) {
        if !group.is_empty() {
            let capacity = group.iter().map(|f| f.len() + 3).sum::<usize>() + 40;
            let frame = deliveries_frame(group.drain(..), capacity);
            self.text(frame).await;
        }
    }

    async fn flushed(&mut self, count: usize) {
        for _ in 0..count {
            self.frame(&BridgeFrame::Flushed.into()).await;
        }
    }

    /// Writes what was queued and records the bridge time of the deliveries.
    async fn flush(&mut self) {
        if self.open
            && let Err(err) = self.sink.flush().await
        {
            debug!(%err, "websocket write failed; the client is gone");
            self.open = false;
        }
        let now = Instant::now();
        for (before, reported) in self.written.drain(..) {
            self.shared
                .metrics
                .record_bridge_time(before + now.saturating_duration_since(reported));
        }
    }
}

/// Which numbered records are answered, and when `flushed` is due: each
/// flush waits for every record numbered below its mark, in any order.
#[derive(Debug, Default)]
struct Progress {
    /// Every record below this is answered.
    answered_below: u64,
    /// Whether each record from `answered_below` on is answered (at most the
    /// in-flight cap long: an unanswered record is at its front).
    ahead: VecDeque<bool>,
    /// Marks of the flushes not yet answered, in order.
    flushes: VecDeque<u64>,
}

impl Progress {
    /// Marks a record answered; returns how many `flushed` frames are due now.
    fn answered(&mut self, seq: u64) -> usize {
        if let Some(offset) = seq.checked_sub(self.answered_below) {
            let offset = offset as usize;
            if self.ahead.len() <= offset {
                self.ahead.resize(offset + 1, false);
            }
            self.ahead[offset] = true;
            while self.ahead.front() == Some(&true) {
                self.ahead.pop_front();
                self.answered_below += 1;
            }
        }
        self.due()
    }

    /// Registers a flush of the records below `upto`; returns how many
    /// `flushed` frames are due now.
    fn flush(&mut self, upto: u64) -> usize {
        self.flushes.push_back(upto);
        self.due()
    }

    fn all_answered(&self, upto: u64) -> bool {
        self.answered_below >= upto
    }

    /// How many records below `upto` have no answer yet.
    fn unanswered(&self, upto: u64) -> u64 {
        let span = upto.saturating_sub(self.answered_below) as usize;
        let answered = self.ahead.iter().take(span).filter(|a| **a).count();
        (span - answered) as u64
    }

    fn due(&mut self) -> usize {
        let mut due = 0;
        while self
            .flushes
            .front()
            .is_some_and(|&upto| upto <= self.answered_below)
        {
            self.flushes.pop_front();
            due += 1;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::{Progress, close_reason};

    #[test]
    fn flush_with_nothing_pending_is_due_at_once() {
        let mut p = Progress::default();
        assert_eq!(p.flush(0), 1);
    }

    #[test]
    fn flush_waits_for_every_earlier_record_in_any_order() {
        let mut p = Progress::default();
        assert_eq!(p.flush(2), 0, "records 0 and 1 are not answered");
        assert_eq!(p.answered(1), 0);
        assert_eq!(p.answered(2), 0, "after the flush: not waited for");
        assert_eq!(p.unanswered(3), 1);
        assert_eq!(p.answered(0), 1);
        assert!(p.all_answered(3));
        assert_eq!(p.unanswered(3), 0);
    }

    #[test]
    fn consecutive_flushes_are_answered_in_order() {
        let mut p = Progress::default();
        assert_eq!(p.flush(1), 0);
        assert_eq!(p.flush(2), 0);
        assert_eq!(p.answered(1), 0, "the first flush still waits for 0");
        assert_eq!(p.answered(0), 2);
        assert_eq!(p.flush(2), 1);
    }

    #[test]
    fn close_reasons_are_cut_to_123_bytes_on_a_character_boundary() {
        assert_eq!(close_reason("short"), "short");
        let long = "é".repeat(100);
        let cut = close_reason(&long);
        assert!(cut.len() <= 123 && long.starts_with(&cut), "{cut}");
    }
}
