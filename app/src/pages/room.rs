//! `/room`: the broadcast room. What you send goes to everyone else (including seed
//! clients on the `/room` socket); you see your own line immediately. Text is shown as
//! text: Leptos escapes it, so HTML in a message is never interpreted.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    live::LiveSocket,
    protocol::{ClientMsg, EventData, RoomName, ServerMsg, Topic, v1::Payload},
};

/// Lines kept on screen.
const HISTORY: usize = 200;

#[derive(Clone, Debug, PartialEq)]
struct Line {
    id: u64,
    mine: bool,
    text: String,
}

/// The room page.
#[component]
pub fn RoomPage() -> impl IntoView {
    let lines = RwSignal::new(Vec::<Line>::new());
    let online = RwSignal::new(None::<usize>);
    let notice = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let next_id = StoredValue::new(0u64);
    let push = move |mine: bool, text: String| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        lines.update(|l| {
            if l.len() == HISTORY {
                l.remove(0);
            }
            l.push(Line { id, mine, text });
        });
    };

    let live = LiveSocket::expect();
    let room = Topic::Room(RoomName::lobby());
    let topic = room.clone();
    live.listen(
        move || {
            vec![ClientMsg::Subscribe {
                id: None,
                topics: vec![topic.clone()],
                resume: None,
            }]
        },
        move |msg| match msg {
            ServerMsg::Event {
                data: EventData::Say { text, .. },
                ..
            } => push(false, text.clone()),
            ServerMsg::Presence {
                topic: Topic::Room(_),
                online: n,
                ..
            } => online.set(Some(*n)),
            ServerMsg::Error { message, .. } => notice.set(Some(message.clone())),
            _ => {}
        },
    );
    let topic = room.clone();
    on_cleanup(move || {
        live.send(ClientMsg::Unsubscribe {
            id: None,
            topics: vec![topic.clone()],
        })
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        notice.set(None);
        live.send(ClientMsg::Publish {
            id: None,
            topic: room.clone(),
            data: Payload::text(text.clone()),
        });
        push(true, text);
        draft.set(String::new());
    };

    view! {
        <section class="page room-page">
            <h1>"Room"</h1>
            <p class="muted" data-testid="room-online">
                {move || online.get().map_or("Joining…".to_owned(), |n| format!("{n} here"))}
            </p>
            <ol class="messages" aria-label="Messages" aria-live="polite">
                <For each=move || lines.get() key=|line| line.id children=|line| view! {
                    <li class=if line.mine { "mine" } else { "theirs" }>
                        <span class="who">{if line.mine { "you" } else { "someone" }}</span>
                        <span class="text">{line.text}</span>
                    </li>
                }/>
            </ol>
            {move || notice.get().map(|n| view! { <p class="notice" role="alert">{n}</p> })}
            <form class="room-form" on:submit=on_submit>
                <label for="room-input" class="visually-hidden">"Message"</label>
                <input id="room-input" type="text" maxlength="500" autocomplete="off"
                    placeholder="Say something to everyone" prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))/>
                <button type="submit">"Send"</button>
            </form>
        </section>
    }
}
