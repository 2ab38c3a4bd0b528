//! One module per routed page.
//!
//! - [`runner_map`]: `/`, follow runners and watch them move.
//! - [`dashboard`]: `/dashboard`, live charts.
//! - [`room`]: `/room`, the broadcast room.
//! - [`track`]: `/track?token=...`, the runner's page that publishes their position.
//! - [`console`]: the organiser's pages under `/admin/` (the server lets only a
//!   signed-in organiser reach them): `/admin/monitor`.

pub mod console;
pub mod dashboard;
pub mod room;
pub mod runner_map;
pub mod track;
