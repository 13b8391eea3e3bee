//! Keyed partitioning, exactly as the Java producer does it.
//!
//! `partition = toPositive(murmur2(serializedKey)) % numPartitions`, where
//! `toPositive(x) = x & 0x7fffffff` (not `abs`) and `numPartitions` counts **all**
//! partitions of the topic, available or not.
//! Source: apache/kafka `BuiltInPartitioner.partitionForKey`, `Utils.murmur2`, `Utils.toPositive`.
//! librdkafka's `murmur2` and `murmur2_random` partitioners compute the same value.
//!
//! The tutorial's "`abs(key.hashCode()) % n`" is wrong: the hash is murmur2 over the
//! serialized bytes with seed `0x9747b28c`, and Java's `hashCode` is never involved.

/// Kafka's murmur2: MurmurHash2 over little-endian 4-byte blocks with seed `0x9747b28c`.
/// Returned as Java's signed `int`.
pub fn murmur2(key: &[u8]) -> i32 {
    murmur2::murmur2(key, murmur2::KAFKA_SEED) as i32
}

/// `Utils.toPositive`: clears the sign bit. `toPositive(i32::MIN) == 0`, unlike `abs`.
pub fn to_positive(x: i32) -> i32 {
    x & 0x7fff_ffff
}

/// `BuiltInPartitioner.partitionForKey`: the partition of a non-null serialized key.
///
/// # Panics
/// If `num_partitions` is 0; a topic always has at least one partition.
pub fn partition_for_key(serialized_key: &[u8], num_partitions: u32) -> u32 {
    assert!(num_partitions > 0, "a topic has at least one partition");
    to_positive(murmur2(serialized_key)) as u32 % num_partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TV-P1: Kafka `UtilsTest.testMurmur2` (signed results).
    #[test]
    fn murmur2_matches_kafka_utils_test() {
        let cases: [(&str, i32); 6] = [
            ("21", -973932308),
            ("foobar", -790332482),
            ("a-little-bit-long-string", -985981536),
            ("a-little-bit-longer-string", -1486304829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
            ("abc", 479470107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key.as_bytes()), expected, "murmur2({key:?})");
        }
    }

    /// TV-P1, derived column: toPositive of each hash.
    #[test]
    fn to_positive_clears_the_sign_bit() {
        assert_eq!(to_positive(-973932308), 1173551340);
        assert_eq!(to_positive(-58897971), 2088585677);
        assert_eq!(to_positive(479470107), 479470107);
        assert_eq!(to_positive(i32::MIN), 0, "abs(MIN) would overflow; toPositive gives 0");
    }

    /// TV-P2: librdkafka `unittest_murmur2` ("java_murmur2_results"), unsigned.
    #[test]
    fn murmur2_matches_librdkafka_unittest() {
        let cases: [(&str, u32); 11] = [
            ("kafka", 0xd067cf64),
            ("giberish123456789", 0x8f552b0c),
            ("1234", 0x9fc97b14),
            ("234", 0xe7c009ca),
            ("34", 0x873930da),
            ("4", 0x5a4b5ca1),
            ("PreAmbleWillBeRemoved,ThePrePartThatIs", 0x78424f1c),
            ("reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62b377),
            ("eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4e09e),
            ("AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8b43f),
            ("", 0x106e08d9),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key.as_bytes()) as u32, expected, "murmur2({key:?})");
        }
    }

    /// TV-P3: librdkafka `0048-partitioner.c`, masked murmur2 and 17 / 7 partitions.
    #[test]
    fn partitions_match_librdkafka_partitioner_test() {
        let cases: [(&str, u32, u32, u32); 4] = [
            ("", 0x106e08d9, 11, 2),
            ("23456", 0x058d780f, 9, 5),
            ("this is another string with more length to it perhaps", 0x4f7703da, 11, 1),
            ("hejsan", 0x5ec19395, 5, 6),
        ];
        for (key, masked, p17, p7) in cases {
            assert_eq!(to_positive(murmur2(key.as_bytes())) as u32, masked, "{key:?}");
            assert_eq!(partition_for_key(key.as_bytes(), 17), p17, "{key:?} % 17");
            assert_eq!(partition_for_key(key.as_bytes(), 7), p7, "{key:?} % 7");
        }
    }

    /// TV-P4: Kafka Streams' pre-computed partitions of "0".."9" on 3 partitions.
    #[test]
    fn partitions_match_kafka_streams_precomputed() {
        let expected = [2, 0, 2, 2, 1, 0, 1, 0, 0, 2];
        for (i, want) in expected.into_iter().enumerate() {
            assert_eq!(partition_for_key(i.to_string().as_bytes(), 3), want, "key {i}");
        }
    }

    /// TV-P5: partitions for 3 / 6 / 10 / 12 partitions.
    #[test]
    fn partitions_match_spec_table() {
        let cases: [(&str, [u32; 4]); 7] = [
            ("21", [0, 0, 0, 0]),
            ("foobar", [0, 0, 6, 6]),
            ("abc", [0, 3, 7, 3]),
            ("", [0, 3, 1, 9]),
            ("kafka", [1, 4, 0, 4]),
            ("key", [1, 1, 1, 1]),
            ("hejsan", [1, 1, 3, 1]),
        ];
        for (key, parts) in cases {
            for (n, want) in [3, 6, 10, 12].into_iter().zip(parts) {
                assert_eq!(partition_for_key(key.as_bytes(), n), want, "{key:?} % {n}");
            }
        }
        assert_eq!(murmur2(b"key"), -1079937367);
    }
}
