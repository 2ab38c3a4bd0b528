//! `seed`: the seed's own load client, made exact. Users `0..N` each follow `[i, i+1]`
//! on the seed endpoint (`/`); fixes for random runner ids are published, each id
//! always from the same connection (so its order is defined); every user must get
//! exactly the fixes of the two ids it follows, each once, in order.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use clap::Args;
use serde_json::json;

use super::{
    LoadError,
    client::{Target, number_after, send},
    report::Summary,
};

/// Options of the seed scenario.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Users (connections), each following [i, i+1].
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Fixes published in all.
    #[arg(long, default_value_t = 1000)]
    pub fixes: usize,
    /// The seed endpoint's path.
    #[arg(long, default_value = "/")]
    pub seed_path: String,
}

/// Runs the scenario.
pub async fn run(target: &Target, args: &SeedArgs) -> Result<Summary, LoadError> {
    let users = args.users.max(1);
    let mut sockets = target.connect_many(0, users, &args.seed_path).await?;
    for (i, ws) in sockets.iter_mut().enumerate() {
        let hello = json!({"initialRequest": true, "following": [i, i + 1], "userId": i});
        send(ws, hello.to_string()).await?;
    }
    // The seed protocol has no acknowledgement: give the hellos a moment to land.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Fix j: runner id = a random 0..=users, latitude j / 10^4 tells which fix it was.
    let mut rng = fastrand::Rng::with_seed(7);
    let plan: Vec<usize> = (0..args.fixes).map(|_| rng.usize(..=users)).collect();
    let mut wanted: Vec<Vec<usize>> = vec![Vec::new(); users];
    for (j, &id) in plan.iter().enumerate() {
        for (user, list) in wanted.iter_mut().enumerate() {
            if id == user || id == user + 1 {
                list.push(j);
            }
        }
    }
    let expected: u64 = wanted.iter().map(|w| w.len() as u64).sum();
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut publishers = Vec::new();
    let mut readers = Vec::new();
    for (user, ws) in sockets.into_iter().enumerate() {
        let (sink, stream) = futures::StreamExt::split(ws);
        publishers.push(sink);
        let want = wanted[user].len();
        readers.push(spawn_reader_split(stream, until, want));
    }
    let window = Instant::now();
    for (j, &id) in plan.iter().enumerate() {
        let fix = json!({"userId": id, "lat": j as f64 / 1e4, "lng": id as f64 / 1e3});
        // Runner `id` always publishes from connection `id % users`.
        let sink = &mut publishers[id % users];
        futures::SinkExt::send(
            sink,
            tokio_tungstenite::tungstenite::Message::Text(fix.to_string().into()),
        )
        .await
        .map_err(|e| LoadError::Lost(e.to_string()))?;
    }
    let (mut delivered, mut lost, mut duplicates, mut wrong, mut out_of_order) = (0, 0, 0, 0, 0);
    for (user, reader) in readers.into_iter().enumerate() {
        let got = reader.await.map_err(|e| LoadError::Lost(e.to_string()))?;
        let want = &wanted[user];
        let mut counts: BTreeMap<usize, u64> = BTreeMap::new();
        for &j in &got {
            *counts.entry(j).or_default() += 1;
        }
        for &j in want {
            match counts.remove(&j) {
                Some(n) => {
                    delivered += 1;
                    duplicates += n - 1;
                }
                None => lost += 1,
            }
        }
        wrong += counts.values().sum::<u64>();
        // Per runner id, fixes must arrive in publish order.
        for id in [user, user + 1] {
            let seq: Vec<usize> = got
                .iter()
                .copied()
                .filter(|&j| plan.get(j) == Some(&id))
                .collect();
            if seq.windows(2).any(|w| w[0] >= w[1]) {
                out_of_order += 1;
            }
        }
    }
    let duration_s = window.elapsed().as_secs_f64();
    Ok(Summary {
        scenario: "seed",
        clients: users,
        duration_s,
        sent: args.fixes as u64,
        expected,
        delivered,
        lost,
        // Fixes a user should not have got count as duplicates of nothing: report both.
        duplicates: duplicates + wrong,
        deliveries_per_s: delivered as f64 / duration_s.max(1e-9),
        latency: None,
        server: None,
        details: json!({"users": users, "fixes": args.fixes, "unexpected": wrong, "out_of_order_users": out_of_order}),
    })
}

/// Collects fix numbers from one user's socket until it has `want` or time is up.
fn spawn_reader_split(
    mut stream: futures::stream::SplitStream<super::client::Ws>,
    until: tokio::time::Instant,
    want: usize,
) -> tokio::task::JoinHandle<Vec<usize>> {
    tokio::spawn(async move {
        let mut got = Vec::new();
        // A short wait after the last wanted fix catches duplicates and strays.
        let mut deadline = until;
        while let Ok(Some(Ok(frame))) =
            tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut stream)).await
        {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame
                && let Some(lat) = number_after(text.as_str(), "\"lat\"")
            {
                got.push((lat * 1e4).round() as usize);
                if got.len() >= want {
                    deadline = tokio::time::Instant::now() + Duration::from_millis(200);
                }
            }
        }
        got
    })
}
