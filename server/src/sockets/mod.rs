//! WebSocket endpoints, one module per protocol, and the plumbing they share.
//!
//! Every socket is one [`Connection`], served by one task: the protocol's read loop
//! turns frames into hub calls, and while it waits for the next frame the connection
//! writes what the hub queued in its [`Outbox`] (many frames per flush). The
//! connection also owns the cleanup: when it drops, it leaves the hub's registry and
//! gives its place under the connection limits back.
//!
//! - [`seed_spectate`]: the seed runner protocol on `/` and `/spectate`.
//! - [`seed_room`]: the seed broadcast room on `/room`.
//! - [`happiness`]: the seed happiness feed on `/happiness`.
//! - [`app_socket`]: Spectate's own typed protocol on `/ws`.
//!
//! Every one comes in through [`accept`] (in `upgrade`): connection limits, the
//! handshake's token and Origin, then the upgrade.

pub mod app_socket;
pub mod happiness;
pub mod publishing;
pub mod seed_room;
pub mod seed_spectate;
pub mod subscriptions;
mod upgrade;

pub use upgrade::{SocketRequest, accept, configure};

use std::{
    collections::VecDeque,
    net::IpAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures::{Sink, SinkExt, Stream};
use spectate_app::protocol::CloseCode;

use crate::hub::{
    ConnId, Hub, Outbox, OutboxReceiver,
    admission::Admitted,
    connections::{Connections, Registration},
    outbox::{Next, Queued, outbox},
    stats::DropReason,
};

/// The largest frame [`Connection::batch_frames`] builds (a single larger message
/// still goes alone): a phone parses one frame at a time, and 64 KB is a few
/// milliseconds of it.
pub const BATCH_BYTES: usize = 64 * 1024;

/// In batched mode, a message at least this large leaves in a frame of its own,
/// without being copied (see [`Connection::join_batch`]).
pub const SHARE_ALONE_BYTES: usize = 4 * 1024;

/// In batched mode, how long the writer waits after a frame before taking the next
/// (what arrives meanwhile joins it; a close request does not wait). Phones posting
/// on the second reach the server over a few hundred milliseconds; without a pause
/// that is still a frame every millisecond or two. A fix a second each, so 50 ms
/// more on the way is not seen on a map, and it caps a connection at 20 frames a
/// second (BENCHMARKS.md).
pub const BATCH_PAUSE: Duration = Duration::from_millis(50);

/// One open socket, served by one task: the protocol's read loop calls
/// [`Connection::next_text`], which also writes whatever the hub queued meanwhile.
///
/// One task per socket rather than a reader and a writer: half the tasks, no lock
/// between the two halves of the socket, and no wake-up hand-off for each frame.
/// Writing never waits for reading or the other way round: both make progress in the
/// same poll.
#[derive(Debug)]
pub struct Connection {
    /// Unique id of this connection.
    pub id: ConnId,
    /// Where frames for this client go.
    pub outbox: Outbox,
    /// The hub, for the protocol handler.
    pub hub: Arc<Hub>,
    /// The client's address (see [`SocketRequest::peer`]), for per-address limits.
    pub peer: Option<IpAddr>,
    socket: WebSocket,
    receiver: OutboxReceiver,
    /// Frames taken from the outbox and not yet handed to the socket.
    out: VecDeque<Outgoing>,
    /// Scratch space for draining the outbox.
    batch: Vec<Queued>,
    /// Frames handed to the socket since its last flush.
    unflushed: bool,
    /// Whether messages taken together go out as one frame (see [`Self::batch_frames`]).
    batched: bool,
    /// In batched mode, the wait after a frame before the next is taken.
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
    _registration: Registration,
    _admitted: Option<Admitted>,
}

/// A frame on its way out.
#[derive(Debug)]
enum Outgoing {
    /// One message, or several joined by [`Connection::batch_frames`].
    Text {
        frame: Utf8Bytes,
        /// When the oldest message in it was published (for the latency histogram).
        published: Option<Instant>,
        /// How many messages it holds.
        messages: u64,
    },
    Ping,
}

impl Outgoing {
    fn one(item: Queued) -> Self {
        Self::Text {
            frame: item.frame,
            published: item.published,
            messages: 1,
        }
    }
}

/// What the write side reached in one poll.
enum WriteSide {
    /// Nothing more can be done now (wakers are registered).
    Idle,
    /// Someone asked the connection to close.
    Closing,
    /// The socket failed.
    Broken,
    /// The outbox ended and everything is flushed.
    Drained,
}

/// What the read loop gets from [`Connection::next_text`].
#[derive(Debug)]
pub enum Inbound {
    /// A text frame within the size limit.
    Text(Utf8Bytes),
    /// The client closed, the socket failed or went idle, or we asked to close: stop.
    End,
}

impl Connection {
    /// Wraps an upgraded socket and registers it with the hub.
    pub fn open(socket: WebSocket, hub: Arc<Hub>, admitted: Option<Admitted>) -> Self {
        let (outbox, receiver) = outbox(hub.outbox_bounds());
        let id = hub.next_conn_id();
        outbox.heard(hub.clock_ms());
        let registration = Connections::register(&hub, id, outbox.clone());
        // A connection that arrives while the server is stopping is told at once.
        if *hub.shutdown_signal().borrow() {
            outbox.close(CloseCode::GoingAway, None);
        }
        Self {
            id,
            outbox,
            peer: admitted.as_ref().map(Admitted::address),
            hub,
            socket,
            receiver,
            out: VecDeque::new(),
            batch: Vec::new(),
            unflushed: false,
            batched: false,
            pause: None,
            _registration: registration,
            _admitted: admitted,
        }
    }

    /// Moves queued frames to the socket as far as it accepts them, without waiting.
    fn poll_writes(&mut self, cx: &mut Context<'_>) -> WriteSide {
        loop {
            // A close request jumps everything still queued.
            if self.receiver.poll_close(cx).is_ready() {
                return WriteSide::Closing;
            }
            while !self.out.is_empty() {
                match Pin::new(&mut self.socket).poll_ready(cx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(_)) => return WriteSide::Broken,
                    Poll::Pending => break,
                }
                let message = match self.out.pop_front() {
                    Some(Outgoing::Text {
                        frame,
                        published,
                        messages,
                    }) => {
                        if let Some(published) = published {
                            self.hub
                                .stats
                                .latency
                                .observe(published.elapsed().as_secs_f64());
                        }
                        self.hub.stats.delivered.inc_by(messages);
                        Message::Text(frame)
                    }
                    Some(Outgoing::Ping) => Message::Ping(Default::default()),
                    None => break,
                };
                if Pin::new(&mut self.socket).start_send(message).is_err() {
                    return WriteSide::Broken;
                }
                self.unflushed = true;
            }
            if self.unflushed {
                match Pin::new(&mut self.socket).poll_flush(cx) {
                    Poll::Ready(Ok(())) => self.unflushed = false,
                    Poll::Ready(Err(_)) => return WriteSide::Broken,
                    Poll::Pending => {}
                }
            }
            // Take more only once everything taken before is out: what the client has
            // not read stays in the outbox, where its bound and conflation apply.
            if !self.out.is_empty() || self.unflushed {
                return WriteSide::Idle;
            }
            if let Some(pause) = &mut self.pause {
                if pause.as_mut().poll(cx).is_pending() {
                    return WriteSide::Idle;
                }
                self.pause = None;
            }
            match self.receiver.poll_next(cx, &mut self.batch) {
                Poll::Ready(Next::Write) => {
                    self.hub.stats.batch.observe(self.batch.len() as f64);
                    if self.batched {
                        self.join_batch();
                        self.pause = Some(Box::pin(tokio::time::sleep(BATCH_PAUSE)));
                    } else {
                        self.out.extend(self.batch.drain(..).map(Outgoing::one));
                    }
                }
                Poll::Ready(Next::Ping) => self.out.push_back(Outgoing::Ping),
                Poll::Ready(Next::Close(_)) => return WriteSide::Closing,
                Poll::Ready(Next::End) => return WriteSide::Drained,
                Poll::Pending => return WriteSide::Idle,
            }
        }
    }

    /// From now on, messages taken from the outbox together leave in one text frame,
    /// one message per line (`?batch=1` at the handshake). JSON as we encode it has
    /// no raw newline, so a line is a message.
    ///
    /// Why: a spectator following a field of a thousand runners gets a thousand
    /// messages a second, mostly in bursts (phones report on the second). In a
    /// browser every frame is an event, a string handed across to wasm and a task;
    /// a few frames a second instead of a thousand is what lets the page keep its
    /// frame rate (BENCHMARKS.md). Frames stay under [`BATCH_BYTES`].
    pub fn batch_frames(&mut self) {
        self.batched = true;
    }

    /// Moves the drained batch into `out` as joined frames. A message of
    /// [`SHARE_ALONE_BYTES`] or more (a field frame, a snapshot's full frame) goes
    /// alone, as the very bytes every spectator shares: joining would copy it once per
    /// connection (at 5,000 runners a field frame is about 22 KB a second for each of
    /// thousands of spectators).
    fn join_batch(&mut self) {
        let mut joined = String::new();
        let mut oldest: Option<Instant> = None;
        let mut messages = 0;
        for item in self.batch.drain(..) {
            let alone = item.frame.len() >= SHARE_ALONE_BYTES;
            if messages > 0 && (alone || joined.len() + 1 + item.frame.len() > BATCH_BYTES) {
                self.out.push_back(Outgoing::Text {
                    frame: std::mem::take(&mut joined).into(),
                    published: oldest.take(),
                    messages: std::mem::take(&mut messages),
                });
            }
            if alone {
                self.out.push_back(Outgoing::one(item));
                continue;
            }
            if messages > 0 {
                joined.push('\n');
            }
            joined.push_str(item.frame.as_str());
            messages += 1;
            if let Some(published) = item.published {
                oldest = Some(oldest.map_or(published, |o| o.min(published)));
            }
        }
        if messages > 0 {
            self.out.push_back(Outgoing::Text {
                frame: joined.into(),
                published: oldest,
                messages,
            });
        }
    }

    /// Writes what it can, then waits for the client's next frame (or for a reason to
    /// stop).
    fn poll_inbound(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, axum::Error>>> {
        match self.poll_writes(cx) {
            WriteSide::Idle => Pin::new(&mut self.socket).poll_next(cx),
            WriteSide::Closing | WriteSide::Broken | WriteSide::Drained => Poll::Ready(None),
        }
    }

    /// Waits for the next text frame, writing queued frames meanwhile. Binary,
    /// oversized and non-UTF-8 frames close the socket with their own code and
    /// reason; pings are answered by the library.
    pub async fn next_text(&mut self) -> Inbound {
        let limits = self.hub.limits;
        loop {
            let message = match std::future::poll_fn(|cx| self.poll_inbound(cx)).await {
                Some(Ok(message)) => message,
                Some(Err(err)) => {
                    // Tungstenite reports a frame over its hard limit, and a text
                    // frame that is not UTF-8, as errors; say which.
                    let err = err.to_string();
                    if err.contains("too long") {
                        self.hub.stats.reject("too_large");
                        self.outbox.close(CloseCode::MessageTooBig, None);
                    } else if err.contains("UTF-8") {
                        self.hub.stats.reject("invalid_utf8");
                        self.outbox.close(CloseCode::InvalidPayload, None);
                    }
                    return Inbound::End;
                }
                None => return Inbound::End,
            };
            self.outbox.heard(self.hub.clock_ms());
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

    /// Ends the connection: with a close request, sends the close frame (before
    /// anything still queued); otherwise flushes what is queued first. Bounded in
    /// time, because a client that does not read may never take either.
    pub async fn finish(&mut self) {
        let close = self.receiver.close_request();
        if close.is_none() {
            self.outbox.end();
            let drained = std::future::poll_fn(|cx| match self.poll_writes(cx) {
                WriteSide::Idle => Poll::Pending,
                _ => Poll::Ready(()),
            });
            let _ = tokio::time::timeout(Duration::from_secs(2), drained).await;
        }
        // The request may have come while flushing.
        if let Some((code, reason)) = close.or_else(|| self.receiver.close_request()) {
            if code == CloseCode::SlowConsumer {
                self.hub.stats.dropped(DropReason::SlowConsumer, 1);
            }
            let frame = CloseFrame {
                code: code.code(),
                reason: reason.into(),
            };
            let _ = tokio::time::timeout(
                Duration::from_secs(1),
                self.socket.send(Message::Close(Some(frame))),
            )
            .await;
        }
        let _ =
            tokio::time::timeout(Duration::from_secs(1), SinkExt::close(&mut self.socket)).await;
    }
}
