//! A scenario: everything needed to reproduce one run (config, cluster, network, workload,
//! faults, seed). The UI's form and URL, the CLI, lessons and tests all describe runs this way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::producer::metadata::NodeId;
use crate::producer::producer_config::Profile;

mod network;
mod workload;
pub use network::LinkParams;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// The root seed; every random draw of the run derives from it.
    pub seed: u64,
    pub profile: Profile,
    /// Producer settings under Kafka's key names. Values are kept as the strings Kafka's
    /// `ConfigDef` parses; numbers and booleans are accepted and turned into strings.
    #[serde(deserialize_with = "config_values")]
    pub producer: BTreeMap<String, String>,
    pub cluster: ClusterSpec,
    pub network: NetworkSpec,
    pub workload: Workload,
    /// Faults, in any order; each happens at its time.
    pub faults: Vec<FaultAt>,
    /// `flush()` and `close()` calls the application makes, each at its time.
    pub calls: Vec<CallAt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSpec {
    pub brokers: u32,
    pub topic: String,
    pub partitions: u32,
    pub replication_factor: u32,
    /// Topic `min.insync.replicas` (Kafka's default 1).
    pub min_insync_replicas: u32,
    /// `replica.lag.time.max.ms` (default 30000).
    pub replica_lag_time_max_ms: u64,
    /// KRaft `broker.session.timeout.ms` (default 9000): how long a crash goes unnoticed.
    pub broker_session_timeout_ms: u64,
    /// `replica.fetch.wait.max.ms` (default 500).
    pub replica_fetch_wait_max_ms: u64,
    /// The topic's `max.message.bytes` (default 1048588): the largest batch a broker accepts.
    pub max_message_bytes: usize,
    /// The topic's `retention.bytes` per partition; absent means no limit (Kafka's -1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency between any two hosts, in µs.
    pub one_way_latency_us: u64,
    /// Extra latency drawn uniformly from `0..=jitter_us` per message (seeded). Messages on
    /// one connection still arrive in order, as on TCP.
    pub jitter_us: u64,
    /// Bytes per second each direction of a link carries; 0 = unlimited. A message occupies
    /// its link for `bytes / bandwidth` before its latency starts.
    pub bandwidth_bytes_per_second: u64,
    /// Per-broker overrides of the three values above (see [`LinkSpec`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
}

/// One broker's network link. Unset values fall back to the network-wide ones. It applies to
/// messages between the client and that broker, and to replication between it and another
/// broker, where the slower of the two brokers' links counts (larger latency and jitter,
/// smaller bandwidth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub broker: NodeId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_way_latency_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_bytes_per_second: Option<u64>,
}

/// How the application picks each record's key. Random draws come from the seeded
/// workload stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyChoice {
    /// Null keys: the sticky partitioner decides.
    Null,
    /// Uniformly among `key-0` … `key-{count-1}`.
    Pool { count: u32 },
    /// A new key per record: `key-{record id}`.
    Unique,
    /// The keys in order, over and over: record n gets `keys[n % len]`.
    List { keys: Vec<String> },
    /// A skewed key space: a record gets `key` with probability `share` (0 to 1), otherwise a
    /// key drawn uniformly among `key-0` … `key-{pool-1}`.
    Hot { key: String, share: f64, pool: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// `send()` calls per second of virtual time, evenly spaced.
    pub records_per_second: u32,
    /// How many records the application sends in all.
    pub records: u64,
    pub keys: KeyChoice,
    /// Bytes of each value (UTF-8 text); the smallest size when `value_bytes_max` is set.
    pub value_bytes: usize,
    /// When set, each value's size is drawn uniformly from `value_bytes..=value_bytes_max`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_bytes_max: Option<usize>,
    /// Headers added to every record, in order, as `[["name", "value"], …]`; a name may
    /// repeat, as Kafka's `Headers` allow. They count in the record's size.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Every value is null: tombstones, which delete their key on a compacted topic.
    /// Serializers pass null through as null (`Serializer.serialize(topic, null)`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tombstones: bool,
    /// `send().get()`: wait for each record's result before the next `send()`.
    pub sync: bool,
    /// What the application does after its last `send()`.
    pub on_finish: OnFinish,
}

/// The end of the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFinish {
    /// The application keeps running (a service): batches leave when full or lingered.
    #[default]
    KeepRunning,
    /// `producer.close()`: flushes everything, then stops.
    Close,
    /// The process exits without `flush()` or `close()`: whatever is still in the
    /// accumulator or in flight never gets a callback (the tutorial's first pitfall).
    ExitWithoutFlush,
}

/// Something that goes wrong, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The broker process dies (SIGKILL): connections drop, the controller notices later.
    CrashBroker {
        broker: NodeId,
    },
    RestartBroker {
        broker: NodeId,
    },
    /// Crash whichever broker leads the partition at that moment.
    KillLeader {
        partition: u32,
    },
    /// The next ProduceRequest to the broker is lost on the way.
    DropNextRequest {
        broker: NodeId,
    },
    /// The broker handles the next ProduceRequest, but its response is lost.
    DropNextResponse {
        broker: NodeId,
    },
    /// The broker, as a follower, stops fetching for a while: it falls out of the ISR.
    SlowFollower {
        broker: NodeId,
        for_ms: u64,
    },
    /// Every message between the producer and the broker is lost for a while.
    CutClient {
        broker: NodeId,
        for_ms: u64,
    },
}

/// A fault and when it happens. (serde cannot deny unknown fields through `flatten`; the
/// fault's own fields are checked.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultAt {
    pub at_ms: u64,
    #[serde(flatten)]
    pub fault: Fault,
}

/// A call the application makes on the producer besides `send()`. It runs on the
/// application thread, after the `send()` in progress returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProducerCall {
    /// `flush()`: every batch becomes sendable; the thread waits for the records sent so far.
    Flush,
    /// `close(timeout)`: sends what is buffered; after `timeout_ms` (none: wait forever) the
    /// rest is aborted. The application sends nothing more.
    Close {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
    },
}

/// A producer call and when the application makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallAt {
    pub at_ms: u64,
    #[serde(flatten)]
    pub call: ProducerCall,
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
            faults: Vec::new(),
            calls: Vec::new(),
        }
    }
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            brokers: 1,
            topic: "demo".into(),
            partitions: 6,
            replication_factor: 1,
            min_insync_replicas: 1,
            replica_lag_time_max_ms: 30_000,
            broker_session_timeout_ms: 9_000,
            replica_fetch_wait_max_ms: 500,
            max_message_bytes: 1_048_588,
            retention_bytes: None,
        }
    }
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            one_way_latency_us: 1000,
            jitter_us: 0,
            bandwidth_bytes_per_second: 0,
            links: Vec::new(),
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
            value_bytes_max: None,
            headers: Vec::new(),
            tombstones: false,
            sync: false,
            on_finish: OnFinish::KeepRunning,
        }
    }
}

/// A config value as written in a scenario file: `"5"`, `5`, `5.0` or `true`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ConfigValue {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

fn config_values<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = BTreeMap::<String, ConfigValue>::deserialize(d)?;
    // Inserted, not collect()ed: one stable sort fewer in the wasm bundle.
    let mut values = BTreeMap::new();
    values.extend(raw.into_iter().map(|(k, v)| {
        let text = match v {
            ConfigValue::Text(s) => s,
            ConfigValue::Int(i) => i.to_string(),
            ConfigValue::Float(f) => f.to_string(),
            ConfigValue::Bool(b) => b.to_string(),
        };
        (k, text)
    }));
    Ok(values)
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
    /// Reads a scenario from TOML (the file format) or JSON (the URL and API format).
    pub fn parse(text: &str, is_toml: bool) -> Result<Scenario, ScenarioError> {
        if is_toml {
            toml::from_str(text).map_err(|e| ScenarioError(format!("invalid scenario: {e}")))
        } else {
            serde_json::from_str(text).map_err(|e| ScenarioError(format!("invalid scenario: {e}")))
        }
    }

    /// The scenario as TOML, in the same shape `parse` reads.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("scenarios serialize")
    }

    /// Checks the parts that are not producer configs.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let err = |m: String| Err(ScenarioError(m));
        let c = &self.cluster;
        if !(1..=64).contains(&c.brokers) {
            return err("cluster.brokers must be between 1 and 64".into());
        }
        if !(1..=1024).contains(&c.partitions) {
            return err("cluster.partitions must be between 1 and 1024".into());
        }
        if c.topic.is_empty() {
            return err("cluster.topic must not be empty".into());
        }
        if !(1..=c.brokers).contains(&c.replication_factor) {
            return err(format!(
                "cluster.replication_factor must be between 1 and the number of brokers ({})",
                c.brokers
            ));
        }
        if c.max_message_bytes < crate::record_size::RECORD_BATCH_OVERHEAD {
            return err("cluster.max_message_bytes must be at least 61 (one batch header)".into());
        }
        if c.min_insync_replicas < 1 {
            return err("cluster.min_insync_replicas must be at least 1".into());
        }
        if !(1..=10_000_000).contains(&self.workload.records_per_second) {
            return err("workload.records_per_second must be between 1 and 10000000".into());
        }
        self.workload.validate()?;
        self.network.validate(c.brokers)?;
        for f in &self.faults {
            let broker = match f.fault {
                Fault::CrashBroker { broker }
                | Fault::RestartBroker { broker }
                | Fault::DropNextRequest { broker }
                | Fault::DropNextResponse { broker }
                | Fault::SlowFollower { broker, .. }
                | Fault::CutClient { broker, .. } => Some(broker),
                Fault::KillLeader { partition } if partition >= c.partitions => {
                    return err(format!(
                        "fault at {} ms: partition {partition} does not exist",
                        f.at_ms
                    ));
                }
                Fault::KillLeader { .. } => None,
            };
            if let Some(b) = broker.filter(|b| !(1..=c.brokers).contains(b)) {
                return err(format!(
                    "fault at {} ms: broker {b} does not exist (brokers are 1..={})",
                    f.at_ms, c.brokers
                ));
            }
        }
        Ok(())
    }
}
