//! Plain HTTP under limits (issue 16, item 4): a body must arrive in time, one
//! address holds a bounded number of connections, cleartext HTTP/2 is refused, and
//! the binary takes the open-file limit it may and backs off when out of
//! descriptors.

use std::{net::SocketAddr, process::Stdio, time::Duration};

use spectate_server::config::Limits;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    time::Instant,
};

use super::helpers::{PATIENCE, spawn_app_with_limits};

/// Reads what `stream` sends until it closes, or for at most `wait`; returns the
/// bytes as text and whether the server closed the connection.
async fn read_until_closed(
    stream: &mut (impl AsyncReadExt + Unpin),
    wait: Duration,
) -> (String, bool) {
    let deadline = Instant::now() + wait;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), false),
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&seen).into_owned(), true),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Sends `request` on a new connection and returns the whole answer.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_until_closed(&mut stream, PATIENCE).await.0
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";

#[tokio::test]
async fn a_body_that_trickles_in_is_answered_408_once_its_deadline_passes() {
    let app = spawn_app_with_limits(Limits {
        body_timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .await;
    let (mut read, mut write) = TcpStream::connect(app.addr).await.unwrap().into_split();
    write
        .write_all(b"POST /api/fixes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[")
        .await
        .unwrap();
    let started = Instant::now();
    // One byte every 300 ms: the 100 bytes would take half a minute.
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if write.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let (answer, closed) = read_until_closed(&mut read, Duration::from_secs(5)).await;
    trickle.abort();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("did not arrive within 1 s"), "{answer}");
    assert!(closed, "the connection is closed after the 408");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // A prompt client is served as usual.
    assert!(
        exchange(app.addr, HEALTHZ)
            .await
            .starts_with("HTTP/1.1 200")
    );
}

#[tokio::test]
async fn an_address_over_its_http_connection_limit_is_answered_429_with_the_reason() {
    let app = spawn_app_with_limits(Limits {
        max_http_connections_per_ip: 4,
        ..Limits::default()
    })
    .await;
    // Four connections that never finish their request.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        held.push(stream);
    }
    let answer = exchange(app.addr, HEALTHZ).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer:?}");
    assert!(answer.contains("limit of 4 connections"), "{answer}");
    // One leaves, and its place comes back.
    drop(held.pop());
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = exchange(app.addr, HEALTHZ).await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "{answer}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A WebSocket stops counting once upgraded: more sockets than the HTTP limit.
    drop(held);
    let mut sockets = Vec::new();
    for _ in 0..6 {
        let mut socket = app.connect("/ws").await;
        socket.expect_welcome().await;
        sockets.push(socket);
    }
}

#[tokio::test]
async fn cleartext_http2_is_refused_not_held_open() {
    let app = spawn_app_with_limits(Limits::default()).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    // The HTTP/2 connection preface and an empty SETTINGS frame (prior knowledge).
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed, "an h2c connection is closed at once, not held open");
    // No HTTP/2 frame back (an h2 server's first is its SETTINGS, type 4).
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 "),
        "{:?}",
        answer.as_bytes()
    );
}

/// The soft and hard open-file limits of process `pid`.
fn open_file_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    (fields[3].to_owned(), fields[4].to_owned())
}

/// Starts the binary through `sh -c "<ulimit>; exec spectate serve ..."`, so that it
/// starts with those limits; returns it, its address and its log lines (the log
/// goes to standard output).
async fn serve_with_ulimit(
    ulimit: &str,
    args: &[&str],
) -> (
    tokio::process::Child,
    SocketAddr,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let data = std::env::temp_dir().join(format!(
        "spectate-ulimit-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let mut server = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{ulimit}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_spectate"))
        .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "text"])
        .arg("--data-dir")
        .arg(&data)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(PATIENCE, async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Spectate is running at http://") {
                return url.trim().parse::<SocketAddr>().unwrap();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .unwrap();
    let (lines, log) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stdout.next_line().await {
            let _ = lines.send(line);
        }
    });
    (server, addr, log)
}

#[tokio::test]
async fn the_server_raises_its_soft_open_file_limit_to_the_hard_limit_at_start() {
    let (server, _, _) = serve_with_ulimit("ulimit -Sn 64", &[]).await;
    let (soft, hard) = open_file_limits(server.id().unwrap());
    assert_eq!(soft, hard, "the soft limit is raised to the hard one");
}

#[tokio::test]
async fn out_of_file_descriptors_the_server_backs_off_quietly_and_recovers() {
    // Soft and hard limits of 64 descriptors; half-sent requests hold them.
    let (_server, addr, mut log) = serve_with_ulimit(
        "ulimit -n 64",
        &[
            "--max-http-connections-per-ip",
            "1000",
            "--handshake-timeout-secs",
            "30",
        ],
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut failures = 0;
    while let Ok(line) = log.try_recv() {
        if line.contains("accept failed") {
            failures += 1;
        }
    }
    assert!(
        (1..=2).contains(&failures),
        "{failures} warnings about failed accepts in 2 s"
    );
    // The descriptors come back, and so does the service.
    drop(held);
    let answer = tokio::time::timeout(Duration::from_secs(5), exchange(addr, HEALTHZ))
        .await
        .expect("served again within seconds");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
