use super::*;

fn finished(lesson: &Lesson) -> Simulation {
    let mut sim = Simulation::new(lesson.scenario(), true).unwrap();
    sim.run_to_completion(3_600_000_000);
    assert!(sim.is_finished(), "{}", lesson.id);
    sim
}

/// The numbers in an answer, in order.
fn numbers(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.trim_matches('.').parse().ok())
        .collect()
}

#[test]
fn every_lesson_runs_and_shows_what_it_promises() {
    for lesson in LESSONS {
        let sim = finished(lesson);
        let answer = lesson.answer(&sim);
        println!("{}: {answer}", lesson.id);
        let n = numbers(&answer);
        match lesson.id {
            "producer" => assert!(
                answer.starts_with("Record #0 went to partition")
                    && answer.contains("at offset 0;")
                    && answer.ends_with("acknowledged: yes."),
                "{answer}"
            ),
            "architecture" => {
                // "2000 send() calls went out in R requests to 3 brokers: B batches, …"
                let (records, requests, brokers, batches) = (n[0], n[1], n[2], n[3]);
                assert_eq!((records, brokers), (2000.0, 3.0), "{answer}");
                assert!(requests < records / 4.0 && batches > requests, "{answer}");
            }
            "keys" => assert!(
                answer.starts_with("Every key on exactly 1 partition"),
                "{answer}"
            ),
            "null-keys" => assert!(!answer.contains("per stint (0 switches"), "{answer}"),
            "acks-1" => assert!(!answer.starts_with("0 "), "acks=1 loses: {answer}"),
            "acks-all" => assert!(answer.starts_with("0 "), "acks=all keeps: {answer}"),
            "retries-backoff" => {
                // "Batch bX was retried N times, waiting w1, w2, … ms before each; F of R failed."
                let waits = &n[2..n.len() - 2];
                assert!(n[1] >= 3.0 && waits.len() == n[1] as usize, "{answer}");
                // Kafka draws the jitter afresh at every ready check and drain, so a wait can
                // overshoot its nominal range a little; the growth and the cap show anyway.
                assert!(
                    (80.0..=150.0).contains(&waits[0]),
                    "retry.backoff.ms: {answer}"
                );
                assert!(
                    waits[0] < waits[1] && waits[1] < waits[2],
                    "growing: {answer}"
                );
                let longest = waits.iter().copied().fold(0.0, f64::max);
                assert!(
                    (800.0..=1100.0).contains(&longest),
                    "retry.backoff.max.ms: {answer}"
                );
                assert_eq!(n[n.len() - 2], 0.0, "retried until delivered: {answer}");
            }
            "batch-linger" => assert!(n[0] > 0.0 && n[2] > 0.0, "full and lingered: {answer}"),
            "compression" => assert!(
                answer.starts_with("compression-rate-avg 0.") && n[0] < 0.9,
                "{answer}"
            ),
            "retries" => assert!(!answer.starts_with("0 "), "{answer}"),
            "idempotence" => assert!(
                answer.starts_with("0 ") && !answer.contains("recognised 0"),
                "{answer}"
            ),
            "sync" => assert!(answer.starts_with("1.0 records per request"), "{answer}"),
            "serialization" => {
                // Key "key-N": 5 bytes (…); value: 100 bytes; … about B bytes besides …
                assert!(answer.contains("\": 5 bytes (6b 65 79 2d"), "{answer}");
                assert!(answer.contains("value: 100 bytes;"), "{answer}");
                let per_record = n[n.len() - 2];
                assert!(
                    (105.0..=120.0).contains(&per_record),
                    "5 + 100 bytes plus varints: {answer}"
                );
            }
            "errors" => assert!(
                answer.starts_with("0 records failed after") && !answer.contains("after 0 record"),
                "{answer}"
            ),
            "sweep" => {
                let (small_tput, small_lat, big_tput) = (n[2], n[3], n[6]);
                assert!(big_tput > 2.0 * small_tput, "{answer}");
                assert!(small_lat > 0.0, "{answer}");
            }
            "monitoring" => assert!(!answer.starts_with("1.0 records"), "{answer}"),
            "no-flush" => assert!(!answer.starts_with("0 of"), "{answer}"),
            "ignored-callbacks" => assert!(!answer.starts_with("0 of"), "{answer}"),
            "tiny-batches" => assert!(answer.starts_with("1."), "{answer}"),
            other => panic!("lesson {other} has no check"),
        }
    }
}

#[test]
fn lesson_ids_are_unique_and_every_scenario_file_is_a_lesson() {
    let ids: std::collections::BTreeSet<_> = LESSONS.iter().map(|l| l.id).collect();
    assert_eq!(ids.len(), LESSONS.len());
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/lessons"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    assert_eq!(files, LESSONS.len(), "one lesson per scenario file");
}
