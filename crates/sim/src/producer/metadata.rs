//! The producer's view of the cluster: who leads each partition of the topic.

pub type NodeId = u32;

/// Partition leaders as the producer last learned them (`Cluster` / `MetadataSnapshot`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub topic: String,
    /// Index = partition; `None` = leader unknown.
    pub leaders: Vec<Option<NodeId>>,
    /// Brokers in the cluster (ids 1..=N), for choosing a node to ask.
    pub broker_count: NodeId,
}

impl Metadata {
    pub fn num_partitions(&self) -> u32 {
        self.leaders.len() as u32
    }

    pub fn leader_for(&self, partition: u32) -> Option<NodeId> {
        self.leaders.get(partition as usize).copied().flatten()
    }

    /// `partitionsForNode`, in partition order.
    pub fn partitions_for_node(&self, node: NodeId) -> Vec<u32> {
        (0..self.num_partitions())
            .filter(|&p| self.leader_for(p) == Some(node))
            .collect()
    }
}
