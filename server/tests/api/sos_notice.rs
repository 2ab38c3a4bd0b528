//! The runner told when an organiser acknowledges, then resolves, their SOS: an `sos`
//! frame on the runner's own authenticated sockets, and on nobody else's (not a
//! spectator's following that runner, not another runner's).

use std::time::Duration;

use serde_json::{Value, json};
use spectate_server::config::Config;

use crate::{
    alerts::step,
    console_kit::{along, wait_for_alerts, with_demo_event},
    helpers::{Client, Seen, TestApp},
    roster::organiser_app,
    roster_revoke::token_of,
};

/// A socket authenticated with runner `bib`'s token.
async fn runner_socket(app: &TestApp, cookie: &str, bib: &str) -> Client {
    let token = token_of(app, cookie, bib).await;
    let mut socket = app.connect(&format!("/ws?token={token}")).await;
    socket.expect_welcome().await;
    assert_eq!(socket.next_json().await["type"], "authed");
    socket
}

/// Asserts that no `sos` frame reaches `socket` for `wait` (other frames may).
async fn no_sos_within(socket: &mut Client, wait: Duration, who: &str) {
    let deadline = tokio::time::Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
        let Some(Seen::Text(text)) = socket.next_within(left).await else {
            return;
        };
        let frame: Value = serde_json::from_str(&text).unwrap();
        assert_ne!(frame["type"], "sos", "{who} was told: {frame}");
    }
}

#[tokio::test]
async fn sos_notice_reaches_the_runners_own_sockets_only() {
    let config = Config {
        open_publishing: false,
        ..with_demo_event()
    };
    let (app, cookie) = organiser_app(config).await;
    let mut phone = runner_socket(&app, &cookie, "4").await;
    let mut laptop = runner_socket(&app, &cookie, "4").await;
    let mut other = runner_socket(&app, &cookie, "5").await;
    let mut spectator = app.connect("/ws").await;
    spectator.expect_welcome().await;
    spectator
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["board", "runner:4"]}))
        .await;

    let (lat, lng) = along(500.0);
    phone
        .send_json(json!({"type": "publish", "id": 1, "topic": "runner:4",
            "data": {"lat": lat, "lng": lng, "alarm": "sos"}}))
        .await;
    let ack = phone.until(|f| f["type"] == "ack").await;
    assert_eq!(ack["id"], 1);
    let alert = wait_for_alerts(&app, &cookie, 1).await.remove(0);
    let id = alert["id"].clone();

    let (status, body) = step(&app, &cookie, &id, "acknowledge").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let acknowledged: Value = serde_json::from_str(&body).unwrap();
    for socket in [&mut phone, &mut laptop] {
        let told = socket.until(|f| f["type"] == "sos").await;
        assert_eq!(
            (&told["alert"], &told["stage"], &told["at_ms"]),
            (
                &id,
                &json!("acknowledged"),
                &acknowledged["acknowledged"]["at_ms"]
            ),
            "{told}"
        );
        assert!(told.get("by").is_none(), "no organiser's name: {told}");
    }

    let (status, body) = step(&app, &cookie, &id, "resolve").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let told = phone.until(|f| f["type"] == "sos").await;
    assert_eq!(told["stage"], "resolved", "{told}");

    // A page opened (or reconnected) after the organiser acted is told at once.
    let mut reopened = runner_socket(&app, &cookie, "4").await;
    let told = reopened.next_json().await;
    assert_eq!(
        (
            told["type"].as_str(),
            told["stage"].as_str(),
            &told["alert"]
        ),
        (Some("sos"), Some("resolved"), &id),
        "{told}"
    );
    let mut late_other = runner_socket(&app, &cookie, "5").await;

    // A new SOS: a page that connects after it is not told of the one resolved.
    phone
        .send_json(json!({"type": "publish", "id": 2, "topic": "runner:4",
            "data": {"lat": lat, "lng": lng, "alarm": "sos"}}))
        .await;
    assert_eq!(phone.until(|f| f["type"] == "ack").await["id"], 2);
    let mut after_new = runner_socket(&app, &cookie, "4").await;

    let quiet = Duration::from_millis(600);
    no_sos_within(&mut late_other, quiet, "another runner, connected later").await;
    no_sos_within(&mut after_new, quiet, "a page after a new SOS").await;
    no_sos_within(&mut other, quiet, "another runner").await;
    no_sos_within(&mut spectator, quiet, "a spectator").await;
}
