//! gzip: one RFC 1952 member at deflate's default level, as JDK `GZIPOutputStream` writes it.
//!
//! The 10-byte header equals what JDK ≥ 16 writes (`1f 8b 08 00 00000000 00 ff`: no flags, no
//! mtime, OS 255; JDK 11 wrote OS 0), and the trailer (CRC-32 + size) is fixed by the input. The
//! deflate bytes in between come from miniz_oxide, not zlib, so they differ from Java's even at
//! the same level; any gzip reader inflates both. Decoding accepts concatenated members, like
//! `GZIPInputStream`.
//! Source: apache/kafka `common/compress/GzipCompression.java`; RFC 1952.

use std::io::Write;

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::DeflateEncoder;

use super::{CodecError, non_empty, read_capped};

/// The member header both Java (JDK ≥ 16) and this encoder write.
pub const HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff];

/// Gzip-compresses `data` (level 6, `Deflater.DEFAULT_COMPRESSION`): [`HEADER`], the raw
/// deflate stream, then the trailer, CRC-32 and input size mod 2^32, both little-endian
/// (`GZIPOutputStream.writeTrailer`). The same bytes as flate2's `GzEncoder` (tested), without
/// linking `crc32fast`'s 16 KiB table into the browser bundle.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2 + 32);
    out.extend_from_slice(&HEADER);
    let mut encoder = DeflateEncoder::new(out, Compression::default());
    encoder
        .write_all(data)
        .expect("writing to a Vec cannot fail");
    let mut out = encoder.finish().expect("writing to a Vec cannot fail");
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// IEEE CRC-32 (reflected polynomial 0xEDB88320), as zlib's `crc32` and `java.util.zip.CRC32`:
/// the `crc` crate with its byte-at-a-time table (1 KiB).
pub fn crc32(data: &[u8]) -> u32 {
    const IEEE: crc::Crc<u32, crc::Table<1>> =
        crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);
    IEEE.checksum(data)
}

/// Inflates one or more gzip members, checking each trailer; at most `max_len` bytes.
pub fn decompress(data: &[u8], max_len: usize) -> Result<Vec<u8>, CodecError> {
    non_empty(data, "gzip")?;
    read_capped(MultiGzDecoder::new(data), max_len)
}
