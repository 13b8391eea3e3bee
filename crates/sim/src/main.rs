//! `producer-sim`: the model's command line. A thin shell over the library; stdout is
//! machine-readable, errors go to stderr with a non-zero exit.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use producer_sim::{Scenario, Simulation, partition_for_key};

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
    /// Prints the partition of each key, one per line, as the Java producer computes it:
    /// toPositive(murmur2(key)) % partitions. Use `--` before keys that start with `-`.
    Partition {
        /// Number of partitions of the topic.
        #[arg(long)]
        partitions: u32,
        /// Keys are hex-encoded bytes instead of UTF-8 text.
        #[arg(long)]
        key_hex: bool,
        /// The keys (UTF-8; may be empty).
        #[arg(num_args = 0..)]
        keys: Vec<String>,
    },
    /// Runs a scenario (JSON) to completion and prints the outcome as one JSON document.
    Run {
        /// Path of the scenario file.
        scenario: std::path::PathBuf,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
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
            key_hex,
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
                out.push_str(&format!("{}\n", partition_for_key(&bytes, partitions)));
            }
            print!("{out}");
            Ok(())
        }
        Command::Run { scenario, seed } => {
            let text = std::fs::read_to_string(&scenario)
                .map_err(|e| format!("{}: {e}", scenario.display()))?;
            let mut sc: Scenario =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", scenario.display()))?;
            if let Some(seed) = seed {
                sc.seed = seed;
            }
            let mut sim = Simulation::new(sc, false).map_err(|e| e.to_string())?;
            sim.run_to_completion(u64::MAX);
            let logs: Vec<_> = sim
                .brokers
                .iter()
                .flat_map(|b| b.partitions.iter().map(|(p, part)| serde_json::json!({"partition": p, "leader": b.id, "log": part.log})))
                .collect();
            let doc = serde_json::json!({
                "config": sim.config,
                "seed": sim.scenario.seed,
                "records": sim.deliveries,
                "partitions": logs,
                "end_us": sim.now_us(),
                "trace_events": sim.trace.len(),
                "trace_hash": format!("{:016x}", sim.trace.hash()),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).expect("serializable")
            );
            Ok(())
        }
    }
}
