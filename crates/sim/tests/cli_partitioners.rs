//! `producer-sim partition --partitioner NAME`, run as a user runs it, against librdkafka's
//! `tests/0048-partitioner.c` expectations (17 partitions).

use std::process::Command;

fn producer_sim(args: &[&str]) -> (String, String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_producer-sim"))
        .args(args)
        .output()
        .expect("runs");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

const LONG: &str = "this is another string with more length to it perhaps";

fn lines(partitioner: &str) -> Vec<i64> {
    let (out, err, ok) = producer_sim(&[
        "partition",
        "--partitions",
        "17",
        "--partitioner",
        partitioner,
        "--",
        "",
        "23456",
        LONG,
        "hejsan",
    ]);
    assert!(ok, "{err}");
    out.lines().map(|l| l.parse().unwrap()).collect()
}

#[test]
fn librdkafka_partitioners_print_0048_expectations() {
    let m = |h: u32| i64::from(h % 17);
    assert_eq!(
        lines("consistent"),
        [m(0), m(0xb1b451d7), m(0xb0150df7), m(0xd077037e)]
    );
    assert_eq!(
        lines("consistent_random"),
        [-1, m(0xb1b451d7), m(0xb0150df7), m(0xd077037e)],
        "an empty key is random under consistent_random"
    );
    let murmur = [m(0x106e08d9), m(0x058d780f), m(0x4f7703da), m(0x5ec19395)];
    assert_eq!(lines("murmur2"), murmur);
    assert_eq!(lines("murmur2_random"), murmur, "empty keys are hashed");
    let fnv = [m(0x7ee3623b), m(0x27e6f469), m(0x155e3e5f), m(0x17b1e27a)];
    assert_eq!(lines("fnv1a"), fnv);
    assert_eq!(lines("fnv1a_random"), fnv);
    assert_eq!(lines("random"), [-1, -1, -1, -1]);
}

/// Without `--partitioner` the output is Java's (TV-P4), unchanged.
#[test]
fn default_is_javas_murmur2() {
    let (out, _, ok) = producer_sim(&["partition", "--partitions", "3", "0", "1", "2"]);
    assert!(ok);
    assert_eq!(out, "2\n0\n2\n");
}

#[test]
fn explain_prints_the_hash() {
    let (out, _, ok) = producer_sim(&[
        "partition",
        "--partitions",
        "17",
        "--partitioner",
        "consistent",
        "--explain",
        "hejsan",
    ]);
    assert!(ok);
    assert_eq!(
        out,
        format!("{}\tcrc32 = 0xd077037e % 17\n", 0xd077037eu32 % 17)
    );
    let (out, _, ok) = producer_sim(&[
        "partition",
        "--partitions",
        "6",
        "--explain",
        "--key-hex",
        "6b61666b61",
    ]);
    assert!(ok);
    assert!(out.starts_with("4\tmurmur2 = "), "{out}");
}

#[test]
fn unknown_partitioner_is_an_error_listing_the_names() {
    let (out, err, ok) = producer_sim(&[
        "partition",
        "--partitions",
        "3",
        "--partitioner",
        "sticky",
        "k",
    ]);
    assert!(!ok && out.is_empty());
    assert!(err.contains("unknown partitioner \"sticky\""), "{err}");
    assert!(err.contains("consistent_random"), "{err}");
}
