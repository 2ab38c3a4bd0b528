//! `spectators`: N spectators on the map page of a running race, as the page itself
//! connects: `/ws?batch=1`, subscribed to `field`, `board` and the `runner:` topics of
//! 3 followed runners.
//!
//! The race is not driven by this scenario: run `spectate simulate` against the same
//! server (bench/spectators.sh does), so fixes come through the real ingestion paths.
//! Joins are spread evenly over `--join-over-secs` (some mid-race, after the field has
//! moved), and every spectator stays until the end of `--seconds`.
//!
//! What it measures:
//! - **field staleness**: receive time minus each row's fix time (`t - age`), on the
//!   rows of delta frames (`full: false`); the rows of full frames separately (a full
//!   frame also carries runners that have not moved for a while). Only one spectator in
//!   `--sample-every` parses the rows; the others read each message's type, `seq` and
//!   `t`, so that the load tool does not become what it measures.
//! - **field delay**: receive time minus the frame's `t`, on every spectator.
//! - **followed fixes**: latency (receive time minus the event's `ts`, the server's
//!   receive time; and `ts` minus `t`, the fix's way from the phone to the server,
//!   which field staleness includes), and holes in each followed topic's `seq` after its snapshot
//!   (lost, or conflated by the server for a lagging client: the server's own count of
//!   conflations is read from `/metrics`).
//! - **join to full field**: from the start of the TCP connect to the full field frame.
//! - **bytes** received per spectator per second, by topic.
//! - **cut-offs** (close codes, 4008 = slow consumer), socket errors and error frames.
//! - the server's CPU and RSS (`--pid`), before the first join (the race's ingest
//!   alone, `--baseline-secs`) and over the run, and CPU-seconds per
//!   spectator-second.
//!
//! Clocks: the load tool, the simulator and the server share this machine's clock, so
//! times from the server (`ts`, `t`) are compared with the receive time directly. A
//! field row's age is in tenths of a second, rounded down, so field staleness reads up
//! to 0.1 s low.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use clap::Args;
use futures::StreamExt;
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::{Value, json};
use spectate_app::protocol::field::FieldRow;
use tokio_tungstenite::tungstenite::{Message, protocol::frame::coding::CloseCode};

use super::{
    LoadError,
    client::{Target, number_after, send},
    proc_stats,
    report::{Latency, ServerUsage, Summary},
};

/// Options of the spectators scenario.
#[derive(Debug, Args)]
pub struct SpectatorsArgs {
    /// Spectators (all connected by the end of `--join-over-secs`).
    #[arg(long, default_value_t = 1000)]
    pub spectators: usize,
    /// The event's runners are bibs 1..=R. By default the bibs are read from the
    /// server (`/api/entrants`, else `/api/race`).
    #[arg(long)]
    pub runners: Option<usize>,
    /// Runners each spectator follows.
    #[arg(long, default_value_t = 3)]
    pub follows: usize,
    /// Seconds from the first join to the end of the run.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Joins are spread evenly over this many seconds from the first (default: half of
    /// `--seconds`).
    #[arg(long)]
    pub join_over_secs: Option<f64>,
    /// One spectator in K parses field frames row by row (staleness); the others only
    /// read each message's type, sequence number and time, and count bytes.
    #[arg(long, default_value_t = 50)]
    pub sample_every: usize,
    /// Seconds of server CPU measured before the first join: the race's ingest alone.
    #[arg(long, default_value_t = 5.0)]
    pub baseline_secs: f64,
    /// Random seed of the followed runners.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Milliseconds since the Unix epoch, now.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A histogram of microseconds, 1 µs to 1000 s at 3 significant digits (`None` only
/// if those bounds were refused, which they are not).
type Hist = Mutex<Option<Histogram<u64>>>;

/// An empty [`Hist`].
fn histogram() -> Hist {
    Mutex::new(Histogram::<u64>::new_with_bounds(1, 1_000_000_000, 3).ok())
}

/// Percentiles of a histogram of microseconds.
fn percentiles(histogram: &Hist) -> Option<Latency> {
    let guard = histogram.lock().ok()?;
    let histogram = guard.as_ref().filter(|h| !h.is_empty())?;
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    Some(Latency {
        samples: histogram.len(),
        p50_ms: ms(0.5),
        p90_ms: ms(0.9),
        p95_ms: ms(0.95),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: histogram.max() as f64 / 1000.0,
    })
}

/// Records milliseconds into a histogram of microseconds.
fn record_ms(histogram: &Hist, values_ms: impl IntoIterator<Item = u64>) {
    if let Ok(mut guard) = histogram.lock()
        && let Some(histogram) = guard.as_mut()
    {
        for ms in values_ms {
            histogram.saturating_record(ms.saturating_mul(1000).max(1));
        }
    }
}

/// What every spectator adds to, as it goes.
#[derive(Debug)]
struct Shared {
    /// Receive time minus fix time, rows of delta field frames (sampled spectators).
    staleness: Hist,
    /// The same for rows of full field frames.
    staleness_full: Hist,
    /// Receive time minus the delta field frame's time (every spectator).
    field_delay: Hist,
    /// Receive time minus the full field frame's time (the snapshot's frame).
    full_frame_age: Hist,
    /// Receive time minus the board's time, boards after the snapshot's.
    board_delay: Hist,
    /// Receive time minus a followed fix's `ts`.
    followed: Hist,
    /// A followed fix's `ts` minus its `t`: from the phone's fix to the server.
    ingest: Hist,
    /// Connect start to the full field frame.
    join: Hist,
    /// Connect start to the end of the WebSocket handshake.
    connect: Hist,
    /// Sockets open now.
    open: AtomicUsize,
    /// Spectators that got the full field.
    have_field: AtomicUsize,
    /// Cut-offs and other ends so far.
    ended: AtomicUsize,
    /// Bytes received so far.
    bytes: AtomicU64,
}

/// One followed runner's topic, as a spectator sees it.
#[derive(Debug)]
struct Follow {
    topic: String,
    /// The latest `seq` seen (the snapshot's, then each live event's).
    last: Option<u64>,
    /// Snapshot (trail) events still to come.
    trail: u64,
}

/// What one spectator saw.
#[derive(Debug, Default)]
struct Seen {
    sampled: bool,
    connect_error: Option<String>,
    /// The server's close code, if it closed the socket.
    close_code: Option<u16>,
    close_reason: Option<String>,
    socket_error: Option<String>,
    /// The connection ended without a close frame.
    ended: bool,
    error_frames: u64,
    first_error_frame: Option<String>,
    frames: u64,
    messages: u64,
    bytes: u64,
    bytes_field: u64,
    bytes_board: u64,
    bytes_runner: u64,
    field_frames: u64,
    field_full: u64,
    /// Field frames skipped (holes in the field's `seq`).
    field_skipped: u64,
    rows: u64,
    boards: u64,
    standings: u64,
    snapshots: u64,
    resnapshots: u64,
    fixes: u64,
    lost: u64,
    duplicates: u64,
    before_snapshot: u64,
    /// Seconds connected.
    seconds: f64,
    join_ms: Option<u64>,
}

/// The `type` of one JSON message: the value of its first `"type"` key.
fn kind(line: &str) -> &str {
    string_after(line, "\"type\":\"").unwrap_or("")
}

/// The string value right after `key` (which ends with the opening quote).
fn string_after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(key)? + key.len();
    let rest = &line[start..];
    Some(&rest[..rest.find('"')?])
}

/// The head of a long message, where its `seq`, `t` and `full` are.
fn head(line: &str) -> &str {
    let mut end = line.len().min(160);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// A field frame, as the sampled spectators parse it.
#[derive(Debug, Deserialize)]
struct FieldFrame {
    t: u64,
    r: Vec<FieldRow>,
}

impl Seen {
    /// Reads one message (one line of a batched frame), received at `now`.
    fn message(&mut self, shared: &Shared, follows: &mut [Follow], line: &str, joined: Instant) {
        self.messages += 1;
        let now = now_ms();
        match kind(line) {
            "field" => {
                self.bytes_field += line.len() as u64;
                self.field_frames += 1;
                let head = head(line);
                let full = head.contains("\"full\":true");
                if let Some(t) = number_after(head, "\"t\"") {
                    let delay = if full {
                        &shared.full_frame_age
                    } else {
                        &shared.field_delay
                    };
                    record_ms(delay, [now.saturating_sub(t as u64)]);
                }
                if full {
                    self.field_full += 1;
                    if self.join_ms.is_none() {
                        let ms = joined.elapsed().as_millis() as u64;
                        self.join_ms = Some(ms);
                        record_ms(&shared.join, [ms]);
                        shared.have_field.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if self.sampled
                    && let Ok(frame) = serde_json::from_str::<FieldFrame>(line)
                {
                    self.rows += frame.r.len() as u64;
                    let ages = frame
                        .r
                        .iter()
                        .map(|row| now.saturating_sub(row.taken_ms(frame.t)));
                    if full {
                        record_ms(&shared.staleness_full, ages);
                    } else {
                        record_ms(&shared.staleness, ages);
                    }
                }
            }
            "snapshot" => {
                self.snapshots += 1;
                let topic = string_after(line, "\"topic\":\"").unwrap_or("");
                let seq = number_after(line, "\"seq\"").map(|s| s as u64);
                if let Some(follow) = follows.iter_mut().find(|f| f.topic == topic) {
                    if follow.last.is_some() {
                        self.resnapshots += 1;
                    }
                    self.bytes_runner += line.len() as u64;
                    follow.last = seq;
                    follow.trail = number_after(line, "\"count\"").map_or(0, |c| c as u64);
                }
            }
            "event" => {
                let topic = string_after(line, "\"topic\":\"").unwrap_or("");
                let Some(follow) = follows.iter_mut().find(|f| f.topic == topic) else {
                    return;
                };
                self.bytes_runner += line.len() as u64;
                let Some(seq) = number_after(line, "\"seq\"").map(|s| s as u64) else {
                    return;
                };
                let Some(last) = follow.last else {
                    self.before_snapshot += 1;
                    return;
                };
                if seq <= last {
                    if follow.trail > 0 {
                        follow.trail -= 1;
                    } else {
                        self.duplicates += 1;
                    }
                    return;
                }
                follow.trail = 0;
                self.lost += seq - last - 1;
                follow.last = Some(seq);
                self.fixes += 1;
                if let Some(ts) = number_after(line, "\"ts\"") {
                    record_ms(&shared.followed, [now.saturating_sub(ts as u64)]);
                    // The fix's own time: how long it took to reach the server.
                    if let Some(t) = number_after(line, "\"t\"") {
                        record_ms(&shared.ingest, [(ts as u64).saturating_sub(t as u64)]);
                    }
                }
            }
            "board" => {
                self.bytes_board += line.len() as u64;
                self.boards += 1;
                // The first is the snapshot's, made up to one interval before.
                if self.boards > 1
                    && let Some(t) = number_after(head(line), "\"t\"")
                {
                    record_ms(&shared.board_delay, [now.saturating_sub(t as u64)]);
                }
            }
            "standing" => {
                self.bytes_runner += line.len() as u64;
                self.standings += 1;
            }
            "error" => {
                self.error_frames += 1;
                if self.first_error_frame.is_none() {
                    self.first_error_frame = Some(line.chars().take(200).collect());
                }
            }
            _ => {}
        }
    }
}

/// Notes the field's `seq` to count skipped frames (every spectator, cheaply).
fn field_seq(line: &str, last: &mut Option<u64>, skipped: &mut u64) {
    if let Some(seq) = number_after(head(line), "\"seq\"").map(|s| s as u64) {
        if let Some(prev) = *last
            && seq > prev + 1
        {
            *skipped += seq - prev - 1;
        }
        *last = Some(seq);
    }
}

/// When and how one spectator joins.
#[derive(Debug)]
struct Plan {
    /// Client number (its source address and node).
    index: usize,
    /// `/ws?batch=1`.
    path: String,
    /// `field`, `board` and the followed runners' topics.
    topics: Vec<String>,
    /// Parses field rows.
    sampled: bool,
    join_at: tokio::time::Instant,
    end: tokio::time::Instant,
}

/// One spectator: joins at `join_at`, reads until `end`.
async fn spectator(target: Arc<Target>, shared: Arc<Shared>, plan: Plan) -> Seen {
    let Plan {
        index,
        path,
        topics,
        sampled,
        join_at,
        end,
    } = plan;
    let mut seen = Seen {
        sampled,
        ..Seen::default()
    };
    tokio::time::sleep_until(join_at).await;
    let joined = Instant::now();
    // A connect the server does not answer before the end (a full accept queue: the
    // kernel drops the SYN and the client retries 1, 3, 7... s later) counts as failed.
    let mut ws = match tokio::time::timeout_at(end, target.connect(index, &path)).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            seen.connect_error = Some(e.to_string());
            shared.ended.fetch_add(1, Ordering::Relaxed);
            return seen;
        }
        Err(_) => {
            seen.connect_error = Some("no answer before the end of the run".into());
            shared.ended.fetch_add(1, Ordering::Relaxed);
            return seen;
        }
    };
    record_ms(&shared.connect, [joined.elapsed().as_millis() as u64]);
    shared.open.fetch_add(1, Ordering::Relaxed);
    let mut follows: Vec<Follow> = topics
        .iter()
        .skip(2)
        .map(|topic| Follow {
            topic: topic.clone(),
            last: None,
            trail: 0,
        })
        .collect();
    let subscribe = json!({"type": "subscribe", "id": 1, "topics": topics}).to_string();
    if let Err(e) = send(&mut ws, subscribe).await {
        seen.socket_error = Some(e.to_string());
    }
    let mut field_last = None;
    while seen.socket_error.is_none() {
        let frame = match tokio::time::timeout_at(end, ws.next()).await {
            Err(_) => break,
            Ok(None) => {
                seen.ended = true;
                break;
            }
            Ok(Some(Err(e))) => {
                seen.socket_error = Some(e.to_string());
                break;
            }
            Ok(Some(Ok(frame))) => frame,
        };
        seen.frames += 1;
        match frame {
            Message::Text(text) => {
                let text = text.as_str();
                seen.bytes += text.len() as u64;
                shared.bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
                for line in text.split('\n').filter(|l| !l.is_empty()) {
                    if kind(line) == "field" {
                        field_seq(line, &mut field_last, &mut seen.field_skipped);
                    }
                    seen.message(&shared, &mut follows, line, joined);
                }
            }
            Message::Binary(bytes) => {
                seen.bytes += bytes.len() as u64;
                shared
                    .bytes
                    .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            }
            Message::Close(close) => {
                let (code, reason) = close.map_or((CloseCode::Status, String::new()), |c| {
                    (c.code, c.reason.to_string())
                });
                seen.close_code = Some(code.into());
                seen.close_reason = Some(reason);
                break;
            }
            _ => {}
        }
    }
    seen.seconds = joined.elapsed().as_secs_f64();
    shared.open.fetch_sub(1, Ordering::Relaxed);
    if tokio::time::Instant::now() < end {
        shared.ended.fetch_add(1, Ordering::Relaxed);
    }
    seen
}

/// The bibs of the event the server tracks: from `/api/entrants`, else `/api/race`.
async fn event_bibs(target: &Target) -> Result<Vec<String>, LoadError> {
    let http = reqwest::Client::new();
    let base = target.http_base(0);
    for path in ["/api/entrants", "/api/race"] {
        let Ok(response) = http.get(format!("{base}{path}")).send().await else {
            continue;
        };
        if !response.status().is_success() {
            continue;
        }
        if let Ok(value) = response.json::<Value>().await {
            let (bibs, runners) = find_bibs(&value);
            if runners > bibs.len() {
                // A partial list (paged): the benchmark events number bibs 1..=N.
                return Ok((1..=runners).map(|b| b.to_string()).collect());
            }
            if !bibs.is_empty() {
                return Ok(bibs);
            }
        }
    }
    Err(LoadError::Url(
        base,
        "no entrants at /api/entrants or /api/race; give --runners".into(),
    ))
}

/// The bibs in an `entrants` list anywhere in `value`, and the largest `runners`
/// count beside one.
fn find_bibs(value: &Value) -> (Vec<String>, usize) {
    let bib = |e: &Value| match e.get("bib")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => (items.iter().filter_map(bib).collect(), 0),
        Value::Object(map) => {
            let runners = map
                .get("runners")
                .and_then(Value::as_u64)
                .map_or(0, |n| n as usize);
            if let Some(entrants) = map.get("entrants") {
                let (bibs, inner) = find_bibs(entrants);
                return (bibs, runners.max(inner));
            }
            map.values()
                .filter(|v| v.is_object())
                .map(find_bibs)
                .find(|(bibs, _)| !bibs.is_empty())
                .unwrap_or_default()
        }
        _ => (Vec::new(), 0),
    }
}

/// The server's drop, publish and ingest counters from `/metrics` (added over the
/// nodes of a cluster).
async fn counters(target: &Target) -> BTreeMap<String, f64> {
    let http = reqwest::Client::new();
    let mut bases: Vec<String> = (0..16).map(|i| target.http_base(i)).collect();
    bases.dedup();
    bases.sort();
    bases.dedup();
    let mut out = BTreeMap::new();
    for base in bases {
        let Ok(response) = http.get(format!("{base}/metrics")).send().await else {
            continue;
        };
        let Ok(text) = response.text().await else {
            continue;
        };
        for line in text.lines() {
            let wanted = [
                "spectate_dropped_total",
                "spectate_published_events_total",
                "spectate_ingest_total",
                "spectate_delivered_frames_total",
            ];
            if !wanted.iter().any(|w| line.starts_with(w)) {
                continue;
            }
            if let Some((name, value)) = line.rsplit_once(' ')
                && let Ok(value) = value.parse::<f64>()
            {
                *out.entry(name.to_owned()).or_insert(0.0) += value;
            }
        }
    }
    out
}

/// Runs the scenario.
pub async fn run(target: &Target, args: &SpectatorsArgs) -> Result<Summary, LoadError> {
    let bibs = match args.runners {
        Some(n) => (1..=n.max(1)).map(|b| b.to_string()).collect(),
        None => event_bibs(target).await?,
    };
    let follows = args.follows.min(bibs.len());
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let sample_every = args.sample_every.max(1);
    let join_over = args
        .join_over_secs
        .unwrap_or(args.seconds as f64 / 2.0)
        .clamp(0.0, args.seconds as f64);
    let separator = if target.path.contains('?') { '&' } else { '?' };
    let path = format!("{}{separator}batch=1", target.path);

    let shared = Arc::new(Shared {
        staleness: histogram(),
        staleness_full: histogram(),
        field_delay: histogram(),
        full_frame_age: histogram(),
        board_delay: histogram(),
        followed: histogram(),
        ingest: histogram(),
        join: histogram(),
        connect: histogram(),
        open: AtomicUsize::new(0),
        have_field: AtomicUsize::new(0),
        ended: AtomicUsize::new(0),
        bytes: AtomicU64::new(0),
    });

    // The race alone first: the server's CPU for ingest and the field without anyone
    // watching.
    let baseline = if args.baseline_secs > 0.0 {
        let before = target.server_sample();
        tokio::time::sleep(Duration::from_secs_f64(args.baseline_secs)).await;
        target
            .server_sample()
            .zip(before)
            .map(|(after, before)| (after.cpu_s - before.cpu_s) / args.baseline_secs)
    } else {
        None
    };
    let counters_before = counters(target).await;
    target.progress(&format!(
        "{} spectators over {join_over:.0} s, each following {follows} of {} runners, for {} s",
        args.spectators,
        bibs.len(),
        args.seconds
    ));

    let target_arc = Arc::new(target.clone());
    let start = tokio::time::Instant::now();
    let end = start + Duration::from_secs(args.seconds);
    let window = Instant::now();
    let before = target.server_sample();
    let load_before = proc_stats::sample(std::process::id());
    let mut handles = Vec::with_capacity(args.spectators);
    for i in 0..args.spectators {
        let mut topics = vec!["field".to_owned(), "board".to_owned()];
        while topics.len() < 2 + follows {
            let topic = format!("runner:{}", bibs[rng.usize(..bibs.len())]);
            if !topics.contains(&topic) {
                topics.push(topic);
            }
        }
        let offset = if args.spectators > 1 {
            join_over * i as f64 / (args.spectators - 1) as f64
        } else {
            0.0
        };
        let plan = Plan {
            index: i,
            path: path.clone(),
            topics,
            sampled: i % sample_every == 0,
            join_at: start + Duration::from_secs_f64(offset),
            end,
        };
        handles.push(tokio::spawn(Box::pin(spectator(
            target_arc.clone(),
            shared.clone(),
            plan,
        ))));
    }

    // Progress, and a timeline every 5 s.
    let timeline = Arc::new(Mutex::new(Vec::new()));
    let ticking = {
        let (shared, target, rows) = (shared.clone(), target_arc.clone(), timeline.clone());
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_secs(5));
            ticker.tick().await;
            let (mut last_bytes, mut last_sample, mut last_at) = (0, target.server_sample(), 0.0);
            loop {
                ticker.tick().await;
                let at = start.elapsed().as_secs_f64();
                let bytes = shared.bytes.load(Ordering::Relaxed);
                let sample = target.server_sample();
                let cpu_pct = sample
                    .zip(last_sample)
                    .map(|(now, then)| (now.cpu_s - then.cpu_s) / (at - last_at) * 100.0);
                let row = json!({
                    "t_s": at.round(),
                    "open": shared.open.load(Ordering::Relaxed),
                    "have_field": shared.have_field.load(Ordering::Relaxed),
                    "ended": shared.ended.load(Ordering::Relaxed),
                    "rx_mb_s": (bytes - last_bytes) as f64 / (at - last_at) / 1e6,
                    "server_cpu_pct": cpu_pct.map(|c| c.round()),
                    "server_rss_mib": sample.map(|s| s.rss_kib / 1024),
                });
                target.progress(&row.to_string());
                if let Ok(mut rows) = rows.lock() {
                    rows.push(row);
                }
                (last_bytes, last_sample, last_at) = (bytes, sample, at);
            }
        })
    };
    let mut seen = Vec::with_capacity(handles.len());
    for handle in handles {
        seen.push(handle.await.map_err(|e| LoadError::Lost(e.to_string()))?);
    }
    let duration_s = window.elapsed().as_secs_f64();
    let after = target.server_sample();
    let load_after = proc_stats::sample(std::process::id());
    ticking.abort();
    let timeline: Vec<Value> = timeline.lock().map(|rows| rows.clone()).unwrap_or_default();
    let counters_after = counters(target).await;
    Ok(summarize(
        args,
        &shared,
        &seen,
        duration_s,
        &Usage {
            server: before.zip(after),
            load: load_before.zip(load_after),
            baseline_cpu_per_s: baseline,
            counters: counters_before
                .iter()
                .filter_map(|(k, v)| {
                    let d = counters_after.get(k).copied().unwrap_or(*v) - v;
                    (d != 0.0).then(|| (k.clone(), d))
                })
                .chain(
                    counters_after
                        .iter()
                        .filter(|(k, _)| !counters_before.contains_key(*k))
                        .map(|(k, v)| (k.clone(), *v)),
                )
                .collect(),
        },
        &json!({"runners": bibs.len(), "follows": follows, "join_over_secs": join_over,
            "sample_every": sample_every, "timeline": timeline}),
    ))
}

/// The server's and the load tool's usage over the run.
#[derive(Debug)]
struct Usage {
    server: Option<(proc_stats::ProcSample, proc_stats::ProcSample)>,
    load: Option<(proc_stats::ProcSample, proc_stats::ProcSample)>,
    baseline_cpu_per_s: Option<f64>,
    counters: BTreeMap<String, f64>,
}

/// Adds up what the spectators saw.
fn summarize(
    args: &SpectatorsArgs,
    shared: &Shared,
    seen: &[Seen],
    duration_s: f64,
    usage: &Usage,
    setup: &Value,
) -> Summary {
    let sum = |f: fn(&Seen) -> u64| seen.iter().map(f).sum::<u64>();
    let connected = seen.iter().filter(|s| s.connect_error.is_none()).count();
    let spectator_s: f64 = seen.iter().map(|s| s.seconds).sum();
    let mut close_codes: BTreeMap<String, u64> = BTreeMap::new();
    for code in seen.iter().filter_map(|s| s.close_code) {
        *close_codes.entry(code.to_string()).or_default() += 1;
    }
    let cut_offs: u64 = close_codes.values().sum();
    let first = |f: fn(&Seen) -> Option<&String>| seen.iter().find_map(f).cloned();
    let (fixes, lost, duplicates) = (sum(|s| s.fixes), sum(|s| s.lost), sum(|s| s.duplicates));
    let messages = sum(|s| s.messages);
    let bytes = sum(|s| s.bytes);
    let per_spectator_s = |b: u64| (spectator_s > 0.0).then(|| b as f64 / spectator_s);
    let server = usage
        .server
        .map(|(a, b)| ServerUsage::between(a, b, messages));
    let cpu_per_spectator_s = server
        .as_ref()
        .and_then(|s| (spectator_s > 0.0).then(|| s.cpu_s / spectator_s));
    let marginal = server
        .as_ref()
        .zip(usage.baseline_cpu_per_s)
        .and_then(|(s, base)| {
            (spectator_s > 0.0).then(|| (s.cpu_s - base * duration_s).max(0.0) / spectator_s)
        });
    let rss_per_spectator_kib = server.as_ref().and_then(|s| {
        (connected > 0).then(|| (s.rss_end_kib as f64 - s.rss_start_kib as f64) / connected as f64)
    });
    let details = json!({
        "setup": setup,
        "spectators": args.spectators,
        "seconds": args.seconds,
        "connected": connected,
        "connect_failed": seen.len() - connected,
        "first_connect_error": first(|s| s.connect_error.as_ref()),
        "cut_offs": cut_offs,
        "close_codes": close_codes,
        "first_close_reason": first(|s| s.close_reason.as_ref().filter(|r| !r.is_empty())),
        "slow_consumer_4008": close_codes.get("4008").copied().unwrap_or(0),
        "socket_errors": seen.iter().filter(|s| s.socket_error.is_some()).count(),
        "first_socket_error": first(|s| s.socket_error.as_ref()),
        "ended_without_close": seen.iter().filter(|s| s.ended).count(),
        "error_frames": sum(|s| s.error_frames),
        "first_error_frame": first(|s| s.first_error_frame.as_ref()),
        "have_full_field": seen.iter().filter(|s| s.join_ms.is_some()).count(),
        "join_to_full_field": percentiles(&shared.join),
        "join_to_connected": percentiles(&shared.connect),
        "field_staleness": percentiles(&shared.staleness),
        "field_staleness_full_frames": percentiles(&shared.staleness_full),
        "field_delay": percentiles(&shared.field_delay),
        "full_frame_age": percentiles(&shared.full_frame_age),
        "board_delay": percentiles(&shared.board_delay),
        "followed_fix_latency": percentiles(&shared.followed),
        "followed_fix_taken_to_server": percentiles(&shared.ingest),
        "followed": {
            "fixes": fixes,
            "lost_or_conflated": lost,
            "duplicates": duplicates,
            "before_snapshot": sum(|s| s.before_snapshot),
            "resnapshots": sum(|s| s.resnapshots),
            // Known when /metrics was read (a counter absent there is still 0).
            "server_conflated": (!usage.counters.is_empty()).then(|| usage
                .counters
                .get("spectate_dropped_total{reason=\"conflated\"}")
                .copied()
                .unwrap_or(0.0)),
        },
        "field": {
            "frames": sum(|s| s.field_frames),
            "full_frames": sum(|s| s.field_full),
            "delta_frames_per_spectator_s": (spectator_s > 0.0).then(|| {
                sum(|s| s.field_frames - s.field_full) as f64 / spectator_s
            }),
            "skipped_frames": sum(|s| s.field_skipped),
            "sampled_spectators": seen.iter().filter(|s| s.sampled).count(),
            "sampled_rows": sum(|s| s.rows),
        },
        "boards": sum(|s| s.boards),
        "standings": sum(|s| s.standings),
        "frames": sum(|s| s.frames),
        "messages": messages,
        "spectator_seconds": spectator_s,
        "bytes": bytes,
        "bytes_per_spectator_s": per_spectator_s(bytes),
        "bytes_per_spectator_s_by_topic": {
            "field": per_spectator_s(sum(|s| s.bytes_field)),
            "board": per_spectator_s(sum(|s| s.bytes_board)),
            "runner": per_spectator_s(sum(|s| s.bytes_runner)),
        },
        "server_cpu_s_per_spectator_s": cpu_per_spectator_s,
        "server_cpu_s_per_spectator_s_over_baseline": marginal,
        "server_baseline_cpu_per_s": usage.baseline_cpu_per_s,
        "server_rss_growth_per_spectator_kib": rss_per_spectator_kib,
        "load_tool_cpu_s": usage.load.map(|(a, b)| b.cpu_s - a.cpu_s),
        "server_counters": usage.counters,
    });
    Summary {
        scenario: "spectators",
        clients: args.spectators,
        duration_s,
        sent: fixes + lost,
        expected: fixes + lost,
        delivered: fixes,
        lost,
        duplicates,
        deliveries_per_s: fixes as f64 / duration_s.max(1e-9),
        latency: percentiles(&shared.followed),
        server,
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared {
            staleness: histogram(),
            staleness_full: histogram(),
            field_delay: histogram(),
            full_frame_age: histogram(),
            board_delay: histogram(),
            followed: histogram(),
            ingest: histogram(),
            join: histogram(),
            connect: histogram(),
            open: AtomicUsize::new(0),
            have_field: AtomicUsize::new(0),
            ended: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    #[test]
    fn a_spectator_reads_fields_and_counts_holes_in_followed_topics() {
        let shared = shared();
        let mut seen = Seen {
            sampled: true,
            ..Seen::default()
        };
        let mut follows = vec![Follow {
            topic: "runner:12".into(),
            last: None,
            trail: 0,
        }];
        let now = now_ms();
        let joined = Instant::now();
        let lines = [
            r#"{"type":"snapshot","topic":"field","seq":4,"resumed":false,"count":1}"#.to_owned(),
            format!(
                r#"{{"type":"field","seq":4,"t":{now},"full":true,"o":[48.85,2.35],"r":[["12",-1520,2311,4],["7",1,2,30]]}}"#
            ),
            r#"{"type":"snapshot","topic":"runner:12","seq":9,"resumed":false,"count":2}"#
                .to_owned(),
            r#"{"type":"event","topic":"runner:12","seq":3,"data":{"lat":1,"lng":2,"ts":5}}"#
                .to_owned(),
            r#"{"type":"event","topic":"runner:12","seq":9,"data":{"lat":1,"lng":2,"ts":5}}"#
                .to_owned(),
            format!(
                r#"{{"type":"event","topic":"runner:12","seq":10,"data":{{"lat":1,"lng":2,"ts":{now},"t":{now}}}}}"#
            ),
            format!(
                r#"{{"type":"event","topic":"runner:12","seq":13,"data":{{"lat":1,"lng":2,"ts":{now}}}}}"#
            ),
            r#"{"type":"event","topic":"runner:13","seq":13,"data":{"lat":1,"lng":2,"ts":5}}"#
                .to_owned(),
            format!(
                r#"{{"type":"field","seq":5,"t":{now},"full":false,"o":[48.85,2.35],"r":[["12",-1500,2300,2]]}}"#
            ),
            format!(r#"{{"type":"board","seq":1,"t":{now},"runners":2,"top":[]}}"#),
        ];
        let mut field_last = None;
        for line in &lines {
            if kind(line) == "field" {
                field_seq(line, &mut field_last, &mut seen.field_skipped);
            }
            seen.message(&shared, &mut follows, line, joined);
        }
        assert_eq!(seen.messages, 10);
        assert_eq!((seen.field_frames, seen.field_full, seen.rows), (2, 1, 3));
        assert_eq!(seen.field_skipped, 0);
        assert!(seen.join_ms.is_some());
        assert_eq!((seen.fixes, seen.lost, seen.duplicates), (2, 2, 0));
        assert_eq!(seen.boards, 1);
        let stale = percentiles(&shared.staleness).unwrap();
        assert_eq!(stale.samples, 1);
        assert!((200.0..1000.0).contains(&stale.max_ms), "{stale:?}");
        let full = percentiles(&shared.staleness_full).unwrap();
        assert!(full.max_ms >= 3000.0, "{full:?}");
        assert_eq!(percentiles(&shared.followed).unwrap().samples, 2);
        assert_eq!(percentiles(&shared.ingest).unwrap().samples, 1);
    }

    #[test]
    fn bibs_are_found_in_either_api() {
        let entrants = json!([{"bib": "1", "name": "A"}, {"bib": 2, "name": "B"}]);
        assert_eq!(find_bibs(&entrants).0, ["1", "2"]);
        let race = json!({"event": {"name": "x", "runners": 5, "entrants": [{"bib": "1"}]}});
        assert_eq!(find_bibs(&race), (vec!["1".to_owned()], 5));
        assert_eq!(kind(r#"{"type":"ack","id":1}"#), "ack");
        assert_eq!(head("é".repeat(200).as_str()).len() % 2, 0);
    }
}
