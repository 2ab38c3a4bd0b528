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

/// The next frame that is not a `presence` (room counts come whenever they change).
async fn next_not_presence(client: &mut crate::helpers::Client) -> serde_json::Value {
    loop {
        let frame = client.next_json().await;
        if frame["type"] != "presence" {
            return frame;
        }
    }
}

#[tokio::test]
async fn a_later_joiner_gets_the_last_twenty_cheers_with_their_names() {
    let limits = Limits {
        room_burst: 100,
        publish_burst: 100,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let mut fan = app.connect("/ws").await;
    fan.expect_welcome().await;
    fan.send_json(json!({"type": "subscribe", "id": 1, "topics": ["room:cheer-7"]}))
        .await;
    while next_not_presence(&mut fan).await["id"] != 1 {}
    // 25 cheers: signed, and one unsigned as an older page sends them.
    for i in 1..=25 {
        let data = if i == 25 {
            json!({"text": "unsigned"})
        } else {
            json!({"text": format!("cheer {i}"), "name": "Zoé"})
        };
        fan.send_json(
            json!({"type": "publish", "id": 100 + i, "topic": "room:cheer-7", "data": data}),
        )
        .await;
        let ack = next_not_presence(&mut fan).await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }

    // Someone opens the page later: the snapshot carries the last 20, oldest first.
    let mut later = app.connect("/ws").await;
    later.expect_welcome().await;
    later
        .send_json(json!({"type": "subscribe", "topics": ["room:cheer-7"]}))
        .await;
    let header = next_not_presence(&mut later).await;
    assert_eq!(header["type"], "snapshot", "{header}");
    assert_eq!(header["resumed"], false);
    assert_eq!(header["count"], 20, "{header}");
    let mut said = Vec::new();
    for _ in 0..20 {
        let event = next_not_presence(&mut later).await;
        assert_eq!(event["type"], "event", "{event}");
        said.push(event["data"].clone());
    }
    assert_eq!(said[0]["text"], "cheer 6");
    assert_eq!(said[0]["name"], "Zoé");
    assert_eq!(said[18]["text"], "cheer 24");
    // The unsigned cheer has no name at all (an older client's shape).
    assert_eq!(said[19], json!({"text": "unsigned", "ts": said[19]["ts"]}));

    // A seed client joining the lobby gets no history: its protocol has no snapshot.
    let mut web = app.connect("/ws").await;
    web.expect_welcome().await;
    web.send_json(json!({"type": "subscribe", "topics": ["room:lobby"]}))
        .await;
    assert_eq!(next_not_presence(&mut web).await["type"], "snapshot");
    web.send_json(json!({"type": "publish", "topic": "room:lobby", "data": {"text": "before", "name": "Ann"}}))
        .await;
    let mut seed = app.connect("/room").await;
    // Two in the cheer room, two in the lobby.
    app.wait_for_stats("4 room members", |s| s.room_members == 4)
        .await;
    seed.expect_silence(Duration::from_millis(300)).await;
    // Live, the seed client gets the text alone, as ever.
    web.send_json(
        json!({"type": "publish", "topic": "room:lobby", "data": {"text": "after", "name": "Ann"}}),
    )
    .await;
    assert_eq!(seed.next_text().await, "after");
}

#[tokio::test]
async fn a_bad_name_is_refused_with_a_clear_error() {
    let app = spawn_app().await;
    let mut web = app.connect("/ws").await;
    web.expect_welcome().await;
    web.send_json(json!({"type": "subscribe", "topics": ["room:lobby"]}))
        .await;
    assert_eq!(next_not_presence(&mut web).await["type"], "snapshot");
    let long = "n".repeat(41);
    for (id, name, code, says) in [
        (1, long.as_str(), "too_large", "at most 40 characters"),
        (2, "line\nbreak", "bad_message", "control characters"),
        (3, "   ", "bad_message", "cannot be empty"),
    ] {
        web.send_json(json!({"type": "publish", "id": id, "topic": "room:lobby", "data": {"text": "hi", "name": name}}))
            .await;
        let error = next_not_presence(&mut web).await;
        assert_eq!(error["type"], "error", "{error}");
        assert_eq!(error["id"], id);
        assert_eq!(error["code"], code, "{error}");
        assert!(error["message"].as_str().unwrap().contains(says), "{error}");
    }
}
