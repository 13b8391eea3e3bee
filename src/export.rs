//! Code export: the current producer settings as a Java producer, a Python confluent-kafka
//! producer, and librdkafka properties. Each uses its client's own key names. The librdkafka
//! forms spell out the Java defaults that librdkafka does not share (idempotence, batch size,
//! in-flight limit, delivery timeout) and `partitioner=murmur2_random`, so keys land where
//! Java puts them and the behaviour matches the model.

use producer_sim::producer::producer_config::{Acks, ProducerConfig};

/// The Java producer's settings worth writing down: what the user set, plus the topic.
fn java_settings(config: &ProducerConfig) -> Vec<(&'static str, String)> {
    let acks = match config.acks {
        Acks::All => "all",
        Acks::Leader => "1",
        Acks::None => "0",
    };
    vec![
        ("acks", acks.to_string()),
        ("enable.idempotence", config.enable_idempotence.to_string()),
        ("linger.ms", config.linger_ms.to_string()),
        ("batch.size", config.batch_size.to_string()),
        (
            "compression.type",
            config.compression_type.name().to_string(),
        ),
        (
            "max.in.flight.requests.per.connection",
            config.max_in_flight_requests_per_connection.to_string(),
        ),
        (
            "delivery.timeout.ms",
            config.delivery_timeout_ms.to_string(),
        ),
        ("request.timeout.ms", config.request_timeout_ms.to_string()),
    ]
}

/// librdkafka's names for the same settings (`CONFIGURATION.md`), plus the Java-compatible
/// partitioner.
fn librdkafka_settings(config: &ProducerConfig) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = java_settings(config)
        .into_iter()
        .map(|(k, v)| {
            let name = match k {
                "max.in.flight.requests.per.connection" => "max.in.flight",
                "delivery.timeout.ms" => "message.timeout.ms",
                other => other,
            };
            (name, v)
        })
        .collect();
    out.push(("message.max.bytes", config.max_request_size.to_string()));
    out.push((
        "queue.buffering.max.kbytes",
        (config.buffer_memory / 1024).to_string(),
    ));
    out.push(("partitioner", "murmur2_random".to_string()));
    out
}

pub fn java(config: &ProducerConfig, bootstrap: &str, topic: &str) -> String {
    let mut s = String::from(
        "import java.util.Properties;\nimport org.apache.kafka.clients.producer.*;\nimport org.apache.kafka.common.serialization.StringSerializer;\n\nProperties props = new Properties();\n",
    );
    s.push_str(&format!(
        "props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, \"{bootstrap}\");\n"
    ));
    s.push_str("props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());\n");
    s.push_str("props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());\n");
    for (k, v) in java_settings(config) {
        s.push_str(&format!("props.put(\"{k}\", \"{v}\");\n"));
    }
    s.push_str(&format!(
        "\ntry (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {{\n    producer.send(new ProducerRecord<>(\"{topic}\", \"key-1\", \"value\"), (metadata, e) -> {{\n        if (e != null) e.printStackTrace();           // never ignore the callback\n        else System.out.printf(\"%s-%d@%d%n\", metadata.topic(), metadata.partition(), metadata.offset());\n    }});\n    producer.flush();                                 // close() also flushes\n}}\n"
    ));
    s
}

pub fn python(config: &ProducerConfig, bootstrap: &str, topic: &str) -> String {
    let mut s = String::from("from confluent_kafka import Producer\n\nproducer = Producer({\n");
    s.push_str(&format!("    \"bootstrap.servers\": \"{bootstrap}\",\n"));
    for (k, v) in librdkafka_settings(config) {
        let value = match v.as_str() {
            "true" => "True".to_string(),
            "false" => "False".to_string(),
            _ if v.parse::<i64>().is_ok() => v,
            _ => format!("\"{v}\""),
        };
        s.push_str(&format!("    \"{k}\": {value},\n"));
    }
    s.push_str(&format!(
        "}})\n\ndef on_delivery(err, msg):\n    if err is not None:\n        print(\"failed:\", err)              # never ignore delivery reports\n    else:\n        print(f\"{{msg.topic()}}-{{msg.partition()}}@{{msg.offset()}}\")\n\nproducer.produce(\"{topic}\", key=\"key-1\", value=\"value\", on_delivery=on_delivery)\nproducer.flush()                         # reports arrive in poll()/flush()\n"
    ));
    s
}

pub fn librdkafka_properties(config: &ProducerConfig, bootstrap: &str) -> String {
    let mut s = format!("bootstrap.servers={bootstrap}\n");
    for (k, v) in librdkafka_settings(config) {
        s.push_str(&format!("{k}={v}\n"));
    }
    s
}

/// The export panel: its own component, so the code is built only when the config changes.
#[derive(yew::Properties, PartialEq)]
pub struct ExportProps {
    pub config: ProducerConfig,
    pub topic: String,
}

#[yew::function_component(ExportPanel)]
pub fn export_panel(props: &ExportProps) -> yew::Html {
    const BOOTSTRAP: &str = "localhost:9092";
    yew::html! {
        <details class="events export" id="export">
            <summary>{ "Export this producer's config as code" }</summary>
            <div class="export-grid">
                <figure><figcaption>{ "Java" }</figcaption><pre>{ java(&props.config, BOOTSTRAP, &props.topic) }</pre></figure>
                <figure><figcaption>{ "Python (confluent-kafka)" }</figcaption><pre>{ python(&props.config, BOOTSTRAP, &props.topic) }</pre></figure>
                <figure><figcaption>{ "librdkafka properties" }</figcaption><pre>{ librdkafka_properties(&props.config, BOOTSTRAP) }</pre></figure>
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use producer_sim::producer::producer_config::Profile;

    fn config(pairs: &[(&str, &str)]) -> ProducerConfig {
        let props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProducerConfig::from_props(Profile::Kafka4, &props).unwrap()
    }

    #[test]
    fn java_export_uses_java_names_and_the_effective_values() {
        let code = java(&config(&[("linger.ms", "20")]), "localhost:9092", "demo");
        assert!(code.contains("props.put(\"acks\", \"all\");"));
        assert!(code.contains("props.put(\"linger.ms\", \"20\");"));
        assert!(code.contains("props.put(\"enable.idempotence\", \"true\");"));
        assert!(code.contains("new ProducerRecord<>(\"demo\""));
    }

    #[test]
    fn librdkafka_exports_use_its_names_and_java_compatible_partitioning() {
        let c = config(&[("acks", "1")]);
        let props = librdkafka_properties(&c, "b:9092");
        assert!(props.contains("partitioner=murmur2_random\n"));
        assert!(props.contains("max.in.flight=5\n"), "{props}");
        assert!(props.contains("message.timeout.ms=120000\n"));
        assert!(
            props.contains("enable.idempotence=false\n"),
            "acks=1 turned implicit idempotence off"
        );
        assert!(
            props.contains("batch.size=16384\n"),
            "Java's batch size, not librdkafka's 1000000"
        );
        let py = python(&c, "b:9092", "demo");
        assert!(py.contains("\"enable.idempotence\": False,"));
        assert!(py.contains("\"partitioner\": \"murmur2_random\","));
    }
}
