//! The tab's one live connection to `/ws`, shared by every page through context.
//!
//! Pages call [`LiveSocket::listen`] with two callbacks: what to send whenever the
//! socket (re)opens (their follows and subscriptions) and what to do with each server
//! message. That makes reconnection invisible to pages: after the server restarts, the
//! socket reconnects with exponential backoff and jitter, and every page's state is
//! sent again, with the last sequence number seen of each topic (a
//! [`ResumeBook`](crate::resume_book::ResumeBook)), so the server replays only what was
//! missed. On the server this is inert: nothing connects during SSR.
//!
//! The back/forward cache: a page with an open socket cannot be kept in it, so the
//! socket closes on `pagehide`; when the page comes back from the cache (`pageshow`
//! with `persisted`) it opens again at once and resumes from the same resume points,
//! so going back to the map is instant and still misses nothing.

use leptos::prelude::*;

use crate::protocol::{ClientMsg, ServerMsg};

/// The state of the link, shown in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    /// Opening the first connection (also what the server renders).
    Connecting,
    /// Connected and greeted by the server.
    Live,
    /// Lost; the next attempt comes in `retry_in_s` seconds.
    Reconnecting {
        /// Attempts made since the link was last live.
        attempt: u32,
        /// Seconds until the next attempt.
        retry_in_s: u32,
    },
}

/// What a page may assume of the server's per-connection topic limit before its
/// first `welcome` (the server's default is 256).
pub const DEFAULT_MAX_TOPICS: usize = 256;

/// Handle to the live socket; `Copy`, provided as context by [`crate::app::App`].
#[derive(Clone, Copy, Debug)]
pub struct LiveSocket {
    status: RwSignal<LinkStatus>,
    max_topics: RwSignal<usize>,
    #[cfg(feature = "hydrate")]
    inner: StoredValue<browser::Inner, LocalStorage>,
}

impl LiveSocket {
    /// Creates the socket handle, provides it as context, and (in the browser) starts
    /// connecting once the app has hydrated.
    pub fn provide() -> Self {
        let socket = Self {
            status: RwSignal::new(LinkStatus::Connecting),
            max_topics: RwSignal::new(DEFAULT_MAX_TOPICS),
            #[cfg(feature = "hydrate")]
            inner: StoredValue::new_local(browser::Inner::default()),
        };
        provide_context(socket);
        #[cfg(feature = "hydrate")]
        Effect::new(move |started: Option<()>| {
            if started.is_none() {
                browser::start(socket);
            }
        });
        socket
    }

    /// The socket provided by the app.
    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// Topics the server lets one connection hold (from its `welcome`; a cautious
    /// default before the first one).
    pub fn max_topics(&self) -> Signal<usize> {
        self.max_topics.into()
    }

    /// The link's status.
    pub fn status(&self) -> Signal<LinkStatus> {
        self.status.into()
    }

    /// Registers a page's interest until the calling component is cleaned up.
    /// `on_open` is sent now (if live) and after every reconnect.
    pub fn listen(
        &self,
        on_open: impl Fn() -> Vec<ClientMsg> + 'static,
        on_message: impl Fn(&ServerMsg) + 'static,
    ) {
        #[cfg(feature = "hydrate")]
        {
            let id = browser::add_listener(*self, on_open, on_message);
            let socket = *self;
            on_cleanup(move || browser::remove_listener(socket, id));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (on_open, on_message);
    }

    /// Sends a message now if connected; otherwise drops it (the page's `on_open`
    /// restores its state on reconnect).
    #[cfg_attr(not(feature = "hydrate"), allow(clippy::needless_pass_by_value))]
    pub fn send(&self, msg: ClientMsg) {
        #[cfg(feature = "hydrate")]
        browser::send(*self, msg);
        #[cfg(not(feature = "hydrate"))]
        let _ = msg;
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The browser side: a reconnect loop around one `gloo_net` WebSocket.

    use std::rc::Rc;

    use futures::{
        SinkExt, StreamExt,
        channel::mpsc::{TryRecvError, UnboundedReceiver, UnboundedSender, unbounded},
        future::{Either, select},
    };
    use gloo_net::websocket::{Message, futures::WebSocket};
    use gloo_timers::future::TimeoutFuture;
    use leptos::prelude::*;

    use super::{LinkStatus, LiveSocket};
    use crate::{
        protocol::{ClientMsg, ServerMsg},
        resume_book::ResumeBook,
    };

    type OnOpen = Rc<dyn Fn() -> Vec<ClientMsg>>;

    /// What the run loop is told by the page: a message to send, or the page's
    /// entering (`Hide`) or leaving (`Show`) the back/forward cache.
    pub(super) enum Out {
        Msg(ClientMsg),
        Hide,
        Show,
    }
    type OnMessage = Rc<dyn Fn(&ServerMsg)>;

    #[derive(Default)]
    pub(super) struct Inner {
        listeners: Vec<(u64, OnOpen, OnMessage)>,
        next_id: u64,
        outgoing: Option<UnboundedSender<Out>>,
    }

    impl std::fmt::Debug for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Inner")
                .field("listeners", &self.listeners.len())
                .finish()
        }
    }

    pub(super) fn add_listener(
        socket: LiveSocket,
        on_open: impl Fn() -> Vec<ClientMsg> + 'static,
        on_message: impl Fn(&ServerMsg) + 'static,
    ) -> u64 {
        let on_open: OnOpen = Rc::new(on_open);
        let initial = if socket.status.get_untracked() == LinkStatus::Live {
            on_open()
        } else {
            Vec::new()
        };
        let id = socket
            .inner
            .try_update_value(|inner| {
                inner.next_id += 1;
                inner
                    .listeners
                    .push((inner.next_id, on_open, Rc::new(on_message)));
                inner.next_id
            })
            .unwrap_or_default();
        for msg in initial {
            send(socket, msg);
        }
        id
    }

    pub(super) fn remove_listener(socket: LiveSocket, id: u64) {
        socket
            .inner
            .try_update_value(|inner| inner.listeners.retain(|(l, _, _)| *l != id));
    }

    pub(super) fn send(socket: LiveSocket, msg: ClientMsg) {
        socket.inner.try_with_value(|inner| {
            if let Some(tx) = &inner.outgoing {
                let _ = tx.unbounded_send(Out::Msg(msg));
            }
        });
    }

    pub(super) fn start(socket: LiveSocket) {
        let (tx, rx) = unbounded();
        watch_page_cache(&tx);
        socket
            .inner
            .try_update_value(|inner| inner.outgoing = Some(tx));
        leptos::task::spawn_local(run(socket, rx));
    }

    /// Tells the run loop when the page enters and leaves the back/forward cache (for
    /// the tab's life: the listeners are never removed).
    fn watch_page_cache(tx: &UnboundedSender<Out>) {
        use wasm_bindgen::{JsCast, closure::Closure};
        let hide_tx = tx.clone();
        let hide = Closure::<dyn Fn()>::new(move || {
            let _ = hide_tx.unbounded_send(Out::Hide);
        });
        let show_tx = tx.clone();
        let show = Closure::<dyn Fn(web_sys::PageTransitionEvent)>::new(
            move |ev: web_sys::PageTransitionEvent| {
                if ev.persisted() {
                    let _ = show_tx.unbounded_send(Out::Show);
                }
            },
        );
        let window = window();
        let _ = window.add_event_listener_with_callback("pagehide", hide.as_ref().unchecked_ref());
        let _ = window.add_event_listener_with_callback("pageshow", show.as_ref().unchecked_ref());
        hide.forget();
        show.forget();
    }

    fn socket_url() -> String {
        let location = window().location();
        let scheme = if location.protocol().as_deref() == Ok("https:") {
            "wss"
        } else {
            "ws"
        };
        let host = location.host().unwrap_or_default();
        // Several messages per frame, one per line: a field of a thousand runners is
        // a thousand messages a second, and a frame each would cost the page its
        // frame rate.
        format!("{scheme}://{host}/ws?batch=1")
    }

    /// 0.5 s, 1 s, 2 s ... capped at 10 s, each scaled by a random 50-100 % so that a
    /// stadium of phones does not reconnect in lockstep after a restart.
    fn backoff_ms(attempt: u32) -> u32 {
        let base = 500u32
            .saturating_mul(1 << attempt.min(5).saturating_sub(1))
            .min(10_000);
        let jitter = 0.5 + js_sys::Math::random() * 0.5;
        (f64::from(base) * jitter) as u32
    }

    fn open_messages(socket: LiveSocket) -> Vec<ClientMsg> {
        let hooks: Vec<OnOpen> = socket
            .inner
            .try_with_value(|inner| inner.listeners.iter().map(|(_, o, _)| o.clone()).collect())
            .unwrap_or_default();
        hooks.iter().flat_map(|hook| hook()).collect()
    }

    fn dispatch(socket: LiveSocket, msg: &ServerMsg) {
        let handlers: Vec<OnMessage> = socket
            .inner
            .try_with_value(|inner| inner.listeners.iter().map(|(_, _, h)| h.clone()).collect())
            .unwrap_or_default();
        for handler in handlers {
            handler(msg);
        }
    }

    async fn run(socket: LiveSocket, mut outgoing: UnboundedReceiver<Out>) {
        let url = socket_url();
        let mut attempt = 0u32;
        let mut book = ResumeBook::default();
        loop {
            let mut cached = false;
            if let Ok(ws) = WebSocket::open(&url) {
                let (mut write, mut read) = ws.split();
                let mut greeted = false;
                loop {
                    match select(read.next(), outgoing.next()).await {
                        Either::Left((Some(Ok(Message::Text(text))), _)) => {
                            for line in text.split('\n') {
                                let msg = match ServerMsg::parse(line) {
                                    Ok(msg) => msg,
                                    Err(err) => {
                                        leptos::logging::warn!(
                                            "ignoring a message from the server: {err}"
                                        );
                                        continue;
                                    }
                                };
                                if let ServerMsg::Welcome { epoch, limits, .. } = &msg {
                                    greeted = true;
                                    if socket.max_topics.get_untracked() != limits.max_topics {
                                        socket.max_topics.set(limits.max_topics);
                                    }
                                    attempt = 0;
                                    socket.status.set(LinkStatus::Live);
                                    let old_epoch = book.on_welcome(epoch);
                                    for hello in open_messages(socket) {
                                        let hello = book.resume(hello, old_epoch.as_deref());
                                        let _ = write.send(Message::Text(hello.encode())).await;
                                    }
                                }
                                book.record(&msg);
                                dispatch(socket, &msg);
                            }
                        }
                        Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
                        Either::Left((Some(Err(_)) | None, _)) => break,
                        // Into the back/forward cache: the socket is dropped (closed)
                        // before the page is frozen.
                        Either::Right((Some(Out::Hide), _)) => {
                            cached = true;
                            break;
                        }
                        Either::Right((Some(Out::Show), _)) => {}
                        Either::Right((Some(Out::Msg(msg)), _)) => {
                            if let ClientMsg::Unsubscribe { topics, .. } = &msg {
                                book.forget(topics);
                            }
                            if greeted {
                                let _ = write.send(Message::Text(msg.encode())).await;
                            }
                        }
                        // The app is gone (the sender was dropped): stop for good.
                        Either::Right((None, _)) => return,
                    }
                }
            }
            if cached {
                // Back from the cache: open again at once, resuming where it was.
                socket.status.set(LinkStatus::Connecting);
                if !wait_for_show(&mut outgoing, &mut book).await {
                    return;
                }
                attempt = 0;
                continue;
            }
            attempt += 1;
            let delay = backoff_ms(attempt);
            socket.status.set(LinkStatus::Reconnecting {
                attempt,
                retry_in_s: delay.div_ceil(1000),
            });
            TimeoutFuture::new(delay).await;
            // Whatever pages sent while we were down is covered by their `on_open`.
            loop {
                match outgoing.try_recv() {
                    Ok(_) => continue,
                    Err(TryRecvError::Closed) => return,
                    Err(TryRecvError::Empty) => break,
                }
            }
            socket.status.set(LinkStatus::Connecting);
        }
    }

    /// Waits in the back/forward cache until the page is shown again (true), or the
    /// app is gone (false). What pages send meanwhile is covered by their `on_open`;
    /// an unsubscribe still drops its resume points.
    async fn wait_for_show(outgoing: &mut UnboundedReceiver<Out>, book: &mut ResumeBook) -> bool {
        loop {
            match outgoing.next().await {
                Some(Out::Show) => return true,
                Some(Out::Msg(ClientMsg::Unsubscribe { topics, .. })) => book.forget(&topics),
                Some(Out::Msg(_) | Out::Hide) => {}
                None => return false,
            }
        }
    }
}
