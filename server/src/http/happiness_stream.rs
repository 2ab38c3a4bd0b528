//! `/happiness`: the seed happiness feed, over whatever the client speaks.
//!
//! - a WebSocket upgrade gets the seed socket ([`crate::sockets::happiness`]);
//! - `Accept: text/event-stream` gets Server-Sent Events, one `data:` per value;
//! - anything else (curl) gets one JSON object per line, flushed as each value comes.
//!
//! The streams end when the server shuts down, so they never hold up a graceful exit.

use std::{
    convert::Infallible,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{Stream, StreamExt};

use super::upgrades::{take_upgrade, wants_websocket};
use spectate_app::protocol::Topic;

use crate::{
    feeds::happiness::happiness_series,
    hub::{
        Hub, WireFormat,
        outbox::{Next, outbox},
        topics::StartFrom,
    },
    sockets::{self, subscriptions::SubscriptionSet},
    state::AppState,
};

/// `GET /happiness`.
pub async fn happiness(State(state): State<AppState>, req: Request) -> Response {
    if wants_websocket(req.headers()) {
        return match take_upgrade(req, &state).await {
            Ok(request) => sockets::happiness::upgrade(state.hub.clone(), request),
            Err(rejection) => rejection,
        };
    }
    let wants_sse = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    let frames = happiness_frames(state.hub.clone());
    if wants_sse {
        let events = frames.map(|frame| Ok::<_, Infallible>(Event::default().data(frame)));
        Sse::new(events)
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
            .into_response()
    } else {
        let lines = frames.map(|frame| Ok::<_, Infallible>(format!("{frame}\n")));
        let mut response = Body::from_stream(lines).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        );
        response
    }
}

/// `{"happiness":x}` texts as values arrive, until shutdown.
fn happiness_frames(hub: Arc<Hub>) -> impl Stream<Item = String> + Send + 'static {
    let (outbox, receiver) = outbox(hub.outbox_bounds());
    let mut feed = SubscriptionSet::new(hub.clone(), hub.next_conn_id(), outbox, WireFormat::Seed);
    if hub.in_cluster() {
        // The seed format has no snapshot to line up with: following in the
        // background is enough.
        let hub = hub.clone();
        tokio::spawn(async move { hub.follow(&[Topic::Series(happiness_series())]).await });
    }
    let subscribed = feed
        .add(&Topic::Series(happiness_series()), StartFrom::Fresh)
        .is_ok();
    let mut shutdown = hub.shutdown_signal();
    let stopped = async move { crate::hub::wait_for_shutdown(&mut shutdown).await };
    // Counts the stream as open, and keeps the subscription, for exactly as long as
    // the response body lives.
    let open = (OpenStream::new(hub), feed);
    // Ends when the outbox asks to close: the reader fell so far behind that its
    // queue overflowed.
    let batches = futures::stream::unfold(receiver, |mut receiver| async move {
        let mut batch = Vec::new();
        loop {
            match receiver.next(&mut batch).await {
                Next::Write => return Some((std::mem::take(&mut batch), receiver)),
                Next::Ping => continue,
                Next::Close(_) | Next::End => return None,
            }
        }
    });
    batches
        .take_while(move |_| std::future::ready(subscribed))
        .flat_map(move |batch| {
            let _alive = &open;
            futures::stream::iter(batch.into_iter().map(|q| q.frame.to_string()))
        })
        .take_until(stopped)
}

#[derive(Debug)]
struct OpenStream(Arc<Hub>);

impl OpenStream {
    fn new(hub: Arc<Hub>) -> Self {
        hub.stats.streams.fetch_add(1, Ordering::Relaxed);
        Self(hub)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.stats.streams.fetch_sub(1, Ordering::Relaxed);
    }
}
