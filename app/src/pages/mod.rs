//! One module per routed page.
//!
//! - [`runner_map`]: `/`, follow runners and watch them move.
//! - [`dashboard`]: `/dashboard`, live charts.
//! - [`room`]: `/room`, the broadcast room.
//! - [`embed`]: `/embed`, the map and board for another site's iframe.
//! - [`track`]: `/track?token=...`, the runner's page that publishes their position.

pub mod dashboard;
pub mod embed;
pub mod room;
pub mod runner_map;
pub mod track;
