//! Test support: a throwaway tansu broker, topic creation, and a WebSocket client.
//!
//! Rule: a missing tansu binary skips the broker tests loudly on a developer
//! machine and fails them in CI (`CI=true`), where a missing broker is a bug.

#![allow(dead_code)] // each test binary uses a different subset

use std::fs::File;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use producer_bridge::{Bridge, BridgeConfig};
use producer_wire::{BridgeFrame, BridgeMessage, ClientFrame};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::producer::{BaseProducer, Producer as _};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a broker may take to accept Kafka requests on a loaded machine.
const BROKER_READY_TIMEOUT: Duration = Duration::from_secs(90);

/// A tansu broker with in-memory storage on a free loopback port, killed
/// (SIGKILL) on drop.
pub struct Tansu {
    child: Child,
    bootstrap: String,
    log: PathBuf,
}

impl Tansu {
    /// Starts a broker and waits until it answers a metadata request. `None`
    /// means tansu is not installed and the test should return (not in CI).
    pub async fn start_or_skip(test: &str) -> Option<Tansu> {
        let Some(bin) = find_tansu() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "tansu is not installed but CI=true: install it (cargo install tansu --locked \
                     --features dynostore) or set TANSU_BIN"
                );
            }
            // Straight to stderr, past the test harness's capture, so it is seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: tansu not installed; {test} needs a Kafka broker. \
                 Install it with `cargo install tansu --locked --features dynostore` or set TANSU_BIN. ***\n"
            );
            return None;
        };
        let mut last_error = String::new();
        // A port picked free can be taken before tansu binds it: try a few.
        for _attempt in 0..3 {
            match Self::spawn(&bin).await {
                Ok(tansu) => return Some(tansu),
                Err(err) => last_error = err,
            }
        }
        panic!("tansu did not start: {last_error}");
    }

    async fn spawn(bin: &Path) -> Result<Tansu, String> {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("producer-bridge-tansu-{port}.log"));
        let mut tansu = Tansu {
            child: spawn_tansu(bin, port, &log)?,
            bootstrap: format!("127.0.0.1:{port}"),
            log,
        };
        tansu.wait_ready().await?;
        Ok(tansu)
    }

    /// Kills the broker with SIGKILL (tansu treats SIGTERM as a graceful
    /// stop) and waits until the process is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the broker again on the same port (its memory storage starts
    /// empty: topics must be created again) and waits until it answers.
    pub async fn restart(&mut self) {
        let bin = find_tansu().expect("tansu was found before");
        let port: u16 = self.bootstrap.rsplit(':').next().unwrap().parse().unwrap();
        let deadline = Instant::now() + BROKER_READY_TIMEOUT;
        // The port may linger briefly after the kill: retry the bind.
        loop {
            self.child = spawn_tansu(&bin, port, &self.log).expect("spawning tansu");
            match self.wait_ready().await {
                Ok(()) => return,
                Err(err) if Instant::now() < deadline => {
                    eprintln!("tansu restart on {port} failed, retrying: {err}");
                    self.kill();
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(err) => panic!("tansu did not restart on {port}: {err}"),
            }
        }
    }

    /// Polls metadata until the broker answers, the process exits, or the deadline passes.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let deadline = started + BROKER_READY_TIMEOUT;
        let producer: BaseProducer = client_config(&self.bootstrap)
            .create()
            .map_err(|e| e.to_string())?;
        let producer = std::sync::Arc::new(producer);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "tansu exited with {status}; log:\n{}",
                    self.log_text()
                ));
            }
            let p = producer.clone();
            let ok = tokio::task::spawn_blocking(move || {
                p.client()
                    .fetch_metadata(None, Duration::from_secs(2))
                    .is_ok()
            })
            .await
            .unwrap();
            if ok {
                eprintln!(
                    "tansu ready on {} after {:?}",
                    self.bootstrap,
                    started.elapsed()
                );
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "tansu did not answer metadata within {BROKER_READY_TIMEOUT:?}; log:\n{}",
                    self.log_text()
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `host:port` for `bootstrap.servers`.
    /// The broker's process id (the bench reads its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Creates a topic and waits until its metadata shows every partition.
    pub async fn create_topic(&self, name: &str, partitions: i32) {
        let admin: AdminClient<DefaultClientContext> = client_config(&self.bootstrap)
            .create()
            .expect("admin client");
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
        let results = admin
            .create_topics([&topic], &options)
            .await
            .expect("CreateTopics request");
        for result in results {
            result.unwrap_or_else(|(topic, code)| panic!("creating topic {topic}: {code:?}"));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let bootstrap = self.bootstrap.clone();
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || {
            let producer: BaseProducer = client_config(&bootstrap).create().unwrap();
            loop {
                if let Ok(md) = producer
                    .client()
                    .fetch_metadata(Some(&name), Duration::from_secs(5))
                    && let Some(t) = md.topics().iter().find(|t| t.name() == name)
                    && t.error().is_none()
                    && t.partitions().len() == partitions as usize
                {
                    return;
                }
                assert!(
                    std::time::Instant::now() < deadline.into_std(),
                    "topic {name} not visible with {partitions} partitions"
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        })
        .await
        .unwrap();
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        // std's kill sends SIGKILL: no graceful shutdown needed for a memory:// broker.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Spawns tansu on a loopback port, appending its output to `log`.
fn spawn_tansu(bin: &Path, port: u16, log: &Path) -> Result<Child, String> {
    let url = format!("tcp://127.0.0.1:{port}");
    let log_file = File::options()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("opening {}: {e}", log.display()))?;
    let log_err = log_file.try_clone().map_err(|e| e.to_string())?;
    Command::new(bin)
        .args(tansu_args(&url))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::from(log_file))
        .stderr(Stdio::from(log_err))
        .spawn()
        .map_err(|e| format!("spawning {}: {e}", bin.display()))
}

/// The command line: a single broker with in-memory storage on `url`,
/// advertising that same address.
pub fn tansu_args(url: &str) -> Vec<String> {
    [
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]
    .map(String::from)
    .to_vec()
}

/// `TANSU_BIN`, then `~/.cargo/bin/tansu`, then `tansu` on `PATH`.
pub fn find_tansu() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("TANSU_BIN") {
        let bin = PathBuf::from(bin);
        assert!(bin.is_file(), "TANSU_BIN={} is not a file", bin.display());
        return Some(bin);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(bin) = cargo_home.map(|home| home.join("bin").join("tansu"))
        && bin.is_file()
    {
        return Some(bin);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("tansu"))
        .find(|bin| bin.is_file())
}

/// A minimal HTTP/1.0 GET: status line, headers and body as text.
pub async fn http_get(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = vec![];
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut response))
        .await
        .expect("HTTP response in time")
        .unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Client settings for test-side admin and metadata clients.
pub fn client_config(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("socket.timeout.ms", "10000")
        .set("log_level", "3");
    config
}

/// A bridge on a free loopback port that may produce to any topic.
pub async fn start_bridge(bootstrap: &str, adjust: impl FnOnce(&mut BridgeConfig)) -> Bridge {
    let mut config = BridgeConfig::new(bootstrap);
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.shutdown_timeout = 30;
    config.allowed_topics = vec!["*".into()];
    adjust(&mut config);
    Bridge::start(config).await.expect("bridge starts")
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The test side of one WebSocket connection, split so that one task can
/// send while another reads.
pub struct Client {
    pub tx: ClientTx,
    pub rx: ClientRx,
}

pub struct ClientTx(SplitSink<Ws, Message>);

pub struct ClientRx(SplitStream<Ws>);

impl Client {
    pub async fn connect(url: &str) -> Client {
        let (ws, _response) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
        Client::from_stream(ws)
    }

    pub fn from_stream(ws: Ws) -> Client {
        let (tx, rx) = ws.split();
        Client {
            tx: ClientTx(tx),
            rx: ClientRx(rx),
        }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.tx.send(frame).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.tx.send_raw(text).await;
    }

    pub async fn recv(&mut self) -> BridgeFrame {
        self.rx.recv().await
    }

    pub async fn recv_any(&mut self) -> BridgeMessage {
        self.rx
            .recv_any_until(Instant::now() + Duration::from_secs(60))
            .await
    }
}

impl ClientTx {
    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_raw(&frame.to_json()).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.send_message(Message::text(text)).await;
    }

    pub async fn send_message(&mut self, message: Message) {
        self.0.send(message).await.expect("websocket send");
    }
}

impl ClientRx {
    /// The next frame from the bridge; panics at the deadline or on close.
    pub async fn recv_until(&mut self, deadline: Instant) -> BridgeFrame {
        match self.next_message(deadline).await {
            Some(Message::Text(text)) => BridgeFrame::parse(&text).expect("bridge frames decode"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    pub async fn recv(&mut self) -> BridgeFrame {
        self.recv_until(Instant::now() + Duration::from_secs(60))
            .await
    }

    /// The next frame of either kind (a configured connection also gets
    /// `configured`, `config_rejected` and `stats`).
    pub async fn recv_any_until(&mut self, deadline: Instant) -> BridgeMessage {
        match self.next_message(deadline).await {
            Some(Message::Text(text)) => BridgeMessage::parse(&text).expect("bridge frames decode"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The next data or close message, or `None` when the stream ended.
    pub async fn next_message(&mut self, deadline: Instant) -> Option<Message> {
        loop {
            let message = tokio::time::timeout_at(deadline, self.0.next())
                .await
                .expect("no frame from the bridge before the deadline");
            match message {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(message)) => return Some(message),
                Some(Err(err)) => panic!("websocket read: {err}"),
                None => return None,
            }
        }
    }
}
