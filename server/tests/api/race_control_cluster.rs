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
    console_kit::{restart, signed_text},
    helpers::{TestApp, spawn_app_with},
    race_control::row,
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

/// Publishes `text` for everyone on `app`, or clears the announcement (`None`).
async fn announce(app: &TestApp, cookie: &str, text: Option<&str>) {
    let (path, form) = match text {
        Some(text) => (
            "/admin/announcement",
            vec![("text", text), ("audience", "both")],
        ),
        None => ("/admin/announcement/clear", vec![]),
    };
    let response = http()
        .post(app.url(path))
        .header(header::COOKIE, cookie)
        .header(header::ORIGIN, format!("http://{}", app.addr))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// Waits (at most a second) until `app`'s race control page, as `cookie` sees it,
/// satisfies `done`; returns the page.
async fn race_page_within_a_second(
    app: &TestApp,
    cookie: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let start = std::time::Instant::now();
    loop {
        let (status, page) = signed_text(app, cookie, "/admin/race").await;
        assert_eq!(status, StatusCode::OK);
        if done(&page) {
            return page;
        }
        assert!(start.elapsed() < Duration::from_secs(1), "{page}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn race_control_a_status_set_on_one_node_is_stored_by_the_other() {
    let redis = Redis::start();
    let first = console_app(&["ana"], node(&redis)).await;
    let second_config = node(&redis);
    let second = console_app(&["bea"], second_config.clone()).await;
    let ana = session_cookie(&first, "ana").await;
    let bea = session_cookie(&second, "bea").await;

    set_status(&first, &ana, "3", "dsq", "short cut").await;
    race_page_within_a_second(&second, &bea, |p| p.contains("short cut")).await;
    // Written to the second node's store, not only its memory: a restart on its
    // own (no Redis to replay anything from) still has it.
    let second = restart(
        second,
        Config {
            cluster: None,
            ..second_config
        },
    )
    .await;
    assert_eq!(row(&second, 3).await["status"], "dsq");
    let (_, page) = signed_text(&second, &bea, "/admin/race").await;
    assert!(
        page.contains("data-runner=\"3\"") && page.contains("short cut") && page.contains("ana"),
        "{page}"
    );
}

#[tokio::test]
async fn race_control_an_announcement_made_on_one_node_is_stored_by_the_other() {
    let redis = Redis::start();
    let first = console_app(&["ana"], node(&redis)).await;
    let second_config = node(&redis);
    let second = console_app(&["bea"], second_config.clone()).await;
    let ana = session_cookie(&first, "ana").await;
    let bea = session_cookie(&second, "bea").await;
    let mut spectator = second.connect("/ws").await;
    spectator.expect_welcome().await;
    spectator
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["board"]}))
        .await;
    spectator.until(|m| m["type"] == "ack").await;

    announce(&first, &ana, Some("Water at km 5")).await;
    let frame = spectator
        .until(|m| m["type"] == "announcement" && m["announcement"].is_object())
        .await;
    assert_eq!(frame["announcement"]["text"], "Water at km 5", "{frame}");
    race_page_within_a_second(&second, &bea, |p| p.contains("Water at km 5")).await;
    announce(&first, &ana, None).await;
    race_page_within_a_second(&second, &bea, |p| p.contains("id=\"announcement-none\"")).await;
    announce(&first, &ana, Some("Finish moved 50 m")).await;
    race_page_within_a_second(&second, &bea, |p| p.contains("Finish moved 50 m")).await;

    let second = restart(
        second,
        Config {
            cluster: None,
            ..second_config
        },
    )
    .await;
    let (_, page) = signed_text(&second, &bea, "/admin/race").await;
    assert!(page.contains("Finish moved 50 m"), "{page}");
}

#[tokio::test]
async fn race_control_a_node_that_joins_later_has_the_announcement_and_statuses() {
    let redis = Redis::start();
    let first = console_app(&["ana"], node(&redis)).await;
    let ana = session_cookie(&first, "ana").await;
    announce(&first, &ana, Some("Start delayed 10 min")).await;
    set_status(&first, &ana, "4", "dns", "ill").await;

    // The second node was down meanwhile: linked to Redis, it has both.
    let second = console_app(&["bea"], node(&redis)).await;
    let bea = session_cookie(&second, "bea").await;
    race_page_within_a_second(&second, &bea, |p| {
        p.contains("Start delayed 10 min") && p.contains("data-runner=\"4\"")
    })
    .await;
    assert_eq!(row(&second, 4).await["status"], "dns");
}
