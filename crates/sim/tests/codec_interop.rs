//! Interop with the reference C implementations through their command-line tools (`lz4`,
//! `zstd`, `gzip`; all three ship on the project's Rust machine image). Our streams must inflate
//! with them, and theirs with us. `./lab test` installs the tools; under `CI=true` a missing
//! tool fails the test, elsewhere the test says so on stderr and passes.

use std::io::Write;
use std::process::{Command, Stdio};

use producer_sim::record_batch::CompressionType;
use producer_sim::record_batch::compression::{compress, decompress, lz4};

/// Runs `tool args` with `input` on stdin; `None` if the tool is not installed.
fn run_tool(tool: &str, args: &[&str], input: &[u8]) -> Option<Vec<u8>> {
    let mut child = match Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "`{tool}` is not installed (CI=true: a failure)"
            );
            eprintln!("SKIPPED: `{tool}` is not installed");
            return None;
        }
    };
    let mut pipe = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{tool} {args:?} failed");
    Some(out.stdout)
}

fn samples() -> Vec<Vec<u8>> {
    let text: Vec<u8> = (0..5000)
        .flat_map(|i| format!("record {i} of a compressible run; ").into_bytes())
        .collect();
    let mut x = 88172645463325252_u64;
    let noise: Vec<u8> = (0..150_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    // TV-F3's uncompressed records.
    let tv_f3 = hex::decode("1c000000066b65790a76616c75650018000a02010476320202680278").unwrap();
    vec![Vec::new(), tv_f3, text, noise]
}

fn both_directions(codec: CompressionType, tool: &str, inflate: &[&str], deflate: &[&str]) {
    for data in samples() {
        let Some(theirs) = run_tool(tool, inflate, &compress(codec, &data)) else {
            return;
        };
        assert_eq!(
            theirs,
            data,
            "{tool} inflating our {codec} ({} bytes)",
            data.len()
        );
        let packed = run_tool(tool, deflate, &data).unwrap();
        assert_eq!(
            decompress(codec, &packed, data.len()).as_deref(),
            Ok(&data[..]),
            "our {codec} decoder on {tool}'s output ({} bytes)",
            data.len()
        );
    }
}

#[test]
fn lz4_interops_with_the_reference_tool() {
    both_directions(
        CompressionType::Lz4,
        "lz4",
        &["-d", "-c", "-q"],
        &["-B4", "--no-frame-crc", "-c", "-q"],
    );
}

/// The reference tool with Kafka's settings (64 KiB independent blocks, no checksums) writes
/// Kafka's exact frame header; on input it cannot shrink, its whole frame equals ours.
#[test]
fn lz4_reference_frames_with_kafka_settings_match_ours() {
    for data in samples() {
        let Some(theirs) = run_tool("lz4", &["-B4", "--no-frame-crc", "-c", "-q"], &data) else {
            return;
        };
        assert_eq!(theirs[..7], lz4::FRAME_HEADER);
        if data.len() < 32 {
            assert_eq!(theirs, compress(CompressionType::Lz4, &data));
        }
    }
}

#[test]
fn zstd_interops_with_the_reference_tool() {
    both_directions(
        CompressionType::Zstd,
        "zstd",
        &["-d", "-c", "-q"],
        &["-3", "--no-check", "-c", "-q"],
    );
}

#[test]
fn gzip_interops_with_the_reference_tool() {
    both_directions(CompressionType::Gzip, "gzip", &["-d", "-c"], &["-n", "-c"]);
}
