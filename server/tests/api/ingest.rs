//! Tracker apps over HTTP: OwnTracks and the OsmAnd protocol (Traccar Client), into
//! the same topics the map follows.

use std::{path::PathBuf, time::Duration};

use base64::Engine;
use serde_json::json;
use spectate_app::protocol::RunnerId;
use spectate_server::{
    auth::{Subject, TokenKeys},
    config::Config,
    hub::now_ms,
};

use crate::helpers::{Client, TestApp, spawn_app_with};

pub(crate) const SECRET: &str = "ingest-test-secret-ingest-test-secret!";

/// A closed server tracking the demo event.
pub(crate) fn race_config() -> Config {
    Config {
        open_publishing: false,
        secret: Some(SECRET.to_owned()),
        event: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")),
        ..Config::for_tests()
    }
}

pub(crate) async fn race() -> TestApp {
    spawn_app_with(race_config()).await
}

pub(crate) fn token(bib: &str) -> String {
    TokenKeys::new(SECRET.as_bytes()).issue(
        &Subject::Runner(RunnerId::parse(bib).unwrap()),
        Duration::from_secs(600),
    )
}

pub(crate) async fn follower(app: &TestApp, bib: &str) -> Client {
    follower_at(app, bib, "/ws").await
}

/// A follower connected at `path` (with a `?token=`, it may follow a runner who is
/// not in the event).
async fn follower_at(app: &TestApp, bib: &str, path: &str) -> Client {
    let mut client = app.connect(path).await;
    client.expect_welcome().await;
    if path.contains("token=") {
        assert_eq!(client.next_json().await["type"], "authed");
    }
    client
        .send_json(json!({"type": "subscribe", "id": 1, "topics": [format!("runner:{bib}")]}))
        .await;
    assert_eq!(client.next_json().await["type"], "snapshot");
    assert_eq!(client.next_json().await["type"], "ack");
    client
}

pub(crate) fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

#[tokio::test]
async fn owntracks_posts_with_bib_and_token_reach_the_followers() {
    let app = race().await;
    let mut fan = follower(&app, "3").await;
    let http = reqwest::Client::new();
    let location = json!({"_type": "location", "lat": 48.5, "lon": 2.25, "tst": now_ms() / 1000, "vel": 12, "acc": 5, "batt": 80, "tid": "a3"});
    let post = |auth: Option<String>, body: serde_json::Value| {
        let mut request = http.post(app.url("/api/owntracks")).json(&body);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.send()
    };

    let ok = post(Some(basic("3", &token("3"))), location.clone())
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["x-spectate-outcome"], "published");
    assert_eq!(ok.text().await.unwrap(), "[]");
    let event = fan.next_json().await;
    assert_eq!(
        (event["topic"].as_str(), event["data"]["lat"].as_f64()),
        (Some("runner:3"), Some(48.5))
    );

    // Other message types are fine and ignored.
    let waypoint = post(
        Some(basic("3", &token("3"))),
        json!({"_type": "waypoint", "desc": "home"}),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            waypoint.status().as_u16(),
            waypoint.headers().get("x-spectate-outcome").is_none()
        ),
        (200, true)
    );

    let missing = post(None, location.clone()).await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(missing.text().await.unwrap().contains("Basic auth"));
    let someone_else = post(Some(basic("3", &token("4"))), location.clone())
        .await
        .unwrap();
    assert_eq!(someone_else.status(), 403);
    let forged = post(Some(basic("3", "garbage")), location.clone())
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let bad = post(
        Some(basic("3", &token("3"))),
        json!({"_type": "location", "lat": 95, "lon": 0}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    let not_json = http
        .post(app.url("/api/owntracks"))
        .body("lat=1")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    fan.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn osmand_and_traccar_client_fixes_reach_the_followers_and_the_rules_hold() {
    let app = race().await;
    let mut fan = follower(&app, "5").await;
    let http = reqwest::Client::new();
    let t = now_ms() / 1000 - 60;

    // Query parameters (GET), as OsmAnd sends them.
    let get = http
        .get(app.url(&format!(
            "/api/osmand?id=demo-5&lat=48.5&lon=2.25&timestamp={t}&speed=5"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            get.status().as_u16(),
            get.headers()["x-spectate-outcome"].to_str().unwrap()
        ),
        (200, "published")
    );
    let event = fan.next_json().await;
    assert_eq!(event["data"]["lat"], 48.5);
    // The device's time travels with the fix; `ts` is when the server got it.
    assert_eq!(event["data"]["t"], t * 1000, "{event}");
    assert!(
        event["data"]["ts"].as_u64().unwrap() >= t * 1000 + 59_000,
        "{event}"
    );

    // A form body (POST) with location=lat,lon and a time in milliseconds.
    let form = http
        .post(app.url("/api/osmand"))
        .form(&[
            ("deviceid", "demo-5"),
            ("location", "48.5001,2.25"),
            ("timestamp", &format!("{}", (t + 10) * 1000)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.headers()["x-spectate-outcome"], "published");
    assert_eq!(fan.next_json().await["data"]["lat"], 48.5001);

    // Traccar Client 9's JSON.
    let iso = time::OffsetDateTime::from_unix_timestamp((t + 20) as i64)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let traccar = json!({"location": {"timestamp": iso, "coords": {"latitude": 48.5002, "longitude": 2.25, "accuracy": 4, "speed": 3.2, "heading": 0, "altitude": 30}, "battery": {"level": 0.5}}, "device_id": "demo-5"});
    let json_post = http
        .post(app.url("/api/osmand"))
        .json(&traccar)
        .send()
        .await
        .unwrap();
    assert_eq!(json_post.headers()["x-spectate-outcome"], "published");
    assert_eq!(fan.next_json().await["data"]["lat"], 48.5002);

    // The rules: a late fix and a teleport are not published; the duplicate neither.
    let outcome = |query: String| {
        let http = http.clone();
        let url = app.url(&format!("/api/osmand?{query}"));
        async move {
            let response = http.get(url).send().await.unwrap();
            (
                response.status().as_u16(),
                response
                    .headers()
                    .get("x-spectate-outcome")
                    .map(|v| v.to_str().unwrap().to_owned()),
            )
        }
    };
    assert_eq!(
        outcome(format!("id=demo-5&lat=48.5&lon=2.25&timestamp={t}")).await,
        (200, Some("late".into()))
    );
    assert_eq!(
        outcome(format!("id=demo-5&lat=48.6&lon=2.25&timestamp={}", t + 30)).await,
        (200, Some("impossible_jump".into()))
    );
    assert_eq!(
        outcome(format!(
            "id=demo-5&lat=48.5002&lon=2.25&timestamp={}",
            t + 20
        ))
        .await,
        (200, Some("duplicate".into()))
    );
    assert_eq!(
        outcome(format!("id=nobody&lat=48.5&lon=2.25&timestamp={t}"))
            .await
            .0,
        404
    );
    assert_eq!(
        outcome(format!(
            "id=demo-5&lat=48.5&lon=2.25&timestamp={}",
            t + 86_400
        ))
        .await
        .0,
        400
    );
    assert_eq!(outcome("id=demo-5&lat=north&lon=2".into()).await.0, 400);
    fan.expect_silence(Duration::from_millis(200)).await;

    let metrics = app.get_text("/metrics").await;
    for line in [
        "spectate_ingest_total{outcome=\"published\"} 3",
        "spectate_ingest_total{outcome=\"late\"} 1",
        "spectate_ingest_total{outcome=\"impossible_jump\"} 1",
        "spectate_ingest_total{outcome=\"far_future\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn stored_fixes_come_back_after_a_restart_and_export_as_gpx() {
    let data_dir = std::env::temp_dir().join(format!("spectate-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let config = || Config {
        data_dir: data_dir.clone(),
        ..Config {
            open_publishing: false,
            secret: Some(SECRET.to_owned()),
            event: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")),
            ..Config::for_tests()
        }
    };
    let t = now_ms() / 1000 - 100;
    let mut first = spawn_app_with(config()).await;
    let http = reqwest::Client::new();
    for (i, lat) in [48.5, 48.5001, 48.5002].into_iter().enumerate() {
        let url = first.url(&format!(
            "/api/osmand?id=demo-8&lat={lat}&lon=2.25&timestamp={}",
            t + 10 * i as u64
        ));
        let response = http.get(url).send().await.unwrap();
        assert_eq!(response.headers()["x-spectate-outcome"], "published");
    }
    first.stop();
    first.task.take().unwrap().await.unwrap().unwrap();

    let second = spawn_app_with(config()).await;
    let mut fan = second.connect("/ws").await;
    fan.expect_welcome().await;
    fan.send_json(json!({"type": "subscribe", "topics": ["runner:8"]}))
        .await;
    let header = fan.next_json().await;
    assert_eq!(header["count"], 3, "{header}");
    let mut lats = Vec::new();
    for _ in 0..3 {
        lats.push(fan.next_json().await["data"]["lat"].as_f64().unwrap());
    }
    assert_eq!(lats, [48.5, 48.5001, 48.5002]);

    // The rules remember the latest across the restart.
    let again = http
        .get(second.url(&format!(
            "/api/osmand?id=demo-8&lat=48.5002&lon=2.25&timestamp={}",
            t + 20
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["x-spectate-outcome"], "duplicate");

    let gpx = http
        .get(second.url("/api/runners/8/track.gpx"))
        .send()
        .await
        .unwrap();
    assert_eq!(gpx.status(), 200);
    assert_eq!(gpx.headers()["content-type"], "application/gpx+xml");
    let text = gpx.text().await.unwrap();
    assert_eq!(text.matches("<trkpt").count(), 3, "{text}");
    assert!(text.contains("John McCarthy (8)"), "{text}");
    let missing = http
        .get(second.url("/api/runners/9/track.gpx"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn the_leaderboard_orders_runners_by_progress_along_the_course() {
    let app = race().await;
    let http = reqwest::Client::new();
    let course = spectate_server::event::Event::demo().course;
    let t = now_ms() / 1000 - 250;
    // Runner 2 covers 1.2 km in 4 minutes, runner 9 covers 600 m.
    for i in 0..=4u64 {
        for (device, metres) in [("demo-2", 300.0), ("demo-9", 150.0)] {
            let p = course.position_at(metres * i as f64);
            let url = app.url(&format!(
                "/api/osmand?id={device}&lat={}&lon={}&timestamp={}",
                p.lat(),
                p.lng(),
                t + 60 * i
            ));
            let response = http.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200);
        }
    }
    let board: serde_json::Value = app.get_json("/api/leaderboard").await;
    assert_eq!(board["event"], "Spectate demo run");
    let standings = board["standings"].as_array().unwrap();
    assert_eq!(standings.len(), 12);
    assert_eq!(
        (
            standings[0]["bib"].as_i64(),
            standings[0]["status"].as_str()
        ),
        (Some(2), Some("running"))
    );
    assert!(
        (standings[0]["distance_m"].as_f64().unwrap() - 1200.0).abs() < 20.0,
        "{}",
        standings[0]
    );
    assert_eq!(standings[0]["next_checkpoint"]["name"], "3 km");
    // Pace from the devices' times (1.2 km in 4 min = 200 s/km), not arrival times.
    let pace = standings[0]["pace_s_per_km"].as_f64().unwrap();
    assert!((pace - 200.0).abs() < 10.0, "{pace}");
    assert_eq!(standings[1]["bib"], 9);
    assert!(
        (standings[1]["gap_m"].as_f64().unwrap() - 600.0).abs() < 30.0,
        "{}",
        standings[1]
    );
    assert_eq!(standings[2]["status"], "not_started");

    let none = spawn_app_with(Config::for_tests()).await;
    let missing = reqwest::get(none.url("/api/leaderboard")).await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_race_view_and_the_first_paint_carry_the_event_board_and_positions() {
    let app = race().await;
    let course = spectate_server::event::Event::demo().course;
    let t = now_ms() / 1000 - 130;
    let http = reqwest::Client::new();
    for i in 0..=2u64 {
        let p = course.position_at(400.0 * i as f64);
        let url = app.url(&format!(
            "/api/osmand?id=demo-5&lat={}&lon={}&timestamp={}",
            p.lat(),
            p.lng(),
            t + 60 * i
        ));
        assert_eq!(http.get(url).send().await.unwrap().status(), 200);
    }
    let view: serde_json::Value = app.get_json("/api/race").await;
    let event = &view["event"];
    assert_eq!(event["name"], "Spectate demo run");
    let line = event["line"].as_array().unwrap();
    // A 12.8 km course at a point per 25 m.
    assert!((500..=530).contains(&line.len()), "{}", line.len());
    let marks: Vec<&str> = event["marks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(marks, ["Start", "3 km", "Halfway", "10 km", "Finish"]);
    assert_eq!(event["entrants"].as_array().unwrap().len(), 12);
    // The course's elevation profile, a point per 100 m, from the GPX file's <ele>.
    let profile = event["profile"].as_array().unwrap();
    assert_eq!(
        profile.len(),
        130,
        "0 to 12.82 km every 100 m, and the finish"
    );
    let heights: Vec<f64> = profile.iter().map(|p| p[1].as_f64().unwrap()).collect();
    let (low, high) = heights
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &e| (l.min(e), h.max(e)));
    assert!(
        low > 0.0 && high < 1000.0 && high - low > 10.0,
        "{low}..{high}"
    );
    assert_eq!(event["entrants"][0]["name"], "Ada Lovelace");
    let leader = &view["board"]["standings"][0];
    assert_eq!(leader["bib"], 5);
    let at = course.position_at(800.0);
    assert!(
        (leader["at"][0].as_f64().unwrap() - at.lat()).abs() < 1e-6,
        "{leader}"
    );
    assert!(
        (leader["at"][1].as_f64().unwrap() - at.lng()).abs() < 1e-6,
        "{leader}"
    );
    assert!(view["tiles"].is_null(), "tests run without tiles");

    // The page is rendered from the same view: the event, the leaderboard with the
    // leader first, and the static map's marker at the last position.
    let html = app.get_text("/?follow=5").await;
    assert!(html.contains("<h1>Spectate demo run"), "{html}");
    assert!(html.contains("12.8 km course · 12 runners"), "{html}");
    let board_row = html.find(r#"<tr data-runner="5" data-status="running""#);
    let other_row = html.find(r#"<tr data-runner="1" data-status="not started""#);
    assert!(board_row.is_some() && other_row.is_some(), "{html}");
    assert!(board_row < other_row, "the leader comes first");
    assert!(
        html.contains(r#"<g data-runner="5""#) && html.contains(r#"class="runner followed">"#),
        "{html}"
    );
    assert!(
        html.contains("Ada Lovelace"),
        "entrants are searchable: {html}"
    );
    // The runner panel of the followed runner, with the distance.
    assert!(
        html.contains(
            r#"<section data-runner="5" aria-labelledby="runner-title" class="panel runner-panel">"#
        ),
        "{html}"
    );
    assert!(html.contains("800 m"), "{html}");
}

#[tokio::test]
async fn the_simulator_runs_the_event_through_all_three_ways_in() {
    let app = race().await;
    let event = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["simulate", "--url", &app.url(""), "--secret", SECRET])
        .args(["--runners", "6", "--speed", "60", "--seconds", "2"])
        .arg("--event")
        .arg(&event)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let totals: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(totals["refused"], 0, "{totals}");
    assert!(totals["sent"].as_u64().unwrap() >= 6 * 10, "{totals}");

    let board: serde_json::Value = app.get_json("/api/leaderboard").await;
    let moving = board["standings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["distance_m"].as_f64().unwrap() > 100.0)
        .count();
    // Bibs 1 and 4 came through OsmAnd, 2 and 5 OwnTracks, 3 and 6 the WebSocket.
    assert_eq!(moving, 6, "{board}");
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("spectate_ingest_total{outcome=\"published\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_batch_of_fixes_is_checked_whole_then_each_fix_gets_its_outcome() {
    let app = race().await;
    let mut fan = follower(&app, "11").await;
    let http = reqwest::Client::new();
    let t = now_ms() - 60_000;
    let post = |token: Option<String>, body: serde_json::Value| {
        let mut request = http.post(app.url("/api/fixes")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    // Out of order on purpose: the newest stays live.
    let batch = json!([
        {"runner": 11, "lat": 48.5002, "lng": 2.25, "t": t + 20_000},
        {"runner": 11, "lat": 48.5, "lng": 2.25, "t": t},
        {"runner": 11, "lat": 48.5001, "lng": 2.25, "t": t + 10_000, "speed": 3.0},
    ]);
    let response = post(Some(token("11")), batch.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"outcomes": ["published", "published", "published"]})
    );
    let lats: Vec<f64> = [
        fan.next_json().await,
        fan.next_json().await,
        fan.next_json().await,
    ]
    .iter()
    .map(|e| e["data"]["lat"].as_f64().unwrap())
    .collect();
    assert_eq!(lats, [48.5, 48.5001, 48.5002]);

    let again: serde_json::Value = post(Some(token("11")), batch)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // In the order of the request: the newest (first) is a duplicate now.
    assert_eq!(again, json!({"outcomes": ["duplicate", "late", "late"]}));

    let other = json!([{"runner": 12, "lat": 1, "lng": 1}]);
    assert_eq!(
        post(Some(token("11")), other.clone())
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(post(None, other).await.unwrap().status(), 401);
    let half_bad =
        json!([{"runner": 11, "lat": 48.6, "lng": 2.25}, {"runner": 11, "lat": 200, "lng": 0}]);
    let refused = post(Some(token("11")), half_bad).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("fix 1"));
    let not_array = post(Some(token("11")), json!({"runner": 11}))
        .await
        .unwrap();
    assert_eq!(not_array.status(), 400);
    fan.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn replay_plays_a_recorded_gpx_and_a_finished_event_through_the_hub() {
    let app = race().await;
    // r1 is not in the event: following it needs a token (here the runner's own).
    let mut fan = follower_at(&app, "r1", &format!("/ws?token={}", token("r1"))).await;
    let dir = std::env::temp_dir().join(format!("spectate-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut gpx = String::from(
        r#"<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>"#,
    );
    for i in 0..5 {
        gpx.push_str(&format!(
            r#"<trkpt lat="48.{i}" lon="2.25"><time>2026-11-29T09:00:0{i}Z</time></trkpt>"#
        ));
    }
    gpx.push_str("</trkseg></trk></gpx>");
    let file = dir.join("run.gpx");
    std::fs::write(&file, gpx).unwrap();
    let ws_url = format!("ws://{}", app.addr);
    let replay = |extra: &[&str]| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"));
        command
            .args(["replay", "--url", &ws_url, "--secret", SECRET])
            .args(extra);
        command.output()
    };
    let played = replay(&[
        "--gpx",
        file.to_str().unwrap(),
        "--runner",
        "r1",
        "--speed",
        "60",
    ])
    .await
    .unwrap();
    assert!(
        played.status.success(),
        "{}",
        String::from_utf8_lossy(&played.stderr)
    );
    for i in 0..5 {
        let event = fan.next_json().await;
        assert_eq!(
            event["data"]["lat"].as_f64().unwrap(),
            format!("48.{i}").parse::<f64>().unwrap()
        );
    }
    let too_fast = replay(&[
        "--gpx",
        file.to_str().unwrap(),
        "--runner",
        "r1",
        "--speed",
        "100",
    ])
    .await
    .unwrap();
    assert!(!too_fast.status.success());
    assert!(String::from_utf8_lossy(&too_fast.stderr).contains("outside 1 to 60"));

    // A finished event: what one server stored, replayed into another.
    let source = race_config().data_dir;
    let app = spawn_app_with(Config {
        data_dir: source.clone(),
        ..race_config()
    })
    .await;
    let http = reqwest::Client::new();
    let t = now_ms() / 1000 - 100;
    for i in 0..3u64 {
        let url = app.url(&format!(
            "/api/osmand?id=demo-10&lat=48.50{i}&lon=2.25&timestamp={}",
            t + 10 * i
        ));
        assert_eq!(http.get(url).send().await.unwrap().status(), 200);
    }
    let other = race().await;
    let mut watcher = follower(&other, "10").await;
    let other_url = format!("ws://{}", other.addr);
    let played = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args([
            "replay",
            "--url",
            &other_url,
            "--secret",
            SECRET,
            "--speed",
            "60",
            "--from-store",
        ])
        .arg(&source)
        .output()
        .await
        .unwrap();
    assert!(
        played.status.success(),
        "{}",
        String::from_utf8_lossy(&played.stderr)
    );
    let mut lats = Vec::new();
    while lats.len() < 3 {
        let event = watcher.next_json().await;
        lats.push(event["data"]["lat"].as_f64().unwrap());
    }
    assert_eq!(lats, [48.5, 48.501, 48.502]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_websocket_fix_is_acknowledged_after_it_is_stored() {
    let app = race().await;
    let mut phone = app.connect(&format!("/ws?token={}", token("12"))).await;
    phone.expect_welcome().await;
    assert_eq!(phone.next_json().await["type"], "authed");
    let t = now_ms() - 5_000;
    phone
        .send_json(json!({"type": "publish", "id": 9, "topic": "runner:12", "data": {"lat": 48.7, "lng": 2.3, "t": t}}))
        .await;
    assert_eq!(phone.next_json().await, json!({"type": "ack", "id": 9}));
    // Acknowledged means stored: the track export has it, with the device's time.
    let gpx = app.get_text("/api/runners/12/track.gpx").await;
    assert_eq!(gpx.matches("<trkpt").count(), 1, "{gpx}");
    assert!(gpx.contains("lat=\"48.7\""), "{gpx}");
}
