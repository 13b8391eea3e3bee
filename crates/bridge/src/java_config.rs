//! `configure`: the Java producer's configuration, mapped to librdkafka's.
//!
//! Rule: a key is honoured only when librdkafka can do what the Java producer
//! would do with it. Every other key is rejected by name with the reason, and a
//! `configure` with any rejected key changes nothing. The Java producer's
//! cross-key rules are applied the way Java applies them (Kafka 4.0,
//! `ProducerConfig.postProcessAndValidateIdempotenceConfigs` and
//! `KafkaProducer.configureDeliveryTimeout`; producer-semantics §1.2, §1.3),
//! so that a configure behaves as the same `Properties` would in Java.
//!
//! Values may be JSON strings (as in a `.properties` file), numbers or booleans.

use std::collections::BTreeMap;

use producer_wire::RejectedKey;
use serde_json::Value;

/// The Java defaults the cross-key rules start from (Kafka 4.0 `ProducerConfig`).
mod java_default {
    pub const RETRIES: i64 = i32::MAX as i64;
    pub const MAX_IN_FLIGHT: i64 = 5;
    pub const LINGER_MS: i64 = 5;
    pub const REQUEST_TIMEOUT_MS: i64 = 30_000;
    pub const DELIVERY_TIMEOUT_MS: i64 = 120_000;
    pub const RETRY_BACKOFF_MS: i64 = 100;
    pub const RETRY_BACKOFF_MAX_MS: i64 = 1_000;
    /// `compression.lz4.level` (KIP-390); librdkafka's own default is lower.
    pub const LZ4_LEVEL: i64 = 9;
}

/// `MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE` in Kafka's `ProducerConfig`.
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: i64 = 5;

/// The Java partitioner that behaves as librdkafka's `murmur2_random`.
const JAVA_DEFAULT_PARTITIONER: &str =
    "org.apache.kafka.clients.producer.internals.DefaultPartitioner";
/// The serializer the bridge applies: keys and values are UTF-8 text.
const STRING_SERIALIZER: &str = "org.apache.kafka.common.serialization.StringSerializer";

/// A Java integer key whose librdkafka property means the same thing.
struct IntKey {
    java: &'static str,
    librdkafka: &'static str,
    /// Java's validator range.
    java_range: (i64, i64),
    /// librdkafka's range (`CONFIGURATION.md`); narrower values are rejected.
    librdkafka_range: (i64, i64),
}

const INT_KEYS: &[IntKey] = &[
    IntKey {
        java: "linger.ms",
        librdkafka: "linger.ms",
        java_range: (0, i64::MAX),
        librdkafka_range: (0, 900_000),
    },
    IntKey {
        java: "retries",
        librdkafka: "retries",
        java_range: (0, i32::MAX as i64),
        librdkafka_range: (0, i32::MAX as i64),
    },
    IntKey {
        java: "max.in.flight.requests.per.connection",
        librdkafka: "max.in.flight",
        java_range: (1, i32::MAX as i64),
        librdkafka_range: (1, 1_000_000),
    },
    IntKey {
        java: "delivery.timeout.ms",
        librdkafka: "message.timeout.ms",
        java_range: (0, i32::MAX as i64),
        librdkafka_range: (1, i32::MAX as i64),
    },
    IntKey {
        java: "request.timeout.ms",
        librdkafka: "request.timeout.ms",
        java_range: (0, i32::MAX as i64),
        librdkafka_range: (1, 900_000),
    },
    IntKey {
        java: "retry.backoff.ms",
        librdkafka: "retry.backoff.ms",
        java_range: (0, i64::MAX),
        librdkafka_range: (1, 300_000),
    },
    IntKey {
        java: "retry.backoff.max.ms",
        librdkafka: "retry.backoff.max.ms",
        java_range: (0, i64::MAX),
        librdkafka_range: (1, 300_000),
    },
    IntKey {
        java: "max.request.size",
        librdkafka: "message.max.bytes",
        java_range: (0, i32::MAX as i64),
        librdkafka_range: (1_000, 1_000_000_000),
    },
    IntKey {
        java: "metadata.max.age.ms",
        librdkafka: "metadata.max.age.ms",
        java_range: (0, i64::MAX),
        librdkafka_range: (1, 86_400_000),
    },
    IntKey {
        java: "reconnect.backoff.ms",
        librdkafka: "reconnect.backoff.ms",
        java_range: (0, i64::MAX),
        librdkafka_range: (0, 3_600_000),
    },
    IntKey {
        java: "reconnect.backoff.max.ms",
        librdkafka: "reconnect.backoff.max.ms",
        java_range: (0, i64::MAX),
        librdkafka_range: (0, 3_600_000),
    },
    IntKey {
        java: "socket.connection.setup.timeout.ms",
        librdkafka: "socket.connection.setup.timeout.ms",
        java_range: (0, i64::MAX),
        librdkafka_range: (1_000, i32::MAX as i64),
    },
    IntKey {
        java: "connections.max.idle.ms",
        librdkafka: "connections.max.idle.ms",
        java_range: (i64::MIN, i64::MAX),
        librdkafka_range: (0, i32::MAX as i64),
    },
    // Not a Java key: the bridge's own, for `stats` frames (Java has
    // `metrics.sample.window.ms`, which librdkafka cannot honour).
    IntKey {
        java: STATISTICS_INTERVAL_MS,
        librdkafka: STATISTICS_INTERVAL_MS,
        java_range: (0, 86_400_000),
        librdkafka_range: (0, 86_400_000),
    },
];

/// The statistics interval key, the one non-Java key a `configure` accepts.
pub const STATISTICS_INTERVAL_MS: &str = "statistics.interval.ms";

/// Java keys the bridge knows and cannot honour, with the reason.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "bootstrap.servers",
        "connection settings belong to the bridge operator (producer-bridge --bootstrap-servers)",
    ),
    (
        "security.protocol",
        "security settings belong to the bridge operator (producer-bridge -X)",
    ),
    (
        "security.providers",
        "security settings belong to the bridge operator (producer-bridge -X)",
    ),
    ("transactional.id", "the bridge does not run transactions"),
    (
        "transaction.timeout.ms",
        "the bridge does not run transactions",
    ),
    (
        "max.block.ms",
        "librdkafka never blocks in produce(): when its buffer is full the bridge answers `overloaded` at once",
    ),
    (
        "interceptor.classes",
        "Java classes cannot run in librdkafka",
    ),
    ("metric.reporters", "Java classes cannot run in librdkafka"),
    (
        "partitioner.adaptive.partitioning.enable",
        "librdkafka's partitioner for null keys is sticky for sticky.partitioning.linger.ms (time-based), not adaptive",
    ),
    (
        "metadata.max.idle.ms",
        "librdkafka has no equivalent: it keeps the metadata of every topic it produced to",
    ),
    (
        "metrics.sample.window.ms",
        "the bridge computes rates over statistics.interval.ms; set that instead",
    ),
    (
        "metrics.num.samples",
        "the bridge computes rates over statistics.interval.ms; set that instead",
    ),
    (
        "metrics.recording.level",
        "librdkafka has no metric recording levels",
    ),
    (
        "socket.connection.setup.timeout.max.ms",
        "librdkafka's connection setup timeout does not grow exponentially",
    ),
    ("auto.include.jmx.reporter", "librdkafka has no JMX"),
    (
        "metadata.recovery.strategy",
        "not supported by the bridge's librdkafka mapping",
    ),
];

/// The producer configuration a `configure` asks for, in librdkafka terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapped {
    /// librdkafka properties, set over the bridge's base configuration.
    pub librdkafka: BTreeMap<&'static str, String>,
    /// The Java key each librdkafka property came from, for error messages.
    pub origin: BTreeMap<&'static str, String>,
    /// What the mapping adjusted the way Java would.
    pub notes: Vec<String>,
}

impl Mapped {
    fn set(&mut self, java: &str, librdkafka: &'static str, value: impl Into<String>) {
        self.librdkafka.insert(librdkafka, value.into());
        self.origin.insert(librdkafka, java.to_owned());
    }
}

/// Maps a `configure`'s Java keys to librdkafka's. `Err` lists every key that
/// cannot be honoured, by name, sorted.
pub fn map(config: &BTreeMap<String, Value>) -> Result<Mapped, Vec<RejectedKey>> {
    let mut out = Mapped::default();
    let mut rejected = Vec::new();
    let mut reject = |key: &str, reason: String| {
        rejected.push(RejectedKey {
            key: key.to_owned(),
            reason,
        })
    };
    // The typed Java view the cross-key rules look at; `None` = not given.
    let mut ints: BTreeMap<&'static str, i64> = BTreeMap::new();
    let mut acks: Option<i64> = None;
    let mut idempotence: Option<bool> = None;
    let mut codec: Option<&'static str> = None;
    let mut levels: BTreeMap<&'static str, (String, i64)> = BTreeMap::new();

    for (key, value) in config {
        let key = key.as_str();
        if let Some(k) = INT_KEYS.iter().find(|k| k.java == key) {
            match int(value).and_then(|v| in_range(v, k.java_range, "Java accepts").map(|()| v)) {
                Ok(v) => {
                    if let Err(why) = in_range(v, k.librdkafka_range, "librdkafka accepts") {
                        reject(key, format!("{why} for {}", k.librdkafka));
                    } else {
                        ints.insert(k.java, v);
                        out.set(key, k.librdkafka, v.to_string());
                    }
                }
                Err(why) => reject(key, why),
            }
            continue;
        }
        match key {
            "acks" => match text(value).as_deref() {
                Ok("all" | "-1") => acks = Some(-1),
                Ok("0") => acks = Some(0),
                Ok("1") => acks = Some(1),
                _ => reject(key, format!("{value} is not one of all, -1, 0, 1")),
            },
            "enable.idempotence" => match boolean(value) {
                Ok(b) => idempotence = Some(b),
                Err(why) => reject(key, why),
            },
            "compression.type" => {
                match text(value)
                    .ok()
                    .and_then(|t| codec_named(&t.to_ascii_lowercase()))
                {
                    Some(name) => codec = Some(name),
                    None => reject(
                        key,
                        format!("{value} is not one of none, gzip, snappy, lz4, zstd"),
                    ),
                }
            }
            "compression.gzip.level" | "compression.lz4.level" | "compression.zstd.level" => {
                let name = codec_named(&key["compression.".len()..key.len() - ".level".len()])
                    .expect("a codec name");
                match int(value).and_then(|level| check_level(name, level).map(|()| level)) {
                    Ok(level) => {
                        levels.insert(name, (key.to_owned(), level));
                    }
                    Err(why) => reject(key, why),
                }
            }
            "batch.size" => match int(value)
                .and_then(|v| in_range(v, (0, i32::MAX as i64), "Java accepts").map(|()| v))
            {
                // Java's 0 turns batching off; librdkafka's batch.size limit
                // applies after the first record, so 1 gives one record per batch.
                Ok(0) => {
                    out.set(key, "batch.size", "1");
                    out.notes.push("batch.size=0 (no batching) is librdkafka batch.size=1: one record per batch".into());
                }
                Ok(v) => out.set(key, "batch.size", v.to_string()),
                Err(why) => reject(key, why),
            },
            "buffer.memory" => match int(value) {
                Ok(v) if v >= 1 => {
                    let kbytes = (v as u64).div_ceil(1024).min(i32::MAX as u64);
                    out.set(key, "queue.buffering.max.kbytes", kbytes.to_string());
                }
                Ok(v) => reject(
                    key,
                    format!(
                        "{v} is below librdkafka's minimum of 1 KiB (queue.buffering.max.kbytes)"
                    ),
                ),
                Err(why) => reject(key, why),
            },
            "send.buffer.bytes" | "receive.buffer.bytes" => {
                let librdkafka = if key == "send.buffer.bytes" {
                    "socket.send.buffer.bytes"
                } else {
                    "socket.receive.buffer.bytes"
                };
                match int(value) {
                    // Java's -1 and librdkafka's 0 both mean "the OS default".
                    Ok(-1) => out.set(key, librdkafka, "0"),
                    Ok(v) => match in_range(v, (0, 100_000_000), "librdkafka accepts") {
                        Ok(()) => out.set(key, librdkafka, v.to_string()),
                        Err(why) => reject(key, why),
                    },
                    Err(why) => reject(key, why),
                }
            }
            "client.id" => match text(value) {
                Ok(id) if id.chars().all(|c| c.is_ascii_graphic()) && !id.is_empty() => {
                    out.set(key, "client.id", id)
                }
                _ => reject(
                    key,
                    format!("{value} is not a client id (printable ASCII, no spaces)"),
                ),
            },
            "client.dns.lookup" => match text(value).as_deref() {
                Ok(v @ ("use_all_dns_ips" | "resolve_canonical_bootstrap_servers_only")) => {
                    out.set(key, "client.dns.lookup", v)
                }
                _ => reject(
                    key,
                    format!(
                        "{value} is not one of use_all_dns_ips, resolve_canonical_bootstrap_servers_only"
                    ),
                ),
            },
            "enable.metrics.push" => match boolean(value) {
                Ok(b) => out.set(key, "enable.metrics.push", b.to_string()),
                Err(why) => reject(key, why),
            },
            "partitioner.class" => match value {
                Value::Null => {}
                Value::String(class) if class.is_empty() || class == JAVA_DEFAULT_PARTITIONER => {}
                other => reject(
                    key,
                    format!(
                        "{other} cannot run in librdkafka; the bridge uses murmur2_random, which places \
                         keyed records as Java's built-in partitioner does (leave partitioner.class unset)"
                    ),
                ),
            },
            "partitioner.ignore.keys" => match boolean(value) {
                Ok(false) => {}
                Ok(true) => reject(
                    key,
                    "librdkafka always hashes non-null keys; it cannot ignore them".into(),
                ),
                Err(why) => reject(key, why),
            },
            "partitioner.availability.timeout.ms" => match int(value) {
                Ok(0) => {}
                Ok(_) => reject(
                    key,
                    "librdkafka does not skip slow partitions; only 0 (off) can be honoured".into(),
                ),
                Err(why) => reject(key, why),
            },
            "key.serializer" | "value.serializer" => match value {
                Value::String(class) if class == STRING_SERIALIZER => {}
                other => reject(
                    key,
                    format!(
                        "{other}: the bridge sends keys and values as UTF-8 text, i.e. {STRING_SERIALIZER}"
                    ),
                ),
            },
            _ => {
                if let Some((_, why)) = UNSUPPORTED.iter().find(|(k, _)| *k == key) {
                    reject(key, (*why).to_owned());
                } else if key.starts_with("ssl.") || key.starts_with("sasl.") {
                    reject(
                        key,
                        "security settings belong to the bridge operator (producer-bridge -X)"
                            .into(),
                    );
                } else {
                    reject(
                        key,
                        "not a Java producer config the bridge knows (see docs/bridge-protocol.md for the supported keys)"
                            .into(),
                    );
                }
            }
        }
    }

    // Cross-key rules, in Java's terms, on the keys that parsed.
    let get = |key: &str, default: i64| ints.get(key).copied().unwrap_or(default);
    let retries = get("retries", java_default::RETRIES);
    let max_in_flight = get(
        "max.in.flight.requests.per.connection",
        java_default::MAX_IN_FLIGHT,
    );
    let acks_all = acks.unwrap_or(-1) == -1;
    let idempotent = match idempotence {
        Some(true) => {
            if retries == 0 {
                reject(
                    "retries",
                    "Must set retries to non-zero when using the idempotent producer.".into(),
                );
            }
            if !acks_all {
                reject("acks", "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.".into());
            }
            true
        }
        Some(false) => false,
        // Java's default: on, unless a conflicting key was set (then silently off).
        None => {
            let conflict = if retries == 0 {
                Some("retries=0")
            } else if !acks_all {
                Some(if acks == Some(0) { "acks=0" } else { "acks=1" })
            } else {
                None
            };
            match conflict {
                Some(why) => {
                    out.notes.push(format!(
                        "enable.idempotence=false: {why} turns the default idempotence off, as in the Java producer"
                    ));
                    false
                }
                None => true,
            }
        }
    };
    if idempotent && max_in_flight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
        reject(
            "max.in.flight.requests.per.connection",
            format!(
                "Must set max.in.flight.requests.per.connection to at most {MAX_IN_FLIGHT_FOR_IDEMPOTENCE} when using the idempotent producer."
            ),
        );
    }
    out.set(
        "enable.idempotence",
        "enable.idempotence",
        idempotent.to_string(),
    );
    if let Some(acks) = acks {
        out.set("acks", "acks", acks.to_string());
    }

    let linger = get("linger.ms", java_default::LINGER_MS);
    let request_timeout = get("request.timeout.ms", java_default::REQUEST_TIMEOUT_MS);
    let floor = linger.saturating_add(request_timeout).min(i32::MAX as i64);
    match ints.get("delivery.timeout.ms") {
        Some(&delivery) if delivery < floor => reject(
            "delivery.timeout.ms",
            format!(
                "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms ({floor})"
            ),
        ),
        Some(_) => {}
        None if java_default::DELIVERY_TIMEOUT_MS < floor => {
            out.set(
                "delivery.timeout.ms",
                "message.timeout.ms",
                floor.to_string(),
            );
            out.notes.push(format!(
                "delivery.timeout.ms raised to linger.ms + request.timeout.ms = {floor}, as in the Java producer"
            ));
        }
        None => {}
    }

    let backoff = get("retry.backoff.ms", java_default::RETRY_BACKOFF_MS);
    let backoff_max = get("retry.backoff.max.ms", java_default::RETRY_BACKOFF_MAX_MS);
    if backoff > backoff_max {
        out.set(
            "retry.backoff.ms",
            "retry.backoff.ms",
            backoff_max.to_string(),
        );
        out.set(
            "retry.backoff.max.ms",
            "retry.backoff.max.ms",
            backoff_max.to_string(),
        );
        out.notes.push(format!(
            "retry.backoff.ms > retry.backoff.max.ms: the backoff is constant at {backoff_max} ms, as in the Java producer"
        ));
    }

    if let Some(codec) = codec {
        out.set("compression.type", "compression.type", codec);
        match (levels.get(codec), codec) {
            (Some((key, level)), _) => out.set(key, "compression.level", level.to_string()),
            (None, "lz4") => out.set(
                "compression.type",
                "compression.level",
                java_default::LZ4_LEVEL.to_string(),
            ),
            _ => {}
        }
    }
    for (name, (key, _)) in &levels {
        if codec != Some(*name) {
            out.notes.push(format!(
                "{key} is ignored: compression.type is not {name} (Java ignores it too)"
            ));
        }
    }

    if rejected.is_empty() {
        Ok(out)
    } else {
        rejected.sort_by(|a, b| a.key.cmp(&b.key));
        rejected.dedup();
        Err(rejected)
    }
}

/// The codec called `name` by `compression.type`.
fn codec_named(name: &str) -> Option<&'static str> {
    ["none", "gzip", "snappy", "lz4", "zstd"]
        .into_iter()
        .find(|codec| *codec == name)
}

/// Java's level ranges (KIP-390) narrowed to what librdkafka's `compression.level` takes.
fn check_level(codec: &str, level: i64) -> Result<(), String> {
    let (java, librdkafka) = match codec {
        "gzip" => ((-1, 9), (-1, 9)),
        "lz4" => ((1, 17), (1, 12)),
        _ => ((-131_072, 22), (1, 12)),
    };
    in_range(level, java, "Java accepts")?;
    if level == -1 && codec == "gzip" {
        return Ok(());
    }
    if codec == "gzip" && level == 0 {
        return Err("0 is not a Java gzip level: -1 or 1..=9".into());
    }
    in_range(
        level,
        librdkafka,
        &format!("librdkafka's compression.level accepts, for {codec},"),
    )
}

fn in_range(value: i64, (min, max): (i64, i64), who: &str) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else if max == i64::MAX {
        Err(format!("{value} is out of range: {who} at least {min}"))
    } else {
        Err(format!("{value} is out of range: {who} {min}..={max}"))
    }
}

/// A Java int or long: a JSON integer or a string holding one.
fn int(value: &Value) -> Result<i64, String> {
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| format!("{value} is not an integer"))
}

/// A Java boolean: a JSON boolean or the string `true`/`false` (any case).
fn boolean(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(format!("{value} is not true or false")),
    }
}

/// A Java string or enum value: a JSON string, or a number written as one.
fn text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.trim().to_owned()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(format!("{value} is not a string")),
    }
}

/// The Java keys behind the librdkafka properties a librdkafka error message
/// names (it quotes them in backticks), or every key given when it names none.
pub fn blame(message: &str, mapped: &Mapped, given: &BTreeMap<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = mapped
        .origin
        .iter()
        .filter(|(librdkafka, _)| {
            message.contains(&format!("`{librdkafka}`"))
                || message.contains(&format!("\"{librdkafka}\""))
        })
        .map(|(_, java)| java.clone())
        .filter(|java| given.contains_key(java))
        .collect();
    if keys.is_empty() {
        keys = given.keys().cloned().collect();
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn mapped(pairs: &[(&str, Value)]) -> Mapped {
        map(&config(pairs)).unwrap_or_else(|r| panic!("rejected: {r:?}"))
    }

    fn rejected(pairs: &[(&str, Value)]) -> Vec<(String, String)> {
        map(&config(pairs))
            .expect_err("should be rejected")
            .into_iter()
            .map(|r| (r.key, r.reason))
            .collect()
    }

    fn get<'a>(m: &'a Mapped, key: &str) -> Option<&'a str> {
        m.librdkafka.get(key).map(String::as_str)
    }

    #[test]
    fn java_names_map_to_librdkafka_names() {
        let m = mapped(&[
            ("acks", json!("all")),
            ("linger.ms", json!(20)),
            ("batch.size", json!("32768")),
            ("retries", json!(10)),
            ("max.in.flight.requests.per.connection", json!(3)),
            ("delivery.timeout.ms", json!(60000)),
            ("request.timeout.ms", json!(20000)),
            ("retry.backoff.ms", json!(50)),
            ("retry.backoff.max.ms", json!(500)),
            ("max.request.size", json!(2_000_000)),
            ("buffer.memory", json!(33_554_433)),
            ("compression.type", json!("ZSTD")),
            ("compression.zstd.level", json!(5)),
            ("client.id", json!("lab-1")),
            ("send.buffer.bytes", json!(-1)),
            ("statistics.interval.ms", json!(2000)),
        ]);
        let expected = [
            ("acks", "-1"),
            ("linger.ms", "20"),
            ("batch.size", "32768"),
            ("retries", "10"),
            ("max.in.flight", "3"),
            ("message.timeout.ms", "60000"),
            ("request.timeout.ms", "20000"),
            ("retry.backoff.ms", "50"),
            ("retry.backoff.max.ms", "500"),
            ("message.max.bytes", "2000000"),
            ("queue.buffering.max.kbytes", "32769"),
            ("compression.type", "zstd"),
            ("compression.level", "5"),
            ("client.id", "lab-1"),
            ("socket.send.buffer.bytes", "0"),
            ("statistics.interval.ms", "2000"),
            ("enable.idempotence", "true"),
        ];
        for (key, value) in expected {
            assert_eq!(get(&m, key), Some(value), "{key}");
        }
        assert_eq!(m.librdkafka.len(), expected.len(), "{:?}", m.librdkafka);
        assert_eq!(m.origin["message.timeout.ms"], "delivery.timeout.ms");
        assert!(m.notes.is_empty(), "{:?}", m.notes);
    }

    #[test]
    fn an_empty_configure_is_the_java_default_producer() {
        let m = mapped(&[]);
        assert_eq!(get(&m, "enable.idempotence"), Some("true"));
        assert_eq!(m.librdkafka.len(), 1);
    }

    #[test]
    fn unknown_and_unsupported_keys_are_rejected_by_name_and_sorted() {
        let r = rejected(&[
            ("max.block.ms", json!(1000)),
            ("transactional.id", json!("tx")),
            ("no.such.key", json!(1)),
            ("sasl.jaas.config", json!("x")),
            ("bootstrap.servers", json!("evil:9092")),
            (
                "partitioner.class",
                json!("org.apache.kafka.clients.producer.RoundRobinPartitioner"),
            ),
            (
                "value.serializer",
                json!("org.apache.kafka.common.serialization.ByteArraySerializer"),
            ),
            ("linger.ms", json!(5)),
        ]);
        let keys: Vec<&str> = r.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "bootstrap.servers",
                "max.block.ms",
                "no.such.key",
                "partitioner.class",
                "sasl.jaas.config",
                "transactional.id",
                "value.serializer"
            ]
        );
        let reason = |key: &str| &r.iter().find(|(k, _)| k == key).unwrap().1;
        assert!(reason("max.block.ms").contains("overloaded"));
        assert!(reason("no.such.key").contains("not a Java producer config"));
        assert!(reason("partitioner.class").contains("murmur2_random"));
        assert!(reason("bootstrap.servers").contains("operator"));
        assert!(reason("transactional.id").contains("transactions"));
    }

    #[test]
    fn bad_values_are_rejected_with_the_accepted_range() {
        let r = rejected(&[
            ("acks", json!("2")),
            ("linger.ms", json!("soon")),
            ("retry.backoff.ms", json!(0)),
            ("max.request.size", json!(500)),
            ("compression.type", json!("brotli")),
            ("enable.idempotence", json!("yes")),
            ("compression.lz4.level", json!(17)),
            ("request.timeout.ms", json!(-1)),
        ]);
        let reasons: BTreeMap<&str, &str> =
            r.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert!(reasons["acks"].contains("not one of all, -1, 0, 1"));
        assert!(reasons["linger.ms"].contains("not an integer"));
        assert!(reasons["retry.backoff.ms"].contains("librdkafka accepts 1..=300000"));
        assert!(reasons["max.request.size"].contains("librdkafka accepts 1000..=1000000000"));
        assert!(reasons["compression.type"].contains("zstd"));
        assert!(reasons["enable.idempotence"].contains("true or false"));
        assert!(reasons["compression.lz4.level"].contains("1..=12"));
        assert!(reasons["request.timeout.ms"].contains("Java accepts 0..=2147483647"));
    }

    #[test]
    fn acks_other_than_all_turns_default_idempotence_off_as_java_does() {
        for (acks, librdkafka) in [("1", "1"), ("0", "0")] {
            let m = mapped(&[("acks", json!(acks))]);
            assert_eq!(get(&m, "acks"), Some(librdkafka));
            assert_eq!(get(&m, "enable.idempotence"), Some("false"));
            assert!(
                m.notes[0].contains(&format!("acks={acks}")),
                "{:?}",
                m.notes
            );
        }
        let m = mapped(&[("retries", json!(0))]);
        assert_eq!(get(&m, "enable.idempotence"), Some("false"));
    }

    #[test]
    fn explicit_idempotence_with_conflicting_keys_is_rejected_as_java_does() {
        let r = rejected(&[
            ("enable.idempotence", json!(true)),
            ("acks", json!(1)),
            ("retries", json!(0)),
        ]);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].0, "acks");
        assert!(r[0].1.contains("Must set acks to all"));
        assert_eq!(r[1].0, "retries");
        // Kafka 4.0: more than 5 in flight is an error even with implicit idempotence.
        let r = rejected(&[("max.in.flight.requests.per.connection", json!(6))]);
        assert!(r[0].1.contains("at most 5"), "{r:?}");
        let m = mapped(&[
            ("enable.idempotence", json!("false")),
            ("max.in.flight.requests.per.connection", json!(6)),
        ]);
        assert_eq!(get(&m, "max.in.flight"), Some("6"));
        assert_eq!(get(&m, "enable.idempotence"), Some("false"));
    }

    #[test]
    fn delivery_timeout_must_cover_linger_and_request_timeout() {
        let r = rejected(&[
            ("delivery.timeout.ms", json!(1000)),
            ("request.timeout.ms", json!(1000)),
        ]);
        assert_eq!(r[0].0, "delivery.timeout.ms");
        assert!(r[0].1.contains("(1005)"), "{r:?}");
        // Not set: raised like Java does, with a note.
        let m = mapped(&[("request.timeout.ms", json!(200_000))]);
        assert_eq!(get(&m, "message.timeout.ms"), Some("200005"));
        assert!(m.notes[0].contains("raised"));
        let m = mapped(&[
            ("delivery.timeout.ms", json!(3000)),
            ("request.timeout.ms", json!(1000)),
            ("linger.ms", json!(0)),
        ]);
        assert_eq!(get(&m, "message.timeout.ms"), Some("3000"));
    }

    #[test]
    fn special_values() {
        let m = mapped(&[
            ("batch.size", json!(0)),
            ("retry.backoff.ms", json!(2000)),
            ("partitioner.class", json!(JAVA_DEFAULT_PARTITIONER)),
            ("partitioner.ignore.keys", json!(false)),
            ("key.serializer", json!(STRING_SERIALIZER)),
            ("compression.type", json!("lz4")),
            ("compression.gzip.level", json!(9)),
        ]);
        assert_eq!(get(&m, "batch.size"), Some("1"));
        assert_eq!(get(&m, "retry.backoff.ms"), Some("1000"));
        assert_eq!(get(&m, "retry.backoff.max.ms"), Some("1000"));
        assert_eq!(
            get(&m, "compression.level"),
            Some("9"),
            "Java's lz4 default"
        );
        assert!(get(&m, "partitioner").is_none());
        assert_eq!(m.notes.len(), 3, "{:?}", m.notes);
        assert!(
            m.notes
                .iter()
                .any(|n| n.contains("compression.gzip.level is ignored"))
        );
        let r = rejected(&[("compression.zstd.level", json!(-5))]);
        assert!(r[0].1.contains("1..=12"), "{r:?}");
        let r = rejected(&[("compression.gzip.level", json!(0))]);
        assert!(r[0].1.contains("-1 or 1..=9"), "{r:?}");
    }

    #[test]
    fn blame_names_the_java_key_behind_a_librdkafka_complaint() {
        let given = config(&[("linger.ms", json!(5)), ("max.request.size", json!(5000))]);
        let m = map(&given).unwrap();
        assert_eq!(
            blame("`message.max.bytes` must be >= ...", &m, &given),
            ["max.request.size"]
        );
        assert_eq!(
            blame("something else", &m, &given),
            ["linger.ms", "max.request.size"]
        );
    }
}
