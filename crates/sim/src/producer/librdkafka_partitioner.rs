//! librdkafka's partitioners (`partitioner` topic property) and its time-based null-key
//! stickiness (`sticky.partitioning.linger.ms`).
//!
//! The partitioner functions (source: confluentinc/librdkafka `src/rdkafka_msg.c`
//! `rd_kafka_msg_partitioner_*`):
//!
//! | name | non-empty key | empty key | NULL key |
//! |---|---|---|---|
//! | `random` | random | random | random |
//! | `consistent` | `crc32(key) % n` | `crc32("") = 0` → 0 | 0 |
//! | `consistent_random` (default) | `crc32(key) % n` | random | random |
//! | `murmur2` | `(murmur2(key) & 0x7fffffff) % n` | `0x106e08d9 % n` | `0x106e08d9 % n` |
//! | `murmur2_random` | as `murmur2` | as `murmur2` | random |
//! | `fnv1a` | `fnv1a(key) % n` | `0x7ee3623b % n` | `0x7ee3623b % n` |
//! | `fnv1a_random` | as `fnv1a` | as `fnv1a` | random |
//!
//! "random" is `rd_jitter(0, n-1) = rand() % n`. Before the partitioner function runs,
//! `rd_kafka_msg_partitioner` sends NULL keys (and, for `consistent_random` only, empty keys)
//! to the topic's **sticky partition** instead, unless the topic is a "random partitioner"
//! topic: `sticky.partitioning.linger.ms = 0`, or the partitioner is `consistent`, `murmur2` or
//! `fnv1a` (`rd_kafka_topic_new0`). Keyed records under `random` stay per-message random.
//!
//! The sticky partition is redrawn (uniformly, `rd_kafka_msg_partitioner_random`) at the first
//! message that comes strictly more than `sticky.partitioning.linger.ms` after the last draw
//! (`rd_interval`: `now - (last + interval) > 0`), and at once if the partition becomes
//! unavailable. `sticky.partitioning.linger.ms` defaults to `min(900000, 2 × linger.ms)` = 10 ms
//! when the user did not set it (`rd_kafka_conf_finalize`).
//!
//! Hashes: CRC-32 is IEEE (zlib, reflected 0xEDB88320), gzip's; FNV-1a is 32-bit FNV-1a
//! followed by Sarama's absolute value of the signed result (`src/rdfnv1a.c`); murmur2 is
//! Kafka's (`src/rdmurmur2.c`, same as Java's `Utils.murmur2`).
//!
//! Model simplification: every partition is available, so the "unavailable → redraw" paths
//! never trigger (the same simplification as [`super::built_in_partitioner`]).

use super::built_in_partitioner::murmur2;
use super::partitioner::PartitionHow;
use crate::rng::SimRng;

/// IEEE CRC-32 (zlib's `crc32`), as librdkafka's `rd_crc32`.
pub fn crc32(key: &[u8]) -> u32 {
    crate::record_batch::compression::gzip::crc32(key)
}

/// librdkafka's `rd_fnv1a`: 32-bit FNV-1a (offset basis 0x811C9DC5, prime 0x01000193) over the
/// bytes, then the absolute value of the result read as a signed int (Sarama's
/// `NewHashPartitioner`). `i32::MIN` stays `0x80000000`.
pub fn fnv1a(key: &[u8]) -> u32 {
    const PRIME: u32 = 0x0100_0193;
    const OFFSET: u32 = 0x811c_9dc5;
    let h = key
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u32::from(b)).wrapping_mul(PRIME)) as i32;
    h.wrapping_abs() as u32
}

/// The `partitioner` property's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LibrdkafkaPartitioner {
    Random,
    Consistent,
    ConsistentRandom,
    Murmur2,
    Murmur2Random,
    Fnv1a,
    Fnv1aRandom,
}

impl LibrdkafkaPartitioner {
    /// In the order of `rd_kafka_conf_validate_partitioner`.
    pub const ALL: [LibrdkafkaPartitioner; 7] = [
        LibrdkafkaPartitioner::Random,
        LibrdkafkaPartitioner::Consistent,
        LibrdkafkaPartitioner::ConsistentRandom,
        LibrdkafkaPartitioner::Murmur2,
        LibrdkafkaPartitioner::Murmur2Random,
        LibrdkafkaPartitioner::Fnv1a,
        LibrdkafkaPartitioner::Fnv1aRandom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LibrdkafkaPartitioner::Random => "random",
            LibrdkafkaPartitioner::Consistent => "consistent",
            LibrdkafkaPartitioner::ConsistentRandom => "consistent_random",
            LibrdkafkaPartitioner::Murmur2 => "murmur2",
            LibrdkafkaPartitioner::Murmur2Random => "murmur2_random",
            LibrdkafkaPartitioner::Fnv1a => "fnv1a",
            LibrdkafkaPartitioner::Fnv1aRandom => "fnv1a_random",
        }
    }

    /// Exact, case-sensitive match, as `rd_kafka_conf_validate_partitioner` (`strcmp`).
    pub fn parse(name: &str) -> Option<LibrdkafkaPartitioner> {
        LibrdkafkaPartitioner::ALL
            .into_iter()
            .find(|p| p.name() == name)
    }

    /// `rkt_conf.random_partitioner` is forced on for these three: their NULL keys always go
    /// through the hash, never to the sticky partition.
    pub fn never_sticky(self) -> bool {
        matches!(
            self,
            LibrdkafkaPartitioner::Consistent
                | LibrdkafkaPartitioner::Murmur2
                | LibrdkafkaPartitioner::Fnv1a
        )
    }

    /// Whether `rd_kafka_msg_partitioner` sends this key to the sticky partition (when
    /// stickiness is on): NULL keys, and empty keys under `consistent_random`.
    pub fn key_goes_sticky(self, key: Option<&[u8]>) -> bool {
        match key {
            None => true,
            Some(k) => k.is_empty() && self == LibrdkafkaPartitioner::ConsistentRandom,
        }
    }

    /// The partitioner function's answer when it is determined by the key: `None` when this
    /// partitioner draws at random for this key (`random`, an empty or NULL key under
    /// `consistent_random`, a NULL key under `murmur2_random` / `fnv1a_random`).
    pub fn keyed_partition(
        self,
        key: Option<&[u8]>,
        num_partitions: u32,
    ) -> Option<(u32, PartitionHow)> {
        assert!(num_partitions > 0, "a topic has at least one partition");
        let bytes = key.unwrap_or(&[]);
        let crc = || {
            let h = crc32(bytes);
            (
                h % num_partitions,
                PartitionHow::Crc32 {
                    crc32: h,
                    num_partitions,
                },
            )
        };
        let mm = || {
            let h = murmur2(bytes);
            let positive = (h & 0x7fff_ffff) as u32;
            (
                positive % num_partitions,
                PartitionHow::Murmur2 {
                    murmur2: h,
                    positive,
                    num_partitions,
                },
            )
        };
        let fnv = || {
            let h = fnv1a(bytes);
            (
                h % num_partitions,
                PartitionHow::Fnv1a {
                    fnv1a: h,
                    num_partitions,
                },
            )
        };
        match self {
            LibrdkafkaPartitioner::Random => None,
            LibrdkafkaPartitioner::Consistent => Some(crc()),
            LibrdkafkaPartitioner::ConsistentRandom => (!bytes.is_empty()).then(crc),
            LibrdkafkaPartitioner::Murmur2 => Some(mm()),
            LibrdkafkaPartitioner::Murmur2Random => key.is_some().then(mm),
            LibrdkafkaPartitioner::Fnv1a => Some(fnv()),
            LibrdkafkaPartitioner::Fnv1aRandom => key.is_some().then(fnv),
        }
    }
}

/// `rd_kafka_msg_partitioner_random`: `rd_jitter(0, n-1)`, i.e. `rand() % n`.
fn random_partition(num_partitions: u32, rng: &mut SimRng) -> (u32, PartitionHow) {
    let draw = rng.next_positive_i32();
    (
        draw as u32 % num_partitions,
        PartitionHow::Random {
            draw,
            num_partitions,
        },
    )
}

/// One topic's partitioner state in a librdkafka producer (`rd_kafka_topic_t`): the partitioner
/// function plus the sticky partition and the time it was drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibrdkafkaTopicPartitioner {
    pub partitioner: LibrdkafkaPartitioner,
    /// The effective `sticky.partitioning.linger.ms` (after `rd_kafka_conf_finalize`).
    pub sticky_linger_ms: u64,
    sticky: Option<u32>,
    last_draw_us: Option<u64>,
}

impl LibrdkafkaTopicPartitioner {
    pub fn new(partitioner: LibrdkafkaPartitioner, sticky_linger_ms: u64) -> Self {
        LibrdkafkaTopicPartitioner {
            partitioner,
            sticky_linger_ms,
            sticky: None,
            last_draw_us: None,
        }
    }

    /// `rkt_conf.random_partitioner` inverted: NULL keys use the sticky partition.
    pub fn uses_stickiness(&self) -> bool {
        self.sticky_linger_ms > 0 && !self.partitioner.never_sticky()
    }

    /// `rd_kafka_msg_partitioner` for a message without an explicit partition.
    pub fn partition(
        &mut self,
        key: Option<&[u8]>,
        num_partitions: u32,
        now_us: u64,
        rng: &mut SimRng,
    ) -> (u32, PartitionHow) {
        assert!(num_partitions > 0, "a topic has at least one partition");
        if self.uses_stickiness() && self.partitioner.key_goes_sticky(key) {
            return self.sticky_partition(num_partitions, now_us, rng);
        }
        match self.partitioner.keyed_partition(key, num_partitions) {
            Some(keyed) => keyed,
            None => random_partition(num_partitions, rng),
        }
    }

    /// `rd_kafka_msg_sticky_partition`: redraw when the interval has passed (strictly) since the
    /// last draw, or when the sticky partition is not a partition of the topic any more.
    fn sticky_partition(
        &mut self,
        num_partitions: u32,
        now_us: u64,
        rng: &mut SimRng,
    ) -> (u32, PartitionHow) {
        let interval_us = self.sticky_linger_ms * 1000;
        let expired = match self.last_draw_us {
            None => true,
            Some(last) => now_us > last + interval_us,
        };
        let gone = self.sticky.is_none_or(|p| p >= num_partitions);
        let redrawn = expired || gone;
        if redrawn {
            self.sticky = Some(random_partition(num_partitions, rng).0);
            self.last_draw_us = Some(now_us);
        }
        let partition = self.sticky.expect("drawn above");
        (
            partition,
            PartitionHow::LibrdkafkaSticky {
                drawn_at_us: self.last_draw_us.expect("drawn above"),
                redrawn,
                sticky_linger_ms: self.sticky_linger_ms,
            },
        )
    }

    /// The current sticky partition, if one was drawn.
    pub fn sticky(&self) -> Option<u32> {
        self.sticky
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    /// librdkafka `unittest_fnv1a` ("golang_hashfnv_results"), `src/rdfnv1a.c`.
    #[test]
    fn fnv1a_matches_librdkafka_unittest() {
        let cases: [(&str, u32); 11] = [
            ("kafka", 0x0d33c4e1),
            ("giberish123456789", 0x77a58295),
            ("1234", 0x023bdd03),
            ("234", 0x2dea3cd2),
            ("34", 0x740fa83e),
            ("4", 0x310ca263),
            ("PreAmbleWillBeRemoved,ThePrePartThatIs", 0x65cbd69c),
            ("reAmbleWillBeRemoved,ThePrePartThatIs", 0x6e49c79a),
            ("eAmbleWillBeRemoved,ThePrePartThatIs", 0x69eed356),
            ("AmbleWillBeRemoved,ThePrePartThatIs", 0x6abcc023),
            ("", 0x7ee3623b),
        ];
        for (key, want) in cases {
            assert_eq!(fnv1a(key.as_bytes()), want, "fnv1a({key:?})");
        }
    }

    /// IEEE CRC-32 check value, and TV-P3's crc32 column (librdkafka `tests/0048-partitioner.c`).
    #[test]
    fn crc32_is_ieee() {
        assert_eq!(crc32(b"123456789"), 0xcbf43926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"23456"), 0xb1b451d7);
        assert_eq!(
            crc32(b"this is another string with more length to it perhaps"),
            0xb0150df7
        );
        assert_eq!(crc32(b"hejsan"), 0xd077037e);
    }

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for p in LibrdkafkaPartitioner::ALL {
            assert_eq!(LibrdkafkaPartitioner::parse(p.name()), Some(p));
        }
        assert_eq!(LibrdkafkaPartitioner::parse("Murmur2"), None);
    }

    #[test]
    fn sticky_redraws_only_after_the_interval() {
        let mut rng = SimRng::new(7, Stream::Partitioner);
        let mut t = LibrdkafkaTopicPartitioner::new(LibrdkafkaPartitioner::ConsistentRandom, 10);
        let (p0, how) = t.partition(None, 1000, 0, &mut rng);
        assert!(matches!(
            how,
            PartitionHow::LibrdkafkaSticky { redrawn: true, .. }
        ));
        for now in [1, 5_000, 10_000] {
            let (p, how) = t.partition(Some(b""), 1000, now, &mut rng);
            assert_eq!(p, p0, "within 10 ms (inclusive) at {now} µs");
            assert!(matches!(
                how,
                PartitionHow::LibrdkafkaSticky { redrawn: false, .. }
            ));
        }
        let (_, how) = t.partition(None, 1000, 10_001, &mut rng);
        assert!(matches!(
            how,
            PartitionHow::LibrdkafkaSticky {
                redrawn: true,
                drawn_at_us: 10_001,
                ..
            }
        ));
    }
}
