//! `/`: follow runners by id and watch them move.
//!
//! The follows live in the URL (`/?follow=3,7`), so the server renders the same chips
//! the browser shows and a link can be shared. Adding or removing a chip navigates to
//! the new URL (replacing the history entry); an effect turns the difference into
//! `subscribe`/`unsubscribe` messages, and the socket's `on_open` re-sends the whole list
//! after a reconnect.

use std::collections::BTreeMap;

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};

use crate::{
    components::track_map::{Track, TrackMap},
    follow_list::FollowList,
    live::LiveSocket,
    protocol::{ClientMsg, EventData, RunnerId, ServerMsg, Topic},
};

/// The `subscribe` for these runners' topics.
fn subscribe(runners: Vec<RunnerId>) -> ClientMsg {
    ClientMsg::Subscribe {
        id: None,
        topics: runners.into_iter().map(Topic::Runner).collect(),
        resume: None,
    }
}

/// The runner map page.
#[component]
pub fn RunnerMapPage() -> impl IntoView {
    let query = use_query_map();
    let follows = Memo::new(move |_| {
        query.with(|q| {
            FollowList::parse([
                q.get_str("follow").unwrap_or(""),
                q.get_str("add").unwrap_or(""),
            ])
        })
    });
    let tracks = RwSignal::new(BTreeMap::<RunnerId, Track>::new());
    let notice = RwSignal::new(None::<String>);
    let live = LiveSocket::expect();

    live.listen(
        move || {
            let ids = follows.with_untracked(|f| f.ids.clone());
            if ids.is_empty() {
                Vec::new()
            } else {
                vec![subscribe(ids)]
            }
        },
        move |msg| match msg {
            // A fresh snapshot replaces what we had of that runner.
            ServerMsg::Snapshot {
                topic: Topic::Runner(runner),
                resumed: false,
                ..
            } => tracks.update(|t| drop(t.remove(runner))),
            // A fix may still arrive for a runner unfollowed a moment ago: ignore it.
            ServerMsg::Event {
                topic: Topic::Runner(runner),
                data: EventData::Fix { lat, lng, ts, t },
                ..
            } if follows.with_untracked(|f| f.ids.contains(runner)) => {
                // Timed by the device when it said: a late fix belongs to its own time.
                let at = t.unwrap_or(*ts);
                tracks.update(|tr| tr.entry(runner.clone()).or_default().push(*lat, *lng, at));
            }
            ServerMsg::Error { message, .. } => notice.set(Some(message.clone())),
            _ => {}
        },
    );

    // Follow and unfollow what changed in the URL.
    Effect::new(move |previous: Option<Vec<RunnerId>>| {
        let current = follows.with(|f| f.ids.clone());
        if let Some(previous) = previous {
            let removed: Vec<RunnerId> = previous
                .iter()
                .filter(|r| !current.contains(r))
                .cloned()
                .collect();
            let added: Vec<RunnerId> = current
                .iter()
                .filter(|r| !previous.contains(r))
                .cloned()
                .collect();
            if !removed.is_empty() {
                tracks.update(|t| removed.iter().for_each(|r| drop(t.remove(r))));
                live.send(ClientMsg::Unsubscribe {
                    id: None,
                    topics: removed.into_iter().map(Topic::Runner).collect(),
                });
            }
            if !added.is_empty() {
                live.send(subscribe(added));
            }
        }
        current
    });

    let draft = RwSignal::new(String::new());
    let navigate = use_navigate();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let current = follows.get_untracked();
        let merged = FollowList::parse([current.joined().as_str(), draft.get_untracked().as_str()]);
        if let Some(problem) = merged.rejected.first() {
            notice.set(Some(problem.clone()));
            return;
        }
        notice.set(None);
        draft.set(String::new());
        navigate(
            &FollowList::href(&merged.ids),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    };

    let now_ms = use_clock();
    let rejected = move || follows.with(|f| f.rejected.clone());

    view! {
        <section class="page map-page">
            <h1>"Runner map"</h1>
            <form class="follow-form" method="get" action="/" on:submit=on_submit>
                <input type="hidden" name="follow" value=move || follows.with(FollowList::joined)/>
                <label for="follow-input">"Follow runner ids"</label>
                <div class="row">
                    <input id="follow-input" name="add" type="text" inputmode="text" autocomplete="off"
                        placeholder="e.g. 3 or 3,7" prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))/>
                    <button type="submit">"Follow"</button>
                </div>
            </form>
            <ul class="chips" aria-label="Followed runners">
                <For each=move || follows.with(|f| f.ids.clone()) key=RunnerId::clone children=move |id| {
                    let remove_href = { let id = id.clone(); move || follows.with(|f| f.href_without(&id)) };
                    let label = format!("Stop following {id}");
                    view! {
                        <li class="chip" data-runner=id.to_string()>
                            <span>{id.to_string()}</span>
                            <a href=remove_href aria-label=label title="Stop following">"×"</a>
                        </li>
                    }
                }/>
            </ul>
            {move || follows.with(|f| f.ids.is_empty()).then(|| view! {
                <p class="hint">"Try the demo runners: " <a href="/?follow=1,2,3">"follow 1, 2 and 3"</a> "."</p>
            })}
            <For each=rejected key=String::clone children=|problem| view! { <p class="notice">{problem}</p> }/>
            {move || notice.get().map(|n| view! { <p class="notice" role="alert">{n}</p> })}
            <TrackMap tracks=tracks.into() followed=Signal::derive(move || follows.with(|f| f.ids.len()))/>
            <table class="runner-table">
                <caption>"Followed runners"</caption>
                <thead><tr><th scope="col">"Runner"</th><th scope="col">"Position"</th><th scope="col">"Last fix"</th></tr></thead>
                <tbody>
                    <For each=move || follows.with(|f| f.ids.clone()) key=RunnerId::clone children=move |id| {
                        let last = { let id = id.clone(); Memo::new(move |_| tracks.with(|t| t.get(&id).and_then(Track::last))) };
                        view! {
                            <tr data-runner=id.to_string()>
                                <th scope="row">{id.to_string()}</th>
                                <td>{move || last.get().map_or("–".to_owned(), |(lat, lng, _)| format!("{lat:.5}, {lng:.5}"))}</td>
                                <td>{move || last.get().map_or("no fix yet".to_owned(), |(_, _, ts)| age(now_ms.get(), ts))}</td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
        </section>
    }
}

/// "4 s ago", "3 min ago".
fn age(now_ms: u64, ts: u64) -> String {
    if now_ms == 0 {
        return "just now".to_owned();
    }
    let s = now_ms.saturating_sub(ts) / 1000;
    if s < 60 {
        format!("{s} s ago")
    } else {
        format!("{} min ago", s / 60)
    }
}

/// Wall-clock milliseconds, ticking once a second in the browser (0 on the server).
fn use_clock() -> RwSignal<u64> {
    let now = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            now.set(js_sys::Date::now() as u64);
            if let Ok(handle) = set_interval_with_handle(
                move || now.set(js_sys::Date::now() as u64),
                std::time::Duration::from_secs(1),
            ) {
                on_cleanup(move || handle.clear());
            }
        }
    });
    now
}
