//! Profiles, defaults, validation wording and logged warnings, checked against Kafka's and
//! librdkafka's sources (`ProducerConfig.java`, `ConfigDef.java`, `KafkaProducer.java`,
//! `rdkafka_conf.c`) and the spec's §1.

use std::collections::BTreeMap;

use producer_sim::producer::librdkafka_partitioner::LibrdkafkaPartitioner;
use producer_sim::producer::partitioner::PartitionerKind;
use producer_sim::producer::producer_config::{
    Acks, ConfigException, KEY_DOCS, KNOWN_KEYS, LIBRDKAFKA_KEYS, LogLevel, ProducerConfig,
    Profile, key_doc,
};
use producer_sim::producer::serializer::{SerializerKind, StringEncoding};
use producer_sim::record_batch::CompressionType;

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ok(profile: Profile, pairs: &[(&str, &str)]) -> ProducerConfig {
    ProducerConfig::from_props(profile, &props(pairs)).unwrap()
}

fn err(profile: Profile, pairs: &[(&str, &str)]) -> ConfigException {
    ProducerConfig::from_props(profile, &props(pairs)).unwrap_err()
}

fn messages(c: &ProducerConfig, level: LogLevel) -> Vec<&str> {
    c.warnings
        .iter()
        .filter(|w| w.level == level)
        .map(|w| w.message.as_str())
        .collect()
}

/// Spec §1.1: every Java key's true default in Kafka 4.0.
#[test]
fn kafka_4_defaults_match_the_spec_table() {
    let c = ProducerConfig::defaults(Profile::Kafka4);
    let want = [
        ("acks", "all"),
        ("retries", "2147483647"),
        ("enable.idempotence", "true"),
        ("max.in.flight.requests.per.connection", "5"),
        ("batch.size", "16384"),
        ("linger.ms", "5"),
        ("buffer.memory", "33554432"),
        ("max.block.ms", "60000"),
        ("compression.type", "none"),
        ("compression.gzip.level", "-1"),
        ("compression.lz4.level", "9"),
        ("compression.zstd.level", "3"),
        ("delivery.timeout.ms", "120000"),
        ("request.timeout.ms", "30000"),
        ("retry.backoff.ms", "100"),
        ("retry.backoff.max.ms", "1000"),
        ("partitioner.class", "null"),
        ("partitioner.ignore.keys", "false"),
        ("partitioner.adaptive.partitioning.enable", "true"),
        ("partitioner.availability.timeout.ms", "0"),
        ("max.request.size", "1048576"),
        ("reconnect.backoff.ms", "50"),
        ("reconnect.backoff.max.ms", "1000"),
        ("metadata.max.age.ms", "300000"),
        ("metadata.max.idle.ms", "300000"),
        ("metrics.sample.window.ms", "30000"),
        ("metrics.num.samples", "2"),
        ("transaction.timeout.ms", "60000"),
        ("transactional.id", "null"),
        ("client.id", "producer-1"),
    ];
    for (key, value) in want {
        assert_eq!(c.value_of(key).as_deref(), Some(value), "{key}");
    }
    for key in KNOWN_KEYS {
        assert!(c.value_of(key).is_some(), "{key} has a kafka-4 value");
        assert!(
            key_doc(producer_sim::producer::producer_config::Client::Java, key).is_some(),
            "{key} is documented"
        );
    }
    for key in LIBRDKAFKA_KEYS {
        assert!(
            key_doc(
                producer_sim::producer::producer_config::Client::Librdkafka,
                key
            )
            .is_some()
        );
    }
    assert!(KEY_DOCS.iter().all(|d| !d.doc.is_empty()));
}

/// Kafka 3.x differs from 4.0 in linger.ms only (defaults); 2.0 has the tutorials' values and
/// lacks the later keys.
#[test]
fn older_java_profiles_defaults() {
    let c3 = ProducerConfig::defaults(Profile::Kafka3);
    assert_eq!(c3.value_of("linger.ms").as_deref(), Some("0"));
    assert_eq!(c3.value_of("acks").as_deref(), Some("all"));
    let c2 = ProducerConfig::defaults(Profile::Kafka2_0);
    assert_eq!(c2.value_of("acks").as_deref(), Some("1"));
    assert_eq!(c2.value_of("retries").as_deref(), Some("0"));
    assert_eq!(c2.value_of("enable.idempotence").as_deref(), Some("false"));
    for missing in [
        "delivery.timeout.ms",
        "partitioner.ignore.keys",
        "retry.backoff.max.ms",
        "compression.zstd.level",
        "metadata.max.idle.ms",
    ] {
        assert_eq!(c2.value_of(missing), None, "{missing} is not a 2.0 key");
    }
    let c = ok(Profile::Kafka2_0, &[("delivery.timeout.ms", "5000")]);
    assert_eq!(
        messages(&c, LogLevel::Warn),
        ["The configuration 'delivery.timeout.ms' was supplied but isn't a known config."]
    );
}

/// Spec §1.4: librdkafka's own defaults.
#[test]
fn librdkafka_defaults_match_its_configuration_md() {
    let c = ok(Profile::Librdkafka2, &[]);
    assert_eq!(c, ProducerConfig::defaults(Profile::Librdkafka2));
    let want = [
        ("acks", "-1"),
        ("request.required.acks", "-1"),
        ("retries", "2147483647"),
        ("message.send.max.retries", "2147483647"),
        ("enable.idempotence", "false"),
        ("max.in.flight", "1000000"),
        ("batch.size", "1000000"),
        ("batch.num.messages", "10000"),
        ("linger.ms", "5"),
        ("queue.buffering.max.ms", "5"),
        ("queue.buffering.max.kbytes", "1048576"),
        ("queue.buffering.max.messages", "100000"),
        ("compression.type", "none"),
        ("compression.level", "-1"),
        ("delivery.timeout.ms", "300000"),
        ("message.timeout.ms", "300000"),
        ("request.timeout.ms", "30000"),
        ("retry.backoff.ms", "100"),
        ("retry.backoff.max.ms", "1000"),
        ("partitioner", "consistent_random"),
        ("sticky.partitioning.linger.ms", "10"),
        ("message.max.bytes", "1000000"),
        ("client.id", "rdkafka"),
        ("reconnect.backoff.ms", "100"),
        ("reconnect.backoff.max.ms", "10000"),
        ("metadata.max.age.ms", "900000"),
    ];
    for (key, value) in want {
        assert_eq!(c.value_of(key).as_deref(), Some(value), "{key}");
    }
    assert_eq!(
        c.value_of("buffer.memory"),
        None,
        "not a librdkafka property"
    );
}

/// `ConfigDef` wording for each validator and type (ConfigDef.java, CompressionType.java).
#[test]
fn java_validation_uses_configdef_wording() {
    let cases: [(&str, &str, &str); 12] = [
        (
            "acks",
            "ALL",
            "Invalid value ALL for configuration acks: String must be one of: all, -1, 0, 1",
        ),
        (
            "retries",
            "-1",
            "Invalid value -1 for configuration retries: Value must be at least 0",
        ),
        (
            "batch.size",
            "3000000000",
            "Invalid value 3000000000 for configuration batch.size: Not a number of type INT",
        ),
        (
            "linger.ms",
            "5ms",
            "Invalid value 5ms for configuration linger.ms: Not a number of type LONG",
        ),
        (
            "enable.idempotence",
            "yes",
            "Invalid value yes for configuration enable.idempotence: Expected value to be either true or false",
        ),
        (
            "compression.type",
            "brotli",
            "Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd",
        ),
        (
            "compression.gzip.level",
            "0",
            "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1",
        ),
        (
            "compression.lz4.level",
            "18",
            "Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17",
        ),
        (
            "compression.zstd.level",
            "-131073",
            "Invalid value -131073 for configuration compression.zstd.level: Value must be at least -131072",
        ),
        (
            "metadata.max.idle.ms",
            "4999",
            "Invalid value 4999 for configuration metadata.max.idle.ms: Value must be at least 5000",
        ),
        (
            "transactional.id",
            " ",
            "Invalid value  for configuration transactional.id: String must be non-empty",
        ),
        (
            "partitioner.class",
            "com.example.Mine",
            "Invalid value com.example.Mine for configuration partitioner.class: Class com.example.Mine could not be found.",
        ),
    ];
    for (key, value, message) in cases {
        let e = err(Profile::Kafka4, &[(key, value)]);
        assert_eq!(e.message, message);
        assert_eq!(e.key.as_deref(), Some(key));
        assert_eq!(
            e.exception,
            "org.apache.kafka.common.config.ConfigException"
        );
    }
    let c = ok(
        Profile::Kafka4,
        &[
            ("compression.type", "zstd"),
            ("compression.zstd.level", "-5"),
        ],
    );
    assert_eq!(c.compression_type, CompressionType::Zstd);
    assert_eq!(c.compression_level_in_use(), Some(-5));
    assert!(ok(Profile::Kafka4, &[("enable.idempotence", " TRUE ")]).enable_idempotence);
}

/// §1.3 with `ProducerConfig.postProcessAndValidateIdempotenceConfigs` wording, per version.
#[test]
fn idempotence_rules_per_version() {
    let e = err(
        Profile::Kafka4,
        &[("retries", "0"), ("enable.idempotence", "true")],
    );
    assert_eq!(
        e.message,
        "Must set retries to non-zero when using the idempotent producer."
    );
    let c = ok(Profile::Kafka4, &[("retries", "0")]);
    assert!(!c.enable_idempotence);
    assert_eq!(
        messages(&c, LogLevel::Info),
        ["Idempotence will be disabled because retries is set to 0."]
    );

    // 4.0 (KAFKA-17927): an error whether or not idempotence was set explicitly.
    for extra in [None, Some(("enable.idempotence", "true"))] {
        let mut p = vec![("max.in.flight.requests.per.connection", "6")];
        p.extend(extra);
        assert_eq!(
            err(Profile::Kafka4, &p).message,
            "To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. Current value is 6."
        );
    }
    // Even when acks=1 has just disabled the default idempotence: the check runs first.
    let e = err(
        Profile::Kafka4,
        &[
            ("acks", "1"),
            ("max.in.flight.requests.per.connection", "10"),
        ],
    );
    assert!(e.message.starts_with("To use the idempotent producer"));
    assert!(
        ok(
            Profile::Kafka4,
            &[
                ("enable.idempotence", "false"),
                ("max.in.flight.requests.per.connection", "10")
            ]
        )
        .max_in_flight_requests_per_connection
            == 10
    );

    // 3.x: explicit → old message; implicit → disabled with a warning.
    assert_eq!(
        err(
            Profile::Kafka3,
            &[
                ("max.in.flight.requests.per.connection", "6"),
                ("enable.idempotence", "true")
            ]
        )
        .message,
        "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer."
    );
    let c = ok(
        Profile::Kafka3,
        &[("max.in.flight.requests.per.connection", "6")],
    );
    assert!(!c.enable_idempotence);
    assert_eq!(
        messages(&c, LogLevel::Warn),
        [
            "Idempotence will be disabled because max.in.flight.requests.per.connection is set to 6, which is greater than 5. Please note that in v4.0.0 and onward, this will become an error."
        ]
    );

    // 2.0: off by default; explicitly on, the unset retries and acks follow it.
    let c = ok(Profile::Kafka2_0, &[("enable.idempotence", "true")]);
    assert_eq!(
        (c.enable_idempotence, c.retries, c.acks),
        (true, 2147483647, Acks::All)
    );
    assert_eq!(
        messages(&c, LogLevel::Info),
        [
            "Overriding the default retries config to the recommended value of 2147483647 since the idempotent producer is enabled.",
            "Overriding the default acks to all since idempotence is enabled."
        ]
    );
    let e = err(
        Profile::Kafka2_0,
        &[("enable.idempotence", "true"), ("acks", "1")],
    );
    assert_eq!(
        e.to_string(),
        "org.apache.kafka.common.KafkaException: Failed to construct kafka producer\nCaused by: org.apache.kafka.common.config.ConfigException: Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence."
    );
}

/// Kafka's rule first ("Cannot set a transactional.id without also enabling idempotence."),
/// then the model's refusal: transactions are not simulated.
#[test]
fn transactional_id_is_refused_after_kafkas_own_check() {
    for pairs in [
        vec![("transactional.id", "tx"), ("enable.idempotence", "false")],
        vec![("transactional.id", "tx"), ("acks", "1")],
    ] {
        let e = err(Profile::Kafka4, &pairs);
        assert_eq!(
            e.message,
            "Cannot set a transactional.id without also enabling idempotence."
        );
        assert_eq!(
            e.exception,
            "org.apache.kafka.common.config.ConfigException"
        );
    }
    let e = err(Profile::Kafka4, &[("transactional.id", "tx")]);
    assert_eq!(e.exception, "producer-sim");
    assert!(e.message.contains("Transactions are not modelled"), "{e}");
    let e = err(
        Profile::Librdkafka2,
        &[("transactional.id", "tx"), ("enable.idempotence", "false")],
    );
    assert_eq!(
        e.to_string(),
        "rd_kafka_new: `transactional.id` requires `enable.idempotence=true`"
    );
    assert_eq!(
        err(Profile::Librdkafka2, &[("transactional.id", "tx")]).exception,
        "producer-sim"
    );
}

/// `partitioner.class` per version: 4.0 removed the deprecated classes (KAFKA-18262), 3.x warns
/// (`KafkaProducer.warnIfPartitionerDeprecated`), 2.0 only has the old DefaultPartitioner.
#[test]
fn partitioner_classes_per_version() {
    const DEFAULT: &str = "org.apache.kafka.clients.producer.internals.DefaultPartitioner";
    const UNIFORM: &str = "org.apache.kafka.clients.producer.UniformStickyPartitioner";
    const RR: &str = "org.apache.kafka.clients.producer.RoundRobinPartitioner";
    assert_eq!(
        err(Profile::Kafka4, &[("partitioner.class", DEFAULT)]).message,
        format!(
            "Invalid value {DEFAULT} for configuration partitioner.class: Class {DEFAULT} could not be found."
        )
    );
    assert!(
        err(Profile::Kafka4, &[("partitioner.class", UNIFORM)])
            .message
            .ends_with("could not be found.")
    );
    assert_eq!(
        ok(Profile::Kafka4, &[("partitioner.class", RR)]).partitioner,
        PartitionerKind::RoundRobin {
            kafka_17632_fixed: true
        }
    );
    let c = ok(Profile::Kafka3, &[("partitioner.class", DEFAULT)]);
    assert_eq!(c.partitioner, PartitionerKind::DefaultSticky);
    assert_eq!(
        messages(&c, LogLevel::Warn),
        [
            "DefaultPartitioner is deprecated.  Please clear partitioner.class configuration setting to get the default partitioning behavior"
        ]
    );
    let c = ok(Profile::Kafka3, &[("partitioner.class", UNIFORM)]);
    assert_eq!(c.partitioner, PartitionerKind::UniformSticky);
    assert_eq!(
        messages(&c, LogLevel::Warn),
        [
            "UniformStickyPartitioner is deprecated.  Please clear partitioner.class configuration setting and set partitioner.ignore.keys to 'true' to get the uniform sticky partitioning behavior"
        ]
    );
    assert_eq!(
        ok(Profile::Kafka2_0, &[("partitioner.class", DEFAULT)]).partitioner,
        PartitionerKind::LegacyDefault
    );
    assert!(
        err(Profile::Kafka2_0, &[("partitioner.class", RR)])
            .message
            .ends_with("could not be found.")
    );
    assert_eq!(
        ok(Profile::Kafka4, &[("partitioner.ignore.keys", "true")]).partitioner,
        PartitionerKind::BuiltIn { ignore_keys: true }
    );
    let e = err(
        Profile::Kafka4,
        &[(
            "partitioner.class",
            "org.apache.kafka.common.serialization.StringSerializer",
        )],
    );
    assert_eq!(
        e.message,
        "class org.apache.kafka.common.serialization.StringSerializer is not an instance of org.apache.kafka.clients.producer.Partitioner"
    );
}

/// Serializer classes map to the model's serializers; a Deserializer (a classic tutorial slip)
/// fails in `getConfiguredInstance`; `StringSerializer` honours the encoding keys.
#[test]
fn serializer_classes() {
    let c = ok(
        Profile::Kafka4,
        &[
            (
                "key.serializer",
                "org.apache.kafka.common.serialization.IntegerSerializer",
            ),
            (
                "value.serializer",
                "org.apache.kafka.common.serialization.StringSerializer",
            ),
            ("value.serializer.encoding", "UTF-16BE"),
        ],
    );
    assert_eq!(c.key_serializer, SerializerKind::Integer);
    assert_eq!(
        c.value_serializer,
        SerializerKind::String {
            encoding: StringEncoding::Utf16Be
        }
    );
    assert!(
        c.warnings.is_empty(),
        "encoding keys are read by the serializer: {:?}",
        c.warnings
    );
    let e = err(
        Profile::Kafka4,
        &[(
            "key.serializer",
            "org.apache.kafka.common.serialization.StringDeserializer",
        )],
    );
    assert_eq!(
        e.to_string(),
        "org.apache.kafka.common.KafkaException: Failed to construct kafka producer\nCaused by: org.apache.kafka.common.KafkaException: class org.apache.kafka.common.serialization.StringDeserializer is not an instance of org.apache.kafka.common.serialization.Serializer"
    );
    let e = err(
        Profile::Kafka4,
        &[
            (
                "key.serializer",
                "org.apache.kafka.common.serialization.StringSerializer",
            ),
            ("serializer.encoding", "KOI9"),
        ],
    );
    assert_eq!(e.message, "Unsupported encoding KOI9");
    assert_eq!(
        e.exception,
        "org.apache.kafka.common.errors.SerializationException"
    );
}

/// The warnings `CommonClientConfigs` and `KafkaProducer` log.
#[test]
fn java_logs_backoff_and_timeout_adjustments() {
    let c = ok(Profile::Kafka4, &[("retry.backoff.ms", "2000")]);
    assert_eq!(
        messages(&c, LogLevel::Warn),
        [
            "Configuration 'retry.backoff.ms' with value '2000' is greater than configuration 'retry.backoff.max.ms' with value '1000'. A static backoff with value '1000' will be applied."
        ]
    );
    let c = ok(Profile::Kafka4, &[("reconnect.backoff.ms", "200")]);
    assert_eq!(c.reconnect_backoff_max_ms, 200);
    assert_eq!(
        messages(&c, LogLevel::Warn),
        [
            "Disabling exponential reconnect backoff because reconnect.backoff.ms is set, but reconnect.backoff.max.ms is not."
        ]
    );
    let c = ok(Profile::Kafka4, &[("request.timeout.ms", "150000")]);
    assert_eq!(c.delivery_timeout_ms, 150_005);
    let c = ok(
        Profile::Kafka4,
        &[
            ("bootstrap.servers", "localhost:9092"),
            ("foo", "1"),
            ("bar", "2"),
        ],
    );
    assert_eq!(
        messages(&c, LogLevel::Info),
        ["These configurations '[bar, foo]' were supplied but are not used yet."]
    );
    assert_eq!(
        messages(&c, LogLevel::Model).len(),
        1,
        "bootstrap.servers is accepted, not simulated"
    );
}

/// librdkafka's aliases, idempotence auto-adjustments and finalize errors (`rdkafka_conf.c`).
#[test]
fn librdkafka_names_idempotence_and_errors() {
    let c = ok(
        Profile::Librdkafka2,
        &[
            ("acks", "all"),
            ("linger.ms", "0.5"),
            ("compression.type", "LZ4"),
            ("retries", "3"),
        ],
    );
    assert_eq!(
        (c.acks, c.linger_us, c.linger_ms, c.retries),
        (Acks::All, 500, 0, 3)
    );
    assert_eq!(c.compression_type, CompressionType::Lz4);
    assert_eq!(
        c.value_of("sticky.partitioning.linger.ms").as_deref(),
        Some("1"),
        "2 × 0.5"
    );

    let c = ok(Profile::Librdkafka2, &[("enable.idempotence", "true")]);
    assert_eq!(
        (c.max_in_flight_requests_per_connection, c.retries, c.acks),
        (5, 2147483647, Acks::All)
    );
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("enable.idempotence", "true"), ("max.in.flight", "6")],
            "`max.in.flight` must be set <= 5 when `enable.idempotence` is true",
        ),
        (
            &[("enable.idempotence", "true"), ("retries", "0")],
            "`retries` must be set >= 1 when `enable.idempotence` is true",
        ),
        (
            &[("enable.idempotence", "true"), ("acks", "1")],
            "`acks` must be set to `all` when `enable.idempotence` is true",
        ),
        (
            &[("linger.ms", "1000"), ("message.timeout.ms", "1000")],
            "`message.timeout.ms` must be greater than `linger.ms`",
        ),
        (
            &[
                ("reconnect.backoff.ms", "5000"),
                ("reconnect.backoff.max.ms", "1000"),
            ],
            "`reconnect.backoff.max.ms` must be >= `reconnect.backoff.ms`",
        ),
    ];
    for (pairs, message) in cases {
        let e = err(Profile::Librdkafka2, pairs);
        assert_eq!((e.exception, e.message.as_str()), ("rd_kafka_new", message));
    }
    // Default linger is lowered below a short message.timeout.ms instead.
    let c = ok(Profile::Librdkafka2, &[("message.timeout.ms", "3")]);
    assert_eq!(c.linger_us, 2900);
}

/// `rd_kafka_anyconf_set_prop` wording; alias errors name the canonical property.
#[test]
fn librdkafka_set_errors_use_its_wording() {
    let cases: [(&str, &str, &str); 9] = [
        (
            "buffer.memory",
            "1",
            "No such configuration property: \"buffer.memory\"",
        ),
        (
            "max.block.ms",
            "1",
            "No such configuration property: \"max.block.ms\"",
        ),
        (
            "batch.size",
            "0",
            "Configuration property \"batch.size\" value 0 is outside allowed range 1..2147483647",
        ),
        (
            "retries",
            "x",
            "Invalid value for configuration property \"message.send.max.retries\"",
        ),
        (
            "acks",
            "2000",
            "Configuration property \"request.required.acks\" value 2000 is outside allowed range -1..1000",
        ),
        (
            "linger.ms",
            "1e7",
            "Configuration property \"queue.buffering.max.ms\" value 1e+07 is outside allowed range 0..900000",
        ),
        (
            "enable.idempotence",
            "yes",
            "Expected bool value for \"enable.idempotence\": true or false",
        ),
        (
            "partitioner",
            "roundrobin",
            "Invalid value for configuration property \"partitioner\": roundrobin",
        ),
        (
            "compression.type",
            "brotli",
            "Invalid value \"brotli\" for configuration property \"compression.codec\"",
        ),
    ];
    for (key, value, message) in cases {
        let e = err(Profile::Librdkafka2, &[(key, value)]);
        assert_eq!(
            (e.exception, e.message.as_str()),
            ("rd_kafka_conf_set", message),
            "{key}={value}"
        );
    }
    assert_eq!(
        err(Profile::Librdkafka2, &[("batch.size", "")]).message,
        "Integer configuration property \"batch.size\" cannot be set to empty value"
    );
    // strtol: hex and trailing garbage are accepted.
    assert_eq!(
        ok(Profile::Librdkafka2, &[("batch.size", "0x10")]).batch_size,
        16
    );
    assert_eq!(
        ok(Profile::Librdkafka2, &[("batch.size", "100kb")]).batch_size,
        100
    );
    let c = ok(
        Profile::Librdkafka2,
        &[
            ("partitioner", "murmur2_random"),
            ("sticky.partitioning.linger.ms", "0"),
        ],
    );
    assert_eq!(
        c.partitioner,
        PartitionerKind::Librdkafka {
            partitioner: LibrdkafkaPartitioner::Murmur2Random,
            sticky_linger_ms: 0
        }
    );
    let c = ok(
        Profile::Librdkafka2,
        &[("group.id", "g"), ("socket.timeout.ms", "1000")],
    );
    assert_eq!(
        messages(&c, LogLevel::Warn),
        [
            "Configuration property group.id is a consumer property and will be ignored by this producer instance"
        ]
    );
}
