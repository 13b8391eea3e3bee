//! `flush()` and `close(timeout)` on the application thread.
//!
//! - `flush()` (`RecordAccumulator.beginFlush`, `awaitFlushCompletion`): every batch becomes
//!   sendable at once, ignoring linger, and the caller blocks until every record sent before
//!   the call has completed. Then the application goes on sending.
//! - `close(timeout)` (`KafkaProducer.close`, `Sender.initiateClose`/`forceClose`,
//!   `RecordAccumulator.abortIncompleteBatches`): the accumulator is closed, which makes every
//!   batch sendable; the sender drains and completes what is buffered. If `timeout` passes
//!   first (at once for a zero timeout), the remaining batches, queued or in flight, fail with
//!   "Producer is closed forcefully." The sender thread then stops.
//!
//! Model simplification: a call waits for the application's `send()` in progress (blocked on
//! memory, or waiting on its future in sync mode) to return, as if the thread calling `send()`
//! also made the call.

use std::collections::VecDeque;

use super::{Action, Simulation};
use crate::event::EventKind;
use crate::producer::producer_batch::RecordId;
use crate::scenario::{CallAt, ProducerCall};

/// `flush()` in progress: the records sent before it that have no callback yet.
#[derive(Debug, Clone, Copy)]
struct FlushWait {
    mark: RecordId,
    undelivered: u64,
}

/// The application thread's producer calls.
#[derive(Debug, Clone, Default)]
pub struct CallState {
    pending: VecDeque<ProducerCall>,
    flush: Option<FlushWait>,
    closing: bool,
    /// `close()` returned (or the producer was closed forcefully): nothing more is sent.
    pub closed: bool,
    /// The workload's next step (`send()` or the end) came while a call was blocking.
    deferred: bool,
}

impl CallState {
    /// `flush()` or `close()` blocks the application thread.
    pub fn blocking(&self) -> bool {
        self.flush.is_some() || self.closing || self.closed
    }

    /// A call is queued or under way (the run is not over while one is).
    pub fn blocking_call_open(&self) -> bool {
        !self.pending.is_empty() || self.flush.is_some() || self.closing
    }

    pub fn flushing(&self) -> bool {
        self.flush.is_some()
    }

    pub fn closing(&self) -> bool {
        self.closing
    }
}

impl Simulation {
    /// The application calls `flush()` now (recorded in the scenario, so a replay repeats it).
    pub fn flush(&mut self) {
        self.call_now(ProducerCall::Flush);
    }

    /// The application calls `close(timeout)` now; `None` waits for every record.
    pub fn close(&mut self, timeout_ms: Option<u64>) {
        self.call_now(ProducerCall::Close { timeout_ms });
    }

    fn call_now(&mut self, call: ProducerCall) {
        let at_ms = self.now_us / 1000 + 1;
        self.scenario.calls.push(CallAt { at_ms, call });
        self.schedule(at_ms * 1000, Action::Call(call));
    }

    /// The workload's next `send()` (or its end) while a call blocks the thread: it waits.
    pub(super) fn defer_workload_step(&mut self) {
        self.app.calls.deferred = true;
    }

    pub(super) fn queue_call(&mut self, call: ProducerCall) {
        self.app.calls.pending.push_back(call);
        self.run_pending_calls();
    }

    /// Runs queued calls while the application thread is free to make them.
    fn run_pending_calls(&mut self) {
        while self.app.is_free() {
            let Some(call) = self.app.calls.pending.pop_front() else {
                return;
            };
            match call {
                ProducerCall::Flush => self.begin_flush(),
                ProducerCall::Close { timeout_ms } => self.begin_close(timeout_ms),
            }
        }
    }

    fn begin_flush(&mut self) {
        let undelivered = self.records_sent - self.delivered_count();
        self.trace
            .emit(self.now_us, EventKind::FlushStarted { undelivered });
        self.accumulator.begin_flush();
        self.app.calls.flush = Some(FlushWait {
            mark: self.records_sent,
            undelivered,
        });
        self.check_calls_done();
    }

    fn begin_close(&mut self, timeout_ms: Option<u64>) {
        self.trace
            .emit(self.now_us, EventKind::CloseStarted { timeout_ms });
        self.accumulator.close();
        self.app.calls.closing = true;
        match timeout_ms {
            Some(0) => self.force_close(),
            Some(ms) => self.schedule(self.now_us + ms * 1000, Action::CloseTimeout),
            None => {}
        }
        self.check_calls_done();
    }

    /// `close(timeout)` ran out of time: abort whatever is not complete.
    pub(super) fn close_timeout(&mut self) {
        if self.app.calls.closing {
            self.force_close();
        }
    }

    fn force_close(&mut self) {
        let now = self.now_us;
        let (sender, mut cx) = self.sender_cx();
        let aborted = sender.abort_incomplete_batches(now, &mut cx);
        self.finish_close(true, aborted);
    }

    fn finish_close(&mut self, forced: bool, aborted: usize) {
        self.app.calls.closing = false;
        self.app.calls.closed = true;
        self.trace
            .emit(self.now_us, EventKind::ProducerClosed { forced, aborted });
    }

    /// Counts fresh callbacks toward a blocking call, and completes it when they are all in.
    pub(super) fn calls_progress(&mut self, fresh_from: usize) {
        if let Some(wait) = self.app.calls.flush.as_mut() {
            let done = self.deliveries[fresh_from..]
                .iter()
                .filter(|d| d.record < wait.mark)
                .count() as u64;
            wait.undelivered = wait.undelivered.saturating_sub(done);
        }
        self.check_calls_done();
        self.run_pending_calls();
    }

    /// Completes a flush whose records all have callbacks, or a close with nothing left.
    fn check_calls_done(&mut self) {
        if let Some(wait) = self.app.calls.flush
            && wait.undelivered == 0
        {
            self.app.calls.flush = None;
            self.accumulator.await_flush_completion();
            self.trace.emit(self.now_us, EventKind::FlushCompleted);
            self.resume_workload();
        }
        if self.app.calls.closing && self.delivered_count() >= self.records_sent {
            self.finish_close(false, 0);
        }
    }

    fn resume_workload(&mut self) {
        if std::mem::take(&mut self.app.calls.deferred) {
            self.schedule_next_send();
        }
    }
}
