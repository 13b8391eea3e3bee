//! The parts of the Kafka protocol the model exchanges: error codes and produce requests.
//!
//! Error codes and retriability: apache/kafka `common/protocol/Errors.java` and each
//! exception's superclass in `common/errors/` (a `RetriableException` subclass is retriable).

use serde::Serialize;

/// A Kafka error the producer can see, with its protocol code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Errors {
    UnknownServerError,
    CorruptMessage,
    UnknownTopicOrPartition,
    LeaderNotAvailable,
    NotLeaderOrFollower,
    RequestTimedOut,
    MessageTooLarge,
    NetworkException,
    RecordListTooLarge,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    OutOfOrderSequenceNumber,
    DuplicateSequenceNumber,
    InvalidProducerEpoch,
    UnknownProducerId,
    /// Client-side: the batch outlived `delivery.timeout.ms` (a `TimeoutException`).
    DeliveryTimeout,
    /// Client-side: a plain `KafkaException`, e.g. "Producer is closed forcefully."
    /// (`Errors.forException` maps it to UNKNOWN_SERVER_ERROR's code, -1).
    KafkaException,
}

impl Errors {
    /// The protocol error code (`Errors.code()`); client-side errors reuse REQUEST_TIMED_OUT's.
    pub fn code(self) -> i16 {
        match self {
            Errors::UnknownServerError | Errors::KafkaException => -1,
            Errors::CorruptMessage => 2,
            Errors::UnknownTopicOrPartition => 3,
            Errors::LeaderNotAvailable => 5,
            Errors::NotLeaderOrFollower => 6,
            Errors::RequestTimedOut | Errors::DeliveryTimeout => 7,
            Errors::MessageTooLarge => 10,
            Errors::NetworkException => 13,
            Errors::RecordListTooLarge => 18,
            Errors::NotEnoughReplicas => 19,
            Errors::NotEnoughReplicasAfterAppend => 20,
            Errors::OutOfOrderSequenceNumber => 45,
            Errors::DuplicateSequenceNumber => 46,
            Errors::InvalidProducerEpoch => 47,
            Errors::UnknownProducerId => 59,
        }
    }

    /// Kafka's name for the error.
    pub fn name(self) -> &'static str {
        match self {
            Errors::UnknownServerError => "UNKNOWN_SERVER_ERROR",
            Errors::CorruptMessage => "CORRUPT_MESSAGE",
            Errors::UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            Errors::LeaderNotAvailable => "LEADER_NOT_AVAILABLE",
            Errors::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            Errors::RequestTimedOut => "REQUEST_TIMED_OUT",
            Errors::MessageTooLarge => "MESSAGE_TOO_LARGE",
            Errors::NetworkException => "NETWORK_EXCEPTION",
            Errors::RecordListTooLarge => "RECORD_LIST_TOO_LARGE",
            Errors::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            Errors::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            Errors::OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            Errors::DuplicateSequenceNumber => "DUPLICATE_SEQUENCE_NUMBER",
            Errors::InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            Errors::UnknownProducerId => "UNKNOWN_PRODUCER_ID",
            Errors::DeliveryTimeout => "DELIVERY_TIMEOUT",
            Errors::KafkaException => "KAFKA_EXCEPTION",
        }
    }

    /// True when the exception extends `RetriableException`.
    pub fn is_retriable(self) -> bool {
        matches!(
            self,
            Errors::CorruptMessage
                | Errors::UnknownTopicOrPartition
                | Errors::LeaderNotAvailable
                | Errors::NotLeaderOrFollower
                | Errors::RequestTimedOut
                | Errors::NetworkException
                | Errors::NotEnoughReplicas
                | Errors::NotEnoughReplicasAfterAppend
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_retriability_follow_errors_java() {
        assert_eq!(Errors::NotEnoughReplicas.code(), 19);
        assert!(Errors::NotEnoughReplicasAfterAppend.is_retriable());
        assert_eq!(Errors::OutOfOrderSequenceNumber.code(), 45);
        assert!(
            !Errors::OutOfOrderSequenceNumber.is_retriable(),
            "an ApiException, handled by the TransactionManager"
        );
        assert!(!Errors::MessageTooLarge.is_retriable());
        assert!(Errors::CorruptMessage.is_retriable());
    }
}
