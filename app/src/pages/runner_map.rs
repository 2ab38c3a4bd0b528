//! `/`: the spectator's page. The event, a live map of every runner, search and
//! follow by bib or name, a panel for the focused runner, the leaderboard, and
//! cheers.
//!
//! The follows live in the URL (`/?follow=12,57`), so the server renders the same
//! chips and panels the browser shows and a link can be shared; the browser also
//! keeps them in local storage, and a bare `/` reopens with them. Changing follows
//! navigates to the new URL (replacing the history entry).
//!
//! The page's cost does not grow with the field. It subscribes to three kinds of
//! topics: `field` (every runner's latest position, one frame a second for the whole
//! field, straight to the map as one batch: [`MapHandle::field`]), `board` (the top of
//! the leaderboard, pushed when it changes) and one `runner:<bib>` per followed runner
//! (a trail, exact fixes for the map's gliding marker and the panel's speed chart, and
//! their row of the board). Without an event on the server there is no field or
//! board: only the followed runners' topics. The socket's `on_open` re-sends the whole
//! list after a reconnect; runners resume from the last sequence seen, the field and
//! the board answer with a fresh full frame.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};

use crate::{
    components::{
        announcement::AnnouncementBanner,
        cheers::Cheers,
        connection_status::ConnectionStatus,
        course_progress::CourseProgress,
        follow_search::FollowSearch,
        leaderboard::Leaderboard,
        live_map::{LiveMap, MapHandle},
        runner_panel::RunnerPanel,
        split_alerts::SplitAlerts,
        track_map::Track,
    },
    follow_list::{FollowList, missing_from},
    live::LiveSocket,
    pages::embed::EmbedView,
    protocol::{ClientMsg, EventData, RunnerId, ServerMsg, Topic},
    race_data::{
        RaceSignals, apply_board, take_field_version, upsert_standing, use_clock, use_race_view,
    },
};

mod reveal;

use reveal::reveal_panel;

/// Where the browser keeps the follows.
const STORAGE_KEY: &str = "spectate.follows";

/// The `subscribe` for these topics.
fn subscribe(topics: Vec<Topic>) -> ClientMsg {
    ClientMsg::Subscribe {
        id: None,
        topics,
        resume: None,
    }
}

/// The event's shared topics: the field and the board.
fn event_topics() -> Vec<Topic> {
    vec![Topic::Field, Topic::Board]
}

/// The runner map page.
#[component]
pub fn RunnerMapPage() -> impl IntoView {
    view! { <MapPage/> }
}

/// The map page; `embed`: laid out for an iframe (`/embed`, [`EmbedView`]).
#[component]
pub(crate) fn MapPage(#[prop(optional)] embed: Option<EmbedView>) -> impl IntoView {
    let query = use_query_map();
    let follows = Memo::new(move |_| {
        query.with(|q| {
            FollowList::parse([
                q.get_str("follow").unwrap_or(""),
                q.get_str("add").unwrap_or(""),
            ])
        })
    });
    let follow_ids = Signal::derive(move || follows.with(|f| f.ids.clone()));
    let race = use_race_view(&follows.get_untracked().ids);
    let focus = RwSignal::new(None::<RunnerId>);
    let tracks = RwSignal::new(BTreeMap::<RunnerId, Track>::new());
    let notice = RwSignal::new(None::<String>);
    let map = MapHandle::new(focus);
    let live = LiveSocket::expect();
    let now_ms = use_clock(race.now_ms);

    let has_event = Memo::new(move |_| race.event.with(Option::is_some));

    live.listen(
        move || {
            let mut topics = if has_event.get_untracked() {
                event_topics()
            } else {
                Vec::new()
            };
            topics.extend(
                follows
                    .with_untracked(|f| f.ids.clone())
                    .into_iter()
                    .map(Topic::Runner),
            );
            if topics.is_empty() {
                Vec::new()
            } else {
                vec![subscribe(topics)]
            }
        },
        move |msg| on_message(msg, race, map, follows, tracks, notice),
    );

    // The field and the board, once the event is known (after a client-side
    // navigation it is fetched after the socket opened).
    Effect::new(move |was: Option<bool>| {
        let now = has_event.get();
        if was == Some(false) && now {
            live.send(subscribe(event_topics()));
        }
        now
    });
    // Subscribe to the runners just followed and unsubscribe from those dropped. A
    // runner dropped stays on the map as one of the field (unless there is no field).
    Effect::new(move |previous: Option<Vec<RunnerId>>| {
        let current = follows.with(|f| f.ids.clone());
        if let Some(previous) = previous {
            let removed = missing_from(&previous, &current);
            let added = missing_from(&current, &previous);
            tracks.update(|t| t.retain(|r, _| current.contains(r)));
            if !removed.is_empty() {
                if !has_event.get_untracked() {
                    removed.iter().for_each(|r| map.remove(r));
                }
                live.send(ClientMsg::Unsubscribe {
                    id: None,
                    topics: removed.into_iter().map(Topic::Runner).collect(),
                });
            }
            if !added.is_empty() {
                live.send(subscribe(added.into_iter().map(Topic::Runner).collect()));
            }
        }
        current
    });

    // Leaving the page (to the dashboard, say) stops the field: a frame a second of a
    // large field is too much to receive for nothing.
    on_cleanup(move || {
        let mut topics: Vec<Topic> = follows
            .try_with_untracked(|f| f.ids.iter().cloned().map(Topic::Runner).collect())
            .unwrap_or_default();
        if has_event.try_get_untracked() == Some(true) {
            topics.extend(event_topics());
        }
        if !topics.is_empty() {
            live.send(ClientMsg::Unsubscribe { id: None, topics });
        }
    });

    let navigate = use_navigate();
    let set_follows = Callback::new(move |ids: Vec<RunnerId>| {
        let href = embed.map_or_else(|| FollowList::href(&ids), |e| e.href(&ids));
        navigate(
            &href,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    });
    // A tapped marker (or a name on the board) brings the runner's panel into view:
    // on a phone it is below the map. Following from the board's star shows the
    // panel too, but leaves the page where it is.
    let quiet = StoredValue::new(false);
    Effect::new(move |first: Option<()>| {
        let shown = focus.get();
        let quiet = quiet.try_update_value(|q| std::mem::replace(q, false)) == Some(true);
        // Not in a frame: scrolling into view would scroll the race site's page too.
        if first.is_some() && shown.is_some() && !quiet && embed.is_none() {
            reveal_panel();
        }
    });
    let toggle = Callback::new(move |(runner, on): (RunnerId, bool)| {
        let mut ids = follows.get_untracked().ids;
        if on {
            if !ids.contains(&runner) {
                ids.push(runner.clone());
            }
            quiet.set_value(true);
            focus.set(Some(runner));
        } else {
            ids.retain(|r| *r != runner);
        }
        set_follows.run(ids);
    });
    // A frame on the race's site shows what its address says, not this browser's
    // follows on the site itself.
    if embed.is_none() {
        remember_follows(follows, set_follows);
    }

    // The panel shows the focused runner, else the first followed one.
    let shown = Memo::new(move |_| {
        focus
            .get()
            .or_else(|| follows.with(|f| f.ids.first().cloned()))
    });
    let rejected = move || follows.with(|f| f.rejected.clone());
    let title = move || {
        race.event.with(|e| {
            e.as_ref()
                .map_or("Runner map".to_owned(), |e| e.name.clone())
        })
    };
    let subtitle = move || {
        race.event.with(|e| {
            e.as_ref().map(|e| {
                format!(
                    "{:.1} km course · {} runners",
                    e.course_m / 1000.0,
                    e.runners.max(e.entrants.len())
                )
            })
        })
    };

    // One runner's panel: the focused one, else (not in a frame) the first followed.
    let panel = move |runner: RunnerId| {
        let id = runner.clone();
        let track = Signal::derive({
            let id = id.clone();
            move || tracks.with(|t| t.get(&id).cloned())
        });
        let followed = Signal::derive(move || follows.with(|f| f.ids.contains(&id)));
        view! {
            <RunnerPanel runner=runner race=race track=track followed=followed now_ms=now_ms.into()
                close=Callback::new(move |()| focus.set(None))/>
        }
    };

    if let Some(embed) = embed {
        return view! {
            <section class="page map-page embed-page" style=format!("--embed-map-height: {}px", embed.height)>
                <header class="race-head">
                    <h1>{title}</h1>
                    <ConnectionStatus/>
                    <a class="embed-open" href=move || follows.with(|f| FollowList::href(&f.ids))
                        target="_blank" rel="noopener">"Open the full map"</a>
                </header>
                <div class="map-layout">
                    <div class="map-col">
                        <LiveMap handle=map race=race follows=follow_ids/>
                    </div>
                    <aside class="side" aria-label="Runner details">
                        {move || focus.get().map(panel)}
                        {embed.board.then(|| view! {
                            <Leaderboard race=race follows=follow_ids toggle=toggle focus=focus/>
                        })}
                    </aside>
                </div>
            </section>
        }
        .into_any();
    }

    view! {
        <section class="page map-page">
            <header class="race-head">
                <h1>{title}</h1>
                {move || subtitle().map(|s| view! { <p class="muted">{s}</p> })}
            </header>
            <AnnouncementBanner race=race for_runners=false/>
            <div class="map-layout">
                <div class="map-col">
                    <FollowSearch race=race follows=follows set_follows=set_follows notice=notice/>
                    <For each=rejected key=String::clone children=|problem| view! { <p class="notice">{problem}</p> }/>
                    {move || notice.get().map(|n| view! { <p class="notice" role="alert">{n}</p> })}
                    {move || (follows.with(|f| f.ids.is_empty()) && race.event.with(Option::is_none)).then(|| view! {
                        <p class="hint">"Try the demo runners: " <a href="/?follow=1,2,3">"follow 1, 2 and 3"</a> "."</p>
                    })}
                    <LiveMap handle=map race=race follows=follow_ids/>
                </div>
                <aside class="side" aria-label="Runner details">
                    <CourseProgress race=race follows=follow_ids now_ms=now_ms.into() focus=focus/>
                    {move || shown.get().map(panel)}
                    <Leaderboard race=race follows=follow_ids toggle=toggle focus=focus/>
                    <Cheers runners=follow_ids race=race/>
                </aside>
            </div>
            <SplitAlerts follows=follow_ids race=race/>
        </section>
    }
    .into_any()
}

/// One message of the socket, for this page.
fn on_message(
    msg: &ServerMsg,
    race: RaceSignals,
    map: MapHandle,
    follows: Memo<FollowList>,
    tracks: RwSignal<BTreeMap<RunnerId, Track>>,
    notice: RwSignal<Option<String>>,
) {
    let followed = |runner: &RunnerId| follows.with_untracked(|f| f.ids.contains(runner));
    match msg {
        ServerMsg::Field { full, o, t, r, .. } => map.field(*full, *o, *t, r),
        ServerMsg::Board {
            runners,
            top,
            field,
            ..
        } => {
            take_field_version(race, field);
            let ids = follows.with_untracked(|f| f.ids.clone());
            race.event.with_untracked(|event| {
                race.board.update(|b| {
                    *b = Some(apply_board(b.take(), event.as_ref(), *runners, top, &ids));
                });
            });
        }
        ServerMsg::Standing {
            topic: Topic::Runner(runner),
            row,
        } if followed(runner) => race.board.update(|b| {
            if let Some(b) = b {
                upsert_standing(b, row);
            }
        }),
        // A fresh snapshot replaces what we had of that runner.
        ServerMsg::Snapshot {
            topic: Topic::Runner(runner),
            resumed: false,
            ..
        } => {
            map.reset(runner);
            tracks.update(|t| drop(t.remove(runner)));
        }
        // A fix may still arrive for a runner unfollowed a moment ago: ignore it.
        ServerMsg::Event {
            topic: Topic::Runner(runner),
            data: EventData::Fix { lat, lng, ts, t },
            ..
        } if followed(runner) => {
            // Timed by the device when it said: a late fix belongs to its own time.
            let at = t.unwrap_or(*ts);
            map.fix(runner, *lat, *lng, at);
            tracks.update(|tr| tr.entry(runner.clone()).or_default().push(*lat, *lng, at));
        }
        ServerMsg::Error {
            message,
            topic: Some(Topic::Runner(_)),
            ..
        } => notice.set(Some(message.clone())),
        _ => {}
    }
}

/// Keeps the follows in local storage, and reopens a bare `/` with them.
fn remember_follows(follows: Memo<FollowList>, set_follows: Callback<Vec<RunnerId>>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |first: Option<()>| {
        let Some(storage) = window().local_storage().ok().flatten() else {
            return;
        };
        let list = follows.get();
        if first.is_none() && list.ids.is_empty() {
            if let Ok(Some(saved)) = storage.get_item(STORAGE_KEY) {
                let saved = FollowList::parse([saved.as_str()]);
                if !saved.ids.is_empty() {
                    set_follows.run(saved.ids);
                }
            }
            return;
        }
        let _ = storage.set_item(STORAGE_KEY, &list.joined());
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (follows, set_follows, STORAGE_KEY);
}
