//! Hardening for race day: what an anonymous client must not be able to do to
//! everyone else (issue 16's audit), each checked against the real server.

use std::{path::PathBuf, time::Duration};

use serde_json::{Value, json};
use spectate_server::{
    auth::{Subject, TokenKeys},
    config::{Config, Limits},
    event::Event,
    hub::now_ms,
};

use super::helpers::{Client, PATIENCE, TestApp, spawn_app_with};

fn demo_event() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")
}

/// A server tracking the demo event (12 runners) with these limits, publishing with
/// tokens only.
async fn event_server(limits: Limits) -> TestApp {
    spawn_app_with(Config {
        event: Some(demo_event()),
        open_publishing: false,
        limits,
        ..Config::for_tests()
    })
    .await
}

/// A tracker's fix for demo runner `n`, over the OsmAnd protocol; its status.
async fn osmand_fix(app: &TestApp, n: u32) -> u16 {
    let p = Event::demo().course.position_at(100.0);
    let url = app.url(&format!(
        "/api/osmand?id=demo-{n}&lat={}&lon={}&timestamp={}",
        p.lat(),
        p.lng(),
        now_ms() / 1000
    ));
    reqwest::get(url).await.unwrap().status().as_u16()
}

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
    // One client (with a token: it may follow any id) follows a runner of the event
    // and 255 ids nobody runs.
    let token = TokenKeys::new(b"test-secret-test-secret-test-secret!")
        .issue(&Subject::Admin, Duration::from_secs(600));
    let mut follower = app.connect(&format!("/ws?token={token}")).await;
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

#[tokio::test]
async fn an_anonymous_follower_cannot_bring_runners_outside_the_event_into_memory() {
    let app = event_server(Limits::default()).await;
    let before = app.stats().await.topics;
    let mut anonymous = app.connect("/ws").await;
    anonymous.expect_welcome().await;
    anonymous
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["runner:ghost-1"]}))
        .await;
    let refused = until(&mut anonymous, |f| f["id"] == 1).await;
    assert_eq!(refused["code"], "not_found", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("ghost-1"));
    // The event's runners are followed as ever.
    anonymous
        .send_json(json!({"type": "subscribe", "id": 2, "topics": ["runner:7"]}))
        .await;
    assert_eq!(until(&mut anonymous, |f| f["id"] == 2).await["type"], "ack");
    assert_eq!(app.stats().await.topics, before + 1);
    // A client with a token (here the organiser's) may follow any id.
    let token = TokenKeys::new(b"test-secret-test-secret-test-secret!")
        .issue(&Subject::Admin, Duration::from_secs(600));
    let mut organiser = app.connect(&format!("/ws?token={token}")).await;
    organiser.expect_welcome().await;
    organiser
        .send_json(json!({"type": "subscribe", "id": 3, "topics": ["runner:ghost-1"]}))
        .await;
    assert_eq!(until(&mut organiser, |f| f["id"] == 3).await["type"], "ack");
}

#[tokio::test]
async fn a_table_full_of_rooms_keeps_room_for_the_events_runners() {
    // 30 topics, of which 13 are kept for the 12 runners and presence.
    let app = event_server(Limits {
        max_topics: 30,
        ..Limits::default()
    })
    .await;
    let mut filler = app.connect("/ws").await;
    filler.expect_welcome().await;
    let rooms: Vec<String> = (0..40).map(|i| format!("room:r{i}")).collect();
    filler
        .send_json(json!({"type": "subscribe", "id": 1, "topics": rooms}))
        .await;
    let refused = until(&mut filler, |f| f["id"] == 1).await;
    assert_eq!(refused["code"], "limit_reached", "{refused}");
    // Every runner's first fix still gets a topic, and is published.
    for n in 1..=12 {
        assert_eq!(osmand_fix(&app, n).await, 200, "runner {n}");
    }
}

#[tokio::test]
async fn a_full_topic_table_asks_a_tracker_to_retry_never_to_give_up() {
    // A table too small even for the kept places: the fix is stored, and the tracker
    // is told 503 (send again), not 400 (which OsmAnd-protocol apps treat as final).
    let app = event_server(Limits {
        max_topics: 1,
        ..Limits::default()
    })
    .await;
    let mut status = osmand_fix(&app, 3).await;
    for n in 4..=6 {
        if status == 503 {
            break;
        }
        status = osmand_fix(&app, n).await;
    }
    assert_eq!(status, 503);
}

#[tokio::test]
async fn a_private_event_is_read_only_with_a_token_over_http_too() {
    let app = spawn_app_with(Config {
        event: Some(demo_event()),
        private: true,
        ..Config::for_tests()
    })
    .await;
    let http = reqwest::Client::new();
    let status = |path: &str, cookie: Option<&str>| {
        let mut request = http.get(app.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        async move { request.send().await.unwrap() }
    };
    // Nothing of the runners without a token.
    for path in [
        "/api/leaderboard",
        "/api/race",
        "/api/entrants",
        "/api/runners/3/track.gpx",
    ] {
        let response = status(path, None).await;
        assert_eq!(response.status(), 401, "{path}");
        assert!(response.text().await.unwrap().contains("private"), "{path}");
    }
    let closed = app.get_text("/").await;
    assert!(
        closed.contains("Spectate demo run"),
        "the course and the event's name"
    );
    assert!(!closed.contains("Ada Lovelace"), "no runner: {closed}");
    // A spectator's link: the page shows the runners and keeps the token in a cookie
    // that its reads and its socket then carry.
    let token = TokenKeys::new(b"test-secret-test-secret-test-secret!")
        .issue(&Subject::Spectator, Duration::from_secs(600));
    assert_eq!(
        status(&format!("/api/leaderboard?token={token}"), None)
            .await
            .status(),
        200
    );
    let page = status(&format!("/?token={token}"), None).await;
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with(&format!("spectate_token={token};"))
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(page.text().await.unwrap().contains("Ada Lovelace"));
    let jar = format!("spectate_token={token}");
    assert_eq!(status("/api/entrants", Some(&jar)).await.status(), 200);
    assert_eq!(
        status("/api/race", Some("spectate_token=forged"))
            .await
            .status(),
        401
    );
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{}/ws",
            app.addr
        ))
        .unwrap();
    request.headers_mut().insert("cookie", jar.parse().unwrap());
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut spectator = Client { ws };
    spectator.expect_welcome().await;
    assert_eq!(spectator.next_json().await["type"], "authed");
    spectator
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["runner:3"]}))
        .await;
    assert_eq!(until(&mut spectator, |f| f["id"] == 1).await["type"], "ack");
}
