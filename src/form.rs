//! The run form: what the learner typed, turned into a scenario or a clear error.
//! Pure and native-testable; the component only renders it.

use std::collections::BTreeMap;

use producer_sim::Scenario;
use producer_sim::producer::producer_config::Profile;
use producer_sim::scenario::{ClusterSpec, KeyChoice, Workload};

/// One editable field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Seed,
    Profile,
    Acks,
    BatchSize,
    LingerMs,
    Partitions,
    Brokers,
    ReplicationFactor,
    MinInsyncReplicas,
    RecordsPerSecond,
    Records,
    Keys,
}

/// The form's text, exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormState {
    pub seed: String,
    pub profile: String,
    /// Empty means "the profile's default".
    pub acks: String,
    pub batch_size: String,
    pub linger_ms: String,
    pub partitions: String,
    pub brokers: String,
    pub replication_factor: String,
    pub min_insync_replicas: String,
    pub records_per_second: String,
    pub records: String,
    /// `pool:N`, `null`, `unique`, `list:a,b,c` or `hot:SHARE:POOL:KEY`.
    pub keys: String,
}

impl Default for FormState {
    fn default() -> Self {
        FormState {
            seed: "1".into(),
            profile: "kafka-4".into(),
            acks: String::new(),
            batch_size: String::new(),
            linger_ms: String::new(),
            partitions: "6".into(),
            brokers: "3".into(),
            replication_factor: "3".into(),
            min_insync_replicas: "2".into(),
            records_per_second: "200".into(),
            records: "400".into(),
            keys: "pool:12".into(),
        }
    }
}

impl FormState {
    pub fn set(&mut self, field: Field, value: String) {
        let slot = match field {
            Field::Seed => &mut self.seed,
            Field::Profile => &mut self.profile,
            Field::Acks => &mut self.acks,
            Field::BatchSize => &mut self.batch_size,
            Field::LingerMs => &mut self.linger_ms,
            Field::Partitions => &mut self.partitions,
            Field::Brokers => &mut self.brokers,
            Field::ReplicationFactor => &mut self.replication_factor,
            Field::MinInsyncReplicas => &mut self.min_insync_replicas,
            Field::RecordsPerSecond => &mut self.records_per_second,
            Field::Records => &mut self.records,
            Field::Keys => &mut self.keys,
        };
        *slot = value;
    }

    /// The form for a scenario (for example one read from a shared link).
    pub fn from_scenario(s: &Scenario) -> FormState {
        let p = |k: &str| s.producer.get(k).cloned().unwrap_or_default();
        FormState {
            seed: s.seed.to_string(),
            profile: s.profile.name().to_string(),
            acks: p("acks"),
            batch_size: p("batch.size"),
            linger_ms: p("linger.ms"),
            partitions: s.cluster.partitions.to_string(),
            brokers: s.cluster.brokers.to_string(),
            replication_factor: s.cluster.replication_factor.to_string(),
            min_insync_replicas: s.cluster.min_insync_replicas.to_string(),
            records_per_second: s.workload.records_per_second.to_string(),
            records: s.workload.records.to_string(),
            keys: s.workload.keys.to_form_text(),
        }
    }

    /// The scenario this form describes, with the fields the form does not show (other
    /// producer keys, network, faults, …) taken from `base`.
    pub fn to_scenario_over(&self, base: &Scenario) -> Result<Scenario, String> {
        let mut s = self.to_scenario()?;
        let mut producer = base.producer.clone();
        for key in ["acks", "batch.size", "linger.ms"] {
            match s.producer.remove(key) {
                Some(v) => producer.insert(key.to_string(), v),
                None => producer.remove(key),
            };
        }
        s.producer = producer;
        s.network = base.network.clone();
        s.faults = base.faults.clone();
        s.calls = base.calls.clone();
        // The form shows four cluster fields; the rest (topic, lag and session timeouts, …)
        // are the base scenario's.
        s.cluster = producer_sim::scenario::ClusterSpec {
            brokers: s.cluster.brokers,
            partitions: s.cluster.partitions,
            replication_factor: s.cluster.replication_factor,
            min_insync_replicas: s.cluster.min_insync_replicas,
            ..base.cluster.clone()
        };
        let w = &base.workload;
        s.workload.value_bytes = w.value_bytes;
        s.workload.value_bytes_max = w.value_bytes_max;
        s.workload.headers = w.headers.clone();
        if self.keys.trim() == w.keys.to_form_text() {
            s.workload.keys = w.keys.clone(); // exact, even for list keys holding ','
        }
        s.workload.sync = w.sync;
        s.workload.on_finish = w.on_finish;
        s.validate().map_err(|e| e.0)?;
        Ok(s)
    }

    /// The scenario this form describes. Producer settings stay strings so that the model's
    /// `ProducerConfig` validates them with Kafka's own wording.
    pub fn to_scenario(&self) -> Result<Scenario, String> {
        let seed = number::<u64>("seed", &self.seed)?;
        let profile = Profile::parse(self.profile.trim())
            .ok_or_else(|| format!("Unknown profile '{}'", self.profile))?;
        let mut producer = BTreeMap::new();
        for (key, value) in [
            ("acks", &self.acks),
            ("batch.size", &self.batch_size),
            ("linger.ms", &self.linger_ms),
        ] {
            if !value.trim().is_empty() {
                producer.insert(key.to_string(), value.trim().to_string());
            }
        }
        let keys = KeyChoice::from_form_text(&self.keys)?;
        let scenario = Scenario {
            seed,
            profile,
            producer,
            cluster: ClusterSpec {
                partitions: number("partitions", &self.partitions)?,
                brokers: number("brokers", &self.brokers)?,
                replication_factor: number("replication factor", &self.replication_factor)?,
                min_insync_replicas: number("min.insync.replicas", &self.min_insync_replicas)?,
                ..ClusterSpec::default()
            },
            workload: Workload {
                records_per_second: number("records per second", &self.records_per_second)?,
                records: number("records", &self.records)?,
                keys,
                ..Workload::default()
            },
            ..Scenario::default()
        };
        scenario.validate().map_err(|e| e.0)?;
        Ok(scenario)
    }
}

fn number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{name} must be a whole number, not '{text}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_form_is_a_valid_scenario() {
        let s = FormState::default().to_scenario().unwrap();
        assert_eq!(s.cluster.partitions, 6);
        assert!(
            s.producer.is_empty(),
            "blank fields keep the profile's defaults"
        );
    }

    #[test]
    fn producer_fields_pass_through_for_kafka_validation() {
        let mut f = FormState::default();
        f.set(Field::Acks, "2".into());
        let s = f.to_scenario().unwrap();
        let err = producer_sim::Simulation::new(s, false)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("Invalid value 2 for configuration acks"),
            "{err}"
        );
    }

    #[test]
    fn a_scenario_round_trips_through_the_form() {
        let mut base = FormState::default().to_scenario().unwrap();
        base.producer
            .insert("compression.type".into(), "lz4".into());
        base.producer.insert("acks".into(), "1".into());
        base.faults.push(producer_sim::scenario::FaultAt {
            at_ms: 7,
            fault: producer_sim::scenario::Fault::KillLeader { partition: 0 },
        });
        base.workload.sync = true;
        base.cluster.replica_lag_time_max_ms = 500;
        base.calls.push(producer_sim::scenario::CallAt {
            at_ms: 9,
            call: producer_sim::scenario::ProducerCall::Close {
                timeout_ms: Some(100),
            },
        });
        let form = FormState::from_scenario(&base);
        assert_eq!(form.acks, "1");
        assert_eq!(form.to_scenario_over(&base).unwrap(), base);
        let mut edited = form.clone();
        edited.set(Field::Acks, String::new());
        let s = edited.to_scenario_over(&base).unwrap();
        assert!(
            !s.producer.contains_key("acks"),
            "a blank field returns to the profile default"
        );
        assert_eq!(
            s.producer.get("compression.type").map(String::as_str),
            Some("lz4"),
            "keys the form does not show survive"
        );
    }

    #[test]
    fn workload_choices_survive_the_form() {
        let mut base = FormState::default().to_scenario().unwrap();
        base.workload.keys = KeyChoice::List {
            keys: vec!["a,b".into(), "c".into()],
        };
        base.workload.headers = vec![("h".into(), "v".into())];
        base.workload.value_bytes_max = Some(500);
        let form = FormState::from_scenario(&base);
        assert_eq!(form.to_scenario_over(&base).unwrap(), base);
        let mut hot = form.clone();
        hot.set(Field::Keys, "hot:0.5:10:k".into());
        assert_eq!(
            hot.to_scenario_over(&base).unwrap().workload.keys,
            KeyChoice::Hot {
                key: "k".into(),
                share: 0.5,
                pool: 10
            }
        );
    }

    #[test]
    fn garbage_gives_a_message_not_a_panic() {
        for (field, value) in [
            (Field::Seed, "x"),
            (Field::Partitions, "0"),
            (Field::Partitions, "-1"),
            (Field::Keys, "pool:"),
            (Field::Keys, "random"),
            (Field::Profile, "kafka-9"),
            (Field::RecordsPerSecond, "1e9"),
        ] {
            let mut f = FormState::default();
            f.set(field, value.into());
            assert!(
                f.to_scenario().is_err(),
                "{field:?}={value} should be refused"
            );
        }
    }
}
