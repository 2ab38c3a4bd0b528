//! HTTPS built in (`--tls-cert`, `--tls-key`): a page, a tracker post and a `/ws`
//! socket over TLS, checked by a rustls client that trusts only the test's
//! self-signed certificate; HSTS on every HTTPS answer; the Origin check sees the
//! page's `https://` origin as the server's own. Bad certificate files stop the
//! server at start with a reason.

use std::{path::PathBuf, sync::Arc, time::Duration};

use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use spectate_app::protocol::RunnerId;
use spectate_server::{
    auth::{Subject, TokenKeys},
    config::Config,
    hub::now_ms,
    listener::tls::TlsFiles,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{TlsConnector, client::TlsStream};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

use crate::{
    helpers::{Client, PATIENCE, TestApp, refused, spawn_app, spawn_app_with},
    ingest::basic,
};

const SECRET: &str = "https-test-secret-https-test-secret-0123";

/// A self-signed certificate for `localhost`, written as PEM files in a new dir.
fn certificate(name: &str) -> (TlsFiles, CertificateDer<'static>) {
    let dir = std::env::temp_dir().join(format!("spectate-https-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let files = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&files.cert, made.cert.pem()).unwrap();
    std::fs::write(&files.key, made.signing_key.serialize_pem()).unwrap();
    (files, made.cert.der().clone())
}

/// A TLS connection to `app` as `localhost`, trusting `root` only.
async fn tls(app: &TestApp, root: &CertificateDer<'static>) -> TlsStream<TcpStream> {
    tls_connect(app.addr, "localhost", root)
        .await
        .expect("the TLS handshake succeeds with the trusted certificate")
}

/// A TLS connection to `addr` for the name `name`, trusting `root` only.
pub(crate) async fn tls_connect(
    addr: std::net::SocketAddr,
    name: &str,
    root: &CertificateDer<'static>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await?;
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(name.to_owned()).unwrap(), tcp)
        .await
}

/// One HTTP/1.1 exchange over a new TLS connection: (status, head, body).
async fn https(
    app: &TestApp,
    root: &CertificateDer<'static>,
    request: &str,
) -> (u16, String, String) {
    exchange(tls(app, root).await, request).await
}

/// One HTTP/1.1 exchange over `stream`, which the answer ends: (status, head, body).
pub(crate) async fn exchange(
    mut stream: TlsStream<TcpStream>,
    request: &str,
) -> (u16, String, String) {
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer))
        .await
        .expect("the answer ends")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head[9..12].parse().expect("a status");
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn runner_token(bib: &str) -> String {
    TokenKeys::new(SECRET.as_bytes()).issue(
        &Subject::Runner(RunnerId::parse(bib).unwrap()),
        Duration::from_secs(600),
    )
}

/// A `/ws` socket over TLS with this `Origin`, or the refusal's status.
async fn wss(
    app: &TestApp,
    root: &CertificateDer<'static>,
    path: &str,
    origin: &str,
) -> Result<Client<TlsStream<TcpStream>>, u16> {
    let mut request = format!("wss://localhost:{}{path}", app.addr.port())
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    let stream = tls(app, root).await;
    match tokio_tungstenite::client_async(request, stream).await {
        Ok((ws, _)) => Ok(Client { ws }),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn pages_trackers_and_sockets_work_over_https_with_hsts() {
    let (files, root) = certificate("serve");
    let app = spawn_app_with(Config {
        open_publishing: false,
        secret: Some(SECRET.to_owned()),
        tls: Some(files),
        ..Config::for_tests()
    })
    .await;
    let host = format!("localhost:{}", app.addr.port());

    // A page.
    let (status, head, body) = https(
        &app,
        &root,
        &format!("GET / HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("<html"), "{body}");
    assert!(
        head.contains("strict-transport-security: max-age=31536000"),
        "{head}"
    );

    // The Origin check: our page is https://host now, so a runner's socket from it
    // is accepted, and one from http://host (another origin) is not.
    let token = runner_token("7");
    let path = format!("/ws?token={token}");
    assert_eq!(
        wss(&app, &root, &path, &format!("http://{host}"))
            .await
            .err(),
        Some(403)
    );
    let mut phone = wss(&app, &root, &path, &format!("https://{host}"))
        .await
        .expect("the page's own origin is trusted over HTTPS");
    phone.expect_welcome().await;
    assert_eq!(phone.next_json().await["type"], "authed");

    // A follower over TLS gets the fix an OwnTracks post brings over TLS.
    let mut fan = wss(&app, &root, "/ws", &format!("https://{host}"))
        .await
        .unwrap();
    fan.expect_welcome().await;
    fan.send_json(json!({"type": "subscribe", "topics": ["runner:7"]}))
        .await;
    assert_eq!(fan.next_json().await["type"], "snapshot");
    let location =
        json!({"_type": "location", "lat": 48.5, "lon": 2.25, "tst": now_ms() / 1000}).to_string();
    let (status, head, _) = https(
        &app,
        &root,
        &format!(
            "POST /api/owntracks HTTP/1.1\r\nhost: {host}\r\nauthorization: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{location}",
            basic("7", &token),
            location.len()
        ),
    )
    .await;
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("x-spectate-outcome: published"), "{head}");
    let fix = fan.next_json().await;
    assert_eq!(fix["data"]["lat"], 48.5, "{fix}");

    // Plain HTTP servers send no HSTS (it would pin browsers to a scheme they lack).
    let plain = spawn_app().await;
    let response = reqwest::get(plain.url("/healthz")).await.unwrap();
    assert!(!response.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn unusable_certificates_stop_the_server_with_a_reason() {
    let (files, _) = certificate("bad");
    let (other, _) = certificate("other");
    let missing = PathBuf::from("/nonexistent/cert.pem");
    let cases: [(&PathBuf, &PathBuf, &str); 4] = [
        (&missing, &files.key, "No such file"),
        (&files.key, &files.key, "no certificate in it"),
        (&files.cert, &files.cert, "no private key in it"),
        (&files.cert, &other.key, "is not the key of the certificate"),
    ];
    for (cert, key, reason) in cases {
        let stderr = refused(&[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            std::env::temp_dir()
                .join("spectate-https-refused")
                .to_str()
                .unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .await;
        assert!(stderr.contains(reason), "{cert:?} {key:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let stderr = refused(&["serve", "--tls-cert", files.cert.to_str().unwrap()]).await;
    assert!(stderr.contains("--tls-key"), "{stderr}");
}

#[tokio::test]
async fn a_client_that_stalls_its_tls_handshake_is_cut_off() {
    let (files, root) = certificate("stall");
    let app = spawn_app_with(Config {
        tls: Some(files),
        limits: spectate_server::config::Limits {
            handshake_timeout: Duration::from_millis(500),
            ..Default::default()
        },
        ..Config::for_tests()
    })
    .await;
    // Connects and sends no ClientHello at all, then half of one.
    for opening in [&b""[..], &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01][..]] {
        let mut stalled = TcpStream::connect(app.addr).await.unwrap();
        stalled.write_all(opening).await.unwrap();
        let started = tokio::time::Instant::now();
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(5), stalled.read(&mut buf))
            .await
            .expect("the server closes the connection");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "{:?}",
            started.elapsed()
        );
    }
    // Others are served meanwhile and after.
    let (status, _, _) = https(
        &app,
        &root,
        "GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn over_its_connection_limit_a_tls_client_still_reads_its_429() {
    let (files, root) = certificate("limit");
    let app = spawn_app_with(Config {
        tls: Some(files),
        limits: spectate_server::config::Limits {
            max_http_connections_per_ip: 1,
            ..Default::default()
        },
        ..Config::for_tests()
    })
    .await;
    // The one place, held by a connection that has sent no request yet.
    let _held = tls(&app, &root).await;
    let (status, _, body) = https(
        &app,
        &root,
        "GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("limit of 1 connections"), "{body}");
}
