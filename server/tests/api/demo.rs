//! Demo mode: the event's runners, simulated, reach the race through the server's own
//! ingestion endpoints, already spread along the course with their tracks, and keep
//! moving live.

use std::time::Duration;

use serde_json::{Value, json};
use spectate_server::config::{Config, DemoConfig};

use crate::helpers::{PATIENCE, Seen, spawn_app_with};

#[tokio::test]
async fn the_demo_race_is_joined_in_progress_through_the_real_ingestion_paths() {
    let app = spawn_app_with(Config {
        demo: Some(DemoConfig {
            runners: 3,
            fix_every: Duration::from_secs(15),
        }),
        ..Config::for_tests()
    })
    .await;

    // Joined 20 minutes in: at 4:00 to 7:00 per km, every runner is 2.8 to 5.1 km
    // along, with a pace from the devices' times.
    let board = tokio::time::timeout(PATIENCE, async {
        loop {
            let board: Value = app.get_json("/api/leaderboard").await;
            // Caught up: spread out, and each with a fix from just now.
            let moving = board["standings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["distance_m"].as_f64().unwrap() > 2_500.0)
                .filter(|s| s["status"] == "running")
                .count();
            if moving == 3 {
                return board;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("three runners spread along the course");
    for standing in board["standings"].as_array().unwrap().iter().take(3) {
        let distance = standing["distance_m"].as_f64().unwrap();
        assert!(distance < 5_300.0, "{standing}");
        let pace = standing["pace_s_per_km"].as_f64().unwrap();
        assert!((230.0..440.0).contains(&pace), "{standing}");
    }

    // Their tracks are stored: one fix every 15 s of the 20 minutes run, up to the
    // last 2 (a runner with a fix that recent is "running").
    for bib in 1..=3 {
        let gpx = app.get_text(&format!("/api/runners/{bib}/track.gpx")).await;
        let points = gpx.matches("<trkpt").count();
        assert!(points >= 70, "runner {bib}: {points} stored");
    }

    // Through all three ways in: bib 1 by OsmAnd, 2 by OwnTracks, 3 by the WebSocket.
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("spectate_ingest_total{outcome=\"published\"}"),
        "{metrics}"
    );

    // And live: a follower of runner 3 gets a fresh fix within a fix interval.
    let mut fan = app.connect("/ws").await;
    fan.expect_welcome().await;
    fan.send_json(json!({"type": "subscribe", "topics": ["runner:3"]}))
        .await;
    let header = fan.next_json().await;
    assert_eq!(header["type"], "snapshot", "{header}");
    for _ in 0..header["count"].as_u64().unwrap() {
        fan.next_json().await;
    }
    let Some(Seen::Text(live)) = fan.next_within(Duration::from_secs(20)).await else {
        panic!("no live fix within the interval");
    };
    let live: Value = serde_json::from_str(&live).unwrap();
    assert_eq!(live["type"], "event", "{live}");
    assert!(live["data"]["lat"].as_f64().is_some(), "{live}");
}

/// A demo at race size: its 1,000 phones come from one address, as the server's own,
/// and must not be refused by the limits each address is held to (seen: the HTTP
/// phones' kept-alive connections passed `--max-http-connections-per-ip`, the demo
/// was answered 429 and stopped at runner 339, every minute).
#[tokio::test]
async fn a_thousand_runner_demo_gets_every_runner_on_the_board() {
    let dir = std::env::temp_dir().join(format!("spectate-demo-1000-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let course = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/garmin-activity.gpx");
    let mut toml = format!(
        "name = \"Big\"\nstart = \"2026-11-29T09:00:00+01:00\"\ntimezone = \"Europe/Paris\"\ncourse = {:?}\n",
        course.to_str().unwrap()
    );
    for bib in 1..=1000 {
        toml.push_str(&format!(
            "\n[[runners]]\nbib = {bib}\nname = \"Runner {bib}\"\ndevices = [\"big-{bib}\"]\n"
        ));
    }
    let event = dir.join("event.toml");
    std::fs::write(&event, toml).unwrap();
    let app = spawn_app_with(Config {
        event: Some(event),
        // Two fixes each of the 20 minutes already run, then one every 10 minutes.
        demo: Some(DemoConfig {
            runners: 1000,
            fix_every: Duration::from_secs(600),
        }),
        ..Config::for_tests()
    })
    .await;
    let started = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let board: Value = app.get_json("/api/leaderboard").await;
            let started = board["standings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["status"] != "not_started")
                .count();
            if started == 1000 {
                return started;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    })
    .await;
    let board: Value = app.get_json("/api/leaderboard").await;
    let waiting: Vec<&Value> = board["standings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "not_started")
        .map(|s| &s["bib"])
        .collect();
    assert_eq!(started.ok(), Some(1000), "no fix yet from {waiting:?}");
    std::fs::remove_dir_all(&dir).ok();
}
