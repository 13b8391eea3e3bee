//! Each lesson's answer, read off the finished run: the model's logs, callbacks, trace and
//! metrics, never a number written in advance.

use producer_sim::litemap::LiteMap;

use producer_sim::Simulation;
use producer_sim::event::{EventKind, Outcome};
use producer_sim::producer::record_accumulator::ReadyReason;

fn final_log(sim: &Simulation, p: u32) -> Vec<u64> {
    sim.partition_log(p)
        .map(|r| r.entries().map(|e| e.record).collect())
        .unwrap_or_default()
}

fn acked_missing(sim: &Simulation) -> usize {
    sim.deliveries
        .iter()
        .filter(|d| {
            matches!(d.outcome, Outcome::Acked { .. })
                && !final_log(sim, d.partition).contains(&d.record)
        })
        .count()
}

fn duplicates(sim: &Simulation) -> usize {
    (0..sim.metadata.num_partitions())
        .map(|p| {
            let log = final_log(sim, p);
            let mut unique = LiteMap::new_vec();
            for record in &log {
                unique.insert(record, ());
            }
            log.len() - unique.len()
        })
        .sum()
}

fn failed(sim: &Simulation) -> usize {
    sim.deliveries
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Failed { .. }))
        .count()
}

fn count_events(sim: &Simulation, pick: impl Fn(&EventKind) -> bool) -> usize {
    sim.trace.events().iter().filter(|e| pick(&e.kind)).count()
}

pub fn producer(sim: &Simulation) -> String {
    let Some(first) = sim.deliveries.iter().find(|d| d.record == 0) else {
        return "Record #0 has no callback yet.".into();
    };
    let acked = sim.deliveries.len() - failed(sim);
    let place = match &first.outcome {
        Outcome::Acked { offset } => {
            format!("went to partition {} at offset {offset}", first.partition)
        }
        Outcome::Failed { error, .. } => format!("failed with {error}"),
    };
    format!(
        "Record #0 {place}; its callback came {:.1} ms after send(). All {} records were acknowledged: {}.",
        first.at_us.saturating_sub(first.sent_at_us) as f64 / 1000.0,
        sim.records_sent(),
        if acked as u64 == sim.records_sent() {
            "yes"
        } else {
            "no"
        }
    )
}

pub fn architecture(sim: &Simulation) -> String {
    let mut requests = 0;
    let mut batches = 0;
    let mut nodes = LiteMap::new_vec();
    for e in sim.trace.events() {
        if let EventKind::RequestSent {
            node, batches: b, ..
        } = &e.kind
        {
            requests += 1;
            batches += b.len();
            nodes.insert(*node, ());
        }
    }
    format!(
        "{} send() calls went out in {requests} produce requests to {} brokers: {batches} batches, {:.1} batches and {:.1} records per request.",
        sim.records_sent(),
        nodes.len(),
        batches as f64 / requests.max(1) as f64,
        sim.records_sent() as f64 / requests.max(1) as f64
    )
}

pub fn keys(sim: &Simulation) -> String {
    let mut by_key: LiteMap<String, LiteMap<u32, ()>> = LiteMap::new_vec();
    for p in 0..sim.metadata.num_partitions() {
        for e in sim.partition_log(p).into_iter().flat_map(|r| r.entries()) {
            by_key
                .entry(e.key.unwrap_or_default())
                .or_default()
                .insert(p, ());
        }
    }
    let most = by_key.values().map(LiteMap::len).max().unwrap_or(0);
    format!(
        "Every key on exactly {most} partition ({} keys).",
        by_key.len()
    )
}

pub fn null_keys(sim: &Simulation) -> String {
    let switches = count_events(sim, |k| matches!(k, EventKind::StickySwitched { .. }));
    format!(
        "About {} records per stint ({} switches for {} records), not 1.",
        sim.deliveries.len() / (switches + 1),
        switches,
        sim.deliveries.len()
    )
}

pub fn acks_lost(sim: &Simulation) -> String {
    format!("{} acknowledged records are lost.", acked_missing(sim))
}

/// The first batch that was retried: how long each retry waited in the accumulator, from
/// the error that re-enqueued it to the drain when its backoff expired.
pub fn retries_backoff(sim: &Simulation) -> String {
    let events = sim.trace.events();
    let Some(batch) = events.iter().find_map(|e| match e.kind {
        EventKind::BatchRetried { batch, .. } => Some(batch),
        _ => None,
    }) else {
        return format!("No batch was retried; {} records failed.", failed(sim));
    };
    let mut waits = Vec::new();
    let mut since = None;
    for e in events {
        match &e.kind {
            EventKind::BatchRetried { batch: b, .. } if *b == batch => since = Some(e.at_us),
            EventKind::Drained { batch: b, .. } if *b == batch => {
                if let Some(t) = since.take() {
                    waits.push((e.at_us - t) as f64 / 1000.0);
                }
            }
            _ => {}
        }
    }
    let list = waits
        .iter()
        .map(|w| format!("{w:.0}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "Batch b{batch} was retried {} times, waiting {list} ms before each; {} of {} records failed.",
        waits.len(),
        failed(sim),
        sim.records_sent()
    )
}

pub fn batch_linger(sim: &Simulation) -> String {
    let (mut full, mut linger, mut along, mut other, mut records) = (0, 0, 0, 0, 0);
    for e in sim.trace.events() {
        if let EventKind::Drained {
            reason, records: n, ..
        } = &e.kind
        {
            records += n;
            match reason {
                ReadyReason::Full => full += 1,
                ReadyReason::LingerExpired => linger += 1,
                ReadyReason::NodeReady => along += 1,
                _ => other += 1,
            }
        }
    }
    let batches = full + linger + along + other;
    format!(
        "{full} of {batches} batches left full (batch.size reached), {linger} when linger.ms expired, and {along} rode along because their broker was ready for another partition{}; {:.1} records per batch.",
        if other > 0 {
            format!(" ({other} for other reasons)")
        } else {
            String::new()
        },
        records as f64 / batches.max(1) as f64
    )
}

pub fn compression(sim: &Simulation) -> String {
    let m = sim.metrics();
    match m.compression_rate_avg {
        Some(rate) => format!(
            "compression-rate-avg {rate:.2}: a batch took {:.0}% of its uncompressed size ({:.0} bytes on average).",
            rate * 100.0,
            m.batch_size_avg.unwrap_or(0.0)
        ),
        None => "No batch was sent in the metrics window.".into(),
    }
}

pub fn retries_duplicate(sim: &Simulation) -> String {
    format!("{} records were written twice.", duplicates(sim))
}

pub fn idempotence(sim: &Simulation) -> String {
    let dedup = count_events(sim, |k| {
        matches!(
            k,
            EventKind::BrokerAppended {
                duplicate: true,
                ..
            }
        )
    });
    format!(
        "{} records were written twice; the broker recognised {dedup} retried batch(es).",
        duplicates(sim)
    )
}

pub fn sync(sim: &Simulation) -> String {
    let m = sim.metrics();
    let end = sim.deliveries.iter().map(|d| d.at_us).max().unwrap_or(0);
    format!(
        "{:.1} records per request; {:.0} ms for {} records.",
        m.records_per_request_avg.unwrap_or(0.0),
        end as f64 / 1000.0,
        sim.deliveries.len()
    )
}

/// The key, the value and what a record cost in its batch (the batch header apart).
pub fn serialization(sim: &Simulation) -> String {
    let events = sim.trace.events();
    let first = events.iter().find_map(|e| match &e.kind {
        EventKind::Send { record, key, .. } => Some((*record, key.clone())),
        _ => None,
    });
    let Some((record, key)) = first else {
        return "No record was sent.".into();
    };
    let (key_bytes, value_bytes) = events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::Serialized {
                record: r,
                key_bytes,
                value_bytes,
            } if r == record => Some((key_bytes, value_bytes)),
            _ => None,
        })
        .unwrap_or((None, None));
    let (mut bytes, mut batches, mut records) = (0usize, 0usize, 0usize);
    for e in events {
        if let EventKind::Drained {
            bytes: b,
            records: n,
            ..
        } = &e.kind
        {
            bytes += b;
            batches += 1;
            records += n;
        }
    }
    let per_record =
        bytes.saturating_sub(batches * producer_sim::record_size::RECORD_BATCH_OVERHEAD) as f64
            / records.max(1) as f64;
    let hex = key
        .as_deref()
        .map(|k| {
            k.bytes()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    format!(
        "Key \"{}\": {} bytes ({hex}); value: {} bytes; in its batch a record took about {per_record:.0} bytes besides the {}-byte batch header.",
        key.unwrap_or_default(),
        key_bytes.unwrap_or(0),
        value_bytes.unwrap_or(0),
        producer_sim::record_size::RECORD_BATCH_OVERHEAD
    )
}

pub fn errors(sim: &Simulation) -> String {
    let m = sim.metrics();
    format!(
        "{} records failed after {} record retries: NOT_ENOUGH_REPLICAS is retriable.",
        m.record_error_total, m.record_retry_total
    )
}

/// The sweep's corners for this workload, computed by the model like the sweep panel does.
pub fn sweep(sim: &Simulation) -> String {
    let records = sim.scenario.workload.records.min(2000);
    let point = |b, l| crate::sweep::run_point(&sim.scenario, b, l, records);
    match (point(1024, 0), point(65536, 20)) {
        (Some(small), Some(big)) => format!(
            "batch.size 1024 with linger.ms 0: {:.0} records/s at most, {:.1} ms per record; batch.size 65536 with linger.ms 20: {:.0} records/s, {:.1} ms.",
            small.throughput, small.latency_ms, big.throughput, big.latency_ms
        ),
        _ => "The sweep could not run this workload.".into(),
    }
}

pub fn monitoring(sim: &Simulation) -> String {
    let m = sim.metrics();
    format!(
        "{:.1} records per request; batches waited {:.1} ms on average (record-queue-time-avg).",
        m.records_per_request_avg.unwrap_or(0.0),
        m.record_queue_time_avg.unwrap_or(0.0)
    )
}

pub fn no_flush(sim: &Simulation) -> String {
    format!(
        "{} of {} records were never sent.",
        sim.records_sent() as usize - sim.deliveries.len(),
        sim.records_sent()
    )
}

pub fn ignored_callbacks(sim: &Simulation) -> String {
    let first_error = sim.deliveries.iter().find_map(|d| match &d.outcome {
        Outcome::Failed { error, .. } => Some(error.clone()),
        _ => None,
    });
    format!(
        "{} of {} records failed{}; every send() returned normally, and only the callbacks said so.",
        failed(sim),
        sim.records_sent(),
        first_error.map_or(String::new(), |e| format!(" ({e})"))
    )
}

pub fn tiny_batches(sim: &Simulation) -> String {
    format!(
        "{:.2} records per request.",
        sim.metrics().records_per_request_avg.unwrap_or(0.0)
    )
}
