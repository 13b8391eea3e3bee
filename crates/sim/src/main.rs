//! `producer-sim`: the model's command line. A thin shell over the library; stdout is
//! machine-readable, errors go to stderr with a non-zero exit.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use producer_sim::producer::librdkafka_partitioner::LibrdkafkaPartitioner;
use producer_sim::{Scenario, Simulation};

#[derive(Parser)]
#[command(
    name = "producer-sim",
    version,
    about = "A faithful, deterministic model of the Kafka producer"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the partition of each key, one per line. The default is the Java producer's
    /// toPositive(murmur2(key)) % partitions; `--partitioner` picks one of librdkafka's.
    /// Where the partitioner draws at random for a key (`random`, or an empty key under
    /// `consistent_random`) it prints -1: not determined by the key (the producer would use a
    /// random or sticky partition). Use `--` before keys that start with `-`.
    Partition {
        /// Number of partitions of the topic.
        #[arg(long)]
        partitions: u32,
        /// murmur2 (Java's built-in hash, the default; same as librdkafka's murmur2 for these
        /// keys), murmur2_random, consistent, consistent_random, fnv1a, fnv1a_random, random.
        #[arg(long, default_value = "murmur2", value_parser = parse_partitioner)]
        partitioner: LibrdkafkaPartitioner,
        /// Keys are hex-encoded bytes instead of UTF-8 text.
        #[arg(long)]
        key_hex: bool,
        /// After each partition, a tab and how it was computed (hash value and modulus).
        #[arg(long)]
        explain: bool,
        /// The keys (UTF-8; may be empty, which is not a null key).
        #[arg(num_args = 0..)]
        keys: Vec<String>,
    },
    /// Measures simulated records per second of wall time on the standard scenario
    /// (kafka-4 defaults, 6 partitions, 100-byte values, no compression, no trace).
    Bench {
        /// Records per run.
        #[arg(long, default_value_t = 2_000_000)]
        records: u64,
        /// Runs; the best is reported.
        #[arg(long, default_value_t = 3)]
        runs: u32,
        /// Cap memory as a long-running UI does: retention.bytes of 1 MiB per partition and
        /// only the newest 10,000 delivery reports. Peak RSS then no longer grows with
        /// `--records`.
        #[arg(long)]
        bounded: bool,
    },
    /// Runs a scenario (TOML or JSON) to completion and prints the outcome as one JSON document.
    Run {
        /// Path of the scenario file.
        scenario: std::path::PathBuf,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Reads JSON lines on stdin and writes one RecordBatch v2 (magic 2) to stdout as raw bytes.
    /// Each line: {"key": str|null, "value": str|null, "timestamp": ms, "headers": [[k, v|null], ...]};
    /// bytes that are not UTF-8 can be given as {"hex": "..."}.
    EncodeBatch {
        /// Codec for the records: none, gzip, snappy, lz4 or zstd.
        #[arg(long, default_value = "none")]
        compression: producer_sim::record_batch::CompressionType,
        /// baseOffset to write (a producer writes 0; the broker assigns offsets).
        #[arg(long, default_value_t = 0)]
        base_offset: i64,
        /// Idempotent producer id; needs --producer-epoch and --base-sequence.
        #[arg(long, requires_all = ["producer_epoch", "base_sequence"])]
        producer_id: Option<i64>,
        /// Producer epoch (with --producer-id).
        #[arg(long, requires = "producer_id")]
        producer_epoch: Option<i16>,
        /// Sequence number of the first record (with --producer-id).
        #[arg(long, requires = "producer_id")]
        base_sequence: Option<i32>,
    },
    /// Reads one raw RecordBatch v2 on stdin and prints it as one JSON document: header fields,
    /// crc, compression, compression_ratio and records (bytes as text, or {"hex": "..."}).
    DecodeBatch,
}

/// `--partitioner`: librdkafka's names (their `murmur2` is Java's hash).
fn parse_partitioner(name: &str) -> Result<LibrdkafkaPartitioner, String> {
    LibrdkafkaPartitioner::parse(name).ok_or_else(|| {
        let names: Vec<&str> = LibrdkafkaPartitioner::ALL
            .iter()
            .map(|p| p.name())
            .collect();
        format!("unknown partitioner {name:?}; one of: {}", names.join(", "))
    })
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("producer-sim: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Partition {
            partitions,
            partitioner,
            key_hex,
            explain,
            keys,
        } => {
            if partitions == 0 {
                return Err("--partitions must be at least 1".into());
            }
            let mut out = String::new();
            for key in keys {
                let bytes = if key_hex {
                    hex::decode(&key).map_err(|e| format!("key {key:?} is not hex: {e}"))?
                } else {
                    key.into_bytes()
                };
                let (partition, how) = match partitioner.keyed_partition(Some(&bytes), partitions) {
                    Some((p, how)) => (i64::from(p), how.describe()),
                    None => (
                        -1,
                        format!(
                            "{}: random or sticky, not determined by the key",
                            partitioner.name()
                        ),
                    ),
                };
                if explain {
                    out.push_str(&format!("{partition}\t{how}\n"));
                } else {
                    out.push_str(&format!("{partition}\n"));
                }
            }
            print!("{out}");
            Ok(())
        }
        Command::Bench {
            records,
            runs,
            bounded,
        } => {
            let mut best = 0f64;
            for _ in 0..runs.max(1) {
                let start = std::time::Instant::now();
                let delivered = producer_sim::bench::run_standard(records, bounded);
                let secs = start.elapsed().as_secs_f64();
                if delivered != records {
                    return Err(format!(
                        "only {delivered} of {records} records were delivered"
                    ));
                }
                best = best.max(records as f64 / secs);
            }
            let peak_kib = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
                });
            println!(
                "{}",
                serde_json::json!({
                    "scenario": "standard: kafka-4 defaults, 1 broker, 6 partitions, 1000 keys, 100-byte values, no trace",
                    "records": records,
                    "runs": runs,
                    "bounded": bounded,
                    "records_per_second": best.round(),
                    "peak_rss_kib": peak_kib.and_then(|k| k.parse::<u64>().ok()),
                })
            );
            Ok(())
        }
        Command::Run { scenario, seed } => {
            let text = std::fs::read_to_string(&scenario)
                .map_err(|e| format!("{}: {e}", scenario.display()))?;
            let is_toml = scenario.extension().is_some_and(|e| e == "toml");
            let mut sc = Scenario::parse(&text, is_toml)
                .map_err(|e| format!("{}: {e}", scenario.display()))?;
            if let Some(seed) = seed {
                sc.seed = seed;
            }
            let mut sim = Simulation::new(sc, false).map_err(|e| e.to_string())?;
            sim.run_to_completion(u64::MAX);
            let doc = producer_sim::report::run_report(&sim);
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).expect("serializable")
            );
            Ok(())
        }
        Command::EncodeBatch {
            compression,
            base_offset,
            producer_id,
            producer_epoch,
            base_sequence,
        } => {
            use producer_sim::record_batch::{ProducerIdentity, json};
            let producer = ProducerIdentity::from_parts(producer_id, producer_epoch, base_sequence);
            let mut input = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)
                .map_err(|e| format!("stdin: {e}"))?;
            let options = json::EncodeOptions {
                compression,
                base_offset,
                producer,
            };
            let bytes = json::encode_json_lines(&input, &options).map_err(|e| e.to_string())?;
            std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes)
                .map_err(|e| format!("stdout: {e}"))
        }
        Command::DecodeBatch => {
            let mut input = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)
                .map_err(|e| format!("stdin: {e}"))?;
            let doc = producer_sim::record_batch::json::decode_to_json(&input)
                .map_err(|e| format!("decode-batch: {e}"))?;
            println!("{doc}");
            Ok(())
        }
    }
}
