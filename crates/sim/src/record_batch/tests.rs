//! Spec §7.4 test vectors, per-codec roundtrips, and decoder error cases.

use super::*;
use crate::record_batch::compression::{lz4, snappy};

const TS: i64 = 1_700_000_000_000;

/// TV-F2 hex from spec §7.4 (spaces removed).
const TV_F2_HEX: &str = "0000000000000000 00000040 ffffffff 02 db5e9cdd 0000 00000000 \
    0000018bcfe56800 0000018bcfe56800 ffffffffffffffff ffff ffffffff 00000001 \
    1c 00 00 00 06 6b6579 0a 76616c7565 00";

/// TV-F3 hex from spec §7.4.
const TV_F3_HEX: &str = "0000000000000000 0000004d ffffffff 02 8bf2d01c 0000 00000001 \
    0000018bcfe56800 0000018bcfe56805 00000000000003e8 0000 00000000 00000002 \
    1c 00 00 00 06 6b6579 0a 76616c7565 00 \
    18 00 0a 02 01 04 7632 02 02 68 02 78";

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

fn rec(timestamp: i64, key: Option<&[u8]>, value: Option<&[u8]>) -> TimestampedRecord {
    TimestampedRecord {
        timestamp,
        key: key.map(<[u8]>::to_vec),
        value: value.map(<[u8]>::to_vec),
        headers: Vec::new(),
    }
}

fn tv_f2() -> RecordBatch {
    RecordBatch::from_producer_records(
        CompressionType::None,
        0,
        ProducerIdentity::NONE,
        &[rec(TS, Some(b"key"), Some(b"value"))],
    )
}

fn tv_f3(compression: CompressionType) -> RecordBatch {
    let mut second = rec(TS + 5, None, Some(b"v2"));
    second.headers.push(RecordHeader {
        key: "h".into(),
        value: Some(b"x".to_vec()),
    });
    RecordBatch::from_producer_records(
        compression,
        0,
        ProducerIdentity {
            producer_id: 1000,
            producer_epoch: 0,
            base_sequence: 0,
        },
        &[rec(TS, Some(b"key"), Some(b"value")), second],
    )
}

/// Rewrites batchLength and the CRC so that a hand-edited batch passes those checks.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let length = (bytes.len() - LOG_OVERHEAD) as i32;
    bytes[8..12].copy_from_slice(&length.to_be_bytes());
    let crc = crc32c::crc32c(&bytes[ATTRIBUTES_OFFSET..]);
    bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// TV-F2 header followed by `records` (count `count`, codec `codec`), CRC fixed.
fn batch_with_payload(codec: u8, count: i32, records: &[u8]) -> Vec<u8> {
    let mut bytes = encode(&tv_f2())[..RECORD_BATCH_OVERHEAD].to_vec();
    bytes[21..23].copy_from_slice(&i16::from(codec).to_be_bytes());
    bytes[57..61].copy_from_slice(&count.to_be_bytes());
    bytes.extend_from_slice(records);
    reseal(bytes)
}

#[test]
fn tv_f1_crc32c_some_string() {
    assert_eq!(crc32c::crc32c(b"Some String"), 0x2445290F);
    assert_eq!(crc32c::crc32c(b"Some String"), 608512271);
}

#[test]
fn tv_f2_encodes_byte_for_byte() {
    let bytes = encode(&tv_f2());
    assert_eq!(bytes.len(), 76);
    assert_eq!(hex::encode(&bytes), hex::encode(unhex(TV_F2_HEX)));
    assert_eq!(&bytes[17..21], &0xdb5e9cdd_u32.to_be_bytes());
}

#[test]
fn tv_f3_encodes_byte_for_byte() {
    let bytes = encode(&tv_f3(CompressionType::None));
    assert_eq!(bytes.len(), 89);
    assert_eq!(hex::encode(&bytes), hex::encode(unhex(TV_F3_HEX)));
    assert_eq!(&bytes[17..21], &0x8bf2d01c_u32.to_be_bytes());
}

#[test]
fn tv_f2_and_f3_decode_to_their_batches() {
    let d2 = decode_detailed(&unhex(TV_F2_HEX), DEFAULT_MAX_RECORDS_BYTES).unwrap();
    assert_eq!(d2.batch, tv_f2());
    assert_eq!(d2.crc, 0xdb5e9cdd);
    assert_eq!(d2.size_in_bytes, 76);
    assert_eq!(d2.uncompressed_records_bytes, 15);
    let d3 = decode(&unhex(TV_F3_HEX)).unwrap();
    assert_eq!(d3, tv_f3(CompressionType::None));
    assert_eq!(d3.records[1].headers[0].key, "h");
}

/// Errata A: the header is excluded, so TV-F2 scores 15/15 = 1.0 (not 76/15).
#[test]
fn tv_f2_compression_ratio_is_one() {
    let batch = tv_f2();
    assert_eq!(batch.records_size_in_bytes(), 15);
    assert_eq!(
        compression_ratio(encode(&batch).len(), batch.records_size_in_bytes()),
        1.0
    );
    let decoded = decode_detailed(&encode(&batch), DEFAULT_MAX_RECORDS_BYTES).unwrap();
    assert_eq!(decoded.compression_ratio(), 1.0);
}

#[test]
fn compressible_batches_score_below_one() {
    let value = vec![b'a'; 10_000];
    for codec in [
        CompressionType::Gzip,
        CompressionType::Snappy,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ] {
        let batch = RecordBatch::from_producer_records(
            codec,
            0,
            ProducerIdentity::NONE,
            &[rec(TS, None, Some(&value))],
        );
        let d = decode_detailed(&encode(&batch), DEFAULT_MAX_RECORDS_BYTES).unwrap();
        assert_eq!(d.uncompressed_records_bytes, batch.records_size_in_bytes());
        assert!(
            d.compression_ratio() < 0.1,
            "{codec}: {}",
            d.compression_ratio()
        );
    }
}

#[test]
fn record_sizes_agree_with_record_size_module() {
    let batch = tv_f3(CompressionType::None);
    let plain = encode_records(&batch.records);
    assert_eq!(plain.len(), batch.records_size_in_bytes());
    assert_eq!(batch.records[1].size_in_bytes(), 13);
}

fn assert_roundtrip(batch: &RecordBatch) -> Vec<u8> {
    let bytes = encode(batch);
    let decoded = decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", batch.compression));
    assert_eq!(&decoded, batch, "{} roundtrip", batch.compression);
    assert_eq!(encode(&decoded), bytes, "{} re-encode", batch.compression);
    bytes
}

#[test]
fn every_codec_roundtrips_tv_f3() {
    for codec in CompressionType::ALL {
        let bytes = assert_roundtrip(&tv_f3(codec));
        assert_eq!(bytes[22] & 0x07, codec.id());
        // The 61-byte header differs from TV-F3's only in length, CRC and codec bits.
        let plain = encode(&tv_f3(CompressionType::None));
        assert_eq!(bytes[23..61], plain[23..61]);
    }
}

#[test]
fn every_codec_roundtrips_null_and_empty_fields() {
    let records = [
        rec(TS, None, None),
        rec(TS, Some(b""), Some(b"")),
        TimestampedRecord {
            timestamp: TS - 7, // earlier than the base: negative delta
            key: None,
            value: None,
            headers: vec![
                RecordHeader {
                    key: "dup".into(),
                    value: None,
                },
                RecordHeader {
                    key: "dup".into(),
                    value: Some(Vec::new()),
                },
                RecordHeader {
                    key: String::new(),
                    value: Some(vec![0xff]),
                },
            ],
        },
    ];
    for codec in CompressionType::ALL {
        let batch = RecordBatch::from_producer_records(codec, 42, ProducerIdentity::NONE, &records);
        assert_eq!(batch.max_timestamp, TS);
        assert_eq!(batch.records[2].timestamp_delta, -7);
        assert_roundtrip(&batch);
    }
}

#[test]
fn every_codec_roundtrips_an_empty_batch() {
    for codec in CompressionType::ALL {
        let batch = RecordBatch::from_producer_records(codec, 0, ProducerIdentity::NONE, &[]);
        assert_eq!(batch.last_offset_delta, -1);
        assert_roundtrip(&batch);
    }
}

/// Pseudo-random bytes (xorshift) that no codec can shrink much.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// Values of 40 KiB and 150 KiB cross snappy's 32 KiB and LZ4's 64 KiB block boundaries.
#[test]
fn every_codec_roundtrips_large_records_across_blocks() {
    let mut text = Vec::new();
    while text.len() < 150 * 1024 {
        text.extend_from_slice(format!("record {} of a compressible run; ", text.len()).as_bytes());
    }
    let records = [
        rec(TS, Some(b"noise"), Some(&noise(40 * 1024, 7))),
        rec(TS + 1, Some(b"text"), Some(&text)),
        rec(TS + 2, None, Some(&noise(70 * 1024, 11))),
    ];
    for codec in CompressionType::ALL {
        let batch = RecordBatch::from_producer_records(codec, 0, ProducerIdentity::NONE, &records);
        let bytes = assert_roundtrip(&batch);
        match codec {
            CompressionType::Snappy => {
                assert_eq!(bytes[61..77], snappy::STREAM_HEADER);
            }
            CompressionType::Lz4 => {
                assert_eq!(bytes[61..68], lz4::FRAME_HEADER);
                assert_eq!(bytes[bytes.len() - 4..], [0, 0, 0, 0]);
            }
            _ => {}
        }
    }
}

#[test]
fn attributes_roundtrip() {
    let mut batch = tv_f3(CompressionType::Lz4);
    batch.timestamp_type = TimestampType::LogAppendTime;
    batch.is_transactional = true;
    batch.is_control = true;
    batch.has_delete_horizon = true;
    batch.partition_leader_epoch = 7;
    batch.base_offset = 1 << 40;
    assert_eq!(batch.attributes(), 0x7b);
    assert_roundtrip(&batch);
}

#[test]
fn compression_type_ids_and_names() {
    for (i, codec) in CompressionType::ALL.into_iter().enumerate() {
        assert_eq!(usize::from(codec.id()), i);
        assert_eq!(CompressionType::from_id(codec.id()), Some(codec));
        assert_eq!(codec.name().parse::<CompressionType>(), Ok(codec));
    }
    assert_eq!(CompressionType::from_id(5), None);
    assert!("brotli".parse::<CompressionType>().is_err());
}

#[test]
fn truncated_input_is_an_error_at_every_length() {
    let bytes = unhex(TV_F3_HEX);
    for len in 0..bytes.len() {
        let err = decode(&bytes[..len]).unwrap_err();
        assert!(
            matches!(err, DecodeError::Truncated { .. }),
            "len {len}: {err}"
        );
    }
}

#[test]
fn trailing_bytes_are_an_error() {
    let mut bytes = unhex(TV_F2_HEX);
    bytes.push(0);
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::TrailingBytes {
            batch_size: 76,
            available: 77
        })
    );
}

#[test]
fn wrong_crc_names_expected_and_actual() {
    let mut bytes = unhex(TV_F2_HEX);
    bytes[75] = 1; // header count 0 → 1 changes the CRC
    let err = decode(&bytes).unwrap_err();
    let DecodeError::CrcMismatch { expected, actual } = err else {
        panic!("{err}")
    };
    assert_eq!(expected, 0xdb5e9cdd);
    assert_ne!(actual, expected);
    let message = err.to_string();
    assert!(message.contains("0xdb5e9cdd") && message.contains(&format!("0x{actual:08x}")));
}

#[test]
fn the_leader_epoch_is_not_covered_by_the_crc() {
    let mut bytes = unhex(TV_F2_HEX);
    bytes[12..16].copy_from_slice(&0i32.to_be_bytes()); // as kafka-python writes it
    assert_eq!(decode(&bytes).unwrap().partition_leader_epoch, 0);
}

#[test]
fn header_errors() {
    let mut bytes = unhex(TV_F2_HEX);
    bytes[16] = 1;
    assert_eq!(decode(&bytes), Err(DecodeError::UnsupportedMagic(1)));

    let mut bytes = unhex(TV_F2_HEX);
    bytes[8..12].copy_from_slice(&48i32.to_be_bytes());
    assert_eq!(decode(&bytes), Err(DecodeError::InvalidBatchLength(48)));
    bytes[8..12].copy_from_slice(&i32::MIN.to_be_bytes());
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::InvalidBatchLength(i32::MIN))
    );
    bytes[8..12].copy_from_slice(&i32::MAX.to_be_bytes());
    assert!(matches!(decode(&bytes), Err(DecodeError::Truncated { .. })));

    let plain = &unhex(TV_F2_HEX)[61..];
    assert_eq!(
        decode(&batch_with_payload(5, 1, plain)),
        Err(DecodeError::UnknownCompression(5))
    );
    assert_eq!(
        decode(&batch_with_payload(0, -1, plain)),
        Err(DecodeError::InvalidRecordCount(-1))
    );
}

#[test]
fn record_errors() {
    let plain = unhex("1c 00 00 00 06 6b6579 0a 76616c7565 00");
    let record_error = |count: i32, records: &[u8]| decode(&batch_with_payload(0, count, records));

    // Declared two records, holds one.
    assert!(matches!(
        record_error(2, &plain),
        Err(DecodeError::InvalidRecord { index: 1, .. })
    ));
    // Declared zero records, holds one.
    assert_eq!(
        record_error(0, &plain),
        Err(DecodeError::TrailingRecordBytes {
            records: 0,
            remaining: 15
        })
    );
    // Length prefix 15 instead of 14: the fields use fewer bytes than declared.
    let mut longer = plain.clone();
    longer[0] = 0x1e;
    longer.push(0);
    let err = record_error(1, &longer).unwrap_err().to_string();
    assert!(err.contains("length prefix says 15"), "{err}");
    // Overlong varints, huge lengths, negative counts.
    for (bad, needle) in [
        (&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01][..], "varint longer"),
        (&[0x01][..], "negative record length"),
        (&[0xfe, 0xff, 0xff, 0xff, 0x0f][..], "exceeds"),
        (
            &[0x0c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01][..],
            "negative header count",
        ),
        (
            &[0x0e, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01][..],
            "negative header key length",
        ),
        (
            &[0x0a, 0x00, 0x00, 0x00, 0x7e, 0x00][..],
            "key length 63 exceeds",
        ),
        (
            &[0x04, 0x00, 0xff, 0xff][..],
            "timestampDelta: varint truncated",
        ),
    ] {
        let err = record_error(1, bad).unwrap_err().to_string();
        assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    }
}

/// Kafka reads any negative key/value length as null (`DefaultRecord.readFrom`).
#[test]
fn negative_lengths_below_minus_one_read_as_null() {
    let records = unhex("0c 00 00 00 03 05 00");
    let batch = decode(&batch_with_payload(0, 1, &records)).unwrap();
    assert_eq!(batch.records[0].key, None);
    assert_eq!(batch.records[0].value, None);
}

#[test]
fn corrupt_codec_streams_are_errors() {
    for codec in 1..=4u8 {
        let err = decode(&batch_with_payload(codec, 1, b"definitely not compressed")).unwrap_err();
        assert!(
            matches!(err, DecodeError::Decompression { .. }),
            "codec {codec}: {err}"
        );
    }
}

#[test]
fn inflation_is_capped() {
    let batch = RecordBatch::from_producer_records(
        CompressionType::Gzip,
        0,
        ProducerIdentity::NONE,
        &[rec(TS, None, Some(&vec![0; 100_000]))],
    );
    for codec in [
        CompressionType::Gzip,
        CompressionType::Snappy,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ] {
        let bytes = encode(&RecordBatch {
            compression: codec,
            ..batch.clone()
        });
        let err = decode_detailed(&bytes, 50_000).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::Decompression {
                    error: compression::CodecError::TooLarge { limit: 50_000 },
                    ..
                }
            ),
            "{codec}: {err}"
        );
        let exact = batch.records_size_in_bytes();
        assert!(decode_detailed(&bytes, exact).is_ok(), "{codec}");
    }
}
