//! The accept loop: every TCP connection gets hyper's HTTP/1 server, under limits
//! that keep one client from taking the server's sockets, and the loop stops cleanly
//! on shutdown.
//!
//! `axum::serve` would do, except that it sets no timer on hyper and has no limits:
//!
//! - **Request headers** must arrive within `--handshake-timeout-secs`, counted from
//!   the connection's start and again whenever a kept-alive connection waits for its
//!   next request, so a client that never finishes a request (slowloris), or holds
//!   an idle connection open, loses it. Request **bodies** have their own deadline
//!   ([`crate::http::body_deadline`]).
//! - **HTTP/1 only.** Cleartext HTTP/2 (h2c) has no header or idle deadline in
//!   hyper, and nothing needs it: browsers speak HTTP/2 only over TLS, to the proxy
//!   in front. An h2c preface is refused like any other malformed request.
//! - **Connections per address** (`--max-http-connections-per-ip`): one more is
//!   answered 429 with the reason and closed. A connection stops counting once it
//!   becomes a WebSocket, which the hub's own limits then govern. Trusted proxies
//!   ([`crate::proxy`]) carry many clients and are not capped.
//! - **Failed accepts** (out of file descriptors) pause the loop with a growing delay
//!   and are logged once in a while ([`accept_errors`]), instead of spinning.
//!
//! Upgraded WebSockets leave hyper's hands after the handshake, so their life is
//! governed by the hub's keepalive instead.

mod accept_errors;
pub mod acme;
pub mod https;
pub mod open_files;
pub mod tls;

use std::{convert::Infallible, future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::ConnectInfo,
    http::{HeaderValue, Request, header},
    response::Response,
};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpListener,
    sync::{mpsc, watch},
};
use tower::ServiceExt;

use crate::{
    hub::admission::Admission,
    proxy::{self, TrustedProxies},
};

/// How connections are accepted.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Deadline for a request's headers (and for an idle kept-alive connection).
    pub handshake_timeout: Duration,
    /// How long in-flight HTTP exchanges may take to finish at shutdown.
    pub drain: Duration,
    /// Disable Nagle's algorithm on accepted sockets. Off by default: the writers
    /// already coalesce frames, and under heavy fan-out Nagle's coalescing of
    /// successive flushes saves more CPU than it costs in latency (BENCHMARKS.md has
    /// both measurements).
    pub tcp_nodelay: bool,
    /// Open HTTP connections (not yet upgraded) from one address.
    pub max_connections_per_ip: usize,
    /// Proxies whose forwarded headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// HTTPS: every connection starts with a TLS handshake ([`tls`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl ServeOptions {
    /// The options `limits` set; in-flight exchanges get 5 s to finish at shutdown.
    pub fn new(
        limits: &crate::config::Limits,
        trusted_proxies: TrustedProxies,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Self {
        Self {
            handshake_timeout: limits.handshake_timeout,
            drain: Duration::from_secs(5),
            tcp_nodelay: limits.tcp_nodelay,
            max_connections_per_ip: limits.max_http_connections_per_ip,
            trusted_proxies,
            tls,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting and
/// gives in-flight HTTP exchanges up to `options.drain` to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.handshake_timeout);
    // Only the connection count per address matters here; the total is the
    // process's file limit.
    let per_address = Admission::new(usize::MAX, options.max_connections_per_ip, 0);
    // Each connection task holds a clone of `open`; `drained` ends when all are gone.
    let (open, mut drained) = mpsc::channel::<()>(1);
    let (stopping, stop) = watch::channel(false);
    let mut errors = accept_errors::AcceptErrors::default();
    let tls = options.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    tokio::pin!(shutdown);
    loop {
        if let Some(pause) = errors.pause() {
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = &mut shutdown => break,
            }
        }
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    errors.succeeded();
                    accepted
                }
                Err(err) => {
                    errors.failed(&err);
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if options.tcp_nodelay {
            let _ = stream.set_nodelay(true);
        }
        let slot = if options.trusted_proxies.trusts(peer.ip()) {
            None
        } else {
            match per_address.admit(proxy::limit_key(peer.ip())) {
                Ok(slot) => Some(slot),
                Err(refused) => {
                    let reason = refused.to_string();
                    match tls.clone() {
                        None => drop(tokio::spawn(refuse(stream, reason))),
                        Some(acceptor) => drop(tokio::spawn(async move {
                            let handshake = acceptor.accept(stream);
                            if let Ok(Ok(stream)) = tokio::time::timeout(REFUSAL, handshake).await {
                                refuse(stream, reason).await;
                            }
                        })),
                    }
                    continue;
                }
            }
        };
        let service = connection_service(&router, peer, &options.trusted_proxies, tls.is_some());
        let (builder, stop, open, acceptor) =
            (builder.clone(), stop.clone(), open.clone(), tls.clone());
        let handshake_timeout = options.handshake_timeout;
        tokio::spawn(async move {
            let _open = open;
            // The place is held until the exchange ends or the socket is upgraded
            // (the connection future then resolves).
            let _slot = slot;
            match acceptor {
                None => serve_one(&builder, stream, service, stop).await,
                Some(acceptor) => {
                    // The handshake has the request headers' deadline.
                    let handshake = acceptor.accept(stream);
                    if let Ok(Ok(stream)) = tokio::time::timeout(handshake_timeout, handshake).await
                    {
                        serve_one(&builder, stream, service, stop).await;
                    }
                }
            }
        });
    }
    drop(listener);
    stopping.send_replace(true);
    drop(open);
    let _ = tokio::time::timeout(options.drain, drained.recv()).await;
}

/// The service of one connection from `peer`: the router, with the client it serves
/// (behind a trusted proxy, per request) in each request's extensions, and HSTS on
/// every answer over TLS.
fn connection_service(
    router: &Router,
    peer: SocketAddr,
    proxies: &TrustedProxies,
    tls: bool,
) -> impl tower::Service<
    Request<Incoming>,
    Response = Response,
    Error = Infallible,
    Future = impl Send + 'static,
> + Clone
+ Send
+ 'static {
    let proxies = proxies.clone();
    // A direct TLS connection is HTTPS; a trusted proxy's own header says what the
    // client used.
    let direct_tls = tls && !proxies.trusts(peer.ip());
    router
        .clone()
        .map_request(move |mut request: Request<Incoming>| {
            // Per request: behind a proxy, one connection carries many clients.
            let mut client = proxies.client(peer.ip(), request.headers());
            client.https |= direct_tls;
            let extensions = request.extensions_mut();
            extensions.insert(ConnectInfo::<SocketAddr>(peer));
            extensions.insert(client);
            request
        })
        .map_response(move |mut response: Response| {
            if tls {
                response.headers_mut().insert(
                    header::STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static(tls::HSTS),
                );
            }
            response
        })
        .map_err(|never: Infallible| never)
}

/// Serves one connection (plain or TLS) with hyper's HTTP/1 and upgrades, until it
/// ends or the server stops; then lets the exchange in flight finish.
async fn serve_one<S>(
    builder: &http1::Builder,
    stream: impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
    service: S,
    mut stop: watch::Receiver<bool>,
) where
    S: tower::Service<Request<Incoming>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let connection = builder
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
        .with_upgrades();
    tokio::pin!(connection);
    let shutdown = async move {
        let _ = stop.wait_for(|stopping| *stopping).await;
    };
    // A failed exchange (client gone, a deadline) ends only this one.
    tokio::select! {
        _ = connection.as_mut() => {}
        () = shutdown => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// How long a refused TLS client has for its handshake before it is just closed.
const REFUSAL: Duration = Duration::from_secs(1);

/// Answers a connection over its address's limit with 429 and the reason, then
/// closes it. What the client already sent is read and dropped first, so that the
/// close does not reset the connection before the answer is read.
async fn refuse(mut stream: impl AsyncRead + AsyncWrite + Unpin, reason: String) {
    let body = format!("{reason}\n");
    let answer = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut left: usize = 64 * 1024;
        while left > 0 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => left = left.saturating_sub(n),
            }
        }
        std::io::Result::Ok(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), exchange).await;
}
