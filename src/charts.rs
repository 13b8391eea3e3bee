//! Live charts over model time: acknowledged records per second and send-to-callback
//! latency, sampled from the model's callbacks as the run advances. Small SVG, no library.

use producer_sim::Simulation;
use producer_sim::event::Outcome;
use yew::prelude::*;

/// Samples kept per chart: older ones scroll away.
const KEEP: usize = 120;

/// One sample: the window's end (µs), acked records per second, mean latency (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at_us: u64,
    pub acked_per_s: f64,
    pub latency_ms: Option<f64>,
}

/// Folds the callbacks since the last sample into one sample per call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub samples: Vec<Sample>,
    seen: usize,
    last_us: u64,
}

impl Series {
    pub fn sample(&mut self, sim: &Simulation) {
        let now = sim.now_us();
        if now <= self.last_us {
            return;
        }
        let fresh = &sim.deliveries[self.seen.min(sim.deliveries.len())..];
        let (mut acked, mut latency_sum) = (0u64, 0u64);
        for d in fresh {
            if let Outcome::Acked { .. } = d.outcome {
                acked += 1;
                latency_sum += d.at_us.saturating_sub(d.sent_at_us);
            }
        }
        let window_s = (now - self.last_us) as f64 / 1e6;
        self.samples.push(Sample {
            at_us: now,
            acked_per_s: acked as f64 / window_s,
            latency_ms: (acked > 0).then(|| latency_sum as f64 / acked as f64 / 1000.0),
        });
        if self.samples.len() > KEEP {
            self.samples.remove(0);
        }
        self.seen = sim.deliveries.len();
        self.last_us = now;
    }
}

/// A small line chart of `values` with its latest value and maximum.
pub fn line_chart(id: &str, title: &str, unit: &str, values: &[Option<f64>]) -> Html {
    let (w, h) = (360.0, 90.0);
    let peak = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    let max = (peak * 1.25).max(1e-9); // headroom above the line
    let n = values.len().max(2) as f64 - 1.0;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.map(|v| {
                format!(
                    "{:.1},{:.1}",
                    i as f64 / n * w,
                    h - v / max * (h - 6.0) - 3.0
                )
            })
        })
        .collect();
    let last = values.iter().rev().flatten().next().copied();
    html! {
        <figure class="chart" id={id.to_string()}>
            <figcaption>
                <b>{ title }</b>
                { format!(" · now {} · max {:.1} {unit}", last.map_or("–".to_string(), |v| format!("{v:.1} {unit}")), peak) }
            </figcaption>
            <svg viewBox={format!("0 0 {w} {h}")} preserveAspectRatio="none" role="img" aria-label={title.to_string()}>
                <polyline points={points.join(" ")} />
            </svg>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use producer_sim::scenario::Workload;
    use producer_sim::{Scenario, Simulation};

    #[test]
    fn samples_follow_the_callbacks() {
        let sc = Scenario {
            producer: [
                ("acks".to_string(), "1".to_string()),
                ("linger.ms".to_string(), "0".to_string()),
            ]
            .into(),
            workload: Workload {
                records: 1000,
                records_per_second: 1000,
                ..Workload::default()
            },
            ..Scenario::default()
        };
        let mut sim = Simulation::new(sc, false).unwrap();
        let mut series = Series::default();
        for t in 1..=5 {
            sim.run_until(t * 100_000);
            series.sample(&sim);
        }
        assert_eq!(series.samples.len(), 5);
        let steady = series.samples[2];
        assert!(
            (steady.acked_per_s - 1000.0).abs() < 20.0,
            "1,000 records/s in, about 1,000/s acked: {steady:?}"
        );
        assert_eq!(
            steady.latency_ms,
            Some(2.0),
            "one round trip with linger 0 and acks=1"
        );
    }
}
