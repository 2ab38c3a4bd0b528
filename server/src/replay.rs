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

/// Sends each fix (with its index) into `sink` at its time: the first at once, each
/// next one after the time that separated it from the first when it was taken,
/// divided by `speed`. The schedule is kept from the start (not from the previous
/// send), so a slow send does not push every later fix back.
pub async fn play<S>(fixes: &[(RunnerId, LatLng, u64)], speed: f64, sink: S) -> Result<(), S::Error>
where
    S: futures::Sink<(usize, RunnerId, LatLng)>,
{
    let Some(first) = fixes.first().map(|f| f.2) else {
        return Ok(());
    };
    let mut sink = std::pin::pin!(sink);
    let start = tokio::time::Instant::now();
    for (i, (runner, position, taken_ms)) in fixes.iter().enumerate() {
        let at = Duration::from_secs_f64(taken_ms.saturating_sub(first) as f64 / 1000.0 / speed);
        tokio::time::sleep_until(start + at).await;
        sink.send((i, runner.clone(), *position)).await?;
    }
    Ok(())
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
    let total = fixes.len();
    let mut last_report = tokio::time::Instant::now();
    let messages = (&mut ws).with(|(i, runner, position): (usize, RunnerId, LatLng)| {
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = tokio::time::Instant::now();
            eprintln!("[replay] {}/{total} fixes", i + 1);
        }
        let msg = ClientMsg::Publish {
            id: None,
            topic: Topic::Runner(runner),
            data: Payload::fix(position),
        };
        futures::future::ready(Ok::<_, tokio_tungstenite::tungstenite::Error>(
            Message::Text(msg.encode().into()),
        ))
    });
    play(&fixes, args.speed, messages)
        .await
        .map_err(|e| format!("the server closed the connection: {e}"))?;
    // Let the last frames leave before closing.
    let _ = ws.close(None).await;
    Ok(fixes.len())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn fix(runner: &str, lat: f64, taken_ms: u64) -> (RunnerId, LatLng, u64) {
        (
            RunnerId::parse(runner).unwrap(),
            LatLng::parse(lat, 2.0).unwrap(),
            taken_ms,
        )
    }

    type Log = Arc<Mutex<Vec<(usize, String, f64, Duration)>>>;

    /// A sink that notes what arrives and when; sending `slow_index` takes 4 s, and
    /// sending `failing_index` fails.
    fn recorder(
        log: Log,
        slow_index: Option<usize>,
        failing_index: Option<usize>,
    ) -> impl futures::Sink<(usize, RunnerId, LatLng), Error = &'static str> {
        let start = tokio::time::Instant::now();
        futures::sink::unfold(
            log,
            move |log, (i, runner, position): (usize, RunnerId, LatLng)| async move {
                log.lock()
                    .unwrap()
                    .push((i, runner.to_string(), position.lat(), start.elapsed()));
                if slow_index == Some(i) {
                    tokio::time::sleep(Duration::from_secs(4)).await;
                }
                if failing_index == Some(i) {
                    return Err("closed");
                }
                Ok(log)
            },
        )
    }

    #[tokio::test(start_paused = true)]
    async fn plays_the_fixes_in_order_at_the_requested_speed() {
        // Two runners interleaved, as a stored event reads (ordered by time taken).
        let fixes = [
            fix("7", 48.0, 1_000_000),
            fix("8", 48.1, 1_001_000),
            fix("7", 48.2, 1_003_000),
            fix("8", 48.3, 1_003_500),
            fix("7", 48.4, 1_063_000),
        ];
        let log = Log::default();
        play(&fixes, 10.0, recorder(log.clone(), None, None))
            .await
            .unwrap();
        let ms = Duration::from_millis;
        assert_eq!(
            *log.lock().unwrap(),
            [
                (0, "7".into(), 48.0, ms(0)),
                (1, "8".into(), 48.1, ms(100)),
                (2, "7".into(), 48.2, ms(300)),
                (3, "8".into(), 48.3, ms(350)),
                (4, "7".into(), 48.4, ms(6_300)),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_send_does_not_delay_the_later_fixes() {
        let fixes = [
            fix("1", 48.0, 0),
            fix("1", 48.1, 10_000),
            fix("1", 48.2, 20_000),
        ];
        let log = Log::default();
        play(&fixes, 1.0, recorder(log.clone(), Some(0), None))
            .await
            .unwrap();
        let times: Vec<_> = log.lock().unwrap().iter().map(|e| e.3).collect();
        let s = Duration::from_secs;
        assert_eq!(times, [s(0), s(10), s(20)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_send_stops_the_replay() {
        let fixes = [
            fix("1", 48.0, 0),
            fix("1", 48.1, 1_000),
            fix("1", 48.2, 2_000),
        ];
        let log = Log::default();
        let result = play(&fixes, 1.0, recorder(log.clone(), None, Some(1))).await;
        assert_eq!(result, Err("closed"));
        assert_eq!(log.lock().unwrap().len(), 2);
    }
}
