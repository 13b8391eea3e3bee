//! The twin: one workload through the model and through a real cluster at once, compared
//! record by record (keyed partitions), per partition (offsets), as distributions (send →
//! delivery latency) and as rates (throughput); where they differ, the reasons. Plain
//! functions over plain data, so that native tests check the arithmetic.
//!
//! Times are milliseconds from the start of each side's run: model time for the model, wall
//! time (the browser's clock) for the real cluster.

use producer_sim::litemap::LiteMap;
use std::collections::BTreeMap;

/// How one record ended on one side.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `offset` is -1 when the broker sends none (acks=0), as in Java's `RecordMetadata`.
    Acked {
        partition: i32,
        offset: i64,
    },
    Failed(String),
}

/// One record on one side.
#[derive(Debug, Clone, PartialEq)]
pub struct Fate {
    pub sent_ms: f64,
    /// When the delivery report came, and what it said.
    pub done: Option<(f64, Outcome)>,
    /// The bridge's own `latency_ms` (frame read → librdkafka's report); real side only.
    pub bridge_ms: Option<f64>,
}

impl Fate {
    pub fn sent(sent_ms: f64) -> Fate {
        Fate {
            sent_ms,
            done: None,
            bridge_ms: None,
        }
    }

    fn acked(&self) -> Option<(i32, i64)> {
        match self.done {
            Some((_, Outcome::Acked { partition, offset })) => Some((partition, offset)),
            _ => None,
        }
    }

    /// Send → delivery report, for an acked record.
    fn latency_ms(&self) -> Option<f64> {
        match self.done {
            Some((at, Outcome::Acked { .. })) => Some(at - self.sent_ms),
            _ => None,
        }
    }
}

/// Every record one side sent, by record id.
pub type Side = LiteMap<u64, Fate>;

/// One workload on both sides; `keys` are the records' keys (`None`: a null key).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Twin {
    pub keys: LiteMap<u64, Option<String>>,
    pub model: Side,
    pub real: Side,
}

/// A keyed record that landed on another partition than the model's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub id: u64,
    pub key: String,
    pub model: i32,
    pub real: i32,
}

/// Keyed partition agreement over the records acked on both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agreement {
    pub keyed: usize,
    pub agree: usize,
    pub mismatches: Vec<Mismatch>,
    /// Null-keyed records acked on both sides (placed by each side's sticky partitioner).
    pub null_keyed: usize,
}

pub fn agreement(twin: &Twin) -> Agreement {
    let mut a = Agreement::default();
    for (id, key) in &twin.keys {
        let model = twin.model.get(id).and_then(Fate::acked);
        let real = twin.real.get(id).and_then(Fate::acked);
        let (Some((m, _)), Some((r, _))) = (model, real) else {
            continue;
        };
        match key {
            None => a.null_keyed += 1,
            Some(key) => {
                a.keyed += 1;
                if m == r {
                    a.agree += 1;
                } else {
                    a.mismatches.push(Mismatch {
                        id: *id,
                        key: key.clone(),
                        model: m,
                        real: r,
                    });
                }
            }
        }
    }
    a
}

/// One partition's acknowledged records on one side. `first`/`last` are `None` when the
/// broker sent no offsets (acks=0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionOffsets {
    pub count: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl PartitionOffsets {
    /// Offsets from the first to the last: equals `count` when nothing else wrote in between.
    pub fn span(&self) -> Option<i64> {
        Some(self.last? - self.first? + 1)
    }
}

/// Acknowledged records per partition.
pub fn offsets(side: &Side) -> LiteMap<i32, PartitionOffsets> {
    let mut out: LiteMap<i32, PartitionOffsets> = LiteMap::new_vec();
    for (partition, offset) in side.values().filter_map(Fate::acked) {
        let p = out.entry(partition).or_insert(PartitionOffsets {
            count: 0,
            first: None,
            last: None,
        });
        p.count += 1;
        if offset >= 0 {
            p.first = Some(p.first.map_or(offset, |f| f.min(offset)));
            p.last = Some(p.last.map_or(offset, |l| l.max(offset)));
        }
    }
    out
}

/// Null-keyed records per partition, and how often the partition changed in send order.
pub fn null_key_spread(twin: &Twin, side: &Side) -> (LiteMap<i32, u64>, usize) {
    let mut counts = LiteMap::new_vec();
    let mut switches = 0;
    let mut previous = None;
    for (id, key) in &twin.keys {
        if key.is_some() {
            continue;
        }
        if let Some((p, _)) = side.get(id).and_then(Fate::acked) {
            *counts.entry(p).or_insert(0) += 1;
            if previous.is_some_and(|q| q != p) {
                switches += 1;
            }
            previous = Some(p);
        }
    }
    (counts, switches)
}

/// Send → delivery latencies of the acked records, in ms.
pub fn latencies(side: &Side) -> Vec<f64> {
    side.values().filter_map(Fate::latency_ms).collect()
}

/// A latency distribution in ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// Percentiles by nearest rank (the smallest value with at least q of the values at or below it).
pub fn summary(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Some(Summary {
        count: v.len(),
        p50: rank(0.50),
        p95: rank(0.95),
        p99: rank(0.99),
        max: v[v.len() - 1],
        mean: v.iter().sum::<f64>() / v.len() as f64,
    })
}

/// Counts per bucket for several distributions over the same buckets.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Bucket `i` holds values in `edges[i]..edges[i + 1]` (the first also holds smaller ones).
    pub edges: Vec<f64>,
    pub counts: Vec<Vec<u64>>,
}

/// Buckets doubling in width (…, 1, 2, 4, 8 ms, …) from the smallest to the largest value
/// of all the distributions, so that both sides share one axis.
pub fn histogram(distributions: &[&[f64]]) -> Option<Histogram> {
    let all = distributions.iter().flat_map(|d| d.iter().copied());
    let (lo, hi) = all.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return None;
    }
    let mut edge = 2f64.powi(lo.max(1e-3).log2().floor() as i32);
    let mut edges = vec![edge];
    while edge <= hi {
        edge *= 2.0;
        edges.push(edge);
    }
    let buckets = edges.len() - 1;
    let counts = distributions
        .iter()
        .map(|d| {
            let mut c = vec![0; buckets];
            for v in *d {
                let i = edges[1..].iter().position(|e| v < e).unwrap_or(buckets - 1);
                c[i] += 1;
            }
            c
        })
        .collect();
    Some(Histogram { edges, counts })
}

/// Acknowledged records per second, from the first send to the last delivery report.
pub fn throughput(side: &Side) -> Option<f64> {
    let first = side
        .values()
        .map(|f| f.sent_ms)
        .fold(f64::INFINITY, f64::min);
    let (acked, last) = side
        .values()
        .filter(|f| f.acked().is_some())
        .filter_map(|f| f.done.as_ref().map(|(at, _)| *at))
        .fold((0u64, f64::NEG_INFINITY), |(n, last), at| {
            (n + 1, last.max(at))
        });
    let span_s = (last - first) / 1000.0;
    (acked > 0 && span_s > 0.0).then(|| acked as f64 / span_s)
}

/// What the reasons need to know about the run besides the records.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// The workload's `send()` rate, which paces both sides.
    pub records_per_second: u32,
    pub linger_ms: u64,
    pub batch_size: u64,
    pub model_partitions: u32,
    /// The model's one-way network latency and jitter.
    pub one_way_latency_us: u64,
    pub jitter_us: u64,
    /// Faults in the scenario, left out of the twin run (the real cluster cannot have them).
    pub faults: usize,
    /// The real producer's librdkafka configuration, from the bridge's `configured`.
    pub real_config: BTreeMap<String, String>,
    /// How often the browser's timer let records out.
    pub pacing_ms: f64,
    /// Where the real side's warm-up record went (partition, offset): one record before the
    /// clock starts, so that connecting and getting a producer id are not timed.
    pub warm_up: Option<(i32, i64)>,
}

/// Why the two sides differ, on one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// `partitioner`, `null keys`, `offsets`, `high watermark`, `latency`, `throughput`,
    /// `faults` or `failures`.
    pub about: &'static str,
    pub text: String,
}

fn reason(about: &'static str, text: String) -> Reason {
    Reason { about, text }
}

/// The reasons the two sides differ (or agree), with the run's own figures.
pub fn reasons(twin: &Twin, setup: &Setup) -> Vec<Reason> {
    let mut out = Vec::new();
    let a = agreement(twin);
    let partitioner = setup
        .real_config
        .get("partitioner")
        .map_or("consistent_random (librdkafka's default)", String::as_str);
    if a.keyed > 0 {
        let base = format!(
            "A default librdkafka uses partitioner=consistent_random: CRC32 of the key, which puts most keys \
             elsewhere than Java. The bridge sets murmur2_random, the murmur2 hash of Java's BuiltInPartitioner, \
             so a key lands where the model puts it (this producer: partitioner={partitioner})."
        );
        if a.mismatches.is_empty() {
            out.push(reason(
                "partitioner",
                format!("All {} keyed records agree. {base}", a.keyed),
            ));
        } else {
            let seen = twin.real.values().filter_map(Fate::acked).map(|(p, _)| p);
            let real_partitions = seen.max().map_or(0, |p| p + 1);
            let count = if real_partitions as u32 > setup.model_partitions {
                format!(
                    " The real topic has at least {real_partitions} partitions and the model {}: \
                     murmur2 % partitions differs.",
                    setup.model_partitions
                )
            } else {
                format!(
                    " Check that the real topic has {} partitions, as the model does: murmur2 % partitions \
                     differs otherwise.",
                    setup.model_partitions
                )
            };
            out.push(reason(
                "partitioner",
                format!(
                    "{} of {} keyed records landed on another partition.{count} {base}",
                    a.mismatches.len(),
                    a.keyed
                ),
            ));
        }
    }
    if a.null_keyed > 0 {
        let (_, model_switches) = null_key_spread(twin, &twin.model);
        let (_, real_switches) = null_key_spread(twin, &twin.real);
        let sticky = setup
            .real_config
            .get("sticky.partitioning.linger.ms")
            .cloned()
            .unwrap_or_else(|| format!("{} (2 × linger.ms, its default)", 2 * setup.linger_ms));
        out.push(reason(
            "null keys",
            format!(
                "{} null-keyed records: the model is the Java producer, whose sticky partition is byte-based \
                 (KIP-794, Kafka 3.3+): it moves on once batch.size ({} bytes) has gone to the partition. \
                 librdkafka's stickiness is time-based: it draws a new partition every \
                 sticky.partitioning.linger.ms = {sticky} ms, whatever the bytes. So null-keyed records \
                 spread differently; compare the spread, not record by record. Partition changes in send \
                 order: model {model_switches}, real {real_switches}.",
                a.null_keyed, setup.batch_size
            ),
        ));
    }
    let model_offsets = offsets(&twin.model);
    let real_offsets = offsets(&twin.real);
    let started: Vec<String> = real_offsets
        .iter()
        .filter_map(|(p, o)| o.first.filter(|f| *f > 0).map(|f| format!("P{p} at {f}")))
        .collect();
    let warm_up = setup.warm_up.map_or(String::new(), |(p, o)| {
        format!(" One of them is the twin's warm-up record (P{p}, offset {o}), sent before the clock started.")
    });
    if !started.is_empty() {
        out.push(reason(
            "offsets",
            format!(
                "A real broker's offsets continue where each partition already is ({}): the topic held \
                 records before this run. The model starts every partition at 0. So compare counts and \
                 spans (last − first + 1), not absolute offsets.{warm_up}",
                started.join(", ")
            ),
        ));
    } else if !real_offsets.is_empty() {
        out.push(reason(
            "offsets",
            "The real partitions started at 0, like the model's: a fresh topic. On a topic that already \
             holds records the real offsets start higher; compare counts and spans, not absolute offsets."
                .into(),
        ));
    }
    for (p, o) in &real_offsets {
        if let Some(span) = o.span().filter(|s| *s > o.count as i64) {
            out.push(reason(
                "offsets",
                format!(
                    "P{p}: the real offsets span {span} for {} records: something else wrote to the partition \
                     during the run (another producer, or a batch written twice by a retry without idempotence).",
                    o.count
                ),
            ));
        }
    }
    let counts = |offsets: &LiteMap<i32, PartitionOffsets>| {
        offsets
            .iter()
            .map(|(p, o)| (*p, o.count))
            .collect::<Vec<_>>()
    };
    if counts(&model_offsets) != counts(&real_offsets)
        && a.null_keyed == 0
        && a.mismatches.is_empty()
    {
        out.push(reason(
            "offsets",
            "The per-partition counts differ although every keyed record agrees: some records are \
             acknowledged on one side only (see failures, or the run is still going)."
                .into(),
        ));
    }
    if !real_offsets.is_empty() {
        out.push(reason(
            "high watermark",
            "Tools that read a partition's end offset (ListOffsets, kafka-get-offsets) disagree with these \
             counts on tansu, the broker ./lab starts: tansu 0.6 reports the high watermark as the last \
             batch's base offset + 1 (10 records in one batch: 1, where Kafka says 10). The twin counts \
             delivery reports, which carry every record's own offset."
                .into(),
        ));
    }
    let model_latency = summary(&latencies(&twin.model));
    let real_latency = summary(&latencies(&twin.real));
    if let (Some(m), Some(r)) = (model_latency, real_latency) {
        let bridge: Vec<f64> = twin.real.values().filter_map(|f| f.bridge_ms).collect();
        let split = summary(&bridge).map_or(String::new(), |b| {
            format!(
                " Of the real median {:.1} ms, {:.1} ms is librdkafka and the broker (the bridge's latency_ms, \
                 frame read → delivery report); the rest is the browser ↔ bridge WebSocket and the page.",
                r.p50, b.p50
            )
        });
        out.push(reason(
            "latency",
            format!(
                "Median send → delivery: model {:.1} ms, real {:.1} ms. Both wait up to linger.ms = {} ms for a \
                 batch. Real latency also includes real disk writes at the broker and a real network stack; \
                 the model's network is {} µs one way (± {} µs jitter) and its broker appends at once. The \
                 browser lets records out every ~{:.0} ms, so real sends leave in small bursts.{split}",
                m.p50,
                r.p50,
                setup.linger_ms,
                setup.one_way_latency_us,
                setup.jitter_us,
                setup.pacing_ms
            ),
        ));
    }
    if let (Some(m), Some(r)) = (throughput(&twin.model), throughput(&twin.real)) {
        let limit = if r < 0.9 * m {
            " The real path fell behind the offered rate: the browser, the bridge or the broker could \
             not keep up on this machine."
        } else {
            " Both keep up with the offered rate, so both measure the workload's rate, not their capacity \
             (the sweep measures capacity)."
        };
        out.push(reason(
            "throughput",
            format!(
                "Acknowledged records per second, first send to last report: model {m:.0}, real {r:.0}, \
                 at an offered {} records/s.{limit}",
                setup.records_per_second
            ),
        ));
    }
    if setup.faults > 0 {
        out.push(reason(
            "faults",
            format!(
                "The scenario's {} fault(s) are left out of both sides: the bridge cannot inject them into \
                 the real cluster.",
                setup.faults
            ),
        ));
    }
    let mut failures: LiteMap<&str, usize> = LiteMap::new_vec();
    for f in twin.real.values() {
        if let Some((_, Outcome::Failed(e))) = &f.done {
            *failures.entry(e.as_str()).or_default() += 1;
        }
    }
    if !failures.is_empty() {
        let list: Vec<String> = failures.iter().map(|(e, n)| format!("{n} × {e}")).collect();
        out.push(reason(
            "failures",
            format!("Real records failed: {}.", list.join("; ")),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acked(sent: f64, done: f64, partition: i32, offset: i64) -> Fate {
        Fate {
            sent_ms: sent,
            done: Some((done, Outcome::Acked { partition, offset })),
            bridge_ms: None,
        }
    }

    fn setup() -> Setup {
        Setup {
            records_per_second: 1000,
            linger_ms: 5,
            batch_size: 16384,
            model_partitions: 6,
            one_way_latency_us: 500,
            jitter_us: 0,
            faults: 0,
            real_config: [("partitioner".to_string(), "murmur2_random".to_string())].into(),
            pacing_ms: 4.0,
            warm_up: None,
        }
    }

    fn twin_of(keys: &[Option<&str>], model: &[Fate], real: &[Fate]) -> Twin {
        Twin {
            keys: keys
                .iter()
                .enumerate()
                .map(|(i, k)| (i as u64, k.map(String::from)))
                .collect(),
            model: model
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, f)| (i as u64, f))
                .collect(),
            real: real
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, f)| (i as u64, f))
                .collect(),
        }
    }

    #[test]
    fn agreement_counts_keyed_records_acked_on_both_sides() {
        let twin = twin_of(
            &[Some("a"), Some("b"), None, Some("c")],
            &[
                acked(0., 5., 1, 0),
                acked(1., 6., 2, 0),
                acked(2., 7., 0, 0),
                acked(3., 8., 4, 0),
            ],
            &[
                acked(0., 9., 1, 40),
                acked(1., 9., 3, 7),
                acked(2., 9., 5, 3),
                Fate::sent(3.),
            ],
        );
        let a = agreement(&twin);
        assert_eq!((a.keyed, a.agree, a.null_keyed), (2, 1, 1), "{a:?}");
        assert_eq!(
            a.mismatches,
            vec![Mismatch {
                id: 1,
                key: "b".into(),
                model: 2,
                real: 3
            }]
        );
    }

    #[test]
    fn offsets_count_and_span_per_partition() {
        let side: Side = [
            acked(0., 1., 0, 10),
            acked(0., 1., 0, 12),
            acked(0., 1., 0, 11),
            acked(0., 1., 1, -1),
            Fate {
                sent_ms: 0.,
                done: Some((1., Outcome::Failed("x".into()))),
                bridge_ms: None,
            },
        ]
        .into_iter()
        .enumerate()
        .map(|(i, f)| (i as u64, f))
        .collect();
        let o = offsets(&side);
        assert_eq!(
            o[&0],
            PartitionOffsets {
                count: 3,
                first: Some(10),
                last: Some(12)
            }
        );
        assert_eq!(o[&0].span(), Some(3));
        assert_eq!(
            o[&1],
            PartitionOffsets {
                count: 1,
                first: None,
                last: None
            }
        );
        assert_eq!(o[&1].span(), None, "acks=0: no offsets");
        assert_eq!(o.len(), 2, "the failed record is on no partition");
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).rev().collect();
        let s = summary(&values).unwrap();
        assert_eq!(
            (s.count, s.p50, s.p95, s.p99, s.max),
            (100, 50.0, 95.0, 99.0, 100.0)
        );
        assert!((s.mean - 50.5).abs() < 1e-9);
        let one = summary(&[7.0]).unwrap();
        assert_eq!((one.p50, one.p99, one.max), (7.0, 7.0, 7.0));
        assert_eq!(summary(&[]), None);
    }

    #[test]
    fn histogram_shares_doubling_buckets_between_sides() {
        let model = [1.0, 1.5, 3.0];
        let real = [5.0, 9.0, 9.5];
        let h = histogram(&[&model, &real]).unwrap();
        assert_eq!(h.edges, vec![1.0, 2.0, 4.0, 8.0, 16.0]);
        assert_eq!(h.counts, vec![vec![2, 1, 0, 0], vec![0, 0, 1, 2]]);
        assert_eq!(
            h.counts
                .iter()
                .map(|c| c.iter().sum::<u64>())
                .collect::<Vec<_>>(),
            vec![3, 3],
            "every value in a bucket"
        );
        assert_eq!(histogram(&[&[], &[]]), None);
    }

    #[test]
    fn throughput_from_first_send_to_last_acked_report() {
        // 3 acked records between 0 ms and 500 ms: 6 records/s; the failure is not counted.
        let side: Side = [
            acked(0., 100., 0, 0),
            acked(100., 300., 0, 1),
            acked(200., 500., 1, 0),
            Fate {
                sent_ms: 300.,
                done: Some((900., Outcome::Failed("x".into()))),
                bridge_ms: None,
            },
        ]
        .into_iter()
        .enumerate()
        .map(|(i, f)| (i as u64, f))
        .collect();
        assert_eq!(throughput(&side), Some(6.0));
        assert_eq!(throughput(&Side::new()), None);
    }

    #[test]
    fn reasons_name_the_partitioner_offsets_and_stickiness_with_the_figures() {
        let twin = twin_of(
            &[Some("a"), None, None],
            &[
                acked(0., 5., 1, 0),
                acked(1., 6., 2, 0),
                acked(2., 7., 2, 1),
            ],
            &[
                acked(0., 9., 1, 40),
                acked(1., 9., 3, 7),
                acked(2., 12., 5, 3),
            ],
        );
        let r = reasons(
            &twin,
            &Setup {
                warm_up: Some((3, 6)),
                ..setup()
            },
        );
        let about = |a: &str| {
            r.iter()
                .filter(|x| x.about == a)
                .map(|x| x.text.as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        assert!(
            about("partitioner").starts_with("All 1 keyed records agree."),
            "{r:?}"
        );
        assert!(about("partitioner").contains("consistent_random"));
        assert!(about("partitioner").contains("partitioner=murmur2_random"));
        let null = about("null keys");
        assert!(
            null.contains("byte-based (KIP-794") && null.contains("time-based"),
            "{null}"
        );
        assert!(
            null.contains("sticky.partitioning.linger.ms = 10 (2 × linger.ms"),
            "{null}"
        );
        assert!(null.contains("model 0, real 1"), "{null}");
        let offsets = about("offsets");
        assert!(
            offsets.contains("P1 at 40") && offsets.contains("P3 at 7"),
            "{offsets}"
        );
        assert!(offsets.contains("compare counts"), "{offsets}");
        assert!(
            offsets.contains("warm-up record (P3, offset 6)"),
            "{offsets}"
        );
        assert!(about("high watermark").contains("last batch's base offset + 1"));
        assert!(
            about("latency").contains("model 5.0 ms, real 9.0 ms"),
            "{}",
            about("latency")
        );
        assert!(about("faults").is_empty() && about("failures").is_empty());
    }

    #[test]
    fn a_wrong_partition_count_is_named() {
        let twin = twin_of(
            &[Some("a"), Some("b")],
            &[acked(0., 5., 1, 0), acked(1., 6., 2, 0)],
            &[acked(0., 9., 7, 0), acked(1., 9., 2, 0)],
        );
        let r = reasons(&twin, &setup());
        let p = &r.iter().find(|x| x.about == "partitioner").unwrap().text;
        assert!(
            p.starts_with("1 of 2 keyed records landed on another partition."),
            "{p}"
        );
        assert!(p.contains("at least 8 partitions and the model 6"), "{p}");
    }

    #[test]
    fn spans_wider_than_counts_and_failures_are_explained() {
        let failed = Fate {
            sent_ms: 2.,
            done: Some((9., Outcome::Failed("_MSG_TIMED_OUT".into()))),
            bridge_ms: None,
        };
        let twin = twin_of(
            &[Some("a"), Some("b"), Some("c")],
            &[
                acked(0., 5., 0, 0),
                acked(1., 6., 0, 1),
                acked(2., 7., 0, 2),
            ],
            &[acked(0., 9., 0, 0), acked(1., 9., 0, 5), failed],
        );
        let r = reasons(
            &twin,
            &Setup {
                faults: 2,
                ..setup()
            },
        );
        let text: Vec<&str> = r.iter().map(|x| x.text.as_str()).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("P0: the real offsets span 6 for 2 records")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t == &"Real records failed: 1 × _MSG_TIMED_OUT."),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("2 fault(s) are left out of both sides")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("acknowledged on one side only")),
            "{text:?}"
        );
    }
}
