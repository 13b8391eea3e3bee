//! The partitioning step of the send path: which logic applies ([`PartitionerKind`], chosen by
//! `ProducerConfig`) and its per-producer state ([`Partitioner`]).
//!
//! # How the send path uses it (Java's `KafkaProducer.doSend`)
//!
//! ```text
//! let abort = partitioner.aborts_on_new_batch();          // Kafka: abortOnNewBatch = partitioner.class != null
//! let choice = partitioner.partition(topic, key, explicit, n, now_us, rng)?;
//! // choice.partition == None is UNKNOWN_PARTITION: the accumulator's BuiltInPartitioner (KIP-794) picks.
//! let r = accumulator.append(choice.partition, record, abort, ...);
//! if r.abort_for_new_batch {                               // only when `abort`: no batch could take the record
//!     partitioner.on_new_batch(topic, choice.partition.unwrap(), n, rng);
//!     let choice = partitioner.partition(topic, key, explicit, n, now_us, rng)?;
//!     accumulator.append(choice.partition, record, false, ...);
//! }
//! ```
//!
//! `RecordAccumulator.append` with `abortOnNewBatch = true` returns `abortForNewBatch` instead of
//! allocating a new batch when the partition's deque is empty or its last batch cannot take the
//! record (apache/kafka `RecordAccumulator.append`). Only Java's pluggable partitioners
//! (`partitioner.class`: `RoundRobinPartitioner`, the deprecated `DefaultPartitioner` and
//! `UniformStickyPartitioner` of 2.4–3.x) take part in this dance; the built-in logic, Kafka 2.0
//! and librdkafka never abort. An explicit partition is returned unchanged by `partition`, but a
//! new batch for it still calls `on_new_batch` when a partitioner class is configured (Kafka does
//! the same).
//!
//! librdkafka's stickiness is time-based and lives entirely inside `partition` (pass the virtual
//! time as `now_us`); it needs no hook.
//!
//! Model simplification: every partition has a leader, so "available partitions" are all
//! partitions (the "no partition available" fallbacks of the Java classes never apply).
//!
//! # References
//! apache/kafka `KafkaProducer.partition`/`doSend`/`waitOnMetadata`, `RoundRobinPartitioner`,
//! `internals/DefaultPartitioner` (2.0 and 2.4–3.9), `internals/StickyPartitionCache`,
//! `UniformStickyPartitioner`; KIP-480, KIP-794, KAFKA-9965, KAFKA-17632 (PR #17620),
//! KAFKA-18262 (4.0 removes the deprecated classes); librdkafka `rd_kafka_msg_partitioner`.

use litemap::LiteMap;
use std::fmt;

use super::built_in_partitioner::{murmur2, to_positive};
use super::librdkafka_partitioner::{LibrdkafkaPartitioner, LibrdkafkaTopicPartitioner};
use crate::rng::SimRng;

/// Which partitioning logic a producer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartitionerKind {
    /// Java ≥ 3.3 with `partitioner.class` unset: keyed records by murmur2, the rest (and all
    /// records with `partitioner.ignore.keys=true`) go to the accumulator's uniform sticky
    /// partitioner (KIP-794).
    BuiltIn { ignore_keys: bool },
    /// `org.apache.kafka.clients.producer.RoundRobinPartitioner` (2.4+): one counter per topic,
    /// keys ignored. Before KAFKA-17632 (fixed in 3.9.2 / 4.0.0) `onNewBatch` did nothing, so
    /// a record that opens a new batch advances the counter twice and skips a partition
    /// (KAFKA-9965: with an even partition count and a new batch per record, only every other
    /// partition receives data). With the fix, `onNewBatch` remembers the partition and the
    /// second `partition()` call returns it.
    RoundRobin { kafka_17632_fixed: bool },
    /// `org.apache.kafka.clients.producer.internals.DefaultPartitioner` of 2.4–3.9 (KIP-480):
    /// keyed records by murmur2, null keys to a per-topic sticky partition that changes when a
    /// new batch is created for it (`StickyPartitionCache`). Deprecated in 3.3, removed in 4.0.
    DefaultSticky,
    /// `org.apache.kafka.clients.producer.UniformStickyPartitioner` (2.4–3.9): every record,
    /// keyed or not, to the sticky partition. Deprecated in 3.3, removed in 4.0.
    UniformSticky,
    /// The `DefaultPartitioner` before 2.4: keyed records by murmur2, null keys round-robin from
    /// a random start, per topic. No new-batch hook existed.
    LegacyDefault,
    /// librdkafka's `partitioner` with its effective `sticky.partitioning.linger.ms`.
    Librdkafka {
        partitioner: LibrdkafkaPartitioner,
        sticky_linger_ms: u64,
    },
}

impl PartitionerKind {
    /// The Java class name configured in `partitioner.class`, if any.
    pub fn class_name(self) -> Option<&'static str> {
        match self {
            PartitionerKind::RoundRobin { .. } => {
                Some("org.apache.kafka.clients.producer.RoundRobinPartitioner")
            }
            PartitionerKind::DefaultSticky | PartitionerKind::LegacyDefault => {
                Some("org.apache.kafka.clients.producer.internals.DefaultPartitioner")
            }
            PartitionerKind::UniformSticky => {
                Some("org.apache.kafka.clients.producer.UniformStickyPartitioner")
            }
            PartitionerKind::BuiltIn { .. } | PartitionerKind::Librdkafka { .. } => None,
        }
    }

    /// `abortOnNewBatch = partitioner != null` (Kafka 2.4+): the accumulator must give a new
    /// batch back to the partitioner (see the module doc).
    pub fn aborts_on_new_batch(self) -> bool {
        matches!(
            self,
            PartitionerKind::RoundRobin { .. }
                | PartitionerKind::DefaultSticky
                | PartitionerKind::UniformSticky
        )
    }

    /// Whether this logic belongs to librdkafka (explicit-partition errors differ).
    pub fn is_librdkafka(self) -> bool {
        matches!(self, PartitionerKind::Librdkafka { .. })
    }

    /// One line for the UI.
    pub fn describe(self) -> String {
        match self {
            PartitionerKind::BuiltIn { ignore_keys: false } => {
                "built-in: murmur2 for keys, uniform sticky (KIP-794) for null keys".into()
            }
            PartitionerKind::BuiltIn { ignore_keys: true } => {
                "built-in with partitioner.ignore.keys=true: every record uniform sticky (KIP-794)"
                    .into()
            }
            PartitionerKind::RoundRobin {
                kafka_17632_fixed: true,
            } => "RoundRobinPartitioner: one partition after another, keys ignored".into(),
            PartitionerKind::RoundRobin {
                kafka_17632_fixed: false,
            } => "RoundRobinPartitioner before KAFKA-17632: skips a partition on every new batch"
                .into(),
            PartitionerKind::DefaultSticky => {
                "DefaultPartitioner (KIP-480): murmur2 for keys, null keys sticky until a new batch"
                    .into()
            }
            PartitionerKind::UniformSticky => {
                "UniformStickyPartitioner: every record sticky until a new batch".into()
            }
            PartitionerKind::LegacyDefault => {
                "DefaultPartitioner before 2.4: murmur2 for keys, null keys round-robin".into()
            }
            PartitionerKind::Librdkafka {
                partitioner,
                sticky_linger_ms,
            } => format!(
                "librdkafka partitioner={}, sticky.partitioning.linger.ms={sticky_linger_ms}",
                partitioner.name()
            ),
        }
    }
}

/// How a partition was chosen, for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum PartitionHow {
    /// `ProducerRecord.partition` was set.
    Explicit,
    /// `toPositive(murmur2(key)) % numPartitions`.
    Murmur2 {
        murmur2: i32,
        positive: u32,
        num_partitions: u32,
    },
    /// librdkafka `consistent*`: `crc32(key) % n`.
    Crc32 { crc32: u32, num_partitions: u32 },
    /// librdkafka `fnv1a*`: `fnv1a(key) % n`.
    Fnv1a { fnv1a: u32, num_partitions: u32 },
    /// `toPositive(counter) % numPartitions`, the counter's value before its increment.
    RoundRobin { counter: i32, num_partitions: u32 },
    /// KAFKA-17632: the partition remembered by `onNewBatch`, returned without a new count.
    RoundRobinRepeat,
    /// The topic's `StickyPartitionCache` partition (KIP-480).
    StickyCache,
    /// A uniform random draw: `draw % n`.
    Random { draw: i32, num_partitions: u32 },
    /// librdkafka's time-based sticky partition.
    LibrdkafkaSticky {
        drawn_at_us: u64,
        redrawn: bool,
        sticky_linger_ms: u64,
    },
    /// `RecordMetadata.UNKNOWN_PARTITION`: the accumulator's `BuiltInPartitioner` decides.
    BuiltInSticky,
}

impl PartitionHow {
    /// One line for the UI, e.g. `murmur2 = -790332482 → 1357151166 % 6`.
    pub fn describe(self) -> String {
        match self {
            PartitionHow::Explicit => "explicit partition in the record".into(),
            PartitionHow::Murmur2 {
                murmur2,
                positive,
                num_partitions,
            } => format!("murmur2 = {murmur2} → toPositive {positive} % {num_partitions}"),
            PartitionHow::Crc32 {
                crc32,
                num_partitions,
            } => format!("crc32 = 0x{crc32:08x} % {num_partitions}"),
            PartitionHow::Fnv1a {
                fnv1a,
                num_partitions,
            } => format!("fnv1a = 0x{fnv1a:08x} % {num_partitions}"),
            PartitionHow::RoundRobin {
                counter,
                num_partitions,
            } => format!("round-robin counter {counter} % {num_partitions}"),
            PartitionHow::RoundRobinRepeat => {
                "round-robin: the partition before the new batch (KAFKA-17632)".into()
            }
            PartitionHow::StickyCache => "sticky partition (KIP-480)".into(),
            PartitionHow::Random {
                draw,
                num_partitions,
            } => format!("random {draw} % {num_partitions}"),
            PartitionHow::LibrdkafkaSticky {
                drawn_at_us,
                redrawn,
                sticky_linger_ms,
            } => format!(
                "librdkafka sticky partition ({} at {drawn_at_us} µs, kept {sticky_linger_ms} ms)",
                if redrawn { "drawn now" } else { "drawn" }
            ),
            PartitionHow::BuiltInSticky => "unknown → built-in sticky partitioner (KIP-794)".into(),
        }
    }
}

/// The result of the partitioning step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PartitionChoice {
    /// `None` is Kafka's `UNKNOWN_PARTITION` (-1): the accumulator picks the sticky partition.
    pub partition: Option<u32>,
    pub how: PartitionHow,
}

/// An explicit partition the topic does not have.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum PartitionError {
    /// Java: `waitOnMetadata` keeps refreshing metadata until `max.block.ms` has passed, then
    /// fails with `org.apache.kafka.common.errors.TimeoutException`. It is an `ApiException`,
    /// so `send()` does not throw: the callback gets it (partition -1, offset -1) and the
    /// returned future is already failed. The application thread is blocked for `blocked_ms`.
    NotInMetadata {
        partition: u32,
        num_partitions: u32,
        blocked_ms: u64,
        message: String,
    },
    /// librdkafka: `produce()` fails at once with `RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION` (-190,
    /// "Local: Unknown partition"); nothing is enqueued and no delivery report follows.
    UnknownPartition {
        partition: u32,
        num_partitions: u32,
        message: String,
    },
}

impl fmt::Display for PartitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionError::NotInMetadata { message, .. } => {
                write!(
                    f,
                    "org.apache.kafka.common.errors.TimeoutException: {message}"
                )
            }
            PartitionError::UnknownPartition { message, .. } => {
                write!(f, "RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: {message}")
            }
        }
    }
}

impl std::error::Error for PartitionError {}

/// `StickyPartitionCache` for one topic (KIP-480, Kafka 2.4–3.9).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct StickyPartitionCache {
    partition: Option<u32>,
}

impl StickyPartitionCache {
    /// `partition(topic, cluster)`: the cached partition, choosing one first if there is none.
    fn partition(&mut self, num_partitions: u32, rng: &mut SimRng) -> u32 {
        match self.partition {
            Some(p) => p,
            None => self.next_partition(None, num_partitions, rng),
        }
    }

    /// `nextPartition(topic, cluster, prevPartition)`: changes the sticky partition only if none
    /// is set or `prev` is the current one; the new one is a random partition **different** from
    /// the old (`toPositive(nextInt) % n`, redrawn while equal), or the only one.
    fn next_partition(&mut self, prev: Option<u32>, num_partitions: u32, rng: &mut SimRng) -> u32 {
        let old = self.partition;
        if old.is_none() || old == prev {
            let new = if num_partitions == 1 {
                0
            } else {
                loop {
                    let candidate = rng.next_positive_i32() as u32 % num_partitions;
                    if Some(candidate) != old {
                        break candidate;
                    }
                }
            };
            self.partition = Some(new);
        }
        self.partition.expect("set above or before")
    }
}

/// Per-topic state.
#[derive(Debug, Clone, Default)]
struct TopicState {
    /// `RoundRobinPartitioner` / legacy `DefaultPartitioner` counter (`AtomicInteger`).
    counter: Option<i32>,
    sticky: StickyPartitionCache,
    librdkafka: Option<LibrdkafkaTopicPartitioner>,
}

/// The partitioner of one producer: its logic and state (counters, sticky partitions).
#[derive(Debug, Clone)]
pub struct Partitioner {
    kind: PartitionerKind,
    max_block_ms: u64,
    topics: LiteMap<String, TopicState>,
    /// KAFKA-17632: `RoundRobinPartitioner.previousPartition`, a `ThreadLocal<TopicPartition>`;
    /// the model has one application thread.
    round_robin_previous: Option<(String, u32)>,
}

impl Partitioner {
    /// `max_block_ms` is only used for the Java "partition not in metadata" error.
    pub fn new(kind: PartitionerKind, max_block_ms: u64) -> Self {
        Partitioner {
            kind,
            max_block_ms,
            topics: LiteMap::new_vec(),
            round_robin_previous: None,
        }
    }

    /// The partitioner a validated configuration describes.
    pub fn from_config(config: &super::producer_config::ProducerConfig) -> Self {
        Partitioner::new(config.partitioner, config.max_block_ms)
    }

    pub fn kind(&self) -> PartitionerKind {
        self.kind
    }

    /// See [`PartitionerKind::aborts_on_new_batch`].
    pub fn aborts_on_new_batch(&self) -> bool {
        self.kind.aborts_on_new_batch()
    }

    fn topic(&mut self, topic: &str) -> &mut TopicState {
        self.topics.entry(topic.to_string()).or_default()
    }

    /// `KafkaProducer.partition` (or librdkafka's `rd_kafka_msg_partitioner`) for one record.
    ///
    /// `key` is the serialized key (`None` = null key; an empty slice is a non-null key).
    /// Random draws come from `rng` (integer draws only); `now_us` drives librdkafka's sticky
    /// interval.
    pub fn partition(
        &mut self,
        topic: &str,
        key: Option<&[u8]>,
        explicit_partition: Option<u32>,
        num_partitions: u32,
        now_us: u64,
        rng: &mut SimRng,
    ) -> Result<PartitionChoice, PartitionError> {
        assert!(num_partitions > 0, "a topic has at least one partition");
        if let Some(p) = explicit_partition {
            if p >= num_partitions {
                return Err(self.explicit_partition_error(topic, p, num_partitions));
            }
            return Ok(PartitionChoice {
                partition: Some(p),
                how: PartitionHow::Explicit,
            });
        }
        let keyed = |k: &[u8]| {
            let h = murmur2(k);
            let positive = to_positive(h) as u32;
            PartitionChoice {
                partition: Some(positive % num_partitions),
                how: PartitionHow::Murmur2 {
                    murmur2: h,
                    positive,
                    num_partitions,
                },
            }
        };
        let choice = match self.kind {
            PartitionerKind::BuiltIn { ignore_keys } => match key.filter(|_| !ignore_keys) {
                Some(k) => keyed(k),
                None => PartitionChoice {
                    partition: None,
                    how: PartitionHow::BuiltInSticky,
                },
            },
            PartitionerKind::RoundRobin { kafka_17632_fixed } => {
                // The remembered partition is consumed by the next call whatever its topic.
                if kafka_17632_fixed
                    && let Some((t, p)) = self.round_robin_previous.take()
                    && t == topic
                {
                    return Ok(PartitionChoice {
                        partition: Some(p),
                        how: PartitionHow::RoundRobinRepeat,
                    });
                }
                let state = self.topic(topic);
                let counter = state.counter.unwrap_or(0);
                state.counter = Some(counter.wrapping_add(1));
                PartitionChoice {
                    partition: Some(to_positive(counter) as u32 % num_partitions),
                    how: PartitionHow::RoundRobin {
                        counter,
                        num_partitions,
                    },
                }
            }
            PartitionerKind::DefaultSticky | PartitionerKind::UniformSticky => {
                match key.filter(|_| self.kind == PartitionerKind::DefaultSticky) {
                    Some(k) => keyed(k),
                    None => PartitionChoice {
                        partition: Some(self.topic(topic).sticky.partition(num_partitions, rng)),
                        how: PartitionHow::StickyCache,
                    },
                }
            }
            PartitionerKind::LegacyDefault => match key {
                Some(k) => keyed(k),
                None => {
                    let state = self.topic(topic);
                    // `new AtomicInteger(ThreadLocalRandom.current().nextInt())`: a full 32-bit start.
                    let counter = *state.counter.get_or_insert_with(|| {
                        let sign = (rng.below(2) as u32) << 31;
                        (sign | rng.next_positive_i32() as u32) as i32
                    });
                    state.counter = Some(counter.wrapping_add(1));
                    PartitionChoice {
                        partition: Some(to_positive(counter) as u32 % num_partitions),
                        how: PartitionHow::RoundRobin {
                            counter,
                            num_partitions,
                        },
                    }
                }
            },
            PartitionerKind::Librdkafka {
                partitioner,
                sticky_linger_ms,
            } => {
                let state = self.topic(topic);
                let rdk = state.librdkafka.get_or_insert_with(|| {
                    LibrdkafkaTopicPartitioner::new(partitioner, sticky_linger_ms)
                });
                let (partition, how) = rdk.partition(key, num_partitions, now_us, rng);
                PartitionChoice {
                    partition: Some(partition),
                    how,
                }
            }
        };
        Ok(choice)
    }

    /// `Partitioner.onNewBatch(topic, cluster, prevPartition)`, called by the send path when the
    /// accumulator aborted an append because a new batch would be needed for `prev_partition`
    /// (see the module doc). A no-op for logic that never aborts.
    pub fn on_new_batch(
        &mut self,
        topic: &str,
        prev_partition: u32,
        num_partitions: u32,
        rng: &mut SimRng,
    ) {
        match self.kind {
            PartitionerKind::RoundRobin {
                kafka_17632_fixed: true,
            } => self.round_robin_previous = Some((topic.to_string(), prev_partition)),
            PartitionerKind::DefaultSticky | PartitionerKind::UniformSticky => {
                self.topic(topic)
                    .sticky
                    .next_partition(Some(prev_partition), num_partitions, rng);
            }
            _ => {}
        }
    }

    /// The topic's current sticky partition (KIP-480 cache or librdkafka), for display.
    pub fn sticky_partition(&self, topic: &str) -> Option<u32> {
        let state = self.topics.get(topic)?;
        match self.kind {
            PartitionerKind::DefaultSticky | PartitionerKind::UniformSticky => {
                state.sticky.partition
            }
            PartitionerKind::Librdkafka { .. } => state.librdkafka.as_ref()?.sticky(),
            _ => None,
        }
    }

    fn explicit_partition_error(
        &self,
        topic: &str,
        partition: u32,
        num_partitions: u32,
    ) -> PartitionError {
        if self.kind.is_librdkafka() {
            PartitionError::UnknownPartition {
                partition,
                num_partitions,
                message: "Local: Unknown partition".into(),
            }
        } else {
            PartitionError::NotInMetadata {
                partition,
                num_partitions,
                blocked_ms: self.max_block_ms,
                message: format!(
                    "Partition {partition} of topic {topic} with partition count {num_partitions} is not present in metadata after {} ms.",
                    self.max_block_ms
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    fn rng() -> SimRng {
        SimRng::new(1, Stream::Partitioner)
    }

    #[test]
    fn built_in_hashes_keys_and_leaves_null_keys_to_the_accumulator() {
        let mut p = Partitioner::new(PartitionerKind::BuiltIn { ignore_keys: false }, 60_000);
        let mut r = rng();
        let c = p
            .partition("t", Some(b"hejsan"), None, 12, 0, &mut r)
            .unwrap();
        assert_eq!(c.partition, Some(1), "TV-P5");
        let c = p.partition("t", None, None, 12, 0, &mut r).unwrap();
        assert_eq!((c.partition, c.how), (None, PartitionHow::BuiltInSticky));
        let mut p = Partitioner::new(PartitionerKind::BuiltIn { ignore_keys: true }, 60_000);
        let c = p
            .partition("t", Some(b"hejsan"), None, 12, 0, &mut r)
            .unwrap();
        assert_eq!(c.partition, None, "partitioner.ignore.keys=true");
    }

    #[test]
    fn round_robin_counts_per_topic() {
        let mut p = Partitioner::new(
            PartitionerKind::RoundRobin {
                kafka_17632_fixed: true,
            },
            60_000,
        );
        let mut r = rng();
        let mut next = |t: &str| {
            p.partition(t, Some(b"k"), None, 3, 0, &mut r)
                .unwrap()
                .partition
                .unwrap()
        };
        assert_eq!(
            [next("a"), next("a"), next("b"), next("a"), next("a")],
            [0, 1, 0, 2, 0]
        );
    }

    #[test]
    fn sticky_cache_changes_only_for_its_own_partition() {
        let mut c = StickyPartitionCache::default();
        let mut r = rng();
        let first = c.partition(5, &mut r);
        let other = (first + 1) % 5;
        assert_eq!(
            c.next_partition(Some(other), 5, &mut r),
            first,
            "prev is not the sticky one"
        );
        let second = c.next_partition(Some(first), 5, &mut r);
        assert_ne!(
            second, first,
            "a new batch on the sticky partition moves it elsewhere"
        );
        let mut one = StickyPartitionCache::default();
        assert_eq!(one.partition(1, &mut r), 0);
        assert_eq!(
            one.next_partition(Some(0), 1, &mut r),
            0,
            "the only partition"
        );
    }

    #[test]
    fn explicit_partition_out_of_range() {
        let mut r = rng();
        let mut java = Partitioner::new(PartitionerKind::BuiltIn { ignore_keys: false }, 60_000);
        let e = java
            .partition("orders", None, Some(7), 3, 0, &mut r)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "org.apache.kafka.common.errors.TimeoutException: Partition 7 of topic orders with partition count 3 is not present in metadata after 60000 ms."
        );
        let mut rdk = Partitioner::new(
            PartitionerKind::Librdkafka {
                partitioner: LibrdkafkaPartitioner::ConsistentRandom,
                sticky_linger_ms: 10,
            },
            0,
        );
        let e = rdk
            .partition("orders", None, Some(3), 3, 0, &mut r)
            .unwrap_err();
        assert!(matches!(
            e,
            PartitionError::UnknownPartition { partition: 3, .. }
        ));
        let ok = rdk
            .partition("orders", Some(b"x"), Some(2), 3, 0, &mut r)
            .unwrap();
        assert_eq!((ok.partition, ok.how), (Some(2), PartitionHow::Explicit));
    }
}
