//! `idle`: N sockets that connect and then do nothing; the server's memory per idle
//! connection is the RSS growth divided by N (needs `--pid`).

use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use super::{
    LoadError,
    client::{Target, spawn_reader},
    report::{ServerUsage, Summary},
};

/// Options of the idle scenario.
#[derive(Debug, Args)]
pub struct IdleArgs {
    /// Sockets to open.
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Seconds to hold them open before measuring.
    #[arg(long, default_value_t = 5)]
    pub hold: u64,
}

/// Runs the scenario.
pub async fn run(target: &Target, args: &IdleArgs) -> Result<Summary, LoadError> {
    // Let the allocator settle after whatever came before.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = target.server_sample();
    let window = Instant::now();
    let sockets = target
        .connect_many(0, args.connections, &target.path)
        .await?;
    let until = tokio::time::Instant::now() + Duration::from_secs(args.hold);
    // Readers answer the server's pings, as any live client would.
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|ws| spawn_reader(ws, until, (), |(), _| true))
        .collect();
    tokio::time::sleep(Duration::from_secs(args.hold)).await;
    let after = target.server_sample();
    let duration_s = window.elapsed().as_secs_f64();
    let per_connection_kib = before
        .zip(after)
        .map(|(b, a)| (a.rss_kib as f64 - b.rss_kib as f64) / args.connections.max(1) as f64);
    target.progress(&format!(
        "{} idle sockets: {:?} KiB each",
        args.connections, per_connection_kib
    ));
    let mut held = Vec::new();
    for reader in readers {
        held.push(reader.await.map_err(|e| LoadError::Lost(e.to_string()))?.1);
    }
    drop(held);
    Ok(Summary {
        scenario: "idle",
        clients: args.connections,
        duration_s,
        sent: 0,
        expected: 0,
        delivered: 0,
        lost: 0,
        duplicates: 0,
        deliveries_per_s: 0.0,
        latency: None,
        server: before
            .zip(after)
            .map(|(b, a)| ServerUsage::between(b, a, 0)),
        details: json!({"connections": args.connections, "kib_per_connection": per_connection_kib}),
    })
}
