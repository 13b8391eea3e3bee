//! Properties of the RecordBatch v2 codec: every batch roundtrips under every codec, and no
//! input, however malformed, makes `decode` panic.

use producer_sim::record_batch::varint::{
    read_varint, read_varlong, size_of_varint, size_of_varlong, write_varint, write_varlong,
};
use producer_sim::record_batch::{
    ATTRIBUTES_OFFSET, CompressionType, DEFAULT_MAX_RECORDS_BYTES, LOG_OVERHEAD, ProducerIdentity,
    RecordBatch, RecordHeader, TimestampedRecord, compression, decode, decode_detailed, encode,
};
use proptest::prelude::*;

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..48),
        // Long runs compress, and sometimes cross a snappy block.
        (any::<u8>(), 0..40_000usize).prop_map(|(b, n)| vec![b; n]),
    ]
}

fn header() -> impl Strategy<Value = RecordHeader> {
    ("\\PC{0,6}", prop::option::of(bytes())).prop_map(|(key, value)| RecordHeader { key, value })
}

fn record() -> impl Strategy<Value = TimestampedRecord> {
    (
        prop_oneof![0..2_000_000_000_000i64, any::<i64>()],
        prop::option::of(bytes()),
        prop::option::of(bytes()),
        prop::collection::vec(header(), 0..4),
    )
        .prop_map(|(timestamp, key, value, headers)| TimestampedRecord {
            timestamp,
            key,
            value,
            headers,
        })
}

fn codec() -> impl Strategy<Value = CompressionType> {
    prop::sample::select(CompressionType::ALL.to_vec())
}

fn batch() -> impl Strategy<Value = RecordBatch> {
    (
        codec(),
        any::<i64>(),
        any::<(i64, i16, i32)>(),
        prop::collection::vec(record(), 0..12),
    )
        .prop_map(|(codec, base_offset, (id, epoch, seq), records)| {
            let producer = ProducerIdentity {
                producer_id: id,
                producer_epoch: epoch,
                base_sequence: seq,
            };
            RecordBatch::from_producer_records(codec, base_offset, producer, &records)
        })
}

/// Rewrites batchLength and CRC so a mutated batch reaches the codec and record parsers.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let length = (bytes.len() - LOG_OVERHEAD) as i32;
    bytes[8..12].copy_from_slice(&length.to_be_bytes());
    let crc = crc32c::crc32c(&bytes[ATTRIBUTES_OFFSET..]);
    bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    bytes
}

proptest! {
    #[test]
    fn varints_roundtrip(v in any::<i32>(), l in any::<i64>()) {
        let mut out = Vec::new();
        write_varint(&mut out, v);
        prop_assert_eq!(out.len(), size_of_varint(v));
        prop_assert_eq!(read_varint(&out), Ok((v, out.len())));
        out.clear();
        write_varlong(&mut out, l);
        prop_assert_eq!(out.len(), size_of_varlong(l));
        prop_assert_eq!(read_varlong(&out), Ok((l, out.len())));
    }

    #[test]
    fn every_batch_roundtrips(batch in batch()) {
        let bytes = encode(&batch);
        let decoded = decode_detailed(&bytes, DEFAULT_MAX_RECORDS_BYTES).unwrap();
        prop_assert_eq!(decoded.uncompressed_records_bytes, batch.records_size_in_bytes());
        prop_assert_eq!(decoded.size_in_bytes, bytes.len());
        prop_assert_eq!(&decoded.batch, &batch);
        prop_assert_eq!(encode(&decoded.batch), bytes);
    }

    #[test]
    fn decode_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode(&bytes);
    }

    /// A valid header with the right CRC around arbitrary records bytes, for every codec.
    #[test]
    fn decode_never_panics_on_sealed_garbage(
        codec in 0u8..8,
        count in prop_oneof![0..4i32, any::<i32>()],
        payload in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = vec![0u8; 61];
        bytes[16] = 2;
        bytes[22] = codec;
        bytes[57..61].copy_from_slice(&count.to_be_bytes());
        bytes.extend(payload);
        let _ = decode(&reseal(bytes));
    }

    /// Real batches with bytes flipped or cut after the header, CRC fixed up.
    #[test]
    fn decode_never_panics_on_mutated_batches(
        batch in batch(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = encode(&batch);
        if bytes.len() > 61 {
            for (at, xor) in flips {
                let i = 61 + at.index(bytes.len() - 61);
                bytes[i] ^= xor;
            }
        }
        if truncate {
            bytes.truncate(61 + cut.index(bytes.len() - 61 + 1));
        }
        let _ = decode(&reseal(bytes));
    }

    /// Each codec's decoder alone, on arbitrary bytes and on its own output cut short.
    #[test]
    fn codecs_never_panic(
        codec in codec(),
        garbage in prop::collection::vec(any::<u8>(), 0..300),
        data in bytes(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let _ = compression::decompress(codec, &garbage, 1 << 20);
        // The codec's own magic/header first, so the garbage reaches the block decoders.
        let header_len = match codec {
            CompressionType::None => 0,
            CompressionType::Gzip => 10,
            CompressionType::Snappy => 16,
            CompressionType::Lz4 => 7,
            CompressionType::Zstd => 4,
        };
        let mut prefixed = compression::compress(codec, &[])[..header_len].to_vec();
        prefixed.extend_from_slice(&garbage);
        let _ = compression::decompress(codec, &prefixed, 1 << 20);
        let packed = compression::compress(codec, &data);
        let short = &packed[..cut.index(packed.len() + 1)];
        let _ = compression::decompress(codec, short, 1 << 20);
        let mut flipped = packed.clone();
        for (at, xor) in flips {
            if !flipped.is_empty() {
                let i = at.index(flipped.len());
                flipped[i] ^= xor;
            }
        }
        let _ = compression::decompress(codec, &flipped, 1 << 20);
        prop_assert_eq!(compression::decompress(codec, &packed, data.len()), Ok(data));
    }
}
