//! Integration tests: each starts the real server on port 0 and talks to it over real
//! sockets. One binary with modules, so the workspace links tests once.

mod helpers;

mod acme;
mod admin;
mod alerts;
mod alerts_off_course;
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
mod embed;
mod event_file;
mod happiness;
mod hardening;
mod http_limits;
mod https;
mod ingest;
mod intake;
mod load_tool;
mod pages;
mod posting;
mod protocol;
mod race_control;
mod race_control_cluster;
mod race_scale;
mod room;
mod roster;
mod roster_cluster;
mod roster_import;
mod roster_pairing;
mod roster_revoke;
mod seed_spectate;
mod shutdown;
mod slow_consumer;
mod splits;
mod topic_quota;
mod tracker_input;
mod trusted_proxy;
