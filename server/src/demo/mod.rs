//! Demo mode: the event's runners (the bundled demo event unless `--event` names
//! another) run live along its course, simulated by [`crate::simulate`] and
//! publishing through the real ingestion paths (OsmAnd, OwnTracks, the WebSocket)
//! of this very server. So the demo exercises exactly what real phones do: the rules,
//! the durable store, the course projection, pace and ETA.
//!
//! The race runs at real pace, with the phones' clocks on real time, so pace, ETAs
//! and "stale" read true. It is joined in progress: the first edition started
//! [`JOINED_AFTER`] before the server, and its earlier fixes are sent at once, so the
//! field is spread along the course with its tracks from the first page load. When
//! every runner has finished, a new edition starts after [`BETWEEN_EDITIONS`].

use std::{
    net::{Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use tokio::task::JoinHandle;

use crate::{
    config::DemoConfig,
    hub::{now_ms, wait_for_shutdown},
    simulate::{Plan, run_race},
    state::AppState,
};

/// How long the first edition has been running when the server starts.
pub const JOINED_AFTER: Duration = Duration::from_secs(20 * 60);
/// The pause between editions, with everyone shown as finished.
pub const BETWEEN_EDITIONS: Duration = Duration::from_secs(60);

/// Starts the demo against the server listening at `addr`; it stops when the hub
/// shuts down.
pub fn start(state: AppState, addr: SocketAddr, config: DemoConfig) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut shutdown = state.hub.shutdown_signal();
        for edition in 1u64.. {
            // The field as it is at each edition's start: the console may change it.
            let Some(event) = state.event() else {
                tracing::warn!("demo mode without an event: no runners to simulate");
                return;
            };
            let plan = edition_plan(&state, addr, config, edition);
            tracing::info!(
                edition,
                runners = config.runners.min(event.runners.len()),
                "demo race under way"
            );
            let race = run_race(event, &state.hub.access.keys, &plan);
            tokio::select! {
                totals = race => match totals {
                    Ok(t) => tracing::info!(edition, sent = t.sent, late = t.late, refused = t.refused, "demo race finished"),
                    Err(err) => tracing::warn!(edition, %err, "demo race stopped"),
                },
                () = wait_for_shutdown(&mut shutdown) => return,
            }
            tokio::select! {
                () = tokio::time::sleep(BETWEEN_EDITIONS) => {}
                () = wait_for_shutdown(&mut shutdown) => return,
            }
        }
    })
}

/// The next edition: the race board and its splits cleared and the runners' last fixes forgotten
/// (they go back to the start line), starting [`JOINED_AFTER`] ago, or just after
/// the newest fix already known (a previous run's, from the store) so that no fix
/// of the new edition is older than one before it.
fn edition_plan(state: &AppState, addr: SocketAddr, config: DemoConfig, edition: u64) -> Plan {
    let now = now_ms();
    let mut started_ms = now.saturating_sub(JOINED_AFTER.as_millis() as u64);
    if let Some(event) = state.event() {
        for runner in &event.runners {
            if let Some(t) = state.intake.latest_ms(&runner.bib) {
                started_ms = started_ms.max(t + 1_000).min(now);
            }
            state.intake.forget(&runner.bib);
        }
    }
    // The edition's gun: its splits' elapsed times count from it.
    state.hub.restart_race(started_ms);
    // Listening on every interface: the phones use loopback.
    let mut target = addr;
    if addr.ip().is_unspecified() {
        target.set_ip(if addr.is_ipv4() {
            Ipv4Addr::LOCALHOST.into()
        } else {
            Ipv6Addr::LOCALHOST.into()
        });
    }
    Plan {
        url: format!("http://{target}"),
        runners: config.runners,
        speed: 1.0,
        fix_every_s: config.fix_every.as_secs_f64(),
        deadline: None,
        seed: edition,
        started_ms,
        already_s: (now - started_ms) as f64 / 1000.0,
        progress: false,
    }
}
