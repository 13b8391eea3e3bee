//! Live charts over model time of the producer's metrics, under Kafka's names. Each sample is
//! a reading of the model's `MetricsSnapshot` (read by its serde names, so new fields need no
//! change here). Small SVG, no library; the arithmetic is plain functions tested natively.

use std::collections::VecDeque;

use producer_sim::Simulation;
use yew::prelude::*;

/// Samples kept per chart: older ones scroll away.
pub const KEEP: usize = 120;

/// One chart: its id, title, unit, and the metrics (serde name, legend) drawn as lines.
pub struct ChartSpec {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: &'static str,
    pub lines: &'static [(&'static str, &'static str)],
    /// What the metric means, for the tooltip.
    pub help: &'static str,
}

/// The charts, in the order the grid shows them.
pub const CHARTS: &[ChartSpec] = &[
    ChartSpec {
        id: "chart-record-send-rate",
        title: "record-send-rate",
        unit: "/s",
        lines: &[("record-send-rate", "")],
        help: "Records drained into produce requests per second. Kafka's Rate divides by at least (metrics.num.samples − 1) × metrics.sample.window.ms, so it ramps up over the first 30 s",
    },
    ChartSpec {
        id: "chart-request-latency",
        title: "request-latency",
        unit: "ms",
        lines: &[
            ("request-latency-avg", "avg"),
            ("request-latency-max", "max"),
        ],
        help: "From a produce request's creation to its response, avg and max over the window",
    },
    ChartSpec {
        id: "chart-latency-percentiles",
        title: "send → callback latency",
        unit: "ms",
        lines: &[
            ("callback-latency-p50", "p50"),
            ("callback-latency-p95", "p95"),
            ("callback-latency-p99", "p99"),
        ],
        help: "Percentiles of send() to a successful callback, as kafka-producer-perf-test reports them",
    },
    ChartSpec {
        id: "chart-batch-size-avg",
        title: "batch-size-avg",
        unit: "B",
        lines: &[("batch-size-avg", "")],
        help: "Mean bytes per batch sent; compare with batch.size",
    },
    ChartSpec {
        id: "chart-records-per-request-avg",
        title: "records-per-request-avg",
        unit: "",
        lines: &[("records-per-request-avg", "")],
        help: "Mean records per produce request: how well the producer batches",
    },
    ChartSpec {
        id: "chart-compression-rate-avg",
        title: "compression-rate-avg",
        unit: "",
        lines: &[("compression-rate-avg", "")],
        help: "Compressed size / uncompressed size of batches (1.0 = no compression)",
    },
    ChartSpec {
        id: "chart-record-error-rate",
        title: "record-error-rate",
        unit: "/s",
        lines: &[("record-error-rate", "")],
        help: "Records per second whose send failed (the callback got an exception); a windowed Rate like record-send-rate",
    },
    ChartSpec {
        id: "chart-record-retry-rate",
        title: "record-retry-rate",
        unit: "/s",
        lines: &[("record-retry-rate", "")],
        help: "Records per second re-sent after a retriable error",
    },
    ChartSpec {
        id: "chart-buffer-available-bytes",
        title: "buffer-available-bytes",
        unit: "B",
        lines: &[("buffer-available-bytes", "")],
        help: "buffer.memory not used by batches; at 0, send() blocks up to max.block.ms",
    },
];

/// Every metric any chart draws, in chart order.
fn metric_names() -> impl Iterator<Item = &'static str> {
    CHARTS.iter().flat_map(|c| c.lines.iter().map(|(n, _)| *n))
}

/// Readings of the charted metrics over the whole run so far: one every `interval_us` of
/// model time; when more than [`KEEP`] pile up, every other one is dropped and the interval
/// doubles, so the charts always span the run from its start, whatever the playback speed.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Model time of each sample, µs.
    pub at_us: VecDeque<u64>,
    /// Per metric (in `metric_names` order), the value at each sample; `None` is Kafka's NaN.
    pub values: Vec<VecDeque<Option<f64>>>,
    interval_us: u64,
}

/// The first sampling interval: 10 ms of model time.
const FIRST_INTERVAL_US: u64 = 10_000;

impl Default for Series {
    fn default() -> Self {
        Series {
            at_us: VecDeque::new(),
            values: Vec::new(),
            interval_us: FIRST_INTERVAL_US,
        }
    }
}

impl Series {
    /// When the next reading is due.
    pub fn next_sample_at(&self) -> u64 {
        self.at_us
            .back()
            .map_or(self.interval_us, |t| t + self.interval_us)
    }

    /// Reads the model's metrics if a reading is due.
    pub fn sample(&mut self, sim: &Simulation) {
        let now = sim.now_us();
        if now < self.next_sample_at() {
            return;
        }
        let snapshot = serde_json::to_value(sim.metrics()).unwrap_or_default();
        self.push(now, &snapshot);
    }

    /// Runs the model to `target_us`, reading the metrics each time one is due on the way.
    pub fn run_until(&mut self, sim: &mut Simulation, target_us: u64) {
        while self.next_sample_at() <= target_us {
            sim.run_until(self.next_sample_at());
            self.sample(sim);
        }
        sim.run_until(target_us);
    }

    /// Adds one reading, taking each charted metric by its Kafka name.
    pub fn push(&mut self, at_us: u64, snapshot: &serde_json::Value) {
        if self.values.is_empty() {
            self.values = metric_names().map(|_| VecDeque::new()).collect();
        }
        self.at_us.push_back(at_us);
        for (slot, name) in self.values.iter_mut().zip(metric_names()) {
            slot.push_back(snapshot.get(name).and_then(serde_json::Value::as_f64));
        }
        if self.at_us.len() > KEEP {
            self.at_us = every_other(&self.at_us);
            self.values = self.values.iter().map(every_other).collect();
            self.interval_us *= 2;
        }
    }

    pub fn interval_us(&self) -> u64 {
        self.interval_us
    }

    pub fn len(&self) -> usize {
        self.at_us.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at_us.is_empty()
    }

    /// The values of one metric by its Kafka name.
    pub fn metric(&self, name: &str) -> Option<&VecDeque<Option<f64>>> {
        let i = metric_names().position(|n| n == name)?;
        self.values.get(i)
    }
}

/// Every other item, counted from the newest, which always stays.
fn every_other<T: Copy>(v: &VecDeque<T>) -> VecDeque<T> {
    let mut kept: VecDeque<T> = v.iter().rev().step_by(2).copied().collect();
    kept.make_contiguous().reverse();
    kept
}

/// The axis ceiling: the smallest 1, 2, 2.5 or 5 × 10ᵏ at or above `peak` (1 for nothing).
pub fn nice_ceiling(peak: f64) -> f64 {
    if !peak.is_finite() || peak <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(peak.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|c| *c >= peak * (1.0 - 1e-12))
        .unwrap_or(10.0 * magnitude)
}

/// A value for a label: whole numbers as they are, others with three significant digits, and
/// k and M for large numbers.
pub fn format_value(v: f64) -> String {
    let a = v.abs();
    let (x, suffix) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let ax = x.abs();
    let text = if ax == 0.0 || ax >= 100.0 || (suffix.is_empty() && x.fract() == 0.0) {
        format!("{x:.0}")
    } else if ax >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    format!("{text}{suffix}")
}

/// Plot coordinates for `values` taken at model times `at_us`, in a `w` × `h` box: time left
/// to right from the first sample to the last, `0..=max` bottom to top. One polyline per
/// unbroken run (a `None` is a gap).
pub fn polylines(at_us: &[u64], values: &[Option<f64>], w: f64, h: f64, max: f64) -> Vec<String> {
    let first = at_us.first().copied().unwrap_or(0);
    let span = at_us.last().map_or(0, |t| t - first).max(1) as f64;
    let mut lines = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for (t, v) in at_us.iter().zip(values) {
        match v {
            Some(v) => {
                let x = (t - first) as f64 / span * w;
                let y = h - (v / max).clamp(0.0, 1.0) * h;
                current.push(format!("{x:.1},{y:.1}"));
            }
            None if !current.is_empty() => lines.push(std::mem::take(&mut current).join(" ")),
            None => {}
        }
    }
    if !current.is_empty() {
        lines.push(current.join(" "));
    }
    lines
}

/// Model seconds as a short label.
fn seconds(us: u64) -> String {
    let s = us as f64 / 1e6;
    if s >= 100.0 {
        format!("{s:.0} s")
    } else if s >= 1.0 {
        format!("{s:.1} s")
    } else {
        format!("{:.0} ms", s * 1000.0)
    }
}

const W: f64 = 200.0;
const H: f64 = 60.0;

/// One chart of `spec` from `series`.
pub fn chart(spec: &ChartSpec, series: &Series) -> Html {
    let lines: Vec<(&str, Vec<Option<f64>>)> = spec
        .lines
        .iter()
        .map(|(name, label)| {
            let v = series
                .metric(name)
                .map(|v| v.iter().copied().collect())
                .unwrap_or_default();
            (*label, v)
        })
        .collect();
    let peak = lines
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .copied()
        .fold(0.0_f64, f64::max);
    let max = nice_ceiling(peak);
    let unit = spec.unit;
    let latest: Vec<String> = lines
        .iter()
        .map(|(label, v)| {
            let value = v
                .last()
                .copied()
                .flatten()
                .map_or("–".to_string(), |x| format!("{}{unit}", format_value(x)));
            if label.is_empty() {
                value
            } else {
                format!("{label} {value}")
            }
        })
        .collect();
    let now = latest.join(" · ");
    let times: Vec<u64> = series.at_us.iter().copied().collect();
    let (from, to) = (
        series.at_us.front().copied().unwrap_or(0),
        series.at_us.back().copied().unwrap_or(0),
    );
    html! {
        <figure class="chart" id={spec.id} title={spec.help}>
            <figcaption><b>{ spec.title }</b>
                <span class="now">{ for latest.iter().enumerate().map(|(i, text)| html! {
                    <>{ if i > 0 { " · " } else { "" } }<span class={format!("v{i}")}>{ text }</span></>
                }) }</span>
            </figcaption>
            <div class="plot">
                <span class="ymax">{ format!("{}{unit}", format_value(max)) }</span>
                <svg viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none" role="img"
                    aria-label={format!("{} over model time, now {now}", spec.title)}>
                    <line class="grid" x1="0" y1={(H / 2.0).to_string()} x2={W.to_string()} y2={(H / 2.0).to_string()} />
                    { for lines.iter().enumerate().flat_map(|(i, (_, v))| {
                        polylines(&times, v, W, H, max).into_iter().map(move |points| html! {
                            <polyline class={format!("line{i}")} {points} />
                        })
                    }) }
                </svg>
            </div>
            <div class="axis"><span>{ seconds(from) }</span><span>{ seconds(to) }</span></div>
        </figure>
    }
}

/// The grid of every chart.
pub fn grid(series: &Series) -> Html {
    if series.len() < 2 {
        return html! {};
    }
    html! {
        <section class="charts" id="charts" aria-label="Producer metrics over model time">
            { for CHARTS.iter().map(|c| chart(c, series)) }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use producer_sim::scenario::Workload;
    use producer_sim::{Scenario, Simulation};

    #[test]
    fn ceilings_are_round_and_never_below_the_peak() {
        for (peak, ceiling) in [
            (0.0, 1.0),
            (-3.0, 1.0),
            (f64::NAN, 1.0),
            (0.8, 1.0),
            (1.0, 1.0),
            (1.2, 2.0),
            (2.2, 2.5),
            (3.0, 5.0),
            (7.0, 10.0),
            (19_400.0, 20_000.0),
            (20_000.0, 20_000.0),
            (16_384.0, 20_000.0),
            (0.031, 0.05),
        ] {
            let c = nice_ceiling(peak);
            assert!(
                (c - ceiling).abs() < 1e-9 * ceiling,
                "{peak} → {c}, want {ceiling}"
            );
        }
    }

    #[test]
    fn values_read_with_three_digits_and_a_suffix() {
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(1.5), "1.50");
        assert_eq!(format_value(12.345), "12.3");
        assert_eq!(format_value(512.4), "512");
        assert_eq!(format_value(9_999.0), "9999");
        assert_eq!(format_value(20_000.0), "20.0k");
        assert_eq!(format_value(16_384.0), "16.4k");
        assert_eq!(format_value(33_554_432.0), "33.6M");
    }

    #[test]
    fn polylines_map_values_to_the_box_and_break_at_gaps() {
        let at = [1000, 2000, 3000, 4000, 5000];
        let lines = polylines(
            &at,
            &[Some(0.0), Some(5.0), None, Some(10.0), Some(20.0)],
            100.0,
            50.0,
            10.0,
        );
        // x: 1 ms to 5 ms across 0..100; y: 0 at the bottom (50), max at the top (0), clamped.
        assert_eq!(lines, vec!["0.0,50.0 25.0,25.0", "75.0,0.0 100.0,0.0"]);
        // Uneven sampling stays true to time.
        let uneven = polylines(&[0, 9000, 10000], &[Some(1.0); 3], 100.0, 50.0, 2.0);
        assert_eq!(uneven, vec!["0.0,25.0 90.0,25.0 100.0,25.0"]);
        assert!(polylines(&[1, 2], &[None, None], 100.0, 50.0, 1.0).is_empty());
        assert_eq!(
            polylines(&[7], &[Some(1.0)], 100.0, 50.0, 2.0),
            vec!["0.0,25.0"]
        );
    }

    #[test]
    fn a_series_keeps_each_metric_by_name_and_thins_out_to_span_the_run() {
        let mut s = Series::default();
        while s.len() < KEEP {
            let t = s.next_sample_at();
            s.push(
                t,
                &serde_json::json!({ "record-send-rate": t as f64, "request-latency-avg": null }),
            );
        }
        assert_eq!(s.at_us.front(), Some(&FIRST_INTERVAL_US));
        assert_eq!(s.interval_us(), FIRST_INTERVAL_US);
        // One more: every other reading goes, the interval doubles, the span stays the run's.
        let t = s.next_sample_at();
        s.push(t, &serde_json::json!({ "record-send-rate": t as f64 }));
        assert_eq!(s.len(), KEEP / 2 + 1);
        assert_eq!(s.interval_us(), 2 * FIRST_INTERVAL_US);
        assert_eq!(
            s.at_us.front(),
            Some(&FIRST_INTERVAL_US),
            "the run from its start"
        );
        assert_eq!(s.at_us.back(), Some(&t), "the newest reading stays");
        assert!(
            s.at_us
                .iter()
                .zip(s.at_us.iter().skip(1))
                .all(|(a, b)| b - a == 2 * FIRST_INTERVAL_US)
        );
        let rate = s.metric("record-send-rate").unwrap();
        assert_eq!(
            rate.back(),
            Some(&Some(t as f64)),
            "values follow their times"
        );
        assert_eq!(rate.front(), Some(&Some(FIRST_INTERVAL_US as f64)));
        assert_eq!(s.metric("request-latency-avg").unwrap().back(), Some(&None));
        assert_eq!(
            s.metric("batch-size-avg").unwrap().back(),
            Some(&None),
            "absent is NaN"
        );
        assert!(s.metric("no-such-metric").is_none());
    }

    /// Sampling on the way to a moment gives the same run as going there at once.
    #[test]
    fn sampling_on_the_way_does_not_change_the_run() {
        let mut sampled = Simulation::new(Scenario::default(), false).unwrap();
        let mut series = Series::default();
        series.run_until(&mut sampled, 150_000);
        let mut direct = Simulation::new(Scenario::default(), false).unwrap();
        direct.run_until(150_000);
        assert_eq!(sampled.trace.hash(), direct.trace.hash());
        assert_eq!(series.len(), 15, "one reading per 10 ms");
    }

    /// Every charted name is a field of the model's snapshot (catches a renamed metric).
    #[test]
    fn every_charted_metric_is_in_the_models_snapshot() {
        let mut sim = Simulation::new(Scenario::default(), false).unwrap();
        sim.run_until(100_000);
        let snapshot = serde_json::to_value(sim.metrics()).unwrap();
        for name in metric_names() {
            assert!(
                snapshot.get(name).is_some(),
                "{name} is not in MetricsSnapshot"
            );
        }
    }

    /// Past Kafka's 2 × 30 s window the windowed rate settles at the offered load.
    #[test]
    fn the_send_rate_follows_the_workload() {
        let sc = Scenario {
            producer: [("linger.ms".to_string(), "0".to_string())].into(),
            workload: Workload {
                records: 1_000_000,
                records_per_second: 500,
                ..Workload::default()
            },
            ..Scenario::default()
        };
        let mut sim = Simulation::new(sc, false).unwrap();
        let mut series = Series::default();
        series.run_until(&mut sim, 80_000_000);
        let len = series.len();
        series.sample(&sim); // not due again at the same moment
        assert_eq!(series.len(), len);
        assert!(len <= KEEP);
        let last_at = *series.at_us.back().unwrap();
        assert!(
            80_000_000 - last_at < series.interval_us(),
            "up to now: {last_at}"
        );
        assert!(
            series.at_us.front().is_some_and(|t| *t < 1_000_000),
            "the run from its start"
        );
        let last = |name: &str| series.metric(name).unwrap().back().copied().flatten();
        let rate = last("record-send-rate").unwrap();
        assert!(
            (rate - 500.0).abs() < 10.0,
            "500 records/s in, about 500/s sent: {rate}"
        );
        // The reading is the model's own at that moment.
        let mut again = Simulation::new(sim.scenario.clone(), false).unwrap();
        again.run_until(last_at);
        assert_eq!(rate, again.metrics().record_send_rate);
        assert_eq!(
            last("callback-latency-p50"),
            Some(2.0),
            "one round trip of 2 × 1 ms, linger 0"
        );
        assert_eq!(last("record-error-rate"), Some(0.0));
    }
}
