//! The broadcast room, on the seed socket and on `/ws`.

use std::time::Duration;

use serde_json::json;
use spectate_server::config::Limits;

use crate::helpers::{spawn_app, spawn_app_with_limits};

#[tokio::test]
async fn a_message_reaches_everyone_else_but_not_the_sender() {
    let app = spawn_app().await;
    let mut a = app.connect("/room").await;
    let mut b = app.connect("/room").await;
    let mut c = app.connect("/room").await;
    let mut web = app.connect("/ws").await;
    web.expect_welcome().await;
    web.send_json(json!({"type": "subscribe", "topics": ["room:lobby"]}))
        .await;
    assert_eq!(web.next_json().await["type"], "snapshot");
    app.wait_for_stats("4 room members", |s| s.room_members == 4)
        .await;
    // The count comes at once, and again (throttled) as it changes.
    loop {
        let presence = web.next_json().await;
        assert_eq!(presence["type"], "presence", "{presence}");
        assert_eq!(presence["topic"], "room:lobby");
        if presence["online"] == 4 {
            break;
        }
    }

    a.send_text("hello from a").await;
    assert_eq!(b.next_text().await, "hello from a");
    assert_eq!(c.next_text().await, "hello from a");
    let relayed = web.next_json().await;
    assert_eq!(relayed["type"], "event");
    assert_eq!(relayed["data"]["text"], "hello from a");
    a.expect_silence(Duration::from_millis(200)).await;

    web.send_json(json!({"type": "publish", "topic": "room:lobby", "data": {"text": "<b>hi</b> from the web"}}))
        .await;
    for seed in [&mut a, &mut b, &mut c] {
        assert_eq!(seed.next_text().await, "<b>hi</b> from the web");
    }
    web.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn oversized_and_too_fast_messages_get_clear_errors() {
    let limits = Limits {
        room_max_chars: 20,
        room_burst: 3,
        room_per_second: 0.5,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let mut a = app.connect("/room").await;
    let mut b = app.connect("/room").await;
    app.wait_for_stats("2 members", |s| s.room_members == 2)
        .await;

    a.send_text("x".repeat(21)).await;
    let error = a.next_json().await;
    assert_eq!(error["error"]["code"], "too_large", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("20 characters")
    );

    for i in 0..3 {
        a.send_text(format!("m{i}")).await;
    }
    a.send_text("one too many").await;
    let error = a.next_json().await;
    assert_eq!(error["error"]["code"], "rate_limited", "{error}");
    for i in 0..3 {
        assert_eq!(b.next_text().await, format!("m{i}"));
    }
    b.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn ws_room_send_needs_a_join_first() {
    let app = spawn_app().await;
    let mut web = app.connect("/ws").await;
    web.expect_welcome().await;
    web.send_json(json!({"type": "publish", "topic": "room:lobby", "data": {"text": "hi"}}))
        .await;
    let error = web.next_json().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "bad_message");
}
