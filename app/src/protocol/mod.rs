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
//! - [`topic`]: [`Topic`], what clients subscribe to and publish on.
//! - [`v1`]: protocol v1 of `/ws` (subscribe, snapshot, resume, events), spoken by
//!   Spectate's pages and tools.
//! - [`race`]: the event and its leaderboard as pages read them over HTTP.
//! - [`field`]: the rows of the `field` stream (every runner's latest position).
//! - [`errors`]: error codes shared by every socket, and the close codes we send.
//! - [`outcome`]: [`FixOutcome`], what became of a fix the server took in.
//! - [`splits`]: split times at the checkpoints and the finish.
//! - [`announcement`]: the organisers' message to spectators and runners.
//! - [`console`]: what the organiser's console reads: alerts, monitor rows, trails.
//! - [`sos`]: what a runner's page is told of its SOS once organisers act on it.
//! - [`cheer_name`]: the name a cheer is signed with, and its check.

pub mod announcement;
pub mod cheer_name;
pub mod console;
pub mod errors;
pub mod field;
pub mod geo;
pub mod ids;
pub mod outcome;
pub mod race;
pub mod seed;
pub mod sos;
pub mod splits;
pub mod topic;
pub mod v1;

pub use errors::{CloseCode, ErrorCode, ProtocolError};
pub use geo::LatLng;
pub use ids::{RunnerId, SeriesName};
pub use outcome::FixOutcome;
pub use topic::{RoomName, Topic, TopicKind};
pub use v1::{ClientMsg, EventData, PROTOCOL_VERSION, Publication, ServerMsg};
