//! Starting a server and talking to it.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use spectate_server::{
    config::{Config, Limits},
    hub::{Hub, stats::StatsSnapshot},
    startup::Application,
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
    sync::oneshot,
    task::JoinHandle,
};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, protocol::CloseFrame},
};

/// How long a test waits for something that should happen.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

pub(crate) struct TestApp {
    pub(crate) addr: SocketAddr,
    #[allow(dead_code)]
    pub(crate) hub: Arc<Hub>,
    stop: Option<oneshot::Sender<()>>,
    pub(crate) task: Option<JoinHandle<std::io::Result<()>>>,
}

pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(Config::for_tests()).await
}

/// The test server with these limits.
pub(crate) async fn spawn_app_with_limits(limits: Limits) -> TestApp {
    spawn_app_with(Config {
        limits,
        ..Config::for_tests()
    })
    .await
}

/// A WebSocket upgrade request made by hand, to read a refusal's status and body.
pub(crate) async fn raw_upgrade(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .expect("the server answers")
}

pub(crate) async fn spawn_app_with(config: Config) -> TestApp {
    let app = Application::build(config).await.expect("server starts");
    let addr = app.addr();
    let hub = app.hub();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        hub,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestApp {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) async fn connect(&self, path: &str) -> Client {
        let (ws, _) = connect_async(format!("ws://{}{path}", self.addr))
            .await
            .expect("websocket connects");
        Client { ws }
    }

    /// Opens a WebSocket on `path` with these extra request headers: the client, or
    /// the refusal's status and body.
    pub(crate) async fn connect_with(
        &self,
        path: &str,
        headers: &[(&'static str, String)],
    ) -> Result<Client, (u16, String)> {
        use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
        let mut request = format!("ws://{}{path}", self.addr)
            .into_client_request()
            .unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(*name, value.parse().unwrap());
        }
        match connect_async(request).await {
            Ok((ws, _)) => Ok(Client { ws }),
            Err(tungstenite::Error::Http(response)) => {
                let body = response
                    .body()
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                Err((response.status().as_u16(), body))
            }
            Err(err) => panic!("{err}"),
        }
    }

    /// The body of `GET path`, as text.
    pub(crate) async fn get_text(&self, path: &str) -> String {
        reqwest::get(self.url(path))
            .await
            .expect("the server answers")
            .text()
            .await
            .expect("a text body")
    }

    /// The body of `GET path`, as JSON.
    pub(crate) async fn get_json(&self, path: &str) -> Value {
        serde_json::from_str(&self.get_text(path).await).expect("a JSON body")
    }

    pub(crate) async fn stats(&self) -> StatsSnapshot {
        reqwest::get(self.url("/api/stats"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Polls `/api/stats` until `ok` holds, or fails with the last snapshot.
    pub(crate) async fn wait_for_stats(
        &self,
        what: &str,
        ok: impl Fn(&StatsSnapshot) -> bool,
    ) -> StatsSnapshot {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let stats = self.stats().await;
            if ok(&stats) {
                return stats;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}: {stats:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Begins graceful shutdown.
    pub(crate) fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A WebSocket client, over plain TCP unless a test says otherwise (TLS).
pub(crate) struct Client<S = MaybeTlsStream<TcpStream>> {
    pub(crate) ws: WebSocketStream<S>,
}

/// What a client saw next.
#[derive(Debug)]
pub(crate) enum Seen {
    Text(String),
    Closed(Option<CloseFrame>),
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub(crate) async fn send_text(&mut self, text: impl Into<String>) {
        self.ws
            .send(Message::Text(text.into().into()))
            .await
            .expect("send");
    }

    pub(crate) async fn send_json(&mut self, value: Value) {
        self.send_text(value.to_string()).await;
    }

    /// The next text frame or close, skipping pings; panics after [`PATIENCE`].
    pub(crate) async fn next(&mut self) -> Seen {
        self.next_within(PATIENCE)
            .await
            .expect("a frame arrives in time")
    }

    pub(crate) async fn next_within(&mut self, wait: Duration) -> Option<Seen> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Message::Text(t))) => return Some(Seen::Text(t.to_string())),
                Some(Ok(Message::Close(frame))) => return Some(Seen::Closed(frame)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Seen::Closed(None)),
            }
        }
    }

    pub(crate) async fn next_text(&mut self) -> String {
        match self.next().await {
            Seen::Text(t) => t,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    pub(crate) async fn next_json(&mut self) -> Value {
        serde_json::from_str(&self.next_text().await).expect("server sends JSON")
    }

    /// The first JSON frame that `wanted` accepts, within [`PATIENCE`].
    pub(crate) async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            assert!(tokio::time::Instant::now() < deadline, "no such frame");
            let frame = self.next_json().await;
            if wanted(&frame) {
                return frame;
            }
        }
    }

    /// Asserts that nothing arrives for `wait`.
    pub(crate) async fn expect_silence(&mut self, wait: Duration) {
        if let Some(seen) = self.next_within(wait).await {
            panic!("expected nothing, got {seen:?}");
        }
    }

    /// Reads until a close frame and returns its code and reason.
    pub(crate) async fn expect_close(&mut self) -> (u16, String) {
        loop {
            match self.next().await {
                Seen::Closed(Some(frame)) => {
                    return (u16::from(frame.code), frame.reason.to_string());
                }
                Seen::Closed(None) => panic!("connection ended without a close frame"),
                Seen::Text(_) => continue,
            }
        }
    }

    /// For `/ws`: reads the welcome frame.
    pub(crate) async fn expect_welcome(&mut self) -> Value {
        let welcome = self.next_json().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        welcome
    }
}

/// Starts the real `spectate serve` binary with `args` (a server a test can really
/// kill) and returns it with the base URL it says it listens on (`http://...`). Its
/// output keeps being drained, so it never blocks on a full pipe.
pub(crate) async fn spawn_binary(args: &[&std::ffi::OsStr]) -> (tokio::process::Child, String) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let base = tokio::time::timeout(PATIENCE, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Spectate is running at ") {
                return url.trim().to_owned();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server says where it listens");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (server, base)
}

/// Runs `spectate load --quiet --url <urls> <args>`, which must succeed, and returns
/// its JSON summary.
pub(crate) async fn run_load(urls: &str, args: &[&str]) -> Value {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["load", "--quiet", "--url", urls])
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Runs the binary with `args`, which must fail; returns its stderr.
pub(crate) async fn refused(args: &[&str]) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success(), "{args:?} was accepted");
    String::from_utf8_lossy(&output.stderr).into_owned()
}
