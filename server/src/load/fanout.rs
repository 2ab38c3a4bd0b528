//! `fanout`: N subscribers of one topic, one publisher at R messages per second.
//!
//! The topic is `room:bench` (so the payload size can be chosen); each message's text
//! starts with its number, which gives the receivers exact loss, duplicate and
//! latency accounting against the publisher's send-time table.

use std::{
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
    report::{Latency, ServerUsage, Summary},
};

/// Options of the fanout scenario.
#[derive(Debug, Args)]
pub struct FanoutArgs {
    /// Subscribers of the topic.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Messages published per second.
    #[arg(long, default_value_t = 300)]
    pub rate: u32,
    /// Seconds of publishing.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Bytes of text per message.
    #[arg(long, default_value_t = 64)]
    pub payload: usize,
}

const TOPIC: &str = "room:bench";

/// Runs the scenario.
pub async fn run(target: &Target, args: &FanoutArgs) -> Result<Summary, LoadError> {
    let total = (u64::from(args.rate) * args.seconds) as usize;
    let subscribe = json!({"type": "subscribe", "id": 1, "topics": [TOPIC]}).to_string();
    let mut subscribers = target
        .connect_many(0, args.subscribers, &target.path)
        .await?;
    for ws in &mut subscribers {
        send(ws, subscribe.clone()).await?;
    }
    for ws in &mut subscribers {
        read_until(ws, "\"ack\"", Duration::from_secs(30)).await?;
    }
    let mut publisher = target.connect(args.subscribers, &target.path).await?;
    send(&mut publisher, subscribe.clone()).await?;
    read_until(&mut publisher, "\"ack\"", Duration::from_secs(30)).await?;
    target.progress(&format!(
        "{} subscribers ready; publishing {total} messages at {}/s",
        args.subscribers, args.rate
    ));

    let start = Instant::now();
    let sent_at: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let grace = Duration::from_secs(5);
    let until = tokio::time::Instant::now() + Duration::from_secs(args.seconds) + grace;
    let readers: Vec<_> = subscribers
        .into_iter()
        .map(|ws| {
            let sent_at = sent_at.clone();
            spawn_reader(ws, until, Tally::new(total), move |tally, text| {
                if text.contains("\"event\"")
                    && let Some(k) = number_after(text, "\"text\"")
                {
                    let k = k as usize;
                    let sent = sent_at.get(k).map_or(0, |s| s.load(Ordering::Relaxed));
                    tally.record(k, sent, micros_since(start));
                }
                tally.unique < total as u64
            })
        })
        .collect();

    let before = target.server_sample();
    let window = Instant::now();
    let padding = "x".repeat(args.payload.saturating_sub(8));
    let mut ticker =
        tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1))));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for (k, slot) in sent_at.iter().enumerate() {
        ticker.tick().await;
        let msg =
            json!({"type": "publish", "topic": TOPIC, "data": {"text": format!("{k}|{padding}")}});
        slot.store(micros_since(start), Ordering::Relaxed);
        send(&mut publisher, msg.to_string()).await?;
    }
    let mut tallies = Vec::with_capacity(readers.len());
    for reader in readers {
        let (tally, _ws) = reader.await.map_err(|e| LoadError::Lost(e.to_string()))?;
        tallies.push(tally);
    }
    let duration_s = window.elapsed().as_secs_f64();
    let after = target.server_sample();
    Ok(summarize(
        "fanout",
        args.subscribers + 1,
        total as u64,
        (args.subscribers * total) as u64,
        &tallies,
        duration_s,
        before.zip(after),
        json!({"subscribers": args.subscribers, "rate": args.rate, "seconds": args.seconds, "payload": args.payload}),
    ))
}

/// Adds up the readers' tallies.
#[allow(clippy::too_many_arguments)]
pub fn summarize(
    scenario: &'static str,
    clients: usize,
    sent: u64,
    expected: u64,
    tallies: &[Tally],
    duration_s: f64,
    usage: Option<(super::proc_stats::ProcSample, super::proc_stats::ProcSample)>,
    details: serde_json::Value,
) -> Summary {
    let delivered: u64 = tallies.iter().map(|t| t.unique).sum();
    let duplicates = tallies.iter().map(|t| t.duplicates).sum();
    let latency = Latency::from_micros(tallies.iter().flat_map(|t| t.latencies.iter().copied()));
    Summary {
        scenario,
        clients,
        duration_s,
        sent,
        expected,
        delivered,
        lost: expected.saturating_sub(delivered),
        duplicates,
        deliveries_per_s: delivered as f64 / duration_s.max(1e-9),
        latency,
        server: usage.map(|(a, b)| ServerUsage::between(a, b, delivered)),
        details,
    }
}
