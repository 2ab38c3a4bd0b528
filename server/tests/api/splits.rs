//! Split times: timed between the fixes around a checkpoint, ranked by crossing
//! time, recorded once (across a restart too), stored, published live on the
//! runner's topic, and served as JSON and CSV; bad reads get a status and a reason; a
//! private event's need a token; and a cluster publishes each split once, with every
//! node serving the same.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use serde_json::{Value, json};
use spectate_server::{
    auth::{Subject, TokenKeys},
    config::{ClusterConfig, Config},
    event::Event,
    hub::now_ms,
    race::unix_ms,
};

use crate::{
    cluster::Redis,
    helpers::{Client, PATIENCE, TestApp, spawn_app_with},
};

fn event() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")
}

fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spectate-splits-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(data_dir: &Path) -> Config {
    Config {
        event: Some(event()),
        data_dir: data_dir.to_owned(),
        ..Config::for_tests()
    }
}

/// `[lat, lng]` `metres` along the demo course.
fn along(metres: f64) -> (f64, f64) {
    let p = Event::demo().course.position_at(metres);
    (p.lat(), p.lng())
}

/// A socket that publishes fixes (the server is open) and waits for each ack.
struct Phone {
    client: Client,
    id: u64,
}

impl Phone {
    async fn new(app: &TestApp) -> Self {
        let mut client = app.connect("/ws").await;
        client.expect_welcome().await;
        Self { client, id: 0 }
    }

    /// Runner `bib` is `metres` along the course at `t`.
    async fn at(&mut self, bib: &str, metres: f64, t: u64) {
        self.id += 1;
        let (lat, lng) = along(metres);
        self.client
            .send_json(
                json!({"type": "publish", "id": self.id, "topic": format!("runner:{bib}"),
                "data": {"lat": lat, "lng": lng, "t": t}}),
            )
            .await;
        loop {
            let frame = self.client.next_json().await;
            if frame["id"] == self.id {
                assert_eq!(frame, json!({"type": "ack", "id": self.id}), "fix refused");
                return;
            }
        }
    }
}

/// A follower of `topics`, past its snapshots.
async fn follower(app: &TestApp, topics: &[&str]) -> Client {
    follower_seeing(app, topics).await.0
}

/// A follower of `topics`, and the frames of its snapshots.
async fn follower_seeing(app: &TestApp, topics: &[&str]) -> (Client, Vec<Value>) {
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    client
        .send_json(json!({"type": "subscribe", "id": 1, "topics": topics}))
        .await;
    let mut seen = Vec::new();
    loop {
        let frame = client.next_json().await;
        if frame == json!({"type": "ack", "id": 1}) {
            return (client, seen);
        }
        seen.push(frame);
    }
}

/// The next split event on `client` within `wait`, skipping fixes and rows.
async fn next_split(client: &mut Client, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let crate::helpers::Seen::Text(text) = client.next_within(left).await? else {
            panic!("the socket closed");
        };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == "event" && frame["data"].get("split").is_some() {
            return Some(frame);
        }
    }
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let response = reqwest::get(app.url(path)).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Polls `path` until `ok` holds for its JSON.
async fn json_until(app: &TestApp, path: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let body = app.get_json(path).await;
        if ok(&body) {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} never got there: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn stop(mut app: TestApp) {
    app.stop();
    if let Some(task) = app.task.take() {
        task.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_split_is_interpolated_ranked_published_once_stored_and_served() {
    let dir = data_dir("one");
    let app = spawn_app_with(config(&dir)).await;
    let start = unix_ms(Event::demo().start);
    let mut fan = follower(&app, &["runner:1"]).await;
    // A seed-protocol follower knows fixes only: it never gets a split.
    let mut seed_fan = app.connect("/spectate").await;
    seed_fan
        .send_json(json!({"initialRequest": true, "following": [1]}))
        .await;
    let mut phone = Phone::new(&app).await;
    // Runner 1 passes 3 km halfway between a fix at 2.9 km and one at 3.1 km 40 s later.
    let t0 = now_ms() - 20 * 60_000;
    phone.at("1", 2_900.0, t0).await;
    phone.at("1", 3_100.0, t0 + 40_000).await;
    let event = next_split(&mut fan, PATIENCE)
        .await
        .expect("the split is published");
    assert_eq!(event["topic"], "runner:1");
    let split = &event["data"]["split"];
    assert_eq!(split["bib"], 1);
    assert_eq!(
        (split["point"].as_u64(), split["name"].as_str()),
        (Some(0), Some("3 km"))
    );
    let at = split["at_ms"].as_u64().unwrap();
    assert!(
        at.abs_diff(t0 + 20_000) < 1_000,
        "interpolated, not the next fix's time: {split}"
    );
    assert_eq!(split["elapsed_ms"].as_u64(), Some(at - start));
    assert_eq!(split["rank"], 1);
    assert!(event["data"]["ts"].as_u64().is_some());

    // Runner 2's phone reports late that it crossed before runner 1: rank 1 on reads.
    phone.at("2", 2_950.0, t0).await;
    phone.at("2", 3_050.0, t0 + 10_000).await;
    // Noise back over the line and on: nothing more for runner 1 at 3 km.
    phone.at("1", 2_990.0, t0 + 50_000).await;
    phone.at("1", 3_200.0, t0 + 90_000).await;
    // Then 40 more fixes: a restart restores the newest 32 of a runner's fixes, so the
    // split cannot be made again from them; it has to come from the store.
    for i in 1..=40u32 {
        let (metres, t) = (
            3_200.0 + 10.0 * f64::from(i),
            t0 + 90_000 + 5_000 * u64::from(i),
        );
        phone.at("1", metres, t).await;
    }
    assert!(
        next_split(&mut fan, Duration::from_millis(500))
            .await
            .is_none(),
        "a split is published once"
    );

    let mut seed_frames = 0;
    while let Some(crate::helpers::Seen::Text(text)) =
        seed_fan.next_within(Duration::from_millis(300)).await
    {
        let frame: Value = serde_json::from_str(&text).unwrap();
        assert!(frame.get("lat").is_some(), "a seed follower got {frame}");
        seed_frames += 1;
    }
    assert_eq!(seed_frames, 44, "runner 1's fixes, each once");
    drop(seed_fan);

    let mine = json_until(&app, "/api/runners/1/splits", |b| {
        b["splits"][0]["rank"] == 2
    })
    .await;
    assert_eq!(mine["name"], "Ada Lovelace");
    assert_eq!(mine["points"], 4, "three checkpoints and the finish");
    assert_eq!(mine["splits"].as_array().unwrap().len(), 1);
    assert_eq!(mine["splits"][0]["at_ms"].as_u64(), Some(at));
    // Bad reads say why.
    let (status, body) = get(&app, "/api/runners/999/splits").await;
    assert_eq!(
        (status, body.as_str()),
        (404, "runner 999 is not in this event\n")
    );
    let (status, body) = get(&app, "/api/runners/a%20b/splits").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("runner id"), "{body}");

    // The organiser's CSV: by point, then crossing order.
    let response = reqwest::get(app.url("/api/splits.csv")).await.unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "bib,name,category,checkpoint,distance_km,clock_time,elapsed,section_pace_per_km,rank"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with("2,Grace Hopper,F,3 km,3.000,"),
        "{csv}"
    );
    assert!(
        lines[1].ends_with(",1") && lines[2].ends_with(",2"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("1,Ada Lovelace,F,3 km,3.000,"),
        "{csv}"
    );
    assert!(lines[2].contains("+01:00,"), "at the event's offset: {csv}");

    // A restart on the same data dir: the splits are there, and none is recorded again
    // (the stored fixes the server restores cross 3 km once more).
    let before = app.get_json("/api/runners/1/splits").await;
    drop((fan, phone));
    stop(app).await;
    let app = spawn_app_with(config(&dir)).await;
    assert_eq!(app.get_json("/api/runners/1/splits").await, before);
    let (mut fan, snapshot) = follower_seeing(&app, &["runner:1"]).await;
    assert!(
        snapshot.iter().all(|f| f["data"].get("split").is_none()),
        "nothing published again at the restart: {snapshot:?}"
    );
    let mut phone = Phone::new(&app).await;
    phone.at("1", 3_700.0, t0 + 330_000).await;
    assert!(
        next_split(&mut fan, Duration::from_millis(500))
            .await
            .is_none()
    );
    assert_eq!(app.get_json("/api/runners/1/splits").await, before);
    // The next checkpoint still records.
    phone.at("1", 6_300.0, t0 + 600_000).await;
    phone.at("1", 6_500.0, t0 + 640_000).await;
    let halfway = next_split(&mut fan, PATIENCE).await.unwrap();
    assert_eq!(halfway["data"]["split"]["name"], "Halfway");
    // Its section: 3 km to 6.4 km, 3.4 km from the 3 km split.
    let pace = halfway["data"]["split"]["pace_s_per_km"].as_f64().unwrap();
    let halfway_at = halfway["data"]["split"]["at_ms"].as_u64().unwrap();
    let expected = (halfway_at - at) as f64 / 3_400.0;
    assert!((pace - expected).abs() < 0.2, "{pace} against {expected}");
    stop(app).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_private_events_splits_need_a_token() {
    let dir = data_dir("private");
    let app = spawn_app_with(Config {
        private: true,
        ..config(&dir)
    })
    .await;
    for path in ["/api/runners/1/splits", "/api/splits.csv"] {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, 401, "{path}");
        assert!(body.contains("private"), "{path}: {body}");
        let token = TokenKeys::new(b"test-secret-test-secret-test-secret!")
            .issue(&Subject::Spectator, Duration::from_secs(600));
        let (status, _) = get(&app, &format!("{path}?token={token}")).await;
        assert_eq!(status, 200, "{path}");
    }
    stop(app).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_cluster_publishes_each_split_once_and_every_node_serves_the_same() {
    let redis = Redis::start();
    let node = |name: &str| {
        let dir = data_dir(name);
        let config = Config {
            cluster: Some(ClusterConfig {
                redis_url: redis.url(),
                prefix: "splits".to_owned(),
            }),
            secret: Some("splits-cluster-secret-splits-cluster!".to_owned()),
            ..config(&dir)
        };
        spawn_app_with(config)
    };
    let (a, b) = (node("a").await, node("b").await);
    let mut fan_a = follower(&a, &["runner:3"]).await;
    let mut fan_b = follower(&b, &["runner:3"]).await;
    // The fixes come in through both nodes, as a phone behind a balancer sends them.
    let mut phone_a = Phone::new(&a).await;
    let mut phone_b = Phone::new(&b).await;
    let t0 = now_ms() - 20 * 60_000;
    phone_a.at("3", 2_900.0, t0).await;
    phone_b.at("3", 3_100.0, t0 + 40_000).await;
    for fan in [&mut fan_a, &mut fan_b] {
        let event = next_split(fan, PATIENCE)
            .await
            .expect("each node delivers it");
        assert_eq!(event["data"]["split"]["name"], "3 km");
        assert!(
            next_split(fan, Duration::from_millis(700)).await.is_none(),
            "and only once, though both nodes recorded it"
        );
    }
    let on_a = json_until(&a, "/api/runners/3/splits", |b| b["splits"][0].is_object()).await;
    let on_b = json_until(&b, "/api/runners/3/splits", |b| b["splits"][0].is_object()).await;
    assert_eq!(on_a, on_b);
    assert_eq!(
        a.get_text("/api/splits.csv").await,
        b.get_text("/api/splits.csv").await
    );
    stop(a).await;
    stop(b).await;
}
