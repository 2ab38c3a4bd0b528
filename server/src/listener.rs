//! The accept loop: every TCP connection gets hyper's HTTP/1 server with a deadline for
//! its request headers, and the loop stops cleanly on shutdown.
//!
//! `axum::serve` would do, except that it sets no timer on hyper, so a client that
//! opens a connection and never finishes its request (slowloris) would hold a socket
//! and a task forever. Here the handshake deadline (`--handshake-timeout-secs`) closes
//! it. Upgraded WebSockets leave hyper's hands after the handshake, so their life is
//! governed by the hub's keepalive instead.

use std::{convert::Infallible, future::Future, net::SocketAddr, time::Duration};

use axum::{Router, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How connections are accepted.
#[derive(Clone, Copy, Debug)]
pub struct ServeOptions {
    /// Deadline for a connection's request headers.
    pub handshake_timeout: Duration,
    /// How long in-flight HTTP exchanges may take to finish at shutdown.
    pub drain: Duration,
    /// Disable Nagle's algorithm on accepted sockets. Off by default: the writers
    /// already coalesce frames, and under heavy fan-out Nagle's coalescing of
    /// successive flushes saves more CPU than it costs in latency (BENCHMARKS.md has
    /// both measurements).
    pub tcp_nodelay: bool,
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting and
/// gives in-flight HTTP exchanges up to `options.drain` to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) {
    let ServeOptions {
        handshake_timeout,
        drain,
        tcp_nodelay,
    } = options;
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(handshake_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before accept:
                    // wait a moment instead of spinning, and keep serving.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if tcp_nodelay {
            let _ = stream.set_nodelay(true);
        }
        let service = router
            .clone()
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                request
            })
            .map_err(|never: Infallible| never);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A failed exchange (client gone, handshake deadline) ends only this one.
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(drain, graceful.shutdown()).await;
}
