//! The sweep: throughput and latency of the current workload across batch.size × linger.ms,
//! computed by the model point by point (the chart the tutorial only imagines). Each point
//! has two runs, worked on in slices ([`PointRun::work`]) so the page stays responsive:
//!
//! - a **sample at the workload's own rate**: its first [`SAMPLE_US`] of model time (at most
//!   the records per point). Its mean send → callback latency shows what `linger.ms` costs a
//!   record at that rate, and its records per request what lingering buys;
//! - the **capacity** run: the records per point sent flat out, then `close()`, as
//!   `kafka-producer-perf-test --throughput -1` does: acknowledged records per second, the
//!   perf-test's mean and p99 send → callback latency (whole ms) and records per request.

use producer_sim::event::{Outcome, Trace};
use producer_sim::scenario::OnFinish;
use producer_sim::{Scenario, Simulation};

pub const BATCH_SIZES: [u64; 8] = [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
pub const LINGERS_MS: [u64; 8] = [0, 1, 2, 5, 10, 20, 50, 100];

/// Records per run of a point unless the learner asks for another number.
pub const DEFAULT_RECORDS: u64 = 5_000;
/// The most records per run the form accepts.
pub const MAX_RECORDS: u64 = 1_000_000;

/// Model time of the sample at the workload's rate: 5 s. That is 50 times the longest
/// `linger.ms` of the grid, and past the start (metadata, producer id) the sample is in steady
/// state: every batch waits out `linger.ms` or fills, as later ones would. Running the whole
/// records per point at 200 records/s (500 s of model time, 85% of the sweep's cost before)
/// adds events, not information.
pub const SAMPLE_US: u64 = 5_000_000;

/// One point of the sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    pub batch_size: u64,
    pub linger_ms: u64,
    /// Capacity: acknowledged records per second of model time when the application sends
    /// the records per point as fast as it can (1,000,000 `send()` calls a second) and then
    /// closes the producer.
    pub throughput: f64,
    /// The capacity run's mean `send()` → callback latency as perf-test reports it (each
    /// latency in whole ms), in ms.
    pub capacity_latency_avg_ms: f64,
    /// The capacity run's 99th percentile, perf-test's rule, in ms.
    pub capacity_latency_p99_ms: u64,
    /// The capacity run's records per request (`records-per-request-avg`).
    pub capacity_records_per_request: f64,
    /// Mean time from `send()` to the callback, in ms, in the sample at the workload's rate.
    pub latency_ms: f64,
    /// Records per request (`records-per-request-avg`) in the sample at the workload's rate.
    pub records_per_request: f64,
    /// Records in the sample at the workload's rate.
    pub sample_records: u64,
}

impl SweepPoint {
    /// The point as numbers, for a message from the sweep's Web Worker (every integer here
    /// is far below 2^53, so the round trip is exact).
    pub fn to_values(&self) -> [f64; 9] {
        [
            self.batch_size as f64,
            self.linger_ms as f64,
            self.throughput,
            self.capacity_latency_avg_ms,
            self.capacity_latency_p99_ms as f64,
            self.capacity_records_per_request,
            self.latency_ms,
            self.records_per_request,
            self.sample_records as f64,
        ]
    }

    /// The point back from [`SweepPoint::to_values`]; `None` for any other length.
    pub fn from_values(v: &[f64]) -> Option<SweepPoint> {
        let [b, l, t, cavg, cp99, crpr, lat, rpr, n] = *v else {
            return None;
        };
        Some(SweepPoint {
            batch_size: b as u64,
            linger_ms: l as u64,
            throughput: t,
            capacity_latency_avg_ms: cavg,
            capacity_latency_p99_ms: cp99 as u64,
            capacity_records_per_request: crpr,
            latency_ms: lat,
            records_per_request: rpr,
            sample_records: n as u64,
        })
    }
}

/// Offered load for the capacity run.
const FLAT_OUT: u32 = 1_000_000;
/// Model time after which a run is abandoned (a run that never finishes).
const LIMIT_US: u64 = 3_600_000_000;
/// Steps between two reads of the clock.
const CHECK_EVERY: u32 = 256;
/// Delivery reports the capacity run keeps (`Simulation::keep_callbacks`): its figures are
/// counted as the callbacks fire, and a short list stays in the processor's cache.
const CAPACITY_REPORTS_KEPT: usize = 1024;

/// Records in the sample at `rate` records/s: [`SAMPLE_US`] of model time, at most `records`.
pub fn sample_records(rate: u32, records: u64) -> u64 {
    (u64::from(rate) * SAMPLE_US / 1_000_000).clamp(1, records.max(1))
}

/// The number of records per run typed in the sweep's field, or the reason it is refused.
pub fn parse_records(text: &str) -> Result<u64, String> {
    let digits: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| check_records(n).ok())
        .ok_or_else(|| {
            format!(
                "records per point must be a whole number from 1 to {MAX_RECORDS}, not '{text}'"
            )
        })
}

/// `n` if the sweep accepts it as records per point (1 to [`MAX_RECORDS`]).
pub fn check_records(n: u64) -> Result<u64, String> {
    (1..=MAX_RECORDS)
        .contains(&n)
        .then_some(n)
        .ok_or_else(|| format!("records per point must be from 1 to {MAX_RECORDS}, not {n}"))
}

/// Measures one point: the latency sample at the workload's rate, then the capacity.
pub fn run_point(
    base: &Scenario,
    batch_size: u64,
    linger_ms: u64,
    records: u64,
) -> Option<SweepPoint> {
    let mut run = PointRun::new(base, batch_size, linger_ms, records);
    loop {
        if let Some(done) = run.work(f64::INFINITY, || 0.0) {
            return done;
        }
    }
}

/// The sample at the workload's rate: mean latency, records per request, records.
#[derive(Debug, Clone, Copy)]
struct Sample {
    latency_ms: f64,
    records_per_request: f64,
    records: u64,
}

/// A point being measured: first the sample at the workload's rate, then flat out.
pub struct PointRun {
    base: Scenario,
    batch_size: u64,
    linger_ms: u64,
    records: u64,
    sim: Option<Simulation>,
    sample: Option<Sample>,
    /// The capacity run's successful callbacks so far, and the time of the latest.
    acked: u64,
    last_acked_us: u64,
}

impl PointRun {
    pub fn new(base: &Scenario, batch_size: u64, linger_ms: u64, records: u64) -> Self {
        let mut run = PointRun {
            base: base.clone(),
            batch_size,
            linger_ms,
            records,
            sim: None,
            sample: None,
            acked: 0,
            last_acked_us: 0,
        };
        run.sim = run.setup(false);
        run
    }

    /// The scenario with `batch.size` and `linger.ms` set, without a trace or faults: the
    /// sample at the workload's rate, or the capacity run.
    fn setup(&self, capacity: bool) -> Option<Simulation> {
        let mut s = self.base.clone();
        s.producer
            .insert("batch.size".into(), self.batch_size.to_string());
        s.producer
            .insert("linger.ms".into(), self.linger_ms.to_string());
        s.workload.sync = false;
        s.faults.clear();
        if capacity {
            // A batch job: send flat out, then close(), so the last batches do not wait out
            // linger.ms.
            s.workload.records = self.records;
            s.workload.records_per_second = FLAT_OUT;
            s.workload.on_finish = OnFinish::Close;
            let mut sim = Simulation::with_trace(s, Trace::off()).ok()?;
            sim.keep_callbacks(CAPACITY_REPORTS_KEPT);
            return Some(sim);
        } else {
            // A service: it keeps running, so the sample's last batches linger like the others.
            s.workload.records = sample_records(s.workload.records_per_second, self.records);
            s.workload.on_finish = OnFinish::KeepRunning;
        }
        Simulation::with_trace(s, Trace::off()).ok()
    }

    /// Works for about `budget_ms` of `clock()`. `Some(result)` once the point is done
    /// (`None` inside: the point cannot run or acknowledged nothing).
    pub fn work(&mut self, budget_ms: f64, clock: impl Fn() -> f64) -> Option<Option<SweepPoint>> {
        let start = clock();
        loop {
            let Some(sim) = self.sim.as_mut() else {
                return Some(None);
            };
            let mut steps = 0u32;
            let capacity = self.sample.is_some();
            while !sim.is_finished() && sim.next_event_at().is_some_and(|at| at <= LIMIT_US) {
                sim.step();
                // perf-test's callback counts every success; those of one step fire at its time.
                let acked = sim.app.callback_latency.count();
                if capacity && acked != self.acked {
                    self.acked = acked;
                    self.last_acked_us = sim.now_us();
                }
                steps += 1;
                if steps.is_multiple_of(CHECK_EVERY) && clock() - start >= budget_ms {
                    return None;
                }
            }
            let sim = self.sim.take().expect("checked");
            match self.sample {
                None => {
                    let Some(sample) = measure_sample(&sim) else {
                        return Some(None);
                    };
                    self.sample = Some(sample);
                    self.sim = self.setup(true);
                }
                Some(sample) => return Some(self.measure_capacity(&sim, sample)),
            }
            if clock() - start >= budget_ms {
                return None;
            }
        }
    }

    /// The finished capacity run's figures, with the sample's.
    fn measure_capacity(&self, sim: &Simulation, sample: Sample) -> Option<SweepPoint> {
        let (acked, last) = (self.acked, self.last_acked_us);
        let m = sim.metrics();
        (acked > 0).then(|| SweepPoint {
            batch_size: self.batch_size,
            linger_ms: self.linger_ms,
            throughput: acked as f64 / (last.max(1) as f64 / 1e6),
            capacity_latency_avg_ms: m.callback_latency_avg.unwrap_or(0.0),
            capacity_latency_p99_ms: m.callback_latency_p99.unwrap_or(0),
            capacity_records_per_request: m.records_per_request_avg.unwrap_or(0.0),
            latency_ms: sample.latency_ms,
            records_per_request: sample.records_per_request,
            sample_records: sample.records,
        })
    }
}

/// The finished sample's mean send → callback latency (µs exact) and records per request.
fn measure_sample(sim: &Simulation) -> Option<Sample> {
    let (acked, latency_sum) = sim
        .deliveries
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Acked { .. }))
        .fold((0u64, 0u64), |(n, sum), d| {
            (n + 1, sum + d.at_us.saturating_sub(d.sent_at_us))
        });
    (acked > 0).then(|| Sample {
        latency_ms: latency_sum as f64 / acked as f64 / 1000.0,
        records_per_request: sim.metrics().records_per_request_avg.unwrap_or(0.0),
        records: sim.scenario.workload.records,
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
    use std::cell::Cell;

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
        assert!(large.capacity_records_per_request > 3.0 * small.capacity_records_per_request);
        // Flat out, small batches queue up behind 5 requests in flight: records wait longer.
        assert!(small.capacity_latency_avg_ms > large.capacity_latency_avg_ms);
        assert!(small.capacity_latency_p99_ms as f64 >= small.capacity_latency_avg_ms);
    }

    /// At the workload's own rate (200 records/s over 6 partitions), batches do not fill:
    /// each waits out linger.ms, and the sample's latency shows it.
    #[test]
    fn linger_shows_in_the_latency_at_the_workloads_rate() {
        let base = crate::form::FormState::default().to_scenario().unwrap();
        let eager = run_point(&base, 16384, 0, 20_000).unwrap();
        let patient = run_point(&base, 16384, 100, 20_000).unwrap();
        assert_eq!(eager.sample_records, 1000, "5 s at 200 records/s");
        assert!(
            patient.latency_ms > eager.latency_ms + 40.0,
            "{eager:?} vs {patient:?}"
        );
        assert!(patient.records_per_request > eager.records_per_request);
        // Flat out, batches fill before linger.ms runs out: capacity hardly depends on it.
        assert!(patient.throughput > 0.8 * eager.throughput);
    }

    /// The sample is 5 s of model time at the workload's rate, at most the records per point.
    #[test]
    fn the_sample_is_five_seconds_of_the_workload() {
        assert_eq!(sample_records(200, 100_000), 1000);
        assert_eq!(sample_records(200, 300), 300);
        assert_eq!(sample_records(20_000, 1_000_000), 100_000);
        assert_eq!(sample_records(1, 100_000), 5);
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

    /// Worked in many small slices, a point gives exactly what one go gives.
    #[test]
    fn slicing_does_not_change_a_point() {
        let base = Scenario::default();
        let whole = run_point(&base, 4096, 5, 2000);
        let mut run = PointRun::new(&base, 4096, 5, 2000);
        let t = Cell::new(0.0);
        let clock = || {
            t.set(t.get() + 1.0);
            t.get()
        };
        let mut slices = 0;
        let sliced = loop {
            slices += 1;
            if let Some(done) = run.work(2.0, clock) {
                break done;
            }
        };
        assert!(slices > 10, "the work was sliced ({slices} slices)");
        assert_eq!(sliced, whole);
        assert!(whole.is_some());
    }

    #[test]
    fn the_grid_is_eight_by_eight() {
        let g = grid();
        assert_eq!(g.len(), 64);
        assert_eq!(g[0], (1024, 0));
        assert_eq!(g[63], (131072, 100));
    }

    #[test]
    fn records_per_point_are_read_or_refused() {
        assert_eq!(parse_records("100000"), Ok(100_000));
        assert_eq!(parse_records(" 100,000 "), Ok(100_000));
        for bad in ["0", "-5", "x", "", "1e5", "2000000"] {
            assert!(parse_records(bad).is_err(), "{bad}");
        }
    }
}
