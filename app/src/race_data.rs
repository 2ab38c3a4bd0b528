//! The race a page starts from ([`RaceView`]): rendered by the server into the first
//! paint, handed to the browser inside the page so hydration sees the very same data,
//! then kept fresh by polling `GET /api/leaderboard`.
//!
//! Fixes arrive live over the socket; the board (distance along the course, pace,
//! ETAs) is the server's computation, refreshed every [`BOARD_EVERY_MS`]: cheap for
//! the server (one JSON per spectator every few seconds, compressed) and always the
//! same numbers the organiser's board shows.

use leptos::prelude::*;

use crate::protocol::race::RaceView;

/// How often the leaderboard is refreshed, ms.
pub const BOARD_EVERY_MS: u32 = 5_000;

/// Where server rendering gets the view: provided by the server for each page.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct RaceSource(pub std::sync::Arc<dyn Fn() -> RaceView + Send + Sync>);

#[cfg(feature = "ssr")]
impl std::fmt::Debug for RaceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RaceSource")
    }
}

/// The view, as a signal: the server's at first paint, refreshed in the browser.
pub fn use_race_view() -> RwSignal<RaceView> {
    let initial = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<RaceSource>().map_or_else(RaceView::default, |s| (s.0)())
        }
        // Reached in the browser only after a client-side navigation: fetched below.
        #[cfg(not(feature = "ssr"))]
        {
            RaceView::default()
        }
    })
    .into_inner();
    let view = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    browser::keep_fresh(view);
    view
}

#[cfg(feature = "hydrate")]
mod browser {
    //! Fetching the view and refreshing its board.

    use gloo_net::http::Request;
    use leptos::prelude::*;

    use super::BOARD_EVERY_MS;
    use crate::protocol::race::{Leaderboard, RaceView};

    pub(super) fn keep_fresh(view: RwSignal<RaceView>) {
        Effect::new(move |started: Option<()>| {
            if started.is_some() {
                return;
            }
            if view.with_untracked(|v| v.event.is_none() && v.tiles.is_none()) {
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = fetch::<RaceView>("/api/race").await {
                        view.set(fresh);
                    }
                });
            }
            if let Ok(handle) = set_interval_with_handle(
                move || {
                    if view.with_untracked(|v| v.event.is_none()) {
                        return;
                    }
                    leptos::task::spawn_local(async move {
                        if let Ok(board) = fetch::<Leaderboard>("/api/leaderboard").await {
                            view.update(|v| v.board = Some(board));
                        }
                    });
                },
                std::time::Duration::from_millis(u64::from(BOARD_EVERY_MS)),
            ) {
                on_cleanup(move || handle.clear());
            }
        });
    }

    async fn fetch<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, gloo_net::Error> {
        Request::get(url).send().await?.json::<T>().await
    }
}
