//! Zigzag varints and varlongs (record fields) and unsigned varints (flexible protocol headers).
//!
//! Encoding: zigzag `(n << 1) ^ (n >> 31|63)`, then base-128 little-endian groups with the high
//! bit meaning "more". Reading follows Kafka's limits: at most 5 bytes for an int32 and 10 for an
//! int64; a longer run is an error, and excess high bits in the last byte are dropped as Java's
//! shifts drop them.
//! Source: apache/kafka `ByteUtils.writeVarint/readVarint/writeVarlong/readVarlong/sizeOfVarint`.

use std::fmt;

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarintError {
    /// The input ended before a byte without the continuation bit.
    Truncated,
    /// More than 5 (int32) or 10 (int64) bytes: `ByteUtils.illegalVarintException`.
    TooLong,
}

impl fmt::Display for VarintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarintError::Truncated => f.write_str("varint truncated"),
            VarintError::TooLong => f.write_str("varint longer than Kafka allows"),
        }
    }
}

impl std::error::Error for VarintError {}

/// Zigzag-maps a signed int32 onto an unsigned one: 0→0, -1→1, 1→2, …
pub fn zigzag32(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

/// Inverse of [`zigzag32`].
pub fn unzigzag32(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

/// Zigzag-maps a signed int64 onto an unsigned one.
pub fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

/// Inverse of [`zigzag64`].
pub fn unzigzag64(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn write_base128(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn size_of_base128(mut v: u64) -> usize {
    let mut bytes = 1;
    while v >= 0x80 {
        v >>= 7;
        bytes += 1;
    }
    bytes
}

/// Reads base-128 groups of at most `max_bytes` bytes; returns the raw value and bytes used.
fn read_base128(buf: &[u8], max_bytes: usize) -> Result<(u64, usize), VarintError> {
    let mut value = 0u64;
    for i in 0..max_bytes {
        let b = *buf.get(i).ok_or(VarintError::Truncated)?;
        // Bits beyond 64 are shifted out, as in Java; `i * 7 ≤ 63` so the shift is defined.
        value |= u64::from(b & 0x7f) << (i * 7);
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Err(VarintError::TooLong)
}

/// Appends a zigzag varint (`ByteUtils.writeVarint`).
pub fn write_varint(out: &mut Vec<u8>, value: i32) {
    write_base128(out, u64::from(zigzag32(value)));
}

/// Appends a zigzag varlong (`ByteUtils.writeVarlong`).
pub fn write_varlong(out: &mut Vec<u8>, value: i64) {
    write_base128(out, zigzag64(value));
}

/// Appends an unsigned varint (`ByteUtils.writeUnsignedVarint`); not used inside records.
pub fn write_unsigned_varint(out: &mut Vec<u8>, value: u32) {
    write_base128(out, u64::from(value));
}

/// Reads a zigzag varint from the start of `buf`: `(value, bytes consumed)`.
pub fn read_varint(buf: &[u8]) -> Result<(i32, usize), VarintError> {
    read_unsigned_varint(buf).map(|(v, n)| (unzigzag32(v), n))
}

/// Reads an unsigned varint (at most 5 bytes; high bits of the 5th byte beyond 32 are dropped).
pub fn read_unsigned_varint(buf: &[u8]) -> Result<(u32, usize), VarintError> {
    read_base128(buf, 5).map(|(v, n)| (v as u32, n))
}

/// Reads a zigzag varlong (at most 10 bytes).
pub fn read_varlong(buf: &[u8]) -> Result<(i64, usize), VarintError> {
    read_base128(buf, 10).map(|(v, n)| (unzigzag64(v), n))
}

/// Bytes of a zigzag varint (`ByteUtils.sizeOfVarint`).
pub fn size_of_varint(value: i32) -> usize {
    size_of_base128(u64::from(zigzag32(value)))
}

/// Bytes of a zigzag varlong (`ByteUtils.sizeOfVarlong`).
pub fn size_of_varlong(value: i64) -> usize {
    size_of_base128(zigzag64(value))
}

/// Bytes of an unsigned varint (`ByteUtils.sizeOfUnsignedVarint`).
pub fn size_of_unsigned_varint(value: u32) -> usize {
    size_of_base128(u64::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signed vectors of spec §7.2 (from Kafka's ByteUtilsTest).
    const SIGNED: [(i32, &[u8]); 15] = [
        (0, &[0x00]),
        (-1, &[0x01]),
        (1, &[0x02]),
        (63, &[0x7E]),
        (-64, &[0x7F]),
        (64, &[0x80, 0x01]),
        (-65, &[0x81, 0x01]),
        (8191, &[0xFE, 0x7F]),
        (-8192, &[0xFF, 0x7F]),
        (8192, &[0x80, 0x80, 0x01]),
        (-8193, &[0x81, 0x80, 0x01]),
        (1048575, &[0xFE, 0xFF, 0x7F]),
        (1048576, &[0x80, 0x80, 0x80, 0x01]),
        (i32::MAX, &[0xFE, 0xFF, 0xFF, 0xFF, 0x0F]),
        (i32::MIN, &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    ];

    /// Unsigned vectors of spec §7.2 (-1 is the int32 bit pattern 0xFFFFFFFF).
    const UNSIGNED: [(u32, &[u8]); 7] = [
        (0, &[0x00]),
        (1, &[0x01]),
        (63, &[0x3F]),
        (64, &[0x40]),
        (8191, &[0xFF, 0x3F]),
        (8192, &[0x80, 0x40]),
        (-1i32 as u32, &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    ];

    #[test]
    fn signed_varint_vectors_both_directions() {
        for (value, bytes) in SIGNED {
            let mut out = Vec::new();
            write_varint(&mut out, value);
            assert_eq!(out, bytes, "encode {value}");
            assert_eq!(
                read_varint(bytes),
                Ok((value, bytes.len())),
                "decode {value}"
            );
            assert_eq!(size_of_varint(value), bytes.len());
            // The same values as varlongs use the same bytes (zigzag keeps small magnitudes small).
            let mut long = Vec::new();
            write_varlong(&mut long, i64::from(value));
            assert_eq!(long, bytes, "varlong {value}");
            assert_eq!(read_varlong(bytes), Ok((i64::from(value), bytes.len())));
        }
    }

    #[test]
    fn unsigned_varint_vectors_both_directions() {
        for (value, bytes) in UNSIGNED {
            let mut out = Vec::new();
            write_unsigned_varint(&mut out, value);
            assert_eq!(out, bytes, "encode {value}");
            assert_eq!(read_unsigned_varint(bytes), Ok((value, bytes.len())));
            assert_eq!(size_of_unsigned_varint(value), bytes.len());
        }
    }

    #[test]
    fn varlong_extremes() {
        for v in [i64::MIN, i64::MAX, -1, 0, 1 << 40, -(1 << 40)] {
            let mut out = Vec::new();
            write_varlong(&mut out, v);
            assert_eq!(out.len(), size_of_varlong(v));
            assert_eq!(read_varlong(&out), Ok((v, out.len())));
        }
        let mut out = Vec::new();
        write_varlong(&mut out, i64::MIN);
        assert_eq!(
            out,
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        );
    }

    #[test]
    fn malformed_varints_are_errors() {
        assert_eq!(read_varint(&[]), Err(VarintError::Truncated));
        assert_eq!(read_varint(&[0x80, 0x80]), Err(VarintError::Truncated));
        assert_eq!(read_varint(&[0xFF; 5]), Err(VarintError::TooLong));
        assert_eq!(read_varlong(&[0xFF; 10]), Err(VarintError::TooLong));
        assert_eq!(read_varlong(&[0xFF; 64]), Err(VarintError::TooLong));
        // Like Java, bits past 32 in the 5th byte are dropped rather than rejected.
        assert_eq!(
            read_unsigned_varint(&[0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
            Ok((u32::MAX, 5))
        );
    }
}
