//! One partition across its replicas: leader, ISR, high watermark and follower progress.
//!
//! Source: apache/kafka `Partition.scala` (`appendRecordsToLeader`, `checkEnoughReplicasReachOffset`,
//! `maybeIncrementLeaderHW`, `maybeShrinkIsr`, `maybeExpandIsr`, `updateFollowerFetchState`),
//! with the review's errata B: since 3.7 the high watermark does not advance while the
//! partition is under min.insync.replicas.
//!
//! Model simplifications: ISR changes take effect at once (no AlterPartition round trip); the
//! high watermark counts the leader and the ISR only.

use litemap::LiteMap;

use super::log::{AppendInfo, Replica};
use crate::produce_request::{PartitionResponse, WireBatch};
use crate::producer::metadata::NodeId;
use crate::producer::producer_config::Acks;
use crate::protocol::Errors;

/// The leader's view of one follower (`Replica` state in `Partition.scala`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowerState {
    pub log_end_offset: i64,
    pub last_caught_up_us: u64,
    last_fetch_leader_leo: i64,
    last_fetch_us: u64,
}

#[derive(Debug, Clone)]
pub struct PartitionState {
    pub id: u32,
    /// Assigned replicas, preferred leader first.
    pub assignment: Vec<NodeId>,
    pub leader: Option<NodeId>,
    pub leader_epoch: i32,
    pub isr: Vec<NodeId>,
    pub high_watermark: i64,
    pub replicas: LiteMap<NodeId, Replica>,
    pub followers: LiteMap<NodeId, FollowerState>,
}

/// The result of an append on the leader, before acks=all waits for replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderAppend {
    /// Answer now (acks 0/1, a duplicate, or an error).
    Done(PartitionResponse),
    /// acks=all: wait until the high watermark reaches `required_offset`.
    AwaitReplication {
        required_offset: i64,
        base_offset: i64,
    },
}

impl PartitionState {
    pub fn new(id: u32, assignment: Vec<NodeId>, retention_bytes: Option<u64>) -> Self {
        // Inserted one by one: `LiteMap`'s `extend` and `collect` sort, a stable sort per type in
        // the wasm bundle.
        let mut replicas = LiteMap::new_vec();
        for n in &assignment {
            replicas.insert(*n, Replica::with_retention(retention_bytes));
        }
        let mut followers = LiteMap::new_vec();
        for n in assignment.iter().skip(1) {
            followers.insert(*n, FollowerState::default());
        }
        PartitionState {
            id,
            leader: assignment.first().copied(),
            leader_epoch: 0,
            isr: assignment.clone(),
            high_watermark: 0,
            replicas,
            followers,
            assignment,
        }
    }

    /// `effectiveMinIsr = min(min.insync.replicas, replication factor)`.
    pub fn effective_min_isr(&self, min_insync_replicas: usize) -> usize {
        min_insync_replicas.min(self.assignment.len())
    }

    pub fn leader_log(&self) -> Option<&Replica> {
        self.replicas.get(&self.leader?)
    }

    pub fn leader_log_end_offset(&self) -> i64 {
        self.leader_log().map_or(0, Replica::log_end_offset)
    }

    /// `appendRecordsToLeader`: acks=all is refused up front when the ISR is too small; then
    /// `UnifiedLog.analyzeAndValidateRecords` refuses a batch larger than the topic's
    /// `max.message.bytes` with MESSAGE_TOO_LARGE.
    pub fn append_records_to_leader(
        &mut self,
        batch: &WireBatch,
        acks: Acks,
        min_isr: usize,
        max_message_bytes: usize,
    ) -> LeaderAppend {
        let fail = |e| {
            LeaderAppend::Done(PartitionResponse {
                error: Some(e),
                base_offset: -1,
                duplicate: false,
            })
        };
        if acks == Acks::All && self.isr.len() < self.effective_min_isr(min_isr) {
            return fail(Errors::NotEnoughReplicas);
        }
        if batch.size_in_bytes > max_message_bytes {
            return fail(Errors::MessageTooLarge);
        }
        let leader = self.leader.expect("caller checked leadership");
        let epoch = self.leader_epoch;
        let replica = self
            .replicas
            .get_mut(&leader)
            .expect("leader has a replica");
        match replica.append_as_leader(batch, epoch) {
            Err(e) => fail(e),
            Ok(AppendInfo {
                first_offset,
                last_offset,
                duplicate,
            }) => {
                if acks == Acks::All && !duplicate {
                    LeaderAppend::AwaitReplication {
                        required_offset: last_offset + 1,
                        base_offset: first_offset,
                    }
                } else {
                    LeaderAppend::Done(PartitionResponse {
                        error: None,
                        base_offset: first_offset,
                        duplicate,
                    })
                }
            }
        }
    }

    /// `checkEnoughReplicasReachOffset`: `None` while waiting.
    pub fn check_enough_replicas_reach_offset(
        &self,
        required_offset: i64,
        min_isr: usize,
    ) -> Option<Option<Errors>> {
        if self.high_watermark < required_offset {
            return None;
        }
        if self.isr.len() >= self.effective_min_isr(min_isr) {
            Some(None)
        } else {
            Some(Some(Errors::NotEnoughReplicasAfterAppend))
        }
    }

    /// `maybeIncrementLeaderHW`: the smallest log end offset in the ISR; frozen under min ISR.
    pub fn maybe_increment_high_watermark(&mut self, min_isr: usize) -> bool {
        let Some(leader) = self.leader else {
            return false;
        };
        if self.isr.len() < self.effective_min_isr(min_isr) {
            return false;
        }
        let leo = |n: &NodeId| {
            if *n == leader {
                self.replicas[n].log_end_offset()
            } else {
                self.followers.get(n).map_or(0, |f| f.log_end_offset)
            }
        };
        let new_hw = self.isr.iter().map(leo).min().unwrap_or(0);
        if new_hw > self.high_watermark {
            self.high_watermark = new_hw;
            return true;
        }
        false
    }

    /// `updateFollowerFetchState`: a fetch at `fetch_offset` means the follower has everything
    /// below it. It is caught up if it reached the leader's log end as of its previous fetch.
    pub fn update_follower_fetch_state(
        &mut self,
        follower: NodeId,
        fetch_offset: i64,
        now_us: u64,
    ) {
        let leader_leo = self.leader_log_end_offset();
        let Some(f) = self.followers.get_mut(&follower) else {
            return;
        };
        if fetch_offset >= leader_leo {
            f.last_caught_up_us = now_us;
        } else if fetch_offset >= f.last_fetch_leader_leo {
            f.last_caught_up_us = f.last_caught_up_us.max(f.last_fetch_us);
        }
        f.log_end_offset = fetch_offset;
        f.last_fetch_leader_leo = leader_leo;
        f.last_fetch_us = now_us;
    }

    /// `maybeExpandIsr`: a follower that reached the high watermark rejoins the ISR.
    pub fn maybe_expand_isr(&mut self, follower: NodeId) -> bool {
        let Some(f) = self.followers.get(&follower) else {
            return false;
        };
        if self.isr.contains(&follower) || f.log_end_offset < self.high_watermark {
            return false;
        }
        self.isr.push(follower);
        // In assignment order (the ISR is a subset of it): a stable sort by position, without
        // linking one more sort into the wasm bundle.
        let isr = std::mem::take(&mut self.isr);
        self.isr = self
            .assignment
            .iter()
            .copied()
            .filter(|n| isr.contains(n))
            .collect();
        true
    }

    /// `maybeShrinkIsr`: followers not caught up within replica.lag.time.max.ms leave the ISR.
    pub fn maybe_shrink_isr(&mut self, now_us: u64, lag_max_us: u64) -> Vec<NodeId> {
        let Some(leader) = self.leader else {
            return Vec::new();
        };
        let out: Vec<NodeId> = self
            .isr
            .iter()
            .copied()
            .filter(|n| *n != leader)
            .filter(|n| {
                self.followers
                    .get(n)
                    .is_some_and(|f| now_us.saturating_sub(f.last_caught_up_us) > lag_max_us)
            })
            .collect();
        self.isr.retain(|n| !out.contains(n));
        out
    }

    /// A new leader takes over with a bumped epoch; followers restart their progress.
    pub fn become_leader(&mut self, leader: NodeId, now_us: u64) {
        self.leader = Some(leader);
        self.leader_epoch += 1;
        let leo = self.replicas[&leader].log_end_offset();
        self.high_watermark = self.high_watermark.min(leo);
        // Inserted one by one: `LiteMap`'s `extend` and `collect` sort, a stable sort per type in
        // the wasm bundle.
        self.followers.clear();
        for n in self.assignment.iter().filter(|n| **n != leader) {
            let follower = FollowerState {
                last_caught_up_us: now_us,
                ..FollowerState::default()
            };
            self.followers.insert(*n, follower);
        }
    }

    /// A replica joining as follower truncates what the leader does not have
    /// (leader-epoch based, KIP-101/KIP-279). Returns the number of records it lost.
    pub fn truncate_follower(&mut self, follower: NodeId) -> usize {
        let Some(leader) = self.leader else { return 0 };
        if leader == follower {
            return 0;
        }
        let replica = &self.replicas[&follower];
        let Some(epoch) = replica.latest_epoch() else {
            return 0;
        };
        let leader_end = self.replicas[&leader].end_offset_for_epoch(epoch);
        let target = leader_end.min(replica.log_end_offset());
        self.replicas
            .get_mut(&follower)
            .expect("assigned")
            .truncate_to(target)
    }
}
