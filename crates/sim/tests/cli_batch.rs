//! `producer-sim encode-batch` / `decode-batch`, run as a user runs them (spec §7.4 vectors).

use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    stdout: Vec<u8>,
    stderr: String,
    ok: bool,
}

fn producer_sim(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_producer-sim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // Write from another thread so a large input cannot deadlock against a full stdout pipe.
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().expect("finishes");
    writer.join().unwrap().ok();
    Run {
        stdout: out.stdout,
        stderr: String::from_utf8(out.stderr).unwrap(),
        ok: out.status.success(),
    }
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

const TV_F2_LINES: &str = r#"{"key": "key", "value": "value", "timestamp": 1700000000000, "headers": []}
"#;

const TV_F3_LINES: &str = r#"{"key": "key", "value": "value", "timestamp": 1700000000000}
{"key": null, "value": "v2", "timestamp": 1700000000005, "headers": [["h", "x"]]}
"#;

const TV_F3_IDEMPOTENCE: [&str; 6] = [
    "--producer-id",
    "1000",
    "--producer-epoch",
    "0",
    "--base-sequence",
    "0",
];

#[test]
fn tv_f2_via_cli_is_byte_exact() {
    let run = producer_sim(&["encode-batch"], TV_F2_LINES.as_bytes());
    assert!(run.ok, "{}", run.stderr);
    let expected = unhex(
        "0000000000000000 00000040 ffffffff 02 db5e9cdd 0000 00000000 0000018bcfe56800 \
         0000018bcfe56800 ffffffffffffffff ffff ffffffff 00000001 \
         1c 00 00 00 06 6b6579 0a 76616c7565 00",
    );
    assert_eq!(hex::encode(run.stdout), hex::encode(expected));
}

#[test]
fn tv_f3_via_cli_is_byte_exact() {
    let mut args = vec!["encode-batch", "--compression", "none"];
    args.extend(TV_F3_IDEMPOTENCE);
    let run = producer_sim(&args, TV_F3_LINES.as_bytes());
    assert!(run.ok, "{}", run.stderr);
    let expected = unhex(
        "0000000000000000 0000004d ffffffff 02 8bf2d01c 0000 00000001 0000018bcfe56800 \
         0000018bcfe56805 00000000000003e8 0000 00000000 00000002 \
         1c 00 00 00 06 6b6579 0a 76616c7565 00 18 00 0a 02 01 04 7632 02 02 68 02 78",
    );
    assert_eq!(hex::encode(run.stdout), hex::encode(expected));
}

fn decode_json(bytes: &[u8]) -> serde_json::Value {
    let run = producer_sim(&["decode-batch"], bytes);
    assert!(run.ok, "{}", run.stderr);
    serde_json::from_slice(&run.stdout).expect("one JSON document")
}

#[test]
fn tv_f3_decodes_to_its_fields() {
    let mut args = vec!["encode-batch"];
    args.extend(TV_F3_IDEMPOTENCE);
    let doc = decode_json(&producer_sim(&args, TV_F3_LINES.as_bytes()).stdout);
    assert_eq!(doc["crc"], "0x8bf2d01c");
    assert_eq!(doc["compression"], "none");
    assert_eq!(doc["batch_length"], 77);
    assert_eq!(doc["producer_id"], 1000);
    assert_eq!(doc["max_timestamp"], 1700000000005_i64);
    assert_eq!(doc["compression_ratio"], 1.0);
    let r1 = &doc["records"][1];
    assert_eq!(r1["key"], serde_json::Value::Null);
    assert_eq!(r1["value"], "v2");
    assert_eq!(r1["offset"], 1);
    assert_eq!(r1["timestamp"], 1700000000005_i64);
    assert_eq!(r1["headers"], serde_json::json!([["h", "x"]]));
}

#[test]
fn every_codec_roundtrips_through_the_cli() {
    let big = "x".repeat(70_000);
    let input = format!(
        "{TV_F3_LINES}{{\"key\": {{\"hex\": \"00ff\"}}, \"value\": \"{big}\", \"timestamp\": 1700000000009, \"headers\": [[\"h\", null], [\"h\", {{\"hex\": \"fe\"}}]]}}\n"
    );
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        let run = producer_sim(
            &[
                "encode-batch",
                "--compression",
                codec,
                "--base-offset",
                "100",
            ],
            input.as_bytes(),
        );
        assert!(run.ok, "{codec}: {}", run.stderr);
        let doc = decode_json(&run.stdout);
        assert_eq!(doc["compression"], codec);
        assert_eq!(doc["records_count"], 3);
        assert_eq!(doc["producer_id"], -1);
        let records = doc["records"].as_array().unwrap();
        assert_eq!(records[0]["value"], "value");
        assert_eq!(records[2]["offset"], 102);
        assert_eq!(records[2]["key"], serde_json::json!({"hex": "00ff"}));
        assert_eq!(records[2]["value"].as_str().unwrap().len(), 70_000);
        assert_eq!(
            records[2]["headers"],
            serde_json::json!([["h", null], ["h", {"hex": "fe"}]])
        );
        let ratio = doc["compression_ratio"].as_f64().unwrap();
        if codec == "none" {
            assert_eq!(ratio, 1.0);
        } else {
            assert!(ratio < 0.1, "{codec}: {ratio}");
        }
    }
}

#[test]
fn malformed_json_names_the_line_and_writes_nothing() {
    for (input, needle) in [
        ("{\"timestamp\": 1}\n{\"key\": \"k\"\n", "line 2"),
        (
            "{\"timestamp\": 1}\n\n{\"value\": 5, \"timestamp\": 1}\n",
            "line 3",
        ),
        ("{\"key\": \"k\"}\n", "missing field `timestamp`"),
        ("", "no records"),
    ] {
        let run = producer_sim(&["encode-batch"], input.as_bytes());
        assert!(!run.ok, "{input:?} accepted");
        assert!(run.stdout.is_empty(), "{input:?} wrote to stdout");
        assert!(
            run.stderr.contains(needle),
            "{:?} lacks {needle:?}",
            run.stderr
        );
    }
}

#[test]
fn bad_flags_are_rejected() {
    let run = producer_sim(&["encode-batch", "--compression", "brotli"], b"");
    assert!(!run.ok);
    assert!(run.stderr.contains("brotli"), "{}", run.stderr);
    let run = producer_sim(
        &["encode-batch", "--producer-id", "5"],
        TV_F2_LINES.as_bytes(),
    );
    assert!(!run.ok, "--producer-id alone must need epoch and sequence");
    assert!(run.stdout.is_empty());
}

#[test]
fn garbage_bytes_fail_to_decode_with_a_message() {
    for (input, needle) in [
        (&b""[..], "truncated"),
        (&b"hello, this is not a record batch"[..], "truncated"),
        (&[0u8; 100][..], "invalid batchLength"),
    ] {
        let run = producer_sim(&["decode-batch"], input);
        assert!(!run.ok);
        assert!(run.stdout.is_empty());
        assert!(
            run.stderr.contains(needle),
            "{:?} lacks {needle:?}",
            run.stderr
        );
    }
    // A flipped record byte: the CRC names both values.
    let mut bytes = producer_sim(&["encode-batch"], TV_F2_LINES.as_bytes()).stdout;
    bytes[70] ^= 1;
    let run = producer_sim(&["decode-batch"], &bytes);
    assert!(!run.ok);
    assert!(
        run.stderr.contains("CRC mismatch") && run.stderr.contains("0xdb5e9cdd"),
        "{}",
        run.stderr
    );
}
