//! zstd: one standard Zstandard frame (RFC 8878), as zstd-jni writes it for Kafka.
//!
//! Kafka compresses at zstd level 3 with zstd-jni; ruzstd (pure Rust) only implements its
//! "Fastest" level (≈ level 1), so our frames are valid but larger and not byte-identical to
//! Java's. Decoding reads concatenated frames, as `ZstdInputStream` does.
//! Source: apache/kafka `common/compress/ZstdCompression.java`; RFC 8878.

use ruzstd::decoding::StreamingDecoder;
use ruzstd::encoding::{CompressionLevel, compress_to_vec};

use super::{CodecError, non_empty};

/// Compresses `data` into a single zstd frame.
pub fn compress(data: &[u8]) -> Vec<u8> {
    compress_to_vec(data, CompressionLevel::Fastest)
}

/// Inflates every frame in `data`; at most `max_len` bytes in total.
pub fn decompress(data: &[u8], max_len: usize) -> Result<Vec<u8>, CodecError> {
    non_empty(data, "zstd")?;
    let mut source = data;
    let mut out = Vec::new();
    while !source.is_empty() {
        let decoder = StreamingDecoder::new(&mut source)
            .map_err(|e| CodecError::Malformed(format!("zstd frame header: {e}")))?;
        let left = max_len - out.len();
        match super::read_capped(decoder, left) {
            Ok(frame) => out.extend_from_slice(&frame),
            Err(CodecError::TooLarge { .. }) => {
                return Err(CodecError::TooLarge { limit: max_len });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
