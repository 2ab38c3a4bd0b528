//! The organisers' announcement as a banner ("The course is shortened to 30 km"),
//! on the spectators' map or the runner's page, depending on who it is for.
//!
//! It is in the first paint ([`RaceSignals::announcement`]) and then follows the
//! `announcement` frames the server sends to every `board` subscriber: replaced when
//! a new one is published, gone when it is cleared. The text is shown as text, never
//! as markup. Dismissing hides this one; the next one published shows again.

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
    move || {
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
    }
}
