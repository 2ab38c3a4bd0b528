//! The load tool's scenarios against the real server: exact delivery, checked by
//! the tool itself (it exits non-zero otherwise), and its JSON summary says so.

use std::time::Duration;

use spectate_app::protocol::{LatLng, Publication, RunnerId};
use spectate_server::{
    config::{Config, Limits},
    event::Event,
    hub::now_ms,
};

use crate::helpers::{TestApp, run_load, spawn_app, spawn_app_with, spawn_app_with_limits};

/// Runs `spectate load --quiet --url <app> <args>`, which must succeed, and returns
/// its JSON summary.
async fn load(app: &TestApp, args: &[&str]) -> serde_json::Value {
    run_load(&format!("ws://{}", app.addr), args).await
}

#[tokio::test]
async fn the_seed_scenario_delivers_exactly() {
    let app = spawn_app().await;
    let summary = load(&app, &["seed"]).await;
    assert_eq!(summary["scenario"], "seed");
    assert_eq!(summary["sent"], 1000);
    assert_eq!(summary["lost"], 0);
    assert_eq!(summary["duplicates"], 0);
    assert!(summary["expected"].as_u64().unwrap() > 1000);
    assert_eq!(summary["delivered"], summary["expected"]);
}

#[tokio::test]
async fn the_fanout_scenario_counts_every_delivery_and_reads_the_server_from_proc() {
    let app = spawn_app().await;
    let pid = std::process::id().to_string();
    let summary = load(
        &app,
        &[
            "--pid",
            &pid,
            "--sources",
            "3",
            "fanout",
            "--subscribers",
            "20",
            "--rate",
            "4",
            "--seconds",
            "1",
        ],
    )
    .await;
    assert_eq!(
        (summary["expected"].as_u64(), summary["delivered"].as_u64()),
        (Some(80), Some(80)),
        "{summary}"
    );
    assert_eq!(summary["latency"]["samples"], 80);
    assert!(summary["server"]["rss_end_kib"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn the_load_tool_refuses_targets_that_are_not_loopback() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["load", "--url", "ws://10.1.2.3:80", "idle"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
}

#[tokio::test]
async fn the_ingest_scenario_counts_acknowledged_fixes_and_they_are_stored() {
    let app = spawn_app_with_limits(Limits {
        publish_per_second: 100_000.0,
        publish_burst: 100_000,
        ..Limits::default()
    })
    .await;
    let summary = load(
        &app,
        &["ingest", "--via", "ws", "--runners", "4", "--seconds", "1"],
    )
    .await;
    assert_eq!(summary["scenario"], "ingest");
    let acked = summary["details"]["acked"].as_u64().unwrap();
    assert!(acked > 4, "{summary}");
    assert_eq!(summary["details"]["refused"], 0, "{summary}");
    assert_eq!(summary["lost"], 0, "{summary}");
    // Every acknowledged fix is in the store (phone n publishes as runner bn), and
    // nothing else: each phone waits for an answer before its next fix.
    let mut stored = 0;
    for n in 0..4 {
        let gpx = app.get_text(&format!("/api/runners/b{n}/track.gpx")).await;
        stored += gpx.matches("<trkpt").count() as u64;
    }
    assert_eq!(stored, acked);
}

#[tokio::test]
async fn the_spectators_scenario_sees_the_field_and_the_followed_fixes() {
    // A 20-runner race over the demo's course, each runner sending a fix every 200 ms.
    let dir = std::env::temp_dir().join(format!(
        "spectate-load-spectators-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let course = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/garmin-activity.gpx");
    let mut toml = format!(
        "name = \"Small field\"\nstart = \"2026-11-29T09:00:00+01:00\"\ntimezone = \"Europe/Paris\"\ncourse = {:?}\n",
        course.to_string_lossy()
    );
    for i in 1..=20 {
        toml.push_str(&format!(
            "\n[[runners]]\nbib = {i}\nname = \"Runner {i}\"\ndevices = [\"small-{i}\"]\n"
        ));
    }
    let path = dir.join("event.toml");
    std::fs::write(&path, toml).unwrap();
    let event = Event::load(&path).unwrap();
    let app = spawn_app_with(Config {
        event: Some(path),
        ..Config::for_tests()
    })
    .await;
    let hub = app.hub.clone();
    let race = tokio::spawn(async move {
        for k in 0u32.. {
            for r in 1..=20u32 {
                let along = (f64::from(k) * 3.0 + f64::from(r) * 5.0).min(event.course.length_m());
                let p = event.course.position_at(along);
                let fix = Publication::Fix {
                    runner: RunnerId::parse(&r.to_string()).unwrap(),
                    position: LatLng::parse(p.lat(), p.lng()).unwrap(),
                };
                hub.publish_taken_at(fix, None, Some(now_ms())).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let pid = std::process::id().to_string();
    let summary = load(
        &app,
        &[
            "--pid",
            &pid,
            "spectators",
            "--spectators",
            "30",
            "--seconds",
            "3",
            "--join-over-secs",
            "1",
            "--sample-every",
            "5",
            "--baseline-secs",
            "0",
        ],
    )
    .await;
    race.abort();
    let details = &summary["details"];
    assert_eq!(summary["scenario"], "spectators");
    assert_eq!(details["setup"]["runners"], 20, "{summary}");
    assert_eq!(details["connected"], 30, "{summary}");
    assert_eq!(details["cut_offs"], 0, "{summary}");
    assert_eq!(details["error_frames"], 0, "{summary}");
    assert_eq!(details["have_full_field"], 30, "{summary}");
    assert!(
        details["field"]["frames"].as_u64().unwrap() > 30,
        "{summary}"
    );
    assert!(
        details["field_staleness"]["samples"].as_u64().unwrap() > 0,
        "{summary}"
    );
    assert!(
        details["followed"]["fixes"].as_u64().unwrap() > 0,
        "{summary}"
    );
    assert_eq!(summary["lost"], 0, "{summary}");
    assert!(
        details["bytes_per_spectator_s"].as_f64().unwrap() > 0.0,
        "{summary}"
    );
    assert!(summary["server"]["cpu_s"].as_f64().is_some(), "{summary}");
}
