//! A deadline for request bodies (`--body-timeout-secs`).
//!
//! Hyper bounds the time a client takes to send its request headers, but not its
//! body: a POST that trickles one byte every two seconds held its connection, a task
//! and a file descriptor for as long as the client liked (the audit kept one past
//! 30 s, and 1,100 of them starved the server of descriptors). Every body here is
//! small (a tracker's fix, a batch of at most a few thousand), so this layer reads
//! the whole body before the handler runs, and a body that has not arrived within
//! the deadline is answered 408 and its connection closed.

use std::time::Duration;

use axum::{
    body::{Body, HttpBody},
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The largest body read: axum's own default limit for its body extractors.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The time a request's whole body has to arrive.
#[derive(Clone, Copy, Debug)]
pub struct BodyDeadline(pub Duration);

/// The layer's function: reads the body within the deadline, then runs the handler
/// with it; 408, 413 or 400 with the reason otherwise.
pub async fn guard(
    State(BodyDeadline(deadline)): State<BodyDeadline>,
    request: Request,
    next: Next,
) -> Response {
    // GETs, WebSocket upgrades: nothing to wait for.
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is over the limit of {MAX_BODY_BYTES} bytes"),
        );
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(err)) => refuse(
            StatusCode::BAD_REQUEST,
            &format!("the request body could not be read: {err}"),
        ),
        Err(_) => refuse(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the request body did not arrive within {} s; send it again",
                deadline.as_secs_f64()
            ),
        ),
    }
}

/// An answer that also closes the connection: what is left of the body is not read.
fn refuse(status: StatusCode, reason: &str) -> Response {
    (
        status,
        [(header::CONNECTION, "close")],
        format!("{reason}\n"),
    )
        .into_response()
}
