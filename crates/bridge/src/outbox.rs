//! A connection's answers on their way to its writer.
//!
//! Whoever learns a record's answer (librdkafka's polling thread for a
//! delivery report, the reader for the bridge's own refusals and
//! `overloaded`) writes its JSON fields straight into the connection's
//! [`Outbox`] and wakes the writer. The writer takes everything waiting in
//! one swap and frames it: one `deliveries` frame for many reports when the
//! client asked for them in `hello`, else one `delivery` frame each.
//!
//! This replaces a frame value per record (and its topic string), a channel
//! message per record and a serialization per frame on the async threads:
//! the report is written once, where it arrives.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use producer_wire::KafkaError;
use producer_wire::fast::{write_acked, write_failed, write_overloaded};
use tokio::sync::Notify;

/// What a record's answer says.
#[derive(Debug, Clone, PartialEq)]
pub enum Report<'a> {
    Acked {
        topic: &'a str,
        partition: i32,
        /// -1 when the broker sent none (acks=0).
        offset: i64,
        timestamp: Option<i64>,
        latency_ms: Option<f64>,
    },
    Failed(KafkaError),
    /// Not accepted: the client should send it again after this many ms.
    Overloaded {
        retry_after_ms: u64,
    },
}

/// Which frame an answer goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Delivery,
    Overloaded,
}

/// One answer in [`Answers::text`].
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// Where its fields end in `text` (they start where the previous entry's end).
    pub end: usize,
    /// The connection's sequence number of the record.
    pub seq: u64,
    /// Bytes charged to the connection's in-flight bytes.
    pub bytes: usize,
    pub kind: Kind,
    /// Bridge time before librdkafka (frame read to produce()), and when the
    /// report came back; `None` for answers the bridge gave without librdkafka.
    pub timing: Option<(Duration, Instant)>,
}

/// Answers written and not yet framed.
#[derive(Debug, Default)]
pub struct Answers {
    /// Each answer's JSON fields without braces, one after another (UTF-8).
    pub text: Vec<u8>,
    pub entries: Vec<Entry>,
}

impl Answers {
    /// Each entry with its fields.
    pub fn iter(&self) -> impl Iterator<Item = (&Entry, &[u8])> {
        let mut start = 0;
        self.entries.iter().map(move |e| {
            let fields = &self.text[start..e.end];
            start = e.end;
            (e, fields)
        })
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.entries.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A connection's answers, shared by the threads that learn them and its writer.
#[derive(Debug, Default)]
pub struct Outbox {
    pending: Mutex<Answers>,
    ready: Notify,
    /// Once the writer is gone nobody reads the answers: they are dropped.
    closed: AtomicBool,
}

impl Outbox {
    /// Adds a record's answer, and wakes the writer if the outbox was empty
    /// (otherwise a wake is already on its way: the writer takes everything
    /// after it wakes).
    pub fn push(
        &self,
        seq: u64,
        bytes: usize,
        id: u64,
        report: &Report<'_>,
        timing: Option<(Duration, Instant)>,
    ) {
        if self.closed.load(Relaxed) {
            return;
        }
        let was_empty = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let was_empty = pending.entries.is_empty();
            let text = &mut pending.text;
            let kind = match report {
                Report::Acked {
                    topic,
                    partition,
                    offset,
                    timestamp,
                    latency_ms,
                } => {
                    write_acked(
                        text,
                        id,
                        topic,
                        *partition,
                        *offset,
                        *timestamp,
                        *latency_ms,
                    );
                    Kind::Delivery
                }
                Report::Failed(error) => {
                    write_failed(text, id, error);
                    Kind::Delivery
                }
                Report::Overloaded { retry_after_ms } => {
                    write_overloaded(text, id, *retry_after_ms);
                    Kind::Overloaded
                }
            };
            let end = text.len();
            pending.entries.push(Entry {
                end,
                seq,
                bytes,
                kind,
                timing,
            });
            was_empty
        };
        if was_empty {
            self.ready.notify_one();
        }
    }

    /// Completes when answers may be waiting (at once if any arrived since the last call).
    pub async fn ready(&self) {
        self.ready.notified().await;
    }

    /// Moves every waiting answer into `into` (which must be empty), leaving
    /// `into`'s buffers behind for reuse.
    pub fn take(&self, into: &mut Answers) {
        debug_assert!(into.is_empty());
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::swap(&mut *pending, into);
    }

    /// The writer is gone: later answers are dropped.
    pub fn close(&self) {
        self.closed.store(true, Relaxed);
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        *pending = Answers::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use producer_wire::fast::{deliveries_frame, delivery_frame};
    use producer_wire::{BridgeFrame, DeliveryOutcome};

    #[test]
    fn answers_keep_their_order_fields_and_bookkeeping() {
        let outbox = Outbox::default();
        let acked = Report::Acked {
            topic: "demo",
            partition: 2,
            offset: 41,
            timestamp: Some(1_700_000_000_000),
            latency_ms: Some(3.5),
        };
        let error = KafkaError {
            code: 10,
            name: "MESSAGE_TOO_LARGE".into(),
            retriable: false,
            message: "too large".into(),
        };
        outbox.push(0, 10, 7, &acked, None);
        outbox.push(1, 0, 8, &Report::Failed(error.clone()), None);
        outbox.push(2, 5, 9, &Report::Overloaded { retry_after_ms: 50 }, None);
        let mut answers = Answers::default();
        outbox.take(&mut answers);
        let entries: Vec<_> = answers
            .iter()
            .map(|(e, f)| (e.seq, e.bytes, e.kind, f))
            .collect();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[2],
            (
                2,
                5,
                Kind::Overloaded,
                &br#""id":9,"retry_after_ms":50"#[..]
            )
        );
        let frame = deliveries_frame(
            answers
                .iter()
                .filter(|(e, _)| e.kind == Kind::Delivery)
                .map(|(_, f)| f),
            answers.text.len() + 100,
        );
        let BridgeFrame::Deliveries { deliveries } = BridgeFrame::parse(&frame).unwrap() else {
            panic!("{frame}");
        };
        assert_eq!(deliveries.len(), 2);
        assert_eq!((deliveries[0].id, deliveries[1].id), (7, 8));
        assert!(matches!(
            &deliveries[0].outcome,
            DeliveryOutcome::Acked { topic, partition: 2, offset: 41, .. } if topic == "demo"
        ));
        assert_eq!(
            deliveries[1].outcome,
            DeliveryOutcome::Failed {
                error: error.clone()
            }
        );
        let single = delivery_frame(entries[1].3);
        assert!(matches!(BridgeFrame::parse(&single), Ok(BridgeFrame::Delivery(d)) if d.id == 8));

        // The outbox is empty after a take, and drops answers once closed.
        let mut again = Answers::default();
        outbox.take(&mut again);
        assert!(again.is_empty());
        outbox.close();
        outbox.push(3, 0, 10, &Report::Failed(error), None);
        outbox.take(&mut again);
        assert!(again.is_empty());
    }
}
