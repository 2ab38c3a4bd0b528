//! The race a page starts from ([`RaceView`]): rendered by the server into the first
//! paint, handed to the browser inside the page so hydration sees the very same data,
//! then kept fresh by polling `GET /api/leaderboard`.
//!
//! Fixes arrive live over the socket; the board (distance along the course, pace,
//! ETAs) is the server's computation, refreshed every [`BOARD_EVERY_MS`]: cheap for
//! the server (one JSON per spectator every few seconds, compressed) and always the
//! same numbers the organiser's board shows.

use leptos::prelude::*;

use crate::protocol::race::{EventInfo, Leaderboard, RaceView};

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

/// The race a page shows, as signals, split by how often each part changes: the
/// event (course, marks, entrants) is set once, the board every
/// [`BOARD_EVERY_MS`]. Apart, a board refresh wakes only what reads the board, not
/// the search, the map's names or the course profile, which read the event.
#[derive(Clone, Copy, Debug)]
pub struct RaceSignals {
    /// The event, if the server tracks one.
    pub event: RwSignal<Option<EventInfo>>,
    /// Its leaderboard, refreshed.
    pub board: RwSignal<Option<Leaderboard>>,
    /// Map tiles: a URL template, or none (plain background).
    pub tiles: RwSignal<Option<String>>,
    /// The server's clock when the page was rendered (see [`RaceView::now_ms`]).
    pub now_ms: u64,
}

impl RaceSignals {
    fn new(view: RaceView) -> Self {
        Self {
            event: RwSignal::new(view.event),
            board: RwSignal::new(view.board),
            tiles: RwSignal::new(view.tiles),
            now_ms: view.now_ms,
        }
    }
}

/// The race as signals: the server's view at first paint, refreshed in the browser.
pub fn use_race_view() -> RaceSignals {
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
    let race = RaceSignals::new(initial);
    #[cfg(feature = "hydrate")]
    browser::keep_fresh(race);
    race
}

#[cfg(feature = "hydrate")]
mod browser {
    //! Fetching the view and refreshing its board.

    use gloo_net::http::Request;
    use leptos::prelude::*;

    use super::{BOARD_EVERY_MS, RaceSignals};
    use crate::protocol::race::{Leaderboard, RaceView};

    pub(super) fn keep_fresh(race: RaceSignals) {
        Effect::new(move |started: Option<()>| {
            if started.is_some() {
                return;
            }
            if race.event.with_untracked(Option::is_none)
                && race.tiles.with_untracked(Option::is_none)
            {
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = fetch::<RaceView>("/api/race").await {
                        race.event.set(fresh.event);
                        race.board.set(fresh.board);
                        race.tiles.set(fresh.tiles);
                    }
                });
            }
            if let Ok(handle) = set_interval_with_handle(
                move || {
                    if race.event.with_untracked(Option::is_none) {
                        return;
                    }
                    leptos::task::spawn_local(async move {
                        if let Ok(board) = fetch::<Leaderboard>("/api/leaderboard").await {
                            race.board.set(Some(board));
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
