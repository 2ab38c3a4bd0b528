//! The spectators' search kept live: the `board` frame carries the field's version,
//! the same as `/api/race`'s, and a new one is pushed when the console changes the
//! field (so open pages read `/api/entrants` again), not on every tick.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    console_kit::with_demo_event,
    helpers::{Client, Seen},
    roster::{entrants, organiser_app, post_form},
};

/// The next `board` frame on `client`.
async fn board_frame(client: &mut Client) -> Value {
    client.until(|f| f["type"] == "board").await
}

#[tokio::test]
async fn field_version_is_pushed_on_board_when_a_runner_is_added_and_only_then() {
    let (app, cookie) = organiser_app(with_demo_event()).await;
    let mut page = app.connect("/ws").await;
    page.expect_welcome().await;
    page.send_json(json!({"type": "subscribe", "id": 1, "topics": ["board"]}))
        .await;
    let first = board_frame(&mut page).await;
    let before = first["field"].as_str().expect("a field version").to_owned();
    assert_eq!(before.len(), 16, "{first}");
    let view = app.get_json("/api/race").await;
    assert_eq!(view["event"]["field"], json!(before), "the first paint's");

    let added = post_form(
        &app,
        &cookie,
        "/admin/runners",
        &[("bib", "77"), ("name", "Quentin Quokka")],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let next = board_frame(&mut page).await;
    let after = next["field"].as_str().expect("a field version").to_owned();
    assert_ne!(after, before, "{next}");
    assert_eq!(next["runners"], 13);
    assert_eq!(
        app.get_json("/api/race").await["event"]["field"],
        json!(after)
    );
    assert!(
        entrants(&app)
            .await
            .contains(&("77".into(), "Quentin Quokka".into()))
    );

    // Nothing changes: no board frame at all, whatever the ticks (every 50 ms here).
    let quiet = tokio::time::Instant::now() + Duration::from_millis(600);
    while let Some(left) = quiet.checked_duration_since(tokio::time::Instant::now()) {
        match page.next_within(left).await {
            Some(Seen::Text(text)) => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                assert_ne!(frame["type"], "board", "sent again: {frame}");
            }
            Some(Seen::Closed(frame)) => panic!("closed: {frame:?}"),
            None => break,
        }
    }
}
