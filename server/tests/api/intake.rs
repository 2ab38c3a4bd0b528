//! One way in for every fix (issue 16, items 6 and 7): whichever door a fix comes
//! through (a tracker over HTTP, `/ws`, the seed protocol, a batch), it passes the
//! same rules, is stored, and only then published.

use std::time::Duration;

use serde_json::{Value, json};
use spectate_server::hub::now_ms;

use super::{
    helpers::{Client, spawn_app, spawn_app_with},
    ingest::{follower, race, race_config, token},
};

/// A runner's phone on `/ws`, authenticated with the runner's token.
async fn phone(app: &super::helpers::TestApp, bib: &str) -> Client {
    let mut phone = app.connect(&format!("/ws?token={}", token(bib))).await;
    phone.expect_welcome().await;
    assert_eq!(phone.next_json().await["type"], "authed");
    phone
}

fn publish(id: u64, bib: &str, lat: f64, t: u64) -> Value {
    json!({"type": "publish", "id": id, "topic": format!("runner:{bib}"), "data": {"lat": lat, "lng": 2.3, "t": t}})
}

/// `GET /healthz`: its status and body.
async fn health(app: &super::helpers::TestApp) -> (u16, String) {
    let response = reqwest::get(app.url("/healthz")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_websocket_fix_the_store_refuses_is_never_published_and_healthz_says_why() {
    let config = race_config();
    let database = config.data_dir.join("spectate.db");
    let app = spawn_app_with(config).await;
    let mut fan = follower(&app, "12").await;
    let mut phone = phone(&app, "12").await;
    assert_eq!(health(&app).await.0, 200);
    // Another process holds the database's write lock: the server's write fails (after
    // SQLite's 5 s busy timeout), as it does on a full disk.
    let blocker = rusqlite::Connection::open(&database).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let fix = publish(1, "12", 48.7, now_ms() - 5_000);
    phone.send_json(fix.clone()).await;
    let refused = phone.next_json().await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("unavailable")),
        "{refused}"
    );
    // The phone was told to send it again: no follower may have seen it.
    fan.expect_silence(Duration::from_millis(300)).await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("the store cannot write"), "{body}");

    blocker.execute_batch("ROLLBACK").unwrap();
    drop(blocker);
    phone.send_json(fix).await;
    assert_eq!(phone.next_json().await, json!({"type": "ack", "id": 1}));
    let event = fan.next_json().await;
    assert_eq!(event["data"]["lat"], 48.7, "{event}");
    fan.expect_silence(Duration::from_millis(200)).await;
    assert_eq!(health(&app).await, (200, "ok".to_owned()));
}

#[tokio::test]
async fn websocket_fixes_pass_the_same_rules_as_trackers() {
    let app = race().await;
    let mut fan = follower(&app, "12").await;
    let mut phone = phone(&app, "12").await;
    let t = now_ms() - 60_000;
    phone.send_json(publish(1, "12", 48.7, t)).await;
    assert_eq!(phone.next_json().await, json!({"type": "ack", "id": 1}));
    assert_eq!(fan.next_json().await["data"]["lat"], 48.7);
    // 55 km in a second, the same fix again, and one older than the latest: each is
    // acknowledged (the phone may forget it) with what became of it, and none moves
    // the runner.
    phone.send_json(publish(2, "12", 49.2, t + 1_000)).await;
    assert_eq!(
        phone.next_json().await,
        json!({"type": "ack", "id": 2, "outcome": "impossible_jump"})
    );
    phone.send_json(publish(3, "12", 48.7, t)).await;
    assert_eq!(
        phone.next_json().await,
        json!({"type": "ack", "id": 3, "outcome": "duplicate"})
    );
    phone.send_json(publish(4, "12", 48.6999, t - 10_000)).await;
    assert_eq!(
        phone.next_json().await,
        json!({"type": "ack", "id": 4, "outcome": "late"})
    );
    fan.expect_silence(Duration::from_millis(200)).await;
    // The late fix belongs to the track; the jump and the duplicate do not.
    let gpx = app.get_text("/api/runners/12/track.gpx").await;
    assert_eq!(gpx.matches("<trkpt").count(), 2, "{gpx}");
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("spectate_ingest_total{outcome=\"impossible_jump\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn seed_protocol_fixes_are_stored_before_they_are_published() {
    let app = spawn_app().await;
    let mut watcher = app.connect("/spectate").await;
    watcher
        .send_json(json!({"initialRequest": true, "following": ["s1"], "userId": "w"}))
        .await;
    app.wait_for_stats("the follow", |s| s.subscriptions == 1)
        .await;
    let mut seed_phone = app.connect("/spectate").await;
    seed_phone
        .send_json(json!({"userId": "s1", "lat": 48.25, "lng": 2.5}))
        .await;
    assert_eq!(watcher.next_json().await["lat"], 48.25);
    // Published means stored: the track export has it.
    let gpx = app.get_text("/api/runners/s1/track.gpx").await;
    assert_eq!(gpx.matches("<trkpt").count(), 1, "{gpx}");
    assert!(gpx.contains("lat=\"48.25\""), "{gpx}");
}

#[tokio::test]
async fn a_refused_batch_stores_nothing_so_sending_it_again_duplicates_nothing() {
    let app = race().await;
    let http = reqwest::Client::new();
    let t = now_ms() - 60_000;
    let fix = |lat: f64, t: u64| json!({"runner": "7", "lat": lat, "lng": 2.3, "t": t});
    let post = |fixes: Value| {
        http.post(app.url("/api/fixes"))
            .bearer_auth(token("7"))
            .json(&fixes)
            .send()
    };
    // The third fix is from an hour ahead: the whole request is refused, and the two
    // before it were not stored either.
    let refused = post(json!([
        fix(48.7, t),
        fix(48.7001, t + 5_000),
        fix(48.7002, now_ms() + 3_600_000)
    ]))
    .await
    .unwrap();
    assert_eq!(refused.status(), 400);
    let message = refused.text().await.unwrap();
    let nothing = reqwest::get(app.url("/api/runners/7/track.gpx"))
        .await
        .unwrap();
    assert_eq!(nothing.status(), 404, "nothing was stored");
    assert!(
        message.contains("fix 2") && message.contains("future"),
        "{message}"
    );

    let taken = post(json!([fix(48.7, t), fix(48.7001, t + 5_000)]))
        .await
        .unwrap();
    assert_eq!(taken.status(), 200);
    let outcomes: Value = taken.json().await.unwrap();
    assert_eq!(outcomes, json!({"outcomes": ["published", "published"]}));
    let gpx = app.get_text("/api/runners/7/track.gpx").await;
    assert_eq!(gpx.matches("<trkpt").count(), 2, "{gpx}");
}

/// A phone that did not hear the answer sends its queue again: the fixes older than
/// the runner's latest are answered `late` again, but not stored twice.
#[tokio::test]
async fn a_resent_request_stores_none_of_its_fixes_twice() {
    let app = race().await;
    let http = reqwest::Client::new();
    let t = now_ms() - 60_000;
    let fix = |lat: f64, t: u64| json!({"runner": "7", "lat": lat, "lng": 2.3, "t": t});
    let queue = json!([
        fix(48.7, t),
        fix(48.7001, t + 5_000),
        fix(48.7002, t + 10_000)
    ]);
    for _ in 0..2 {
        let sent = http
            .post(app.url("/api/fixes"))
            .bearer_auth(token("7"))
            .json(&queue)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
    }
    let gpx = app.get_text("/api/runners/7/track.gpx").await;
    assert_eq!(gpx.matches("<trkpt").count(), 3, "{gpx}");
}
