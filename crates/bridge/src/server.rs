//! The HTTP side: routes, the origin check and the connection cap before the
//! upgrade, `/metrics`, and the bridge's lifecycle (start, graceful shutdown:
//! stop accepting, let deliveries finish until the deadline, purge the rest so
//! that each still gets its failed delivery, and report how many there were).

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::extract::ws::close_code;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use producer_wire::ProducerMetrics;
use rdkafka::ClientConfig;
use rdkafka::producer::{Producer as _, PurgeConfig};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tower_http::services::ServeDir;
use tracing::{info, warn};

use crate::config::BridgeConfig;
use crate::kafka::{self, BridgeContext};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::security::check_origin;
use crate::session;

/// State shared by every connection. Each live session holds a clone of the
/// `Arc`, so `_sessions` tells the shutdown when the last one has ended.
pub(crate) struct Shared {
    pub(crate) config: BridgeConfig,
    /// The producer of connections that did not `configure`.
    shared_producer: RwLock<kafka::Producer>,
    /// Held while the shared producer is being replaced.
    renewing: tokio::sync::Mutex<()>,
    pub(crate) producers: Arc<Producers>,
    pub(crate) metrics: Arc<Metrics>,
    /// `Some(deadline)` once the bridge is stopping.
    pub(crate) shutdown: watch::Receiver<Option<Instant>>,
    _sessions: mpsc::Sender<()>,
}

impl Shared {
    /// The producer of connections that did not `configure`.
    pub(crate) fn shared_producer(&self) -> kafka::Producer {
        self.shared_producer
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the shared producer when `stale` still is the shared producer
    /// (the first session to notice does it); returns the current one.
    pub(crate) async fn renew_shared(&self, stale: &kafka::Producer) -> kafka::Producer {
        let _renewing = self.renewing.lock().await;
        let current = self.shared_producer();
        if !std::ptr::eq(current.context(), stale.context()) {
            return current;
        }
        let config = current.context().config().clone();
        match self
            .producers
            .create(shared_label, config, &self.metrics)
            .await
        {
            Ok(fresh) => {
                *self
                    .shared_producer
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = fresh.clone();
                self.producers.retire(current);
                fresh
            }
            Err(err) => {
                warn!("{err:#}: keeping the stale shared producer");
                current
            }
        }
    }
}

fn shared_label(id: u64) -> String {
    if id == 0 {
        "shared".into()
    } else {
        format!("shared-{id}")
    }
}

/// Every live producer: the shared one and each connection's own, until it
/// has delivered what it holds.
pub(crate) struct Producers {
    live: Mutex<BTreeMap<u64, (kafka::Producer, Duration)>>,
    next: AtomicU64,
    /// How long a retired producer with an infinite delivery timeout may drain.
    fallback_drain: Duration,
}

impl Producers {
    fn live(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, (kafka::Producer, Duration)>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a producer (off the async threads) with the next registry id,
    /// labelled by `label(id)`, and registers it.
    pub(crate) async fn create(
        &self,
        label: impl FnOnce(u64) -> String,
        config: ClientConfig,
        metrics: &Arc<Metrics>,
    ) -> anyhow::Result<kafka::Producer> {
        let id = self.next.fetch_add(1, Relaxed);
        let context = BridgeContext::new(id, label(id), config, metrics.clone());
        let producer = tokio::task::spawn_blocking(move || kafka::create(context))
            .await
            .context("creating the producer panicked")??;
        let drain = kafka::drain_time(producer.context().config(), self.fallback_drain)
            + session::PURGE_GRACE;
        self.live().insert(id, (producer.clone(), drain));
        Ok(producer)
    }

    /// Lets a producer deliver what it holds, off the async threads, then
    /// drops it (which purges anything left: each purged record is reported).
    pub(crate) fn retire(self: &Arc<Self>, last_clone: kafka::Producer) {
        let producers = self.clone();
        tokio::task::spawn_blocking(move || {
            let id = last_clone.context().id();
            let drain = producers.live().get(&id).map(|(_, drain)| *drain);
            if let Some(drain) = drain
                && let Err(err) = last_clone.flush(drain)
            {
                warn!(%err, producer = last_clone.context().label(), "retired producer did not deliver everything");
            }
            let registered = producers.live().remove(&id);
            drop(registered);
            drop(last_clone);
        });
    }

    /// Messages in every live producer's librdkafka queues.
    fn queued(&self) -> i64 {
        self.live()
            .values()
            .map(|(p, _)| i64::from(p.in_flight_count()))
            .sum()
    }

    /// Each live producer's latest Java metrics (`None` before its first
    /// statistics report), by label.
    fn stats(&self) -> Vec<(String, Option<ProducerMetrics>)> {
        self.live()
            .values()
            .map(|(p, _)| {
                let context: &BridgeContext = p.context();
                let latest = context.latest().map(|report| report.metrics);
                (context.label().to_owned(), latest)
            })
            .collect()
    }

    fn count(&self) -> usize {
        self.live().len()
    }

    fn all(&self) -> Vec<kafka::Producer> {
        self.live().values().map(|(p, _)| p.clone()).collect()
    }
}

/// A reserved place under `--max-connections`, released on drop.
pub(crate) struct ConnectionSlot(Arc<Metrics>);

impl ConnectionSlot {
    fn reserve(metrics: &Arc<Metrics>, max: usize) -> Option<ConnectionSlot> {
        metrics
            .connections
            .fetch_update(Relaxed, Relaxed, |n| (n < max).then_some(n + 1))
            .ok()?;
        metrics.connections_total.fetch_add(1, Relaxed);
        Some(ConnectionSlot(metrics.clone()))
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Relaxed);
    }
}

/// What a shutdown left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Records librdkafka still held at the deadline; they were purged, and
    /// each connected client got a failed delivery (`_PURGE_QUEUE` or
    /// `_PURGE_INFLIGHT`) for its own.
    pub undelivered: i32,
}

/// A running bridge. Dropping it without [`Bridge::shutdown`] also stops it,
/// without waiting.
pub struct Bridge {
    local_addr: SocketAddr,
    shutdown: watch::Sender<Option<Instant>>,
    timeout: Duration,
    metrics: Arc<Metrics>,
    producers: Arc<Producers>,
    task: JoinHandle<anyhow::Result<ShutdownReport>>,
}

impl Bridge {
    /// Checks the limits, creates the shared producer, binds `config.listen`
    /// (port 0 picks a free port) and starts serving in the background.
    pub async fn start(config: BridgeConfig) -> anyhow::Result<Bridge> {
        config.validate().map_err(anyhow::Error::msg)?;
        let metrics = Arc::new(Metrics::default());
        let producers = Arc::new(Producers {
            live: Mutex::default(),
            next: AtomicU64::new(0),
            fallback_drain: config.shutdown_timeout(),
        });
        let producer = producers
            .create(shared_label, kafka::base_config(&config), &metrics)
            .await
            .context("check the -X properties")?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        let local_addr = listener.local_addr()?;
        let (shutdown, shutdown_rx) = watch::channel(None);
        let (sessions, sessions_done) = mpsc::channel(1);
        let timeout = config.shutdown_timeout();
        info!(
            url = %format!("ws://{local_addr}/ws"),
            bootstrap_servers = %config.bootstrap_servers,
            allowed_origins = ?config.allowed_origins,
            allowed_topics = ?config.allowed_topics,
            max_connections = config.max_connections,
            max_in_flight = config.max_in_flight,
            serve_dir = ?config.serve_dir,
            token = config.token.is_some(),
            "producer-bridge listening"
        );
        let serve_dir = config.serve_dir.clone();
        let shared = Arc::new(Shared {
            config,
            shared_producer: RwLock::new(producer),
            renewing: tokio::sync::Mutex::default(),
            producers: producers.clone(),
            metrics: metrics.clone(),
            shutdown: shutdown_rx.clone(),
            _sessions: sessions,
        });
        let app = router(shared, serve_dir);
        let task = tokio::spawn(serve(
            listener,
            app,
            shutdown_rx,
            sessions_done,
            producers.clone(),
            timeout,
        ));
        Ok(Bridge {
            local_addr,
            shutdown,
            timeout,
            metrics,
            producers,
            task,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The WebSocket URL clients connect to.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.local_addr)
    }

    /// The bridge's counters now, as on `/metrics`.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics
            .snapshot(self.producers.queued(), self.producers.count())
    }

    /// Stops accepting, lets sessions report outstanding deliveries until the
    /// shutdown timeout, purges what is left (each purged record still gets
    /// its failed delivery) and reports how many records that was.
    pub async fn shutdown(self) -> anyhow::Result<ShutdownReport> {
        self.shutdown
            .send_replace(Some(Instant::now() + self.timeout));
        self.task.await.context("bridge task panicked")?
    }

    /// Serves until `signal` completes (or the server fails), then shuts down.
    pub async fn run_until(
        mut self,
        signal: impl Future<Output = ()>,
    ) -> anyhow::Result<ShutdownReport> {
        tokio::select! {
            () = signal => info!("shutdown requested"),
            result = &mut self.task => return result.context("bridge task panicked")?,
        }
        self.shutdown().await
    }
}

fn router(shared: Arc<Shared>, serve_dir: Option<std::path::PathBuf>) -> Router {
    let router = Router::new()
        .route("/ws", get(ws_handler))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics_handler))
        .with_state(shared);
    match serve_dir {
        // ServeDir guesses the MIME type from the extension (`.wasm` is `application/wasm`).
        Some(dir) => router.fallback_service(ServeDir::new(dir)),
        None => router,
    }
}

async fn metrics_handler(State(shared): State<Arc<Shared>>) -> Response {
    let body = shared
        .metrics
        .render(shared.producers.queued(), &shared.producers.stats());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Refuses foreign origins before upgrading; answers a connection past the
/// cap with the reason; otherwise runs the session.
async fn ws_handler(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let origin = match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => None,
        Some(Ok(origin)) => Some(origin),
        Some(Err(_)) => {
            return (StatusCode::FORBIDDEN, "origin header is not valid text").into_response();
        }
    };
    if let Err(reason) = check_origin(origin, &shared.config.allowed_origins) {
        warn!(%peer, %reason, "refused WebSocket handshake");
        return (StatusCode::FORBIDDEN, reason).into_response();
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    // Frames up to twice the limit are read and refused with a reason; beyond
    // that tungstenite stops reading and the connection closes (1009).
    let hard_limit = shared.config.max_frame_bytes.saturating_mul(2);
    let upgrade = upgrade
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit);
    let max = shared.config.max_connections;
    match ConnectionSlot::reserve(&shared.metrics, max) {
        Some(slot) => {
            upgrade.on_upgrade(move |socket| session::run(socket, shared, peer.to_string(), slot))
        }
        None => {
            shared.metrics.connections_refused.fetch_add(1, Relaxed);
            let reason = format!(
                "too many connections: the bridge serves at most {max} at once \
                 (producer-bridge --max-connections); try again later"
            );
            warn!(%peer, %reason, "refused WebSocket connection");
            upgrade.on_upgrade(move |socket| session::refuse(socket, close_code::AGAIN, reason))
        }
    }
}

async fn serve(
    listener: TcpListener,
    app: Router,
    mut shutdown: watch::Receiver<Option<Instant>>,
    mut sessions_done: mpsc::Receiver<()>,
    producers: Arc<Producers>,
    timeout: Duration,
) -> anyhow::Result<ShutdownReport> {
    let mut deadline_rx = shutdown.clone();
    let stop_accepting = async move {
        // Also stops when the `Bridge` handle is dropped (sender gone).
        let _ = shutdown.wait_for(Option::is_some).await;
    };
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    // Deliveries are small frames: send each batch at once (no Nagle delay).
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            warn!(%err, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(stop_accepting)
        .await
        .context("serving HTTP")?;
    let deadline = deadline_rx
        .borrow_and_update()
        .unwrap_or_else(|| Instant::now() + timeout);
    info!("stopped accepting connections; waiting for outstanding deliveries");
    // `None` once every session (and the router) has dropped its sender.
    let _ = tokio::time::timeout_at(deadline.into(), sessions_done.recv()).await;

    // Every producer delivers what it can until the deadline; the rest is
    // purged, which reports each purged record to its connection.
    let all = producers.all();
    let undelivered = tokio::task::spawn_blocking(move || {
        let mut undelivered = 0;
        for producer in &all {
            let _ = producer.flush(deadline.saturating_duration_since(Instant::now()));
            let left = producer.in_flight_count();
            if left > 0 {
                producer.purge(PurgeConfig::default().queue().inflight());
                undelivered += left;
            }
        }
        undelivered
    })
    .await
    .context("producer flush task panicked")?;
    if tokio::time::timeout(session::PURGE_GRACE, sessions_done.recv())
        .await
        .is_err()
    {
        warn!("sessions still open after the shutdown deadline");
    }
    // Dropping a producer joins its polling thread: not on an async thread.
    let all = producers.all();
    producers.live().clear();
    let _ = tokio::task::spawn_blocking(move || drop(all)).await;
    if undelivered > 0 {
        warn!(
            undelivered,
            "records could not be delivered before shutdown and were purged"
        );
    } else {
        info!("all records delivered; bridge stopped");
    }
    Ok(ShutdownReport { undelivered })
}
