//! `BufferPool`: the producer's `buffer.memory`. A new batch takes `max(batch.size, record
//! upper bound)` bytes until its callbacks have run. When memory runs out, `send()` blocks the
//! application, waiting in FIFO order for batches to complete, up to `max.block.ms`; then it
//! fails with `BufferExhaustedException`. While anyone waits, every batch is sendable at once
//! (`exhausted` in the ready check).
//!
//! Source: apache/kafka `BufferPool.allocate/deallocate`, `RecordAccumulator.ready`.
//! Model simplification: the free list of `batch.size` buffers is not modelled separately;
//! it changes which memory is reused, not how much is available.

use std::collections::VecDeque;

use super::producer_batch::RecordId;

#[derive(Debug, Clone)]
struct Waiter {
    record: RecordId,
    size: u64,
    accumulated: u64,
}

#[derive(Debug, Clone)]
pub struct BufferPool {
    total: u64,
    available: u64,
    waiters: VecDeque<Waiter>,
}

impl BufferPool {
    pub fn new(buffer_memory: u64) -> Self {
        BufferPool {
            total: buffer_memory,
            available: buffer_memory,
            waiters: VecDeque::new(),
        }
    }

    /// Takes `size` bytes at once if they are free and nobody is queued ahead.
    pub fn try_allocate(&mut self, size: u64) -> bool {
        if self.waiters.is_empty() && self.available >= size {
            self.available -= size;
            return true;
        }
        false
    }

    /// The application thread for `record` waits for `size` bytes.
    pub fn enqueue_waiter(&mut self, record: RecordId, size: u64) {
        self.waiters.push_back(Waiter {
            record,
            size,
            accumulated: 0,
        });
        self.serve_waiters();
    }

    /// Returns a batch's memory; returns the waiters whose allocation is now complete.
    pub fn deallocate(&mut self, size: u64) -> Vec<RecordId> {
        self.available = (self.available + size).min(self.total);
        self.serve_waiters()
    }

    /// The first waiter gathers memory piece by piece, as `BufferPool.allocate` does.
    fn serve_waiters(&mut self) -> Vec<RecordId> {
        let mut done = Vec::new();
        while let Some(w) = self.waiters.front_mut() {
            let take = (w.size - w.accumulated).min(self.available);
            w.accumulated += take;
            self.available -= take;
            if w.accumulated < w.size {
                break;
            }
            done.push(w.record);
            self.waiters.pop_front();
        }
        done
    }

    /// `max.block.ms` ran out: the waiter's partial memory goes back to the pool.
    pub fn cancel_waiter(&mut self, record: RecordId) -> Vec<RecordId> {
        if let Some(i) = self.waiters.iter().position(|w| w.record == record) {
            let w = self.waiters.remove(i).expect("found");
            self.available += w.accumulated;
        }
        self.serve_waiters()
    }

    pub fn is_waiting(&self, record: RecordId) -> bool {
        self.waiters.iter().any(|w| w.record == record)
    }

    /// `queued()`: threads blocked in `allocate`.
    pub fn queued(&self) -> usize {
        self.waiters.len()
    }

    /// `buffer-available-bytes`.
    pub fn available_memory(&self) -> u64 {
        self.available
    }

    pub fn total_memory(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_gather_memory_in_fifo_order() {
        let mut pool = BufferPool::new(100);
        assert!(pool.try_allocate(60));
        assert!(!pool.try_allocate(60));
        pool.enqueue_waiter(1, 60);
        pool.enqueue_waiter(2, 30);
        assert_eq!(pool.queued(), 2);
        assert!(!pool.try_allocate(1), "nobody jumps the queue");
        assert_eq!(
            pool.deallocate(60),
            vec![1, 2],
            "60 freed: waiter 1 completes with 40+20, waiter 2 with the rest"
        );
        assert_eq!(pool.available_memory(), 10);
    }

    #[test]
    fn a_cancelled_waiter_returns_its_partial_memory() {
        let mut pool = BufferPool::new(100);
        assert!(pool.try_allocate(90));
        pool.enqueue_waiter(1, 50);
        assert_eq!(
            pool.available_memory(),
            0,
            "the 10 free bytes went to the waiter"
        );
        pool.cancel_waiter(1);
        assert_eq!(pool.available_memory(), 10);
        assert_eq!(pool.queued(), 0);
    }
}
