//! The header's connection pill (connecting, live, or reconnecting with a countdown)
//! and the banner that says plainly, while the link is down, that what is on screen
//! may be out of date.

use leptos::prelude::*;

use crate::live::{LinkStatus, LiveSocket};

/// Shows the state of the tab's live socket; announced politely to screen readers.
#[component]
pub fn ConnectionStatus() -> impl IntoView {
    let status = LiveSocket::expect().status();
    let state = move || match status.get() {
        LinkStatus::Connecting => "connecting",
        LinkStatus::Live => "live",
        LinkStatus::Reconnecting { .. } => "reconnecting",
    };
    let label = move || match status.get() {
        LinkStatus::Connecting => "Connecting…".to_owned(),
        LinkStatus::Live => "Live".to_owned(),
        LinkStatus::Reconnecting {
            attempt,
            retry_in_s,
        } => {
            format!("Offline, retrying in {retry_in_s}s (attempt {attempt})")
        }
    };
    view! {
        <p class="status" data-status=state role="status" aria-live="polite">
            <span class="dot" aria-hidden="true"></span>
            <span class="label">{label}</span>
        </p>
    }
}

/// Shown while the socket is down: positions and charts stop moving, and the
/// spectator should know why.
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let status = LiveSocket::expect().status();
    move || {
        matches!(status.get(), LinkStatus::Reconnecting { .. }).then(|| {
            view! {
                <div class="offline-banner" role="alert">
                    "Connection lost: positions may be out of date. Reconnecting; you will catch up on what you missed."
                </div>
            }
        })
    }
}
