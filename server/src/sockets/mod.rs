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
pub mod seed_room;
pub mod seed_spectate;

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use axum::{
    extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
    http::{HeaderMap, Uri},
    response::{IntoResponse, Response},
};
use futures::{
    SinkExt, StreamExt,
    stream::{SplitSink, SplitStream},
};
use spectate_app::protocol::CloseCode;
use tokio::{sync::watch, task::JoinHandle};

use crate::auth::Handshake;
use crate::hub::{
    ConnId, Hub, Outbox, OutboxReceiver,
    outbox::{CloseWatch, outbox},
    stats::GaugeGuard,
};

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

/// Checks the handshake (token, Origin) and upgrades, or answers 401/403 with the
/// reason; `run` then serves the socket with what the handshake established.
pub fn accept<F, Fut>(
    hub: Arc<Hub>,
    headers: &HeaderMap,
    uri: &Uri,
    upgrade: WebSocketUpgrade,
    run: F,
) -> Response
where
    F: FnOnce(Connection, Handshake) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    match hub.access.handshake(headers, uri) {
        Ok(handshake) => configure(upgrade, &hub)
            .on_upgrade(move |socket| run(Connection::open(socket, hub), handshake)),
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
    /// The client closed, the socket failed, or we asked to close: stop reading.
    End,
}

impl Connection {
    /// Splits the socket and starts its writer.
    pub fn open(socket: WebSocket, hub: Arc<Hub>) -> Self {
        let (sink, stream) = socket.split();
        let (outbox, receiver) = outbox(hub.limits.outbox_frames);
        let close = receiver.close.clone();
        let writer = tokio::spawn(write_loop(sink, receiver, hub.clone()));
        Self {
            id: hub.next_conn_id(),
            outbox,
            hub,
            stream,
            close,
            writer: WriterTask(Some(writer)),
        }
    }

    /// Waits for the next text frame. Binary and oversized frames close the socket with
    /// their own code and reason; pings are answered by the library.
    pub async fn next_text(&mut self) -> Inbound {
        loop {
            let next = tokio::select! {
                biased;
                _ = self.close.requested() => return Inbound::End,
                next = self.stream.next() => next,
            };
            let message = match next {
                Some(Ok(message)) => message,
                Some(Err(err)) => {
                    // Tungstenite reports a frame over its hard limit as an error; say so.
                    if err.to_string().contains("too long") {
                        self.hub.stats.reject();
                        self.outbox.close(CloseCode::MessageTooBig, None);
                    }
                    return Inbound::End;
                }
                None => return Inbound::End,
            };
            match message {
                Message::Text(text) if text.len() > self.hub.limits.max_frame_bytes => {
                    self.hub.stats.reject();
                    let limit = self.hub.limits.max_frame_bytes;
                    self.outbox.close(
                        CloseCode::MessageTooBig,
                        Some(format!(
                            "frame of {} bytes exceeds the limit of {limit}",
                            text.len()
                        )),
                    );
                    return Inbound::End;
                }
                Message::Text(text) => return Inbound::Text(text),
                Message::Binary(_) => {
                    self.hub.stats.reject();
                    self.outbox.close(CloseCode::UnsupportedData, None);
                    return Inbound::End;
                }
                Message::Close(_) => return Inbound::End,
                Message::Ping(_) | Message::Pong(_) => continue,
            }
        }
    }

    /// Queues a frame for this client, counting the delivery.
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
        // Dropping our outbox lets the writer see the end of the queue once every
        // registry has also let go of its clone (callers drop those first).
        drop(outbox);
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

/// Sends queued frames, coalescing everything already queued into one flush, until
/// the queue ends, a close is requested, or the server shuts down. A close request or
/// shutdown also interrupts a write stuck on a client that does not read.
async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut receiver: OutboxReceiver,
    hub: Arc<Hub>,
) {
    let _open = GaugeGuard::raise(&hub.stats.connections);
    let mut shutdown = hub.shutdown_signal();
    let going_away = || {
        (
            CloseCode::GoingAway,
            CloseCode::GoingAway.reason().to_owned(),
        )
    };
    let close = loop {
        let frame = tokio::select! {
            biased;
            request = receiver.close.requested() => break Some(request),
            () = wait_for_shutdown(&mut shutdown) => break Some(going_away()),
            frame = receiver.frames.recv() => frame,
        };
        let Some(frame) = frame else { break None };
        let written = tokio::select! {
            biased;
            request = receiver.close.requested() => break Some(request),
            () = wait_for_shutdown(&mut shutdown) => break Some(going_away()),
            written = write_batch(&mut sink, frame, &mut receiver.frames) => written,
        };
        match written {
            Ok(sent) => {
                hub.stats.delivered.fetch_add(sent, Ordering::Relaxed);
            }
            Err(_) => return,
        }
    };
    if let Some((code, reason)) = close {
        if code == CloseCode::SlowConsumer {
            hub.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
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

/// Feeds `first` and everything else already queued, then flushes once: a client that
/// fell behind gets many frames per write instead of one write per frame.
async fn write_batch(
    sink: &mut SplitSink<WebSocket, Message>,
    first: Utf8Bytes,
    queue: &mut tokio::sync::mpsc::Receiver<Utf8Bytes>,
) -> Result<u64, axum::Error> {
    sink.feed(Message::Text(first)).await?;
    let mut sent = 1u64;
    while let Ok(more) = queue.try_recv() {
        sink.feed(Message::Text(more)).await?;
        sent += 1;
    }
    sink.flush().await?;
    Ok(sent)
}

/// Resolves once shutdown has begun (or the hub is gone).
pub async fn wait_for_shutdown(signal: &mut watch::Receiver<bool>) {
    let _ = signal.wait_for(|down| *down).await;
}
