//! The Spectate server: one axum app that renders the Leptos pages, runs the WebSocket
//! hub and the live feeds.
//!
//! The path of a fix, from a phone to a marker on a spectator's map:
//!
//! 1. [`sockets`]: a socket handler (`seed_spectate` or `app_socket`) parses the frame
//!    into protocol types from `spectate_app::protocol`, and `sockets::publishing`
//!    checks the sender's rights and rate.
//! 2. [`hub::topics`]: the registry numbers the fix, keeps it in the runner's history
//!    and queues one shared encoding into the [`hub::outbox`] of every follower.
//! 3. [`sockets`]: each follower's writer task flushes its outbox to the socket, and the
//!    page (in `spectate_app`) moves the marker.
//!
//! Around that path: [`startup`] builds the router and runs it on [`listener`], [`config`] and [`cli`]
//! say how, [`http`] has the plain endpoints, [`feeds`] the happiness feed, [`demo`]
//! the simulated runners, [`state`] what handlers share, and [`load`] the load tool
//! (`spectate load`) that measures all of it from outside. `fuzz_api` (feature `fuzzing`)
//! opens the decoders of outside input to the fuzz targets in `fuzz/`.

pub mod auth;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod course;
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
pub mod qr;
pub mod race;
pub mod replay;
pub mod simulate;
pub mod sockets;
pub mod startup;
pub mod state;
pub mod store;
