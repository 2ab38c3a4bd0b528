//! Reusable pieces of the pages.
//!
//! - [`connection_status`]: the live/reconnecting pill and the offline banner.
//! - [`live_map`]: the Leaflet map of the race ([`leaflet`] binds the library,
//!   `leaflet_loader` loads it when the map first mounts);
//!   [`track_map`] draws the static SVG stand-in and keeps a runner's [`track_map::Track`].
//! - [`follow_search`]: search by bib or name, chips, "follow the leaders".
//! - [`leaderboard`], [`runner_panel`], [`cheers`]: the side panels.
//! - [`splits`]: a runner's split times as a table (the runner panel's, reusable);
//!   [`split_alerts`]: the in-page notices of followed runners' splits;
//!   [`course_progress`]: every followed runner on the course profile, with ETAs.
//! - [`share`]: a link to follow runners, shared or copied.
//! - [`live_chart`]: live canvas charts over a [`chart_model::ChartModel`].
//! - [`announcement`]: the organisers' announcement as a banner.

pub mod announcement;
pub mod chart_model;
pub mod cheers;
pub mod connection_status;
pub mod course_progress;
pub mod follow_search;
pub mod leaderboard;
#[cfg(feature = "hydrate")]
pub mod leaflet;
#[cfg(feature = "hydrate")]
pub(crate) mod leaflet_loader;
pub mod live_chart;
pub mod live_map;
pub mod runner_panel;
pub mod share;
pub mod split_alerts;
pub mod splits;
pub mod track_map;
