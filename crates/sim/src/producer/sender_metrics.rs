//! The producer's metrics under Kafka's names (group `producer-metrics`), recorded where the
//! Java producer records them and computed with Kafka's windowed stats ([`crate::metrics`]):
//! `metrics.num.samples` windows of `metrics.sample.window.ms` (2 × 30 s; the librdkafka
//! profile has no such keys and uses Kafka's defaults).
//!
//! Source: apache/kafka `Sender.SenderMetrics` (`updateProduceRequestMetrics` per drain, again
//! on every retry; `recordLatency` per response with a body; `recordRetries`, `recordErrors`,
//! `recordBatchSplit`), `SenderMetricsRegistry`, `KafkaProducer.doSend` (a failed `send()`
//! records into the same `errors` sensor), `Selector.SelectorMetrics` (`request-rate`, one
//! event per request sent), `BufferPool` (`bufferpool-wait-time`, `buffer-exhausted-records`),
//! `RecordAccumulator.registerMetrics`; the spec's errata A, H and I.
//!
//! `compression-rate-avg` averages each drained batch's ratio from `close()`: compressed bytes
//! after the 61-byte header over the uncompressed records, so 1.0 uncompressed (errata A).
//!
//! Model notes: a blocked `send()` records its whole wait when it ends; Kafka records each
//! wake-up's share.
//! Percentiles are not Kafka metrics: they follow `kafka-producer-perf-test`
//! ([`crate::metrics::percentiles`]); request latencies are all kept (one entry per distinct
//! ms value, bounded by `request.timeout.ms`).

use serde::Serialize;

use super::producer_batch::ProducerBatch;
use super::producer_config::ProducerConfig;
use crate::metrics::millis;
use crate::metrics::percentiles::SampledLatencies;
use crate::metrics::stats::{Kind, Meter, MetricConfig, SampledStat, TimeUnit};

#[derive(Debug, Clone)]
pub struct SenderMetrics {
    config: MetricConfig,
    batch_size_avg: SampledStat,
    batch_size_max: SampledStat,
    compression_rate_avg: SampledStat,
    queue_time_avg: SampledStat,
    queue_time_max: SampledStat,
    request_latency_avg: SampledStat,
    request_latency_max: SampledStat,
    /// The `records-per-request` sensor: `record-send` Meter and `records-per-request-avg`.
    record_send: Meter,
    records_per_request_avg: SampledStat,
    record_retry: Meter,
    record_error: Meter,
    record_size_avg: SampledStat,
    record_size_max: SampledStat,
    batch_split: Meter,
    /// Selector `requests-sent`: a `WindowedCount` Meter.
    request: Meter,
    /// BufferPool `bufferpool-wait-time`: ns waited, a Rate per ns and a total.
    bufferpool_wait: Meter,
    buffer_exhausted: Meter,
    request_latencies: SampledLatencies,
}

/// The buffer pool as `RecordAccumulator.registerMetrics` reads it.
#[derive(Debug, Clone, Copy)]
pub struct BufferReading {
    pub available: u64,
    pub total: u64,
    pub waiting_threads: u64,
}

/// A reading of the metrics, serialised under Kafka's names. `None` is Kafka's NaN (an
/// average or maximum with no sample in the window).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    #[serde(rename = "record-send-total")]
    pub record_send_total: u64,
    #[serde(rename = "record-send-rate")]
    pub record_send_rate: f64,
    #[serde(rename = "records-per-request-avg")]
    pub records_per_request_avg: Option<f64>,
    #[serde(rename = "request-total")]
    pub request_total: u64,
    #[serde(rename = "request-rate")]
    pub request_rate: f64,
    #[serde(rename = "batch-size-avg")]
    pub batch_size_avg: Option<f64>,
    #[serde(rename = "batch-size-max")]
    pub batch_size_max: Option<u64>,
    #[serde(rename = "record-size-avg")]
    pub record_size_avg: Option<f64>,
    #[serde(rename = "record-size-max")]
    pub record_size_max: Option<f64>,
    #[serde(rename = "record-queue-time-avg")]
    pub record_queue_time_avg: Option<f64>,
    #[serde(rename = "record-queue-time-max")]
    pub record_queue_time_max: Option<f64>,
    #[serde(rename = "request-latency-avg")]
    pub request_latency_avg: Option<f64>,
    #[serde(rename = "request-latency-max")]
    pub request_latency_max: Option<f64>,
    #[serde(rename = "record-error-total")]
    pub record_error_total: u64,
    #[serde(rename = "record-error-rate")]
    pub record_error_rate: f64,
    #[serde(rename = "record-retry-total")]
    pub record_retry_total: u64,
    #[serde(rename = "record-retry-rate")]
    pub record_retry_rate: f64,
    #[serde(rename = "batch-split-total")]
    pub batch_split_total: u64,
    #[serde(rename = "batch-split-rate")]
    pub batch_split_rate: f64,
    #[serde(rename = "compression-rate-avg")]
    pub compression_rate_avg: Option<f64>,
    #[serde(rename = "buffer-available-bytes")]
    pub buffer_available_bytes: u64,
    #[serde(rename = "buffer-total-bytes")]
    pub buffer_total_bytes: u64,
    #[serde(rename = "waiting-threads")]
    pub waiting_threads: u64,
    #[serde(rename = "bufferpool-wait-ratio")]
    pub bufferpool_wait_ratio: f64,
    #[serde(rename = "bufferpool-wait-time-ns-total")]
    pub bufferpool_wait_time_ns_total: u64,
    #[serde(rename = "buffer-exhausted-total")]
    pub buffer_exhausted_total: u64,
    #[serde(rename = "buffer-exhausted-rate")]
    pub buffer_exhausted_rate: f64,
    #[serde(rename = "requests-in-flight")]
    pub requests_in_flight: u64,
    /// perf-test's rule over every response so far, in ms.
    #[serde(rename = "request-latency-p50")]
    pub request_latency_p50: Option<u64>,
    #[serde(rename = "request-latency-p95")]
    pub request_latency_p95: Option<u64>,
    #[serde(rename = "request-latency-p99")]
    pub request_latency_p99: Option<u64>,
    #[serde(rename = "request-latency-p99.9")]
    pub request_latency_p99_9: Option<u64>,
    /// `send()` to a successful callback, as kafka-producer-perf-test reports it, in ms.
    #[serde(rename = "callback-latency-avg")]
    pub callback_latency_avg: Option<f64>,
    #[serde(rename = "callback-latency-max")]
    pub callback_latency_max: Option<u64>,
    #[serde(rename = "callback-latency-p50")]
    pub callback_latency_p50: Option<u64>,
    #[serde(rename = "callback-latency-p95")]
    pub callback_latency_p95: Option<u64>,
    #[serde(rename = "callback-latency-p99")]
    pub callback_latency_p99: Option<u64>,
    #[serde(rename = "callback-latency-p99.9")]
    pub callback_latency_p99_9: Option<u64>,
}

impl Default for SenderMetrics {
    fn default() -> Self {
        SenderMetrics::with_config(MetricConfig::default())
    }
}

impl SenderMetrics {
    /// Windows from `metrics.sample.window.ms` / `metrics.num.samples`.
    pub fn new(config: &ProducerConfig) -> Self {
        let d = MetricConfig::default();
        SenderMetrics::with_config(MetricConfig {
            samples: config.metrics_num_samples.unwrap_or(d.samples),
            time_window_ms: config
                .metrics_sample_window_ms
                .map_or(d.time_window_ms, |w| w.min(i64::MAX as u64) as i64),
        })
    }

    pub fn with_config(config: MetricConfig) -> Self {
        SenderMetrics {
            config,
            batch_size_avg: SampledStat::new(Kind::Avg),
            batch_size_max: SampledStat::new(Kind::Max),
            compression_rate_avg: SampledStat::new(Kind::Avg),
            queue_time_avg: SampledStat::new(Kind::Avg),
            queue_time_max: SampledStat::new(Kind::Max),
            request_latency_avg: SampledStat::new(Kind::Avg),
            request_latency_max: SampledStat::new(Kind::Max),
            record_send: Meter::sum(),
            records_per_request_avg: SampledStat::new(Kind::Avg),
            record_retry: Meter::sum(),
            record_error: Meter::sum(),
            record_size_avg: SampledStat::new(Kind::Avg),
            record_size_max: SampledStat::new(Kind::Max),
            batch_split: Meter::sum(),
            request: Meter::count(),
            bufferpool_wait: Meter::new(TimeUnit::Nanoseconds, Kind::Sum),
            buffer_exhausted: Meter::sum(),
            request_latencies: SampledLatencies::new(1),
        }
    }

    /// `updateProduceRequestMetrics` for one node's drained batches (possibly none: Kafka
    /// records 0 records for a ready node that yielded nothing). Per batch: its size, queue
    /// time `drainedMs − createdMs`, compression ratio and largest record's upper bound.
    pub fn update_produce_request_metrics<'a>(
        &mut self,
        now_us: u64,
        batches: impl IntoIterator<Item = &'a ProducerBatch>,
    ) {
        let (c, now) = (self.config, millis(now_us));
        let mut records = 0;
        for batch in batches {
            let size = batch.size_in_bytes as f64;
            self.batch_size_avg.record(&c, size, now);
            self.batch_size_max.record(&c, size, now);
            let queue_ms = (now - millis(batch.created_us)) as f64;
            self.queue_time_avg.record(&c, queue_ms, now);
            self.queue_time_max.record(&c, queue_ms, now);
            let ratio = batch.compression_ratio.map_or(1.0, f64::from);
            self.compression_rate_avg.record(&c, ratio, now);
            let max_record = batch.records.largest_upper_bound() as f64;
            self.record_size_max.record(&c, max_record, now);
            self.record_size_avg.record(&c, max_record, now);
            records += batch.record_count();
        }
        self.record_send.record(&c, records as f64, now);
        self.records_per_request_avg.record(&c, records as f64, now);
    }

    /// A request written to a connection (produce, metadata or InitProducerId).
    pub fn record_request(&mut self, now_us: u64) {
        self.request.record(&self.config, 1.0, millis(now_us));
    }

    /// A response with a body: `receivedTimeMs − createdTimeMs` (errata I).
    pub fn record_latency(&mut self, created_us: u64, now_us: u64) {
        let now = millis(now_us);
        let latency = now - millis(created_us);
        self.request_latency_avg
            .record(&self.config, latency as f64, now);
        self.request_latency_max
            .record(&self.config, latency as f64, now);
        self.request_latencies.record(latency as u64);
    }

    /// Records that ended in failure: a failed batch, or one failed `send()`.
    pub fn record_errors(&mut self, now_us: u64, records: usize) {
        self.record_error
            .record(&self.config, records as f64, millis(now_us));
    }

    /// Records of a batch re-enqueued for retry.
    pub fn record_retries(&mut self, now_us: u64, records: usize) {
        self.record_retry
            .record(&self.config, records as f64, millis(now_us));
    }

    /// A batch split after MESSAGE_TOO_LARGE (`recordBatchSplit`).
    pub fn record_batch_split(&mut self, now_us: u64) {
        self.batch_split.record(&self.config, 1.0, millis(now_us));
    }

    /// `BufferPool.recordWaitTime`: a `send()` blocked for memory from `since_us` to now.
    pub fn record_buffer_wait(&mut self, since_us: u64, now_us: u64) {
        let ns = now_us.saturating_sub(since_us) as f64 * 1000.0;
        self.bufferpool_wait
            .record(&self.config, ns, millis(now_us));
    }

    /// A `send()` failed with BufferExhaustedException (`buffer-exhausted-records`).
    pub fn record_buffer_exhausted(&mut self, now_us: u64) {
        self.buffer_exhausted
            .record(&self.config, 1.0, millis(now_us));
    }

    /// Every metric as a reader sees it at `now_us`. `callbacks` holds the application's
    /// send-to-callback latencies.
    pub fn snapshot(
        &self,
        now_us: u64,
        buffer: BufferReading,
        in_flight: usize,
        callbacks: &SampledLatencies,
    ) -> MetricsSnapshot {
        let (c, now) = (&self.config, millis(now_us));
        let [rq50, rq95, rq99, rq999] = self.request_latencies.perf_test_percentiles();
        let [cb50, cb95, cb99, cb999] = callbacks.perf_test_percentiles();
        MetricsSnapshot {
            record_send_total: self.record_send.total() as u64,
            record_send_rate: self.record_send.rate(c, now),
            records_per_request_avg: self.records_per_request_avg.value(c, now),
            request_total: self.request.total() as u64,
            request_rate: self.request.rate(c, now),
            batch_size_avg: self.batch_size_avg.value(c, now),
            batch_size_max: self.batch_size_max.value(c, now).map(|v| v as u64),
            record_size_avg: self.record_size_avg.value(c, now),
            record_size_max: self.record_size_max.value(c, now),
            record_queue_time_avg: self.queue_time_avg.value(c, now),
            record_queue_time_max: self.queue_time_max.value(c, now),
            request_latency_avg: self.request_latency_avg.value(c, now),
            request_latency_max: self.request_latency_max.value(c, now),
            record_error_total: self.record_error.total() as u64,
            record_error_rate: self.record_error.rate(c, now),
            record_retry_total: self.record_retry.total() as u64,
            record_retry_rate: self.record_retry.rate(c, now),
            batch_split_total: self.batch_split.total() as u64,
            batch_split_rate: self.batch_split.rate(c, now),
            compression_rate_avg: self.compression_rate_avg.value(c, now),
            buffer_available_bytes: buffer.available,
            buffer_total_bytes: buffer.total,
            waiting_threads: buffer.waiting_threads,
            bufferpool_wait_ratio: self.bufferpool_wait.rate(c, now),
            bufferpool_wait_time_ns_total: self.bufferpool_wait.total() as u64,
            buffer_exhausted_total: self.buffer_exhausted.total() as u64,
            buffer_exhausted_rate: self.buffer_exhausted.rate(c, now),
            requests_in_flight: in_flight as u64,
            request_latency_p50: rq50,
            request_latency_p95: rq95,
            request_latency_p99: rq99,
            request_latency_p99_9: rq999,
            callback_latency_avg: callbacks.avg(),
            callback_latency_max: callbacks.max(),
            callback_latency_p50: cb50,
            callback_latency_p95: cb95,
            callback_latency_p99: cb99,
            callback_latency_p99_9: cb999,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::producer::producer_batch::SerializedRecord;

    fn batch(created_us: u64, values: &[usize]) -> ProducerBatch {
        let mut b = ProducerBatch::new(0, 0, 1 << 20, created_us);
        for (i, &n) in values.iter().enumerate() {
            let record = SerializedRecord {
                id: i as u64,
                key: None,
                value: Some(vec![b'x'; n]),
                headers: std::rc::Rc::from([]),
                timestamp_ms: (created_us / 1000) as i64,
                sent_us: created_us,
            };
            b.try_append(record.view()).unwrap();
        }
        b
    }

    fn empty() -> BufferReading {
        BufferReading {
            available: 0,
            total: 0,
            waiting_threads: 0,
        }
    }

    /// Drains at 5 s and 40 s with 2 × 30 s windows. At 40 s both count (the first sample's
    /// event is 35 s old, under 60 s) and the rate's window runs from the first sample's start:
    /// 35 s. At 70 s the first is purged; the window starts at the second sample (40 s) and
    /// is 30 s, one full window.
    #[test]
    fn drains_fall_out_of_the_window() {
        let mut m = SenderMetrics::default();
        let a = batch(0, &[10, 10, 10]);
        m.update_produce_request_metrics(5_000_000, [&a]);
        let b = batch(39_000_000, &[100]);
        m.update_produce_request_metrics(40_000_000, [&b]);
        let s = m.snapshot(40_000_000, empty(), 0, &SampledLatencies::new(1));
        assert_eq!(s.record_send_total, 4);
        assert!((s.record_send_rate - 4.0 / 35.0).abs() < 1e-12);
        assert_eq!(s.records_per_request_avg, Some(2.0));
        assert_eq!(
            s.record_queue_time_avg,
            Some(3000.0),
            "(5000 + 1000) / 2 ms"
        );
        assert_eq!(s.record_queue_time_max, Some(5000.0));
        let s = m.snapshot(70_000_000, empty(), 0, &SampledLatencies::new(1));
        assert_eq!(s.record_send_total, 4, "totals are cumulative");
        assert!((s.record_send_rate - 1.0 / 30.0).abs() < 1e-12);
        assert_eq!(s.records_per_request_avg, Some(1.0));
        assert_eq!(s.record_queue_time_max, Some(1000.0));
        assert_eq!(s.batch_size_max, Some(b.size_in_bytes as u64));
        // 61 + 21 + null key (1) + value (varint 2 + 100) + no headers (1) = 186.
        assert_eq!(s.record_size_max, Some(186.0));
    }

    /// A ready node that drained nothing still records 0 records per request.
    #[test]
    fn an_empty_drain_counts_as_a_request_of_zero_records() {
        let mut m = SenderMetrics::default();
        let a = batch(0, &[1, 1]);
        m.update_produce_request_metrics(0, [&a]);
        m.update_produce_request_metrics(0, []);
        let s = m.snapshot(0, empty(), 0, &SampledLatencies::new(1));
        assert_eq!(s.records_per_request_avg, Some(1.0));
        assert_eq!(s.batch_size_avg, Some(a.size_in_bytes as f64));
    }

    /// `compression-rate-avg` averages the batches' ratios from `close()`; an unclosed batch
    /// counts as uncompressed (1.0).
    #[test]
    fn compression_rate_averages_batch_ratios() {
        let mut m = SenderMetrics::default();
        let mut a = batch(0, &[10]);
        a.compression_ratio = Some(0.5);
        let b = batch(0, &[10]);
        m.update_produce_request_metrics(0, [&a, &b]);
        let s = m.snapshot(0, empty(), 0, &SampledLatencies::new(1));
        assert_eq!(s.compression_rate_avg, Some(0.75));
    }

    /// Latency uses the millisecond clock: 0.9 ms → 1.2 ms reads as 1 ms.
    #[test]
    fn latency_is_read_from_a_millisecond_clock() {
        let mut m = SenderMetrics::default();
        m.record_latency(900, 1_200);
        m.record_latency(0, 5_000);
        let s = m.snapshot(5_000, empty(), 0, &SampledLatencies::new(1));
        assert_eq!(s.request_latency_avg, Some(3.0));
        assert_eq!(s.request_latency_max, Some(5.0));
        assert_eq!(s.request_latency_p50, Some(5), "index (int)(0.5 × 2) = 1");
    }

    /// The buffer-wait ratio is ns blocked per ns of window: 15 s blocked in a 30 s window.
    #[test]
    fn bufferpool_wait_ratio_and_total() {
        let mut m = SenderMetrics::default();
        m.record_buffer_wait(0, 15_000_000);
        m.record_buffer_exhausted(15_000_000);
        let s = m.snapshot(45_000_000, empty(), 0, &SampledLatencies::new(1));
        assert_eq!(s.bufferpool_wait_time_ns_total, 15_000_000_000);
        assert!((s.bufferpool_wait_ratio - 0.5).abs() < 1e-12);
        assert_eq!(s.buffer_exhausted_total, 1);
        assert!((s.buffer_exhausted_rate - 1.0 / 30.0).abs() < 1e-12);
    }

    /// The windows come from the producer config.
    #[test]
    fn windows_come_from_the_config() {
        let props = [
            ("metrics.sample.window.ms", "1000"),
            ("metrics.num.samples", "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let config =
            ProducerConfig::from_props(crate::producer::producer_config::Profile::Kafka4, &props)
                .unwrap();
        let mut m = SenderMetrics::new(&config);
        m.record_retries(0, 6);
        let s = m.snapshot(500_000, empty(), 0, &SampledLatencies::new(1));
        // 0.5 s elapsed, 2 windows added: 6 / 2.5 s.
        assert!((s.record_retry_rate - 6.0 / 2.5).abs() < 1e-12);
    }
}
