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
//! - **The runner's own race.** Once the server has accepted the link, the page takes
//!   the runner's row of the leaderboard (`board` and their own `runner:` topic, as a
//!   spectator's page does): name and bib, distance done and to go, rank, pace, the
//!   next checkpoint and when they should reach it.
//! - **Cheers.** The cheers their followers send (the room `cheer-<bib>`) are shown,
//!   and read aloud (the Speech Synthesis API) when the runner turns that on.
//! - **A status that tells the truth.** "Offline, 3 fixes waiting" whenever the
//!   browser is offline or the socket is down (fixes are not sent into a dead link:
//!   they wait, and go when the link is back); a passing location error clears
//!   itself with the next fix; a link the server refuses says so, and only that.
//!
//! All browser calls happen in event handlers behind the `hydrate` feature; the server
//! renders the page with its controls, and tracking starts once it is hydrated.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        cheers::{Cheers, Line},
        track_map::StaticMap,
    },
    fix_queue::FixQueue,
    format,
    live::{LinkStatus, LiveSocket},
    protocol::{
        ClientMsg, ErrorCode, RunnerId, ServerMsg, Topic,
        race::{Standing, Status},
    },
    race_data::{RaceSignals, apply_board, upsert_standing, use_race_view},
};

/// Where the browser keeps whether cheers are read aloud.
#[cfg(feature = "hydrate")]
const SPEAK_KEY: &str = "spectate.speak-cheers";

/// What the runner sees about their link: the truth, in a few words.
fn link_text(
    status: LinkStatus,
    online: bool,
    tracking: bool,
    waiting: usize,
) -> (&'static str, String) {
    let fixes = |n: usize| {
        if n == 1 {
            "1 fix".to_owned()
        } else {
            format!("{n} fixes")
        }
    };
    match (status, online) {
        (LinkStatus::Live, true) if waiting > 0 => (
            "live",
            format!("Live, sending {} that waited", fixes(waiting)),
        ),
        (LinkStatus::Live, true) if tracking => ("live", "Live: sharing your position".to_owned()),
        (LinkStatus::Live, true) => (
            "live",
            "Live: press Start to share your position".to_owned(),
        ),
        (LinkStatus::Connecting, true) if waiting == 0 => ("connecting", "Connecting…".to_owned()),
        _ if waiting > 0 => ("offline", format!("Offline, {} waiting", fixes(waiting))),
        _ if tracking => (
            "offline",
            "Offline: your next positions will wait on this phone".to_owned(),
        ),
        _ => ("offline", "Offline".to_owned()),
    }
}

/// What a refused link means, in plain words.
fn refusal(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::TokenExpired => Some("This tracking link has expired."),
        ErrorCode::TokenInvalid => {
            Some("This tracking link is not valid: it may be cut short, or be for another race.")
        }
        ErrorCode::TokenWrongSubject => Some("This link is not a runner's tracking link."),
        ErrorCode::TokenMissing => Some("This page needs your personal tracking link."),
        ErrorCode::OriginForbidden => Some("This link was opened from another site."),
        _ => None,
    }
}

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
    // A link the server refused: (what it means, the server's words).
    let refused = RwSignal::new(None::<(String, String)>);
    // A passing location error: cleared by the next fix.
    let location_error = RwSignal::new(None::<String>);
    let online = RwSignal::new(true);
    let speak = RwSignal::new(false);
    let race = use_race_view(&[]);
    let live = LiveSocket::expect();
    let status = live.status();
    let has_event = Memo::new(move |_| race.event.with(Option::is_some));
    // The runner's own race: their board row and the event's field.
    let own_topics = move |r: &RunnerId| -> Vec<Topic> {
        if has_event.get_untracked() {
            vec![Topic::Board, Topic::Runner(r.clone())]
        } else {
            Vec::new()
        }
    };
    let follow_own = move |r: &RunnerId| {
        let topics = own_topics(r);
        (!topics.is_empty()).then_some(ClientMsg::Subscribe {
            id: None,
            topics,
            resume: None,
        })
    };

    live.listen(
        move || {
            // Authenticate first, then send again whatever is still unacknowledged
            // (unless the browser is offline: the fixes wait for it), and take the
            // runner's race again.
            let mut hello: Vec<ClientMsg> = token
                .get_untracked()
                .map(|token| ClientMsg::Auth { id: None, token })
                .into_iter()
                .collect();
            if let Some(runner) = runner.get_untracked() {
                let replayed = queue.try_update_value(|q| q.replay(&runner)).flatten();
                if online.get_untracked() {
                    hello.extend(replayed);
                }
                hello.extend(follow_own(&runner));
            }
            hello
        },
        move |msg| match msg {
            ServerMsg::Authed { subject, .. } => match subject.strip_prefix("runner:") {
                Some(id) => {
                    let id = RunnerId::parse(id).ok();
                    let first = runner.get_untracked().is_none();
                    runner.set(id.clone());
                    refused.set(None);
                    if first
                        && let Some(id) = id
                        && let Some(msg) = follow_own(&id)
                    {
                        live.send(msg);
                    }
                }
                None => refused.set(Some((
                    "This link is not a runner's tracking link.".to_owned(),
                    format!("It is for {subject}."),
                ))),
            },
            ServerMsg::Board { runners, top, .. } => {
                let me: Vec<RunnerId> = runner.get_untracked().into_iter().collect();
                race.event.with_untracked(|event| {
                    race.board.update(|b| {
                        *b = Some(apply_board(b.take(), event.as_ref(), *runners, top, &me));
                    });
                });
            }
            ServerMsg::Standing {
                topic: Topic::Runner(r),
                row,
            } if runner.with_untracked(|me| me.as_ref() == Some(r)) => race.board.update(|b| {
                if let Some(b) = b {
                    upsert_standing(b, row);
                }
            }),
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
            // The runner's own race is a nicety: a refusal of its topics (a runner
            // outside the event, say) leaves that section empty, and says nothing.
            ServerMsg::Error {
                id: None,
                topic: Some(Topic::Board | Topic::Runner(_)),
                ..
            } => {}
            ServerMsg::Error {
                id, code, message, ..
            } => {
                if runner.with_untracked(Option::is_none)
                    && let Some(plain) = refusal(*code)
                {
                    refused.set(Some((plain.to_owned(), message.clone())));
                    return;
                }
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

    // The browser's own word on the network: offline, nothing is sent (it waits);
    // back online, what waited goes, oldest first.
    #[cfg(feature = "hydrate")]
    Effect::new(move |first: Option<()>| {
        if first.is_some() {
            return;
        }
        online.set(window().navigator().on_line());
        let went = window_event_listener_untyped("offline", move |_| online.set(false));
        let back = window_event_listener_untyped("online", move |_| {
            online.set(true);
            if let Some(r) = runner.get_untracked()
                && status.get_untracked() == LinkStatus::Live
                && let Some(Some(msg)) = queue.try_update_value(|q| q.replay(&r))
            {
                live.send(msg);
            }
        });
        on_cleanup(move || {
            went.remove();
            back.remove();
        });
        speak.set(
            window()
                .local_storage()
                .ok()
                .flatten()
                .and_then(|s| s.get_item(SPEAK_KEY).ok().flatten())
                .is_some_and(|v| v == "on"),
        );
    });

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
            browser::Sink {
                live,
                runner,
                queue,
                sent,
                waiting,
                location_error,
                online,
            },
            high_accuracy.get_untracked(),
            every_s.get_untracked(),
        );
    };
    let stop = move |_| {
        tracking.set(false);
        #[cfg(feature = "hydrate")]
        browser::stop();
    };

    let link = move || link_text(status.get(), online.get(), tracking.get(), waiting.get());
    let me = Memo::new(move |_| runner.get());
    let row = Memo::new(move |_| {
        me.get().and_then(|r| {
            race.board.with(|b| {
                b.as_ref()
                    .and_then(|b| b.standings.iter().find(|s| s.bib == r).cloned())
            })
        })
    });
    let name = move || {
        let r = me.get()?;
        row.with(|s| s.as_ref().map(|s| s.name.clone()))
            .or_else(|| {
                race.event.with(|e| {
                    e.as_ref()
                        .and_then(|e| e.entrant(&r))
                        .map(|e| e.name.clone())
                })
            })
    };
    let on_cheer = Callback::new(move |line: Line| {
        if speak.get_untracked() {
            let who = line.who.unwrap_or_else(|| "Someone".to_owned());
            read_aloud(&format!("{who}: {}", line.text));
        }
    });
    let toggle_speak = move |ev| {
        let on = event_target_checked(&ev);
        speak.set(on);
        #[cfg(feature = "hydrate")]
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = storage.set_item(SPEAK_KEY, if on { "on" } else { "off" });
        }
        // Said in the click itself, so that a phone lets the page speak from now on.
        if on {
            read_aloud("Cheers will be read aloud.");
        }
    };
    let runners = Signal::derive(move || me.get().into_iter().collect::<Vec<_>>());

    view! {
        <section class="page track-page">
            <h1>"Tracking"</h1>
            {move || race.event.with(|e| e.as_ref().map(|e| e.name.clone())).map(|n| view! {
                <p class="muted track-event">{n}</p>
            })}
            {move || match (token.get(), runner.get(), refused.get()) {
                (None, _, _) => view! {
                    <p class="notice" role="alert">
                        "Open this page from your personal tracking link (it carries your token)."
                    </p>
                }.into_any(),
                (Some(_), None, Some((plain, detail))) => view! {
                    <div class="notice" role="alert" data-testid="track-refused">
                        <p><strong>{plain}</strong>" Ask the organiser for a new link."</p>
                        <p class="muted">{detail}</p>
                    </div>
                }.into_any(),
                (Some(_), None, None) => view! { <p class="muted">"Checking your link…"</p> }.into_any(),
                (Some(_), Some(r), _) => view! {
                    <p class="track-who" data-testid="track-runner">
                        {move || match name() {
                            Some(n) => view! { <span class="bib">{r.to_string()}</span>" "<strong>{n}</strong> }.into_any(),
                            None => view! { "Runner " <strong>{r.to_string()}</strong> }.into_any(),
                        }}
                    </p>
                }.into_any(),
            }}
            <p class="track-link" data-testid="track-link" role="status" data-state=move || link().0>
                <span class="dot" aria-hidden="true"></span>{move || link().1}
            </p>
            {move || (runner.with(Option::is_some) && has_event.get()).then(|| view! {
                <TrackRace row=row.into() now_ms=race.now_ms race=race/>
            })}
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
                    prop:disabled=move || tracking.get() || refused.with(Option::is_some)>"Start tracking"</button>
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
            {move || location_error.get().map(|n| view! { <p class="notice" role="alert" data-testid="track-location-error">{n}</p> })}
            {move || notice.get().map(|n| view! { <p class="notice" role="alert">{n}</p> })}
            {move || runner.with(Option::is_some).then(|| view! {
                <div class="track-cheers">
                    <label class="track-speak">
                        <input type="checkbox" data-testid="track-speak" prop:checked=move || speak.get()
                            on:change=toggle_speak/>
                        " Read cheers aloud"
                    </label>
                    <Cheers runners=runners race=race listen_only=true on_cheer=on_cheer/>
                </div>
            })}
            {move || (runner.with(Option::is_some) && has_event.get()).then(|| view! {
                <div class="track-course">
                    <StaticMap race=race follows=runners/>
                </div>
            })}
        </section>
    }
}

/// The runner's race, from their leaderboard row: done and to go, rank, pace, the
/// next checkpoint and the finish, with when they should reach them.
#[component]
fn TrackRace(
    /// Their row, once the server has one.
    row: Signal<Option<Standing>>,
    /// The server's clock at the first paint.
    now_ms: u64,
    /// The event and board (the field's size).
    race: RaceSignals,
) -> impl IntoView {
    let now = RwSignal::new(now_ms);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none()
            && let Ok(handle) = set_interval_with_handle(
                move || now.set(js_sys::Date::now() as u64),
                std::time::Duration::from_secs(1),
            )
        {
            on_cleanup(move || handle.clear());
        }
    });
    let field = move || {
        race.board
            .with(|b| b.as_ref().map_or(0, |b| b.runners.max(b.standings.len())))
    };
    let fact =
        |label: &'static str, id: &'static str, value: Box<dyn Fn() -> String + Send + Sync>| {
            view! { <div><dt>{label}</dt><dd data-testid=id>{value}</dd></div> }
        };
    let with =
        move |f: fn(&Standing, u64, usize) -> String| -> Box<dyn Fn() -> String + Send + Sync> {
            Box::new(move || {
                let (t, n) = (now.get(), field());
                row.with(|s| s.as_ref().map_or("–".to_owned(), |s| f(s, t, n)))
            })
        };
    let started = move || row.with(|s| s.as_ref().is_some_and(|s| s.last_seen_ms.is_some()));
    view! {
        <section class="track-race" aria-label="Your race">
            {move || (!started()).then(|| view! {
                <p class="muted">"Your race shows here from your first position."</p>
            })}
            <dl class="track-facts">
                {fact("Done", "track-done", with(|s, _, _| format::distance(s.distance_m)))}
                {fact("To go", "track-to-go", with(|s, _, _| format::distance((s.finish.distance_m - s.distance_m).max(0.0))))}
                {fact("Rank", "track-rank", with(|s, _, n| if s.last_seen_ms.is_some() { format!("{} of {n}", s.position) } else { "–".to_owned() }))}
                {fact("Pace", "track-pace", with(|s, _, _| format::pace(s.pace_s_per_km)))}
                {fact("Next checkpoint", "track-next", with(|s, _, _| match (&s.next_checkpoint, s.status) {
                    (_, Status::Finished) => "none: you finished".to_owned(),
                    (Some(c), _) => format!("{}, {} away", c.name, format::distance((c.distance_m - s.distance_m).max(0.0))),
                    (None, _) => "the finish".to_owned(),
                }))}
                {fact("Reach it", "track-next-eta", with(|s, now, _| match &s.next_checkpoint {
                    Some(c) if s.status != Status::Finished => format::eta(now, c.eta_ms),
                    _ => format::eta(now, s.finish.eta_ms),
                }))}
                {fact("Finish", "track-finish", with(|s, now, _| if s.finished_ms.is_some() { "finished".to_owned() } else { format::eta(now, s.finish.eta_ms) }))}
            </dl>
        </section>
    }
}

/// Reads `text` aloud (the Speech Synthesis API), where the browser can.
fn read_aloud(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        let window: JsValue = window().into();
        let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &key.into()).ok();
        let (Some(synth), Some(utterance)) = (
            get(&window, "speechSynthesis").filter(|s| !s.is_undefined()),
            get(&window, "SpeechSynthesisUtterance")
                .and_then(|c| c.dyn_into::<js_sys::Function>().ok()),
        ) else {
            return;
        };
        let Ok(said) = js_sys::Reflect::construct(&utterance, &js_sys::Array::of1(&text.into()))
        else {
            return;
        };
        if let Some(speak) =
            get(&synth, "speak").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        {
            let _ = speak.call1(&synth, &said);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
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

    /// Where the watch's fixes go, and what it says on screen.
    #[derive(Clone, Copy)]
    pub(super) struct Sink {
        pub(super) live: LiveSocket,
        pub(super) runner: RwSignal<Option<RunnerId>>,
        pub(super) queue: StoredValue<FixQueue>,
        pub(super) sent: RwSignal<Sent>,
        pub(super) waiting: RwSignal<usize>,
        /// A location error, until the next fix clears it.
        pub(super) location_error: RwSignal<Option<String>>,
        /// The browser's word on the network: offline, fixes wait.
        pub(super) online: RwSignal<bool>,
    }

    pub(super) fn start(sink: Sink, high_accuracy: bool, every_s: u32) {
        stop();
        let Sink {
            live,
            runner,
            queue,
            sent,
            waiting,
            location_error,
            online,
        } = sink;
        let Ok(geolocation) = window().navigator().geolocation() else {
            location_error.set(Some("This browser cannot share its location.".into()));
            return;
        };
        let mut last_sent_ms = 0.0;
        let on_position =
            Closure::<dyn FnMut(web_sys::Position)>::new(move |position: web_sys::Position| {
                let coords = position.coords();
                let taken_ms = position.timestamp();
                // The location is back: whatever went wrong before has passed.
                if location_error.with_untracked(Option::is_some) {
                    location_error.set(None);
                }
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
                // Offline, the fix waits in the queue (sent when the browser is back
                // online, or by the socket's reconnect).
                if let Some(Some(msg)) =
                    queue.try_update_value(|q| q.push(&runner, at, taken_ms as u64))
                    && online.get_untracked()
                {
                    live.send(msg);
                }
                waiting.set(queue.with_value(FixQueue::len));
            });
        let on_error = Closure::<dyn FnMut(web_sys::PositionError)>::new(
            move |err: web_sys::PositionError| {
                location_error.set(Some(format!(
                    "Location unavailable for now: {}. Tracking goes on when the phone finds it again.",
                    err.message()
                )));
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
            Err(_) => location_error.set(Some("Could not start following the location.".into())),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_status_tells_the_truth() {
        let down = LinkStatus::Reconnecting {
            attempt: 1,
            retry_in_s: 2,
        };
        assert_eq!(link_text(down, true, true, 3).1, "Offline, 3 fixes waiting");
        assert_eq!(
            link_text(LinkStatus::Live, false, true, 1).1,
            "Offline, 1 fix waiting"
        );
        assert_eq!(
            link_text(LinkStatus::Connecting, true, true, 2).0,
            "offline"
        );
        assert_eq!(
            link_text(LinkStatus::Connecting, true, false, 0).1,
            "Connecting…"
        );
        assert_eq!(link_text(LinkStatus::Live, true, true, 0).0, "live");
        assert_eq!(link_text(LinkStatus::Live, false, false, 0).1, "Offline");
    }
}
