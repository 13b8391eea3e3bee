//! Serializers turn keys and values into bytes before partitioning.
//! The hash that picks a partition covers these bytes, not the application's object: the
//! integer 42 through `IntegerSerializer` is `00 00 00 2a`, the string "42" through
//! `StringSerializer` is `34 32`, and the two land on different partitions.
//!
//! Every serializer maps `null` to `null` (a null key, or a tombstone value); an empty string
//! or array is **not** null.
//!
//! Sources: apache/kafka `common/serialization/{String,Integer,Long,Short,Float,Double,ByteArray}Serializer.java`
//! (all big-endian, `Float.floatToRawIntBits`, `Double.doubleToLongBits`);
//! `StringSerializer.configure` reads `key.serializer.encoding` / `value.serializer.encoding`,
//! then `serializer.encoding`, default UTF-8. The JSON serializer stands in for
//! `org.apache.kafka.connect.json.JsonSerializer` (connect-json, Jackson, compact output).

use std::fmt;

/// `Serializer<T>.serialize(topic, data)`: `None` stays `None` (a null key or a tombstone).
pub trait Serializer<T: ?Sized> {
    fn serialize(&self, topic: &str, data: Option<&T>) -> Option<Vec<u8>>;
}

/// `StringSerializer` with its default encoding, UTF-8.
#[derive(Debug, Clone, Copy, Default)]
pub struct StringSerializer;

impl Serializer<str> for StringSerializer {
    fn serialize(&self, _topic: &str, data: Option<&str>) -> Option<Vec<u8>> {
        data.map(|s| s.as_bytes().to_vec())
    }
}

/// `StringSerializer` configured with `key.serializer.encoding` / `value.serializer.encoding`
/// (or `serializer.encoding`): `String.getBytes(charset)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncodedStringSerializer {
    pub encoding: StringEncoding,
}

impl Serializer<str> for EncodedStringSerializer {
    fn serialize(&self, _topic: &str, data: Option<&str>) -> Option<Vec<u8>> {
        data.map(|s| self.encoding.encode(s))
    }
}

/// The charsets the model knows for `StringSerializer`. Java's `Charset.forName` knows many
/// more; the rest are refused with Kafka's "Unsupported encoding" message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StringEncoding {
    #[default]
    #[serde(rename = "UTF-8")]
    Utf8,
    /// One byte per char; chars above U+00FF become `?` (Java's replacement byte).
    #[serde(rename = "ISO-8859-1")]
    Iso8859_1,
    /// One byte per char; chars above U+007F become `?`.
    #[serde(rename = "US-ASCII")]
    UsAscii,
    #[serde(rename = "UTF-16BE")]
    Utf16Be,
    #[serde(rename = "UTF-16LE")]
    Utf16Le,
    /// Big-endian with a byte-order mark `FE FF` (Java's `UTF-16` encoder); an empty string
    /// gives no bytes at all.
    #[serde(rename = "UTF-16")]
    Utf16,
}

impl StringEncoding {
    /// Java's canonical charset name.
    pub fn name(self) -> &'static str {
        match self {
            StringEncoding::Utf8 => "UTF-8",
            StringEncoding::Iso8859_1 => "ISO-8859-1",
            StringEncoding::UsAscii => "US-ASCII",
            StringEncoding::Utf16Be => "UTF-16BE",
            StringEncoding::Utf16Le => "UTF-16LE",
            StringEncoding::Utf16 => "UTF-16",
        }
    }

    /// `Charset.forName`, case-insensitive, with the common aliases.
    pub fn parse(name: &str) -> Option<StringEncoding> {
        let n = name.to_ascii_lowercase();
        Some(match n.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => StringEncoding::Utf8,
            "iso-8859-1" | "iso8859_1" | "iso8859-1" | "iso_8859_1" | "iso_8859-1" | "latin1"
            | "l1" | "8859_1" | "cp819" | "ibm819" => StringEncoding::Iso8859_1,
            "us-ascii" | "ascii" | "us" | "iso646-us" | "default" | "ascii7" | "646" => {
                StringEncoding::UsAscii
            }
            "utf-16be" | "utf_16be" | "x-utf-16be" | "unicodebigunmarked" => {
                StringEncoding::Utf16Be
            }
            "utf-16le" | "utf_16le" | "x-utf-16le" | "unicodelittleunmarked" => {
                StringEncoding::Utf16Le
            }
            "utf-16" | "utf_16" | "utf16" | "unicode" => StringEncoding::Utf16,
            _ => return None,
        })
    }

    /// `String.getBytes(charset)`.
    pub fn encode(self, s: &str) -> Vec<u8> {
        match self {
            StringEncoding::Utf8 => s.as_bytes().to_vec(),
            StringEncoding::Iso8859_1 => s
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
            StringEncoding::UsAscii => s
                .chars()
                .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                .collect(),
            StringEncoding::Utf16Be => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            StringEncoding::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            StringEncoding::Utf16 => {
                if s.is_empty() {
                    return Vec::new();
                }
                let mut out = vec![0xfe, 0xff];
                out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
                out
            }
        }
    }
}

/// `IntegerSerializer`: 4 bytes, big-endian.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntegerSerializer;

impl Serializer<i32> for IntegerSerializer {
    fn serialize(&self, _topic: &str, data: Option<&i32>) -> Option<Vec<u8>> {
        data.map(|v| v.to_be_bytes().to_vec())
    }
}

/// `LongSerializer`: 8 bytes, big-endian.
#[derive(Debug, Clone, Copy, Default)]
pub struct LongSerializer;

impl Serializer<i64> for LongSerializer {
    fn serialize(&self, _topic: &str, data: Option<&i64>) -> Option<Vec<u8>> {
        data.map(|v| v.to_be_bytes().to_vec())
    }
}

/// `ShortSerializer`: 2 bytes, big-endian.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShortSerializer;

impl Serializer<i16> for ShortSerializer {
    fn serialize(&self, _topic: &str, data: Option<&i16>) -> Option<Vec<u8>> {
        data.map(|v| v.to_be_bytes().to_vec())
    }
}

/// `FloatSerializer`: `Float.floatToRawIntBits`, 4 bytes big-endian (NaN payloads kept).
#[derive(Debug, Clone, Copy, Default)]
pub struct FloatSerializer;

impl Serializer<f32> for FloatSerializer {
    fn serialize(&self, _topic: &str, data: Option<&f32>) -> Option<Vec<u8>> {
        data.map(|v| v.to_bits().to_be_bytes().to_vec())
    }
}

/// `DoubleSerializer`: `Double.doubleToLongBits`, 8 bytes big-endian. Unlike the raw bits,
/// `doubleToLongBits` folds every NaN into `0x7ff8000000000000`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DoubleSerializer;

/// Java's canonical NaN bits (`Double.doubleToLongBits(Double.NaN)`).
const JAVA_CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

impl Serializer<f64> for DoubleSerializer {
    fn serialize(&self, _topic: &str, data: Option<&f64>) -> Option<Vec<u8>> {
        data.map(|v| {
            let bits = if v.is_nan() {
                JAVA_CANONICAL_NAN
            } else {
                v.to_bits()
            };
            bits.to_be_bytes().to_vec()
        })
    }
}

/// `ByteArraySerializer`: the bytes as given.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByteArraySerializer;

impl Serializer<[u8]> for ByteArraySerializer {
    fn serialize(&self, _topic: &str, data: Option<&[u8]>) -> Option<Vec<u8>> {
        data.map(<[u8]>::to_vec)
    }
}

/// A JSON serializer: compact UTF-8 JSON (no spaces), as Jackson's `ObjectMapper.writeValueAsBytes`
/// writes it for connect-json's `JsonSerializer`. Object keys keep serde_json's order (sorted).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonSerializer;

impl Serializer<serde_json::Value> for JsonSerializer {
    fn serialize(&self, _topic: &str, data: Option<&serde_json::Value>) -> Option<Vec<u8>> {
        data.map(|v| serde_json::to_vec(v).expect("a JSON value always serializes"))
    }
}

/// Which serializer `key.serializer` / `value.serializer` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "serializer", rename_all = "snake_case")]
pub enum SerializerKind {
    String { encoding: StringEncoding },
    Integer,
    Long,
    Short,
    Float,
    Double,
    ByteArray,
    Json,
}

/// A text value that the chosen serializer cannot take (the model's stand-in for Java's
/// `SerializationException` "Can't convert key of class java.lang.String ...").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerializationError {
    pub message: String,
}

impl fmt::Display for SerializationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "org.apache.kafka.common.errors.SerializationException: {}",
            self.message
        )
    }
}

impl std::error::Error for SerializationError {}

const SERDE_PACKAGE: &str = "org.apache.kafka.common.serialization.";

impl SerializerKind {
    /// UTF-8 `StringSerializer`, what the tutorials configure and what the model assumes when
    /// `key.serializer` / `value.serializer` are not given (Java itself requires them).
    pub const STRING_UTF8: SerializerKind = SerializerKind::String {
        encoding: StringEncoding::Utf8,
    };

    /// The Java class name.
    pub fn class_name(self) -> &'static str {
        match self {
            SerializerKind::String { .. } => {
                "org.apache.kafka.common.serialization.StringSerializer"
            }
            SerializerKind::Integer => "org.apache.kafka.common.serialization.IntegerSerializer",
            SerializerKind::Long => "org.apache.kafka.common.serialization.LongSerializer",
            SerializerKind::Short => "org.apache.kafka.common.serialization.ShortSerializer",
            SerializerKind::Float => "org.apache.kafka.common.serialization.FloatSerializer",
            SerializerKind::Double => "org.apache.kafka.common.serialization.DoubleSerializer",
            SerializerKind::ByteArray => {
                "org.apache.kafka.common.serialization.ByteArraySerializer"
            }
            SerializerKind::Json => "org.apache.kafka.connect.json.JsonSerializer",
        }
    }

    /// The serializer a class name stands for (UTF-8 for `StringSerializer`).
    pub fn from_class_name(class: &str) -> Option<SerializerKind> {
        if class == "org.apache.kafka.connect.json.JsonSerializer" {
            return Some(SerializerKind::Json);
        }
        Some(match class.strip_prefix(SERDE_PACKAGE)? {
            "StringSerializer" => SerializerKind::STRING_UTF8,
            "IntegerSerializer" => SerializerKind::Integer,
            "LongSerializer" => SerializerKind::Long,
            "ShortSerializer" => SerializerKind::Short,
            "FloatSerializer" => SerializerKind::Float,
            "DoubleSerializer" => SerializerKind::Double,
            "ByteArraySerializer" => SerializerKind::ByteArray,
            _ => return None,
        })
    }

    /// Serializes a value the workload or the UI holds as text, read as the serializer's type:
    /// `Integer` parses `"42"` as the int 42, `ByteArray` takes the text's UTF-8 bytes, `Json`
    /// takes the text as a JSON document, or as a JSON string if it is not one.
    /// `None` (null) stays `None`.
    pub fn serialize_text(
        self,
        topic: &str,
        text: Option<&str>,
    ) -> Result<Option<Vec<u8>>, SerializationError> {
        let Some(t) = text else {
            return Ok(None);
        };
        fn parsed<T: std::str::FromStr>(
            t: &str,
            what: &str,
            kind: SerializerKind,
        ) -> Result<T, SerializationError> {
            parsed_with(t, what, kind, |t| t.parse::<T>().ok())
        }
        // Floats through `decimal`: the same values as `str::parse`, a smaller browser bundle.
        fn parsed_with<T>(
            t: &str,
            what: &str,
            kind: SerializerKind,
            parse: impl Fn(&str) -> Option<T>,
        ) -> Result<T, SerializationError> {
            parse(t.trim()).ok_or_else(|| SerializationError {
                message: format!(
                    "{t:?} is not {what}, so {} cannot take it",
                    kind.class_name()
                ),
            })
        }
        Ok(match self {
            SerializerKind::String { encoding } => {
                EncodedStringSerializer { encoding }.serialize(topic, Some(t))
            }
            SerializerKind::Integer => IntegerSerializer
                .serialize(topic, Some(&parsed::<i32>(t, "a 32-bit integer", self)?)),
            SerializerKind::Long => {
                LongSerializer.serialize(topic, Some(&parsed::<i64>(t, "a 64-bit integer", self)?))
            }
            SerializerKind::Short => {
                ShortSerializer.serialize(topic, Some(&parsed::<i16>(t, "a 16-bit integer", self)?))
            }
            SerializerKind::Float => FloatSerializer.serialize(
                topic,
                Some(&parsed_with(t, "a float", self, crate::decimal::parse_f32)?),
            ),
            SerializerKind::Double => DoubleSerializer.serialize(
                topic,
                Some(&parsed_with(
                    t,
                    "a double",
                    self,
                    crate::decimal::parse_f64,
                )?),
            ),
            SerializerKind::ByteArray => ByteArraySerializer.serialize(topic, Some(t.as_bytes())),
            SerializerKind::Json => {
                let value = serde_json::from_str::<serde_json::Value>(t)
                    .unwrap_or_else(|_| serde_json::Value::String(t.to_string()));
                JsonSerializer.serialize(topic, Some(&value))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_serializer_is_utf8_and_keeps_null() {
        let s = StringSerializer;
        assert_eq!(s.serialize("t", Some("ké")), Some(vec![0x6b, 0xc3, 0xa9]));
        assert_eq!(s.serialize("t", None), None);
        assert_eq!(
            s.serialize("t", Some("")),
            Some(vec![]),
            "an empty key is not a null key"
        );
    }

    /// `String.getBytes(charset)`: unmappable chars become `?`; UTF-16 writes a BOM.
    #[test]
    fn string_serializer_encodings() {
        let enc = |e: StringEncoding, s: &str| {
            EncodedStringSerializer { encoding: e }.serialize("t", Some(s))
        };
        assert_eq!(
            enc(StringEncoding::Iso8859_1, "ké€"),
            Some(vec![0x6b, 0xe9, 0x3f])
        );
        assert_eq!(enc(StringEncoding::UsAscii, "ké"), Some(vec![0x6b, 0x3f]));
        assert_eq!(
            enc(StringEncoding::Utf16Be, "ké"),
            Some(vec![0, 0x6b, 0, 0xe9])
        );
        assert_eq!(
            enc(StringEncoding::Utf16Le, "ké"),
            Some(vec![0x6b, 0, 0xe9, 0])
        );
        assert_eq!(
            enc(StringEncoding::Utf16, "k"),
            Some(vec![0xfe, 0xff, 0, 0x6b])
        );
        assert_eq!(
            enc(StringEncoding::Utf16Be, "😀"),
            Some(vec![0xd8, 0x3d, 0xde, 0x00]),
            "a surrogate pair"
        );
        assert_eq!(
            StringEncoding::parse("latin1"),
            Some(StringEncoding::Iso8859_1)
        );
        assert_eq!(StringEncoding::parse("utf8"), Some(StringEncoding::Utf8));
        assert_eq!(StringEncoding::parse("EBCDIC-nope"), None);
    }

    /// Big-endian, as Kafka's serializers write them.
    #[test]
    fn numeric_serializers_are_big_endian() {
        assert_eq!(
            IntegerSerializer.serialize("t", Some(&42)),
            Some(vec![0, 0, 0, 0x2a])
        );
        assert_eq!(
            IntegerSerializer.serialize("t", Some(&-1)),
            Some(vec![0xff, 0xff, 0xff, 0xff])
        );
        assert_eq!(
            IntegerSerializer.serialize("t", Some(&i32::MIN)),
            Some(vec![0x80, 0, 0, 0])
        );
        assert_eq!(
            LongSerializer.serialize("t", Some(&0x0102_0304_0506_0708)),
            Some(vec![1, 2, 3, 4, 5, 6, 7, 8])
        );
        assert_eq!(
            ShortSerializer.serialize("t", Some(&-2)),
            Some(vec![0xff, 0xfe])
        );
        assert_eq!(
            DoubleSerializer.serialize("t", Some(&1.0)),
            Some(vec![0x3f, 0xf0, 0, 0, 0, 0, 0, 0])
        );
        assert_eq!(
            DoubleSerializer.serialize("t", Some(&-2.5)),
            Some(vec![0xc0, 0x04, 0, 0, 0, 0, 0, 0])
        );
        assert_eq!(
            FloatSerializer.serialize("t", Some(&1.0)),
            Some(vec![0x3f, 0x80, 0, 0])
        );
        assert_eq!(IntegerSerializer.serialize("t", None), None);
        assert_eq!(LongSerializer.serialize("t", None), None);
        assert_eq!(ShortSerializer.serialize("t", None), None);
        assert_eq!(DoubleSerializer.serialize("t", None), None);
    }

    /// `Double.doubleToLongBits` collapses every NaN to the canonical one.
    #[test]
    fn double_nan_is_canonical() {
        let odd_nan = f64::from_bits(0x7ff0_0000_0000_0001);
        assert_eq!(
            DoubleSerializer.serialize("t", Some(&odd_nan)),
            Some(vec![0x7f, 0xf8, 0, 0, 0, 0, 0, 0])
        );
    }

    #[test]
    fn byte_array_and_json() {
        assert_eq!(
            ByteArraySerializer.serialize("t", Some(&[0u8, 0xff][..])),
            Some(vec![0, 0xff])
        );
        assert_eq!(ByteArraySerializer.serialize("t", None), None);
        let v = serde_json::json!({"b": [1, 2], "a": "x"});
        assert_eq!(
            JsonSerializer.serialize("t", Some(&v)),
            Some(br#"{"a":"x","b":[1,2]}"#.to_vec())
        );
        assert_eq!(JsonSerializer.serialize("t", None), None);
    }

    #[test]
    fn text_values_through_each_kind() {
        let k = SerializerKind::Integer;
        assert_eq!(
            k.serialize_text("t", Some("42")),
            Ok(Some(vec![0, 0, 0, 42]))
        );
        assert_eq!(k.serialize_text("t", None), Ok(None));
        assert!(k.serialize_text("t", Some("x")).is_err());
        assert_eq!(
            SerializerKind::Json.serialize_text("t", Some("key-1")),
            Ok(Some(br#""key-1""#.to_vec()))
        );
        assert_eq!(
            SerializerKind::Json.serialize_text("t", Some(r#"{ "id" : 7 }"#)),
            Ok(Some(br#"{"id":7}"#.to_vec()))
        );
        assert_eq!(
            SerializerKind::from_class_name("org.apache.kafka.common.serialization.LongSerializer"),
            Some(SerializerKind::Long)
        );
        assert_eq!(
            SerializerKind::from_class_name(
                "org.apache.kafka.common.serialization.StringDeserializer"
            ),
            None
        );
    }
}
