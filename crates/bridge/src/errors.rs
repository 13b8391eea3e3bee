//! Naming Kafka errors the way both clients do.
//!
//! Rule: a broker error keeps Kafka's protocol code and Kafka's UPPER_SNAKE name
//! (the Java client's `Errors` enum), with Kafka's own retriable flag. A
//! librdkafka local error keeps its negative code and librdkafka's name (`_MSG_TIMED_OUT`);
//! it is retriable when the failure it reports is transient (the Java client
//! would raise a `RetriableException` for the same situation).

use std::ffi::CStr;

use producer_wire::KafkaError;
use rdkafka::bindings::{rd_kafka_err2name, rd_kafka_err2str, rd_kafka_resp_err_t};
use rdkafka::error::{KafkaError as RdKafkaError, RDKafkaErrorCode};

/// Kafka's name and retriable flag for protocol codes 0..=129, indexed by code.
const KAFKA_ERRORS: [(&str, bool); 130] = [
    ("NONE", false),
    ("OFFSET_OUT_OF_RANGE", false),
    ("CORRUPT_MESSAGE", true),
    ("UNKNOWN_TOPIC_OR_PARTITION", true),
    ("INVALID_FETCH_SIZE", false),
    ("LEADER_NOT_AVAILABLE", true),
    ("NOT_LEADER_OR_FOLLOWER", true),
    ("REQUEST_TIMED_OUT", true),
    ("BROKER_NOT_AVAILABLE", false),
    ("REPLICA_NOT_AVAILABLE", true),
    ("MESSAGE_TOO_LARGE", false),
    ("STALE_CONTROLLER_EPOCH", false),
    ("OFFSET_METADATA_TOO_LARGE", false),
    ("NETWORK_EXCEPTION", true),
    ("COORDINATOR_LOAD_IN_PROGRESS", true),
    ("COORDINATOR_NOT_AVAILABLE", true),
    ("NOT_COORDINATOR", true),
    ("INVALID_TOPIC_EXCEPTION", false),
    ("RECORD_LIST_TOO_LARGE", false),
    ("NOT_ENOUGH_REPLICAS", true),
    ("NOT_ENOUGH_REPLICAS_AFTER_APPEND", true),
    ("INVALID_REQUIRED_ACKS", false),
    ("ILLEGAL_GENERATION", false),
    ("INCONSISTENT_GROUP_PROTOCOL", false),
    ("INVALID_GROUP_ID", false),
    ("UNKNOWN_MEMBER_ID", false),
    ("INVALID_SESSION_TIMEOUT", false),
    ("REBALANCE_IN_PROGRESS", false),
    ("INVALID_COMMIT_OFFSET_SIZE", false),
    ("TOPIC_AUTHORIZATION_FAILED", false),
    ("GROUP_AUTHORIZATION_FAILED", false),
    ("CLUSTER_AUTHORIZATION_FAILED", false),
    ("INVALID_TIMESTAMP", false),
    ("UNSUPPORTED_SASL_MECHANISM", false),
    ("ILLEGAL_SASL_STATE", false),
    ("UNSUPPORTED_VERSION", false),
    ("TOPIC_ALREADY_EXISTS", false),
    ("INVALID_PARTITIONS", false),
    ("INVALID_REPLICATION_FACTOR", false),
    ("INVALID_REPLICA_ASSIGNMENT", false),
    ("INVALID_CONFIG", false),
    ("NOT_CONTROLLER", true),
    ("INVALID_REQUEST", false),
    ("UNSUPPORTED_FOR_MESSAGE_FORMAT", false),
    ("POLICY_VIOLATION", false),
    ("OUT_OF_ORDER_SEQUENCE_NUMBER", false),
    ("DUPLICATE_SEQUENCE_NUMBER", false),
    ("INVALID_PRODUCER_EPOCH", false),
    ("INVALID_TXN_STATE", false),
    ("INVALID_PRODUCER_ID_MAPPING", false),
    ("INVALID_TRANSACTION_TIMEOUT", false),
    ("CONCURRENT_TRANSACTIONS", true),
    ("TRANSACTION_COORDINATOR_FENCED", false),
    ("TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false),
    ("SECURITY_DISABLED", false),
    ("OPERATION_NOT_ATTEMPTED", false),
    ("KAFKA_STORAGE_ERROR", true),
    ("LOG_DIR_NOT_FOUND", false),
    ("SASL_AUTHENTICATION_FAILED", false),
    ("UNKNOWN_PRODUCER_ID", false),
    ("REASSIGNMENT_IN_PROGRESS", false),
    ("DELEGATION_TOKEN_AUTH_DISABLED", false),
    ("DELEGATION_TOKEN_NOT_FOUND", false),
    ("DELEGATION_TOKEN_OWNER_MISMATCH", false),
    ("DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false),
    ("DELEGATION_TOKEN_AUTHORIZATION_FAILED", false),
    ("DELEGATION_TOKEN_EXPIRED", false),
    ("INVALID_PRINCIPAL_TYPE", false),
    ("NON_EMPTY_GROUP", false),
    ("GROUP_ID_NOT_FOUND", false),
    ("FETCH_SESSION_ID_NOT_FOUND", true),
    ("INVALID_FETCH_SESSION_EPOCH", true),
    ("LISTENER_NOT_FOUND", true),
    ("TOPIC_DELETION_DISABLED", false),
    ("FENCED_LEADER_EPOCH", true),
    ("UNKNOWN_LEADER_EPOCH", true),
    ("UNSUPPORTED_COMPRESSION_TYPE", false),
    ("STALE_BROKER_EPOCH", false),
    ("OFFSET_NOT_AVAILABLE", true),
    ("MEMBER_ID_REQUIRED", false),
    ("PREFERRED_LEADER_NOT_AVAILABLE", true),
    ("GROUP_MAX_SIZE_REACHED", false),
    ("FENCED_INSTANCE_ID", false),
    ("ELIGIBLE_LEADERS_NOT_AVAILABLE", true),
    ("ELECTION_NOT_NEEDED", true),
    ("NO_REASSIGNMENT_IN_PROGRESS", false),
    ("GROUP_SUBSCRIBED_TO_TOPIC", false),
    ("INVALID_RECORD", false),
    ("UNSTABLE_OFFSET_COMMIT", true),
    ("THROTTLING_QUOTA_EXCEEDED", true),
    ("PRODUCER_FENCED", false),
    ("RESOURCE_NOT_FOUND", false),
    ("DUPLICATE_RESOURCE", false),
    ("UNACCEPTABLE_CREDENTIAL", false),
    ("INCONSISTENT_VOTER_SET", false),
    ("INVALID_UPDATE_VERSION", false),
    ("FEATURE_UPDATE_FAILED", false),
    ("PRINCIPAL_DESERIALIZATION_FAILURE", false),
    ("SNAPSHOT_NOT_FOUND", false),
    ("POSITION_OUT_OF_RANGE", false),
    ("UNKNOWN_TOPIC_ID", true),
    ("DUPLICATE_BROKER_REGISTRATION", false),
    ("BROKER_ID_NOT_REGISTERED", false),
    ("INCONSISTENT_TOPIC_ID", true),
    ("INCONSISTENT_CLUSTER_ID", false),
    ("TRANSACTIONAL_ID_NOT_FOUND", false),
    ("FETCH_SESSION_TOPIC_ID_ERROR", true),
    ("INELIGIBLE_REPLICA", false),
    ("NEW_LEADER_ELECTED", false),
    ("OFFSET_MOVED_TO_TIERED_STORAGE", false),
    ("FENCED_MEMBER_EPOCH", false),
    ("UNRELEASED_INSTANCE_ID", false),
    ("UNSUPPORTED_ASSIGNOR", false),
    ("STALE_MEMBER_EPOCH", false),
    ("MISMATCHED_ENDPOINT_TYPE", false),
    ("UNSUPPORTED_ENDPOINT_TYPE", false),
    ("UNKNOWN_CONTROLLER_ID", false),
    ("UNKNOWN_SUBSCRIPTION_ID", false),
    ("TELEMETRY_TOO_LARGE", false),
    ("INVALID_REGISTRATION", false),
    ("TRANSACTION_ABORTABLE", false),
    ("INVALID_RECORD_STATE", false),
    ("SHARE_SESSION_NOT_FOUND", true),
    ("INVALID_SHARE_SESSION_EPOCH", true),
    ("FENCED_STATE_EPOCH", false),
    ("INVALID_VOTER_KEY", false),
    ("DUPLICATE_VOTER", false),
    ("VOTER_NOT_FOUND", false),
    ("INVALID_REGULAR_EXPRESSION", false),
    ("REBOOTSTRAP_REQUIRED", false),
];

/// librdkafka local errors that report a transient condition: time-outs, a
/// full queue, broker connectivity and metadata that may still appear.
const RETRIABLE_LOCAL: &[RDKafkaErrorCode] = &[
    RDKafkaErrorCode::BrokerTransportFailure,
    RDKafkaErrorCode::Resolve,
    RDKafkaErrorCode::MessageTimedOut,
    RDKafkaErrorCode::UnknownPartition,
    RDKafkaErrorCode::UnknownTopic,
    RDKafkaErrorCode::AllBrokersDown,
    RDKafkaErrorCode::OperationTimedOut,
    RDKafkaErrorCode::QueueFull,
    RDKafkaErrorCode::ISRInsufficient,
    RDKafkaErrorCode::NodeUpdate,
    RDKafkaErrorCode::WaitingForCoordinator,
    RDKafkaErrorCode::TimedOutQueue,
    RDKafkaErrorCode::WaitCache,
    RDKafkaErrorCode::Retry,
];

/// Kafka's name and retriable flag for a broker (protocol) error code, if known.
/// Code -1 is `UNKNOWN_SERVER_ERROR`, as the broker sends it.
pub fn kafka_protocol_error(code: i32) -> Option<(&'static str, bool)> {
    match code {
        -1 => Some(("UNKNOWN_SERVER_ERROR", false)),
        0.. => KAFKA_ERRORS.get(code as usize).copied(),
        _ => None,
    }
}

/// The wire error for an rdkafka error code.
pub fn kafka_error(code: RDKafkaErrorCode) -> KafkaError {
    let raw = code as i32;
    let message = librdkafka_str(raw, rd_kafka_err2str)
        .unwrap_or_else(|| format!("unknown error code {raw}"));
    let (name, retriable) = match kafka_protocol_error(raw) {
        Some((name, retriable)) if raw > 0 || code == RDKafkaErrorCode::Unknown => {
            (name.to_owned(), retriable)
        }
        _ => (
            librdkafka_str(raw, rd_kafka_err2name).unwrap_or_else(|| format!("ERROR_{raw}")),
            RETRIABLE_LOCAL.contains(&code),
        ),
    };
    let message = match code {
        RDKafkaErrorCode::PurgeQueue | RDKafkaErrorCode::PurgeInflight => format!(
            "{message}: the producer stopped (bridge shutdown, or the connection's producer \
             was replaced or closed) before Kafka acknowledged the record; a record that was \
             in flight may still have been written"
        ),
        _ => message,
    };
    KafkaError {
        code: raw,
        name,
        retriable,
        message,
    }
}

/// The wire error for any rdkafka client error: its code when it carries one.
pub fn from_rdkafka(err: &RdKafkaError) -> KafkaError {
    match err.rdkafka_error_code() {
        Some(code) => kafka_error(code),
        None => KafkaError {
            code: RDKafkaErrorCode::Fail as i32,
            name: "_FAIL".to_owned(),
            retriable: false,
            message: err.to_string(),
        },
    }
}

/// The failure of a record for a topic outside the allow-list: Kafka's
/// `TOPIC_AUTHORIZATION_FAILED`, with the bridge's reason.
pub fn topic_refused(reason: String) -> KafkaError {
    KafkaError {
        message: reason,
        ..kafka_error(RDKafkaErrorCode::TopicAuthorizationFailed)
    }
}

/// The failure of a record larger than the bridge accepts: Kafka's
/// `MESSAGE_TOO_LARGE`, as the Java producer's `RecordTooLargeException`.
pub fn record_too_large(bytes: usize, max: usize) -> KafkaError {
    KafkaError {
        message: format!(
            "the record is {bytes} bytes (key + value + headers), more than the bridge's \
             limit of {max} bytes (producer-bridge --max-record-bytes)"
        ),
        ..kafka_error(RDKafkaErrorCode::MessageSizeTooLarge)
    }
}

/// Calls one of librdkafka's static-string lookups (`rd_kafka_err2name`, `rd_kafka_err2str`).
fn librdkafka_str(
    raw: i32,
    lookup: unsafe extern "C" fn(rd_kafka_resp_err_t) -> *const std::ffi::c_char,
) -> Option<String> {
    let err = rd_kafka_resp_err_t::try_from(raw).ok()?;
    // SAFETY: librdkafka returns a pointer to a static, NUL-terminated string
    // for every value of the enum (falling back to a generic text).
    let ptr = unsafe { lookup(err) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null, static and NUL-terminated, as above.
    let text = unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned();
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_errors_use_kafka_codes_and_names() {
        let e = kafka_error(RDKafkaErrorCode::UnknownTopicOrPartition);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (3, "UNKNOWN_TOPIC_OR_PARTITION", true)
        );
        let e = kafka_error(RDKafkaErrorCode::MessageSizeTooLarge);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (10, "MESSAGE_TOO_LARGE", false)
        );
        let e = kafka_error(RDKafkaErrorCode::NotEnoughReplicas);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (19, "NOT_ENOUGH_REPLICAS", true)
        );
        let e = kafka_error(RDKafkaErrorCode::NotLeaderForPartition);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (6, "NOT_LEADER_OR_FOLLOWER", true)
        );
        let e = kafka_error(RDKafkaErrorCode::OutOfOrderSequenceNumber);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false)
        );
        let e = kafka_error(RDKafkaErrorCode::Unknown);
        assert_eq!((e.code, e.name.as_str()), (-1, "UNKNOWN_SERVER_ERROR"));
        assert!(!e.message.is_empty());
    }

    #[test]
    fn local_errors_keep_librdkafka_codes_and_names() {
        let e = kafka_error(RDKafkaErrorCode::MessageTimedOut);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (-192, "_MSG_TIMED_OUT", true)
        );
        assert!(e.message.contains("timed out"), "{}", e.message);
        let e = kafka_error(RDKafkaErrorCode::QueueFull);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (-184, "_QUEUE_FULL", true)
        );
        let e = kafka_error(RDKafkaErrorCode::PurgeQueue);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (-152, "_PURGE_QUEUE", false)
        );
        let e = kafka_error(RDKafkaErrorCode::InvalidArgument);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (-186, "_INVALID_ARG", false)
        );
    }

    #[test]
    fn table_is_indexed_by_code() {
        assert_eq!(kafka_protocol_error(0), Some(("NONE", false)));
        assert_eq!(
            kafka_protocol_error(36),
            Some(("TOPIC_ALREADY_EXISTS", false))
        );
        assert_eq!(
            kafka_protocol_error(59),
            Some(("UNKNOWN_PRODUCER_ID", false))
        );
        assert_eq!(kafka_protocol_error(87), Some(("INVALID_RECORD", false)));
        assert_eq!(kafka_protocol_error(100), Some(("UNKNOWN_TOPIC_ID", true)));
        assert_eq!(
            kafka_protocol_error(118),
            Some(("TELEMETRY_TOO_LARGE", false))
        );
        assert_eq!(
            kafka_protocol_error(129),
            Some(("REBOOTSTRAP_REQUIRED", false))
        );
        assert_eq!(kafka_protocol_error(130), None);
        assert_eq!(kafka_protocol_error(-192), None);
    }

    #[test]
    fn every_rdkafka_broker_code_has_a_kafka_name() {
        for raw in 1..=129 {
            if let Ok(err) = rd_kafka_resp_err_t::try_from(raw) {
                let e = kafka_error(RDKafkaErrorCode::from(err));
                assert_eq!(e.code, raw);
                assert!(
                    !e.name.starts_with('_') && !e.name.starts_with("ERROR_"),
                    "{e:?}"
                );
            }
        }
    }

    #[test]
    fn non_code_errors_are_generic_failures() {
        let e = from_rdkafka(&RdKafkaError::Canceled);
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (-196, "_FAIL", false)
        );
    }

    #[test]
    fn bridge_refusals_use_the_kafka_error_java_would_see() {
        let e = topic_refused("topic `x` is not in the allow-list".into());
        assert_eq!(
            (e.code, e.name.as_str(), e.retriable),
            (29, "TOPIC_AUTHORIZATION_FAILED", false)
        );
        assert!(e.message.contains("allow-list"));
        let e = record_too_large(2000, 1000);
        assert_eq!((e.code, e.name.as_str()), (10, "MESSAGE_TOO_LARGE"));
        assert!(e.message.contains("--max-record-bytes"), "{}", e.message);
        let e = kafka_error(RDKafkaErrorCode::PurgeInflight);
        assert_eq!(e.name, "_PURGE_INFLIGHT");
        assert!(
            e.message.contains("may still have been written"),
            "{}",
            e.message
        );
    }
}
