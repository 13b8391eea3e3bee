//! The application thread: it calls `send()` at the workload's pace, blocks when
//! `buffer.memory` is exhausted, waits on each future in sync mode, and at the end closes the
//! producer or exits without flushing.
//!
//! Source: apache/kafka `KafkaProducer.send/doSend` (serialize, partition, size check,
//! `accumulator.append` with `abortForNewBatch`, wake the sender), `BufferPool.allocate`,
//! `KafkaProducer.close` / `flush`.

use std::rc::Rc;

use super::{Action, Simulation};
use crate::event::{EventKind, Outcome};
use crate::producer::partitioner::PartitionHow;
use crate::producer::producer_batch::{RecordId, SerializedRecord};
use crate::producer::record_accumulator::{AppendOutcome, RecordAppendResult};
use crate::producer::sender::Delivery;
use crate::record_size::RecordHeader;
use crate::scenario::{KeyChoice, OnFinish, ProducerCall};

/// A `send()` waiting for memory.
#[derive(Debug, Clone)]
struct BlockedSend {
    record: SerializedRecord,
    partition: Option<u32>,
    size: u64,
    since_us: u64,
}

/// What the application thread is doing.
#[derive(Debug, Clone, Default)]
pub struct AppState {
    blocked: Option<BlockedSend>,
    /// Sync mode: the record whose future `send().get()` waits on.
    awaiting: Option<RecordId>,
    delivered_seen: usize,
    /// The process exited without flushing.
    pub exited: bool,
    /// `key-0`, `key-1`, … made once.
    pool_keys: Vec<String>,
    /// The next key's and value's text, built in buffers reused from `send()` to `send()`.
    key_buffer: Vec<u8>,
    value_buffer: Vec<u8>,
    /// The workload's headers, made once and shared by its records.
    headers: Rc<[RecordHeader]>,
    /// perf-test's send-to-callback latencies of successful records.
    pub callback_latency: crate::metrics::percentiles::SampledLatencies,
    callbacks_seen: usize,
    /// `flush()` and `close()` calls, pending or in progress.
    pub calls: super::producer_calls::CallState,
}

impl AppState {
    /// Appends `key-{i}`, from a cache for the first few thousand (memory stays bounded for
    /// any pool).
    fn push_pool_key(&mut self, i: u64, out: &mut Vec<u8>) {
        const CACHED: u64 = 4096;
        if i >= CACHED {
            out.extend_from_slice(b"key-");
            out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
            return;
        }
        while self.pool_keys.len() <= i as usize {
            let n = self.pool_keys.len();
            self.pool_keys.push(format!("key-{n}"));
        }
        out.extend_from_slice(self.pool_keys[i as usize].as_bytes());
    }

    /// The workload's headers as records carry them, rebuilt only when they changed.
    fn record_headers(&mut self, workload: &[(String, String)]) -> Rc<[RecordHeader]> {
        let unchanged = self.headers.len() == workload.len()
            && self
                .headers
                .iter()
                .zip(workload)
                .all(|(h, (k, v))| h.key == *k && h.value.as_deref() == Some(v.as_bytes()));
        if !unchanged {
            self.headers = workload
                .iter()
                .map(|(k, v)| RecordHeader {
                    key: k.clone(),
                    value: Some(v.as_bytes().to_vec()),
                })
                .collect();
        }
        Rc::clone(&self.headers)
    }

    /// Keeps a record's key and value buffers for the next `send()`: the accumulator copied
    /// the bytes into its batch.
    fn recycle(&mut self, record: SerializedRecord) {
        if let Some(key) = record.key {
            self.key_buffer = key;
        }
        if let Some(value) = record.value {
            self.value_buffer = value;
        }
    }

    /// Not inside `send()`, waiting on a future, or blocked in `flush()`/`close()`.
    pub(super) fn is_free(&self) -> bool {
        self.blocked.is_none() && self.awaiting.is_none() && !self.calls.blocking() && !self.exited
    }

    /// `n` reports were dropped from the front of the deliveries.
    pub(super) fn deliveries_trimmed(&mut self, n: usize) {
        self.delivered_seen = self.delivered_seen.saturating_sub(n);
        self.callbacks_seen = self.callbacks_seen.saturating_sub(n);
    }

    /// The record a blocked `send()` is waiting to append, and since when.
    pub fn blocked_on(&self) -> Option<(RecordId, u64, u64)> {
        self.blocked
            .as_ref()
            .map(|b| (b.record.id, b.size, b.since_us))
    }
}

impl Simulation {
    /// `KafkaProducer.doSend` for the workload's next record: serialize, check the size,
    /// partition, append. Returns whether the sender thread is woken.
    pub(super) fn app_send(&mut self) -> bool {
        let now = self.now_us;
        let id = self.records_sent;
        self.records_sent += 1;
        // Key and value are text (UTF-8), written straight into reused byte buffers.
        let mut key = std::mem::take(&mut self.app.key_buffer);
        key.clear();
        let has_key = self.next_key(id, &mut key);
        let mut value = std::mem::take(&mut self.app.value_buffer);
        let tombstone = self.scenario.workload.tombstones;
        if tombstone {
            value.clear();
        } else {
            make_value(id, self.next_value_bytes(), &mut value);
        }
        if self.trace.is_on() {
            self.trace.emit(
                now,
                EventKind::Send {
                    record: id,
                    key: has_key.then(|| String::from_utf8_lossy(&key).into_owned()),
                    value: (!tombstone).then(|| String::from_utf8_lossy(&value).into_owned()),
                },
            );
        }
        let topic = &self.scenario.cluster.topic;
        let utf8 = crate::producer::serializer::SerializerKind::STRING_UTF8;
        // StringSerializer (UTF-8) is the text's own bytes: no copy needed.
        let serialized =
            if self.config.key_serializer == utf8 && self.config.value_serializer == utf8 {
                let key_bytes = if has_key {
                    Some(key)
                } else {
                    self.app.key_buffer = key;
                    None
                };
                let value_bytes = if tombstone {
                    self.app.value_buffer = value;
                    None
                } else {
                    Some(value)
                };
                Ok((key_bytes, value_bytes))
            } else {
                let key_text = String::from_utf8_lossy(&key);
                let serialized = self
                    .config
                    .key_serializer
                    .serialize_text(topic, has_key.then_some(&*key_text))
                    .and_then(|k| {
                        let value_text = String::from_utf8_lossy(&value);
                        let value_text = (!tombstone).then_some(&*value_text);
                        Ok((
                            k,
                            self.config
                                .value_serializer
                                .serialize_text(topic, value_text)?,
                        ))
                    });
                drop(key_text);
                (self.app.key_buffer, self.app.value_buffer) = (key, value);
                serialized
            };
        let (key_bytes, value_bytes) = match serialized {
            Ok(kv) => kv,
            Err(e) => {
                // `send()` throws a SerializationException: no partition, no callback from the I/O thread.
                self.fail_at_send(id, None, "SERIALIZATION_EXCEPTION", format!("{e:?}"));
                return self.after_send(id, false);
            }
        };
        if self.trace.is_on() {
            self.trace.emit(
                now,
                EventKind::Serialized {
                    record: id,
                    key_bytes: key_bytes.as_ref().map(Vec::len),
                    value_bytes: value_bytes.as_ref().map(Vec::len),
                },
            );
        }
        let record = SerializedRecord {
            id,
            key: key_bytes,
            value: value_bytes,
            headers: self.app.record_headers(&self.scenario.workload.headers),
            timestamp_ms: (now / 1000) as i64,
            sent_us: now,
        };
        // `ensureValidRecordSize`: the batch upper bound must fit a request and the buffer.
        let size = record.view().payload_size().batch_size_upper_bound();
        if size > self.config.max_request_size {
            let m = format!(
                "The message is {size} bytes when serialized which is larger than {}, which is the value of the max.request.size configuration.",
                self.config.max_request_size
            );
            self.app.recycle(record);
            self.fail_at_send(id, None, "RECORD_TOO_LARGE", m);
            return self.after_send(id, false);
        }
        if size as u64 > self.config.buffer_memory {
            let m = format!(
                "The message is {size} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration."
            );
            self.app.recycle(record);
            self.fail_at_send(id, None, "RECORD_TOO_LARGE", m);
            return self.after_send(id, false);
        }
        let wake_sender = self.partition_and_append(&record, 0);
        self.app.recycle(record);
        wake_sender
    }

    /// Writes the workload's key for record `id` into `out`; false for a null key. Random
    /// choices draw from the workload stream.
    fn next_key(&mut self, id: RecordId, out: &mut Vec<u8>) -> bool {
        match &self.scenario.workload.keys {
            KeyChoice::Null => return false,
            KeyChoice::Pool { count } => {
                let i = self.workload_rng.below(u64::from(*count));
                self.app.push_pool_key(i, out);
            }
            KeyChoice::Unique => {
                out.extend_from_slice(b"key-");
                out.extend_from_slice(itoa::Buffer::new().format(id).as_bytes());
            }
            KeyChoice::List { keys } => {
                out.extend_from_slice(keys[(id % keys.len() as u64) as usize].as_bytes())
            }
            KeyChoice::Hot { key, share, pool } => {
                // A uniform double in [0, 1) from 53 random bits, as `Random.nextDouble`.
                let u = self.workload_rng.below(1 << 53) as f64 / (1u64 << 53) as f64;
                if u < *share {
                    out.extend_from_slice(key.as_bytes());
                } else {
                    let i = self.workload_rng.below(u64::from(*pool));
                    self.app.push_pool_key(i, out);
                }
            }
        }
        true
    }

    /// The value's size: fixed, or drawn uniformly from `value_bytes..=value_bytes_max`.
    fn next_value_bytes(&mut self) -> usize {
        let w = &self.scenario.workload;
        match w.value_bytes_max {
            Some(max) => {
                let span = max.saturating_sub(w.value_bytes) as u64 + 1;
                w.value_bytes + self.workload_rng.below(span) as usize
            }
            None => w.value_bytes,
        }
    }

    /// The partitioner and `accumulator.append`, with the `abortForNewBatch` loop. The
    /// accumulator copies the record; a blocked `send()` keeps a copy.
    fn partition_and_append(&mut self, record: &SerializedRecord, preallocated: u64) -> bool {
        let now = self.now_us;
        let id = record.id;
        let topic = &self.scenario.cluster.topic;
        let n = self.metadata.num_partitions();
        let mut abort = self.partitioner.aborts_on_new_batch() && preallocated == 0;
        loop {
            let choice = match self.partitioner.partition(
                topic,
                record.key.as_deref(),
                None,
                n,
                now,
                &mut self.partitioner_rng,
            ) {
                Ok(c) => c,
                Err(e) => {
                    self.fail_at_send(id, None, "PARTITION_ERROR", format!("{e:?}"));
                    return self.after_send(id, false);
                }
            };
            match self.accumulator.append(
                choice.partition,
                record.view(),
                now,
                &mut self.partitioner_rng,
                abort,
                preallocated,
            ) {
                AppendOutcome::Appended(result) => {
                    if self.trace.is_on() {
                        self.trace_append(id, choice.how, &result);
                    }
                    return self.after_send(id, result.new_batch_created || result.batch_is_full);
                }
                AppendOutcome::AbortForNewBatch => {
                    // `onNewBatch`, then partition again (KafkaProducer.doSend).
                    let prev = choice
                        .partition
                        .expect("only keyed or explicit appends abort");
                    self.partitioner
                        .on_new_batch(topic, prev, n, &mut self.partitioner_rng);
                    abort = false;
                }
                AppendOutcome::Blocked { size } => {
                    // `BufferPool.allocate` blocks the application thread.
                    self.accumulator.buffer_pool.enqueue_waiter(id, size);
                    self.trace.emit(
                        now,
                        EventKind::SendBlocked {
                            record: id,
                            bytes: size,
                        },
                    );
                    let deadline = now + self.config.max_block_ms.saturating_mul(1000);
                    self.app.blocked = Some(BlockedSend {
                        record: record.clone(),
                        partition: choice.partition,
                        size,
                        since_us: now,
                    });
                    self.schedule(deadline, Action::SendBlockTimeout { record: id });
                    return true; // exhausted memory makes every batch sendable: wake the sender
                }
            }
        }
    }

    /// The trace of an append: where the record went, its batch, and any sticky switch.
    fn trace_append(&mut self, id: RecordId, how: PartitionHow, result: &RecordAppendResult) {
        let now = self.now_us;
        self.trace.emit(
            now,
            EventKind::Partitioned {
                record: id,
                partition: result.partition,
                how,
            },
        );
        self.trace.emit(
            now,
            EventKind::Appended {
                record: id,
                partition: result.partition,
                batch: result.batch,
                new_batch: result.new_batch_created,
                batch_bytes: result.batch_bytes,
            },
        );
        if let Some(to) = result.switched_to {
            self.trace.emit(now, EventKind::StickySwitched { to });
        }
    }

    /// After `send()` returned: wait on the future (sync), or schedule the next call.
    fn after_send(&mut self, id: RecordId, wake_sender: bool) -> bool {
        if self.scenario.workload.sync
            && !self.deliveries.iter().rev().take(4).any(|d| d.record == id)
        {
            self.app.awaiting = Some(id);
        } else {
            self.schedule_next_send();
        }
        wake_sender
    }

    /// The application's next `send()` at its pace (at once, if it is running late), or the end.
    pub(super) fn schedule_next_send(&mut self) {
        let w = &self.scenario.workload;
        if self.records_sent < w.records {
            let at = (self.records_sent * 1_000_000 / w.records_per_second as u64).max(self.now_us);
            self.schedule_send(at);
        } else {
            self.schedule(self.now_us, Action::AppFinish);
        }
    }

    /// Resumes the application when its blocked `send()` got memory or its awaited future
    /// completed. Returns whether the sender thread is woken.
    pub(super) fn app_progress(&mut self) -> bool {
        let mut wake = false;
        if let Some(b) = &self.app.blocked
            && !self.accumulator.buffer_pool.is_waiting(b.record.id)
        {
            let b = self.app.blocked.take().expect("checked");
            self.sender
                .metrics
                .record_buffer_wait(b.since_us, self.now_us);
            wake |= self.partition_and_append(&b.record, b.size);
        }
        if let Some(id) = self.app.awaiting {
            let fresh = &self.deliveries[self.app.delivered_seen.min(self.deliveries.len())..];
            if fresh.iter().any(|d| d.record == id) {
                self.app.awaiting = None;
                self.schedule_next_send();
            }
        }
        let fresh_from = self.app.delivered_seen.min(self.deliveries.len());
        self.app.delivered_seen = self.deliveries.len();
        if self.app.calls.blocking_call_open() {
            self.calls_progress(fresh_from);
        }
        wake
    }

    /// `max.block.ms` passed: `BufferExhaustedException` goes to the callback.
    pub(super) fn send_block_timeout(&mut self, record: RecordId) {
        if self
            .app
            .blocked
            .as_ref()
            .is_none_or(|b| b.record.id != record)
        {
            return;
        }
        let b = self.app.blocked.take().expect("checked");
        self.accumulator.buffer_pool.cancel_waiter(record);
        let now = self.now_us;
        self.sender.metrics.record_buffer_wait(b.since_us, now);
        self.sender.metrics.record_buffer_exhausted(now);
        let pool = &self.accumulator.buffer_pool;
        let message = format!(
            "Failed to allocate {} bytes within the configured max blocking time {} ms. Total memory: {} bytes. Available memory: {} bytes. Poolable size: {} bytes",
            b.size,
            self.config.max_block_ms,
            pool.total_memory(),
            pool.available_memory(),
            self.config.batch_size
        );
        self.fail_at_send(record, b.partition, "BUFFER_EXHAUSTED", message);
        self.after_send(record, false);
    }

    /// After the last `send()`: `close()` flushes and stops; exiting loses what is unsent.
    pub(super) fn app_finish(&mut self) {
        match self.scenario.workload.on_finish {
            OnFinish::KeepRunning => {}
            OnFinish::Close => self.queue_call(ProducerCall::Close { timeout_ms: None }),
            OnFinish::ExitWithoutFlush => {
                let lost = (self.records_sent - self.delivered_count()) as usize;
                self.trace
                    .emit(self.now_us, EventKind::ProcessExited { undelivered: lost });
                self.app.exited = true;
            }
        }
    }

    /// perf-test's `PerfCallback`: each successful callback's latency since its `send()`, read
    /// from a millisecond clock. Called after every event, so no callback is missed.
    pub(super) fn observe_callbacks(&mut self) {
        use crate::metrics::millis;
        for d in &self.deliveries[self.app.callbacks_seen.min(self.deliveries.len())..] {
            if let Outcome::Acked { .. } = d.outcome {
                let latency = millis(d.at_us) - millis(d.sent_at_us);
                self.app.callback_latency.record(latency.max(0) as u64);
            }
        }
        self.app.callbacks_seen = self.deliveries.len();
    }

    /// A `send()` that failed before reaching the accumulator: its callback fires at once,
    /// and `doSend` records the failure in the `errors` sensor.
    fn fail_at_send(
        &mut self,
        record: RecordId,
        partition: Option<u32>,
        error: &str,
        message: String,
    ) {
        let now = self.now_us;
        self.sender.metrics.record_errors(now, 1);
        let outcome = Outcome::Failed {
            error: error.to_string(),
            message,
        };
        let partition = partition.unwrap_or(crate::producer::sender::UNKNOWN_PARTITION);
        self.trace.emit(
            now,
            EventKind::Callback {
                record,
                partition,
                outcome: outcome.clone(),
            },
        );
        self.deliveries.push(Delivery {
            record,
            partition,
            sent_at_us: now,
            at_us: now,
            outcome,
        });
    }
}

/// A readable value of exactly `bytes` bytes, written into `out`: `v<id>` padded with dots
/// (cut if too long).
fn make_value(id: u64, bytes: usize, out: &mut Vec<u8>) {
    // Copied in slices: `resize` fills byte by byte in size-optimized (wasm) builds.
    const DOTS: [u8; 64] = [b'.'; 64];
    out.clear();
    out.push(b'v');
    out.extend_from_slice(itoa::Buffer::new().format(id).as_bytes());
    out.truncate(bytes);
    while out.len() < bytes {
        out.extend_from_slice(&DOTS[..DOTS.len().min(bytes - out.len())]);
    }
}
