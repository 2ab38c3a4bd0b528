//! The state every handler can reach: Leptos' options (for SSR and static files) and
//! the hub. Cloning is cheap: both are shared handles.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::hub::Hub;

/// Shared by axum routes and Leptos' SSR routes.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Where the site is and what the bundle is called.
    pub leptos_options: LeptosOptions,
    /// All live state.
    pub hub: Arc<Hub>,
    /// The event being tracked (`--event`, or the demo's), if any.
    pub event: Option<Arc<crate::event::Event>>,
    /// The rules every tracker fix passes.
    pub intake: Arc<crate::ingest::Intake>,
    /// Every stored fix.
    pub store: crate::store::Store,
}
