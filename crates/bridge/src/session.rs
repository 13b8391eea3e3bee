//! One WebSocket connection: a reader that decodes frames and enqueues records,
//! and a single writer task that owns the socket's sending half.
//!
//! Rule: every accepted `produce` yields exactly one `delivery` frame with the
//! client's id, whether librdkafka reports it later or refuses it at once; and
//! `flushed` goes out only after the delivery of every record received before the
//! `flush`. The reader hands the writer everything in receipt order over one
//! channel, so the writer alone decides what is sent when.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures_util::stream::{FuturesUnordered, SplitSink, StreamExt};
use futures_util::{FutureExt, SinkExt};
use producer_wire::{
    BridgeFrame, ClientFrame, Delivery, DeliveryOutcome, PROTOCOL_VERSION, Produce,
};
use rdkafka::producer::DeliveryFuture;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::kafka;
use crate::security::check_token;
use crate::server::Shared;

/// What the reader asks the writer to do, in receipt order.
enum Out {
    /// Send this frame now.
    Frame(BridgeFrame),
    /// A record librdkafka accepted; send its delivery when the report arrives.
    Pending {
        id: u64,
        topic: String,
        received: Instant,
        report: DeliveryFuture,
    },
    /// Send `flushed` once everything pending so far has its delivery.
    Flush,
    /// Send the frames already queued, then close with this policy-violation reason.
    Refuse(String),
    /// The bridge is stopping: wait (bounded) for pending deliveries, then close.
    Shutdown,
}

/// Serves one upgraded connection until the client leaves or the bridge stops.
pub(crate) async fn run(socket: WebSocket, shared: Arc<Shared>, peer: String) {
    debug!(%peer, "session opened");
    let (sink, stream) = socket.split();
    let (tx, rx) = mpsc::unbounded_channel();
    let writer = tokio::spawn(write_loop(sink, rx, shared.shutdown_timeout, peer.clone()));
    read_loop(stream, &tx, &shared).await;
    drop(tx);
    if let Err(err) = writer.await {
        warn!(%peer, %err, "session writer task failed");
    }
    debug!(%peer, "session closed");
}

async fn read_loop(
    mut stream: futures_util::stream::SplitStream<WebSocket>,
    tx: &mpsc::UnboundedSender<Out>,
    shared: &Shared,
) {
    let mut shutdown = shared.shutdown.clone();
    let mut authenticated = shared.token.is_none();
    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            _ = shutdown.wait_for(|stop| *stop) => {
                let _ = tx.send(Out::Shutdown);
                return;
            }
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Binary(_))) => {
                send_error(
                    tx,
                    "binary frames are not supported: send JSON text frames".into(),
                );
                continue;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | None => return,
            Some(Err(err)) => {
                debug!(%err, "websocket read failed");
                return;
            }
        };
        let received = Instant::now();
        let frame = ClientFrame::parse(&text);
        if !authenticated {
            match frame {
                Ok(ClientFrame::Hello { version, token }) => {
                    if let Err(reason) = check_token(shared.token.as_deref(), token.as_deref()) {
                        let _ = tx.send(Out::Refuse(reason));
                        return;
                    }
                    authenticated = true;
                    welcome(tx, shared, version);
                }
                Ok(_) => {
                    let reason = "this bridge requires a token: the first frame must be hello with \"token\"";
                    let _ = tx.send(Out::Refuse(reason.into()));
                    return;
                }
                Err(message) => {
                    let _ = tx.send(Out::Refuse(message));
                    return;
                }
            }
            continue;
        }
        match frame {
            Err(message) => send_error(tx, message),
            Ok(ClientFrame::Hello { version, .. }) => welcome(tx, shared, version),
            Ok(ClientFrame::Produce(record)) => produce(tx, shared, record, received),
            Ok(ClientFrame::ProduceBatch { records }) => {
                for record in records {
                    produce(tx, shared, record, received);
                }
            }
            Ok(ClientFrame::Flush) => {
                let _ = tx.send(Out::Flush);
            }
        }
    }
}

fn send_error(tx: &mpsc::UnboundedSender<Out>, message: String) {
    let _ = tx.send(Out::Frame(BridgeFrame::Error { message }));
}

fn welcome(tx: &mpsc::UnboundedSender<Out>, shared: &Shared, client_version: u32) {
    if client_version != PROTOCOL_VERSION {
        info!(
            client_version,
            PROTOCOL_VERSION, "client speaks another protocol version"
        );
    }
    let _ = tx.send(Out::Frame(BridgeFrame::Welcome {
        version: PROTOCOL_VERSION,
        bootstrap_servers: shared.bootstrap_servers.clone(),
    }));
}

/// Enqueues one record; a local refusal becomes its delivery at once.
fn produce(tx: &mpsc::UnboundedSender<Out>, shared: &Shared, record: Produce, received: Instant) {
    let out = match kafka::enqueue(&shared.producer, &record) {
        Ok(report) => Out::Pending {
            id: record.id,
            topic: record.topic,
            received,
            report,
        },
        Err(error) => Out::Frame(BridgeFrame::Delivery(Delivery {
            id: record.id,
            outcome: DeliveryOutcome::Failed { error },
        })),
    };
    let _ = tx.send(out);
}

type Sink = SplitSink<WebSocket, Message>;

/// The connection's single writer: frames in order, deliveries as reports
/// arrive, `flushed` when its watermark is passed.
async fn write_loop(
    sink: Sink,
    mut rx: mpsc::UnboundedReceiver<Out>,
    drain: Duration,
    peer: String,
) {
    let mut pending = FuturesUnordered::new();
    let mut w = Writer {
        sink,
        open: true,
        tracker: FlushTracker::default(),
    };
    let close = loop {
        let out = tokio::select! {
            out = rx.recv() => out,
            Some((seq, delivery)) = pending.next(), if !pending.is_empty() => {
                w.delivered(seq, delivery).await;
                continue;
            }
        };
        match out {
            Some(Out::Frame(frame)) => w.frame(frame).await,
            Some(Out::Pending {
                id,
                topic,
                received,
                report,
            }) => {
                let seq = w.tracker.start(id);
                pending.push(report.map(move |report| {
                    let outcome = kafka::outcome(&topic, report.ok(), received.elapsed());
                    (seq, Delivery { id, outcome })
                }));
            }
            Some(Out::Flush) => {
                let due = w.tracker.flush();
                w.flushed(due).await;
            }
            Some(Out::Refuse(reason)) => {
                warn!(%peer, %reason, "session refused");
                w.frame(BridgeFrame::Error {
                    message: reason.clone(),
                })
                .await;
                break Some((close_code::POLICY, reason));
            }
            Some(Out::Shutdown) => {
                break Some((close_code::AWAY, "bridge shutting down".to_owned()));
            }
            None => break None,
        }
    };
    let shutting_down = matches!(close, Some((close_code::AWAY, _)));
    if shutting_down {
        // Deliveries of records already enqueued are still worth reporting.
        let deadline = Instant::now() + drain;
        while w.open && !pending.is_empty() {
            match tokio::time::timeout_at(deadline, pending.next()).await {
                Ok(Some((seq, delivery))) => w.delivered(seq, delivery).await,
                Ok(None) | Err(_) => break,
            }
        }
    }
    let unreported = w.tracker.unreported();
    if !unreported.is_empty() {
        let count = unreported.len();
        if shutting_down {
            warn!(%peer, count, ids = ?unreported, "shutdown: deliveries not reported to the client in time");
        } else {
            info!(%peer, count, "client left before all its deliveries were reported");
            debug!(%peer, ids = ?unreported, "unreported deliveries");
        }
    }
    if let (true, Some((code, reason))) = (w.open, close) {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from(reason),
        };
        let _ = w.sink.send(Message::Close(Some(frame))).await;
    }
    let _ = w.sink.close().await;
}

/// The sending half with its flush bookkeeping. Once a send fails the client
/// is gone and later frames are dropped.
struct Writer {
    sink: Sink,
    open: bool,
    tracker: FlushTracker,
}

impl Writer {
    async fn frame(&mut self, frame: BridgeFrame) {
        if !self.open {
            return;
        }
        if let Err(err) = self.sink.send(Message::Text(frame.to_json().into())).await {
            debug!(%err, "websocket write failed; the client is gone");
            self.open = false;
        }
    }

    /// Sends a delivery, then any `flushed` it unblocked.
    async fn delivered(&mut self, seq: u64, delivery: Delivery) {
        let due = self.tracker.done(seq);
        self.frame(BridgeFrame::Delivery(delivery)).await;
        self.flushed(due).await;
    }

    async fn flushed(&mut self, count: usize) {
        for _ in 0..count {
            self.frame(BridgeFrame::Flushed).await;
        }
    }
}

/// Decides when `flushed` may go out: each flush waits for every record
/// started before it.
#[derive(Debug, Default)]
struct FlushTracker {
    next: u64,
    /// Sequence number to client id of each record awaiting its report.
    outstanding: BTreeMap<u64, u64>,
    /// For each flush not yet answered: the first sequence number after it.
    watermarks: VecDeque<u64>,
}

impl FlushTracker {
    /// Registers a record awaiting its report; returns its sequence number.
    fn start(&mut self, id: u64) -> u64 {
        let seq = self.next;
        self.next += 1;
        self.outstanding.insert(seq, id);
        seq
    }

    /// Client ids of the records still awaiting a report, oldest first.
    fn unreported(&self) -> Vec<u64> {
        self.outstanding.values().copied().collect()
    }

    /// Registers a flush; returns how many `flushed` frames are due now.
    fn flush(&mut self) -> usize {
        self.watermarks.push_back(self.next);
        self.due()
    }

    /// Marks a record reported; returns how many `flushed` frames are due now.
    fn done(&mut self, seq: u64) -> usize {
        self.outstanding.remove(&seq);
        self.due()
    }

    fn due(&mut self) -> usize {
        let oldest = self.outstanding.keys().next().copied();
        let mut due = 0;
        while let Some(&mark) = self.watermarks.front() {
            if oldest.is_some_and(|oldest| oldest < mark) {
                break;
            }
            self.watermarks.pop_front();
            due += 1;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::FlushTracker;

    #[test]
    fn flush_with_nothing_pending_is_due_at_once() {
        let mut t = FlushTracker::default();
        assert_eq!(t.flush(), 1);
    }

    #[test]
    fn flush_waits_for_every_earlier_record_in_any_order() {
        let mut t = FlushTracker::default();
        let a = t.start(1);
        let b = t.start(2);
        assert_eq!(t.flush(), 0);
        let c = t.start(3); // after the flush: not waited for
        assert_eq!(t.done(b), 0);
        assert_eq!(t.done(c), 0);
        assert_eq!(t.unreported(), [1]);
        assert_eq!(t.done(a), 1);
        assert!(t.unreported().is_empty());
    }

    #[test]
    fn consecutive_flushes_are_answered_in_order() {
        let mut t = FlushTracker::default();
        let a = t.start(1);
        assert_eq!(t.flush(), 0);
        let b = t.start(2);
        assert_eq!(t.flush(), 0);
        assert_eq!(t.done(b), 0, "the first flush still waits for a");
        assert_eq!(t.done(a), 2);
        assert_eq!(t.flush(), 1);
    }
}
