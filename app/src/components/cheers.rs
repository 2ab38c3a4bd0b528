//! Cheers: the broadcast room as a panel. A spectator sends a cheer to everyone (the
//! `lobby` room) or to the followers of one runner (the room `cheer-<bib>`, which
//! every page following that runner joins, and the runner's own page too). Text only:
//! Leptos escapes it, so HTML in a cheer is shown, never interpreted. Length and rate
//! limits are the server's (`--room-max-chars`, `--room-per-second`); its refusal is
//! shown as it says it.
//!
//! A cheer is signed with the name the spectator chooses ("Cheering as"), kept in the
//! browser's storage; a new spectator starts as "Fan" and a number. A cheer to a
//! runner's followers reads "for Ada Lovelace", not "for 1". Joining a room brings its
//! last cheers (the server's snapshot of the room): someone who opens the page later
//! sees what was said, and a page that reconnects does not show a cheer twice.

use std::collections::HashMap;

use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    follow_list::missing_from,
    live::LiveSocket,
    protocol::{
        ClientMsg, EventData, RoomName, RunnerId, ServerMsg, Topic,
        v1::{MAX_NAME_CHARS, Payload, check_name},
    },
    race_data::RaceSignals,
};

/// Lines kept on screen.
const HISTORY: usize = 200;
/// Request ids of cheers start here, apart from other requests of the page.
const CHEER_IDS: u64 = 1 << 40;
/// Longest cheer the form lets through (the server's default limit).
pub const MAX_CHARS: usize = 500;

mod signing;

use signing::{capitalised, load_name, now_ms, runner_name, save_name};

/// One cheer on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    id: u64,
    /// Sent from this page.
    pub mine: bool,
    room: RoomName,
    /// The runner whose followers it was for (none: everyone).
    pub to: Option<RunnerId>,
    /// Who signed it (none: an unsigned cheer, from a seed client or an older page).
    pub who: Option<String>,
    /// What it says.
    pub text: String,
    /// When the server took it (or, for ours, when we sent it), ms since the epoch.
    ts: u64,
}

/// The room where a runner's followers cheer them.
pub fn runner_room(runner: &RunnerId) -> Option<RoomName> {
    RoomName::parse(&format!("cheer-{runner}")).ok()
}

/// The runner a room is for, if it is a runner's.
fn room_runner(room: &RoomName) -> Option<RunnerId> {
    room.as_str()
        .strip_prefix("cheer-")
        .and_then(|r| RunnerId::parse(r).ok())
}

/// The panel: messages, who is here, and the form.
#[component]
pub fn Cheers(
    /// Runners whose followers' rooms this page joins (and may cheer to).
    #[prop(into)]
    runners: Signal<Vec<RunnerId>>,
    /// The event, for runners' names.
    #[prop(optional)]
    race: Option<RaceSignals>,
    /// Only listen (the runner's own page): no lobby, no form.
    #[prop(optional)]
    listen_only: bool,
    /// Called with each new cheer from someone else as it arrives (not with the
    /// cheers a join brings from before).
    #[prop(optional)]
    on_cheer: Option<Callback<Line>>,
) -> impl IntoView {
    let lines = RwSignal::new(Vec::<Line>::new());
    let online = RwSignal::new(None::<usize>);
    let notice = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<String>);
    let next_id = StoredValue::new(0u64);
    // Events still to come of each room's snapshot: those are history, not news.
    let replaying = StoredValue::new(HashMap::<RoomName, usize>::new());
    load_name(name);

    let push = move |line: Line, history: bool| {
        lines.update(|l| {
            if l.len() == HISTORY {
                l.remove(0);
            }
            if history {
                let at = l.partition_point(|x| x.ts <= line.ts);
                l.insert(at, line);
            } else {
                l.push(line);
            }
        });
    };
    let new_id = move || {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        id
    };
    let rooms = move || -> Vec<Topic> {
        (!listen_only)
            .then(|| Topic::Room(RoomName::lobby()))
            .into_iter()
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
            let topics = rooms();
            if topics.is_empty() {
                return Vec::new();
            }
            vec![ClientMsg::Subscribe {
                id: None,
                topics,
                resume: None,
            }]
        },
        move |msg| match msg {
            ServerMsg::Snapshot {
                topic: Topic::Room(room),
                resumed,
                count,
                ..
            } => {
                // A fresh snapshot replaces what we had of the room (ours stay: the
                // server does not send us our own).
                if !resumed {
                    lines.update(|l| l.retain(|x| x.mine || x.room != *room));
                }
                replaying.update_value(|r| {
                    r.insert(room.clone(), *count);
                });
            }
            ServerMsg::Event {
                topic: Topic::Room(room),
                data: EventData::Say { text, ts, name },
                ..
            } => {
                let history = replaying
                    .try_update_value(|r| match r.get_mut(room) {
                        Some(n) if *n > 0 => {
                            *n -= 1;
                            true
                        }
                        _ => false,
                    })
                    .unwrap_or(false);
                // Our own cheer, back in a room's snapshot: already on screen.
                let ours = history
                    && lines.with_untracked(|l| {
                        l.iter()
                            .any(|x| x.mine && x.room == *room && x.text == *text && x.who == *name)
                    });
                if ours {
                    return;
                }
                let line = Line {
                    id: new_id(),
                    mine: false,
                    room: room.clone(),
                    to: room_runner(room),
                    who: name.clone(),
                    text: text.clone(),
                    ts: *ts,
                };
                if !history && let Some(cb) = on_cheer {
                    cb.run(line.clone());
                }
                push(line, history);
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
                lines.update(|l| {
                    l.retain(|x| {
                        x.room == RoomName::lobby() || !gone.contains(&Topic::Room(x.room.clone()))
                    })
                });
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
        let topics = rooms();
        if !topics.is_empty() {
            live.send(ClientMsg::Unsubscribe { id: None, topics });
        }
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
        let signed = name.get_untracked().trim().to_owned();
        if let Err(err) = check_name(&signed) {
            name_error.set(Some(format!("{}.", capitalised(&err.to_string()))));
            return;
        }
        name_error.set(None);
        notice.set(None);
        let to = RunnerId::parse(&target.get_untracked())
            .ok()
            .filter(|r| runners.with_untracked(|rs| rs.contains(r)));
        let room = to
            .as_ref()
            .and_then(runner_room)
            .unwrap_or_else(RoomName::lobby);
        let id = new_id();
        live.send(ClientMsg::Publish {
            id: Some(CHEER_IDS + id),
            topic: Topic::Room(room.clone()),
            data: Payload::signed_text(text.clone(), signed.clone()),
        });
        push(
            Line {
                id,
                mine: true,
                to: room_runner(&room),
                room,
                who: Some(signed),
                text,
                ts: now_ms(),
            },
            false,
        );
        draft.set(String::new());
    };
    let on_name = move |ev| {
        let value = event_target_value(&ev);
        match check_name(value.trim()) {
            Ok(()) => {
                name_error.set(None);
                save_name(value.trim());
            }
            Err(err) => name_error.set(Some(format!("{}.", capitalised(&err.to_string())))),
        }
        name.set(value);
    };

    let title = if listen_only {
        "Cheers for you"
    } else {
        "Cheers"
    };
    view! {
        <section class="panel cheers" aria-labelledby="cheers-title">
            <header class="panel-head">
                <h2 id="cheers-title">{title}</h2>
                {(!listen_only).then(|| view! {
                    <p class="muted" data-testid="room-online">
                        {move || online.get().map_or("Joining…".to_owned(), |n| format!("{n} here"))}
                    </p>
                })}
            </header>
            <ol class="messages" aria-label="Messages" aria-live="polite">
                <For each=move || lines.get() key=|line| line.id children=move |line| {
                    let who = if line.mine {
                        format!("{} (you)", line.who.clone().unwrap_or_default())
                    } else {
                        line.who.clone().unwrap_or_else(|| "someone".to_owned())
                    };
                    let to = line.to.as_ref().filter(|_| !listen_only).map(|r| runner_name(race, r));
                    view! {
                        <li class=if line.mine { "mine" } else { "theirs" }>
                            <span class="who">{who}</span>
                            {to.map(|to| view! { <span class="to">{format!("for {to}")}</span> })}
                            <span class="text">{line.text}</span>
                        </li>
                    }
                }/>
            </ol>
            {move || (listen_only && lines.with(Vec::is_empty)).then(|| view! {
                <p class="muted">"Cheers your followers send you will show here."</p>
            })}
            {move || notice.get().map(|n| view! { <p class="notice" role="alert">{n}</p> })}
            {(!listen_only).then(|| view! {
                <form class="room-form" on:submit=on_submit>
                    <div class="cheer-name">
                        <label for="cheer-name">"Cheering as"</label>
                        <input id="cheer-name" type="text" autocomplete="nickname" maxlength=(MAX_NAME_CHARS * 2).to_string()
                            aria-invalid=move || name_error.with(Option::is_some).to_string()
                            aria-describedby="cheer-name-error"
                            prop:value=move || name.get() on:input=on_name/>
                    </div>
                    <p id="cheer-name-error" class="field-error" role="alert">{move || name_error.get()}</p>
                    <label for="cheer-to" class="visually-hidden">"Cheer to"</label>
                    <select id="cheer-to" on:change=move |ev| target.set(event_target_value(&ev))
                        prop:value=move || target.get()>
                        <option value="">"Everyone"</option>
                        <For each=move || runners.get() key=RunnerId::clone children=move |r| {
                            let value = r.to_string();
                            let label = move || format!("Followers of {}", runner_name(race, &r));
                            view! { <option value=value>{label}</option> }
                        }/>
                    </select>
                    <label for="room-input" class="visually-hidden">"Message"</label>
                    <input id="room-input" type="text" maxlength=MAX_CHARS.to_string() autocomplete="off"
                        placeholder="Cheer them on" prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))/>
                    <button type="submit">"Send"</button>
                </form>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runners_room_names_its_runner() {
        let r = RunnerId::parse("11").unwrap();
        let room = runner_room(&r).unwrap();
        assert_eq!(room.as_str(), "cheer-11");
        assert_eq!(room_runner(&room), Some(r.clone()));
        assert_eq!(room_runner(&RoomName::lobby()), None);
        assert_eq!(runner_name(None, &r), "runner 11");
        assert_eq!(
            capitalised("a cheer's name cannot be empty"),
            "A cheer's name cannot be empty"
        );
    }
}
