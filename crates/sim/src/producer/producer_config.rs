//! `ProducerConfig`: the producer's settings under their Kafka key names, with each
//! profile's true defaults and Kafka's own validation wording.
//!
//! Keys and defaults (profile `kafka-4`; source: apache/kafka `ProducerConfig`, `CommonClientConfigs`,
//! KIP-679 and KIP-1030):
//!
//! | key | default |
//! |---|---|
//! | `acks` | `all` (-1); `1` before 3.0 |
//! | `batch.size` | 16384 |
//! | `linger.ms` | 5 in 4.0 (KIP-1030); 0 in 3.x |
//! | `buffer.memory` | 33554432 |
//! | `max.in.flight.requests.per.connection` | 5 |
//! | `enable.idempotence` | true since 3.0; false before |
//! | `retries` | 2147483647; 0 before 2.1 |
//! | `delivery.timeout.ms` | 120000 |
//! | `request.timeout.ms` | 30000 |
//! | `retry.backoff.ms` / `retry.backoff.max.ms` | 100 / 1000 |
//! | `max.request.size` | 1048576 |
//! | `max.block.ms` | 60000 |
//! | `partitioner.ignore.keys` | false |
//! | `partitioner.adaptive.partitioning.enable` | true |
//! | `partitioner.availability.timeout.ms` | 0 |

use std::collections::BTreeMap;
use std::fmt;

/// Which client and version's defaults to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Profile {
    /// Apache Kafka 4.x Java producer (the default).
    #[default]
    #[serde(rename = "kafka-4")]
    Kafka4,
    /// Kafka 3.x: as 4.x but `linger.ms=0`.
    #[serde(rename = "kafka-3")]
    Kafka3,
    /// Kafka 2.0, the defaults most tutorials still print: acks=1, retries=0, no idempotence.
    #[serde(rename = "kafka-2.0")]
    Kafka2_0,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Kafka4, Profile::Kafka3, Profile::Kafka2_0];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Kafka4 => "kafka-4",
            Profile::Kafka3 => "kafka-3",
            Profile::Kafka2_0 => "kafka-2.0",
        }
    }

    pub fn parse(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// `acks`, normalised as `parseAcks` does (`all` → -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Acks {
    /// acks=0: no response; every offset is -1.
    None,
    /// acks=1: the leader's append.
    Leader,
    /// acks=all (-1): every in-sync replica, gated by min.insync.replicas.
    All,
}

impl Acks {
    pub fn as_i16(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

/// Kafka's `ConfigException`: `Invalid value V for configuration K: reason`, or a free message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigException {
    /// The key the message is about, when there is one.
    pub key: Option<String>,
    pub message: String,
}

impl ConfigException {
    fn invalid(key: &str, value: &str, reason: &str) -> Self {
        ConfigException {
            key: Some(key.to_string()),
            message: format!("Invalid value {value} for configuration {key}: {reason}"),
        }
    }

    fn about(key: &str, message: impl Into<String>) -> Self {
        ConfigException {
            key: Some(key.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "org.apache.kafka.common.config.ConfigException: {}",
            self.message
        )
    }
}

impl std::error::Error for ConfigException {}

/// The effective producer configuration after defaults and validation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProducerConfig {
    pub profile: Profile,
    pub acks: Acks,
    pub batch_size: usize,
    pub linger_ms: u64,
    pub buffer_memory: u64,
    pub max_in_flight_requests_per_connection: usize,
    pub enable_idempotence: bool,
    pub retries: u32,
    pub delivery_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub retry_backoff_ms: u64,
    pub retry_backoff_max_ms: u64,
    pub max_request_size: usize,
    pub max_block_ms: u64,
    pub partitioner_ignore_keys: bool,
    pub partitioner_adaptive_partitioning_enable: bool,
    pub partitioner_availability_timeout_ms: u64,
}

/// Kafka's `ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE`.
pub const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: usize = 5;

/// Every key the model understands, in the order the UI lists them.
pub const KNOWN_KEYS: [&str; 16] = [
    "acks",
    "batch.size",
    "linger.ms",
    "buffer.memory",
    "max.in.flight.requests.per.connection",
    "enable.idempotence",
    "retries",
    "delivery.timeout.ms",
    "request.timeout.ms",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
    "max.request.size",
    "max.block.ms",
    "partitioner.ignore.keys",
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
];

impl ProducerConfig {
    /// The profile's defaults, with no user settings.
    pub fn defaults(profile: Profile) -> Self {
        let modern = profile != Profile::Kafka2_0;
        ProducerConfig {
            profile,
            acks: if modern { Acks::All } else { Acks::Leader },
            batch_size: 16384,
            linger_ms: if profile == Profile::Kafka4 { 5 } else { 0 },
            buffer_memory: 33_554_432,
            max_in_flight_requests_per_connection: 5,
            enable_idempotence: modern,
            retries: if modern { i32::MAX as u32 } else { 0 },
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: if modern { 1000 } else { 100 },
            max_request_size: 1_048_576,
            max_block_ms: 60_000,
            partitioner_ignore_keys: false,
            partitioner_adaptive_partitioning_enable: true,
            partitioner_availability_timeout_ms: 0,
        }
    }

    /// Applies user settings (Kafka key → string value) on top of the profile's defaults and
    /// validates them the way `KafkaProducer`'s constructor does.
    pub fn from_props(
        profile: Profile,
        props: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigException> {
        let mut c = ProducerConfig::defaults(profile);
        for (key, raw) in props {
            let v = raw.trim();
            match key.as_str() {
                "acks" => {
                    c.acks = match v {
                        "all" | "-1" => Acks::All,
                        "1" => Acks::Leader,
                        "0" => Acks::None,
                        _ => {
                            return Err(ConfigException::invalid(
                                key,
                                raw,
                                "String must be one of: all, -1, 0, 1",
                            ));
                        }
                    }
                }
                "batch.size" => c.batch_size = int_at_least(key, raw, 0)? as usize,
                "linger.ms" => c.linger_ms = long_at_least(key, raw, 0)?,
                "buffer.memory" => c.buffer_memory = long_at_least(key, raw, 0)?,
                "max.in.flight.requests.per.connection" => {
                    c.max_in_flight_requests_per_connection = int_at_least(key, raw, 1)? as usize
                }
                "enable.idempotence" => c.enable_idempotence = boolean(key, raw)?,
                "retries" => c.retries = int_at_least(key, raw, 0)? as u32,
                "delivery.timeout.ms" => c.delivery_timeout_ms = int_at_least(key, raw, 0)? as u64,
                "request.timeout.ms" => c.request_timeout_ms = int_at_least(key, raw, 0)? as u64,
                "retry.backoff.ms" => c.retry_backoff_ms = long_at_least(key, raw, 0)?,
                "retry.backoff.max.ms" => c.retry_backoff_max_ms = long_at_least(key, raw, 0)?,
                "max.request.size" => c.max_request_size = int_at_least(key, raw, 0)? as usize,
                "max.block.ms" => c.max_block_ms = long_at_least(key, raw, 0)?,
                "partitioner.ignore.keys" => c.partitioner_ignore_keys = boolean(key, raw)?,
                "partitioner.adaptive.partitioning.enable" => {
                    c.partitioner_adaptive_partitioning_enable = boolean(key, raw)?
                }
                "partitioner.availability.timeout.ms" => {
                    c.partitioner_availability_timeout_ms = long_at_least(key, raw, 0)?
                }
                _ => {
                    return Err(ConfigException::about(
                        key,
                        format!("The configuration '{key}' was supplied but isn't a known config."),
                    ));
                }
            }
        }
        c.post_process_idempotence(props)?;
        c.configure_delivery_timeout(props)?;
        Ok(c)
    }

    /// `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: a conflicting setting is an
    /// error when the user set `enable.idempotence` explicitly, and silently turns idempotence off
    /// when it is only the default. Kafka 4.0 (KAFKA-17927) makes `max.in.flight > 5` an error
    /// in both cases; older profiles turn idempotence off with a warning.
    fn post_process_idempotence(
        &mut self,
        props: &BTreeMap<String, String>,
    ) -> Result<(), ConfigException> {
        if !self.enable_idempotence {
            return Ok(());
        }
        let explicit = props.contains_key("enable.idempotence");
        if self.retries == 0 {
            if explicit {
                return Err(ConfigException::about(
                    "retries",
                    "Must set retries to non-zero when using the idempotent producer.",
                ));
            }
            self.enable_idempotence = false;
        }
        if self.acks != Acks::All {
            if explicit {
                return Err(ConfigException::about(
                    "acks",
                    "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.",
                ));
            }
            self.enable_idempotence = false;
        }
        if self.enable_idempotence
            && self.max_in_flight_requests_per_connection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE
        {
            if explicit || self.profile == Profile::Kafka4 {
                return Err(ConfigException::about(
                    "max.in.flight.requests.per.connection",
                    format!(
                        "To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most {MAX_IN_FLIGHT_FOR_IDEMPOTENCE}. Current value is {}.",
                        self.max_in_flight_requests_per_connection
                    ),
                ));
            }
            self.enable_idempotence = false;
        }
        Ok(())
    }

    /// `KafkaProducer.configureDeliveryTimeout`: delivery.timeout.ms must cover linger.ms +
    /// request.timeout.ms. An explicit value that does not is an error; the default is raised.
    fn configure_delivery_timeout(
        &mut self,
        props: &BTreeMap<String, String>,
    ) -> Result<(), ConfigException> {
        let linger_plus_request = (self.linger_ms + self.request_timeout_ms).min(i32::MAX as u64);
        if self.delivery_timeout_ms < linger_plus_request {
            if props.contains_key("delivery.timeout.ms") {
                return Err(ConfigException::about(
                    "delivery.timeout.ms",
                    "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms",
                ));
            }
            self.delivery_timeout_ms = linger_plus_request;
        }
        Ok(())
    }

    /// `max.in.flight.requests.per.connection == 1`: partitions are muted while a batch is in flight.
    pub fn guarantee_message_order(&self) -> bool {
        self.max_in_flight_requests_per_connection == 1
    }
}

fn parse_number(key: &str, raw: &str, kind: &str) -> Result<i64, ConfigException> {
    let v = raw.trim();
    let parsed = v
        .parse::<i64>()
        .ok()
        .filter(|n| kind == "LONG" || i32::try_from(*n).is_ok());
    parsed
        .ok_or_else(|| ConfigException::invalid(key, raw, &format!("Not a number of type {kind}")))
}

fn int_at_least(key: &str, raw: &str, min: i64) -> Result<i64, ConfigException> {
    at_least(key, raw, parse_number(key, raw, "INT")?, min)
}

fn long_at_least(key: &str, raw: &str, min: i64) -> Result<u64, ConfigException> {
    Ok(at_least(key, raw, parse_number(key, raw, "LONG")?, min)? as u64)
}

fn at_least(key: &str, raw: &str, n: i64, min: i64) -> Result<i64, ConfigException> {
    if n < min {
        return Err(ConfigException::invalid(
            key,
            raw.trim(),
            &format!("Value must be at least {min}"),
        ));
    }
    Ok(n)
}

fn boolean(key: &str, raw: &str) -> Result<bool, ConfigException> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigException::invalid(
            key,
            raw,
            "Expected value to be either true or false",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kafka_4_defaults_are_acks_all_idempotent_linger_5() {
        let c = ProducerConfig::from_props(Profile::Kafka4, &BTreeMap::new()).unwrap();
        assert_eq!(c.acks, Acks::All);
        assert!(c.enable_idempotence);
        assert_eq!(c.linger_ms, 5);
        assert_eq!(c.batch_size, 16384);
        assert_eq!(c.retries, 2147483647);
        assert_eq!(c.delivery_timeout_ms, 120_000);
    }

    #[test]
    fn kafka_2_0_defaults_are_the_tutorials() {
        let c = ProducerConfig::from_props(Profile::Kafka2_0, &BTreeMap::new()).unwrap();
        assert_eq!(
            (c.acks, c.retries, c.enable_idempotence, c.linger_ms),
            (Acks::Leader, 0, false, 0)
        );
    }

    #[test]
    fn acks_one_alone_silently_disables_implicit_idempotence() {
        let c = ProducerConfig::from_props(Profile::Kafka4, &props(&[("acks", "1")])).unwrap();
        assert!(
            !c.enable_idempotence,
            "KAFKA-13673: implicit idempotence is turned off"
        );
    }

    #[test]
    fn acks_one_with_explicit_idempotence_is_a_config_exception() {
        let e = ProducerConfig::from_props(
            Profile::Kafka4,
            &props(&[("acks", "1"), ("enable.idempotence", "true")]),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence."
        );
    }

    #[test]
    fn bad_values_use_kafka_wording_and_name_the_key() {
        let e = ProducerConfig::from_props(Profile::Kafka4, &props(&[("acks", "2")])).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"
        );
        let e = ProducerConfig::from_props(Profile::Kafka4, &props(&[("batch.size", "big")]))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value big for configuration batch.size: Not a number of type INT"
        );
        let e = ProducerConfig::from_props(Profile::Kafka4, &props(&[("linger.ms", "-1")]))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value -1 for configuration linger.ms: Value must be at least 0"
        );
        let e =
            ProducerConfig::from_props(Profile::Kafka4, &props(&[("lingr.ms", "1")])).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("lingr.ms"));
        assert_eq!(
            e.message,
            "The configuration 'lingr.ms' was supplied but isn't a known config."
        );
    }

    #[test]
    fn explicit_delivery_timeout_below_linger_plus_request_is_rejected() {
        let p = props(&[("delivery.timeout.ms", "1000"), ("linger.ms", "10")]);
        let e = ProducerConfig::from_props(Profile::Kafka4, &p).unwrap_err();
        assert_eq!(
            e.message,
            "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
        );
    }

    #[test]
    fn default_delivery_timeout_is_raised_to_linger_plus_request() {
        let c = ProducerConfig::from_props(Profile::Kafka4, &props(&[("linger.ms", "200000")]))
            .unwrap();
        assert_eq!(c.delivery_timeout_ms, 230_000);
    }
}
