//! Race control in a cluster (issue 19): a status an organiser sets on one node reaches
//! the board of every node, through Redis on the runner's topic like fixes and splits,
//! and is pushed at once to that node's spectators.

use std::{path::PathBuf, time::Duration};

use reqwest::{StatusCode, header};
use serde_json::json;
use spectate_server::config::{ClusterConfig, Config};

use crate::{
    admin::{console_app, http, session_cookie},
    cluster::Redis,
    helpers::{TestApp, spawn_app_with},
};

/// A node at `redis` with the demo event, whose own board tick is too slow to bring
/// anything to its sockets within the test: only race control's push can.
fn node(redis: &Redis) -> Config {
    Config {
        event: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")),
        board_every: Duration::from_secs(600),
        cluster: Some(ClusterConfig {
            redis_url: redis.url(),
            prefix: "spectate".to_owned(),
        }),
        ..Config::for_tests()
    }
}

/// Sets `bib`'s status on `app`, from its own page.
async fn set_status(app: &TestApp, cookie: &str, bib: &str, status: &str, reason: &str) {
    let response = http()
        .post(app.url(&format!("/admin/runners/{bib}/status")))
        .header(header::COOKIE, cookie)
        .header(header::ORIGIN, format!("http://{}", app.addr))
        .form(&[("status", status), ("reason", reason)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn race_control_a_status_set_on_one_node_reaches_every_nodes_board() {
    let redis = Redis::start();
    let first = console_app(&["ana"], node(&redis)).await;
    let second = spawn_app_with(node(&redis)).await;
    let cookie = session_cookie(&first, "ana").await;
    let mut spectator = second.connect("/ws").await;
    spectator.expect_welcome().await;
    spectator
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["board", "runner:2"]}))
        .await;
    spectator.until(|m| m["type"] == "ack").await;

    set_status(&first, &cookie, "2", "dnf", "cramp").await;
    let row = spectator
        .until(|m| m["type"] == "standing" && m["row"]["status"] == "dnf")
        .await;
    assert_eq!(row["row"]["reason"], "cramp");
    assert_eq!(row["row"]["position"], 0);
    let board = second.get_json("/api/leaderboard").await;
    let two = board["standings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["bib"] == 2)
        .cloned()
        .unwrap();
    assert_eq!(two["status"], "dnf", "{board}");

    // Taken back on the first node: back in the race on the second.
    set_status(&first, &cookie, "2", "racing", "").await;
    let row = spectator
        .until(|m| m["type"] == "standing" && m["row"]["status"] != "dnf")
        .await;
    assert!(row["row"]["reason"].is_null(), "{row}");
}
