//! The organisers' announcement as a banner ("The course is shortened to 30 km"),
//! on the spectators' map or the runner's page, depending on who it is for.
//!
//! It is in the first paint ([`RaceSignals::announcement`]) and then follows the
//! `announcement` frames the server sends to every `board` subscriber: replaced when
//! a new one is published, gone when it is cleared. The text is shown as text, never
//! as markup. Dismissing hides this one; the next one published shows again.
//!
//! Below it, [`EventChangedBanner`]: the event itself changed since the page opened.

use leptos::prelude::*;

use crate::{live::LiveSocket, protocol::ServerMsg, race_data::RaceSignals};

/// The banner.
#[component]
pub fn AnnouncementBanner(
    /// The race, whose announcement it shows.
    race: RaceSignals,
    /// Whether this is a runner's page (else a spectators' page).
    for_runners: bool,
) -> impl IntoView {
    LiveSocket::expect().listen(Vec::new, move |msg| {
        if let ServerMsg::Announcement { announcement } = msg {
            race.announcement.set(announcement.clone());
        }
    });
    // The one dismissed, by when it was published.
    let dismissed = RwSignal::new(None::<u64>);
    let shown = move || {
        race.announcement.get().filter(|a| {
            let ours = if for_runners {
                a.audience.runners()
            } else {
                a.audience.spectators()
            };
            ours && dismissed.get() != Some(a.at_ms)
        })
    };
    let announcement = move || {
        shown().map(|a| {
            let at = a.at_ms;
            view! {
                <div class="announcement" role="status" data-testid="announcement">
                    <p><strong>"From the organisers: "</strong>{a.text}</p>
                    <button type="button" class="dismiss" on:click=move |_| dismissed.set(Some(at))>
                        "Dismiss"
                    </button>
                </div>
            }
        })
    };
    view! { {announcement} <EventChangedBanner race=race/> }
}

/// A notice that the organisers changed the event this page was drawn from (its name,
/// start, course or checkpoints, in the console). The `board` frames carry the
/// event's version ([`crate::protocol::race::EventInfo::settings`]); when it is not
/// the one the page was drawn from, the page offers a reload. The map draws the course
/// once, so a reload is what shows the new one whole.
#[component]
fn EventChangedBanner(
    /// The race, whose event's version the page was drawn from.
    race: RaceSignals,
) -> impl IntoView {
    let changed = RwSignal::new(false);
    LiveSocket::expect().listen(Vec::new, move |msg| {
        if let ServerMsg::Board { settings, .. } = msg {
            let drawn = race
                .event
                .with_untracked(|e| e.as_ref().map(|e| e.settings.clone()));
            let other = drawn.is_some_and(|d| !d.is_empty() && d != *settings);
            if !settings.is_empty() && other {
                changed.set(true);
            }
        }
    });
    move || {
        changed.get().then(|| {
            view! {
                <div class="announcement" role="status" data-testid="event-changed">
                    <p>"The organisers changed the event (its course, checkpoints or times) since this page opened."</p>
                    // rel=external: the router leaves it to the browser, which reloads.
                    <a href="" rel="external" class="reload">"Reload to see it"</a>
                </div>
            }
        })
    }
}
