//! Kafka's windowed statistics.
//!
//! Source: apache/kafka `common/metrics/stats/{SampledStat, Avg, Max, WindowedSum,
//! WindowedCount, Rate, Meter, CumulativeSum}.java`, `MetricConfig`, `MetricsUtils.convert`.
//!
//! - A [`SampledStat`] keeps at most `samples + 1` samples; the extra one is the sample that
//!   overlaps the start of the monitored window. `record` adds to the current sample; once
//!   that sample is complete (`now − start ≥ window`), the next slot is reset and used.
//! - Reading first purges obsolete samples, those whose last event is `≥ samples × window`
//!   ago. Avg is Σvalue ÷ Σevents and Max the largest value; both are NaN (here `None`) when
//!   no event is left.
//! - [`Rate`] is the windowed sum over the window size: the time since the oldest sample
//!   started, counted as at least `samples − 1` full windows plus the current part, and at
//!   least 1 ms.
//! - [`Meter`] is a Rate plus a `CumulativeSum` total that is never purged.
//!
//! Reading has no side effect here. In Kafka `measure` resets the purged samples to start at
//! the time of reading (and gives an empty stat its first sample), so how often a reporter
//! polls can move later window boundaries; the model reads as if nobody had read before.

/// `metrics.num.samples` × `metrics.sample.window.ms` (`MetricConfig`; `eventWindow` is
/// unbounded for producer metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricConfig {
    pub samples: u32,
    pub time_window_ms: i64,
}

impl Default for MetricConfig {
    /// Kafka's defaults: 2 samples of 30 s.
    fn default() -> Self {
        MetricConfig {
            samples: 2,
            time_window_ms: 30_000,
        }
    }
}

impl MetricConfig {
    /// `purgeObsoleteSamples`: samples × window.
    fn expire_age(&self) -> i64 {
        i64::from(self.samples).saturating_mul(self.time_window_ms)
    }
}

/// What a sampled stat keeps per sample and how the samples combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `WindowedSum`: adds the values.
    Sum,
    /// `WindowedCount`: adds 1 per event.
    Count,
    /// `Avg`: Σvalue ÷ Σevents.
    Avg,
    /// `Max`: the largest value.
    Max,
}

impl Kind {
    fn initial(self) -> f64 {
        match self {
            Kind::Max => f64::NEG_INFINITY,
            _ => 0.0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    value: f64,
    event_count: u64,
    start_ms: i64,
    last_event_ms: i64,
}

impl Sample {
    fn new(initial: f64, now_ms: i64) -> Self {
        Sample {
            value: initial,
            event_count: 0,
            start_ms: now_ms,
            last_event_ms: now_ms,
        }
    }
}

/// `SampledStat` with the combining rule of its `Kind`.
#[derive(Debug, Clone)]
pub struct SampledStat {
    kind: Kind,
    samples: Vec<Sample>,
    current: usize,
}

impl SampledStat {
    pub fn new(kind: Kind) -> Self {
        SampledStat {
            kind,
            samples: Vec::new(),
            current: 0,
        }
    }

    /// `SampledStat.record`: into the current sample, or the next one once it is complete.
    pub fn record(&mut self, config: &MetricConfig, value: f64, now_ms: i64) {
        let initial = self.kind.initial();
        if self.samples.is_empty() {
            self.samples.push(Sample::new(initial, now_ms));
        }
        if now_ms - self.samples[self.current].start_ms >= config.time_window_ms {
            // `advance`: samples + 1 slots used round-robin.
            self.current = (self.current + 1) % (config.samples as usize + 1);
            if self.current >= self.samples.len() {
                self.current = self.samples.len();
                self.samples.push(Sample::new(initial, now_ms));
            } else {
                self.samples[self.current] = Sample::new(initial, now_ms);
            }
        }
        let s = &mut self.samples[self.current];
        match self.kind {
            Kind::Sum | Kind::Avg => s.value += value,
            Kind::Count => s.value += 1.0,
            Kind::Max => s.value = s.value.max(value),
        }
        s.event_count += 1;
        s.last_event_ms = now_ms;
    }

    /// The samples as `purgeObsoleteSamples` leaves them at `now_ms`.
    fn live(&self, config: &MetricConfig, now_ms: i64) -> impl Iterator<Item = Sample> + '_ {
        let (initial, expire) = (self.kind.initial(), config.expire_age());
        self.samples.iter().map(move |s| {
            if now_ms - s.last_event_ms >= expire {
                Sample::new(initial, now_ms)
            } else {
                *s
            }
        })
    }

    /// `measure`: Kafka's value, NaN for an Avg or Max without events.
    pub fn measure(&self, config: &MetricConfig, now_ms: i64) -> f64 {
        let (mut total, mut events, mut max) = (0.0, 0u64, f64::NEG_INFINITY);
        for s in self.live(config, now_ms) {
            total += s.value;
            events += s.event_count;
            max = max.max(s.value);
        }
        match self.kind {
            Kind::Sum | Kind::Count => total,
            Kind::Avg if events == 0 => f64::NAN,
            Kind::Avg => total / events as f64,
            Kind::Max if events == 0 => f64::NAN,
            Kind::Max => max,
        }
    }

    /// `measure`, with NaN as `None`.
    pub fn value(&self, config: &MetricConfig, now_ms: i64) -> Option<f64> {
        Some(self.measure(config, now_ms)).filter(|v| !v.is_nan())
    }

    /// `oldest(now)`: the earliest start among the live samples (`now` when there are none).
    fn oldest_start(&self, config: &MetricConfig, now_ms: i64) -> i64 {
        self.live(config, now_ms)
            .map(|s| s.start_ms)
            .min()
            .unwrap_or(now_ms)
    }
}

/// The unit a [`Rate`] is per (`TimeUnit`, converted by `MetricsUtils.convert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Nanoseconds,
}

impl TimeUnit {
    fn convert(self, ms: i64) -> f64 {
        match self {
            TimeUnit::Seconds => ms as f64 / 1000.0,
            TimeUnit::Nanoseconds => ms as f64 * 1000.0 * 1000.0,
        }
    }
}

/// `Rate` over a `WindowedSum` or `WindowedCount`.
#[derive(Debug, Clone)]
pub struct Rate {
    unit: TimeUnit,
    stat: SampledStat,
}

impl Rate {
    pub fn new(unit: TimeUnit, kind: Kind) -> Self {
        debug_assert!(matches!(kind, Kind::Sum | Kind::Count));
        Rate {
            unit,
            stat: SampledStat::new(kind),
        }
    }

    pub fn record(&mut self, config: &MetricConfig, value: f64, now_ms: i64) {
        self.stat.record(config, value, now_ms);
    }

    /// The windowed sum per unit of [`Rate::window_size`].
    pub fn measure(&self, config: &MetricConfig, now_ms: i64) -> f64 {
        self.stat.measure(config, now_ms) / self.unit.convert(self.window_size(config, now_ms))
    }

    /// `Rate.windowSize` in ms: time since the oldest live sample started, raised to
    /// `samples − 1` full windows plus the elapsed part of the last, and at least 1 ms.
    /// (With a 0 ms window Kafka divides by zero; here no windows are added.)
    pub fn window_size(&self, config: &MetricConfig, now_ms: i64) -> i64 {
        let window = config.time_window_ms;
        let mut elapsed = now_ms - self.stat.oldest_start(config, now_ms);
        let full = if window > 0 {
            elapsed / window
        } else {
            i64::MAX
        };
        let min_full = i64::from(config.samples) - 1;
        if full < min_full {
            elapsed += (min_full - full) * window;
        }
        elapsed.max(1)
    }
}

/// `Meter`: a [`Rate`] and a `CumulativeSum` total (1 per event over a `WindowedCount`).
#[derive(Debug, Clone)]
pub struct Meter {
    rate: Rate,
    total: f64,
}

impl Meter {
    /// `new Meter(rate, total)`: a rate per second of the recorded values.
    pub fn sum() -> Self {
        Meter::new(TimeUnit::Seconds, Kind::Sum)
    }

    /// A rate per second of events (`new Meter(new WindowedCount(), …)`).
    pub fn count() -> Self {
        Meter::new(TimeUnit::Seconds, Kind::Count)
    }

    pub fn new(unit: TimeUnit, kind: Kind) -> Self {
        Meter {
            rate: Rate::new(unit, kind),
            total: 0.0,
        }
    }

    pub fn record(&mut self, config: &MetricConfig, value: f64, now_ms: i64) {
        self.rate.record(config, value, now_ms);
        self.total += if self.rate.stat.kind == Kind::Count {
            1.0
        } else {
            value
        };
    }

    pub fn rate(&self, config: &MetricConfig, now_ms: i64) -> f64 {
        self.rate.measure(config, now_ms)
    }

    pub fn total(&self) -> f64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-9;

    fn cfg(samples: u32, window_ms: i64) -> MetricConfig {
        MetricConfig {
            samples,
            time_window_ms: window_ms,
        }
    }

    /// By hand from `SampledStat`/`Rate` (2 windows of 1 s): 10 at 0 ms and 20 at 500 ms share
    /// the first sample; 5 at 1200 ms opens a second. At 2500 ms the first sample's last event
    /// is 2000 ms old, so it is purged and only the second remains.
    #[test]
    fn rate_avg_and_max_follow_the_windows_by_hand() {
        let c = cfg(2, 1000);
        let (mut rate, mut avg, mut max) = (
            Rate::new(TimeUnit::Seconds, Kind::Sum),
            SampledStat::new(Kind::Avg),
            SampledStat::new(Kind::Max),
        );
        for (v, t) in [(10.0, 0), (20.0, 500)] {
            rate.record(&c, v, t);
            avg.record(&c, v, t);
            max.record(&c, v, t);
        }
        // 500 ms elapsed < 1 full window: one window is added → 30 / 1.5 s.
        assert_eq!(rate.window_size(&c, 500), 1500);
        assert!((rate.measure(&c, 500) - 20.0).abs() < EPS);
        // 1000 ms elapsed = 1 full window: nothing added → 30 / 1 s.
        assert!((rate.measure(&c, 1000) - 30.0).abs() < EPS);
        assert_eq!(avg.value(&c, 1000), Some(15.0));
        assert_eq!(max.value(&c, 1000), Some(20.0));

        rate.record(&c, 5.0, 1200);
        avg.record(&c, 5.0, 1200);
        max.record(&c, 5.0, 1200);
        assert!((rate.measure(&c, 1500) - 35.0 / 1.5).abs() < EPS);
        assert!((avg.value(&c, 1500).unwrap() - 35.0 / 3.0).abs() < EPS);
        // At 2500 ms: sample 1 (last event 500 ms) is purged; sample 2 started at 1200 ms.
        assert_eq!(rate.window_size(&c, 2500), 1300);
        assert!((rate.measure(&c, 2500) - 5.0 / 1.3).abs() < EPS);
        assert_eq!(avg.value(&c, 2500), Some(5.0));
        assert_eq!(max.value(&c, 2500), Some(5.0));
        // Two more windows without events: everything is purged.
        assert_eq!(rate.measure(&c, 3200), 0.0);
        assert_eq!(avg.value(&c, 3200), None);
        assert_eq!(max.value(&c, 3200), None);
    }

    /// Kafka's `MetricsTest.testTimeWindowing`: 1 ms windows, 2 samples; the third event
    /// opens a third slot and the first sample times out.
    #[test]
    fn windowed_count_drops_the_oldest_event() {
        let c = cfg(2, 1);
        let mut count = SampledStat::new(Kind::Count);
        count.record(&c, 1.0, 0);
        count.record(&c, 1.0, 1);
        assert_eq!(count.measure(&c, 1), 2.0);
        count.record(&c, 1.0, 2);
        assert_eq!(count.measure(&c, 2), 2.0);
    }

    /// `MetricsTest.testRateWindowing`: 3 samples of 30 s, 100 recorded at 0 s and 30 s, read
    /// at 75 s: 200 over 75 s; after 3 more windows the rate is 0 and the totals remain.
    #[test]
    fn meter_rate_windowing_matches_kafkas_test() {
        let c = cfg(3, 30_000);
        let (mut sum, mut count) = (Meter::sum(), Meter::count());
        for t in [0, 30_000] {
            sum.record(&c, 100.0, t);
            count.record(&c, 100.0, t);
        }
        assert!((sum.rate(&c, 75_000) - 200.0 / 75.0).abs() < EPS);
        assert!((count.rate(&c, 75_000) - 2.0 / 75.0).abs() < EPS);
        assert_eq!((sum.total(), count.total()), (200.0, 2.0));
        assert_eq!(sum.rate(&c, 165_000), 0.0);
        assert_eq!(count.rate(&c, 165_000), 0.0);
        assert_eq!((sum.total(), count.total()), (200.0, 2.0));
    }

    /// `RateTest.testRateWithNoPriorAvailableSamples`: N samples of W s, one value read just
    /// before the first window ends → value ÷ (W − 1 ms + (N − 1) × W).
    #[test]
    fn a_young_rate_assumes_n_minus_1_empty_windows() {
        for (n, w) in [(1u32, 1i64), (1, 11), (11, 1), (11, 11)] {
            let c = cfg(n, w * 1000);
            let mut rate = Rate::new(TimeUnit::Seconds, Kind::Sum);
            rate.record(&c, 50.0, 0);
            let t = w * 1000 - 1;
            let expected = 50.0 / (t as f64 / 1000.0 + f64::from(n - 1) * w as f64);
            assert!((rate.measure(&c, t) - expected).abs() < 1e-6, "n={n} w={w}");
        }
    }

    /// `SampledStatTest`: a complete sample is kept 1.5 s later (it overlaps the 2 s window),
    /// purged 2.5 s later; and the extra (n+1)th sample is kept.
    #[test]
    fn purging_keeps_samples_that_overlap_the_window() {
        let c = cfg(2, 1000);
        // Events at the start and end of a sample: 0 and 999 ms.
        let mut s = SampledStat::new(Kind::Count);
        s.record(&c, 1.0, 0);
        s.record(&c, 1.0, 999);
        assert_eq!(s.measure(&c, 1000 + 1500), 2.0);
        assert_eq!(s.measure(&c, 1000 + 2500), 0.0);
        // Samples at 0/999, 1100/2099 and one event at 2200: three samples live.
        let mut s = SampledStat::new(Kind::Count);
        for t in [0, 999, 1100, 2099, 2200] {
            s.record(&c, 1.0, t);
        }
        assert_eq!(s.samples.len(), 3);
        assert_eq!(s.measure(&c, 2200), 5.0);
    }

    /// `MetricsTest.testSampledStatReturnsNaNWhenNoValuesExist` and its initial-value twin.
    #[test]
    fn expired_stats_read_nan_or_their_initial_value() {
        let c = cfg(2, 100);
        let (mut max, mut avg, mut sum) = (
            SampledStat::new(Kind::Max),
            SampledStat::new(Kind::Avg),
            SampledStat::new(Kind::Sum),
        );
        for s in [&mut max, &mut avg, &mut sum] {
            s.record(&c, 50.0, 0);
        }
        assert!(max.measure(&c, 200).is_nan());
        assert!(avg.measure(&c, 200).is_nan());
        assert_eq!(sum.measure(&c, 200), 0.0);
    }

    /// The ring reuses `samples + 1` slots however long the run.
    #[test]
    fn samples_stay_bounded() {
        let c = cfg(2, 10);
        let mut s = SampledStat::new(Kind::Sum);
        for t in (0..1000).step_by(10) {
            s.record(&c, 1.0, t);
        }
        assert_eq!(s.samples.len(), 3);
        // The slots now hold the samples of 970, 980 and 990 ms; at 990 ms the one of 970 ms
        // is 20 ms old (samples × window) and purged.
        assert_eq!(s.measure(&c, 990), 2.0);
    }

    /// `bufferpool-wait-ratio`: nanoseconds waited per nanosecond of window.
    #[test]
    fn a_nanosecond_rate_is_a_ratio() {
        let c = cfg(2, 1000);
        let mut m = Meter::new(TimeUnit::Nanoseconds, Kind::Sum);
        m.record(&c, 500.0 * 1e6, 1000); // 500 ms blocked, ending at 1 s
        // Window: 1 full window (1000 ms) since the sample started at 1000 ms → read at 2000.
        assert!((m.rate(&c, 2000) - 0.5).abs() < EPS);
    }

    /// Kafka throws on a 0 ms window; the model reads 0 instead of panicking.
    #[test]
    fn a_zero_window_does_not_panic() {
        let c = cfg(2, 0);
        let mut m = Meter::sum();
        m.record(&c, 3.0, 5);
        assert_eq!(m.rate(&c, 5), 0.0);
        assert_eq!(m.total(), 3.0);
    }
}
