//! One module per routed page.
//!
//! - [`runner_map`]: `/`, follow runners and watch them move.
//! - [`dashboard`]: `/dashboard`, live charts.
//! - [`room`]: `/room`, the broadcast room.
//! - [`embed`]: `/embed`, the map and board for another site's iframe.
//! - [`track`]: `/track?token=...`, the runner's page that publishes their position.
//! - [`console`]: the organiser's pages under `/admin/` (the server lets only a
//!   signed-in organiser reach them): `/admin/monitor`.

pub mod console;
pub mod dashboard;
pub mod embed;
pub mod room;
pub mod runner_map;
pub mod track;
