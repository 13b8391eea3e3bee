//! The `producer-sim` command line, run as a user runs it.

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

/// TV-P4: Kafka Streams' pre-computed partitions of "0".."9" on 3 partitions.
#[test]
fn partition_prints_one_line_per_key_in_order() {
    let (out, _, ok) = producer_sim(&[
        "partition",
        "--partitions",
        "3",
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
    ]);
    assert!(ok);
    assert_eq!(out, "2\n0\n2\n2\n1\n0\n1\n0\n0\n2\n");
}

/// Empty keys are hashed (they are not null); `--` lets keys start with `-`.
#[test]
fn partition_accepts_empty_and_dash_keys_after_double_dash() {
    let (out, _, ok) = producer_sim(&["partition", "--partitions", "12", "--", "", "-x", "hejsan"]);
    assert!(ok);
    let expected: Vec<String> = ["", "-x", "hejsan"]
        .iter()
        .map(|k| producer_sim::partition_for_key(k.as_bytes(), 12).to_string())
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    assert_eq!(expected[0], "9", "TV-P5: \"\" → 9 of 12");
}

#[test]
fn partition_with_hex_keys() {
    // "kafka" = 6b 61 66 6b 61 → 4 of 6 (TV-P5).
    let (out, _, ok) = producer_sim(&["partition", "--partitions", "6", "--key-hex", "6b61666b61"]);
    assert!(ok);
    assert_eq!(out, "4\n");
}

#[test]
fn bad_input_is_an_error_on_stderr() {
    let (out, err, ok) = producer_sim(&["partition", "--partitions", "0", "k"]);
    assert!(!ok && out.is_empty());
    assert!(err.contains("--partitions must be at least 1"), "{err}");
    let (_, err, ok) = producer_sim(&["partition", "--partitions", "3", "--key-hex", "zz"]);
    assert!(!ok);
    assert!(err.contains("is not hex"), "{err}");
}
