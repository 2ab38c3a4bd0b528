//! Hardening for race day: what an anonymous client must not be able to do to
//! everyone else (issue 16's audit), each checked against the real server.

use std::{path::PathBuf, time::Duration};

use serde_json::{Value, json};
use spectate_server::config::{Config, Limits};

use super::helpers::{Client, PATIENCE, spawn_app_with};

/// Reads `client` until a frame satisfies `ok`.
async fn until(client: &mut Client, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        assert!(tokio::time::Instant::now() < deadline, "timed out");
        let frame = client.next_json().await;
        if ok(&frame) {
            return frame;
        }
    }
}

#[tokio::test]
async fn presence_counts_only_the_events_runners_however_many_ids_are_followed() {
    let app = spawn_app_with(Config {
        event: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")),
        ..Config::for_tests()
    })
    .await;
    // One client follows a runner of the event and 255 ids nobody runs.
    let mut follower = app.connect("/ws").await;
    follower.expect_welcome().await;
    let mut topics: Vec<String> = (0..255).map(|i| format!("runner:ghost-{i}")).collect();
    topics.push("runner:3".into());
    follower
        .send_json(json!({"type": "subscribe", "id": 1, "topics": topics}))
        .await;
    until(&mut follower, |f| f["type"] == "ack").await;
    let mut watcher = app.connect("/ws").await;
    watcher.expect_welcome().await;
    watcher
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["presence"]}))
        .await;
    let presence = until(&mut watcher, |f| f["type"] == "presence").await;
    assert_eq!(presence["followers"], json!({"3": 1}), "{presence}");
}

#[tokio::test]
async fn a_room_nobody_listens_to_leaves_memory_once_its_history_ages_out() {
    let app = spawn_app_with(Config {
        limits: Limits {
            history_age: Duration::from_secs(1),
            ..Limits::default()
        },
        ..Config::for_tests()
    })
    .await;
    let before = app.stats().await.topics;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    client
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["room:once"]}))
        .await;
    until(&mut client, |f| f["type"] == "ack").await;
    client
        .send_json(
            json!({"type": "publish", "id": 2, "topic": "room:once", "data": {"text": "hello"}}),
        )
        .await;
    until(&mut client, |f| f["id"] == 2).await;
    client
        .send_json(json!({"type": "unsubscribe", "id": 3, "topics": ["room:once"]}))
        .await;
    until(&mut client, |f| f["id"] == 3).await;
    assert_eq!(
        app.stats().await.topics,
        before + 1,
        "the room keeps its message"
    );
    // Its history ages out (1 s), and the sweep (every second here) lets it go.
    app.wait_for_stats("the idle room to leave", |s| s.topics == before)
        .await;
}
