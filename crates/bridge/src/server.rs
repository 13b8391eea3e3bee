//! The HTTP side: routes, the origin check before the upgrade, and the
//! bridge's lifecycle (start, graceful shutdown, final producer flush).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rdkafka::producer::Producer as _;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tower_http::services::ServeDir;
use tracing::{info, warn};

use crate::config::BridgeConfig;
use crate::kafka;
use crate::security::check_origin;
use crate::session;

/// State shared by every connection. Each live session holds a clone of the
/// `Arc`, so `_sessions` tells the shutdown when the last one has ended.
pub(crate) struct Shared {
    pub(crate) producer: kafka::Producer,
    pub(crate) bootstrap_servers: String,
    pub(crate) token: Option<String>,
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) shutdown: watch::Receiver<bool>,
    pub(crate) shutdown_timeout: Duration,
    _sessions: mpsc::Sender<()>,
}

/// What a shutdown left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Records librdkafka still held (undelivered) when the flush timed out.
    pub undelivered: i32,
}

/// A running bridge. Dropping it without [`Bridge::shutdown`] also stops it,
/// without waiting.
pub struct Bridge {
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<ShutdownReport>>,
}

impl Bridge {
    /// Creates the producer, binds `config.listen` (port 0 picks a free port)
    /// and starts serving in the background.
    pub async fn start(config: BridgeConfig) -> anyhow::Result<Bridge> {
        let producer = kafka::create_producer(&config)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        let local_addr = listener.local_addr()?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (sessions, sessions_done) = mpsc::channel(1);
        let timeout = config.shutdown_timeout();
        let shared = Arc::new(Shared {
            producer: producer.clone(),
            bootstrap_servers: config.bootstrap_servers.clone(),
            token: config.token.clone(),
            allowed_origins: config.allowed_origins.clone(),
            shutdown: shutdown_rx.clone(),
            shutdown_timeout: timeout,
            _sessions: sessions,
        });
        let app = router(shared, &config);
        info!(
            url = %format!("ws://{local_addr}/ws"),
            bootstrap_servers = %config.bootstrap_servers,
            allowed_origins = ?config.allowed_origins,
            serve_dir = ?config.serve_dir,
            token = config.token.is_some(),
            "producer-bridge listening"
        );
        let task = tokio::spawn(serve(
            listener,
            app,
            shutdown_rx,
            sessions_done,
            producer,
            timeout,
        ));
        Ok(Bridge {
            local_addr,
            shutdown,
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

    /// Stops accepting, lets sessions report outstanding deliveries (bounded by
    /// the shutdown timeout), flushes the producer and reports what was left.
    pub async fn shutdown(self) -> anyhow::Result<ShutdownReport> {
        self.shutdown.send_replace(true);
        self.task.await.context("bridge task panicked")?
    }

    /// Serves until `signal` completes (or the server fails), then shuts down.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()>,
    ) -> anyhow::Result<ShutdownReport> {
        let Bridge {
            shutdown, mut task, ..
        } = self;
        tokio::select! {
            () = signal => info!("shutdown requested"),
            result = &mut task => return result.context("bridge task panicked")?,
        }
        shutdown.send_replace(true);
        task.await.context("bridge task panicked")?
    }
}

fn router(shared: Arc<Shared>, config: &BridgeConfig) -> Router {
    let router = Router::new()
        .route("/ws", get(ws_handler))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(shared);
    match &config.serve_dir {
        // ServeDir guesses the MIME type from the extension (`.wasm` is `application/wasm`).
        Some(dir) => router.fallback_service(ServeDir::new(dir)),
        None => router,
    }
}

/// Refuses foreign origins before upgrading, then runs the session.
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
    if let Err(reason) = check_origin(origin, &shared.allowed_origins) {
        warn!(%peer, %reason, "refused WebSocket handshake");
        return (StatusCode::FORBIDDEN, reason).into_response();
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade.on_upgrade(move |socket| session::run(socket, shared, peer.to_string()))
}

async fn serve(
    listener: TcpListener,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
    mut sessions_done: mpsc::Receiver<()>,
    producer: kafka::Producer,
    timeout: Duration,
) -> anyhow::Result<ShutdownReport> {
    let deadline_after_signal = async move {
        // Also stops when the `Bridge` handle is dropped (sender gone).
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(deadline_after_signal)
        .await
        .context("serving HTTP")?;
    let deadline = Instant::now() + timeout;
    info!("stopped accepting connections; waiting for open sessions");
    // `None` once every session (and the router) has dropped its sender.
    if tokio::time::timeout_at(deadline, sessions_done.recv())
        .await
        .is_err()
    {
        warn!("sessions still open at the shutdown deadline");
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    let undelivered = tokio::task::spawn_blocking(move || {
        if let Err(err) = producer.flush(remaining) {
            warn!(%err, "producer flush did not complete");
        }
        producer.in_flight_count()
    })
    .await
    .context("producer flush task panicked")?;
    if undelivered > 0 {
        warn!(
            undelivered,
            "records could not be delivered before shutdown"
        );
    } else {
        info!("all records delivered; bridge stopped");
    }
    Ok(ShutdownReport { undelivered })
}
