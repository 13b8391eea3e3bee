//! Serializers turn keys and values into bytes before partitioning.
//! The hash that picks a partition covers these bytes, not the application's object.
//! Source: apache/kafka `common/serialization/StringSerializer` (UTF-8 by default).

/// `Serializer<T>.serialize(topic, data)`: `None` stays `None` (a null key or a tombstone).
pub trait Serializer<T: ?Sized> {
    fn serialize(&self, topic: &str, data: Option<&T>) -> Option<Vec<u8>>;
}

/// `StringSerializer`: UTF-8.
#[derive(Debug, Clone, Copy, Default)]
pub struct StringSerializer;

impl Serializer<str> for StringSerializer {
    fn serialize(&self, _topic: &str, data: Option<&str>) -> Option<Vec<u8>> {
        data.map(|s| s.as_bytes().to_vec())
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
}
