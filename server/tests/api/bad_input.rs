//! Bad input gets a clear error frame or close code, and nobody else is disturbed.

use std::time::Duration;

use futures::SinkExt;
use serde_json::json;
use spectate_server::config::{Config, Limits};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Client, TestApp, raw_upgrade, spawn_app_with, spawn_app_with_limits};

fn small_frames() -> Config {
    Config {
        limits: Limits {
            max_frame_bytes: 1024,
            ..Limits::default()
        },
        ..Config::for_tests()
    }
}

/// A bystander that follows runner 900; `check` asserts it still gets fixes.
async fn bystander(app: &TestApp) -> (Client, Client) {
    let mut watcher = app.connect("/").await;
    watcher
        .send_json(json!({"initialRequest": true, "following": [900]}))
        .await;
    let publisher = app.connect("/").await;
    app.wait_for_stats("the bystander's follow", |s| s.subscriptions >= 1)
        .await;
    (watcher, publisher)
}

async fn still_served(watcher: &mut Client, publisher: &mut Client, lat: f64) {
    publisher
        .send_json(json!({"userId": 900, "lat": lat, "lng": 0.0}))
        .await;
    assert_eq!(
        watcher.next_json().await,
        json!({"userId": 900, "lat": lat, "lng": 0.0})
    );
}

#[tokio::test]
async fn seed_socket_answers_each_bad_frame_with_an_error_and_keeps_going() {
    let app = spawn_app_with(small_frames()).await;
    let (mut watcher, mut publisher) = bystander(&app).await;
    let mut bad = app.connect("/").await;
    let cases = [
        ("{\"initialRequest\":true,", "bad_json"),
        ("[1,2,3]", "bad_message"),
        ("{\"what\":1}", "bad_message"),
        ("{\"userId\":1,\"lat\":\"north\",\"lng\":2}", "bad_message"),
        ("{\"userId\":1,\"lng\":2}", "bad_message"),
        (
            "{\"initialRequest\":true,\"following\":\"1\"}",
            "bad_message",
        ),
        ("{\"userId\":1,\"lat\":91,\"lng\":2}", "bad_coordinates"),
        ("{\"userId\":1,\"lat\":1,\"lng\":-180.5}", "bad_coordinates"),
        ("{\"userId\":1,\"lat\":1e400,\"lng\":2}", "bad_json"),
        ("{\"userId\":[1],\"lat\":1,\"lng\":2}", "bad_id"),
        ("{\"userId\":\"<script>\",\"lat\":1,\"lng\":2}", "bad_id"),
        ("{\"userId\":1.5,\"lat\":1,\"lng\":2}", "bad_id"),
    ];
    for (i, (frame, code)) in cases.iter().enumerate() {
        bad.send_text(*frame).await;
        let error = bad.next_json().await;
        assert_eq!(error["error"]["code"], *code, "{frame} -> {error}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
        still_served(&mut watcher, &mut publisher, i as f64).await;
    }
    // The same connection still works after all that.
    bad.send_json(json!({"initialRequest": true, "following": [900]}))
        .await;
    app.wait_for_stats("the bad client's follow", |s| s.subscriptions == 2)
        .await;
    still_served(&mut watcher, &mut publisher, 42.0).await;
    assert_eq!(bad.next_json().await["userId"], 900);
}

#[tokio::test]
async fn binary_frames_close_with_1003_and_a_reason() {
    let app = spawn_app_with(small_frames()).await;
    let (mut watcher, mut publisher) = bystander(&app).await;
    for path in ["/", "/ws", "/room", "/happiness"] {
        let mut client = app.connect(path).await;
        client
            .ws
            .send(Message::Binary(vec![1u8, 2, 3].into()))
            .await
            .unwrap();
        let (code, reason) = client.expect_close().await;
        assert_eq!(code, 1003, "{path}");
        assert!(reason.contains("binary"), "{path}: {reason}");
    }
    still_served(&mut watcher, &mut publisher, 1.0).await;
}

#[tokio::test]
async fn oversized_frames_close_with_1009_and_a_reason() {
    let app = spawn_app_with(small_frames()).await;
    let (mut watcher, mut publisher) = bystander(&app).await;
    for (path, size) in [
        ("/", 2000),
        ("/ws", 2000),
        ("/room", 2000),
        ("/", 1_000_000),
    ] {
        let mut client = app.connect(path).await;
        client.send_text("x".repeat(size)).await;
        let (code, reason) = client.expect_close().await;
        assert_eq!(code, 1009, "{path} {size}");
        assert!(reason.contains("limit"), "{path}: {reason}");
    }
    still_served(&mut watcher, &mut publisher, 2.0).await;
}

#[tokio::test]
async fn app_socket_rejects_bad_messages_with_error_frames() {
    let app = spawn_app_with(small_frames()).await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    let cases = [
        ("nonsense", "bad_json"),
        ("{\"type\":\"fly\"}", "bad_message"),
        ("{\"topics\":[\"runner:1\"]}", "bad_message"),
        (
            "{\"type\":\"subscribe\",\"topics\":\"runner:7\"}",
            "bad_message",
        ),
        (
            "{\"type\":\"subscribe\",\"topics\":[\"runner:a b\"]}",
            "bad_id",
        ),
        (
            "{\"type\":\"subscribe\",\"topics\":[\"city:paris\"]}",
            "bad_message",
        ),
        (
            "{\"type\":\"publish\",\"topic\":\"runner:1\",\"data\":{\"lat\":100,\"lng\":0}}",
            "bad_coordinates",
        ),
        (
            "{\"type\":\"publish\",\"topic\":\"series:s\",\"data\":{\"text\":\"x\"}}",
            "bad_message",
        ),
        (
            "{\"type\":\"publish\",\"topic\":\"room:lobby\",\"data\":{\"text\":\"x\"}}",
            "bad_message",
        ),
    ];
    for (frame, code) in cases {
        client.send_text(frame).await;
        let error = client.next_json().await;
        assert_eq!(error["type"], "error", "{frame}");
        assert_eq!(error["code"], code, "{frame} -> {error}");
    }
    // The connection still works after all that.
    client
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["runner:1"]}))
        .await;
    assert_eq!(client.next_json().await["type"], "snapshot");
    assert_eq!(client.next_json().await, json!({"type": "ack", "id": 1}));
    client
        .send_json(
            json!({"type": "publish", "topic": "runner:1", "data": {"lat": 1.0, "lng": 2.0}}),
        )
        .await;
    assert_eq!(client.next_json().await["type"], "event");
}

#[tokio::test]
async fn the_topic_limit_is_enforced_all_or_nothing() {
    let limits = Limits {
        max_topics_per_conn: 3,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    let four = ["runner:1", "runner:2", "runner:3", "series:happiness"];
    client
        .send_json(json!({"type": "subscribe", "id": 1, "topics": four}))
        .await;
    let error = client.next_json().await;
    assert_eq!(
        (error["code"].as_str(), error["id"].as_u64()),
        (Some("limit_reached"), Some(1)),
        "{error}"
    );
    client
        .send_json(json!({"type": "subscribe", "id": 2, "topics": &four[..3]}))
        .await;
    for _ in 0..3 {
        assert_eq!(client.next_json().await["type"], "snapshot");
    }
    assert_eq!(client.next_json().await, json!({"type": "ack", "id": 2}));
    app.wait_for_stats("three follows", |s| s.subscriptions == 3)
        .await;
    client.expect_silence(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_handshake_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = Limits {
        handshake_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    // Half a request line, then nothing (slowloris).
    slow.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf))
        .await
        .expect("the server closes the connection");
    // Closed (0 bytes) or answered with an error status: either way, not held open.
    if let Ok(n) = read {
        assert!(n == 0 || buf.starts_with(b"HTTP/1.1 4"), "{:?}", &buf[..n]);
    }
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    // A prompt client is served as usual.
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
}

#[tokio::test]
async fn past_the_server_wide_limit_connections_get_503_with_the_reason() {
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let _a = app.connect("/ws").await;
    let _b = app.connect("/spectate").await;
    let response = raw_upgrade(&app, "/ws").await;
    assert_eq!(response.status(), 503);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("limit of 2 connections")
    );
}
