//! The Spectate server: one axum app that renders the Leptos pages, runs the WebSocket
//! hub and the live feeds.
//!
//! The path of a fix, from a phone to a marker on a spectator's map:
//!
//! 1. A door parses it: a socket handler (`seed_spectate` or `app_socket`) into
//!    protocol types from `spectate_app::protocol`, with `sockets::publishing`
//!    checking the sender's rights and rate; or a tracker endpoint of [`ingest`]
//!    (OwnTracks, OsmAnd, `/api/fixes`), with the tracker's credentials.
//! 2. [`ingest::Intake`], the one way in for every door: the rules (finite readings,
//!    not from the future, duplicates, jumps, late fixes), then the [`store`] commits
//!    it, then the hub publishes it (`Hub::record_fix` feeds the race and the field;
//!    a fix past a checkpoint records a split, which [`timing`] stores and publishes).
//! 3. [`hub::topics`]: the registry numbers the fix, keeps it in the runner's history
//!    and queues one shared encoding into the [`hub::outbox`] of every follower.
//! 4. [`sockets`]: each follower's writer task flushes its outbox to the socket, and the
//!    page (in `spectate_app`) moves the marker.
//!
//! Around that path: [`startup`] builds the router and runs it on [`listener`] (plain
//! HTTP or HTTPS, its certificate from files or ACME; it learns from [`proxy`] who each
//! client is behind a reverse proxy), [`config`] and
//! [`cli`] say how, [`data_dir`] keeps the data directory private, [`http`] has the
//! plain endpoints, [`feeds`] the happiness feed, [`demo`] the simulated runners,
//! [`state`] what handlers share, and [`load`] the load tool (`spectate load`) that
//! measures all of it from outside, and [`backup`] copies a race's store out and back
//! in (`spectate backup` / `restore`). [`console`] is the organiser's console behind a
//! sign-in (`/admin`), and [`alerts`] the safety alerts it shows, `race_control` its DNS /
//! DNF / DSQ and announcements; [`roster`] keeps the event's field (stored, changed from
//! the console, imported from CSV). `fuzz_api` (feature `fuzzing`) opens the decoders
//! of outside input to the fuzz targets in `fuzz/`.

pub mod alerts;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod console;
pub mod course;
pub mod data_dir;
pub mod demo;
pub mod event;
pub mod feeds;
#[cfg(feature = "fuzzing")]
pub mod fuzz_api;
pub mod http;
pub mod hub;
pub mod ingest;
pub mod listener;
pub mod load;
pub mod proxy;
pub mod qr;
pub mod race;
pub(crate) mod race_control;
pub mod replay;
pub mod roster;
pub mod simulate;
pub mod sockets;
pub mod startup;
pub mod state;
pub mod store;
pub(crate) mod timing;
