//! Race scale: a spectator who opens the map in the middle of a large race gets the
//! whole field (one `field` frame, not every runner's history), the board pushed, and
//! the trails of the runners they follow, and is never cut off for what it asked for
//! at once. The board over HTTP is one cached computation, paged, with an `ETag`, and
//! compressed; the first paint stays small.

use std::{collections::HashSet, path::PathBuf};

use serde_json::{Value, json};
use spectate_app::protocol::{LatLng, Publication, RunnerId};
use spectate_server::{config::Config, event::Event, hub::now_ms};

use super::helpers::{Client, PATIENCE, Seen, TestApp, spawn_app_with};

/// An event of `runners` runners (bibs 1..N) over the demo's real course, as
/// `bench/event.sh` writes it.
fn big_event(runners: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "spectate-big-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let course = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/garmin-activity.gpx");
    let mut toml = format!(
        "name = \"Big field\"\nstart = \"2026-11-29T09:00:00+01:00\"\ntimezone = \"Europe/Paris\"\ncourse = {:?}\n",
        course.to_string_lossy()
    );
    for i in 1..=runners {
        toml.push_str(&format!(
            "\n[[runners]]\nbib = {i}\nname = \"Runner {i}\"\ndevices = [\"big-{i}\"]\n"
        ));
    }
    let path = dir.join("event.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// A server tracking a `runners`-strong race in which every runner already has
/// `fixes` fixes (a full history), spread along the course.
async fn race_under_way(runners: usize, fixes: usize) -> TestApp {
    let path = big_event(runners);
    let event = Event::load(&path).unwrap();
    let app = spawn_app_with(Config {
        event: Some(path),
        ..Config::for_tests()
    })
    .await;
    let start = now_ms() - fixes as u64 * 5_000;
    for k in 0..fixes {
        for r in 1..=runners {
            let along = (k as f64 * 15.0 + r as f64 * 3.0).min(event.course.length_m());
            let position = event.course.position_at(along);
            let publication = Publication::Fix {
                runner: RunnerId::parse(&r.to_string()).unwrap(),
                position: LatLng::parse(position.lat(), position.lng()).unwrap(),
            };
            app.hub
                .publish_taken_at(publication, None, Some(start + k as u64 * 5_000))
                .unwrap();
        }
    }
    app
}

/// Every message of a batched (`?batch=1`) connection until `done` says so, or a close.
async fn read_until(client: &mut Client, mut done: impl FnMut(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match client.next_within(left).await {
            Some(Seen::Text(text)) => {
                for line in text.split('\n') {
                    let msg: Value = serde_json::from_str(line).unwrap();
                    let finished = done(&msg);
                    seen.push(msg);
                    if finished {
                        return seen;
                    }
                }
            }
            Some(Seen::Closed(frame)) => panic!("cut off: {frame:?}"),
            None => panic!(
                "timed out; the last messages: {:?}",
                seen.iter().rev().take(3).collect::<Vec<_>>()
            ),
        }
    }
}

#[tokio::test]
async fn a_spectator_opening_a_500_runner_race_mid_race_sees_the_whole_field_and_stays() {
    let app = race_under_way(500, 256).await;
    let mut spectator = app.connect("/ws?batch=1").await;
    spectator.expect_welcome().await;
    spectator
        .send_json(json!({"type": "subscribe", "id": 1,
            "topics": ["field", "board", "runner:1", "runner:250", "runner:500"]}))
        .await;
    let mut standings = HashSet::new();
    let mut acked = false;
    let mut field: Option<Value> = None;
    let mut board: Option<Value> = None;
    let mut trails = Vec::new();
    let seen = read_until(&mut spectator, |msg| {
        match msg["type"].as_str() {
            Some("field") if msg["full"] == true => field = Some(msg.clone()),
            Some("board") => board = Some(msg.clone()),
            Some("standing") => {
                standings.insert(msg["topic"].as_str().unwrap().to_owned());
            }
            Some("snapshot") if msg["topic"].as_str().unwrap().starts_with("runner:") => {
                trails.push(msg["count"].as_u64().unwrap());
            }
            Some("ack") => acked = true,
            _ => {}
        }
        acked && field.is_some() && board.is_some() && standings.len() == 3
    })
    .await;
    assert!(seen.iter().all(|m| m["type"] != "error"));
    let field = field.unwrap();
    let rows = field["r"].as_array().unwrap();
    assert_eq!(rows.len(), 500, "every runner's latest position");
    let bibs: HashSet<String> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(bibs.len(), 500);
    // Positions are the newest fixes (to a metre), not histories.
    // A numeric bib is a number on the wire, as everywhere in the protocol.
    let row = rows.iter().find(|r| r[0] == 250).unwrap();
    let lat = field["o"][0].as_f64().unwrap() + row[1].as_f64().unwrap() / 1e5;
    let course = Event::load(&big_event(1)).unwrap().course;
    let newest = course.position_at(255.0 * 15.0 + 250.0 * 3.0);
    assert!(
        (lat - newest.lat()).abs() < 2e-5,
        "{lat} vs {}",
        newest.lat()
    );
    let board = board.unwrap();
    assert_eq!(board["runners"], 500);
    assert_eq!(board["top"].as_array().unwrap().len(), 25);
    assert_eq!(board["top"][0]["bib"], 500, "the farthest along leads");
    // Each followed runner's trail is there, thinned: 256 fixes drawn from 64.
    assert_eq!(trails, [64, 64, 64], "{trails:?}");
    // It stays: live field frames and no cut-off while the race goes on.
    let runner = RunnerId::parse("42").unwrap();
    let p = course.position_at(5_000.0);
    app.hub
        .publish_taken_at(
            Publication::Fix {
                runner: runner.clone(),
                position: LatLng::parse(p.lat(), p.lng()).unwrap(),
            },
            None,
            Some(now_ms()),
        )
        .unwrap();
    let delta = read_until(&mut spectator, |m| {
        m["type"] == "field" && m["full"] == false
    })
    .await;
    let delta = delta.last().unwrap();
    assert_eq!(
        delta["r"].as_array().unwrap().len(),
        1,
        "only who moved: {delta}"
    );
    assert_eq!(delta["r"][0][0], 42);
    let stats = app.stats().await;
    assert_eq!(stats.slow_consumers, 0, "{stats:?}");
    assert_eq!(
        (stats.field_subscriptions, stats.board_subscriptions),
        (1, 1)
    );

    // A batched connection gets the large field frame in a frame of its own: the
    // bytes every spectator shares, not a copy joined with other messages.
    let mut other = app.connect("/ws?batch=1").await;
    other.expect_welcome().await;
    other
        .send_json(json!({"type": "subscribe", "id": 2, "topics": ["field"]}))
        .await;
    loop {
        let Seen::Text(frame) = other.next().await else {
            panic!("closed");
        };
        if frame.contains(r#""type":"field""#) {
            assert!(frame.starts_with(r#"{"type":"field""#) && !frame.contains('\n'));
            break;
        }
    }
}

#[tokio::test]
async fn following_200_runners_with_full_histories_at_once_is_not_a_slow_consumer() {
    // Before: each runner's catch-up (256 fixes, ~28 KB) was queued under the 1 MiB
    // slow-consumer bound, and about 36 of them cut a new spectator off (4008).
    let app = race_under_way(200, 256).await;
    let mut spectator = app.connect("/ws").await;
    spectator.expect_welcome().await;
    let topics: Vec<String> = (1..=200).map(|r| format!("runner:{r}")).collect();
    spectator
        .send_json(json!({"type": "subscribe", "id": 7, "topics": topics}))
        .await;
    let mut snapshots = 0;
    let mut events = 0;
    read_until(&mut spectator, |msg| {
        match msg["type"].as_str() {
            Some("snapshot") => snapshots += 1,
            Some("event") => events += 1,
            _ => {}
        }
        msg["type"] == "ack" && msg["id"] == 7
    })
    .await;
    assert_eq!(snapshots, 200);
    assert_eq!(events, 200 * 64);
    spectator.send_json(json!({"type": "ping", "id": 8})).await;
    read_until(&mut spectator, |m| m["type"] == "pong").await;
    assert_eq!(app.stats().await.slow_consumers, 0);
}

/// `GET path` as JSON.
async fn json_at(http: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    http.get(app.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_board_is_one_cached_computation_served_paged_with_an_etag_and_compressed() {
    let app = race_under_way(500, 3).await;
    let http = reqwest::Client::new();
    let full = http.get(app.url("/api/leaderboard")).send().await.unwrap();
    assert_eq!(full.status(), 200);
    let etag = full.headers()["etag"].to_str().unwrap().to_owned();
    let board: Value = full.json().await.unwrap();
    assert_eq!(board["standings"].as_array().unwrap().len(), 500);
    assert_eq!(board["runners"], 500);
    // Asked again with nothing new: not modified, no body.
    let again = http
        .get(app.url("/api/leaderboard"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // One page of it.
    let page = json_at(&http, &app, "/api/leaderboard?offset=100&limit=50").await;
    let rows = page["standings"].as_array().unwrap();
    assert_eq!((rows.len(), rows[0]["position"].as_u64()), (50, Some(101)));
    assert_eq!(page["runners"], 500);
    let bad = http
        .get(app.url("/api/leaderboard?offset=-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // Compressed for a client that says it takes brotli (reqwest here does not
    // decompress: the bytes are what crossed the wire).
    for path in ["/api/leaderboard", "/api/race", "/api/entrants"] {
        let response = http
            .get(app.url(path))
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], "br", "{path}");
    }
    // The race view and the first paint carry the top of the board and the followed
    // runners, not the whole field.
    let view = json_at(&http, &app, "/api/race?follow=321").await;
    let standings = view["board"]["standings"].as_array().unwrap();
    assert_eq!(standings.len(), 26, "the top 25 and runner 321");
    assert_eq!(standings[25]["bib"], 321);
    assert_eq!(view["event"]["runners"], 500);
    assert_eq!(view["event"]["entrants"].as_array().unwrap().len(), 26);
    let entrants = json_at(&http, &app, "/api/entrants").await;
    assert_eq!(entrants.as_array().unwrap().len(), 500);
    assert_eq!(entrants[499]["name"], "Runner 500");
    let html = app.get_text("/?follow=321").await;
    assert!(html.len() < 200_000, "{} bytes", html.len());
    assert!(html.contains("Runner 321"));
    assert!(
        !html.contains("Runner 322<"),
        "a runner neither on top nor followed"
    );
}
