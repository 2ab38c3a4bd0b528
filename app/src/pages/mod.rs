//! One module per routed page.
//!
//! - [`runner_map`]: `/`, follow runners and watch them move.
//! - [`dashboard`]: `/dashboard`, live charts.
//! - [`room`]: `/room`, the broadcast room.
//! - [`track`]: `/track?token=...`, the runner's page that publishes their position.

pub mod dashboard;
pub mod room;
pub mod runner_map;
pub mod track;
