//! Codec framings checked byte by byte, with hand-written walkers independent of the encoders.

use super::*;

const CODECS: [CompressionType; 4] = [
    CompressionType::Gzip,
    CompressionType::Snappy,
    CompressionType::Lz4,
    CompressionType::Zstd,
];

fn noise(len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn text(len: usize) -> Vec<u8> {
    (0..len).map(|i| b"kafka record batch "[i % 19]).collect()
}

#[test]
fn every_codec_roundtrips_across_sizes() {
    for codec in CODECS {
        for len in [
            0,
            1,
            15,
            32 * 1024 - 1,
            32 * 1024,
            32 * 1024 + 1,
            64 * 1024,
            200_000,
        ] {
            for data in [noise(len), text(len)] {
                let packed = compress(codec, &data);
                assert_eq!(
                    decompress(codec, &packed, data.len()).as_deref(),
                    Ok(&data[..]),
                    "{codec} len {len}"
                );
            }
        }
    }
}

#[test]
fn empty_streams_are_errors() {
    for codec in CODECS {
        assert!(decompress(codec, &[], 100).is_err(), "{codec}");
    }
}

#[test]
fn gzip_header_matches_jdk() {
    assert_eq!(compress(CompressionType::Gzip, b"abc")[..10], gzip::HEADER);
    let mut two = gzip::compress(b"ab");
    two.extend(gzip::compress(b"cd"));
    assert_eq!(gzip::decompress(&two, 10).unwrap(), b"abcd");
}

/// The hand-framed member is byte for byte flate2's `GzEncoder` (same header, deflate stream
/// and trailer), and its CRC-32 is `crc32fast`'s.
#[test]
fn gzip_member_equals_flate2_gz_encoder() {
    use std::io::Write;
    for len in [0, 1, 15, 255, 4096, 32 * 1024 + 1, 200_000] {
        for data in [noise(len), text(len)] {
            assert_eq!(
                gzip::crc32(&data),
                crc32fast::hash(&data),
                "crc32 len {len}"
            );
            let mut reference =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            reference.write_all(&data).unwrap();
            assert_eq!(
                gzip::compress(&data),
                reference.finish().unwrap(),
                "len {len}"
            );
        }
    }
    // RFC 1952's check value.
    assert_eq!(gzip::crc32(b"123456789"), 0xcbf4_3926);
}

#[test]
fn zstd_is_a_standard_frame() {
    let packed = zstd::compress(&text(1000));
    assert_eq!(packed[..4], [0x28, 0xB5, 0x2F, 0xFD]);
    let mut two = zstd::compress(b"ab");
    two.extend(zstd::compress(b"cd"));
    assert_eq!(zstd::decompress(&two, 10).unwrap(), b"abcd");
}

/// Walks a snappy-java stream by hand: header, then (BE length, raw block) chunks.
fn xerial_chunks(stream: &[u8]) -> Vec<Vec<u8>> {
    assert_eq!(stream[..16], snappy::STREAM_HEADER);
    let mut rest = &stream[16..];
    let mut chunks = Vec::new();
    while !rest.is_empty() {
        let length = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        let block = &rest[4..4 + length];
        chunks.push(snap::raw::Decoder::new().decompress_vec(block).unwrap());
        rest = &rest[4 + length..];
    }
    chunks
}

#[test]
fn snappy_uses_xerial_framing_with_32_kib_blocks() {
    assert_eq!(snappy::compress(&[]), snappy::STREAM_HEADER);
    let data = text(100 * 1024);
    let chunks = xerial_chunks(&snappy::compress(&data));
    let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
    assert_eq!(sizes, [32768, 32768, 32768, 4096]);
    assert_eq!(chunks.concat(), data);
}

#[test]
fn snappy_reads_raw_blocks_and_concatenated_streams() {
    let raw = snap::raw::Encoder::new()
        .compress_vec(b"librdkafka")
        .unwrap();
    assert_eq!(snappy::decompress(&raw, 100).unwrap(), b"librdkafka");
    let mut two = snappy::compress(b"ab");
    two.extend(snappy::compress(b"cd"));
    assert_eq!(snappy::decompress(&two, 10).unwrap(), b"abcd");
    let mut stray = snappy::compress(b"ab");
    stray.push(0);
    assert!(snappy::decompress(&stray, 10).is_err());
    let mut negative = snappy::STREAM_HEADER.to_vec();
    negative.extend([0xff, 0, 0, 0]);
    assert!(snappy::decompress(&negative, 10).is_err());
}

/// Walks an LZ4 frame by hand: returns (stored?, block length) per block and the content.
fn lz4_blocks(frame: &[u8]) -> (Vec<(bool, usize)>, Vec<u8>) {
    assert_eq!(frame[..7], lz4::FRAME_HEADER);
    let mut rest = &frame[7..];
    let mut blocks = Vec::new();
    let mut content = Vec::new();
    loop {
        let word = u32::from_le_bytes(rest[..4].try_into().unwrap());
        rest = &rest[4..];
        if word == 0 {
            break;
        }
        let stored = word & 0x8000_0000 != 0;
        let length = (word & 0x7fff_ffff) as usize;
        let block = &rest[..length];
        if stored {
            content.extend_from_slice(block);
        } else {
            content.extend(lz4_flex::block::decompress(block, lz4::BLOCK_SIZE).unwrap());
        }
        blocks.push((stored, length));
        rest = &rest[length..];
    }
    assert!(rest.is_empty(), "bytes after the end mark");
    (blocks, content)
}

#[test]
fn lz4_frame_header_is_kafkas() {
    // Empty input: header and end mark only, as Lz4BlockOutputStream.close writes.
    assert_eq!(
        lz4::compress(&[]),
        [0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82, 0, 0, 0, 0]
    );
    // The header checksum is byte 1 of xxh32(FLG, BD) with seed 0 (spec §7.3: 0x82).
    let hc = (xxh32_short(&[0x60, 0x40]) >> 8) as u8;
    assert_eq!(hc, lz4::FRAME_HEADER[6]);
}

/// xxHash32 with seed 0 of fewer than 4 bytes, from the xxHash spec (short-input path only).
fn xxh32_short(input: &[u8]) -> u32 {
    const P1: u32 = 2_654_435_761;
    const P2: u32 = 2_246_822_519;
    const P3: u32 = 3_266_489_917;
    const P5: u32 = 374_761_393;
    assert!(input.len() < 4);
    let mut h = P5.wrapping_add(input.len() as u32);
    for &b in input {
        h = h.wrapping_add(u32::from(b).wrapping_mul(P5));
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 15;
    h = h.wrapping_mul(P2);
    h ^= h >> 13;
    h = h.wrapping_mul(P3);
    h ^ (h >> 16)
}

#[test]
fn lz4_splits_into_64_kib_blocks_and_stores_incompressible_ones() {
    let data = noise(150 * 1024);
    let (blocks, content) = lz4_blocks(&lz4::compress(&data));
    assert_eq!(blocks, [(true, 65536), (true, 65536), (true, 22528)]);
    assert_eq!(content, data);

    let data = text(150 * 1024);
    let (blocks, content) = lz4_blocks(&lz4::compress(&data));
    assert_eq!(blocks.len(), 3);
    assert!(blocks.iter().all(|&(stored, len)| !stored && len < 1000));
    assert_eq!(content, data);

    // TV-F2's 15 record bytes cannot shrink: one stored block, as Java writes it too.
    let plain = hex::decode("1c000000066b65790a76616c756500").unwrap();
    let (blocks, _) = lz4_blocks(&lz4::compress(&plain));
    assert_eq!(blocks, [(true, 15)]);
}
