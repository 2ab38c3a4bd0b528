//! Spectate's shared crate: the wire protocol, and the Leptos pages.
//!
//! - [`protocol`] is always compiled and depends on serde only, so the server, the
//!   browser bundle and command-line tools share one definition of every message.
//! - With the `ssr` feature the pages render on the server; with `hydrate` the same
//!   components take over in the browser and open the live socket. Browser-only code
//!   (the WebSocket, timers) lives behind `hydrate` and runs only inside effects.
//! - [`format`] and [`pace`] are the pure rules every side shares: how figures read,
//!   and how pace and speed are measured.
//! - [`console_nav`]: the organiser's console header's links, for the server's plain
//!   pages and the Leptos ones alike.

pub mod alert_book;
pub mod console_alerts;
pub mod console_nav;
pub mod fix_queue;
pub mod format;
pub mod monitor_table;
pub mod pace;
pub mod protocol;
pub mod resume_book;

#[cfg(feature = "ui")]
pub mod app;
#[cfg(feature = "ui")]
pub mod assets;
#[cfg(feature = "ui")]
pub mod components;
#[cfg(feature = "ui")]
pub mod follow_list;
#[cfg(feature = "ui")]
pub mod live;
#[cfg(feature = "ui")]
pub mod pages;
#[cfg(feature = "ui")]
pub mod race_data;
