//! Lessons: one per section of the producers tutorial. Each is a scenario file
//! (`scenarios/lessons/*.toml`, embedded as JSON by `build.rs`), a short narrative, what to
//! watch, and a question whose answer the finished run itself gives.

use std::collections::{BTreeMap, BTreeSet};

use producer_sim::event::{EventKind, Outcome};
use producer_sim::{Scenario, Simulation};

pub struct Lesson {
    pub id: &'static str,
    pub title: &'static str,
    pub narrative: &'static str,
    pub watch: &'static str,
    pub question: &'static str,
    scenario: &'static str,
    /// The answer, read off the finished run.
    answer: fn(&Simulation) -> String,
}

impl Lesson {
    pub fn scenario(&self) -> Scenario {
        Scenario::parse(self.scenario, false).expect("lesson scenarios are valid (tested)")
    }

    pub fn answer(&self, sim: &Simulation) -> String {
        (self.answer)(sim)
    }
}

fn final_log(sim: &Simulation, p: u32) -> Vec<u64> {
    sim.partition_log(p)
        .map(|r| r.entries().map(|e| e.record).collect())
        .unwrap_or_default()
}

fn acked_missing(sim: &Simulation) -> usize {
    sim.deliveries
        .iter()
        .filter(|d| {
            matches!(d.outcome, Outcome::Acked { .. })
                && !final_log(sim, d.partition).contains(&d.record)
        })
        .count()
}

fn duplicates(sim: &Simulation) -> usize {
    (0..sim.metadata.num_partitions())
        .map(|p| {
            let log = final_log(sim, p);
            log.len() - log.iter().collect::<BTreeSet<_>>().len()
        })
        .sum()
}

pub const LESSONS: &[Lesson] = &[
    Lesson {
        id: "keys",
        title: "Keys and partitions",
        narrative: "A keyed record goes to toPositive(murmur2(serialized key)) % partitions. Not hashCode(), and not abs(). The same key always lands on the same partition, so its records stay in order.",
        watch: "The Partitioner panel's arithmetic, and the colours of each key in the broker logs.",
        question: "On how many partitions did each key land?",
        scenario: include_str!(concat!(
            env!("OUT_DIR"),
            "/lessons/keys-same-partition.json"
        )),
        answer: |sim| {
            let mut by_key: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
            for p in 0..sim.metadata.num_partitions() {
                for e in sim.partition_log(p).into_iter().flat_map(|r| r.entries()) {
                    by_key
                        .entry(e.key.unwrap_or_default())
                        .or_default()
                        .insert(p);
                }
            }
            let most = by_key.values().map(BTreeSet::len).max().unwrap_or(0);
            format!(
                "Every key on exactly {most} partition ({} keys).",
                by_key.len()
            )
        },
    },
    Lesson {
        id: "null-keys",
        title: "Null keys are sticky, not round-robin",
        narrative: "Since Kafka 3.3 (KIP-794), records without a key stick to one partition until about batch.size bytes went there, then move on. Round-robin, as many tutorials say, would make tiny batches.",
        watch: "The Partitioner panel's byte count toward the switch, and runs of one colour in the logs.",
        question: "How many records went to a partition before the partitioner moved on, on average?",
        scenario: include_str!(concat!(env!("OUT_DIR"), "/lessons/null-keys-sticky.json")),
        answer: |sim| {
            let switches = sim
                .trace
                .events()
                .iter()
                .filter(|e| matches!(e.kind, EventKind::StickySwitched { .. }))
                .count();
            format!(
                "About {} records per stint ({} switches for {} records), not 1.",
                sim.deliveries.len() / (switches + 1),
                switches,
                sim.deliveries.len()
            )
        },
    },
    Lesson {
        id: "acks-1",
        title: "acks=1 loses writes when the leader fails",
        narrative: "With acks=1 the leader answers after its own append. Here the followers lag, the leader acknowledges and dies, and a follower from the ISR takes over with a shorter log. When the old leader returns it truncates: acknowledged records are gone.",
        watch: "The callbacks (all acknowledged), then the fault, the election and the truncation in the event trace.",
        question: "How many acknowledged records are missing from the final log?",
        scenario: include_str!(concat!(env!("OUT_DIR"), "/lessons/acks1-failover.json")),
        answer: |sim| format!("{} acknowledged records are lost.", acked_missing(sim)),
    },
    Lesson {
        id: "acks-all",
        title: "acks=all with min.insync.replicas=2",
        narrative: "The same failover with acks=all (the default since Kafka 3.0) and min.insync.replicas=2: the leader answers only once the in-sync followers have the data, so nothing it acknowledged can be lost.",
        watch: "Dashed log cells above the high watermark wait; callbacks come only for committed records.",
        question: "How many acknowledged records are missing from the final log?",
        scenario: include_str!(concat!(env!("OUT_DIR"), "/lessons/acks-all-failover.json")),
        answer: |sim| format!("{} acknowledged records are lost.", acked_missing(sim)),
    },
    Lesson {
        id: "retries",
        title: "Retries without idempotence duplicate",
        narrative: "The broker writes a batch but its response is lost. The producer times out and retries, and without idempotence the broker writes the batch again.",
        watch: "The dropped response, the timeout, and the retried batch in the Sender panel.",
        question: "How many records are in the log twice?",
        scenario: include_str!(concat!(
            env!("OUT_DIR"),
            "/lessons/retries-without-idempotence.json"
        )),
        answer: |sim| format!("{} records were written twice.", duplicates(sim)),
    },
    Lesson {
        id: "idempotence",
        title: "Idempotence removes the duplicate",
        narrative: "With enable.idempotence (the default since Kafka 3.0) each batch carries a producer id and sequence numbers. The broker remembers the last five batches per producer and answers a retry with the original offset instead of writing again.",
        watch: "broker_appended with duplicate: true in the event trace.",
        question: "How many records are in the log twice?",
        scenario: include_str!(concat!(env!("OUT_DIR"), "/lessons/idempotence-dedups.json")),
        answer: |sim| {
            let dedup = sim
                .trace
                .events()
                .iter()
                .filter(|e| {
                    matches!(
                        e.kind,
                        EventKind::BrokerAppended {
                            duplicate: true,
                            ..
                        }
                    )
                })
                .count();
            format!(
                "{} records were written twice; the broker recognised {dedup} retried batch(es).",
                duplicates(sim)
            )
        },
    },
    Lesson {
        id: "errors",
        title: "Error handling: retriable or not",
        narrative: "Errors whose exception extends RetriableException (NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NETWORK_EXCEPTION) are retried until delivery.timeout.ms; the others (RECORD_TOO_LARGE, INVALID_TOPIC, authorization) go straight to the callback. Here a follower falls out of the ISR, so with min.insync.replicas=3 the leader refuses acks=all writes until it is back.",
        watch: "broker_rejected NOT_ENOUGH_REPLICAS and batch_retried in the event trace, then the ISR growing back.",
        question: "How many records failed, and how many record retries did it take?",
        scenario: include_str!(concat!(env!("OUT_DIR"), "/lessons/error-handling.json")),
        answer: |sim| {
            let m = sim.metrics();
            format!(
                "{} records failed after {} record retries: NOT_ENOUGH_REPLICAS is retriable.",
                m.record_error_total, m.record_retry_total
            )
        },
    },
    Lesson {
        id: "monitoring",
        title: "Monitoring: what the metrics say",
        narrative: "The producer's own metrics (producer-metrics) show how it batches: record-send-rate, records-per-request-avg, batch-size-avg, record-queue-time-avg and request-latency-avg. With linger.ms=20 at 2,000 records a second, batches fill while they wait.",
        watch: "The Metrics table (open it below the pipeline).",
        question: "How many records did a request carry, and how long did a batch wait?",
        scenario: include_str!(concat!(env!("OUT_DIR"), "/lessons/monitoring.json")),
        answer: |sim| {
            let m = sim.metrics();
            format!(
                "{:.1} records per request; batches waited {:.1} ms on average (record-queue-time-avg).",
                m.records_per_request_avg.unwrap_or(0.0),
                m.record_queue_time_avg.unwrap_or(0.0)
            )
        },
    },
    Lesson {
        id: "sync",
        title: "Sync send: one record at a time",
        narrative: "send().get() waits for each record's result before sending the next. Every record then waits out linger.ms and a full round trip alone.",
        watch: "Batches of one record in the accumulator, one request at a time.",
        question: "How many records did each request carry, and how long did 100 records take?",
        scenario: include_str!(concat!(env!("OUT_DIR"), "/lessons/sync-vs-async.json")),
        answer: |sim| {
            let m = sim.metrics();
            let end = sim.deliveries.iter().map(|d| d.at_us).max().unwrap_or(0);
            format!(
                "{:.1} records per request; {:.0} ms for {} records.",
                m.records_per_request_avg.unwrap_or(0.0),
                end as f64 / 1000.0,
                sim.deliveries.len()
            )
        },
    },
    Lesson {
        id: "no-flush",
        title: "Pitfall: exiting without flush()",
        narrative: "send() only hands records to the accumulator. An application that exits without flush() or close() drops whatever is still waiting there, and no callback ever reports it.",
        watch: "Batches still lingering in the accumulator when the process exits.",
        question: "How many records never reached Kafka?",
        scenario: include_str!(concat!(
            env!("OUT_DIR"),
            "/lessons/no-flush-before-exit.json"
        )),
        answer: |sim| {
            format!(
                "{} of {} records were never sent.",
                sim.records_sent() as usize - sim.deliveries.len(),
                sim.records_sent()
            )
        },
    },
    Lesson {
        id: "tiny-batches",
        title: "Pitfall: tiny batches",
        narrative: "batch.size caps each partition's batch. At 100 bytes, a batch holds about one record, so the producer sends a request per record where a few would do.",
        watch: "records-per-request-avg and batch-size-avg in the metrics table.",
        question: "How many records did a request carry on average?",
        scenario: include_str!(concat!(env!("OUT_DIR"), "/lessons/tiny-batches.json")),
        answer: |sim| {
            format!(
                "{:.2} records per request.",
                sim.metrics().records_per_request_avg.unwrap_or(0.0)
            )
        },
    },
];

pub fn find(id: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(lesson: &Lesson) -> Simulation {
        let mut sim = Simulation::new(lesson.scenario(), true).unwrap();
        sim.run_to_completion(3_600_000_000);
        assert!(sim.is_finished(), "{}", lesson.id);
        sim
    }

    #[test]
    fn every_lesson_runs_and_shows_what_it_promises() {
        for lesson in LESSONS {
            let sim = finished(lesson);
            let answer = lesson.answer(&sim);
            match lesson.id {
                "keys" => assert!(
                    answer.starts_with("Every key on exactly 1 partition"),
                    "{answer}"
                ),
                "null-keys" => assert!(!answer.contains("per stint (0 switches"), "{answer}"),
                "acks-1" => assert!(!answer.starts_with("0 "), "acks=1 loses: {answer}"),
                "acks-all" => assert!(answer.starts_with("0 "), "acks=all keeps: {answer}"),
                "retries" => assert!(!answer.starts_with("0 "), "{answer}"),
                "idempotence" => assert!(
                    answer.starts_with("0 ") && !answer.contains("recognised 0"),
                    "{answer}"
                ),
                "sync" => assert!(answer.starts_with("1.0 records per request"), "{answer}"),
                "errors" => assert!(
                    answer.starts_with("0 records failed after")
                        && !answer.contains("after 0 record"),
                    "{answer}"
                ),
                "monitoring" => assert!(!answer.starts_with("1.0 records"), "{answer}"),
                "no-flush" => assert!(!answer.starts_with("0 of"), "{answer}"),
                "tiny-batches" => assert!(answer.starts_with("1."), "{answer}"),
                other => panic!("lesson {other} has no check"),
            }
        }
    }
}
