//! librdkafka's statistics, renamed to the Java producer's metrics.
//!
//! Rule: each Java metric (producer-semantics §8) is computed from the
//! librdkafka counter that records the same event; where librdkafka records
//! something close but not the same, the doc comment of the field says what
//! differs. Rates and averages cover one statistics interval (Java's cover
//! `metrics.sample.window.ms` × `metrics.num.samples`, 30 s × 2). A metric
//! with no sample in the interval is `None`, as Java's would be NaN.
//!
//! | Java metric | from librdkafka |
//! |---|---|
//! | `record-send-rate`, `-total` | `txmsgs`: records put into a ProduceRequest (Java records at drain, the same moment) |
//! | `record-error-rate`, `-total` | the bridge's count of failed delivery reports of this producer |
//! | `record-retry-rate` | brokers' `txretries`: **requests** retried per second (librdkafka counts no records) |
//! | `request-latency-avg`, `-max` | brokers' `rtt` window (all request types, not only Produce), µs → ms |
//! | `batch-size-avg` | topics' `batchsize` window: MessageSet bytes after compression, with the 61-byte header, as Java |
//! | `records-per-request-avg` | topics' `batchcnt` window: librdkafka sends one partition's batch per ProduceRequest |
//! | `compression-rate-avg` | (Σ`batchsize` − 61 per batch) ÷ Δ`txmsg_bytes`; the divisor counts key and value bytes only, so an uncompressed batch scores a little above Java's 1.0 |
//! | `record-queue-time-avg`, `-max` | brokers' `int_latency` window: produce() to ProduceRequest (Java: batch creation to drain), µs → ms |
//! | `produce-throttle-time-avg`, `-max` | brokers' `throttle` window (ms) |
//! | `buffer-total-bytes` | `msg_size_max` (`queue.buffering.max.kbytes`, mapped from `buffer.memory`) |
//! | `buffer-available-bytes` | `msg_size_max` − `msg_size` |
//! | `requests-in-flight` | Σ brokers' `waitresp_cnt` |

use producer_wire::ProducerMetrics;
use rdkafka::statistics::{Statistics, Window};

/// Size of a v2 RecordBatch header (`DefaultRecordBatch.RECORD_BATCH_OVERHEAD`).
const RECORD_BATCH_OVERHEAD: i64 = 61;

/// The running totals a rate is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// librdkafka's monotonic clock, µs.
    ts_us: i64,
    txmsgs: i64,
    txmsg_bytes: i64,
    retries: u64,
    errors: u64,
}

/// Java metrics from one statistics report; `prev` is the previous report's
/// totals (`None` for the first, which then covers the client's whole life).
/// `errors` is the bridge's count of this producer's failed deliveries.
/// Returns the metrics, the interval they cover in ms, and the totals to pass next time.
pub fn java_metrics(
    stats: &Statistics,
    prev: Option<Totals>,
    errors: u64,
) -> (ProducerMetrics, f64, Totals) {
    let totals = Totals {
        ts_us: stats.ts,
        txmsgs: stats.txmsgs,
        txmsg_bytes: stats.txmsg_bytes,
        retries: stats.brokers.values().map(|b| b.txretries).sum(),
        errors,
    };
    let prev = prev.unwrap_or(Totals {
        ts_us: stats.ts - stats.age,
        ..Totals::default()
    });
    let window_us = (totals.ts_us - prev.ts_us).max(1) as f64;
    let per_second = |delta: f64| Some(delta * 1e6 / window_us);

    let brokers = || stats.brokers.values();
    let rtt = merge(brokers().filter_map(|b| b.rtt.as_ref()));
    let queue_time = merge(brokers().filter_map(|b| b.int_latency.as_ref()));
    let throttle = merge(brokers().filter_map(|b| b.throttle.as_ref()));
    let batch_size = merge(stats.topics.values().map(|t| &t.batchsize));
    let batch_count = merge(stats.topics.values().map(|t| &t.batchcnt));
    let us_to_ms = |us: f64| us / 1000.0;

    let payload = (totals.txmsg_bytes - prev.txmsg_bytes) as f64;
    let compressed = batch_size.map(|w| (w.sum - RECORD_BATCH_OVERHEAD * w.cnt) as f64);
    let compression_rate = match compressed {
        Some(compressed) if payload > 0.0 && compressed >= 0.0 => Some(compressed / payload),
        _ => None,
    };
    let buffer_total = stats.msg_size_max as f64;

    let metrics = ProducerMetrics {
        record_send_rate: per_second((totals.txmsgs - prev.txmsgs) as f64),
        record_send_total: Some(totals.txmsgs as f64),
        record_error_rate: per_second(totals.errors.saturating_sub(prev.errors) as f64),
        record_error_total: Some(totals.errors as f64),
        record_retry_rate: per_second(totals.retries.saturating_sub(prev.retries) as f64),
        request_latency_avg: rtt.map(|w| us_to_ms(w.avg())),
        request_latency_max: rtt.map(|w| us_to_ms(w.max as f64)),
        batch_size_avg: batch_size.map(|w| w.avg()),
        records_per_request_avg: batch_count.map(|w| w.avg()),
        compression_rate_avg: compression_rate,
        record_queue_time_avg: queue_time.map(|w| us_to_ms(w.avg())),
        record_queue_time_max: queue_time.map(|w| us_to_ms(w.max as f64)),
        produce_throttle_time_avg: throttle.map(|w| w.avg()),
        produce_throttle_time_max: throttle.map(|w| w.max as f64),
        buffer_available_bytes: Some((buffer_total - stats.msg_size as f64).max(0.0)),
        buffer_total_bytes: Some(buffer_total),
        requests_in_flight: Some(brokers().map(|b| b.waitresp_cnt).sum::<i64>() as f64),
    };
    (metrics, window_us / 1000.0, totals)
}

/// Several windows of the same interval, merged: their sums, counts and max.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Merged {
    sum: i64,
    cnt: i64,
    max: i64,
}

impl Merged {
    fn avg(&self) -> f64 {
        self.sum as f64 / self.cnt as f64
    }
}

/// `None` when no window has a sample.
fn merge<'a>(windows: impl Iterator<Item = &'a Window>) -> Option<Merged> {
    windows
        .filter(|w| w.cnt > 0)
        .map(|w| Merged {
            sum: w.sum,
            cnt: w.cnt,
            max: w.max,
        })
        .reduce(|a, b| Merged {
            sum: a.sum + b.sum,
            cnt: a.cnt + b.cnt,
            max: a.max.max(b.max),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::statistics::{Broker, Topic};

    fn window(values: &[i64]) -> Window {
        Window {
            min: values.iter().copied().min().unwrap_or(0),
            max: values.iter().copied().max().unwrap_or(0),
            sum: values.iter().sum(),
            cnt: values.len() as i64,
            avg: 0, // librdkafka's own (integer) average is not used
            ..Window::default()
        }
    }

    fn stats(
        ts: i64,
        txmsgs: i64,
        txmsg_bytes: i64,
        batches: &[i64],
        counts: &[i64],
    ) -> Statistics {
        let broker = Broker {
            rtt: Some(window(&[2_000, 4_000])),
            int_latency: Some(window(&[500])),
            throttle: Some(window(&[0, 0])),
            waitresp_cnt: 3,
            txretries: 2,
            ..Broker::default()
        };
        let idle = Broker {
            rtt: Some(window(&[])),
            ..Broker::default()
        };
        let topic = Topic {
            batchsize: window(batches),
            batchcnt: window(counts),
            ..Topic::default()
        };
        Statistics {
            ts,
            age: 2_000_000,
            txmsgs,
            txmsg_bytes,
            msg_size: 1_000,
            msg_size_max: 33_554_432,
            brokers: [("b1".into(), broker), ("bootstrap".into(), idle)].into(),
            topics: [("demo".into(), topic)].into(),
            ..Statistics::default()
        }
    }

    #[test]
    fn first_report_covers_the_client_life_then_each_interval() {
        let s = stats(10_000_000, 500, 10_000, &[1_061, 2_061], &[100, 200]);
        let (m, window_ms, totals) = java_metrics(&s, None, 1);
        assert_eq!(window_ms, 2_000.0);
        assert_eq!(m.record_send_rate, Some(250.0));
        assert_eq!(m.record_send_total, Some(500.0));
        assert_eq!(m.record_error_rate, Some(0.5));
        assert_eq!(m.record_retry_rate, Some(1.0));
        assert_eq!(m.request_latency_avg, Some(3.0));
        assert_eq!(m.request_latency_max, Some(4.0));
        assert_eq!(m.batch_size_avg, Some(1_561.0));
        assert_eq!(m.records_per_request_avg, Some(150.0));
        assert_eq!(m.compression_rate_avg, Some(3_000.0 / 10_000.0));
        assert_eq!(m.record_queue_time_avg, Some(0.5));
        assert_eq!(m.produce_throttle_time_max, Some(0.0));
        assert_eq!(m.buffer_total_bytes, Some(33_554_432.0));
        assert_eq!(m.buffer_available_bytes, Some(33_553_432.0));
        assert_eq!(m.requests_in_flight, Some(3.0));

        let s = stats(11_000_000, 1_500, 30_000, &[], &[]);
        let (m, window_ms, _) = java_metrics(&s, Some(totals), 1);
        assert_eq!(window_ms, 1_000.0);
        assert_eq!(m.record_send_rate, Some(1_000.0));
        assert_eq!(m.record_error_rate, Some(0.0));
        assert_eq!(m.batch_size_avg, None, "no batch in the interval");
        assert_eq!(m.compression_rate_avg, None);
    }
}
