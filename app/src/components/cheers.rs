//! Cheers: the broadcast room as a panel. A spectator sends a cheer to everyone (the
//! `lobby` room) or to the followers of one runner (the room `cheer-<bib>`, which
//! every page following that runner joins). Text only: Leptos escapes it, so HTML in
//! a cheer is shown, never interpreted. Length and rate limits are the server's
//! (`--room-max-chars`, `--room-per-second`); its refusal is shown as it says it.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    follow_list::missing_from,
    live::LiveSocket,
    protocol::{ClientMsg, EventData, RoomName, RunnerId, ServerMsg, Topic, v1::Payload},
};

/// Lines kept on screen.
const HISTORY: usize = 200;
/// Request ids of cheers start here, apart from other requests of the page.
const CHEER_IDS: u64 = 1 << 40;
/// Longest cheer the form lets through (the server's default limit).
pub const MAX_CHARS: usize = 500;

#[derive(Clone, Debug, PartialEq)]
struct Line {
    id: u64,
    mine: bool,
    to: Option<String>,
    text: String,
}

/// The room where a runner's followers cheer them.
pub fn runner_room(runner: &RunnerId) -> Option<RoomName> {
    RoomName::parse(&format!("cheer-{runner}")).ok()
}

/// The panel: messages, who is here, and the form.
#[component]
pub fn Cheers(
    /// Runners whose followers' rooms this page joins (and may cheer to).
    #[prop(into)]
    runners: Signal<Vec<RunnerId>>,
) -> impl IntoView {
    let lines = RwSignal::new(Vec::<Line>::new());
    let online = RwSignal::new(None::<usize>);
    let notice = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let next_id = StoredValue::new(0u64);
    let push = move |mine: bool, to: Option<String>, text: String| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        lines.update(|l| {
            if l.len() == HISTORY {
                l.remove(0);
            }
            l.push(Line { id, mine, to, text });
        });
    };
    let rooms = move || -> Vec<Topic> {
        std::iter::once(Topic::Room(RoomName::lobby()))
            .chain(
                runners
                    .get_untracked()
                    .iter()
                    .filter_map(runner_room)
                    .map(Topic::Room),
            )
            .collect()
    };

    let live = LiveSocket::expect();
    live.listen(
        move || {
            vec![ClientMsg::Subscribe {
                id: None,
                topics: rooms(),
                resume: None,
            }]
        },
        move |msg| match msg {
            ServerMsg::Event {
                topic: Topic::Room(room),
                data: EventData::Say { text, .. },
                ..
            } => {
                let to = (*room != RoomName::lobby())
                    .then(|| room.as_str().trim_start_matches("cheer-").to_owned());
                push(false, to, text.clone());
            }
            ServerMsg::Presence {
                topic: Topic::Room(room),
                online: n,
                ..
            } if *room == RoomName::lobby() => online.set(Some(*n)),
            // Our cheers carry ids from CHEER_IDS up: their refusals are ours to show.
            ServerMsg::Error {
                id: Some(id),
                message,
                ..
            } if *id >= CHEER_IDS => notice.set(Some(message.clone())),
            _ => {}
        },
    );
    // Join and leave runners' rooms as follows change.
    Effect::new(move |previous: Option<Vec<RunnerId>>| {
        let current = runners.get();
        if let Some(previous) = previous {
            let topics = |from: &[RunnerId], other: &[RunnerId]| -> Vec<Topic> {
                missing_from(from, other)
                    .iter()
                    .filter_map(runner_room)
                    .map(Topic::Room)
                    .collect()
            };
            let gone = topics(&previous, &current);
            let new = topics(&current, &previous);
            if !gone.is_empty() {
                live.send(ClientMsg::Unsubscribe {
                    id: None,
                    topics: gone,
                });
            }
            if !new.is_empty() {
                live.send(ClientMsg::Subscribe {
                    id: None,
                    topics: new,
                    resume: None,
                });
            }
        }
        current
    });
    on_cleanup(move || {
        live.send(ClientMsg::Unsubscribe {
            id: None,
            topics: rooms(),
        })
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        if text.chars().count() > MAX_CHARS {
            notice.set(Some(format!("A cheer is at most {MAX_CHARS} characters.")));
            return;
        }
        notice.set(None);
        let to = target.get_untracked();
        let room = RunnerId::parse(&to)
            .ok()
            .filter(|r| runners.with_untracked(|rs| rs.contains(r)))
            .and_then(|r| runner_room(&r));
        let label = room.as_ref().map(|_| to.clone());
        let id = CHEER_IDS + next_id.get_value();
        live.send(ClientMsg::Publish {
            id: Some(id),
            topic: Topic::Room(room.unwrap_or_else(RoomName::lobby)),
            data: Payload::text(text.clone()),
        });
        push(true, label, text);
        draft.set(String::new());
    };

    view! {
        <section class="panel cheers" aria-labelledby="cheers-title">
            <header class="panel-head">
                <h2 id="cheers-title">"Cheers"</h2>
                <p class="muted" data-testid="room-online">
                    {move || online.get().map_or("Joining…".to_owned(), |n| format!("{n} here"))}
                </p>
            </header>
            <ol class="messages" aria-label="Messages" aria-live="polite">
                <For each=move || lines.get() key=|line| line.id children=|line| view! {
                    <li class=if line.mine { "mine" } else { "theirs" }>
                        <span class="who">{if line.mine { "you" } else { "someone" }}</span>
                        {line.to.map(|to| view! { <span class="to">{format!("for {to}")}</span> })}
                        <span class="text">{line.text}</span>
                    </li>
                }/>
            </ol>
            {move || notice.get().map(|n| view! { <p class="notice" role="alert">{n}</p> })}
            <form class="room-form" on:submit=on_submit>
                <label for="cheer-to" class="visually-hidden">"Cheer to"</label>
                <select id="cheer-to" on:change=move |ev| target.set(event_target_value(&ev))
                    prop:value=move || target.get()>
                    <option value="">"Everyone"</option>
                    <For each=move || runners.get() key=RunnerId::clone children=|r| view! {
                        <option value=r.to_string()>{format!("Followers of {r}")}</option>
                    }/>
                </select>
                <label for="room-input" class="visually-hidden">"Message"</label>
                <input id="room-input" type="text" maxlength=MAX_CHARS.to_string() autocomplete="off"
                    placeholder="Cheer them on" prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))/>
                <button type="submit">"Send"</button>
            </form>
        </section>
    }
}
