//! The five batch codecs, each with the stream framing the Java client writes.
//!
//! | codec  | framing (identical to Java)                   | payload identical to Java? |
//! |--------|-----------------------------------------------|----------------------------|
//! | none   | —                                             | yes                        |
//! | gzip   | RFC 1952 member, JDK ≥ 16 header bytes        | no: miniz_oxide ≠ zlib     |
//! | snappy | xerial snappy-java stream, 32 KiB blocks      | not guaranteed: `snap` vs the C++ snappy in snappy-java |
//! | lz4    | LZ4 frame `04 22 4D 18 60 40 82`, 64 KiB blocks | no: lz4_flex ≠ lz4-java's fast compressor (tiny inputs are stored, and match) |
//! | zstd   | one standard zstd frame                       | no: ruzstd "Fastest" ≠ zstd-jni level 3 |
//!
//! Every decoder takes a cap on the inflated size and returns [`CodecError`] on bad input.
//! Source: apache/kafka `common/compress/*Compression.java`, `Lz4BlockOutputStream`;
//! spec §7.3; review §8.

use std::fmt;
use std::io::Read;

use super::CompressionType;

pub mod gzip;
pub mod lz4;
pub mod snappy;
pub mod zstd;

/// Why a compressed records stream could not be inflated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecError {
    /// The stream is not valid for its codec.
    Malformed(String),
    /// It inflates past the caller's cap.
    TooLarge { limit: usize },
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Malformed(m) => f.write_str(m),
            CodecError::TooLarge { limit } => {
                write!(f, "inflates to more than the {limit}-byte limit")
            }
        }
    }
}

impl std::error::Error for CodecError {}

/// Compresses a records stream as the Java producer frames it (`none` copies it).
pub fn compress(codec: CompressionType, data: &[u8]) -> Vec<u8> {
    match codec {
        CompressionType::None => data.to_vec(),
        CompressionType::Gzip => gzip::compress(data),
        CompressionType::Snappy => snappy::compress(data),
        CompressionType::Lz4 => lz4::compress(data),
        CompressionType::Zstd => zstd::compress(data),
    }
}

/// Inflates a records stream; at most `max_len` output bytes.
pub fn decompress(
    codec: CompressionType,
    data: &[u8],
    max_len: usize,
) -> Result<Vec<u8>, CodecError> {
    match codec {
        CompressionType::None if data.len() > max_len => {
            Err(CodecError::TooLarge { limit: max_len })
        }
        CompressionType::None => Ok(data.to_vec()),
        CompressionType::Gzip => gzip::decompress(data, max_len),
        CompressionType::Snappy => snappy::decompress(data, max_len),
        CompressionType::Lz4 => lz4::decompress(data, max_len),
        CompressionType::Zstd => zstd::decompress(data, max_len),
    }
}

/// Reads `reader` to its end, failing once more than `max_len` bytes come out.
fn read_capped(reader: impl Read, max_len: usize) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    reader
        .take(max_len as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    if out.len() > max_len {
        return Err(CodecError::TooLarge { limit: max_len });
    }
    Ok(out)
}

/// Rejects an empty stream: every Java codec writes at least a header.
fn non_empty(data: &[u8], codec: &str) -> Result<(), CodecError> {
    if data.is_empty() {
        return Err(CodecError::Malformed(format!("empty {codec} stream")));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
