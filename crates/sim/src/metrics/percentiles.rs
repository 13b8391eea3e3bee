//! Latency percentiles as `kafka-producer-perf-test` prints them (`ProducerPerformance.Stats`):
//! - each latency is in whole ms; count, average and max cover every latency recorded;
//! - one latency in every `sampling = n / min(n, 500000)` is kept, n being the records the
//!   run will send, so at most about 500,000 are kept;
//! - percentile p is the kept latencies in ascending order at index `(int)(p × kept)`.
//!
//! The kept latencies are stored as value → occurrences, which yields the same order while
//! memory grows only with the number of distinct millisecond values: a table indexed by the
//! value for the usual few seconds, a map above.

use litemap::LiteMap;

/// The percentiles perf-test prints: 50th, 95th, 99th and 99.9th.
pub const PERF_TEST_PERCENTILES: [f64; 4] = [0.5, 0.95, 0.99, 0.999];

/// perf-test keeps at most this many latencies (`Math.min(numRecords, 500000)`).
const MAX_KEPT: u64 = 500_000;

/// Latencies below this many ms are counted in the table, the others in the map.
const TABLE_MS: u64 = 4096;

#[derive(Debug, Clone)]
pub struct SampledLatencies {
    sampling: u64,
    /// perf-test's `iteration % sampling`, counted down: 0 means this latency is kept.
    until_kept: u64,
    kept: u64,
    /// Occurrences of each kept latency below `TABLE_MS`, indexed by the latency.
    table: Vec<u64>,
    /// Occurrences of each larger kept latency.
    sorted: LiteMap<u64, u64>,
    count: u64,
    total: u64,
    max: u64,
}

impl Default for SampledLatencies {
    fn default() -> Self {
        SampledLatencies::new(1)
    }
}

impl SampledLatencies {
    /// For a run of `records` sends (perf-test's `numRecords`; 0 is taken as 1).
    pub fn new(records: u64) -> Self {
        let n = records.max(1);
        SampledLatencies {
            sampling: n / n.min(MAX_KEPT),
            until_kept: 0,
            kept: 0,
            table: Vec::new(),
            sorted: LiteMap::new_vec(),
            count: 0,
            total: 0,
            max: 0,
        }
    }

    /// `Stats.record` then `iteration++`: keeps the latency when `iteration % sampling == 0`.
    pub fn record(&mut self, latency_ms: u64) {
        self.count += 1;
        self.total += latency_ms;
        self.max = self.max.max(latency_ms);
        if self.until_kept == 0 {
            if latency_ms < TABLE_MS {
                let i = latency_ms as usize;
                if self.table.len() <= i {
                    self.table.resize(i + 1, 0);
                }
                self.table[i] += 1;
            } else {
                *self.sorted.entry(latency_ms).or_default() += 1;
            }
            self.kept += 1;
            self.until_kept = self.sampling;
        }
        self.until_kept -= 1;
    }

    /// `Stats.percentiles`: the kept latencies sorted, at index `(int)(p × kept)`.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        let index = (p * self.kept as f64) as u64;
        let mut below = 0;
        for (value, n) in self.ascending() {
            below += n;
            if index < below {
                return Some(value);
            }
        }
        None
    }

    /// Each kept latency with its occurrences, smallest first.
    fn ascending(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let table = (0u64..).zip(self.table.iter().copied());
        table
            .filter(|&(_, n)| n > 0)
            .chain(self.sorted.iter().map(|(&v, &n)| (v, n)))
    }

    /// The 50th, 95th, 99th and 99.9th percentiles.
    pub fn perf_test_percentiles(&self) -> [Option<u64>; 4] {
        PERF_TEST_PERCENTILES.map(|p| self.percentile(p))
    }

    /// Mean of every recorded latency (`totalLatency / count`).
    pub fn avg(&self) -> Option<f64> {
        (self.count > 0).then(|| self.total as f64 / self.count as f64)
    }

    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Latencies kept for the percentiles.
    pub fn kept(&self) -> u64 {
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1..=1000 ms: index (int)(0.5 × 1000) = 500 → the 501st smallest, 501 ms; 95th → 951;
    /// 99th → 991; 99.9th → index 999 → 1000 ms.
    #[test]
    fn percentile_is_the_value_at_index_p_times_count() {
        let mut s = SampledLatencies::new(1000);
        // Recorded in a scrambled order: the rule sorts.
        for i in 0..1000u64 {
            s.record((i * 7919) % 1000 + 1);
        }
        assert_eq!(
            s.perf_test_percentiles(),
            [Some(501), Some(951), Some(991), Some(1000)]
        );
        assert_eq!(s.avg(), Some(500.5));
        assert_eq!(s.max(), Some(1000));
    }

    /// Few samples: 3 kept → p50 index 1, p99.9 index (int)2.997 = 2.
    #[test]
    fn small_counts_truncate_the_index() {
        let mut s = SampledLatencies::new(3);
        for l in [30, 10, 20] {
            s.record(l);
        }
        assert_eq!(s.percentile(0.5), Some(20));
        assert_eq!(s.percentile(0.999), Some(30));
        assert_eq!(s.percentile(0.0), Some(10));
        assert_eq!(SampledLatencies::new(3).percentile(0.5), None);
    }

    /// Latencies on both sides of the table's end come out in one ascending order.
    #[test]
    fn small_and_large_latencies_sort_together() {
        let mut s = SampledLatencies::new(4);
        for l in [TABLE_MS + 5, 3, TABLE_MS - 1, TABLE_MS] {
            s.record(l);
        }
        assert_eq!(
            [0.0, 0.25, 0.5, 0.75].map(|p| s.percentile(p)),
            [3, TABLE_MS - 1, TABLE_MS, TABLE_MS + 5].map(Some)
        );
    }

    /// 1,500,000 records → sampling 3: the 1st, 4th, 7th, … latency is kept (500,000 of them),
    /// while avg and max cover all.
    #[test]
    fn sampling_keeps_every_nth_latency() {
        let mut s = SampledLatencies::new(1_500_000);
        for i in 0..1_500_000u64 {
            s.record(i % 3); // kept ones are all 0
        }
        assert_eq!(s.kept(), 500_000);
        assert_eq!(s.percentile(0.999), Some(0));
        assert_eq!(s.max(), Some(2));
        assert_eq!(s.count(), 1_500_000);
        assert_eq!(s.ascending().count(), 1, "one distinct value stored");
    }
}
