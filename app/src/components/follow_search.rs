//! Finding runners to follow: a search box that suggests entrants by bib or name as
//! you type (an ARIA combobox: arrows move, Enter follows, Escape closes), the chips
//! of who is followed (each removable), and "follow the leaders".
//!
//! Without scripts the same form submits `follow` and `add` to `/`, and the server
//! renders the merged list (see [`crate::follow_list`]).

use leptos::{ev::KeyboardEvent, ev::SubmitEvent, prelude::*};

use crate::{
    components::share::ShareButton,
    follow_list::FollowList,
    protocol::{RunnerId, race::Status},
    race_data::RaceSignals,
};

/// Suggestions shown at most.
const SUGGESTIONS: usize = 8;
/// How many runners "follow the leaders" adds.
pub const LEADERS: usize = 3;

/// "Follow Ada Lovelace and Alan Turing live": the share sheet's title for `ids`.
fn share_title(race: RaceSignals, ids: &[RunnerId]) -> String {
    let names: Vec<String> = race.event.with_untracked(|e| {
        ids.iter()
            .map(|id| {
                e.as_ref()
                    .and_then(|e| e.entrant(id))
                    .map_or_else(|| format!("runner {id}"), |e| e.name.clone())
            })
            .collect()
    });
    match names.as_slice() {
        [] => "Follow the race live".to_owned(),
        [one] => format!("Follow {one} live"),
        [rest @ .., last] => format!("Follow {} and {last} live", rest.join(", ")),
    }
}

/// The search box, chips and shortcuts. `set_follows` replaces the followed list.
#[component]
pub fn FollowSearch(
    /// The event (entrants to search) and the board (who leads).
    race: RaceSignals,
    /// What is followed now.
    follows: Memo<FollowList>,
    /// Replaces the followed list (the page navigates to its URL).
    set_follows: Callback<Vec<RunnerId>>,
    /// Problems to show (an unknown id, too many follows).
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let suggestions = Memo::new(move |_| {
        let q = draft.get();
        race.event.with(|e| {
            e.as_ref().map_or_else(Vec::new, |e| {
                e.search(&q, SUGGESTIONS)
                    .into_iter()
                    .map(|e| (e.bib.clone(), e.name.clone()))
                    .collect::<Vec<_>>()
            })
        })
    });
    let follow = move |ids: Vec<RunnerId>| {
        let mut all = follows.get_untracked().ids;
        for id in ids {
            if !all.contains(&id) {
                all.push(id);
            }
        }
        let checked = FollowList::parse([all
            .iter()
            .map(RunnerId::as_str)
            .collect::<Vec<_>>()
            .join(",")
            .as_str()]);
        if let Some(problem) = checked.rejected.first() {
            notice.set(Some(problem.clone()));
        } else {
            notice.set(None);
        }
        set_follows.run(checked.ids);
        draft.set(String::new());
        open.set(false);
        active.set(0);
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let picked = suggestions.with_untracked(|s| s.get(active.get_untracked()).cloned());
        let text = draft.get_untracked();
        // A suggestion the user moved to wins; so does the first one, unless the text
        // is a list of ids ("3,7") or a bib that is not an entrant's (a runner outside
        // the event).
        let typed = FollowList::parse([text.as_str()]);
        let moved = active.get_untracked() > 0;
        let plain_ids = text.contains(',') || (typed.rejected.is_empty() && picked.is_none());
        match picked {
            Some((bib, _)) if open.get_untracked() && (moved || !plain_ids) => {
                follow(vec![bib]);
            }
            _ => {
                if let Some(problem) = typed.rejected.first() {
                    notice.set(Some(problem.clone()));
                    return;
                }
                follow(typed.ids);
            }
        }
    };
    let on_key = move |ev: KeyboardEvent| {
        let n = suggestions.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = (*a + 1) % n);
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = (*a + n - 1) % n);
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };
    let leaders = move |_| {
        let top: Vec<RunnerId> = race.board.with_untracked(|b| {
            b.as_ref().map_or_else(Vec::new, |b| {
                b.standings
                    .iter()
                    .filter(|s| s.status != Status::NotStarted)
                    .take(LEADERS)
                    .map(|s| s.bib.clone())
                    .collect()
            })
        });
        follow(top);
    };
    let has_event = move || race.event.with(Option::is_some);
    let listbox = move || {
        let items = suggestions.get();
        (open.get() && !items.is_empty()).then(|| {
            view! {
                <ul id="follow-suggestions" class="suggestions" role="listbox" aria-label="Runners">
                    {items.into_iter().enumerate().map(|(i, (bib, name))| {
                        let id = bib.clone();
                        view! {
                            <li role="option" id=format!("suggestion-{i}") data-runner=bib.to_string()
                                aria-selected=move || (active.get() == i).to_string()
                                on:mousedown=move |ev| { ev.prevent_default(); follow(vec![id.clone()]); }>
                                <span class="bib">{bib.to_string()}</span>" "<span class="name">{name}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
        })
    };
    view! {
        <form class="follow-form" method="get" action="/" on:submit=on_submit>
            <input type="hidden" name="follow" value=move || follows.with(FollowList::joined)/>
            <label for="follow-input">{move || if has_event() { "Find a runner by bib or name" } else { "Follow runner ids" }}</label>
            <div class="row combo">
                <input id="follow-input" name="add" type="search" autocomplete="off" enterkeyhint="go"
                    role="combobox" aria-autocomplete="list" aria-controls="follow-suggestions"
                    aria-expanded=move || (open.get() && suggestions.with(|s| !s.is_empty())).to_string()
                    aria-activedescendant=move || open.get().then(|| format!("suggestion-{}", active.get()))
                    placeholder=move || if has_event() { "Bib or name, e.g. 12 or Ada" } else { "Runner ids, e.g. 3 or 3,7" }
                    prop:value=move || draft.get()
                    on:input=move |ev| { draft.set(event_target_value(&ev)); open.set(true); active.set(0); }
                    on:keydown=on_key
                    on:blur=move |_| open.set(false)/>
                <button type="submit">"Follow"</button>
                {listbox}
            </div>
        </form>
        <div class="follow-row">
            {move || follows.with(|f| !f.ids.is_empty()).then(|| view! {
                <ShareButton path=Signal::derive(move || follows.with(|f| FollowList::href(&f.ids)))
                    title=Signal::derive(move || share_title(race, &follows.with(|f| f.ids.clone())))
                    label="Share a link to follow these runners"/>
            })}
            <ul class="chips" aria-label="Followed runners">
                <For each=move || follows.with(|f| f.ids.clone()) key=RunnerId::clone children=move |id| {
                    let remove_href = { let id = id.clone(); move || follows.with(|f| f.href_without(&id)) };
                    let name = { let id = id.clone(); move || race.event.with(|e| e.as_ref().and_then(|e| e.entrant(&id)).map(|e| e.name.clone())) };
                    let label = format!("Stop following {id}");
                    let without = id.clone();
                    view! {
                        <li class="chip" data-runner=id.to_string()>
                            <span class="bib">{id.to_string()}</span>
                            {move || name().map(|n| view! { <span class="name">{n}</span> })}
                            <a href=remove_href aria-label=label title="Stop following"
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    let rest: Vec<RunnerId> = follows.get_untracked().ids.into_iter().filter(|r| *r != without).collect();
                                    set_follows.run(rest);
                                }>"×"</a>
                        </li>
                    }
                }/>
            </ul>
            {move || race.board.with(Option::is_some).then(|| view! {
                <button type="button" class="leaders" on:click=leaders>"Follow the leaders"</button>
            })}
        </div>
    }
}
