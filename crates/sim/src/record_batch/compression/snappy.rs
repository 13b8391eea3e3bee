//! snappy: the xerial snappy-java *stream* framing (`SnappyOutputStream`) that the Java client
//! writes; not raw snappy and not the official snappy framing format.
//!
//! ```text
//! 82 53 4E 41 50 50 59 00   magic "\x82SNAPPY\0"
//! 00 00 00 01               version 1 (big-endian int32)
//! 00 00 00 01               compatible version 1
//! then per 32 KiB of input: int32 BE compressed length, raw snappy block
//! ```
//!
//! The header is written even for empty input (snappy-java writes it on the first flush). The
//! framing is identical to Java's. Each block is compressed by the pure-Rust `snap` crate, a port
//! of Google's C++ snappy; snappy-java bundles the C++ library, so block bytes match only where
//! both compressors make the same choices (not guaranteed across snappy versions). In a one-off
//! check against C++ snappy 1.1.9, full 32 KiB blocks came out identical and a short last block
//! did not.
//!
//! Decoding also accepts what snappy-java's `SnappyInputStream` accepts: a repeated stream header
//! between chunks (concatenated streams), and input without the header read as one raw snappy
//! block (librdkafka writes raw snappy). Stricter than Java: 1-3 stray bytes after the last chunk
//! are an error, not ignored.
//! Source: apache/kafka `common/compress/SnappyCompression.java`; xerial/snappy-java
//! `SnappyOutputStream` (`DEFAULT_BLOCK_SIZE = 32 * 1024`), `SnappyInputStream`, `SnappyCodec`.

use super::CodecError;

/// `SnappyCodec.MAGIC_HEADER`.
pub const MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
/// Magic + version 1 + compatible version 1: the 16 bytes every stream starts with.
pub const STREAM_HEADER: [u8; 16] = [
    0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1,
];
/// `SnappyOutputStream.DEFAULT_BLOCK_SIZE`: input bytes per chunk.
pub const BLOCK_SIZE: usize = 32 * 1024;

/// Frames `data` as snappy-java does: header, then one chunk per 32 KiB of input.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut encoder = snap::raw::Encoder::new();
    let mut out = STREAM_HEADER.to_vec();
    for block in data.chunks(BLOCK_SIZE) {
        let compressed = encoder
            .compress_vec(block)
            .expect("a 32 KiB block is within snappy's limits");
        let length = u32::try_from(compressed.len()).expect("a chunk is below 4 GiB");
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(&compressed);
    }
    out
}

/// Inflates a snappy-java stream (or one raw snappy block); at most `max_len` bytes.
pub fn decompress(data: &[u8], max_len: usize) -> Result<Vec<u8>, CodecError> {
    if data.is_empty() {
        return Err(CodecError::Malformed("empty snappy stream".into()));
    }
    let mut out = Vec::new();
    if !has_stream_header(data) {
        raw_block(data, max_len, &mut out)?;
        return Ok(out);
    }
    let mut rest = &data[STREAM_HEADER.len()..];
    while !rest.is_empty() {
        if has_stream_header(rest) {
            rest = &rest[STREAM_HEADER.len()..];
            continue;
        }
        let Some((length, tail)) = rest.split_first_chunk::<4>() else {
            return Err(malformed(format!(
                "{} stray bytes after the last chunk",
                rest.len()
            )));
        };
        let length = i32::from_be_bytes(*length);
        if length < 0 || length as usize > tail.len() {
            return Err(malformed(format!(
                "chunk length {length} but {} bytes left",
                tail.len()
            )));
        }
        let (block, after) = tail.split_at(length as usize);
        raw_block(block, max_len - out.len(), &mut out).map_err(|e| match e {
            CodecError::TooLarge { .. } => CodecError::TooLarge { limit: max_len },
            other => other,
        })?;
        rest = after;
    }
    Ok(out)
}

/// `SnappyCodec` header check: magic, then version ≥ 1 (`MINIMUM_COMPATIBLE_VERSION`).
fn has_stream_header(data: &[u8]) -> bool {
    data.len() >= STREAM_HEADER.len()
        && data[..8] == MAGIC
        && i32::from_be_bytes([data[8], data[9], data[10], data[11]]) >= 1
}

/// Appends one raw snappy block, refusing one whose declared size exceeds `room`.
fn raw_block(block: &[u8], room: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    let length =
        snap::raw::decompress_len(block).map_err(|e| malformed(format!("snappy block: {e}")))?;
    if length > room {
        return Err(CodecError::TooLarge { limit: room });
    }
    let start = out.len();
    out.resize(start + length, 0);
    let written = snap::raw::Decoder::new()
        .decompress(block, &mut out[start..])
        .map_err(|e| malformed(format!("snappy block: {e}")))?;
    if written != length {
        return Err(malformed(format!(
            "snappy block declares {length} bytes but holds {written}"
        )));
    }
    Ok(())
}

fn malformed(message: String) -> CodecError {
    CodecError::Malformed(message)
}
