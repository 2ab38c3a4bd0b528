//! The load tool's scenarios against the real server: exact delivery, checked by
//! the tool itself (it exits non-zero otherwise), and its JSON summary says so.

use spectate_server::config::Limits;

use crate::helpers::{TestApp, run_load, spawn_app, spawn_app_with_limits};

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
