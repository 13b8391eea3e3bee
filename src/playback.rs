//! Playback pacing: how much model work one animation tick may do, so the page keeps drawing
//! frames at any speed, and when a tick is too busy to animate each record.

use producer_sim::Simulation;

/// Wall-clock milliseconds of model work one tick may use; the rest of the frame budget is
/// rendering. At high speed the model then falls behind the chosen speed instead of
/// freezing the page.
pub const TICK_BUDGET_MS: f64 = 15.0;

/// More records than this in one tick: nobody can follow them one by one, so new elements
/// skip their entry animation (animating hundreds of elements costs frames).
pub const ANIMATE_MAX_RECORDS: u64 = 40;

/// Steps between two reads of the clock.
const CHECK_EVERY: u32 = 128;

/// What one tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickOutcome {
    /// `send()` calls the tick covered.
    pub records: u64,
    /// The budget ran out before `target_us`: the model is behind the chosen speed.
    pub behind: bool,
}

/// Runs the model toward `target_us` for at most `budget_ms` of `clock()` (ms). Reaching the
/// target sets the clock to it, as `run_until` does; running out leaves the model at its
/// last event.
pub fn run_within(
    sim: &mut Simulation,
    target_us: u64,
    budget_ms: f64,
    clock: impl Fn() -> f64,
) -> TickOutcome {
    let start = clock();
    let before = sim.records_sent();
    let mut steps = 0u32;
    let mut behind = false;
    while !sim.is_finished() && sim.next_event_at().is_some_and(|at| at <= target_us) {
        if !sim.step() {
            break;
        }
        steps += 1;
        if steps.is_multiple_of(CHECK_EVERY) && clock() - start >= budget_ms {
            behind = sim.next_event_at().is_some_and(|at| at <= target_us) && !sim.is_finished();
            break;
        }
    }
    if !behind {
        sim.run_until(target_us);
    }
    TickOutcome {
        records: sim.records_sent() - before,
        behind,
    }
}

/// As [`run_within`], reading the charts' metrics each time one is due on the way, so the
/// charts do not depend on how much model time a tick covers.
pub fn run_within_sampling(
    sim: &mut Simulation,
    series: &mut crate::charts::Series,
    target_us: u64,
    budget_ms: f64,
    clock: impl Fn() -> f64,
) -> TickOutcome {
    let start = clock();
    let before = sim.records_sent();
    loop {
        let stop = series.next_sample_at().min(target_us);
        let left = budget_ms - (clock() - start);
        let out = run_within(sim, stop, left, &clock);
        if !out.behind {
            series.sample(sim);
        }
        if out.behind || stop >= target_us {
            return TickOutcome {
                records: sim.records_sent() - before,
                behind: out.behind,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use producer_sim::Scenario;
    use producer_sim::scenario::Workload;
    use std::cell::Cell;

    fn busy() -> Simulation {
        let sc = Scenario {
            workload: Workload {
                records: 1_000_000,
                records_per_second: 20_000,
                ..Workload::default()
            },
            ..Scenario::default()
        };
        Simulation::new(sc, false).unwrap()
    }

    #[test]
    fn a_tick_reads_the_metrics_whenever_due_however_long_it_is() {
        let mut sim = busy();
        let mut series = crate::charts::Series::default();
        let out = run_within_sampling(&mut sim, &mut series, 55_000, 1e9, || 0.0);
        assert!(!out.behind);
        assert_eq!(sim.now_us(), 55_000);
        let at: Vec<u64> = series.at_us.iter().copied().collect();
        assert_eq!(at, [10_000, 20_000, 30_000, 40_000, 50_000]);
    }

    #[test]
    fn with_time_to_spare_a_tick_reaches_its_target() {
        let mut sim = busy();
        let out = run_within(&mut sim, 50_000, 1e9, || 0.0);
        assert_eq!(sim.now_us(), 50_000);
        assert!(!out.behind);
        // 20,000 records/s for 50 ms, the first at t = 0.
        assert_eq!(out.records, 1001);
    }

    /// A clock that moves 1 ms per read: the tick stops after the budget and stays behind.
    #[test]
    fn a_tick_out_of_budget_stops_early_and_says_so() {
        let mut sim = busy();
        let t = Cell::new(0.0);
        let clock = || {
            t.set(t.get() + 1.0);
            t.get()
        };
        let out = run_within(&mut sim, 10_000_000, 5.0, clock);
        assert!(out.behind);
        assert!(sim.now_us() < 10_000_000, "stopped short: {}", sim.now_us());
        assert!(out.records > 0 && out.records < 200_000, "{out:?}");
        // The same run reaches the same state however the work is sliced.
        let mut whole = busy();
        for s in [&mut sim, &mut whole] {
            s.run_until(2_000_000);
        }
        assert_eq!(whole.records_sent(), sim.records_sent());
        assert_eq!(whole.trace.hash(), sim.trace.hash());
    }
}
