//! Lessons: one per section of the producers tutorial, its pitfalls and best practices. Each
//! is a scenario file (`scenarios/lessons/*.toml`, embedded as JSON by `build.rs`), a short
//! narrative, what to watch, and a question whose answer the finished run itself gives
//! ([`answers`]).

mod answers;
#[cfg(test)]
mod tests;

use producer_sim::{Scenario, Simulation};

pub struct Lesson {
    pub id: &'static str,
    pub title: &'static str,
    pub narrative: &'static str,
    pub watch: &'static str,
    pub question: &'static str,
    scenario: &'static str,
    /// The answer, read off the finished run.
    answer: fn(&Simulation) -> String,
}

impl Lesson {
    pub fn scenario(&self) -> Scenario {
        Scenario::parse(self.scenario, false).expect("lesson scenarios are valid (tested)")
    }

    pub fn answer(&self, sim: &Simulation) -> String {
        (self.answer)(sim)
    }
}

macro_rules! scenario {
    ($file:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/lessons/", $file, ".json"))
    };
}

/// In the tutorial's order.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        id: "producer",
        title: "What a producer is",
        narrative: "A producer is the client your application uses to write records to a Kafka topic. send() only hands a record over and returns at once. The producer turns key and value into bytes, picks a partition, adds the record to a batch, and a background thread ships the batch to that partition's leader broker, which appends it to the partition's log at the next offset. A callback then tells the application where the record landed.",
        watch: "Press Step (→) repeatedly: record #0 goes through every panel from left to right, from send() to its callback.",
        question: "Where did record #0 land, and how long after send() did its callback fire?",
        scenario: scenario!("what-a-producer-is"),
        answer: answers::producer,
    },
    Lesson {
        id: "architecture",
        title: "The architecture: two threads and a buffer",
        narrative: "KafkaProducer has two sides. The application thread runs send(): serializer, partitioner, then the RecordAccumulator, a buffer of buffer.memory bytes holding one queue of batches per partition. The Sender thread drains ready batches, groups them by leader broker into one ProduceRequest per broker, keeps up to max.in.flight.requests.per.connection requests in flight on each connection, and runs the callbacks when the responses come back.",
        watch: "The Sender panel: one request carries batches for several partitions, and each broker connection has its own in-flight slots.",
        question: "How many produce requests carried the 2,000 records, and how many batches rode in each?",
        scenario: scenario!("architecture"),
        answer: answers::architecture,
    },
    Lesson {
        id: "acks-1",
        title: "acks=1 loses writes when the leader fails",
        narrative: "With acks=1 the leader answers after its own append. Here the followers lag, the leader acknowledges and dies, and a follower from the ISR takes over with a shorter log. When the old leader returns it truncates: acknowledged records are gone.",
        watch: "The callbacks (all acknowledged), then the fault, the election and the truncation in the event trace.",
        question: "How many acknowledged records are missing from the final log?",
        scenario: scenario!("acks1-failover"),
        answer: answers::acks_lost,
    },
    Lesson {
        id: "acks-all",
        title: "acks=all with min.insync.replicas=2",
        narrative: "The same failover with acks=all (the default since Kafka 3.0) and min.insync.replicas=2: the leader answers only once the in-sync followers have the data, so nothing it acknowledged can be lost.",
        watch: "Dashed log cells above the high watermark wait; callbacks come only for committed records.",
        question: "How many acknowledged records are missing from the final log?",
        scenario: scenario!("acks-all-failover"),
        answer: answers::acks_lost,
    },
    Lesson {
        id: "retries-backoff",
        title: "Retries and backoff",
        narrative: "A retriable error puts the batch back in the accumulator. It waits retry.backoff.ms before the next try, and since Kafka 3.7 (KIP-580) the wait doubles on each retry up to retry.backoff.max.ms, with ±20% jitter so that clients do not retry in lockstep. retries is practically unlimited (2147483647); delivery.timeout.ms (2 minutes) bounds the whole attempt. The tutorial's fixed 100 ms backoff is outdated.",
        watch: "batch_retried and the next drained of the same batch in the event trace; the record-retry-rate chart.",
        question: "How long did the first refused batch wait before each retry?",
        scenario: scenario!("retries-backoff"),
        answer: answers::retries_backoff,
    },
    Lesson {
        id: "batch-linger",
        title: "batch.size and linger.ms",
        narrative: "Each partition fills one batch at a time. A batch leaves when it holds batch.size bytes, or when it has waited linger.ms since it was created, whichever comes first (Kafka 4.0's default linger.ms is 5; before, 0). A small linger trades a few milliseconds for far fewer, fuller requests.",
        watch: "The accumulator's fill bars and linger countdowns; batch-size-avg in the charts.",
        question: "Why did the batches leave: full, because linger.ms expired, or something else?",
        scenario: scenario!("batch-size-linger"),
        answer: answers::batch_linger,
    },
    Lesson {
        id: "compression",
        title: "Compression",
        narrative: "compression.type (none by default; gzip, snappy, lz4 or zstd) compresses each batch as a whole on the producer; the broker stores it compressed and consumers decompress it. Repetitive data and bigger batches compress better, so lingering a little helps. The model really compresses each batch; its values are a number padded with dots, which compress far better than real data.",
        watch: "compression-rate-avg and batch-size-avg in the charts.",
        question: "How small did lz4 make the batches?",
        scenario: scenario!("compression"),
        answer: answers::compression,
    },
    Lesson {
        id: "retries",
        title: "Retries without idempotence duplicate",
        narrative: "The broker writes a batch but its response is lost. The producer times out and retries, and without idempotence the broker writes the batch again.",
        watch: "The dropped response, the timeout, and the retried batch in the Sender panel.",
        question: "How many records are in the log twice?",
        scenario: scenario!("retries-without-idempotence"),
        answer: answers::retries_duplicate,
    },
    Lesson {
        id: "idempotence",
        title: "Idempotence removes the duplicate",
        narrative: "With enable.idempotence (the default since Kafka 3.0) each batch carries a producer id and sequence numbers. The broker remembers the last five batches per producer and answers a retry with the original offset instead of writing again.",
        watch: "broker_appended with duplicate: true in the event trace.",
        question: "How many records are in the log twice?",
        scenario: scenario!("idempotence-dedups"),
        answer: answers::idempotence,
    },
    Lesson {
        id: "sync",
        title: "Sync send: one record at a time",
        narrative: "send().get() waits for each record's result before sending the next. Every record then waits out linger.ms and a full round trip alone.",
        watch: "Batches of one record in the accumulator, one request at a time.",
        question: "How many records did each request carry, and how long did 100 records take?",
        scenario: scenario!("sync-vs-async"),
        answer: answers::sync,
    },
    Lesson {
        id: "serialization",
        title: "Serialization: records are bytes",
        narrative: "Kafka stores and moves bytes. key.serializer and value.serializer (StringSerializer here: UTF-8) turn each key and value into bytes inside send(), before the partitioner hashes the key's bytes. In the batch a record takes those bytes plus a few varint fields: its length, timestamp and offset deltas, key and value lengths, and the header count.",
        watch: "The Serializer panel: the key as text and as hex bytes.",
        question: "How many bytes were the key and the value, and what did a record cost in its batch?",
        scenario: scenario!("serialization"),
        answer: answers::serialization,
    },
    Lesson {
        id: "keys",
        title: "Keys and partitions",
        narrative: "A keyed record goes to toPositive(murmur2(serialized key)) % partitions. Not hashCode(), and not abs(). The same key always lands on the same partition, so its records stay in order.",
        watch: "The Partitioner panel's arithmetic, and the colours of each key in the broker logs.",
        question: "On how many partitions did each key land?",
        scenario: scenario!("keys-same-partition"),
        answer: answers::keys,
    },
    Lesson {
        id: "null-keys",
        title: "Null keys are sticky, not round-robin",
        narrative: "Since Kafka 3.3 (KIP-794), records without a key stick to one partition until about batch.size bytes went there, then move on. Round-robin, as many tutorials say, would make tiny batches.",
        watch: "The Partitioner panel's byte count toward the switch, and runs of one colour in the logs.",
        question: "How many records went to a partition before the partitioner moved on, on average?",
        scenario: scenario!("null-keys-sticky"),
        answer: answers::null_keys,
    },
    Lesson {
        id: "errors",
        title: "Error handling: retriable or not",
        narrative: "Errors whose exception extends RetriableException (NOT_ENOUGH_REPLICAS, NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NETWORK_EXCEPTION) are retried until delivery.timeout.ms; the others (RECORD_TOO_LARGE, INVALID_TOPIC, authorization) go straight to the callback. Here a follower falls out of the ISR, so with min.insync.replicas=3 the leader refuses acks=all writes until it is back.",
        watch: "broker_rejected NOT_ENOUGH_REPLICAS and batch_retried in the event trace, then the ISR growing back.",
        question: "How many records failed, and how many record retries did it take?",
        scenario: scenario!("error-handling"),
        answer: answers::errors,
    },
    Lesson {
        id: "sweep",
        title: "Batching and performance: the sweep",
        narrative: "Throughput comes from batching: more records per request means fewer round trips for the same data. Latency is the price of waiting for a batch to fill. The sweep below runs this workload through the model at every batch.size × linger.ms and shows both.",
        watch: "Run the sweep (below the charts) once the run is over: capacity grows to the right and down, latency with linger.ms.",
        question: "At this workload, what do the sweep's corners give: tiny batches with no linger, against big batches with linger.ms 20?",
        scenario: scenario!("batching-sweep"),
        answer: answers::sweep,
    },
    Lesson {
        id: "monitoring",
        title: "Monitoring: what the metrics say",
        narrative: "The producer's own metrics (producer-metrics) show how it batches: record-send-rate, records-per-request-avg, batch-size-avg, record-queue-time-avg and request-latency-avg. With linger.ms=20 at 2,000 records a second, batches fill while they wait.",
        watch: "The charts, and the Metrics table below them.",
        question: "How many records did a request carry, and how long did a batch wait?",
        scenario: scenario!("monitoring"),
        answer: answers::monitoring,
    },
    Lesson {
        id: "no-flush",
        title: "Pitfall: exiting without flush()",
        narrative: "send() only hands records to the accumulator. An application that exits without flush() or close() drops whatever is still waiting there, and no callback ever reports it.",
        watch: "Batches still lingering in the accumulator when the process exits.",
        question: "How many records never reached Kafka?",
        scenario: scenario!("no-flush-before-exit"),
        answer: answers::no_flush,
    },
    Lesson {
        id: "ignored-callbacks",
        title: "Pitfall: ignored callbacks hide failures",
        narrative: "send() returns a Future and does not throw when a delivery fails later. An application that neither passes a callback nor checks the Future (fire-and-forget) never learns that records were lost. Here the client is cut off from the broker for longer than delivery.timeout.ms, so records expire.",
        watch: "Red entries in the Callbacks panel once delivery.timeout.ms passes: the only place the failure shows.",
        question: "How many records failed, while every send() returned normally?",
        scenario: scenario!("ignored-callbacks"),
        answer: answers::ignored_callbacks,
    },
    Lesson {
        id: "tiny-batches",
        title: "Pitfall: tiny batches",
        narrative: "batch.size caps each partition's batch. At 100 bytes, a batch holds about one record, so the producer sends a request per record where a few would do.",
        watch: "records-per-request-avg and batch-size-avg in the charts.",
        question: "How many records did a request carry on average?",
        scenario: scenario!("tiny-batches"),
        answer: answers::tiny_batches,
    },
];

pub fn find(id: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.id == id)
}
