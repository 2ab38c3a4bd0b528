//! The bounded queue between the hub and one socket's writer task.
//!
//! Frames are pre-encoded [`Utf8Bytes`], so one encoding is shared by every recipient
//! (cloning only bumps a reference count). Pushing never waits: when the queue is full
//! the connection is told to close with [`CloseCode::SlowConsumer`], because one client
//! that does not read must never hold up a publisher or anyone else's delivery.
//!
//! A close request is a `watch` value rather than a queued frame, so that it reaches
//! the writer even while the queue is full or the writer is stuck on a socket that
//! does not drain, and so that the reader can stop waiting on the client too.

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::CloseCode;
use tokio::sync::{mpsc, watch};

/// The sending side, cloned into every registry the connection takes part in.
#[derive(Clone, Debug)]
pub struct Outbox {
    tx: mpsc::Sender<Utf8Bytes>,
    closer: watch::Sender<Option<CloseRequest>>,
}

/// Why and how the socket should close.
pub type CloseRequest = (CloseCode, String);

/// The writer task's side.
#[derive(Debug)]
pub struct OutboxReceiver {
    /// Frames to send, in order.
    pub frames: mpsc::Receiver<Utf8Bytes>,
    /// Resolves when someone asks for the socket to close.
    pub close: CloseWatch,
}

/// A view of close requests; the writer and the reader each hold one.
#[derive(Clone, Debug)]
pub struct CloseWatch(watch::Receiver<Option<CloseRequest>>);

/// What became of one push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// Queued for sending.
    Queued,
    /// The queue was full; the connection is being closed as a slow consumer.
    Overflowed,
    /// The connection is already gone.
    Gone,
}

/// A new outbox holding at most `capacity` frames.
pub fn outbox(capacity: usize) -> (Outbox, OutboxReceiver) {
    let (tx, frames) = mpsc::channel(capacity.max(1));
    let (closer, watch) = watch::channel(None);
    (
        Outbox { tx, closer },
        OutboxReceiver {
            frames,
            close: CloseWatch(watch),
        },
    )
}

impl Outbox {
    /// Queues a frame without waiting.
    pub fn push(&self, frame: Utf8Bytes) -> Pushed {
        match self.tx.try_send(frame) {
            Ok(()) => Pushed::Queued,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.close(CloseCode::SlowConsumer, None);
                Pushed::Overflowed
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Pushed::Gone,
        }
    }

    /// Asks the writer to send a close frame (after nothing else) and stop.
    /// The first reason wins; `detail` replaces the code's default reason.
    pub fn close(&self, code: CloseCode, detail: Option<String>) {
        self.closer.send_if_modified(|request| {
            if request.is_some() {
                return false;
            }
            *request = Some((code, detail.unwrap_or_else(|| code.reason().to_owned())));
            true
        });
    }

    /// True once the writer has gone away.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl CloseWatch {
    /// Resolves when a close was requested, with its code and reason. Never resolves
    /// if every outbox is gone without asking (the queue's end says it all then).
    pub async fn requested(&mut self) -> CloseRequest {
        let request = match self.0.wait_for(Option::is_some).await {
            Ok(request) => request.clone(),
            Err(_) => None,
        };
        match request {
            Some(request) => request,
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_asks_for_a_slow_consumer_close() {
        let (tx, mut rx) = outbox(2);
        assert_eq!(tx.push("a".into()), Pushed::Queued);
        assert_eq!(tx.push("b".into()), Pushed::Queued);
        assert_eq!(tx.push("c".into()), Pushed::Overflowed);
        let (code, _) = rx.close.requested().await;
        assert_eq!(code, CloseCode::SlowConsumer);
    }

    #[tokio::test]
    async fn the_first_close_reason_wins() {
        let (tx, mut rx) = outbox(2);
        tx.close(CloseCode::UnsupportedData, None);
        tx.close(CloseCode::GoingAway, None);
        assert_eq!(rx.close.requested().await.0, CloseCode::UnsupportedData);
    }

    #[tokio::test]
    async fn pushing_after_the_writer_left_reports_gone() {
        let (tx, rx) = outbox(2);
        drop(rx);
        assert_eq!(tx.push("a".into()), Pushed::Gone);
        assert!(tx.is_closed());
    }
}
