//! One view per pipeline stage. Each renders the model's state and its recent events;
//! none of them decides anything about Kafka.

use producer_sim::event::{EventKind, Outcome, PartitionHow};
use producer_sim::{SimEvent, Simulation};
use yew::prelude::*;

pub mod selection;

pub use selection::{Follow, Selected};

/// The record, batch or request the learner clicked: every stage highlights where it is.
/// Clickable items are buttons (or `role="button"` with Enter), `aria-pressed` when selected.
#[derive(Clone)]
pub struct Selection<'a> {
    pub follow: &'a Follow,
    pub select: Callback<Selected>,
}

impl Selection<'_> {
    fn class(&self, record: u64) -> Option<&'static str> {
        self.follow.has_record(record).then_some("selected")
    }

    fn onclick(&self, what: Selected) -> Callback<MouseEvent> {
        let select = self.select.clone();
        Callback::from(move |_| select.emit(what))
    }

    /// Enter on a focused `role="button"` element selects, as a click does.
    fn onkeydown(&self, what: Selected) -> Callback<KeyboardEvent> {
        let select = self.select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                e.prevent_default();
                select.emit(what);
            }
        })
    }

    /// `aria-pressed`: this very thing is the selection.
    fn pressed(&self, what: Selected) -> &'static str {
        if self.follow.selected() == Some(what) {
            "true"
        } else {
            "false"
        }
    }

    /// A record as a toggle button inside its list item.
    fn record_button(&self, record: u64, label: String, body: Html) -> Html {
        let what = Selected::Record(record);
        html! {
            <button type="button" class="pick" aria-pressed={self.pressed(what)} aria-label={label}
                onclick={self.onclick(what)}>{ body }</button>
        }
    }
}

/// The line above the stages: what is selected and where it is now. Read out politely while
/// paused; while playing it changes too often to announce (`playing`: aria-live off).
pub fn selection_caption(
    sim: &Simulation,
    follow: &Follow,
    playing: bool,
    clear: Callback<MouseEvent>,
) -> Html {
    let live = if playing { "off" } else { "polite" };
    match follow.caption(sim) {
        Some(text) => html! {
            <div class="selection-bar" id="selection" aria-live={live}>
                <span class="selection-text" id="selection-caption" title={text.clone()}>{ text }</span>
                <button type="button" class="selection-clear" id="selection-clear" onclick={clear}
                    aria-label="Clear the selection (Esc)" title="Clear the selection (Esc)">{ "✕" }</button>
            </div>
        },
        None => html! {
            <div class="selection-bar" id="selection" aria-live={live}>
                <span class="hint">{ "Click a record, a batch or a request (or focus it and press Enter) to follow it through every stage; Esc clears." }</span>
            </div>
        },
    }
}

/// Log cells kept per partition (as many as fit are shown); older ones are summarised as a
/// count, so the DOM stays bounded however long the run.
pub(crate) const LOG_CELLS: usize = 10;

fn last_event<'a, T>(
    events: &'a [SimEvent],
    pick: impl Fn(&'a SimEvent) -> Option<T>,
) -> Option<T> {
    events.iter().rev().find_map(pick)
}

/// Characters of a value shown in the Serializer panel.
const VALUE_SHOWN: usize = 12;

fn partition_class(p: u32) -> String {
    format!("p{}", p % 12)
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn stage(id: &str, title: &str, subtitle: &str, body: Html) -> Html {
    html! {
        <section class="stage" id={id.to_string()} aria-label={title.to_string()}>
            <header><h2>{ title }</h2><span class="sub">{ subtitle }</span></header>
            <div class="stage-body">{ body }</div>
        </section>
    }
}

/// What `flush()` or `close()` is doing, if the application called one.
pub fn producer_call_status(sim: &Simulation) -> Option<String> {
    let calls = &sim.app.calls;
    let waiting = sim.records_sent().saturating_sub(sim.delivered_count());
    if calls.closed {
        let closed = last_event(sim.trace.events(), |e| match e.kind {
            EventKind::ProducerClosed { forced, aborted } => Some((forced, aborted)),
            _ => None,
        });
        return Some(match closed {
            Some((true, aborted)) => format!(
                "close() timed out: {aborted} records aborted (\"Producer is closed forcefully.\")"
            ),
            _ => "close() returned: the producer is closed".to_string(),
        });
    }
    if calls.closing() {
        return Some(format!("close() waits for {waiting} records to complete"));
    }
    if calls.flushing() {
        return Some(format!(
            "flush() blocks the application: {waiting} records to complete, every batch sendable now"
        ));
    }
    None
}

pub fn application(sim: &Simulation, sel: &Selection<'_>, calls: Html) -> Html {
    let events = sim.trace.events();
    let recent: Vec<Html> = events
        .iter()
        .rev()
        .filter_map(|e| match &e.kind {
            EventKind::Send { record, key, .. } => {
                let key = key.clone().unwrap_or_else(|| "null".into());
                let body = html! {
                    <>
                        <span class="rid">{ format!("#{record}") }</span>
                        <span class="key">{ key.clone() }</span>
                    </>
                };
                Some(html! {
                    <li key={*record} class={classes!("chip", "enter", sel.class(*record))}>
                        { sel.record_button(*record, format!("record #{record}, key {key}"), body) }
                    </li>
                })
            }
            _ => None,
        })
        .take(8)
        .collect();
    let w = &sim.scenario.workload;
    let total = w.records;
    let blocked = sim.app.blocked_on().map(|(r, bytes, since)| html! {
        <p class="error" role="status">{ format!("send() of #{r} blocked for {:.1} ms: needs {bytes} B of buffer.memory",
            (sim.now_us() - since) as f64 / 1000.0) }</p>
    });
    let mode = if w.sync {
        "sync: send().get() on each record"
    } else {
        "async send with a callback"
    };
    let values = match w.value_bytes_max {
        Some(max) if max > w.value_bytes => format!("{}–{max} B values", w.value_bytes),
        _ => format!("{} B values", w.value_bytes),
    };
    let headers = match w.headers.len() {
        0 => String::new(),
        n => format!(" · {n} header{}", if n == 1 { "" } else { "s" }),
    };
    html! {
        <>
            <p class="metric"><b>{ sim.records_sent() }</b>{ format!(" / {total} send() calls") }</p>
            { for blocked }
            <p class="hint">{ format!("{} records/s · keys {} · {values}{headers} · {mode}", w.records_per_second, w.keys.to_form_text()) }</p>
            { calls }
            { for producer_call_status(sim).map(|s| html! { <p class="call-status" id="call-status" role="status">{ s }</p> }) }
            <ul class="chips">{ for recent }</ul>
        </>
    }
}

pub fn serializer(sim: &Simulation) -> Html {
    let events = sim.trace.events();
    let Some((record, key, value)) = last_event(events, |e| match &e.kind {
        EventKind::Send { record, key, value } => Some((*record, key.clone(), value.clone())),
        _ => None,
    }) else {
        return html! { <p class="hint">{ "Waiting for the first send()" }</p> };
    };
    let value_len = last_event(events, |e| match &e.kind {
        EventKind::Serialized {
            record: r,
            value_bytes,
            ..
        } if *r == record => Some(*value_bytes),
        _ => None,
    })
    .flatten();
    html! {
        <div key={record} class="enter">
            <p class="label">{ format!("record #{record} · StringSerializer (UTF-8)") }</p>
            <p class="label">{ "key" }</p>
            { match key {
                Some(k) => html! { <><code class="text">{ format!("\"{k}\"") }</code><code class="bytes">{ hex(k.as_bytes()) }</code></> },
                None => html! { <code class="text">{ "null (no bytes)" }</code> },
            } }
            <p class="label">{ format!("value · {}", value_len.map_or("null".to_string(), |n| format!("{n} bytes"))) }</p>
            { for value.map(|v| {
                // The first bytes; the rest is summarised.
                let shown: String = v.chars().take(VALUE_SHOWN).collect();
                let more = if v.len() > shown.len() { "…" } else { "" };
                html! { <><code class="text">{ format!("\"{shown}{more}\"") }</code><code class="bytes">{ format!("{}{more}", hex(shown.as_bytes())) }</code></> }
            }) }
        </div>
    }
}

pub fn partitioner(sim: &Simulation) -> Html {
    let events = sim.trace.events();
    let Some((record, partition, how)) = last_event(events, |e| match &e.kind {
        EventKind::Partitioned {
            record,
            partition,
            how,
        } => Some((*record, *partition, *how)),
        _ => None,
    }) else {
        return html! { <p class="hint">{ "murmur2 for keys, sticky for null keys" }</p> };
    };
    let pill = html! { <b class={classes!("pill", partition_class(partition))}>{ format!("P{partition}") }</b> };
    let body = match how {
        PartitionHow::Murmur2 {
            murmur2,
            positive,
            num_partitions,
        } => html! {
            <ol class="math">
                <li>{ format!("murmur2(key bytes) = {murmur2}") }</li>
                <li>{ format!("toPositive → {positive}") }</li>
                <li>{ format!("% {num_partitions} = ") }{ pill }</li>
            </ol>
        },
        PartitionHow::BuiltInSticky => {
            let sticky = sim.accumulator.partitioner.sticky();
            html! {
                <>
                    <p>{ "null key → sticky partition " }{ pill }</p>
                    { for sticky.map(|s| html! {
                        <p class="hint">{ format!("{} of {} bytes before it may switch (KIP-794), not round-robin",
                            s.produced_bytes, sim.accumulator.batch_size()) }</p>
                    }) }
                </>
            }
        }
        other => html! { <><p>{ other.describe() }</p><p>{ "→ " }{ pill }</p></> },
    };
    html! { <div key={record} class="enter"><p class="label">{ format!("record #{record}") }</p>{ body }</div> }
}

pub fn accumulator(sim: &Simulation, sel: &Selection<'_>) -> Html {
    let acc = &sim.accumulator;
    let now = sim.now_us();
    let batch_size = acc.batch_size().max(1);
    let rows = (0..sim.metadata.num_partitions()).map(|p| {
        let batches = acc.deque(p).map(|b| {
            let fill = (b.size_in_bytes * 100 / batch_size.max(b.write_limit)).min(100);
            let linger_left = acc.linger_us().saturating_sub(b.waited_us(now));
            let status = if b.is_full() {
                "full".to_string()
            } else if linger_left > 0 {
                format!("{:.1} ms left", linger_left as f64 / 1000.0)
            } else {
                "ready".to_string()
            };
            let what = Selected::Batch(b.id);
            html! {
                <div key={b.id} class={classes!("batch", "enter", partition_class(p),
                    sel.follow.has_batch(b.id).then_some("selected"))}
                    role="button" tabindex="0" aria-pressed={sel.pressed(what)}
                    aria-label={format!("batch {} of partition {p}, {} records", b.id, b.record_count())}
                    onclick={sel.onclick(what)} onkeydown={sel.onkeydown(what)}
                    title={format!("batch {} · {} records · {} of {} bytes · {}", b.id, b.record_count(), b.size_in_bytes, batch_size.max(b.write_limit),
                        if linger_left > 0 && !b.is_full() { format!("linger.ms: {status}") } else { status.clone() })}>
                    <div class="fill" style={format!("width:{fill}%")}></div>
                    <span>{ format!("b{} · {} rec · {} B · {status}", b.id, b.record_count(), b.size_in_bytes) }</span>
                </div>
            }
        });
        html! {
            <div class="row" key={p}>
                <span class={classes!("pill", partition_class(p))}>{ format!("P{p}") }</span>
                <div class="batches">{ for batches }</div>
            </div>
        }
    });
    html! {
        <>
            <p class="hint">{ format!("batch.size {} B · linger.ms {}", acc.batch_size(), sim.config.linger_ms) }</p>
            { memory_gauge(sim) }
            { for rows }
        </>
    }
}

/// `buffer-available-bytes` of `buffer.memory`, and a blocked `send()` if there is one.
fn memory_gauge(sim: &Simulation) -> Html {
    let pool = &sim.accumulator.buffer_pool;
    let total = pool.total_memory().max(1);
    let used = total - pool.available_memory();
    let pct = (used * 100 / total).min(100);
    html! {
        <div class="gauge" title="buffer.memory in use by batches until their callbacks run">
            <div class="gauge-fill" style={format!("width:{pct}%")}></div>
            <span>{ format!("buffer.memory {} / {} B in use{}", used, total,
                if pool.queued() > 0 { " · send() is blocked: every batch is sendable now" } else { "" }) }</span>
        </div>
    }
}

pub fn sender(sim: &Simulation, sel: &Selection<'_>) -> Html {
    let pid = sim
        .transaction_manager
        .as_ref()
        .map(|tm| match tm.producer_id_and_epoch() {
            Some(p) => format!(
                "idempotent: producer id {}, epoch {}",
                p.producer_id, p.epoch
            ),
            None => "idempotent: waiting for InitProducerId".to_string(),
        });
    let max = sim.config.max_in_flight_requests_per_connection;
    let brokers = (1..=sim.scenario.cluster.brokers).map(|b| {
        // The connection slot a selected request occupies while it is in flight.
        let on_connection = sim.sender.in_flight_requests().any(|(id, n, _)| {
            n == b && sel.follow.selected() == Some(Selected::Request(id))
        });
        let requests = sim.sender.in_flight_requests().filter(|(_, n, _)| *n == b).map(|(id, _, batches)| {
            let request = Selected::Request(id);
            let holds = sel.follow.has_request(id) || batches.iter().any(|x| sel.follow.has_batch(*x));
            let list = batches.iter().map(|x| {
                let what = Selected::Batch(*x);
                let partition = sim.sender.in_flight_batch(*x).map_or(String::new(), |bb| format!(" of partition {}", bb.partition));
                html! {
                    <button type="button" class={classes!("pick", "bid", sel.follow.has_batch(*x).then_some("selected"))}
                        aria-pressed={sel.pressed(what)} aria-label={format!("batch {x}{partition}")}
                        onclick={sel.onclick(what)}>{ format!("b{x}") }</button>
                }
            });
            html! {
                <li key={id} class={classes!("request", "enter", holds.then_some("selected"))}>
                    <button type="button" class={classes!("pick", "rq", sel.follow.has_request(id).then_some("selected"))}
                        aria-pressed={sel.pressed(request)} aria-label={format!("request {id} to broker {b}")}
                        onclick={sel.onclick(request)}>{ format!("req {id}:") }</button>
                    { for list }
                </li>
            }
        });
        let down = if sim.cluster.is_alive(b) { "" } else { " · DOWN" };
        html! {
            <div class={classes!("node", on_connection.then_some("selected"))} key={b}>
                <p class="label">{ format!("→ broker {b} · in flight {}/{max}{down}", sim.sender.in_flight_count(b)) }</p>
                <ul class="requests">{ for requests }</ul>
            </div>
        }
    });
    html! {
        <>
            <p class="hint">{ format!("acks={} · max.in.flight {max}", acks_text(sim)) }</p>
            { for pid.map(|p| html! { <p class="hint">{ p }</p> }) }
            { for brokers }
        </>
    }
}

fn acks_text(sim: &Simulation) -> &'static str {
    match sim.config.acks.as_i16() {
        0 => "0",
        1 => "1",
        _ => "all",
    }
}

pub fn broker(sim: &Simulation, sel: &Selection<'_>) -> Html {
    let rows = sim.cluster.partitions.iter().map(|part| {
        let p = part.id;
        let log = sim.partition_log(p);
        let hw = part.high_watermark;
        // Only the newest cells are read (from the end): the cost stays flat as the log grows.
        let mut newest: Vec<_> = log
            .into_iter()
            .flat_map(|r| r.batches.iter().rev().flat_map(|b| b.entries().rev()))
            .take(LOG_CELLS)
            .collect();
        newest.reverse();
        let skip = log.map_or(0, |r| {
            ((r.log_end_offset() - r.log_start_offset()).max(0) as usize)
                .saturating_sub(newest.len())
        });
        let cells = newest.into_iter().map(|e| {
            let committed = if e.offset < hw { "committed" } else { "uncommitted" };
            let body = html! {
                <>
                    <b>{ e.offset }</b>
                    <span>{ e.key.clone().unwrap_or_else(|| "∅".into()) }</span>
                </>
            };
            html! {
                <li key={e.offset} class={classes!("log-cell", "enter", partition_class(p), committed, sel.class(e.record))}
                    title={format!("offset {} · record #{} · seq {}{}", e.offset, e.record, e.sequence,
                        if e.offset < hw { "" } else { " · above the high watermark" })}>
                    { sel.record_button(e.record, format!("offset {} of partition {p}: record #{}", e.offset, e.record), body) }
                </li>
            }
        });
        let leader = part.leader.map_or("offline".to_string(), |l| format!("leader {l}"));
        let replicated = part.assignment.len() > 1;
        html! {
            <div class="row" key={p}>
                <span class={classes!("pill", partition_class(p), sel.follow.has_partition(p).then_some("selected"))}>{ format!("P{p}") }</span>
                <span class="leader" title={format!("replicas {:?} · ISR {:?} · high watermark {hw} · {skip} older records not shown", part.assignment, part.isr)}>
                    { format!("{leader} · HW {hw}") }<br/>
                    { if replicated { isr_list(part, sel.follow.written_end(p)) } else { html! {} } }
                    { if skip > 0 { html! { <span class="earlier" title="older records, not shown">{ format!("+{skip}") }</span> } } else { html! {} } }
                </span>
                <div class="log"><ol class="cells">{ for cells }</ol></div>
            </div>
        }
    });
    html! { <>{ for rows }</> }
}

/// "ISR 1,2,3": with a selection written to this partition, the replicas that hold it so far
/// (their log end offset reached its end) are marked.
fn isr_list(part: &producer_sim::broker::PartitionState, selection_end: Option<i64>) -> Html {
    let Some(end) = selection_end else {
        let ids = part.isr.iter().map(u32::to_string).collect::<Vec<_>>();
        return html! { { format!("ISR {} ", ids.join(",")) } };
    };
    let ids = part.isr.iter().enumerate().map(|(i, n)| {
        let holds = part.replicas.get(n).is_some_and(|r| r.log_end_offset() >= end);
        let title = if holds { "has the selection's records" } else { "does not have the selection's records yet" };
        html! {
            <>
                { if i > 0 { "," } else { "" } }
                <span class={classes!(holds.then_some("holds"))} title={format!("broker {n} {title}")}>{ n }</span>
            </>
        }
    });
    html! { <>{ "ISR " }{ for ids }{ " " }</> }
}

pub fn callbacks(sim: &Simulation, sel: &Selection<'_>) -> Html {
    let items = sim.deliveries.iter().rev().take(12).map(|d| {
        let (class, text) = match &d.outcome {
            Outcome::Acked { offset } => {
                ("ok", format!("#{} → P{} @ {offset}", d.record, d.partition))
            }
            Outcome::Failed { error, .. } => ("err", format!("#{} ✗ {error}", d.record)),
        };
        let label = format!("callback of record #{}: {text}", d.record);
        html! {
            <li key={d.record} class={classes!("callback", "enter", class, sel.class(d.record))}>
                { sel.record_button(d.record, label, html! { { text } }) }
            </li>
        }
    });
    html! {
        <>
            <p class="metric"><b>{ sim.delivered_count() }</b>{ " callbacks" }</p>
            <ul class="callbacks">{ for items }</ul>
        </>
    }
}

/// The last few trace events as readable lines.
pub fn recent_events(sim: &Simulation) -> Html {
    let lines = sim.trace.events().iter().rev().take(10).map(|e| {
        let text = serde_json::to_string(&e.kind).unwrap_or_default();
        html! { <li><time>{ format!("{:>9.3} ms", e.at_us as f64 / 1000.0) }</time><code>{ text }</code></li> }
    });
    html! { <ol class="trace" id="trace">{ for lines }</ol> }
}
