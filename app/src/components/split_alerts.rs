//! Alerts in the page: while it is open, each split and finish of a followed runner
//! shows a notice (and a system notification, where the spectator allowed them),
//! once, even across a reconnect and its resume ([`AlertBook`] decides which).
//!
//! The notices stack in one polite live region at the bottom of the page, newest
//! last, at most [`MAX_SHOWN`]; each goes by itself after [`SHOWN_FOR_MS`] or when
//! dismissed.

use leptos::prelude::*;

use crate::{
    alert_book::AlertBook,
    live::LiveSocket,
    protocol::{
        RunnerId,
        splits::{Split, ordinal, race_time},
    },
    race_data::RaceSignals,
};

/// Notices shown at once.
pub const MAX_SHOWN: usize = 4;
/// How long a notice stays, ms.
pub const SHOWN_FOR_MS: u64 = 45_000;

/// One notice.
#[derive(Clone, Debug, PartialEq)]
struct Alert {
    id: u64,
    split: Split,
    text: String,
}

/// What a notice says: "7 Ada Lovelace passed 3 km at 09:42:17 · 14:03 · 2nd", or
/// "7 Ada Lovelace finished in 58:40 · 2nd".
pub fn alert_text(split: &Split, name: Option<&str>) -> String {
    let who = match name {
        Some(name) => format!("{} {name}", split.bib),
        None => split.bib.to_string(),
    };
    let rank = ordinal(split.rank);
    let elapsed = split.elapsed_ms.map(race_time);
    match (split.finish, elapsed) {
        (true, Some(e)) => format!("{who} finished in {e} · {rank}"),
        (true, None) => format!("{who} finished at {} · {rank}", split.time),
        (false, Some(e)) => format!(
            "{who} passed {} at {} · {e} · {rank}",
            split.name, split.time
        ),
        (false, None) => format!("{who} passed {} at {} · {rank}", split.name, split.time),
    }
}

/// The notices of the followed runners' splits.
#[component]
pub fn SplitAlerts(
    /// Followed runners: only theirs alert.
    follows: Signal<Vec<RunnerId>>,
    /// The event, for names.
    race: RaceSignals,
) -> impl IntoView {
    let book = StoredValue::new(AlertBook::default());
    let shown = RwSignal::new(Vec::<Alert>::new());
    let next_id = StoredValue::new(0u64);
    let dismiss = move |id: u64| shown.update(|s| s.retain(|a| a.id != id));
    LiveSocket::expect().listen(Vec::new, move |msg| {
        let followed = |r: &RunnerId| follows.with_untracked(|f| f.contains(r));
        let Some(split) = book.try_update_value(|b| b.take(msg, followed)).flatten() else {
            return;
        };
        let name = race.event.with_untracked(|e| {
            e.as_ref()
                .and_then(|e| e.entrant(&split.bib))
                .map(|e| e.name.clone())
        });
        let text = alert_text(&split, name.as_deref());
        system_notification(&split, &text);
        let id = next_id.try_update_value(|n| {
            *n += 1;
            *n
        });
        let Some(id) = id else { return };
        shown.update(|s| {
            s.push(Alert { id, split, text });
            let over = s.len().saturating_sub(MAX_SHOWN);
            s.drain(..over);
        });
        #[cfg(feature = "hydrate")]
        set_timeout(
            move || dismiss(id),
            std::time::Duration::from_millis(SHOWN_FOR_MS),
        );
    });
    view! {
        <div class="split-alerts" role="status" aria-live="polite">
            <For each=move || shown.get() key=|a| a.id children=move |a| {
                let id = a.id;
                view! {
                    <div class="split-alert" class:finish=a.split.finish
                        data-runner=a.split.bib.to_string() data-point=a.split.point.to_string()>
                        <span class="split-alert-text">{a.text.clone()}</span>
                        <button type="button" class="close" aria-label="Dismiss this notice"
                            on:click=move |_| dismiss(id)>"×"</button>
                    </div>
                }
            }/>
        </div>
    }
}

/// A button that asks for system notifications of splits, shown where the browser
/// has them and the spectator has not answered yet.
#[component]
pub fn NotifyButton() -> impl IntoView {
    // Known only in the browser, after hydration: the server renders no button.
    let permission = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| permission.set(browser::permission()));
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        browser::request(permission);
    };
    move || {
        (permission.get().as_deref() == Some("default")).then(|| {
            view! {
                <button type="button" class="notify" on:click=ask>
                    "Notify me of their splits"
                </button>
            }
        })
    }
}

fn system_notification(split: &Split, text: &str) {
    #[cfg(feature = "hydrate")]
    browser::notify(
        if split.finish { "Finished" } else { "Split" },
        text,
        &format!("split-{}-{}", split.bib, split.point),
    );
    #[cfg(not(feature = "hydrate"))]
    let _ = (split, text);
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The Notification API, reached through `Reflect` (not every browser has it, and
    //! a phone's Chrome refuses the constructor: both are silently fine).

    use js_sys::{Function, Object, Reflect};
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};

    fn api() -> Option<Function> {
        let ctor = Reflect::get(&js_sys::global(), &JsValue::from_str("Notification")).ok()?;
        ctor.dyn_into::<Function>().ok()
    }

    /// `"default"`, `"granted"` or `"denied"`; none without the API.
    pub(super) fn permission() -> Option<String> {
        let api = api()?;
        Reflect::get(&api, &JsValue::from_str("permission"))
            .ok()?
            .as_string()
    }

    /// Asks, and puts the answer into `permission`.
    pub(super) fn request(permission: RwSignal<Option<String>>) {
        let Some(api) = api() else { return };
        let Some(ask) = Reflect::get(&api, &JsValue::from_str("requestPermission"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        else {
            return;
        };
        let Ok(promise) = ask.call0(&api) else { return };
        let answered = Closure::once_into_js(move |answer: JsValue| {
            permission.set(answer.as_string());
        });
        if let Some(then) = Reflect::get(&promise, &JsValue::from_str("then"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        {
            let _ = then.call1(&promise, &answered);
        }
    }

    /// Shows a system notification if the spectator allowed them; `tag` makes a
    /// repeat replace the first instead of adding one.
    pub(super) fn notify(title: &str, body: &str, tag: &str) {
        if permission().as_deref() != Some("granted") {
            return;
        }
        let Some(api) = api() else { return };
        let options = Object::new();
        let _ = Reflect::set(&options, &"body".into(), &body.into());
        let _ = Reflect::set(&options, &"tag".into(), &tag.into());
        let args = js_sys::Array::of2(&title.into(), &options);
        let _ = Reflect::construct(&api, &args);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_says_who_where_when_and_in_what_place() {
        let split = Split {
            bib: RunnerId::parse("7").unwrap(),
            point: 0,
            name: "3 km".into(),
            finish: false,
            distance_m: 3000.0,
            at_ms: 0,
            time: "09:42:17".into(),
            elapsed_ms: Some(843_000),
            pace_s_per_km: None,
            rank: 2,
        };
        assert_eq!(
            alert_text(&split, Some("Ada Lovelace")),
            "7 Ada Lovelace passed 3 km at 09:42:17 · 14:03 · 2nd"
        );
        let finish = Split {
            finish: true,
            name: "Finish".into(),
            elapsed_ms: Some(3_520_000),
            rank: 1,
            ..split
        };
        assert_eq!(alert_text(&finish, None), "7 finished in 58:40 · 1st");
    }
}
