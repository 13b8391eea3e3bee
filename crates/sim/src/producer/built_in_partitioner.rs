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
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58897971,
            ),
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
        assert_eq!(
            to_positive(i32::MIN),
            0,
            "abs(MIN) would overflow; toPositive gives 0"
        );
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
            (
                "this is another string with more length to it perhaps",
                0x4f7703da,
                11,
                1,
            ),
            ("hejsan", 0x5ec19395, 5, 6),
        ];
        for (key, masked, p17, p7) in cases {
            assert_eq!(
                to_positive(murmur2(key.as_bytes())) as u32,
                masked,
                "{key:?}"
            );
            assert_eq!(partition_for_key(key.as_bytes(), 17), p17, "{key:?} % 17");
            assert_eq!(partition_for_key(key.as_bytes(), 7), p7, "{key:?} % 7");
        }
    }

    /// TV-P4: Kafka Streams' pre-computed partitions of "0".."9" on 3 partitions.
    #[test]
    fn partitions_match_kafka_streams_precomputed() {
        let expected = [2, 0, 2, 2, 1, 0, 1, 0, 0, 2];
        for (i, want) in expected.into_iter().enumerate() {
            assert_eq!(
                partition_for_key(i.to_string().as_bytes(), 3),
                want,
                "key {i}"
            );
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

/// The null-key ("strictly uniform sticky") partitioner of KIP-794, one per topic.
///
/// Records without a key stick to one partition until about `batch.size` bytes went there:
/// the switch happens once `producedBytes ≥ batch.size` and the partition's last batch is full
/// (or its deque is empty), or unconditionally at `2 × batch.size`. The next partition is drawn
/// uniformly, or, with adaptive partitioning, weighted toward partitions with shorter queues.
/// Source: apache/kafka `BuiltInPartitioner` (3.3+), `RecordAccumulator.partitionReady`.
///
/// Model simplification: every partition has a leader, so "available" means "all".
#[derive(Debug, Clone)]
pub struct BuiltInPartitioner {
    num_partitions: u32,
    sticky_batch_size: usize,
    sticky: Option<StickyPartitionInfo>,
    /// Cumulative frequency table and its partition ids, when adaptive stats apply.
    load_stats: Option<(Vec<u32>, Vec<u32>)>,
    /// Buffers of a table that was not kept, for the next one (the sender builds a table on
    /// every `ready`).
    spare: (Vec<u32>, Vec<u32>),
}

/// The current sticky partition and the bytes produced to it since it was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StickyPartitionInfo {
    pub partition: u32,
    pub produced_bytes: usize,
}

impl BuiltInPartitioner {
    pub fn new(num_partitions: u32, batch_size: usize) -> Self {
        BuiltInPartitioner {
            num_partitions,
            sticky_batch_size: batch_size,
            sticky: None,
            load_stats: None,
            spare: (Vec::new(), Vec::new()),
        }
    }

    /// Two zeroed buffers of `n` entries for [`Self::update_partition_load_stats`]: the
    /// current table's, or spare ones. The current table is gone until that call.
    pub fn take_load_stats_buffers(&mut self, n: usize) -> (Vec<u32>, Vec<u32>) {
        let (mut sizes, mut ids) = self
            .load_stats
            .take()
            .unwrap_or_else(|| std::mem::take(&mut self.spare));
        sizes.clear();
        sizes.resize(n, 0);
        ids.clear();
        ids.resize(n, 0);
        (sizes, ids)
    }

    /// `peekCurrentPartitionInfo`: the sticky partition, choosing one first if there is none.
    pub fn peek_current_partition(
        &mut self,
        random: &mut impl FnMut() -> i32,
    ) -> StickyPartitionInfo {
        if self.sticky.is_none() {
            self.next_partition(random);
        }
        self.sticky.expect("chosen above")
    }

    /// `nextPartition`: uniform over all partitions, or weighted by the load-stats table.
    /// The same partition may be drawn again.
    fn next_partition(&mut self, random: &mut impl FnMut() -> i32) {
        let r = random() as u32;
        let partition = match &self.load_stats {
            None => r % self.num_partitions,
            Some((cft, ids)) => {
                let weighted = r % cft[cft.len() - 1];
                let index = cft
                    .iter()
                    .position(|&c| c > weighted)
                    .expect("last entry exceeds any draw");
                ids[index]
            }
        };
        self.sticky = Some(StickyPartitionInfo {
            partition,
            produced_bytes: 0,
        });
    }

    /// `updatePartitionInfo`: count the appended bytes and switch when the rule says so.
    /// Returns the new sticky partition if it switched.
    pub fn update_partition_info(
        &mut self,
        appended_bytes: usize,
        enable_switch: bool,
        random: &mut impl FnMut() -> i32,
    ) -> Option<u32> {
        let info = self.sticky.as_mut()?;
        info.produced_bytes += appended_bytes;
        let b = self.sticky_batch_size;
        if (info.produced_bytes >= b && enable_switch) || info.produced_bytes >= 2 * b {
            self.next_partition(random);
            return self.sticky.map(|s| s.partition);
        }
        None
    }

    /// `updatePartitionLoadStats`: builds the cumulative frequency table from queue sizes with
    /// weight `max + 1 − size`, or clears it when the sizes give no reason to prefer a partition.
    /// `queue_sizes` is `None` when adaptive partitioning is off or some partition has no deque yet.
    pub fn update_partition_load_stats(
        &mut self,
        queue_sizes: Option<(Vec<u32>, Vec<u32>)>,
        length: usize,
    ) {
        if let Some(old) = self.load_stats.take() {
            self.spare = old;
        }
        let Some((mut sizes, ids)) = queue_sizes else {
            return;
        };
        if length < 1 || sizes.len() < 2 {
            self.spare = (sizes, ids);
            return;
        }
        let all_equal = sizes[..length].iter().all(|&s| s == sizes[0]);
        if all_equal && length == sizes.len() {
            self.spare = (sizes, ids);
            return;
        }
        let max_plus_1 = sizes[..length].iter().copied().max().unwrap_or(0) + 1;
        let mut running = 0;
        for s in sizes[..length].iter_mut() {
            running += max_plus_1 - *s;
            *s = running;
        }
        sizes.truncate(length);
        let mut ids = ids;
        ids.truncate(length);
        self.load_stats = Some((sizes, ids));
    }

    pub fn sticky(&self) -> Option<StickyPartitionInfo> {
        self.sticky
    }

    /// The adaptive weights as (partition, cumulative frequency), for display.
    pub fn load_stats(&self) -> Option<(&[u32], &[u32])> {
        self.load_stats
            .as_ref()
            .map(|(c, i)| (c.as_slice(), i.as_slice()))
    }
}

#[cfg(test)]
mod sticky_tests {
    use super::*;

    fn draws(values: Vec<i32>) -> impl FnMut() -> i32 {
        let mut it = values.into_iter();
        move || it.next().expect("test supplied enough draws")
    }

    #[test]
    fn sticks_until_batch_size_bytes_then_switches_at_a_batch_boundary() {
        let mut p = BuiltInPartitioner::new(3, 100);
        let mut r = draws(vec![4, 2]);
        assert_eq!(p.peek_current_partition(&mut r).partition, 1);
        assert_eq!(p.update_partition_info(60, false, &mut r), None);
        assert_eq!(
            p.update_partition_info(60, false, &mut r),
            None,
            "120 ≥ 100 but the batch is not full"
        );
        assert_eq!(
            p.update_partition_info(10, true, &mut r),
            Some(2),
            "switch enabled at a full batch"
        );
        assert_eq!(p.sticky().unwrap().produced_bytes, 0);
    }

    #[test]
    fn switches_unconditionally_at_twice_batch_size() {
        let mut p = BuiltInPartitioner::new(3, 100);
        let mut r = draws(vec![0, 1]);
        p.peek_current_partition(&mut r);
        assert_eq!(p.update_partition_info(200, false, &mut r), Some(1));
    }

    /// The source comment's example: queue sizes 0,3,1 → weights 4,1,3 → CFT 4,5,8.
    #[test]
    fn adaptive_weights_favour_short_queues() {
        let mut p = BuiltInPartitioner::new(3, 100);
        p.update_partition_load_stats(Some((vec![0, 3, 1], vec![0, 1, 2])), 3);
        assert_eq!(p.load_stats().unwrap().0, &[4, 5, 8]);
        let pick = |r: i32| {
            let mut q = p.clone();
            q.sticky = None;
            q.peek_current_partition(&mut draws(vec![r])).partition
        };
        assert_eq!((0..4).map(pick).collect::<Vec<_>>(), vec![0, 0, 0, 0]);
        assert_eq!(pick(4), 1);
        assert_eq!((5..8).map(pick).collect::<Vec<_>>(), vec![2, 2, 2]);
    }

    /// Errata F: equal sizes give uniform choice only if no partition was excluded.
    #[test]
    fn equal_queues_fall_back_to_uniform_unless_some_were_excluded() {
        let mut p = BuiltInPartitioner::new(3, 100);
        p.update_partition_load_stats(Some((vec![2, 2, 2], vec![0, 1, 2])), 3);
        assert!(p.load_stats().is_none());
        p.update_partition_load_stats(Some((vec![2, 2, 0], vec![0, 2, 0])), 2);
        assert_eq!(p.load_stats().unwrap(), (&[1u32, 2][..], &[0u32, 2][..]));
    }
}
