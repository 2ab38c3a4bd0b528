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
//! - **SOS.** A button that asks first, then raises a safety alert ([`sos`]).
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
        announcement::AnnouncementBanner,
        cheers::{Cheers, Line},
        track_map::StaticMap,
    },
    fix_queue::FixQueue,
    live::LiveSocket,
    protocol::{ClientMsg, ErrorCode, RunnerId, ServerMsg, Topic},
    race_data::{apply_board, upsert_standing, use_race_view},
};

pub mod race;
pub mod sos;
mod speech;
mod status;

use race::TrackRace;
use sos::SosButton;
use status::{link_text, refusal};

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
                && status.get_untracked() == crate::live::LinkStatus::Live
                && let Some(Some(msg)) = queue.try_update_value(|q| q.replay(&r))
            {
                live.send(msg);
            }
        });
        on_cleanup(move || {
            went.remove();
            back.remove();
        });
        speak.set(speech::wanted());
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
            speech::read_aloud(&format!("{who}: {}", line.text));
        }
    });
    let toggle_speak = move |ev| {
        let on = event_target_checked(&ev);
        speak.set(on);
        speech::keep(on);
        // Said in the click itself, so that a phone lets the page speak from now on.
        if on {
            speech::read_aloud("Cheers will be read aloud.");
        }
    };
    let runners = Signal::derive(move || me.get().into_iter().collect::<Vec<_>>());

    view! {
        <section class="page track-page">
            <h1>"Tracking"</h1>
            {move || race.event.with(|e| e.as_ref().map(|e| e.name.clone())).map(|n| view! {
                <p class="muted track-event">{n}</p>
            })}
            <AnnouncementBanner race=race for_runners=true/>
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
                (Some(_), None, None) => view! { <p class="muted track-who">"Checking your link…"</p> }.into_any(),
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
            <SosButton runner=runner.into() last=Signal::derive(move || sent.get().last) utc_offset_min=Signal::derive(move || race.utc_offset_min())/>
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
            // The runner's race below the controls: it appears once the link is checked
            // (after the socket's answer), and above them it pushed Start 370 px down
            // under the runner's thumb (a layout shift of 0.27 in Lighthouse).
            {move || runner.get().filter(|_| has_event.get()).map(|r| view! {
                <TrackRace runner=r row=row.into() now_ms=race.now_ms race=race/>
            })}
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

#[cfg(feature = "hydrate")]
mod browser;
