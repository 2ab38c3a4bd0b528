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
//! A subscription's catch-up (a snapshot: a runner's trail, the field's every
//! position) is queued under a budget of its own, [`CATCHUP_BUDGET`], not under the
//! slow-consumer bound: a spectator who opens the map mid-race asks for a lot at once
//! and has not read a byte yet, which says nothing about whether it keeps up. The
//! bound applies to what is queued beyond the catch-up. (Before, 36 runners' trails
//! were enough to cut a brand-new spectator off.)
//!
//! A close request or a ping request is a flag beside the queue rather than a queued
//! frame, so that it jumps the queue: a close reaches the connection even while the
//! queue is over its bound or the socket does not drain.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Instant,
};

use axum::extract::ws::Utf8Bytes;
use futures::task::AtomicWaker;
use spectate_app::protocol::CloseCode;

/// Why and how the socket should close.
pub type CloseRequest = (CloseCode, String);

/// Bytes of catch-up (snapshots) a connection may have queued at once, besides the
/// slow-consumer bound. Frames are shared, so this is accounting more than memory: a
/// runner's trail snapshot is at most about 7 KB, 256 of them 1.8 MB, and the field's
/// full frame about 25 bytes a runner (1 MB for 40,000). A client that asks for more
/// than this without reading (subscribing again and again) is cut off as slow.
pub const CATCHUP_BUDGET: usize = 8 * 1024 * 1024;

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
    /// Of `bytes`, those of catch-up frames (under [`CATCHUP_BUDGET`]).
    catchup_bytes: usize,
    /// While lagging: conflation key -> index in `items` of its waiting frame.
    waiting: HashMap<u64, usize>,
    /// The writer has gone: pushes are refused.
    gone: bool,
    /// No more frames will be pushed: the writer drains what is left and ends.
    ended: bool,
    /// Why the connection must close, once someone asked.
    close: Option<CloseRequest>,
    /// A keepalive ping should be sent.
    ping: bool,
}

#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    /// The writer's waker. Lighter than a `Notify`: this is hit once per delivery.
    ready: AtomicWaker,
    bounds: OutboxBounds,
    /// When the client was last heard from, in the keepalive clock's milliseconds.
    last_heard: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sending side, cloned into every topic the connection subscribes to.
#[derive(Clone, Debug)]
pub struct Outbox(Arc<Shared>);

/// The connection's side.
#[derive(Debug)]
pub struct OutboxReceiver {
    shared: Arc<Shared>,
}

/// What the connection should do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Write the frames just moved into the batch.
    Write,
    /// Send a keepalive ping.
    Ping,
    /// Close with this code and reason (takes precedence over queued frames).
    Close(CloseRequest),
    /// The outbox has ended and is empty.
    End,
}

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
    let shared = Arc::new(Shared {
        queue: Mutex::default(),
        ready: AtomicWaker::new(),
        bounds,
        last_heard: AtomicU64::new(0),
    });
    (Outbox(shared.clone()), OutboxReceiver { shared })
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

    /// Queues a frame of a subscription's catch-up (snapshot header, history, the
    /// field's full frame): counted against [`CATCHUP_BUDGET`], not the slow-consumer
    /// bound, so a fresh subscriber is never cut off for what it asked for at once.
    pub fn push_catchup(&self, frame: Utf8Bytes) -> Pushed {
        let mut queue = self.0.lock();
        if queue.gone || queue.ended {
            return Pushed::Gone;
        }
        let len = frame.len();
        if queue.catchup_bytes + len > CATCHUP_BUDGET {
            drop(queue);
            self.close(CloseCode::SlowConsumer, None);
            return Pushed::Overflowed;
        }
        queue.catchup_bytes += len;
        queue.bytes += len;
        let was_empty = queue.items.is_empty();
        queue.items.push_back(Queued {
            frame,
            published: None,
            key: None,
        });
        drop(queue);
        if was_empty {
            self.0.ready.wake();
        }
        Pushed::Queued
    }

    fn push_item(&self, item: Queued) -> Pushed {
        let bounds = self.0.bounds;
        let mut queue = self.0.lock();
        if queue.gone || queue.ended {
            return Pushed::Gone;
        }
        let len = item.frame.len();
        // What the client is behind by, besides the catch-up it asked for.
        let live = queue.bytes - queue.catchup_bytes;
        // Only a lagging queue tracks keys: a client that keeps up pays nothing.
        let key = item.key.filter(|_| live > bounds.conflate_after);
        if let Some(key) = key
            && let Some(&index) = queue.waiting.get(&key)
        {
            let old = std::mem::replace(&mut queue.items[index], item);
            queue.bytes = queue.bytes - old.frame.len() + len;
            return Pushed::Conflated;
        }
        if live + len > bounds.max_bytes {
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

    /// Asks the connection to send a close frame (before anything still queued) and
    /// stop. The first reason wins; `detail` replaces the code's default reason.
    pub fn close(&self, code: CloseCode, detail: Option<String>) {
        let mut queue = self.0.lock();
        if queue.close.is_none() {
            queue.close = Some((code, detail.unwrap_or_else(|| code.reason().to_owned())));
            drop(queue);
            self.0.ready.wake();
        }
    }

    /// Asks the connection to send a keepalive ping.
    pub fn ping(&self) {
        self.0.lock().ping = true;
        self.0.ready.wake();
    }

    /// Notes that the client was heard from at `now_ms` (keepalive clock).
    pub fn heard(&self, now_ms: u64) {
        self.0.last_heard.store(now_ms, Ordering::Relaxed);
    }

    /// When the client was last heard from (keepalive clock, ms).
    pub fn last_heard(&self) -> u64 {
        self.0.last_heard.load(Ordering::Relaxed)
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
    /// What to do next: a close request first, then queued frames (moved into `batch`,
    /// which is cleared first), then a ping. Registers the caller's waker on every
    /// call, so a close request reaches a connection that is busy writing too.
    pub fn poll_next(&mut self, cx: &mut Context<'_>, batch: &mut Vec<Queued>) -> Poll<Next> {
        let mut queue = self.shared.lock();
        // Registered while the lock is held: a push (which wakes after taking the same
        // lock) cannot slip in between the checks and the registration.
        self.shared.ready.register(cx.waker());
        if let Some(request) = &queue.close {
            return Poll::Ready(Next::Close(request.clone()));
        }
        if !queue.items.is_empty() {
            batch.clear();
            batch.extend(queue.items.drain(..));
            queue.bytes = 0;
            queue.catchup_bytes = 0;
            queue.waiting.clear();
            return Poll::Ready(Next::Write);
        }
        if std::mem::take(&mut queue.ping) {
            return Poll::Ready(Next::Ping);
        }
        if queue.ended {
            return Poll::Ready(Next::End);
        }
        Poll::Pending
    }

    /// Only the close request (for a connection busy writing, which must not take
    /// more frames before the ones it has are out). Registers the waker too.
    pub fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<CloseRequest> {
        let queue = self.shared.lock();
        self.shared.ready.register(cx.waker());
        match &queue.close {
            Some(request) => Poll::Ready(request.clone()),
            None => Poll::Pending,
        }
    }

    /// The close request, if one was made.
    pub fn close_request(&self) -> Option<CloseRequest> {
        self.shared.lock().close.clone()
    }

    /// Waits for [`Self::poll_next`].
    pub async fn next(&mut self, batch: &mut Vec<Queued>) -> Next {
        std::future::poll_fn(|cx| self.poll_next(cx, batch)).await
    }

    /// The sending side of this outbox.
    pub fn outbox(&self) -> Outbox {
        Outbox(self.shared.clone())
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
        queue.catchup_bytes = 0;
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
        assert_eq!(rx.next(&mut batch).await, Next::Write);
        batch.iter().map(|q| q.frame.to_string()).collect()
    }

    #[tokio::test]
    async fn over_the_byte_bound_asks_for_a_slow_consumer_close() {
        let (tx, mut rx) = outbox(bounds(100, 10));
        assert_eq!(tx.push("aaaa".into()), Pushed::Queued);
        assert_eq!(tx.push("bbbb".into()), Pushed::Queued);
        assert_eq!(tx.push("cccc".into()), Pushed::Overflowed);
        let Next::Close((code, _)) = rx.next(&mut Vec::new()).await else {
            panic!("no close")
        };
        assert_eq!(code, CloseCode::SlowConsumer);
    }

    #[tokio::test]
    async fn a_catch_up_is_not_held_against_the_slow_consumer_bound() {
        let (tx, mut rx) = outbox(bounds(100, 10));
        // A snapshot far over the bound: queued, not a slow consumer.
        for _ in 0..10 {
            assert_eq!(tx.push_catchup("snapshot".into()), Pushed::Queued);
        }
        // Live frames are still held to the bound, beside the catch-up.
        assert_eq!(tx.push("aaaa".into()), Pushed::Queued);
        assert_eq!(tx.push("bbbb".into()), Pushed::Queued);
        assert_eq!(tx.push("cccc".into()), Pushed::Overflowed);
        assert!(matches!(
            rx.next(&mut Vec::new()).await,
            Next::Close((CloseCode::SlowConsumer, _))
        ));
        // The budget of its own is finite too.
        let (tx, _rx) = outbox(bounds(100, 10));
        let big: String = "x".repeat(CATCHUP_BUDGET / 2 + 1);
        assert_eq!(tx.push_catchup(big.clone().into()), Pushed::Queued);
        assert_eq!(tx.push_catchup(big.into()), Pushed::Overflowed);
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
    async fn the_first_close_reason_wins_and_jumps_the_queue() {
        let (tx, mut rx) = outbox(bounds(10, 10));
        tx.push("queued".into());
        tx.close(CloseCode::UnsupportedData, None);
        tx.close(CloseCode::GoingAway, None);
        let next = rx.next(&mut Vec::new()).await;
        assert!(
            matches!(next, Next::Close((CloseCode::UnsupportedData, _))),
            "{next:?}"
        );
    }

    #[tokio::test]
    async fn a_ping_request_comes_after_queued_frames() {
        let (tx, mut rx) = outbox(bounds(10, 100));
        tx.ping();
        tx.push("a".into());
        assert_eq!(drain(&mut rx).await, ["a"]);
        assert_eq!(rx.next(&mut Vec::new()).await, Next::Ping);
        tx.heard(42);
        assert_eq!(tx.last_heard(), 42);
    }

    #[tokio::test]
    async fn pushing_after_the_writer_left_reports_gone_and_end_drains_first() {
        let (tx, mut rx) = outbox(bounds(10, 100));
        tx.push("a".into());
        tx.end();
        assert_eq!(tx.push("b".into()), Pushed::Gone);
        assert_eq!(drain(&mut rx).await, ["a"]);
        assert_eq!(rx.next(&mut Vec::new()).await, Next::End);
        drop(rx);
        assert!(tx.is_closed());
    }
}
