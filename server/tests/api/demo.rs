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
