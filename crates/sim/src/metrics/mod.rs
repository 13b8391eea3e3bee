//! Measurement as Kafka does it: windowed statistics from `org.apache.kafka.common.metrics`
//! ([`stats`]) and the sampled latency percentiles `kafka-producer-perf-test` prints
//! ([`percentiles`]). Time comes in as the model's virtual clock; nothing here reads a clock.
//!
//! Kafka's metrics read a millisecond clock (`Time.milliseconds()`), so every timestamp and
//! duration here is the virtual µs clock floored to whole milliseconds.

pub mod percentiles;
pub mod stats;

/// The model's µs clock as Kafka's `time.milliseconds()`.
pub fn millis(now_us: u64) -> i64 {
    (now_us / 1000) as i64
}
