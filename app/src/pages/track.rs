//! `/track?token=...`: the runner's page. Opened on the runner's phone from their
//! personal link, it follows the phone's position (`watchPosition`) and publishes it
//! over the tab's socket, authenticated with the token from the link.
//!
//! - **Nothing is lost offline.** Every fix waits in a [`FixQueue`] until the server
//!   acknowledges it. After a reconnect the queue is sent again, oldest first, with the
//!   times the fixes were taken, so pace and ETAs stay right.
//! - **Battery.** The runner chooses GPS accuracy (high, or a saver mode that lets the
//!   phone use cheaper sources) and how often a fix is sent.
//! - **Wake lock.** Where the browser supports it, the screen is kept on while
//!   tracking, because a phone that sleeps stops reporting positions.
//!
//! All browser calls happen in event handlers behind the `hydrate` feature; the server
//! renders the page with its controls, and tracking starts once it is hydrated.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    fix_queue::FixQueue,
    live::LiveSocket,
    protocol::{ClientMsg, ErrorCode, RunnerId, ServerMsg},
};

/// What the runner sees about their tracking.
#[derive(Clone, Debug, Default, PartialEq)]
struct Sent {
    /// Fixes acknowledged by the server.
    count: u64,
    /// The last position taken: (lat, lng, accuracy in m).
    last: Option<(f64, f64, f64)>,
}

/// The runner page.
#[component]
pub fn TrackPage() -> impl IntoView {
    let query = use_query_map();
    let token = Memo::new(move |_| query.with(|q| q.get("token")));
    let runner = RwSignal::new(None::<RunnerId>);
    let notice = RwSignal::new(None::<String>);
    let tracking = RwSignal::new(false);
    let high_accuracy = RwSignal::new(true);
    let every_s = RwSignal::new(5u32);
    let sent = RwSignal::new(Sent::default());
    let waiting = RwSignal::new(0usize);
    let queue = StoredValue::new(FixQueue::new());
    let live = LiveSocket::expect();

    live.listen(
        move || {
            // Authenticate first, then send again whatever is still unacknowledged.
            let mut hello: Vec<ClientMsg> = token
                .get_untracked()
                .map(|token| ClientMsg::Auth { id: None, token })
                .into_iter()
                .collect();
            if let Some(runner) = runner.get_untracked() {
                hello.extend(queue.try_update_value(|q| q.replay(&runner)).flatten());
            }
            hello
        },
        move |msg| match msg {
            ServerMsg::Authed { subject, .. } => match subject.strip_prefix("runner:") {
                Some(id) => {
                    runner.set(RunnerId::parse(id).ok());
                    notice.set(None);
                }
                None => notice.set(Some(format!(
                    "This link is for {subject}, not for a runner: ask the organiser for your own link."
                ))),
            },
            ServerMsg::Ack { id, .. } => {
                let Some(r) = runner.get_untracked() else {
                    return;
                };
                if let Some((was_queued, next)) = queue.try_update_value(|q| q.settle(&r, *id)) {
                    if was_queued {
                        sent.update(|s| s.count += 1);
                    }
                    if let Some(next) = next {
                        live.send(next);
                    }
                }
                waiting.set(queue.with_value(FixQueue::len));
            }
            ServerMsg::Error {
                id, code, message, ..
            } => {
                let (Some(id), Some(r)) = (id, runner.get_untracked()) else {
                    notice.set(Some(message.clone()));
                    return;
                };
                if matches!(code, ErrorCode::RateLimited | ErrorCode::Unavailable) {
                    // "Later": the same fix again in a second, nothing overtaking it.
                    queue.update_value(|q| q.hold(*id));
                    #[cfg(feature = "hydrate")]
                    set_timeout(
                        move || {
                            if let Some(Some(msg)) = queue.try_update_value(|q| q.resume(&r)) {
                                live.send(msg);
                            }
                        },
                        std::time::Duration::from_secs(1),
                    );
                    return;
                }
                // A refused fix would be refused again: drop it, say why, go on.
                if let Some((_, Some(next))) = queue.try_update_value(|q| q.settle(&r, *id)) {
                    live.send(next);
                }
                waiting.set(queue.with_value(FixQueue::len));
                notice.set(Some(message.clone()));
            }
            _ => {}
        },
    );

    let start = move |_| {
        if runner.get_untracked().is_none() {
            notice.set(Some(
                "Waiting for the server to accept your link; try again in a moment.".into(),
            ));
            return;
        }
        tracking.set(true);
        #[cfg(feature = "hydrate")]
        browser::start(
            live,
            runner,
            queue,
            sent,
            waiting,
            notice,
            high_accuracy.get_untracked(),
            every_s.get_untracked(),
        );
    };
    let stop = move |_| {
        tracking.set(false);
        #[cfg(feature = "hydrate")]
        browser::stop();
    };

    view! {
        <section class="page track-page">
            <h1>"Tracking"</h1>
            {move || match (token.get(), runner.get()) {
                (None, _) => view! {
                    <p class="notice" role="alert">
                        "Open this page from your personal tracking link (it carries your token)."
                    </p>
                }.into_any(),
                (Some(_), None) => view! { <p class="muted">"Checking your link…"</p> }.into_any(),
                (Some(_), Some(r)) => view! {
                    <p data-testid="track-runner">"Runner " <strong>{r.to_string()}</strong></p>
                }.into_any(),
            }}
            <fieldset class="track-settings" prop:disabled=move || tracking.get()>
                <legend>"Settings"</legend>
                <label>
                    <input type="checkbox" prop:checked=move || high_accuracy.get()
                        on:change=move |ev| high_accuracy.set(event_target_checked(&ev))/>
                    " High accuracy (GPS; uses more battery)"
                </label>
                <label for="track-every">"Send a position every "</label>
                <select id="track-every" on:change=move |ev| {
                    every_s.set(event_target_value(&ev).parse().unwrap_or(5))
                }>
                    <option value="5" selected=true>"5 s"</option>
                    <option value="15">"15 s"</option>
                    <option value="30">"30 s (battery saver)"</option>
                </select>
            </fieldset>
            <div class="track-buttons">
                <button type="button" data-testid="track-start" on:click=start
                    prop:disabled=move || tracking.get()>"Start tracking"</button>
                <button type="button" data-testid="track-stop" on:click=stop
                    prop:disabled=move || !tracking.get()>"Stop"</button>
            </div>
            <dl class="track-status" aria-live="polite">
                <dt>"Sent"</dt>
                <dd data-testid="track-sent">{move || sent.get().count}</dd>
                <dt>"Waiting to send"</dt>
                <dd data-testid="track-waiting">{move || waiting.get()}</dd>
                <dt>"Last position"</dt>
                <dd data-testid="track-last">{move || sent.get().last.map_or("–".to_owned(), |(lat, lng, acc)| {
                    format!("{lat:.5}, {lng:.5} (±{acc:.0} m)")
                })}</dd>
            </dl>
            {move || notice.get().map(|n| view! { <p class="notice" role="alert">{n}</p> })}
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The Geolocation watch and the wake lock (browser only).

    use std::cell::RefCell;

    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};

    use super::Sent;
    use crate::{
        fix_queue::FixQueue,
        live::LiveSocket,
        protocol::{LatLng, RunnerId},
    };

    /// The running watch: its id and the callbacks the browser holds.
    struct Watch {
        id: i32,
        _on_position: Closure<dyn FnMut(web_sys::Position)>,
        _on_error: Closure<dyn FnMut(web_sys::PositionError)>,
    }

    thread_local! {
        static WATCH: RefCell<Option<Watch>> = const { RefCell::new(None) };
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn start(
        live: LiveSocket,
        runner: RwSignal<Option<RunnerId>>,
        queue: StoredValue<FixQueue>,
        sent: RwSignal<Sent>,
        waiting: RwSignal<usize>,
        notice: RwSignal<Option<String>>,
        high_accuracy: bool,
        every_s: u32,
    ) {
        stop();
        let Ok(geolocation) = window().navigator().geolocation() else {
            notice.set(Some("This browser cannot share its location.".into()));
            return;
        };
        let mut last_sent_ms = 0.0;
        let on_position =
            Closure::<dyn FnMut(web_sys::Position)>::new(move |position: web_sys::Position| {
                let coords = position.coords();
                let taken_ms = position.timestamp();
                sent.update(|s| {
                    s.last = Some((coords.latitude(), coords.longitude(), coords.accuracy()))
                });
                if taken_ms - last_sent_ms < f64::from(every_s) * 1000.0 {
                    return;
                }
                let (Some(runner), Ok(at)) = (
                    runner.get_untracked(),
                    LatLng::parse(coords.latitude(), coords.longitude()),
                ) else {
                    return;
                };
                last_sent_ms = taken_ms;
                if let Some(Some(msg)) =
                    queue.try_update_value(|q| q.push(&runner, at, taken_ms as u64))
                {
                    live.send(msg);
                }
                waiting.set(queue.with_value(FixQueue::len));
            });
        let on_error = Closure::<dyn FnMut(web_sys::PositionError)>::new(
            move |err: web_sys::PositionError| {
                notice.set(Some(format!("Location unavailable: {}", err.message())));
            },
        );
        let options = web_sys::PositionOptions::new();
        options.set_enable_high_accuracy(high_accuracy);
        options.set_maximum_age(if high_accuracy { 0 } else { 30_000 });
        options.set_timeout(60_000);
        match geolocation.watch_position_with_error_callback_and_options(
            on_position.as_ref().unchecked_ref(),
            Some(on_error.as_ref().unchecked_ref()),
            &options,
        ) {
            Ok(id) => WATCH.with(|w| {
                *w.borrow_mut() = Some(Watch {
                    id,
                    _on_position: on_position,
                    _on_error: on_error,
                })
            }),
            Err(_) => notice.set(Some("Could not start following the location.".into())),
        }
        keep_screen_on();
    }

    pub(super) fn stop() {
        if let Some(watch) = WATCH.with(|w| w.borrow_mut().take())
            && let Ok(geolocation) = window().navigator().geolocation()
        {
            geolocation.clear_watch(watch.id);
        }
    }

    /// `navigator.wakeLock.request("screen")`, where the browser has it. Looked up
    /// dynamically: the API is missing in some browsers and unstable in web-sys.
    fn keep_screen_on() {
        let navigator: JsValue = window().navigator().into();
        let Ok(wake_lock) = js_sys::Reflect::get(&navigator, &"wakeLock".into()) else {
            return;
        };
        if wake_lock.is_undefined() {
            return;
        }
        if let Ok(request) = js_sys::Reflect::get(&wake_lock, &"request".into())
            && let Some(request) = request.dyn_ref::<js_sys::Function>()
        {
            // A refusal (no permission, or the page is hidden) is harmless: tracking
            // goes on. Catch it, so it is not reported as an unhandled rejection.
            if let Ok(promise) = request.call1(&wake_lock, &"screen".into())
                && let Ok(promise) = promise.dyn_into::<js_sys::Promise>()
            {
                let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
                let _ = promise.catch(&ignore);
                // One small handler per start of tracking; the browser holds it.
                ignore.forget();
            }
        }
    }
}
