//! Reusable pieces of the pages.
//!
//! - [`connection_status`]: the live/reconnecting pill in the header.
//! - [`track_map`]: runners' markers and trails drawn as SVG.
//! - [`line_chart`]: a live line chart drawn as SVG.

pub mod connection_status;
pub mod line_chart;
pub mod track_map;
