//! `race`: K runners publishing fixes at 1 Hz, M spectators each following F runners.
//!
//! Runner `r`'s `k`-th fix is at latitude `k / 10^4`, longitude `r / 10^3`, so a
//! spectator can tell from the fix alone which send it was: exact loss, duplicate and
//! latency accounting without any id in the payload. Runner ids carry a random run
//! prefix, so a second run against the same server never counts the first run's
//! snapshots.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use clap::Args;
use serde_json::json;

use super::{
    LoadError,
    client::{Tally, Target, micros_since, number_after, read_until, send, spawn_reader},
    fanout::summarize,
    report::Summary,
};

/// Options of the race scenario.
#[derive(Debug, Args)]
pub struct RaceArgs {
    /// Runners, each publishing from its own connection.
    #[arg(long, default_value_t = 1000)]
    pub runners: usize,
    /// Spectators.
    #[arg(long, default_value_t = 1000)]
    pub spectators: usize,
    /// Runners each spectator follows.
    #[arg(long, default_value_t = 5)]
    pub follows: usize,
    /// Seconds of racing.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Fixes per second per runner.
    #[arg(long, default_value_t = 1.0)]
    pub hz: f64,
}

/// Runs the scenario.
pub async fn run(target: &Target, args: &RaceArgs) -> Result<Summary, LoadError> {
    let per_runner = (args.seconds as f64 * args.hz).ceil() as usize;
    let run_id = format!("{:06x}", fastrand::u32(..0xff_ffff));
    let topic = |r: usize| format!("runner:{run_id}-{r}");
    let follows = args.follows.min(args.runners).max(1);

    // Each spectator follows `follows` distinct runners, chosen at random.
    let mut rng = fastrand::Rng::with_seed(42);
    let mut followers = vec![0u64; args.runners];
    let picks: Vec<Vec<usize>> = (0..args.spectators)
        .map(|_| {
            let mut mine = Vec::with_capacity(follows);
            while mine.len() < follows {
                let r = rng.usize(..args.runners);
                if !mine.contains(&r) {
                    mine.push(r);
                    followers[r] += 1;
                }
            }
            mine
        })
        .collect();
    let mut spectators = target
        .connect_many(0, args.spectators, &target.path)
        .await?;
    for (ws, mine) in spectators.iter_mut().zip(&picks) {
        let topics: Vec<String> = mine.iter().map(|&r| topic(r)).collect();
        send(
            ws,
            json!({"type": "subscribe", "id": 1, "topics": topics}).to_string(),
        )
        .await?;
    }
    for ws in &mut spectators {
        read_until(ws, "\"ack\"", Duration::from_secs(60)).await?;
    }
    let mut runners = target
        .connect_many(args.spectators, args.runners, &target.path)
        .await?;
    target.progress(&format!(
        "{} spectators following {follows} each, {} runners at {} Hz for {} s",
        args.spectators, args.runners, args.hz, args.seconds
    ));

    let start = Instant::now();
    let sent_at: Arc<Vec<AtomicU64>> = Arc::new(
        (0..args.runners * per_runner)
            .map(|_| AtomicU64::new(0))
            .collect(),
    );
    let until =
        tokio::time::Instant::now() + Duration::from_secs(args.seconds) + Duration::from_secs(5);
    let expected_each: Vec<u64> = picks
        .iter()
        .map(|m| (m.len() * per_runner) as u64)
        .collect();
    let readers: Vec<_> = spectators
        .into_iter()
        .zip(picks)
        .zip(expected_each)
        .map(|((ws, mine), expected)| {
            let sent_at = sent_at.clone();
            // Slot of each followed runner in this spectator's tally.
            let slots: HashMap<usize, usize> =
                mine.iter().enumerate().map(|(i, &r)| (r, i)).collect();
            let tally = Tally::new(mine.len() * per_runner);
            spawn_reader(ws, until, tally, move |tally, text| {
                if text.contains("\"event\"")
                    && let (Some(lat), Some(lng)) =
                        (number_after(text, "\"lat\""), number_after(text, "\"lng\""))
                {
                    let k = (lat * 1e4).round() as usize;
                    let r = (lng * 1e3).round() as usize;
                    if let Some(&slot) = slots.get(&r)
                        && (1..=per_runner).contains(&k)
                    {
                        let sent = sent_at[r * per_runner + k - 1].load(Ordering::Relaxed);
                        tally.record(slot * per_runner + k - 1, sent, micros_since(start));
                    }
                }
                tally.unique < expected
            })
        })
        .collect();

    let before = target.server_sample();
    let window = Instant::now();
    let period = Duration::from_secs_f64(1.0 / args.hz.max(0.001));
    let publishers: Vec<_> = runners
        .drain(..)
        .enumerate()
        .map(|(r, mut ws)| {
            let sent_at = sent_at.clone();
            let topic = topic(r);
            // Spread the runners over the period, as real phones would be.
            let phase = period.mul_f64(r as f64 / args.runners as f64);
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + phase, period);
                for k in 1..=per_runner {
                    ticker.tick().await;
                    let (lat, lng) = (k as f64 / 1e4, r as f64 / 1e3);
                    let msg = json!({"type": "publish", "topic": topic, "data": {"lat": lat, "lng": lng}});
                    sent_at[r * per_runner + k - 1].store(micros_since(start), Ordering::Relaxed);
                    send(&mut ws, msg.to_string()).await?;
                }
                Ok::<_, LoadError>(ws)
            })
        })
        .collect();
    let mut keep = Vec::new();
    for publisher in publishers {
        keep.push(
            publisher
                .await
                .map_err(|e| LoadError::Lost(e.to_string()))??,
        );
    }
    let mut tallies = Vec::new();
    for reader in readers {
        tallies.push(reader.await.map_err(|e| LoadError::Lost(e.to_string()))?.0);
    }
    let duration_s = window.elapsed().as_secs_f64();
    let after = target.server_sample();
    let expected: u64 = followers.iter().map(|f| f * per_runner as u64).sum();
    drop(keep);
    Ok(summarize(
        "race",
        args.spectators + args.runners,
        (args.runners * per_runner) as u64,
        expected,
        &tallies,
        duration_s,
        before.zip(after),
        json!({"runners": args.runners, "spectators": args.spectators, "follows": follows, "seconds": args.seconds, "hz": args.hz}),
    ))
}
