//! `spectate replay`: a finished event (the fixes stored in a data dir) or a recorded
//! GPX track, played again through a running server's hub at x1 to x60, so
//! spectators can watch a race after the fact on the same map.
//!
//! It publishes over the WebSocket protocol v1 with an admin token (which may publish
//! for any runner), in the order the fixes were taken, keeping their spacing divided
//! by the speed.

use std::{path::PathBuf, time::Duration};

use clap::Args;
use futures::SinkExt;
use spectate_app::protocol::{ClientMsg, LatLng, RunnerId, Topic, v1::Payload};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    auth::{Subject, TokenKeys, secret},
    store,
};

/// Options of `spectate replay`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["from_store", "gpx"])))]
pub struct ReplayArgs {
    /// Replay every fix stored in this data dir (a finished event).
    #[arg(long)]
    pub from_store: Option<PathBuf>,
    /// Or replay this recorded GPX track...
    #[arg(long, requires = "runner")]
    pub gpx: Option<PathBuf>,
    /// ...as this runner.
    #[arg(long)]
    pub runner: Option<String>,
    /// How much faster than it happened: 1 to 60.
    #[arg(long, default_value_t = 10.0)]
    pub speed: f64,
    /// The server, e.g. ws://127.0.0.1:3000.
    #[arg(long, default_value = "ws://127.0.0.1:3000")]
    pub url: String,
    /// The data dir whose secret signs the admin token (the server's).
    #[arg(long, env = "SPECTATE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The signing secret, if the server is given one with --secret.
    #[arg(long, env = "SPECTATE_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
}

/// The fixes to play: (runner, where, when taken in ms).
fn load(args: &ReplayArgs) -> Result<Vec<(RunnerId, LatLng, u64)>, String> {
    if let Some(dir) = &args.from_store {
        let fixes = store::read_all(dir).map_err(|e| e.to_string())?;
        return Ok(fixes
            .into_iter()
            .map(|f| (f.runner, f.position, f.taken_ms))
            .collect());
    }
    let (Some(path), Some(runner)) = (&args.gpx, &args.runner) else {
        return Err("give --from-store DIR, or --gpx FILE with --runner ID".into());
    };
    let runner = RunnerId::parse(runner).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let gpx =
        gpx::read(std::io::Cursor::new(text)).map_err(|e| format!("{}: {e}", path.display()))?;
    let points: Vec<_> = gpx
        .tracks
        .iter()
        .flat_map(|t| &t.segments)
        .flat_map(|s| &s.points)
        .collect();
    let mut out = Vec::with_capacity(points.len());
    for (i, w) in points.into_iter().enumerate() {
        let p = w.point();
        let Ok(position) = LatLng::parse(p.y(), p.x()) else {
            continue;
        };
        // Points without a time are taken a second apart.
        let taken_ms = w
            .time
            .map(time::OffsetDateTime::from)
            .map_or(i as u64 * 1000, |t| {
                (t.unix_timestamp_nanos() / 1_000_000) as u64
            });
        out.push((runner.clone(), position, taken_ms));
    }
    Ok(out)
}

/// Plays the fixes; returns how many were published.
pub async fn run(args: &ReplayArgs) -> Result<usize, String> {
    if !(1.0..=60.0).contains(&args.speed) {
        return Err(format!("--speed {} is outside 1 to 60", args.speed));
    }
    let fixes = load(args)?;
    if fixes.is_empty() {
        return Err("nothing to replay: no fixes found".into());
    }
    let secret = secret::load_or_create(args.secret.as_deref(), &args.data_dir)
        .map_err(|e| e.to_string())?;
    let token = TokenKeys::new(&secret).issue(&Subject::Admin, Duration::from_secs(24 * 3600));
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}/ws?token={token}", args.url))
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", args.url))?;
    let first = fixes[0].2;
    let start = tokio::time::Instant::now();
    let mut last_report = start;
    for (i, (runner, position, taken_ms)) in fixes.iter().enumerate() {
        let at =
            Duration::from_secs_f64(taken_ms.saturating_sub(first) as f64 / 1000.0 / args.speed);
        tokio::time::sleep_until(start + at).await;
        let msg = ClientMsg::Publish {
            id: None,
            topic: Topic::Runner(runner.clone()),
            data: Payload::fix(*position),
        };
        ws.send(Message::Text(msg.encode().into()))
            .await
            .map_err(|e| format!("the server closed the connection: {e}"))?;
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = tokio::time::Instant::now();
            eprintln!("[replay] {}/{} fixes", i + 1, fixes.len());
        }
    }
    // Let the last frames leave before closing.
    let _ = ws.close(None).await;
    Ok(fixes.len())
}
