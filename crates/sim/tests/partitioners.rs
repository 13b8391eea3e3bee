//! Partitioners against Kafka's and librdkafka's own test vectors and documented behaviour.

use producer_sim::producer::built_in_partitioner::partition_for_key;
use producer_sim::producer::librdkafka_partitioner::{
    LibrdkafkaPartitioner, LibrdkafkaTopicPartitioner, crc32, fnv1a,
};
use producer_sim::producer::partitioner::{
    PartitionChoice, PartitionError, PartitionHow, Partitioner, PartitionerKind,
};
use producer_sim::producer::producer_config::{ProducerConfig, Profile};
use producer_sim::rng::{SimRng, Stream};

fn rng() -> SimRng {
    SimRng::new(42, Stream::Partitioner)
}

fn rdk(partitioner: LibrdkafkaPartitioner, sticky_linger_ms: u64) -> Partitioner {
    Partitioner::new(
        PartitionerKind::Librdkafka {
            partitioner,
            sticky_linger_ms,
        },
        0,
    )
}

/// TV-P3: librdkafka `tests/0048-partitioner.c` `do_test_partitioners`, which runs every
/// partitioner with `sticky.partitioning.linger.ms=0` on 17 partitions (7 in quick mode).
/// Keys: NULL, "", "23456", a long string, "hejsan"; `None` = random (not checked there).
#[test]
fn librdkafka_partitioners_match_0048_partitioner_test() {
    const LONG: &str = "this is another string with more length to it perhaps";
    let keys: [Option<&[u8]>; 5] = [
        None,
        Some(b""),
        Some(b"23456"),
        Some(LONG.as_bytes()),
        Some(b"hejsan"),
    ];
    for part_cnt in [17u32, 7] {
        let m = |h: u32| Some(h % part_cnt);
        let table: [(LibrdkafkaPartitioner, [Option<u32>; 5]); 7] = [
            (LibrdkafkaPartitioner::Random, [None; 5]),
            (
                LibrdkafkaPartitioner::Consistent,
                [m(0), m(0), m(0xb1b451d7), m(0xb0150df7), m(0xd077037e)],
            ),
            (
                LibrdkafkaPartitioner::ConsistentRandom,
                [None, None, m(0xb1b451d7), m(0xb0150df7), m(0xd077037e)],
            ),
            (
                LibrdkafkaPartitioner::Murmur2,
                [
                    m(0x106e08d9),
                    m(0x106e08d9),
                    m(0x058d780f),
                    m(0x4f7703da),
                    m(0x5ec19395),
                ],
            ),
            (
                LibrdkafkaPartitioner::Murmur2Random,
                [
                    None,
                    m(0x106e08d9),
                    m(0x058d780f),
                    m(0x4f7703da),
                    m(0x5ec19395),
                ],
            ),
            (
                LibrdkafkaPartitioner::Fnv1a,
                [
                    m(0x7ee3623b),
                    m(0x7ee3623b),
                    m(0x27e6f469),
                    m(0x155e3e5f),
                    m(0x17b1e27a),
                ],
            ),
            (
                LibrdkafkaPartitioner::Fnv1aRandom,
                [
                    None,
                    m(0x7ee3623b),
                    m(0x27e6f469),
                    m(0x155e3e5f),
                    m(0x17b1e27a),
                ],
            ),
        ];
        let mut r = rng();
        for (partitioner, expected) in table {
            let mut p = rdk(partitioner, 0);
            for (key, want) in keys.iter().zip(expected) {
                let got = p.partition("t", *key, None, part_cnt, 0, &mut r).unwrap();
                let got = got.partition.expect("librdkafka always picks a partition");
                assert!(got < part_cnt);
                if let Some(want) = want {
                    assert_eq!(got, want, "{} {key:?} on {part_cnt}", partitioner.name());
                }
                assert_eq!(
                    partitioner.keyed_partition(*key, part_cnt).map(|(p, _)| p),
                    want,
                    "deterministic part of {} {key:?}",
                    partitioner.name()
                );
            }
        }
    }
}

/// TV-P3's hash columns and TV-P6: `consistent` is plain IEEE CRC-32 of the key, not murmur2,
/// so the same key usually lands elsewhere than with Java.
#[test]
fn tv_p3_hash_columns_and_tv_p6() {
    assert_eq!(crc32(b"23456"), 0xb1b451d7);
    assert_eq!(
        crc32(b"this is another string with more length to it perhaps"),
        0xb0150df7
    );
    assert_eq!(crc32(b"hejsan"), 0xd077037e);
    assert_eq!(fnv1a(b""), 0x7ee3623b);
    assert_eq!(fnv1a(b"23456"), 0x27e6f469);
    assert_eq!(
        fnv1a(b"this is another string with more length to it perhaps"),
        0x155e3e5f
    );
    assert_eq!(fnv1a(b"hejsan"), 0x17b1e27a);
    let (crc_p, how) = LibrdkafkaPartitioner::Consistent
        .keyed_partition(Some(b"hejsan"), 17)
        .unwrap();
    assert_eq!(crc_p, 0xd077037e % 17);
    assert_eq!(
        how,
        PartitionHow::Crc32 {
            crc32: 0xd077037e,
            num_partitions: 17
        }
    );
    assert_ne!(
        crc_p,
        partition_for_key(b"hejsan", 17),
        "5 with Java's murmur2"
    );
}

/// TV-P1 (Kafka `UtilsTest.testMurmur2`) through the send-path API: the UI sees the signed hash.
#[test]
fn java_keyed_partition_reports_the_murmur2_hash() {
    let mut p = Partitioner::new(PartitionerKind::BuiltIn { ignore_keys: false }, 60_000);
    let mut r = rng();
    for (key, hash) in [
        ("21", -973932308),
        ("foobar", -790332482),
        ("abc", 479470107),
    ] {
        let c = p
            .partition("t", Some(key.as_bytes()), None, 10, 0, &mut r)
            .unwrap();
        assert_eq!(
            c.how,
            PartitionHow::Murmur2 {
                murmur2: hash,
                positive: (hash & 0x7fffffff) as u32,
                num_partitions: 10
            }
        );
        assert_eq!(c.partition, Some((hash & 0x7fffffff) as u32 % 10));
    }
    // librdkafka's murmur2_random agrees with Java for keyed records ("functionally equivalent").
    let mut m = rdk(LibrdkafkaPartitioner::Murmur2Random, 10);
    for key in ["21", "foobar", "abc", ""] {
        let got = m
            .partition("t", Some(key.as_bytes()), None, 12, 0, &mut r)
            .unwrap();
        assert_eq!(got.partition, Some(partition_for_key(key.as_bytes(), 12)));
    }
}

/// librdkafka: NULL keys (and empty keys under consistent_random) stick to one partition for
/// `sticky.partitioning.linger.ms`, then a new one is drawn; keyed records are unaffected.
#[test]
fn librdkafka_null_keys_are_sticky_for_the_linger_interval() {
    let mut p = rdk(LibrdkafkaPartitioner::ConsistentRandom, 10);
    let mut r = rng();
    let first = p.partition("t", None, None, 1000, 0, &mut r).unwrap();
    for now_us in [0, 3_000, 9_999, 10_000] {
        let c = p
            .partition("t", Some(b""), None, 1000, now_us, &mut r)
            .unwrap();
        assert_eq!(c.partition, first.partition, "at {now_us} µs");
        let k = p
            .partition("t", Some(b"hejsan"), None, 1000, now_us, &mut r)
            .unwrap();
        assert_eq!(k.partition, Some(0xd077037e % 1000));
    }
    let mut later = Vec::new();
    for step in 1..=20u64 {
        let c = p
            .partition("t", None, None, 1000, step * 10_001, &mut r)
            .unwrap();
        assert!(matches!(
            c.how,
            PartitionHow::LibrdkafkaSticky { redrawn: true, .. }
        ));
        later.push(c.partition.unwrap());
    }
    assert!(
        later.iter().any(|&x| Some(x) != first.partition),
        "redrawn every interval"
    );
    assert_eq!(p.sticky_partition("t"), later.last().copied());
}

/// `sticky.partitioning.linger.ms=0`: every NULL-key message is drawn on its own.
#[test]
fn librdkafka_sticky_zero_is_per_message_random() {
    let mut p = rdk(LibrdkafkaPartitioner::Murmur2Random, 0);
    let mut r = rng();
    let drawn: Vec<_> = (0..64)
        .map(|_| {
            let c = p.partition("t", None, None, 16, 0, &mut r).unwrap();
            assert!(matches!(c.how, PartitionHow::Random { .. }));
            c.partition.unwrap()
        })
        .collect();
    assert!(drawn.windows(2).any(|w| w[0] != w[1]));
}

/// `consistent`, `murmur2` and `fnv1a` never use the sticky partition: a NULL key always hashes
/// as an empty key (`rd_kafka_topic_new0` forces `random_partitioner`).
#[test]
fn non_random_librdkafka_partitioners_map_null_keys_to_one_partition() {
    let mut r = rng();
    for (partitioner, want) in [
        (LibrdkafkaPartitioner::Consistent, 0),
        (LibrdkafkaPartitioner::Murmur2, 0x106e08d9 % 17),
        (LibrdkafkaPartitioner::Fnv1a, 0x7ee3623b % 17),
    ] {
        let mut p = rdk(partitioner, 10);
        for now_us in [0, 50_000, 1_000_000] {
            let c = p.partition("t", None, None, 17, now_us, &mut r).unwrap();
            assert_eq!(c.partition, Some(want), "{}", partitioner.name());
        }
    }
}

/// `random` draws keyed messages per message but still sticks NULL keys.
#[test]
fn librdkafka_random_partitioner_sticks_only_null_keys() {
    let mut p = rdk(LibrdkafkaPartitioner::Random, 10);
    let mut r = rng();
    let keyed: Vec<_> = (0..32)
        .map(|_| {
            p.partition("t", Some(b"k"), None, 16, 0, &mut r)
                .unwrap()
                .partition
        })
        .collect();
    assert!(keyed.windows(2).any(|w| w[0] != w[1]));
    let a = p.partition("t", None, None, 16, 0, &mut r).unwrap();
    let b = p.partition("t", None, None, 16, 5_000, &mut r).unwrap();
    assert_eq!(a.partition, b.partition);
}

/// A fake accumulator: one deque per partition; a batch holds `capacity` records; `drain`
/// empties everything. `append` with `abort` returns `Err(())` instead of opening a batch.
struct FakeAccumulator {
    capacity: usize,
    last_batch_len: Vec<Option<usize>>,
    appended: Vec<u32>,
}

impl FakeAccumulator {
    fn new(partitions: u32, capacity: usize) -> Self {
        FakeAccumulator {
            capacity,
            last_batch_len: vec![None; partitions as usize],
            appended: Vec::new(),
        }
    }

    fn append(&mut self, partition: u32, abort_on_new_batch: bool) -> Result<(), ()> {
        let slot = &mut self.last_batch_len[partition as usize];
        match slot {
            Some(n) if *n < self.capacity => *n += 1,
            _ if abort_on_new_batch => return Err(()),
            _ => *slot = Some(1),
        }
        self.appended.push(partition);
        Ok(())
    }

    fn drain(&mut self) {
        self.last_batch_len.iter_mut().for_each(|s| *s = None);
    }
}

/// The send path's dance (module doc of `partitioner`): partition, append with abort, and on
/// abort `onNewBatch` + partition again + append without abort.
fn send(
    p: &mut Partitioner,
    acc: &mut FakeAccumulator,
    key: Option<&[u8]>,
    n: u32,
    r: &mut SimRng,
) {
    let abort = p.aborts_on_new_batch();
    let choice: PartitionChoice = p.partition("t", key, None, n, 0, r).unwrap();
    let first = choice
        .partition
        .expect("pluggable partitioners always choose");
    if acc.append(first, abort).is_err() {
        p.on_new_batch("t", first, n, r);
        let again = p.partition("t", key, None, n, 0, r).unwrap();
        acc.append(again.partition.unwrap(), false).unwrap();
    }
}

/// KAFKA-9965 / KAFKA-17632: when every record needs a new batch (drained after each send),
/// the 3.x `RoundRobinPartitioner` counts twice per record and only odd partitions get data;
/// 4.0's `onNewBatch` remembers the partition and the cycle covers all of them.
#[test]
fn round_robin_skips_partitions_before_kafka_17632() {
    let mut r = rng();
    for (fixed, want) in [
        (false, vec![1, 3, 1, 3, 1, 3, 1, 3]),
        (true, vec![0, 1, 2, 3, 0, 1, 2, 3]),
    ] {
        let mut p = Partitioner::new(
            PartitionerKind::RoundRobin {
                kafka_17632_fixed: fixed,
            },
            60_000,
        );
        let mut acc = FakeAccumulator::new(4, 100);
        for _ in 0..8 {
            send(&mut p, &mut acc, Some(b"key is ignored"), 4, &mut r);
            acc.drain();
        }
        assert_eq!(acc.appended, want, "kafka_17632_fixed={fixed}");
    }
}

/// Before the fix, even with batches that stay open, the partitions whose first record needed
/// a new batch are skipped forever: p0 and p2 never get a batch.
#[test]
fn round_robin_before_fix_never_opens_even_partitions() {
    let mut r = rng();
    let mut p = Partitioner::new(
        PartitionerKind::RoundRobin {
            kafka_17632_fixed: false,
        },
        60_000,
    );
    let mut acc = FakeAccumulator::new(4, 1000);
    for _ in 0..20 {
        send(&mut p, &mut acc, None, 4, &mut r);
    }
    assert!(acc.appended.iter().all(|&x| x == 1 || x == 3));
}

/// KIP-480 (`DefaultPartitioner` 2.4–3.x): null keys stay on the sticky partition until a new
/// batch is needed there, then move to a different partition; keyed records hash as usual.
#[test]
fn default_partitioner_sticky_switches_on_new_batch() {
    let mut r = rng();
    let mut p = Partitioner::new(PartitionerKind::DefaultSticky, 60_000);
    let mut acc = FakeAccumulator::new(6, 3);
    for _ in 0..30 {
        send(&mut p, &mut acc, None, 6, &mut r);
    }
    let runs: Vec<&[u32]> = acc.appended.chunk_by(|a, b| a == b).collect();
    assert!(runs.len() >= 10, "a switch at least every 3 records");
    assert!(runs.iter().all(|run| run.len() == 3), "{runs:?}");
    assert!(
        runs.windows(2).all(|w| w[0][0] != w[1][0]),
        "never the same partition twice"
    );
    let keyed = p
        .partition("t", Some(b"hejsan"), None, 12, 0, &mut r)
        .unwrap();
    assert_eq!(keyed.partition, Some(1), "TV-P5");
}

/// `UniformStickyPartitioner`: keys are ignored, everything is sticky.
#[test]
fn uniform_sticky_ignores_keys() {
    let mut r = rng();
    let mut p = Partitioner::new(PartitionerKind::UniformSticky, 60_000);
    let a = p.partition("t", Some(b"a"), None, 8, 0, &mut r).unwrap();
    let b = p.partition("t", Some(b"zzz"), None, 8, 0, &mut r).unwrap();
    assert_eq!(a.partition, b.partition);
    assert_eq!(a.how, PartitionHow::StickyCache);
}

/// Kafka < 2.4 `DefaultPartitioner`: null keys round-robin, one partition after the other,
/// from a random start; the counter is per topic.
#[test]
fn legacy_default_partitioner_round_robins_null_keys() {
    let mut r = rng();
    let mut p = Partitioner::new(PartitionerKind::LegacyDefault, 60_000);
    let got: Vec<u32> = (0..12)
        .map(|_| {
            p.partition("t", None, None, 5, 0, &mut r)
                .unwrap()
                .partition
                .unwrap()
        })
        .collect();
    for w in got.windows(2) {
        assert_eq!(w[1], (w[0] + 1) % 5, "{got:?}");
    }
    assert!(!p.aborts_on_new_batch(), "2.0 had no new-batch hook");
    let keyed = p
        .partition("t", Some(b"kafka"), None, 6, 0, &mut r)
        .unwrap();
    assert_eq!(keyed.partition, Some(4), "TV-P5");
}

/// An explicit partition the topic lacks: Java blocks `max.block.ms` and fails through the
/// callback; librdkafka fails `produce()` at once.
#[test]
fn explicit_partition_out_of_range_follows_each_client() {
    let mut r = rng();
    let config = ProducerConfig::defaults(Profile::Kafka4);
    let mut java = Partitioner::from_config(&config);
    match java.partition("orders", None, Some(6), 6, 0, &mut r) {
        Err(PartitionError::NotInMetadata {
            blocked_ms,
            message,
            ..
        }) => {
            assert_eq!(blocked_ms, 60_000);
            assert_eq!(
                message,
                "Partition 6 of topic orders with partition count 6 is not present in metadata after 60000 ms."
            );
        }
        other => panic!("{other:?}"),
    }
    let config = ProducerConfig::defaults(Profile::Librdkafka2);
    let mut c = Partitioner::from_config(&config);
    let e = c
        .partition("orders", Some(b"k"), Some(9), 6, 0, &mut r)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: Local: Unknown partition"
    );
}

/// A configuration builds the matching partitioner.
#[test]
fn config_selects_the_partitioner() {
    let props = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let c = ProducerConfig::from_props(
        Profile::Librdkafka2,
        &props(&[("partitioner", "fnv1a_random"), ("linger.ms", "20")]),
    )
    .unwrap();
    assert_eq!(
        c.partitioner,
        PartitionerKind::Librdkafka {
            partitioner: LibrdkafkaPartitioner::Fnv1aRandom,
            sticky_linger_ms: 40
        }
    );
    let mut t = LibrdkafkaTopicPartitioner::new(LibrdkafkaPartitioner::Fnv1aRandom, 40);
    assert!(t.uses_stickiness());
    let mut r = rng();
    assert_eq!(
        t.partition(Some(b"hejsan"), 17, 0, &mut r).0,
        0x17b1e27a % 17
    );
    let c = ProducerConfig::from_props(
        Profile::Kafka3,
        &props(&[(
            "partitioner.class",
            "org.apache.kafka.clients.producer.RoundRobinPartitioner",
        )]),
    )
    .unwrap();
    assert_eq!(
        c.partitioner,
        PartitionerKind::RoundRobin {
            kafka_17632_fixed: false
        }
    );
    assert!(Partitioner::from_config(&c).aborts_on_new_batch());
}
