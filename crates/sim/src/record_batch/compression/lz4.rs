//! lz4: the LZ4 frame format as Kafka's `Lz4BlockOutputStream` writes it for magic ≥ 1.
//!
//! ```text
//! 04 22 4D 18   magic 0x184D2204 (little-endian)
//! 60            FLG: version 01, independent blocks, no checksums, no content size
//! 40            BD: 64 KiB maximum block size
//! 82            header checksum: (xxh32(FLG BD, seed 0) >> 8) & 0xFF
//! then per 64 KiB of input: int32 LE size (bit 31 set = stored uncompressed), block data
//! 00 00 00 00   end mark (no content checksum)
//! ```
//!
//! `lz4_flex`'s frame encoder with 64 KiB independent blocks and no checksums produces exactly
//! this framing, including Kafka's rule of storing a block uncompressed when compression does
//! not make it smaller, so no framing is written by hand. The compressed blocks come from
//! lz4_flex, not lz4-java's fast compressor, so they can differ from Java's; tiny inputs (which
//! neither can shrink) are stored and therefore identical. Magic v0's broken header checksum
//! (`0x1A`, KAFKA-3160) is never written: this module serves v2 only. Decoding uses lz4_flex's
//! frame decoder, which accepts any valid frame (Kafka's reader also rejects dependent blocks).
//! Source: apache/kafka `common/compress/Lz4BlockOutputStream.java`, `Lz4Compression.java`;
//! KIP-57; the LZ4 frame format v1.6.

use std::io::Write;

use lz4_flex::frame::{BlockMode, BlockSize, FrameDecoder, FrameEncoder, FrameInfo};

use super::{CodecError, non_empty, read_capped};

/// The first 7 bytes of every Kafka v1/v2 LZ4 stream: magic, FLG, BD, header checksum.
pub const FRAME_HEADER: [u8; 7] = [0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82];
/// `Lz4BlockOutputStream.BLOCKSIZE_64KB` in bytes.
pub const BLOCK_SIZE: usize = 64 * 1024;

/// Compresses `data` into one Kafka-style LZ4 frame.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let info = FrameInfo::new()
        .block_size(BlockSize::Max64KB)
        .block_mode(BlockMode::Independent)
        .block_checksums(false)
        .content_checksum(false)
        .content_size(None);
    let mut encoder = FrameEncoder::with_frame_info(info, Vec::new());
    encoder
        .write_all(data)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// Inflates LZ4 frames; at most `max_len` bytes.
pub fn decompress(data: &[u8], max_len: usize) -> Result<Vec<u8>, CodecError> {
    non_empty(data, "lz4")?;
    read_capped(FrameDecoder::new(data), max_len)
}
