//! The state every handler can reach: Leptos' options (for SSR and static files), the
//! hub, the event, the ingestion rules and the store.
//!
//! axum clones the state for every request that extracts it, so it is one `Arc`:
//! `LeptosOptions` alone is a dozen owned strings, and cloning it per request was
//! measurable in `spectate load ingest`.

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::hub::Hub;

/// Shared by axum routes and Leptos' SSR routes; a cheap handle on [`Shared`].
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] shares.
#[derive(Debug)]
pub struct Shared {
    /// Where the site is and what the bundle is called.
    pub leptos_options: LeptosOptions,
    /// The site's static files under hashed names.
    pub assets: crate::http::assets::Assets,
    /// All live state.
    pub hub: Arc<Hub>,
    /// The rules every tracker fix passes.
    pub intake: Arc<crate::ingest::Intake>,
    /// Every stored fix.
    pub store: crate::store::Store,
    /// Each address's allowance of unknown OsmAnd device ids.
    pub device_lookups: crate::ingest::device_lookups::DeviceLookups,
    /// The safety alerts.
    pub alerts: Arc<crate::alerts::Alerts>,
    /// The one way the field changes ([`crate::roster`]).
    pub roster: Arc<crate::roster::Roster>,
    /// The organiser's console: sign-in limits, session length, figures.
    pub console: crate::console::Console,
    /// Map tiles for the pages (`--tile-url`), `None` for a plain background.
    pub tiles: Option<String>,
    /// Who may frame the pages (`--embed-origin`).
    pub framing: crate::http::framing::Framing,
    /// The cluster this node is part of (`--redis-url`), if any.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
}

impl AppState {
    /// The handle on `shared`.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Shared {
    /// The event being tracked (`--event`, or the demo's) as it is now: the race's,
    /// which the console can change ([`crate::roster`]).
    pub fn event(&self) -> Option<Arc<crate::event::Event>> {
        self.hub.race().map(|race| race.event())
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Leptos' handlers (pages, static files) take their options from the state; only
/// they pay for the clone.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
