//! A scenario: everything needed to reproduce one run (config, cluster, network, workload,
//! seed). The UI's form, the CLI and the tests all describe runs this way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::producer::producer_config::Profile;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// The root seed; every random draw of the run derives from it.
    pub seed: u64,
    pub profile: Profile,
    /// Producer settings under Kafka's key names, as strings (`"acks" = "1"`).
    pub producer: BTreeMap<String, String>,
    pub cluster: ClusterSpec,
    pub network: NetworkSpec,
    pub workload: Workload,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSpec {
    pub brokers: u32,
    pub topic: String,
    pub partitions: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency between the producer and every broker, in µs.
    pub one_way_latency_us: u64,
}

/// How the application picks each record's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyChoice {
    /// Null keys: the sticky partitioner decides.
    Null,
    /// Uniformly among `key-0` … `key-{count-1}`.
    Pool { count: u32 },
    /// A new key per record: `key-{record id}`.
    Unique,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// `send()` calls per second of virtual time, evenly spaced.
    pub records_per_second: u32,
    /// How many records the application sends in all.
    pub records: u64,
    pub keys: KeyChoice,
    /// Bytes of each value (UTF-8 text).
    pub value_bytes: usize,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            seed: 1,
            profile: Profile::Kafka4,
            producer: BTreeMap::new(),
            cluster: ClusterSpec::default(),
            network: NetworkSpec::default(),
            workload: Workload::default(),
        }
    }
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            brokers: 1,
            topic: "demo".into(),
            partitions: 6,
        }
    }
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            one_way_latency_us: 1000,
        }
    }
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            records_per_second: 1000,
            records: 200,
            keys: KeyChoice::Pool { count: 12 },
            value_bytes: 100,
        }
    }
}

/// A scenario the model cannot run, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Checks the parts that are not producer configs.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let err = |m: &str| Err(ScenarioError(m.to_string()));
        if !(1..=64).contains(&self.cluster.brokers) {
            return err("cluster.brokers must be between 1 and 64");
        }
        if !(1..=1024).contains(&self.cluster.partitions) {
            return err("cluster.partitions must be between 1 and 1024");
        }
        if self.cluster.topic.is_empty() {
            return err("cluster.topic must not be empty");
        }
        if !(1..=10_000_000).contains(&self.workload.records_per_second) {
            return err("workload.records_per_second must be between 1 and 10000000");
        }
        if self.workload.value_bytes > 1 << 20 {
            return err("workload.value_bytes must be at most 1048576");
        }
        if let KeyChoice::Pool { count: 0 } = self.workload.keys {
            return err("workload.keys.count must be at least 1");
        }
        Ok(())
    }
}
