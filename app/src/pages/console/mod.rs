//! The organiser's pages of the Leptos app, under `/admin/`. The server puts its
//! sign-in guard in front of every one of them (`console::guard::admin_pages`), so
//! they render only for a signed-in organiser; what they fetch is guarded again.
//!
//! - [`monitor`]: `/admin/monitor`, the race-day monitor: every runner's tracker
//!   ([`runners_table`]), the open safety alerts ([`alerts_panel`]) and their map
//!   ([`monitor_map`]); the browser side (polling, the alerts' live stream, the
//!   acknowledge and resolve POSTs) is in `browser`.
//! - [`header`]: the console's header, on these pages instead of the spectators'.

pub mod alerts_panel;
pub mod header;
pub mod monitor;
pub mod monitor_map;
pub mod runners_table;

#[cfg(feature = "hydrate")]
mod browser;
