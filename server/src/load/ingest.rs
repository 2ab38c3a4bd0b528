//! `ingest`: the durable ingest rate. K phones each send a fix and wait for its
//! acknowledgement before sending the next, as tracker apps do, for S seconds. Every
//! acknowledgement means the fix was committed to the store, so acknowledgements per
//! second is the rate at which fixes become durable.
//!
//! Two ways in: the WebSocket protocol v1 (`publish` with an `id`, answered by `ack`
//! after the commit; the server must run `--open` with a raised `--publish-per-second`)
//! or the OsmAnd protocol over HTTP keep-alive (`POST /api/osmand`, answered 200 after
//! the commit; the server's event must register the device ids `<prefix>1..=K`).

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use clap::{Args, ValueEnum};
use futures::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use super::{
    LoadError,
    client::{Target, read_until, send},
    report::{Latency, ServerUsage, Summary},
};
use crate::hub::now_ms;

/// Options of the ingest scenario.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Phones sending at once.
    #[arg(long, default_value_t = 1000)]
    pub runners: usize,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// The way in.
    #[arg(long, value_enum, default_value_t = Via::Ws)]
    pub via: Via,
    /// OsmAnd device ids are this prefix and the phone's number (1-based).
    #[arg(long, default_value = "bench-")]
    pub device_prefix: String,
}

/// The ways in the scenario can use.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Via {
    /// WebSocket protocol v1 `publish` with an `id`.
    Ws,
    /// OsmAnd protocol form posts over HTTP keep-alive.
    Osmand,
}

/// What one phone saw.
#[derive(Debug, Default)]
struct Phone {
    acked: u64,
    refused: u64,
    latencies: Vec<u32>,
}

/// Where phone `n`'s fix number `k` is, and when it was taken: 1 m apart, 1 s apart,
/// dated an hour back so that no fix is ever "from the future", and each phone on
/// its own line so the server's jump rule never fires.
fn fix(n: usize, k: u64, epoch_ms: u64) -> (f64, f64, u64) {
    let lat = 48.0 + (n % 1000) as f64 * 0.001 + k as f64 * 0.000_01;
    let lng = 2.0 + (n / 1000) as f64 * 0.01;
    (lat, lng, epoch_ms + k * 1000)
}

/// Runs the scenario.
pub async fn run(target: &Target, args: &IngestArgs) -> Result<Summary, LoadError> {
    let epoch_ms = now_ms() - 3_600_000;
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let mut phones = Vec::with_capacity(args.runners);
    match args.via {
        Via::Ws => {
            let sockets = target.connect_many(0, args.runners, &target.path).await?;
            for (n, mut ws) in sockets.into_iter().enumerate() {
                read_until(&mut ws, "\"welcome\"", Duration::from_secs(30)).await?;
                let (stop, sent) = (stop.clone(), sent.clone());
                phones.push(tokio::spawn(async move {
                    let mut phone = Phone::default();
                    let mut k = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let (lat, lng, t) = fix(n, k, epoch_ms);
                        let msg = json!({"type": "publish", "id": k, "topic": format!("runner:b{n}"),
                            "data": {"lat": lat, "lng": lng, "t": t}});
                        let at = Instant::now();
                        send(&mut ws, msg.to_string()).await?;
                        sent.fetch_add(1, Ordering::Relaxed);
                        loop {
                            match ws.next().await {
                                Some(Ok(Message::Text(text))) if text.contains("\"ack\"") => {
                                    phone.acked += 1;
                                    phone.latencies.push(micros(at));
                                    break;
                                }
                                Some(Ok(Message::Text(text))) if text.contains("\"error\"") => {
                                    phone.refused += 1;
                                    break;
                                }
                                Some(Ok(Message::Close(frame))) => {
                                    return Err(LoadError::Lost(format!("closed: {frame:?}")));
                                }
                                Some(Ok(_)) => {}
                                Some(Err(e)) => return Err(LoadError::Lost(e.to_string())),
                                None => return Err(LoadError::Lost("connection ended".into())),
                            }
                        }
                        k += 1;
                    }
                    Ok::<_, LoadError>(phone)
                }));
            }
        }
        Via::Osmand => {
            for n in 0..args.runners {
                let device = format!("{}{}", args.device_prefix, n + 1);
                let url = format!("{}/api/osmand", target.http_base(n));
                let (stop, sent) = (stop.clone(), sent.clone());
                // A client each: one keep-alive connection per phone.
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .map_err(|e| LoadError::Connect {
                        index: n,
                        reason: e.to_string(),
                    })?;
                phones.push(tokio::spawn(async move {
                    let mut phone = Phone::default();
                    let mut k = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let (lat, lng, t) = fix(n, k, epoch_ms);
                        let at = Instant::now();
                        sent.fetch_add(1, Ordering::Relaxed);
                        let response = http
                            .post(&url)
                            .form(&[
                                ("id", device.clone()),
                                ("lat", lat.to_string()),
                                ("lon", lng.to_string()),
                                ("timestamp", t.to_string()),
                            ])
                            .send()
                            .await
                            .map_err(|e| LoadError::Lost(e.to_string()))?;
                        let published = response
                            .headers()
                            .get("x-spectate-outcome")
                            .is_some_and(|o| o == "published");
                        if response.status().is_success() && published {
                            phone.acked += 1;
                            phone.latencies.push(micros(at));
                        } else {
                            phone.refused += 1;
                        }
                        k += 1;
                    }
                    Ok::<_, LoadError>(phone)
                }));
            }
        }
    }
    target.progress(&format!(
        "{} phones sending over {:?} for {} s",
        args.runners, args.via, args.seconds
    ));
    let before = target.server_sample();
    let window = Instant::now();
    for _ in 0..args.seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        target.progress(&format!(
            "{:.0} s: {} fixes sent",
            window.elapsed().as_secs_f64(),
            sent.load(Ordering::Relaxed)
        ));
    }
    stop.store(true, Ordering::Relaxed);
    let mut done = Vec::with_capacity(phones.len());
    for phone in phones {
        done.push(phone.await.map_err(|e| LoadError::Lost(e.to_string()))??);
    }
    let duration_s = window.elapsed().as_secs_f64();
    let after = target.server_sample();
    let acked: u64 = done.iter().map(|p| p.acked).sum();
    let refused: u64 = done.iter().map(|p| p.refused).sum();
    let sent = sent.load(Ordering::Relaxed);
    Ok(Summary {
        scenario: "ingest",
        clients: args.runners,
        duration_s,
        sent,
        expected: sent,
        delivered: acked,
        lost: sent.saturating_sub(acked + refused),
        duplicates: 0,
        deliveries_per_s: acked as f64 / duration_s.max(1e-9),
        latency: Latency::from_micros(done.iter().flat_map(|p| p.latencies.iter().copied())),
        server: before
            .zip(after)
            .map(|(a, b)| ServerUsage::between(a, b, acked)),
        details: json!({"via": format!("{:?}", args.via).to_lowercase(), "runners": args.runners,
            "seconds": args.seconds, "acked": acked, "refused": refused}),
    })
}

fn micros(since: Instant) -> u32 {
    u32::try_from(since.elapsed().as_micros()).unwrap_or(u32::MAX)
}
