//! The sweep: throughput and latency of the current workload across batch.size × linger.ms,
//! computed by the model point by point (the chart the tutorial only imagines).

use producer_sim::event::{Outcome, Trace};
use producer_sim::{Scenario, Simulation};

pub const BATCH_SIZES: [u64; 6] = [1024, 4096, 16384, 32768, 65536, 262144];
pub const LINGERS_MS: [u64; 6] = [0, 1, 5, 10, 20, 50];

/// One point of the sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    pub batch_size: u64,
    pub linger_ms: u64,
    /// Capacity: acknowledged records per second of model time when the application sends
    /// as fast as it can (1,000,000 `send()` calls a second) and then closes the producer.
    pub throughput: f64,
    /// Mean time from `send()` to the callback, in ms, at the workload's own rate.
    pub latency_ms: f64,
    /// At the workload's own rate.
    pub records_per_request: f64,
}

/// Offered load for the capacity run.
const FLAT_OUT: u32 = 1_000_000;

/// Measures one point: the capacity (flat-out sends) and the latency at the workload's rate.
pub fn run_point(
    base: &Scenario,
    batch_size: u64,
    linger_ms: u64,
    records: u64,
) -> Option<SweepPoint> {
    let at_rate = measure(base, batch_size, linger_ms, records, None)?;
    let flat_out = measure(base, batch_size, linger_ms, records, Some(FLAT_OUT))?;
    Some(SweepPoint {
        throughput: flat_out.throughput,
        ..at_rate
    })
}

/// Runs the scenario with `batch.size` and `linger.ms` set, without a trace, for `records`.
fn measure(
    base: &Scenario,
    batch_size: u64,
    linger_ms: u64,
    records: u64,
    rate: Option<u32>,
) -> Option<SweepPoint> {
    let mut s = base.clone();
    s.producer
        .insert("batch.size".into(), batch_size.to_string());
    s.producer.insert("linger.ms".into(), linger_ms.to_string());
    s.workload.records = records;
    s.workload.sync = false;
    s.faults.clear();
    if let Some(r) = rate {
        // A batch job: send flat out, then close(), so the last batches do not wait out linger.ms.
        s.workload.records_per_second = r;
        s.workload.on_finish = producer_sim::scenario::OnFinish::Close;
    }
    let mut sim = Simulation::with_trace(s, Trace::off()).ok()?;
    sim.run_to_completion(3_600_000_000);
    let rate = sim.scenario.workload.records_per_second as u64;
    let mut acked = 0u64;
    let mut latency_sum = 0u64;
    let mut last = 0u64;
    for d in &sim.deliveries {
        if let Outcome::Acked { .. } = d.outcome {
            acked += 1;
            let sent = d.record * 1_000_000 / rate;
            latency_sum += d.at_us.saturating_sub(sent);
            last = last.max(d.at_us);
        }
    }
    (acked > 0).then(|| SweepPoint {
        batch_size,
        linger_ms,
        throughput: acked as f64 / (last.max(1) as f64 / 1e6),
        latency_ms: latency_sum as f64 / acked as f64 / 1000.0,
        records_per_request: sim.metrics().records_per_request_avg.unwrap_or(0.0),
    })
}

/// The grid's points in the order they are computed.
pub fn grid() -> Vec<(u64, u64)> {
    BATCH_SIZES
        .iter()
        .flat_map(|b| LINGERS_MS.iter().map(move |l| (*b, *l)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use producer_sim::scenario::{KeyChoice, Workload};

    /// Bigger batches raise capacity: with 5 requests in flight per round trip, records per
    /// request set the ceiling.
    #[test]
    fn bigger_batches_raise_capacity() {
        let base = Scenario::default();
        let small = run_point(&base, 1024, 0, 3000).unwrap();
        let large = run_point(&base, 65536, 0, 3000).unwrap();
        assert!(
            large.throughput > 3.0 * small.throughput,
            "{small:?} vs {large:?}"
        );
    }

    /// Lingering trades latency for batching: at a high rate, linger.ms=20 carries more
    /// records per request than 0, and its records wait longer.
    #[test]
    fn linger_trades_latency_for_batching() {
        let base = Scenario {
            workload: Workload {
                records_per_second: 20_000,
                keys: KeyChoice::Pool { count: 3 },
                ..Workload::default()
            },
            ..Scenario::default()
        };
        let eager = run_point(&base, 16384, 0, 2000).unwrap();
        let patient = run_point(&base, 16384, 20, 2000).unwrap();
        assert!(
            patient.records_per_request > eager.records_per_request,
            "{eager:?} vs {patient:?}"
        );
        assert!(patient.latency_ms > eager.latency_ms);
        let tiny = run_point(&base, 1024, 0, 2000).unwrap();
        assert!(tiny.records_per_request <= eager.records_per_request);
    }
}
