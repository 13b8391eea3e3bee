//! The producer's metrics under Kafka's names (group `producer-metrics`), recorded where the
//! Java producer records them: send rate, batch size and queue time at drain (again on every
//! retry), request latency when a response arrives, errors and retries per record.
//!
//! Source: apache/kafka `Sender.SenderMetrics.updateProduceRequestMetrics`, `SenderMetricsRegistry`,
//! `RecordAccumulator.registerMetrics`; the spec's errata A, H and I.
//!
//! Model simplification: averages and rates cover the whole run, not Kafka's
//! `metrics.num.samples` × `metrics.sample.window.ms` windows. Batches are not compressed in
//! the model, so `compression-rate-avg` is 1.0 (errata A: the 61-byte header is excluded).

use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct SenderMetrics {
    records_sent: u64,
    requests: u64,
    batches: u64,
    batch_bytes: u64,
    batch_bytes_max: u64,
    queue_time_us: u64,
    queue_time_max_us: u64,
    latency_us: u64,
    latency_max_us: u64,
    responses: u64,
    record_errors: u64,
    record_retries: u64,
}

/// A reading of the metrics, serialised under Kafka's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    #[serde(rename = "record-send-total")]
    pub record_send_total: u64,
    #[serde(rename = "record-send-rate")]
    pub record_send_rate: f64,
    #[serde(rename = "records-per-request-avg")]
    pub records_per_request_avg: Option<f64>,
    #[serde(rename = "batch-size-avg")]
    pub batch_size_avg: Option<f64>,
    #[serde(rename = "batch-size-max")]
    pub batch_size_max: Option<u64>,
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
    #[serde(rename = "compression-rate-avg")]
    pub compression_rate_avg: Option<f64>,
    #[serde(rename = "buffer-available-bytes")]
    pub buffer_available_bytes: u64,
    #[serde(rename = "buffer-total-bytes")]
    pub buffer_total_bytes: u64,
    #[serde(rename = "requests-in-flight")]
    pub requests_in_flight: u64,
}

impl SenderMetrics {
    /// One drained batch (`updateProduceRequestMetrics`), sizes in bytes, times in µs.
    pub fn record_batch(&mut self, records: usize, bytes: usize, queue_time_us: u64) {
        self.records_sent += records as u64;
        self.batches += 1;
        self.batch_bytes += bytes as u64;
        self.batch_bytes_max = self.batch_bytes_max.max(bytes as u64);
        self.queue_time_us += queue_time_us;
        self.queue_time_max_us = self.queue_time_max_us.max(queue_time_us);
    }

    pub fn record_request(&mut self) {
        self.requests += 1;
    }

    /// A response with a body: latency from the request's creation (errata I).
    pub fn record_latency(&mut self, latency_us: u64) {
        self.responses += 1;
        self.latency_us += latency_us;
        self.latency_max_us = self.latency_max_us.max(latency_us);
    }

    pub fn record_errors(&mut self, records: usize) {
        self.record_errors += records as u64;
    }

    pub fn record_retries(&mut self, records: usize) {
        self.record_retries += records as u64;
    }

    pub fn snapshot(
        &self,
        now_us: u64,
        buffer_available: u64,
        buffer_total: u64,
        in_flight: usize,
    ) -> MetricsSnapshot {
        let secs = (now_us as f64 / 1e6).max(1e-6);
        let avg = |sum: u64, n: u64| (n > 0).then(|| sum as f64 / n as f64);
        let ms = |us: Option<f64>| us.map(|v| v / 1000.0);
        MetricsSnapshot {
            record_send_total: self.records_sent,
            record_send_rate: self.records_sent as f64 / secs,
            records_per_request_avg: avg(self.records_sent, self.requests),
            batch_size_avg: avg(self.batch_bytes, self.batches),
            batch_size_max: (self.batches > 0).then_some(self.batch_bytes_max),
            record_queue_time_avg: ms(avg(self.queue_time_us, self.batches)),
            record_queue_time_max: (self.batches > 0)
                .then(|| self.queue_time_max_us as f64 / 1000.0),
            request_latency_avg: ms(avg(self.latency_us, self.responses)),
            request_latency_max: (self.responses > 0).then(|| self.latency_max_us as f64 / 1000.0),
            record_error_total: self.record_errors,
            record_error_rate: self.record_errors as f64 / secs,
            record_retry_total: self.record_retries,
            record_retry_rate: self.record_retries as f64 / secs,
            compression_rate_avg: (self.batches > 0).then_some(1.0),
            buffer_available_bytes: buffer_available,
            buffer_total_bytes: buffer_total,
            requests_in_flight: in_flight as u64,
        }
    }
}
