//! The wire protocol: every message that crosses a socket, defined once.
//!
//! The server, the browser bundle and the command-line tools all speak through these
//! types, so this module (and everything under it) depends on serde only, never on
//! Leptos. Each submodule owns one concern:
//!
//! - [`ids`]: [`RunnerId`] and [`SeriesName`], parsed from what clients send.
//! - [`geo`]: [`LatLng`], a coordinate that is known to be on Earth.
//! - [`seed`]: the seed apps' formats (`/` and `/spectate`, `/happiness`, `/room`), kept
//!   byte-compatible so their unchanged clients keep working.
//! - [`app_socket`]: the typed protocol of `/ws`, used by Spectate's own pages.
//! - [`errors`]: error codes shared by every socket, and the close codes we send.

pub mod app_socket;
pub mod errors;
pub mod geo;
pub mod ids;
pub mod seed;

pub use app_socket::{ClientMsg, PROTOCOL_VERSION, ServerMsg};
pub use errors::{CloseCode, ErrorCode, ProtocolError};
pub use geo::LatLng;
pub use ids::{RunnerId, SeriesName};
