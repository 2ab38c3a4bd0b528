//! WebSocket endpoints, one module per protocol, and the plumbing they share.
//!
//! Every socket is split in two: a writer task that drains the connection's
//! [`Outbox`] (many queued frames per flush) and sends the close frame when asked, and
//! the protocol's read loop, which turns frames into hub calls. [`Connection`] owns the
//! pair and the cleanup: when it drops, the writer stops and the counters fall.
//!
//! - [`seed_spectate`]: the seed runner protocol on `/` and `/spectate`.
//! - [`seed_room`]: the seed broadcast room on `/room`.
//! - [`happiness`]: the seed happiness feed on `/happiness`.
//! - [`app_socket`]: Spectate's own typed protocol on `/ws`.

pub mod app_socket;
pub mod happiness;
pub mod publishing;
pub mod seed_room;
pub mod seed_spectate;
pub mod subscriptions;

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::{
    extract::{
        ConnectInfo, FromRequestParts, WebSocketUpgrade,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket},
    },
    http::{HeaderMap, StatusCode, Uri, request::Parts},
    response::{IntoResponse, Response},
};
use futures::{
    SinkExt, StreamExt,
    stream::{SplitSink, SplitStream},
};
use spectate_app::protocol::CloseCode;
use tokio::{sync::watch, task::JoinHandle, time::Instant};

use crate::auth::Handshake;
use crate::hub::{
    ConnId, Hub, Outbox, OutboxReceiver,
    admission::{Admitted, Refused},
    outbox::{CloseWatch, Queued, outbox},
    stats::{DropReason, GaugeGuard},
};

/// Everything a socket endpoint needs from the upgrade request.
#[derive(Debug)]
pub struct SocketRequest {
    /// The pending upgrade.
    pub upgrade: WebSocketUpgrade,
    /// Request headers (Origin, subprotocols).
    pub headers: HeaderMap,
    /// The request URI (`?token=`, `?v=`).
    pub uri: Uri,
    /// The client's address, for per-address limits.
    pub peer: IpAddr,
}

impl<S: Send + Sync> FromRequestParts<S> for SocketRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let upgrade = WebSocketUpgrade::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // Without connect info (a router used without it), all clients share one slot.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        Ok(Self {
            upgrade,
            headers: parts.headers.clone(),
            uri: parts.uri.clone(),
            peer,
        })
    }
}

/// Applies the frame-size limits to an upgrade. Tungstenite's own limit sits well above
/// ours so that an oversized frame normally reaches [`Connection::next_text`], which
/// closes with 1009 and a reason; only absurd frames are cut off by tungstenite itself.
pub fn configure(upgrade: WebSocketUpgrade, hub: &Hub) -> WebSocketUpgrade {
    let ours = hub.limits.max_frame_bytes;
    let hard = ours.saturating_mul(4).max(64 * 1024);
    upgrade
        .max_message_size(hard)
        .max_frame_size(hard)
        // Small buffers: most sockets are idle spectators.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(8 * 1024)
}

/// Admits the connection (total and per-address limits), checks the handshake (token,
/// Origin) and upgrades; or answers 503/429/401/403 with the reason. `run` then serves
/// the socket with what the handshake established.
pub fn accept<F, Fut>(hub: Arc<Hub>, request: SocketRequest, run: F) -> Response
where
    F: FnOnce(Connection, Handshake) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admitted = match hub.admission.admit(request.peer) {
        Ok(admitted) => admitted,
        Err(refused) => {
            hub.stats.dropped(DropReason::ConnectionLimit, 1);
            let status = match refused {
                Refused::Full(_) => StatusCode::SERVICE_UNAVAILABLE,
                Refused::TooManyFromAddress(_) => StatusCode::TOO_MANY_REQUESTS,
            };
            return (status, refused.to_string()).into_response();
        }
    };
    match hub.access.handshake(&request.headers, &request.uri) {
        Ok(handshake) => configure(request.upgrade, &hub).on_upgrade(move |socket| {
            run(Connection::open(socket, hub, Some(admitted)), handshake)
        }),
        Err(rejection) => rejection.into_response(),
    }
}

/// One open socket: its id, its outbox, its reading half and its writer task.
#[derive(Debug)]
pub struct Connection {
    /// Unique id of this connection.
    pub id: ConnId,
    /// Where frames for this client go.
    pub outbox: Outbox,
    /// The hub, for the protocol handler.
    pub hub: Arc<Hub>,
    stream: SplitStream<WebSocket>,
    /// Lets the reader stop as soon as anyone asks the socket to close.
    close: CloseWatch,
    writer: WriterTask,
    /// When the client was last heard from (any frame, pongs included).
    last_heard: Instant,
    /// The connection's place under the connection limits, given back on drop.
    _admitted: Option<Admitted>,
}

/// The writer task, aborted if the connection is dropped without [`Connection::finish`]
/// (e.g. the handler was cancelled), so no task outlives its socket.
#[derive(Debug)]
struct WriterTask(Option<JoinHandle<()>>);

impl Drop for WriterTask {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// What the read loop gets from [`Connection::next_text`].
#[derive(Debug)]
pub enum Inbound {
    /// A text frame within the size limit.
    Text(Utf8Bytes),
    /// The client closed, the socket failed, went idle, or we asked to close: stop.
    End,
}

impl Connection {
    /// Splits the socket and starts its writer.
    pub fn open(socket: WebSocket, hub: Arc<Hub>, admitted: Option<Admitted>) -> Self {
        let (sink, stream) = socket.split();
        let (outbox, receiver) = outbox(hub.outbox_bounds());
        let close = receiver.close.clone();
        let writer = tokio::spawn(write_loop(sink, receiver, hub.clone()));
        Self {
            id: hub.next_conn_id(),
            outbox,
            hub,
            stream,
            close,
            writer: WriterTask(Some(writer)),
            last_heard: Instant::now(),
            _admitted: admitted,
        }
    }

    /// Waits for the next text frame. Binary and oversized frames close the socket with
    /// their own code and reason, and so does silence past the idle timeout; pings are
    /// answered by the library.
    pub async fn next_text(&mut self) -> Inbound {
        let limits = self.hub.limits;
        loop {
            let idle_deadline = self.last_heard + limits.idle_timeout;
            let next = tokio::select! {
                biased;
                _ = self.close.requested() => return Inbound::End,
                () = tokio::time::sleep_until(idle_deadline) => {
                    self.hub.stats.dropped(DropReason::IdleTimeout, 1);
                    self.outbox.close(CloseCode::IdleTimeout, Some(format!(
                        "idle timeout: nothing from the client for {} s",
                        limits.idle_timeout.as_secs()
                    )));
                    return Inbound::End;
                }
                next = self.stream.next() => next,
            };
            self.last_heard = Instant::now();
            let message = match next {
                Some(Ok(message)) => message,
                Some(Err(err)) => {
                    // Tungstenite reports a frame over its hard limit as an error; say so.
                    if err.to_string().contains("too long") {
                        self.hub.stats.reject("too_large");
                        self.outbox.close(CloseCode::MessageTooBig, None);
                    }
                    return Inbound::End;
                }
                None => return Inbound::End,
            };
            match message {
                Message::Text(text) if text.len() > limits.max_frame_bytes => {
                    self.hub.stats.reject("too_large");
                    self.outbox.close(
                        CloseCode::MessageTooBig,
                        Some(format!(
                            "frame of {} bytes exceeds the limit of {}",
                            text.len(),
                            limits.max_frame_bytes
                        )),
                    );
                    return Inbound::End;
                }
                Message::Text(text) => return Inbound::Text(text),
                Message::Binary(_) => {
                    self.hub.stats.reject("binary");
                    self.outbox.close(CloseCode::UnsupportedData, None);
                    return Inbound::End;
                }
                Message::Close(_) => return Inbound::End,
                Message::Ping(_) | Message::Pong(_) => continue,
            }
        }
    }

    /// Queues a reply for this client.
    pub fn send(&self, frame: impl Into<Utf8Bytes>) {
        self.outbox.push(frame.into());
    }

    /// Lets the writer flush what is queued (and any close frame), then ends.
    pub async fn finish(self) {
        let Connection {
            outbox,
            mut writer,
            stream,
            ..
        } = self;
        outbox.end();
        if let Some(mut task) = writer.0.take() {
            // A client that stopped reading must not keep the writer alive forever.
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
        drop(stream);
    }
}

/// What the writer does next.
enum Step {
    Write,
    Ping,
    Close(Option<(CloseCode, String)>),
}

/// Sends queued frames, everything queued at once with one flush, and a ping every
/// heartbeat, until the outbox ends, a close is requested, or the server shuts down.
/// A close request or shutdown also interrupts a write stuck on a client that does
/// not read.
async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut receiver: OutboxReceiver,
    hub: Arc<Hub>,
) {
    let _open = GaugeGuard::raise(&hub.stats.connections);
    let mut shutdown = hub.shutdown_signal();
    let period = hub.limits.heartbeat;
    let mut heartbeat = tokio::time::interval_at(Instant::now() + period, period);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let going_away = || {
        Some((
            CloseCode::GoingAway,
            CloseCode::GoingAway.reason().to_owned(),
        ))
    };
    let mut batch = Vec::new();
    // Pinned once and polled by reference: their wake-up registrations persist across
    // iterations instead of being made and torn down for every batch.
    let mut close_watch = receiver.close.clone();
    let close_requested = close_watch.requested();
    tokio::pin!(close_requested);
    let shutting_down = wait_for_shutdown(&mut shutdown);
    tokio::pin!(shutting_down);
    let close = loop {
        let step = tokio::select! {
            biased;
            request = &mut close_requested => Step::Close(Some(request)),
            () = &mut shutting_down => Step::Close(going_away()),
            _ = heartbeat.tick() => Step::Ping,
            more = receiver.next_batch(&mut batch) => if more { Step::Write } else { Step::Close(None) },
        };
        if let Step::Close(close) = step {
            break close;
        }
        let write = async {
            match step {
                Step::Write => write_batch(&mut sink, &batch, &hub).await,
                Step::Ping => sink.send(Message::Ping(Default::default())).await,
                Step::Close(_) => Ok(()),
            }
        };
        let written = tokio::select! {
            biased;
            request = &mut close_requested => break Some(request),
            () = &mut shutting_down => break going_away(),
            written = write => written,
        };
        if written.is_err() {
            return;
        }
    };
    if let Some((code, reason)) = close {
        if code == CloseCode::SlowConsumer {
            hub.stats.dropped(DropReason::SlowConsumer, 1);
        }
        // A client that does not read may never take the close frame: give up after 1 s.
        let frame = CloseFrame {
            code: code.code(),
            reason: reason.into(),
        };
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            sink.send(Message::Close(Some(frame))),
        )
        .await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
}

/// Feeds every frame of `batch`, then flushes once: a client that fell behind gets
/// many frames per write instead of one write per frame.
async fn write_batch(
    sink: &mut SplitSink<WebSocket, Message>,
    batch: &[Queued],
    hub: &Hub,
) -> Result<(), axum::Error> {
    for item in batch {
        sink.feed(Message::Text(item.frame.clone())).await?;
    }
    sink.flush().await?;
    let now = std::time::Instant::now();
    for published in batch.iter().filter_map(|item| item.published) {
        hub.stats
            .latency
            .observe(now.saturating_duration_since(published).as_secs_f64());
    }
    hub.stats.delivered.inc_by(batch.len() as u64);
    hub.stats.batch.observe(batch.len() as f64);
    Ok(())
}

/// Resolves once shutdown has begun (or the hub is gone).
pub async fn wait_for_shutdown(signal: &mut watch::Receiver<bool>) {
    let _ = signal.wait_for(|down| *down).await;
}
