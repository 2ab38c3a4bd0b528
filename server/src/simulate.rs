//! `spectate simulate`: runners of an event file move along its course and publish
//! through the real ingestion paths, as their phones would, against a running server.
//!
//! Each runner gets its own pace (4:00 to 7:00 per km), GPS noise of a few metres,
//! and now and then a dropout: the phone loses its connection for a while, keeps its
//! fixes, and sends them late, in order, when it is back (the server keeps them in
//! the track but never lets them replace the live position). The runners are spread
//! over the three ways in: OsmAnd/Traccar Client (by device id), OwnTracks (bib and
//! token over Basic auth) and the WebSocket protocol v1 (`?token=`).

use std::{path::PathBuf, sync::Arc, time::Duration};

use clap::Args;
use futures::{SinkExt, StreamExt};
use spectate_app::protocol::{ClientMsg, LatLng, RunnerId, Topic, v1::Payload};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    auth::{Subject, TokenKeys, secret},
    event::{Event, Runner},
    hub::now_ms,
};

/// Options of `spectate simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The event file whose runners and course to simulate.
    #[arg(long)]
    pub event: PathBuf,
    /// The server, e.g. http://127.0.0.1:3000.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// How many of the event's runners run (all by default).
    #[arg(long)]
    pub runners: Option<usize>,
    /// Time-lapse: 60 runs a minute of race per second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Seconds of race time between two fixes of a phone.
    #[arg(long, default_value_t = 5.0)]
    pub fix_every: f64,
    /// Stop after this many real seconds (by default when everyone has finished).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Random seed, for a repeatable run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The data dir whose secret signs the runners' tokens (same as the server's).
    #[arg(long, env = "SPECTATE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The signing secret, if the server is given one with --secret.
    #[arg(long, env = "SPECTATE_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Totals {
    /// Fixes sent and answered 2xx.
    pub sent: u64,
    /// Of those, sent late after a dropout.
    pub late: u64,
    /// Requests the server refused.
    pub refused: u64,
}

/// Phones that publish over the WebSocket at most; the others past it use OwnTracks.
/// All the phones come from one address, and each socket counts against the server's
/// `--max-connections-per-ip` (1,000 by default): a third of a 5,000-runner field would
/// pass it.
const SOCKET_PHONES: usize = 200;

/// HTTP requests in flight at once, for all the phones together. They share one
/// client (and its kept-alive connections): with a client each, the 667 HTTP phones of
/// a 1,000-runner demo held a connection each from one address, passed the server's
/// `--max-http-connections-per-ip` (256), were answered 429, and the demo stopped
/// (seen 2026-12-03). 64 at once is well above a field's rate (a fix per runner every
/// 2 s is 500 a second; a loopback request takes a few milliseconds).
const HTTP_AT_ONCE: usize = 64;

/// The phones' shared HTTP client and its bound.
#[derive(Clone, Debug)]
struct Http {
    client: reqwest::Client,
    at_once: Arc<tokio::sync::Semaphore>,
}

/// The three ways a phone can publish.
#[derive(Debug, Clone, Copy)]
enum Path {
    OsmAnd,
    OwnTracks,
    WebSocket,
}

/// Runs the simulation; returns what was sent.
pub async fn run(args: &SimulateArgs) -> Result<Totals, String> {
    let event = Arc::new(Event::load(&args.event).map_err(|e| e.to_string())?);
    let secret = secret::load_or_create(args.secret.as_deref(), &args.data_dir)
        .map_err(|e| e.to_string())?;
    // Device clocks say race time. Sped up, race time outruns the clock, and the server
    // refuses fixes from the future: so a sped-up race is set to have started long
    // enough ago that even the slowest runner finishes before "now".
    let slowest_race_ms = event.course.length_m() / 1000.0 * SLOWEST_PACE_S_PER_KM * 1000.0;
    let started_ms = if args.speed > 1.0 {
        now_ms().saturating_sub(slowest_race_ms as u64)
    } else {
        now_ms()
    };
    let plan = Plan {
        url: args.url.clone(),
        runners: args.runners.unwrap_or(usize::MAX),
        speed: args.speed,
        fix_every_s: args.fix_every,
        deadline: args.seconds.map(Duration::from_secs_f64),
        seed: args.seed,
        started_ms,
        already_s: 0.0,
        progress: true,
    };
    run_race(event, &TokenKeys::new(&secret), &plan).await
}

/// The slowest simulated pace, seconds per km (the fastest is 4:00).
pub const SLOWEST_PACE_S_PER_KM: f64 = 420.0;

/// How a simulated race runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The server, e.g. `http://127.0.0.1:3000`.
    pub url: String,
    /// How many of the event's runners run (at most all of them).
    pub runners: usize,
    /// Race seconds per real second.
    pub speed: f64,
    /// Race seconds between two fixes of a phone.
    pub fix_every_s: f64,
    /// Stop after this much real time (else when everyone has finished).
    pub deadline: Option<Duration>,
    /// Random seed: paces, noise and dropouts.
    pub seed: u64,
    /// When the race started by the phones' clocks, ms since the Unix epoch.
    pub started_ms: u64,
    /// Race seconds already run when the simulation begins: the phones send the fixes
    /// of that time at once, in order, then go on at `speed` (a race joined in
    /// progress, with its tracks).
    pub already_s: f64,
    /// A progress line on stderr every second.
    pub progress: bool,
}

/// Runs the event's runners along its course, publishing through the three ways in
/// with tokens signed by `keys`. Dropping the future stops every phone.
pub async fn run_race(event: Arc<Event>, keys: &TokenKeys, plan: &Plan) -> Result<Totals, String> {
    let count = plan.runners.min(event.runners.len());
    let mut rng = fastrand::Rng::with_seed(plan.seed);
    let counters = Arc::new(Counters::default());
    // A JoinSet aborts its tasks when dropped, so a cancelled race leaves no phone.
    let mut phones = tokio::task::JoinSet::new();
    let http = Http {
        client: reqwest::Client::new(),
        at_once: Arc::new(tokio::sync::Semaphore::new(HTTP_AT_ONCE)),
    };
    for (i, runner) in event.runners.iter().take(count).enumerate() {
        let path = match (i % 3, runner.devices.first()) {
            (0, Some(_)) => Path::OsmAnd,
            (2, _) if i / 3 < SOCKET_PHONES => Path::WebSocket,
            _ => Path::OwnTracks,
        };
        let token = keys.issue(
            &Subject::Runner(runner.bib.clone()),
            Duration::from_secs(24 * 3600),
        );
        let phone = Phone {
            http: http.clone(),
            runner: runner.clone(),
            path,
            token,
            pace_s_per_km: 240.0 + rng.f64() * (SLOWEST_PACE_S_PER_KM - 240.0),
            seed: rng.u64(..),
        };
        let (event, plan, counters) = (event.clone(), plan.clone(), counters.clone());
        phones.spawn(async move { phone.run(&event, &plan, &counters).await });
    }
    let progress = plan.progress.then(|| {
        let counters = counters.clone();
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let mut ticker = tokio::time::interval(Duration::from_secs(1));
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let [sent, late, refused] = counters.read();
                eprintln!(
                    "[simulate] {:>4.0} s: {sent} fixes sent ({late} late), {refused} refused",
                    started.elapsed().as_secs_f64()
                );
            }
        })
    });
    let mut totals = Totals::default();
    while let Some(done) = phones.join_next().await {
        let t = done.map_err(|e| e.to_string())??;
        totals.sent += t.sent;
        totals.late += t.late;
        totals.refused += t.refused;
    }
    if let Some(progress) = progress {
        progress.abort();
    }
    Ok(totals)
}

/// Running counts shared by the phones, for the progress line.
#[derive(Debug, Default)]
struct Counters([std::sync::atomic::AtomicU64; 3]);

impl Counters {
    fn add(&self, which: usize, n: u64) {
        self.0[which].fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    fn read(&self) -> [u64; 3] {
        [0, 1, 2].map(|i| self.0[i].load(std::sync::atomic::Ordering::Relaxed))
    }
}

struct Phone {
    http: Http,
    runner: Runner,
    path: Path,
    token: String,
    pace_s_per_km: f64,
    seed: u64,
}

impl Phone {
    async fn run(self, event: &Event, plan: &Plan, counters: &Counters) -> Result<Totals, String> {
        let url = plan.url.as_str();
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let mut ws = match self.path {
            Path::WebSocket => {
                let ws_url = format!("{}/ws?token={}", url.replacen("http", "ws", 1), self.token);
                Some(
                    tokio_tungstenite::connect_async(ws_url)
                        .await
                        .map_err(|e| format!("runner {}: {e}", self.runner.bib))?
                        .0,
                )
            }
            _ => None,
        };
        let course = &event.course;
        let metres_per_s = 1000.0 / self.pace_s_per_km;
        // Race second `already_s` is now; earlier ones are due at once.
        let real_start = tokio::time::Instant::now();
        let mut totals = Totals::default();
        let mut offline_until = 0.0;
        let mut queued: Vec<(LatLng, u64)> = Vec::new();
        let mut race_s = 0.0;
        loop {
            let distance = race_s * metres_per_s;
            let finished = distance >= course.length_m();
            let here = course.position_at(distance);
            // GPS noise: a few metres either way.
            let noisy = LatLng::parse(
                here.lat() + (rng.f64() - 0.5) * 8e-5,
                here.lng() + (rng.f64() - 0.5) * 8e-5,
            )
            .unwrap_or(here);
            let taken_ms = plan.started_ms + (race_s * 1000.0) as u64;
            if race_s < offline_until {
                queued.push((noisy, taken_ms));
            } else {
                // Back online: the kept fixes first, in order, then this one.
                let late = std::mem::take(&mut queued);
                totals.late += late.len() as u64;
                counters.add(1, late.len() as u64);
                for (p, t) in late.into_iter().chain([(noisy, taken_ms)]) {
                    match self.send(ws.as_mut(), url, p, t).await {
                        Ok(()) => {
                            totals.sent += 1;
                            counters.add(0, 1);
                        }
                        Err(_) => {
                            totals.refused += 1;
                            counters.add(2, 1);
                        }
                    }
                }
                if rng.f64() < 0.02 {
                    offline_until = race_s + 30.0 + rng.f64() * 60.0;
                }
            }
            if finished || plan.deadline.is_some_and(|d| real_start.elapsed() >= d) {
                break;
            }
            race_s += plan.fix_every_s;
            let ahead_s = (race_s - plan.already_s).max(0.0) / plan.speed.max(0.001);
            tokio::time::sleep_until(real_start + Duration::from_secs_f64(ahead_s)).await;
        }
        Ok(totals)
    }

    async fn send(
        &self,
        ws: Option<
            &mut tokio_tungstenite::WebSocketStream<
                tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
            >,
        >,
        url: &str,
        p: LatLng,
        taken_ms: u64,
    ) -> Result<(), String> {
        let bib: &RunnerId = &self.runner.bib;
        let http = &self.http.client;
        let request = match (self.path, ws) {
            (Path::WebSocket, Some(ws)) => {
                let msg = ClientMsg::Publish {
                    id: Some(taken_ms),
                    topic: Topic::Runner(bib.clone()),
                    data: Payload::fix_at(p, taken_ms),
                };
                return publish_acknowledged(ws, &msg.encode(), taken_ms).await;
            }
            (Path::OsmAnd, _) => {
                let device = self.runner.devices.first().cloned().unwrap_or_default();
                http.post(format!("{url}/api/osmand")).form(&[
                    ("id", device),
                    ("lat", p.lat().to_string()),
                    ("lon", p.lng().to_string()),
                    ("timestamp", taken_ms.to_string()),
                ])
            }
            _ => {
                let body = serde_json::json!({"_type": "location", "lat": p.lat(), "lon": p.lng(), "tst": taken_ms / 1000});
                http.post(format!("{url}/api/owntracks"))
                    .basic_auth(bib.as_str(), Some(&self.token))
                    .json(&body)
            }
        };
        // The semaphore is never closed: a permit always comes.
        let _permit = self
            .http
            .at_once
            .acquire()
            .await
            .map_err(|e| e.to_string())?;
        let response = request.send().await;
        match response {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("{}", r.status())),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Sends a `publish` with `id` and waits for its answer, as the runner page does: the
/// next fix goes only after this one is acknowledged, so fixes stay in order. A
/// `rate_limited` refusal (a phone flushing fixes it kept while offline goes faster
/// than the per-connection publish rate) is retried after a second.
async fn publish_acknowledged(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    frame: &str,
    id: u64,
) -> Result<(), String> {
    loop {
        ws.send(Message::Text(frame.into()))
            .await
            .map_err(|e| e.to_string())?;
        let answer = loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let Ok(msg) = serde_json::from_str::<serde_json::Value>(&text) else {
                        continue;
                    };
                    if msg["id"].as_u64() == Some(id) {
                        break msg;
                    }
                }
                Some(Ok(Message::Close(frame))) => return Err(format!("closed: {frame:?}")),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("connection ended".into()),
            }
        };
        match (answer["type"].as_str(), answer["code"].as_str()) {
            (Some("ack"), _) => return Ok(()),
            (Some("error"), Some("rate_limited")) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            _ => return Err(answer.to_string()),
        }
    }
}
