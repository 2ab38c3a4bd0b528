//! `ramp`: websocket-shootout style. Clients join `room:ramp` in steps; at each step
//! four senders each broadcast one message at a time (four in flight), for a number of
//! rounds, and the time until every client has each message is recorded. The ramp
//! stops at the client limit or when the step's 95th percentile passes the limit.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::{
    LoadError,
    client::{Target, micros_since, number_after, read_until, send, spawn_reader},
    report::{Latency, Summary},
};

/// Options of the ramp scenario.
#[derive(Debug, Args)]
pub struct RampArgs {
    /// Clients added per step.
    #[arg(long, default_value_t = 1000)]
    pub step: usize,
    /// Stop after this many clients.
    #[arg(long, default_value_t = 19_000)]
    pub max: usize,
    /// Broadcast rounds per step (each with 4 messages in flight).
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    /// Stop when a step's p95 passes this many milliseconds.
    #[arg(long, default_value_t = 500.0)]
    pub limit_ms: f64,
}

const TOPIC: &str = "room:ramp";
const IN_FLIGHT: usize = 4;

/// One step's figures.
#[derive(Debug, Serialize)]
struct Step {
    clients: usize,
    latency: Option<Latency>,
    lost: u64,
}

/// Runs the scenario.
pub async fn run(target: &Target, args: &RampArgs) -> Result<Summary, LoadError> {
    let subscribe = json!({"type": "subscribe", "id": 1, "topics": [TOPIC]}).to_string();
    let steps_max = args.max.div_ceil(args.step.max(1));
    let total = steps_max * args.rounds * IN_FLIGHT;
    let start = Instant::now();
    let sent_at: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let got: Arc<Vec<AtomicUsize>> = Arc::new((0..total).map(|_| AtomicUsize::new(0)).collect());
    let latencies = Arc::new(Mutex::new(Vec::<u32>::new()));

    let mut senders = target
        .connect_many(1_000_000, IN_FLIGHT, &target.path)
        .await?;
    for ws in &mut senders {
        send(ws, subscribe.clone()).await?;
        read_until(ws, "\"ack\"", Duration::from_secs(30)).await?;
    }
    let far = tokio::time::Instant::now() + Duration::from_secs(24 * 3600);
    let mut readers = Vec::new();
    let mut steps = Vec::new();
    let mut k = 0;
    let (mut sent, mut delivered, mut lost_total) = (0u64, 0u64, 0u64);
    let window = Instant::now();
    let before = target.server_sample();
    while readers.len() < args.max {
        let add = args.step.min(args.max - readers.len());
        let mut joined = match target.connect_many(readers.len(), add, &target.path).await {
            Ok(joined) => joined,
            Err(err) => {
                target.progress(&format!("stopping: {err}"));
                break;
            }
        };
        for ws in &mut joined {
            send(ws, subscribe.clone()).await?;
        }
        for ws in &mut joined {
            read_until(ws, "\"ack\"", Duration::from_secs(60)).await?;
        }
        for ws in joined {
            let (sent_at, got, latencies) = (sent_at.clone(), got.clone(), latencies.clone());
            readers.push(spawn_reader(ws, far, (), move |(), text| {
                if text.contains("\"event\"")
                    && let Some(k) = number_after(text, "\"text\"")
                    && let Some(sent) = sent_at.get(k as usize)
                {
                    let latency = micros_since(start).saturating_sub(sent.load(Ordering::Relaxed));
                    got[k as usize].fetch_add(1, Ordering::Relaxed);
                    latencies
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(latency.min(u64::from(u32::MAX)) as u32);
                }
                true
            }));
        }
        let clients = readers.len();
        let mut step_lost = 0;
        for _ in 0..args.rounds {
            let first = k;
            for ws in &mut senders {
                let msg = json!({"type": "publish", "topic": TOPIC, "data": {"text": format!("{k}|ramp")}});
                sent_at[k].store(micros_since(start), Ordering::Relaxed);
                send(ws, msg.to_string()).await?;
                k += 1;
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while (first..k).any(|i| got[i].load(Ordering::Relaxed) < clients)
                && Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            for i in first..k {
                let n = got[i].load(Ordering::Relaxed).min(clients);
                delivered += n as u64;
                step_lost += (clients - n) as u64;
            }
            sent += IN_FLIGHT as u64;
        }
        lost_total += step_lost;
        let samples = std::mem::take(&mut *latencies.lock().unwrap_or_else(|e| e.into_inner()));
        let latency = Latency::from_micros(samples);
        let p95 = latency.as_ref().map_or(f64::INFINITY, |l| l.p95_ms);
        target.progress(&format!(
            "{clients} clients: p95 {p95:.1} ms, lost {step_lost}"
        ));
        steps.push(Step {
            clients,
            latency,
            lost: step_lost,
        });
        if p95 > args.limit_ms {
            break;
        }
    }
    let after = target.server_sample();
    for reader in &readers {
        reader.abort();
    }
    let under_limit = steps
        .iter()
        .filter(|s| {
            s.latency
                .as_ref()
                .is_some_and(|l| l.p95_ms <= args.limit_ms)
        })
        .map(|s| s.clients)
        .max()
        .unwrap_or(0);
    let duration_s = window.elapsed().as_secs_f64();
    Ok(Summary {
        scenario: "ramp",
        clients: readers.len() + IN_FLIGHT,
        duration_s,
        sent,
        expected: delivered + lost_total,
        delivered,
        lost: lost_total,
        duplicates: 0,
        deliveries_per_s: delivered as f64 / duration_s.max(1e-9),
        latency: steps.last().and_then(|s| s.latency.clone()),
        server: before
            .zip(after)
            .map(|(b, a)| super::report::ServerUsage::between(b, a, delivered)),
        details: json!({"max_clients_with_p95_under_limit": under_limit, "limit_ms": args.limit_ms, "steps": steps}),
    })
}
