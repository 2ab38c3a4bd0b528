//! The bounded queue between the hub and one socket's writer task.
//!
//! Frames are pre-encoded [`Utf8Bytes`], so one encoding is shared by every recipient
//! (cloning only bumps a reference count). Pushing never waits: when the queue is full
//! the connection is told to close with [`CloseCode::SlowConsumer`], because one client
//! that does not read must never hold up a publisher or anyone else's delivery.

use std::sync::{Arc, OnceLock};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::CloseCode;
use tokio::sync::{Notify, mpsc};

/// The sending side, cloned into every registry the connection takes part in.
#[derive(Clone, Debug)]
pub struct Outbox {
    tx: mpsc::Sender<Utf8Bytes>,
    closer: Arc<Closer>,
}

/// The writer task's side.
#[derive(Debug)]
pub struct OutboxReceiver {
    /// Frames to send, in order.
    pub frames: mpsc::Receiver<Utf8Bytes>,
    /// Resolves when someone asks for the socket to close.
    pub close: CloseWatch,
}

/// The writer's view of close requests (a separate field, so the writer can wait on
/// frames and on a close at the same time).
#[derive(Debug)]
pub struct CloseWatch(Arc<Closer>);

/// A one-shot request to close the socket, with the first reason given.
#[derive(Debug, Default)]
struct Closer {
    notify: Notify,
    reason: OnceLock<(CloseCode, String)>,
}

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
    let closer = Arc::new(Closer::default());
    (
        Outbox {
            tx,
            closer: closer.clone(),
        },
        OutboxReceiver {
            frames,
            close: CloseWatch(closer),
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
        let reason = detail.unwrap_or_else(|| code.reason().to_owned());
        if self.closer.reason.set((code, reason)).is_ok() {
            self.closer.notify.notify_one();
        }
    }

    /// True once the writer has gone away.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl CloseWatch {
    /// Resolves when a close was requested, with its code and reason.
    pub async fn requested(&self) -> (CloseCode, String) {
        loop {
            if let Some(reason) = self.0.reason.get() {
                return reason.clone();
            }
            self.0.notify.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_asks_for_a_slow_consumer_close() {
        let (tx, rx) = outbox(2);
        assert_eq!(tx.push("a".into()), Pushed::Queued);
        assert_eq!(tx.push("b".into()), Pushed::Queued);
        assert_eq!(tx.push("c".into()), Pushed::Overflowed);
        let (code, _) = rx.close.requested().await;
        assert_eq!(code, CloseCode::SlowConsumer);
    }

    #[tokio::test]
    async fn the_first_close_reason_wins() {
        let (tx, rx) = outbox(2);
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
