//! The bounded queue between the hub and one socket's writer task.
//!
//! Frames are pre-encoded [`Utf8Bytes`], so one encoding is shared by every recipient
//! (cloning only bumps a reference count). Pushing never waits: a publisher holds a
//! topic's lock while it pushes to every subscriber, so a push must cost the same
//! whether the client reads or not.
//!
//! The queue is bounded by bytes, not frames, because a frame can be 40 bytes or
//! 40 KB. Two things happen as a client falls behind:
//!
//! 1. Past `conflate_after` bytes, a runner fix replaces that runner's fix still
//!    waiting in the queue instead of queueing behind it (conflation): a spectator
//!    wants where a runner *is*, not a backlog of where they were. Series points and
//!    room messages are never conflated.
//! 2. Past `max_bytes`, the connection is closed with [`CloseCode::SlowConsumer`].
//!
//! The writer takes everything queued in one go and writes it with one flush, so a
//! client that is behind gets many frames per system call.
//!
//! A close request is a `watch` value rather than a queued frame, so that it reaches
//! the writer even while the queue is full or the writer is stuck on a socket that
//! does not drain, and so that the reader can stop waiting on the client too.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::Instant,
};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::CloseCode;
use futures::task::AtomicWaker;
use tokio::sync::watch;

/// Why and how the socket should close.
pub type CloseRequest = (CloseCode, String);

/// How large a connection's queue may grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutboxBounds {
    /// Queued bytes past which runner fixes are conflated.
    pub conflate_after: usize,
    /// Queued bytes past which the connection is cut off as a slow consumer.
    pub max_bytes: usize,
}

/// One queued frame.
#[derive(Clone, Debug)]
pub struct Queued {
    /// The encoded frame.
    pub frame: Utf8Bytes,
    /// When it was published, for the publish-to-send latency histogram.
    pub published: Option<Instant>,
    /// Frames with the same key replace each other while the client lags.
    key: Option<u64>,
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Queued>,
    bytes: usize,
    /// While lagging: conflation key -> index in `items` of its waiting frame.
    waiting: HashMap<u64, usize>,
    /// The writer has gone: pushes are refused.
    gone: bool,
    /// No more frames will be pushed: the writer drains what is left and ends.
    ended: bool,
}

#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    /// The writer's waker. Lighter than a `Notify`: this is hit once per delivery.
    ready: AtomicWaker,
    closer: watch::Sender<Option<CloseRequest>>,
    bounds: OutboxBounds,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sending side, cloned into every topic the connection subscribes to.
#[derive(Clone, Debug)]
pub struct Outbox(Arc<Shared>);

/// The writer task's side.
#[derive(Debug)]
pub struct OutboxReceiver {
    shared: Arc<Shared>,
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
    /// Replaced an older frame with the same key that was still waiting.
    Conflated,
    /// Over the byte bound; the connection is being closed as a slow consumer.
    Overflowed,
    /// The connection is already gone.
    Gone,
}

/// A new, empty outbox.
pub fn outbox(bounds: OutboxBounds) -> (Outbox, OutboxReceiver) {
    let (closer, watch) = watch::channel(None);
    let shared = Arc::new(Shared {
        queue: Mutex::default(),
        ready: AtomicWaker::new(),
        closer,
        bounds,
    });
    (
        Outbox(shared.clone()),
        OutboxReceiver {
            shared,
            close: CloseWatch(watch),
        },
    )
}

impl Outbox {
    /// Queues a frame that must not be dropped (replies, series points, room text).
    pub fn push(&self, frame: Utf8Bytes) -> Pushed {
        self.push_item(Queued {
            frame,
            published: None,
            key: None,
        })
    }

    /// Queues a published frame, remembering when it was published. With a `key`,
    /// it may replace a waiting frame with the same key while the client lags.
    pub fn push_published(&self, frame: Utf8Bytes, published: Instant, key: Option<u64>) -> Pushed {
        self.push_item(Queued {
            frame,
            published: Some(published),
            key,
        })
    }

    fn push_item(&self, item: Queued) -> Pushed {
        let bounds = self.0.bounds;
        let mut queue = self.0.lock();
        if queue.gone || queue.ended {
            return Pushed::Gone;
        }
        let len = item.frame.len();
        // Only a lagging queue tracks keys: a client that keeps up pays nothing.
        let key = item.key.filter(|_| queue.bytes > bounds.conflate_after);
        if let Some(key) = key
            && let Some(&index) = queue.waiting.get(&key)
        {
            let old = std::mem::replace(&mut queue.items[index], item);
            queue.bytes = queue.bytes - old.frame.len() + len;
            return Pushed::Conflated;
        }
        if queue.bytes + len > bounds.max_bytes {
            drop(queue);
            self.close(CloseCode::SlowConsumer, None);
            return Pushed::Overflowed;
        }
        queue.bytes += len;
        let was_empty = queue.items.is_empty();
        if let Some(key) = key {
            let index = queue.items.len();
            queue.waiting.insert(key, index);
        }
        queue.items.push_back(item);
        drop(queue);
        if was_empty {
            self.0.ready.wake();
        }
        Pushed::Queued
    }

    /// Asks the writer to send a close frame (after nothing else) and stop.
    /// The first reason wins; `detail` replaces the code's default reason.
    pub fn close(&self, code: CloseCode, detail: Option<String>) {
        self.0.closer.send_if_modified(|request| {
            if request.is_some() {
                return false;
            }
            *request = Some((code, detail.unwrap_or_else(|| code.reason().to_owned())));
            true
        });
    }

    /// No more frames: the writer sends what is queued and then ends.
    pub fn end(&self) {
        self.0.lock().ended = true;
        self.0.ready.wake();
    }

    /// True once the writer has gone away.
    pub fn is_closed(&self) -> bool {
        self.0.lock().gone
    }

    /// Bytes waiting to be written.
    pub fn queued_bytes(&self) -> usize {
        self.0.lock().bytes
    }
}

impl OutboxReceiver {
    /// Waits for frames and moves all of them into `batch` (which it clears first).
    /// Returns false once the outbox has ended and nothing is left.
    pub async fn next_batch(&mut self, batch: &mut Vec<Queued>) -> bool {
        batch.clear();
        std::future::poll_fn(|cx| {
            let mut queue = self.shared.lock();
            if !queue.items.is_empty() {
                batch.extend(queue.items.drain(..));
                queue.bytes = 0;
                queue.waiting.clear();
                return std::task::Poll::Ready(true);
            }
            if queue.ended {
                return std::task::Poll::Ready(false);
            }
            // Registered while the lock is held: a push (which wakes after taking the
            // same lock) cannot slip in between the check and the registration.
            self.shared.ready.register(cx.waker());
            std::task::Poll::Pending
        })
        .await
    }
}

impl Drop for OutboxReceiver {
    fn drop(&mut self) {
        let mut queue = self.shared.lock();
        queue.gone = true;
        // Free the frames now: the senders may live on for a while in the registries.
        queue.items = VecDeque::new();
        queue.waiting = HashMap::new();
        queue.bytes = 0;
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

    fn bounds(conflate_after: usize, max_bytes: usize) -> OutboxBounds {
        OutboxBounds {
            conflate_after,
            max_bytes,
        }
    }

    async fn drain(rx: &mut OutboxReceiver) -> Vec<String> {
        let mut batch = Vec::new();
        assert!(rx.next_batch(&mut batch).await);
        batch.iter().map(|q| q.frame.to_string()).collect()
    }

    #[tokio::test]
    async fn over_the_byte_bound_asks_for_a_slow_consumer_close() {
        let (tx, mut rx) = outbox(bounds(100, 10));
        assert_eq!(tx.push("aaaa".into()), Pushed::Queued);
        assert_eq!(tx.push("bbbb".into()), Pushed::Queued);
        assert_eq!(tx.push("cccc".into()), Pushed::Overflowed);
        let (code, _) = rx.close.requested().await;
        assert_eq!(code, CloseCode::SlowConsumer);
    }

    #[tokio::test]
    async fn a_lagging_client_gets_the_newest_fix_per_key_in_the_old_ones_place() {
        let (tx, mut rx) = outbox(bounds(3, 1000));
        let now = Instant::now();
        assert_eq!(tx.push("xxxx".into()), Pushed::Queued); // now lagging: 4 > 3 bytes
        assert_eq!(tx.push_published("a1".into(), now, Some(1)), Pushed::Queued);
        assert_eq!(tx.push_published("b1".into(), now, Some(2)), Pushed::Queued);
        assert_eq!(
            tx.push_published("a2".into(), now, Some(1)),
            Pushed::Conflated
        );
        assert_eq!(tx.push("room".into()), Pushed::Queued);
        assert_eq!(
            tx.push_published("a3".into(), now, Some(1)),
            Pushed::Conflated
        );
        assert_eq!(drain(&mut rx).await, ["xxxx", "a3", "b1", "room"]);
        // Drained: no longer lagging, so nothing is conflated.
        assert_eq!(tx.push_published("a4".into(), now, Some(1)), Pushed::Queued);
        assert_eq!(tx.push_published("a5".into(), now, Some(1)), Pushed::Queued);
        assert_eq!(drain(&mut rx).await, ["a4", "a5"]);
    }

    #[tokio::test]
    async fn the_first_close_reason_wins() {
        let (tx, mut rx) = outbox(bounds(10, 10));
        tx.close(CloseCode::UnsupportedData, None);
        tx.close(CloseCode::GoingAway, None);
        assert_eq!(rx.close.requested().await.0, CloseCode::UnsupportedData);
    }

    #[tokio::test]
    async fn pushing_after_the_writer_left_reports_gone_and_end_drains_first() {
        let (tx, mut rx) = outbox(bounds(10, 100));
        tx.push("a".into());
        tx.end();
        assert_eq!(tx.push("b".into()), Pushed::Gone);
        assert_eq!(drain(&mut rx).await, ["a"]);
        assert!(!rx.next_batch(&mut Vec::new()).await);
        drop(rx);
        assert!(tx.is_closed());
    }
}
