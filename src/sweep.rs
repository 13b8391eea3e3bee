//! The sweep: throughput and latency of the current workload across batch.size × linger.ms,
//! computed by the model point by point (the chart the tutorial only imagines). A point's
//! runs can be worked on in slices ([`PointRun::work`]), so the page stays responsive.

use producer_sim::event::{Outcome, Trace};
use producer_sim::{Scenario, Simulation};

pub const BATCH_SIZES: [u64; 8] = [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
pub const LINGERS_MS: [u64; 8] = [0, 1, 2, 5, 10, 20, 50, 100];

/// Records per run of a point unless the learner asks for another number.
pub const DEFAULT_RECORDS: u64 = 5_000;
/// The most records per run the form accepts.
pub const MAX_RECORDS: u64 = 1_000_000;

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
/// Model time after which a run is abandoned (a run that never finishes).
const LIMIT_US: u64 = 3_600_000_000;
/// Steps between two reads of the clock.
const CHECK_EVERY: u32 = 256;

/// The number of records per run typed in the sweep's field, or the reason it is refused.
pub fn parse_records(text: &str) -> Result<u64, String> {
    let digits: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
    match digits.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_RECORDS).contains(&n) => Ok(n),
        _ => Err(format!(
            "records per point must be a whole number from 1 to {MAX_RECORDS}, not '{text}'"
        )),
    }
}

/// Measures one point: the capacity (flat-out sends) and the latency at the workload's rate.
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

/// A point being measured: first at the workload's rate, then flat out.
pub struct PointRun {
    base: Scenario,
    batch_size: u64,
    linger_ms: u64,
    records: u64,
    sim: Option<Simulation>,
    at_rate: Option<SweepPoint>,
}

impl PointRun {
    pub fn new(base: &Scenario, batch_size: u64, linger_ms: u64, records: u64) -> Self {
        let mut run = PointRun {
            base: base.clone(),
            batch_size,
            linger_ms,
            records,
            sim: None,
            at_rate: None,
        };
        run.sim = run.setup(None);
        run
    }

    /// The scenario with `batch.size` and `linger.ms` set, without a trace, for `records`.
    fn setup(&self, rate: Option<u32>) -> Option<Simulation> {
        let mut s = self.base.clone();
        s.producer
            .insert("batch.size".into(), self.batch_size.to_string());
        s.producer
            .insert("linger.ms".into(), self.linger_ms.to_string());
        s.workload.records = self.records;
        s.workload.sync = false;
        s.faults.clear();
        if let Some(r) = rate {
            // A batch job: send flat out, then close(), so the last batches do not wait out
            // linger.ms.
            s.workload.records_per_second = r;
            s.workload.on_finish = producer_sim::scenario::OnFinish::Close;
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
            while !sim.is_finished() && sim.next_event_at().is_some_and(|at| at <= LIMIT_US) {
                sim.step();
                steps += 1;
                if steps.is_multiple_of(CHECK_EVERY) && clock() - start >= budget_ms {
                    return None;
                }
            }
            let measured = self.measure();
            match self.at_rate {
                None => {
                    let Some(at_rate) = measured else {
                        return Some(None);
                    };
                    self.at_rate = Some(at_rate);
                    self.sim = self.setup(Some(FLAT_OUT));
                }
                Some(at_rate) => {
                    self.sim = None;
                    return Some(measured.map(|flat_out| SweepPoint {
                        throughput: flat_out.throughput,
                        ..at_rate
                    }));
                }
            }
            if clock() - start >= budget_ms {
                return None;
            }
        }
    }

    /// The finished run's figures.
    fn measure(&self) -> Option<SweepPoint> {
        let sim = self.sim.as_ref()?;
        let rate = u64::from(sim.scenario.workload.records_per_second);
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
            batch_size: self.batch_size,
            linger_ms: self.linger_ms,
            throughput: acked as f64 / (last.max(1) as f64 / 1e6),
            latency_ms: latency_sum as f64 / acked as f64 / 1000.0,
            records_per_request: sim.metrics().records_per_request_avg.unwrap_or(0.0),
        })
    }
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
