//! Integration tests: each starts the real server on port 0 and talks to it over real
//! sockets. One binary with modules, so the workspace links tests once.

mod helpers;

mod acme;
mod admin;
mod alerts;
mod assets;
mod audit_lower;
mod auth;
mod backup;
mod bad_input;
mod cleanup;
mod cluster;
mod cluster_checks;
mod demo;
mod deploy_unit;
mod durability;
mod event_file;
mod happiness;
mod hardening;
mod http_limits;
mod https;
mod ingest;
mod intake;
mod load_tool;
mod monitor;
mod pages;
mod posting;
mod protocol;
mod race_scale;
mod room;
mod seed_spectate;
mod shutdown;
mod slow_consumer;
mod splits;
mod topic_quota;
mod tracker_input;
mod trusted_proxy;
