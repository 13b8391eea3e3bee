//! The bridge's own counters, its added-latency histogram, and `/metrics` in
//! Prometheus text format.
//!
//! Rule: every record the bridge reads ends in exactly one of `acked`,
//! `failed` (including the bridge's own refusals) or `overloaded` (not
//! accepted), so `sent + refused = acked + failed + in flight` at any quiet moment.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use producer_wire::ProducerMetrics;

/// A value on a cache line of its own: the counters below are written per
/// record by different threads (connection readers, librdkafka's polling
/// thread), which would otherwise slow each other down.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Padded<T>(pub T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Counters shared by every connection and producer.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Records handed to librdkafka (by the connections' readers).
    pub records_sent: Padded<AtomicU64>,
    /// Delivery reports from librdkafka (acked or failed), by its polling thread.
    pub records_reported: Padded<AtomicU64>,
    /// Records Kafka acknowledged.
    pub records_acked: Padded<AtomicU64>,
    /// Failed deliveries: librdkafka's and the bridge's refusals.
    pub records_failed: Padded<AtomicU64>,
    /// Failed because the topic is not allow-listed.
    pub records_refused_topic: AtomicU64,
    /// Failed because the record exceeds --max-record-bytes.
    pub records_refused_size: AtomicU64,
    /// Answered `overloaded` (not accepted).
    pub records_overloaded: AtomicU64,
    /// Frames answered by `error` (malformed, oversized, unknown type, binary).
    pub frames_rejected: AtomicU64,
    /// Open WebSocket sessions.
    pub connections: AtomicUsize,
    pub connections_total: AtomicU64,
    /// Connections refused at --max-connections.
    pub connections_refused: AtomicU64,
    /// Highest in-flight record count any one connection reached.
    pub peak_connection_in_flight: AtomicUsize,
    /// Highest in-flight byte count any one connection reached.
    pub peak_connection_in_flight_bytes: AtomicUsize,
    /// Time each acked or failed record spent in bridge code, see [`Metrics::record_bridge_time`].
    pub bridge_latency: Histogram,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsSnapshot {
    pub records_sent: u64,
    pub records_acked: u64,
    pub records_failed: u64,
    pub records_refused_topic: u64,
    pub records_refused_size: u64,
    pub records_overloaded: u64,
    pub records_in_flight: i64,
    pub frames_rejected: u64,
    pub connections: usize,
    pub connections_total: u64,
    pub connections_refused: u64,
    pub peak_connection_in_flight: usize,
    pub peak_connection_in_flight_bytes: usize,
    /// Messages in the librdkafka queues of every live producer.
    pub librdkafka_queued: i64,
    /// Live producers: the shared one and each connection's own.
    pub producers: usize,
}

impl Metrics {
    pub fn snapshot(&self, librdkafka_queued: i64, producers: usize) -> MetricsSnapshot {
        MetricsSnapshot {
            records_sent: self.records_sent.load(Relaxed),
            records_acked: self.records_acked.load(Relaxed),
            records_failed: self.records_failed.load(Relaxed),
            records_refused_topic: self.records_refused_topic.load(Relaxed),
            records_refused_size: self.records_refused_size.load(Relaxed),
            records_overloaded: self.records_overloaded.load(Relaxed),
            // Handed to librdkafka and not yet reported.
            records_in_flight: self.records_sent.load(Relaxed) as i64
                - self.records_reported.load(Relaxed) as i64,
            frames_rejected: self.frames_rejected.load(Relaxed),
            connections: self.connections.load(Relaxed),
            connections_total: self.connections_total.load(Relaxed),
            connections_refused: self.connections_refused.load(Relaxed),
            peak_connection_in_flight: self.peak_connection_in_flight.load(Relaxed),
            peak_connection_in_flight_bytes: self.peak_connection_in_flight_bytes.load(Relaxed),
            librdkafka_queued,
            producers,
        }
    }

    /// Records the bridge-added time of one record: from reading its frame to
    /// calling librdkafka's produce(), plus from librdkafka's delivery report
    /// to the delivery frame being flushed to the socket.
    pub fn record_bridge_time(&self, time: Duration) {
        self.bridge_latency.record(time);
    }

    /// Prometheus text exposition (format 0.0.4): the bridge's counters, then
    /// each live producer's Java metrics labelled with the producer.
    pub fn render(
        &self,
        librdkafka_queued: i64,
        producers: &[(String, Option<ProducerMetrics>)],
    ) -> String {
        let s = self.snapshot(librdkafka_queued, producers.len());
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        metric(
            "producer_bridge_records_sent_total",
            "counter",
            "Records handed to librdkafka.",
            s.records_sent.to_string(),
        );
        metric(
            "producer_bridge_records_acked_total",
            "counter",
            "Records acknowledged by Kafka.",
            s.records_acked.to_string(),
        );
        metric(
            "producer_bridge_records_failed_total",
            "counter",
            "Records with a failed delivery, including the bridge's refusals.",
            s.records_failed.to_string(),
        );
        metric(
            "producer_bridge_records_refused_topic_total",
            "counter",
            "Records refused: topic not in --allow-topic.",
            s.records_refused_topic.to_string(),
        );
        metric(
            "producer_bridge_records_refused_size_total",
            "counter",
            "Records refused: larger than --max-record-bytes.",
            s.records_refused_size.to_string(),
        );
        metric(
            "producer_bridge_records_overloaded_total",
            "counter",
            "Records answered overloaded (not accepted).",
            s.records_overloaded.to_string(),
        );
        metric(
            "producer_bridge_records_in_flight",
            "gauge",
            "Records handed to librdkafka and not yet reported.",
            s.records_in_flight.to_string(),
        );
        metric(
            "producer_bridge_librdkafka_queued",
            "gauge",
            "Messages in the librdkafka queues of every live producer.",
            s.librdkafka_queued.to_string(),
        );
        metric(
            "producer_bridge_producers",
            "gauge",
            "Live producers: the shared one and each configured connection's own.",
            s.producers.to_string(),
        );
        metric(
            "producer_bridge_frames_rejected_total",
            "counter",
            "Frames answered by an error frame.",
            s.frames_rejected.to_string(),
        );
        metric(
            "producer_bridge_connections",
            "gauge",
            "Open WebSocket connections.",
            s.connections.to_string(),
        );
        metric(
            "producer_bridge_connections_total",
            "counter",
            "WebSocket connections accepted.",
            s.connections_total.to_string(),
        );
        metric(
            "producer_bridge_connections_refused_total",
            "counter",
            "WebSocket connections refused at --max-connections.",
            s.connections_refused.to_string(),
        );
        metric(
            "producer_bridge_peak_connection_in_flight",
            "gauge",
            "Most records one connection had in flight.",
            s.peak_connection_in_flight.to_string(),
        );
        metric(
            "producer_bridge_peak_connection_in_flight_bytes",
            "gauge",
            "Most record bytes one connection had in flight.",
            s.peak_connection_in_flight_bytes.to_string(),
        );

        let name = "producer_bridge_added_latency_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time a record spends in bridge code: frame read to librdkafka produce(), plus delivery report to frame flushed.\n# TYPE {name} summary"
        );
        for q in [0.5, 0.9, 0.99, 0.999] {
            let value = self
                .bridge_latency
                .quantile(q)
                .map_or(f64::NAN, |d| d.as_secs_f64());
            let _ = writeln!(out, "{name}{{quantile=\"{q}\"}} {value}");
        }
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.bridge_latency.sum().as_secs_f64()
        );
        let _ = writeln!(out, "{name}_count {}", self.bridge_latency.count());

        for (java, _) in ProducerMetrics::default().named() {
            let name = format!("kafka_producer_{}", java.replace('-', "_"));
            let _ = writeln!(
                out,
                "# HELP {name} Java producer metric {java}, from librdkafka statistics (see docs/bridge-protocol.md).\n# TYPE {name} gauge"
            );
            for (label, metrics) in producers {
                let value = metrics.as_ref().and_then(|m| {
                    m.named()
                        .into_iter()
                        .find(|(n, _)| *n == java)
                        .and_then(|(_, v)| v)
                });
                if let Some(value) = value {
                    let _ = writeln!(out, "{name}{{producer=\"{label}\"}} {value}");
                }
            }
        }
        out
    }
}

/// Raises `peak` to `value` if it is higher (reading first: the peak rarely moves).
pub fn raise(peak: &AtomicUsize, value: usize) {
    if value > peak.load(Relaxed) {
        peak.fetch_max(value, Relaxed);
    }
}

/// Sub-buckets per power of two: values are kept within 1/16 (6%).
const SUB_BUCKETS: u64 = 16;
/// Powers of two above the linear range: up to 2^36 µs, about 19 hours.
const OCTAVES: u64 = 33;
const BUCKETS: usize = (SUB_BUCKETS + OCTAVES * SUB_BUCKETS) as usize;

/// A lock-free log-linear histogram of durations in microseconds, recorded
/// from any thread.
#[derive(Debug)]
pub struct Histogram {
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    pub fn record(&self, value: Duration) {
        let us = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket_of(us)].fetch_add(1, Relaxed);
        self.count.fetch_add(1, Relaxed);
        self.sum_us.fetch_add(us, Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    /// Forgets every value recorded so far.
    pub fn reset(&self) {
        for bucket in self.buckets.iter() {
            bucket.store(0, Relaxed);
        }
        self.count.store(0, Relaxed);
        self.sum_us.store(0, Relaxed);
    }

    pub fn sum(&self) -> Duration {
        Duration::from_micros(self.sum_us.load(Relaxed))
    }

    /// The `q` quantile (0..=1), as the middle of its bucket; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, count) in counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let (low, width) = bucket_range(index);
                return Some(Duration::from_micros(low + width / 2));
            }
        }
        unreachable!("rank is at most the total")
    }
}

fn bucket_of(us: u64) -> usize {
    if us < SUB_BUCKETS {
        return us as usize;
    }
    let top_bit = 63 - u64::from(us.leading_zeros());
    let octave = (top_bit - SUB_BUCKETS.trailing_zeros() as u64).min(OCTAVES - 1);
    let sub = ((us >> octave) - SUB_BUCKETS).min(SUB_BUCKETS - 1);
    (SUB_BUCKETS + octave * SUB_BUCKETS + sub) as usize
}

/// Lowest value and width of a bucket.
fn bucket_range(index: usize) -> (u64, u64) {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return (index, 1);
    }
    let octave = (index - SUB_BUCKETS) / SUB_BUCKETS;
    let sub = (index - SUB_BUCKETS) % SUB_BUCKETS;
    ((SUB_BUCKETS + sub) << octave, 1 << octave)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_values_in_order_within_six_percent() {
        let mut last = 0;
        for us in (0..100_000).chain([1 << 30, (1 << 36) - 1]) {
            let index = bucket_of(us);
            assert!(index >= last, "bucket order at {us}");
            last = index;
            let (low, width) = bucket_range(index);
            assert!(
                low <= us && us < low + width,
                "{us} not in [{low}, +{width})"
            );
            assert!(width == 1 || width * 16 <= low, "bucket too wide at {us}");
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn quantiles() {
        let h = Histogram::default();
        assert_eq!(h.quantile(0.5), None);
        for us in 1..=1000 {
            h.record(Duration::from_micros(us));
        }
        let p50 = h.quantile(0.5).unwrap().as_micros() as f64;
        let p99 = h.quantile(0.99).unwrap().as_micros() as f64;
        assert!((p50 - 500.0).abs() <= 500.0 * 0.07, "{p50}");
        assert!((p99 - 990.0).abs() <= 990.0 * 0.07, "{p99}");
        assert_eq!(h.count(), 1000);
        assert_eq!(h.sum(), Duration::from_micros(500_500));
    }

    #[test]
    fn prometheus_text_names_every_counter_and_producer_metric() {
        let m = Metrics::default();
        m.records_sent.fetch_add(3, Relaxed);
        m.records_acked.fetch_add(2, Relaxed);
        m.records_reported.fetch_add(2, Relaxed);
        m.bridge_latency.record(Duration::from_micros(100));
        let producer = ProducerMetrics {
            record_send_rate: Some(12.5),
            ..ProducerMetrics::default()
        };
        let text = m.render(
            7,
            &[
                ("shared".into(), Some(producer)),
                ("connection-1".into(), None),
            ],
        );
        for line in [
            "producer_bridge_records_sent_total 3",
            "producer_bridge_records_acked_total 2",
            "producer_bridge_records_failed_total 0",
            "producer_bridge_records_in_flight 1",
            "producer_bridge_librdkafka_queued 7",
            "producer_bridge_producers 2",
            "producer_bridge_connections 0",
            "# TYPE producer_bridge_added_latency_seconds summary",
            "producer_bridge_added_latency_seconds_count 1",
            "kafka_producer_record_send_rate{producer=\"shared\"} 12.5",
            "# TYPE kafka_producer_requests_in_flight gauge",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
        assert!(
            !text.contains("kafka_producer_request_latency_avg{"),
            "None is not exported"
        );
    }
}
