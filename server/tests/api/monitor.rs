//! The race-day monitor (issue 19): its page behind the organiser's sign-in, a
//! runner's trail for its map, and the runner page's SOS (a fix published with
//! `alarm: "sos"` on the socket), stored as an alert before the phone is answered.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use spectate_server::hub::now_ms;

use crate::{
    admin::{console_app, http, session_cookie},
    console_kit::{along, with_demo_event},
    helpers::TestApp,
};

/// GET `path` with `cookie` (if any): status and body.
async fn get(app: &TestApp, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut request = http().get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn monitor_page_renders_only_for_a_signed_in_organiser() {
    let app = console_app(&["ana"], with_demo_event()).await;
    let response = http().get(app.url("/admin/monitor")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/admin/sign-in");
    let forged = "spectate_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let (status, _) = get(&app, Some(forged), "/admin/monitor").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a forged session");

    let cookie = session_cookie(&app, "ana").await;
    let (status, page) = get(&app, Some(&cookie), "/admin/monitor").await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "Race-day monitor",
        "id=\"monitor-table\"",
        "data-testid=\"monitor-map\"",
    ] {
        assert!(page.contains(part), "{part} missing from the page");
    }
    // The spectators' pages are not behind the guard.
    assert_eq!(get(&app, None, "/").await.0, StatusCode::OK);
}

#[tokio::test]
async fn monitor_trail_gives_a_runners_last_positions_to_organisers_only() {
    let app = console_app(&["ana"], with_demo_event()).await;
    let mut phone = app.connect("/ws").await;
    phone.expect_welcome().await;
    let start = now_ms() - 120_000;
    for i in 0..35u64 {
        let (lat, lng) = along(20.0 * i as f64);
        phone
            .send_json(json!({"type": "publish", "id": i + 1, "topic": "runner:2",
                "data": {"lat": lat, "lng": lng, "t": start + i * 3_000}}))
            .await;
        assert_eq!(phone.next_json().await["type"], "ack");
    }
    assert_eq!(
        get(&app, None, "/admin/runners/2/trail.json").await.0,
        StatusCode::UNAUTHORIZED
    );
    let cookie = session_cookie(&app, "ana").await;
    let (status, body) = get(&app, Some(&cookie), "/admin/runners/2/trail.json").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let trail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        trail["runner"],
        json!(2),
        "a numeric bib is sent as a number"
    );
    let points = trail["points"].as_array().unwrap();
    assert_eq!(points.len(), 30, "the last 30 of 35");
    let (lat, lng) = along(20.0 * 34.0);
    let last = &points[29];
    assert!((last["lat"].as_f64().unwrap() - lat).abs() < 1e-9, "{last}");
    assert!((last["lng"].as_f64().unwrap() - lng).abs() < 1e-9, "{last}");
    let (first_lat, _) = along(20.0 * 5.0);
    assert!((points[0]["lat"].as_f64().unwrap() - first_lat).abs() < 1e-9);

    let (status, body) = get(&app, Some(&cookie), "/admin/runners/3/trail.json").await;
    assert_eq!(
        (status, body.contains("\"points\":[]")),
        (StatusCode::OK, true)
    );
    let (status, body) = get(&app, Some(&cookie), "/admin/runners/999/trail.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("no runner 999"), "{body}");
    let (status, _) = get(&app, Some(&cookie), "/admin/runners/a%20b/trail.json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn monitor_sos_from_the_runner_page_is_stored_before_it_is_acknowledged() {
    let app = console_app(&["ana"], with_demo_event()).await;
    let cookie = session_cookie(&app, "ana").await;
    let mut phone = app.connect("/ws").await;
    phone.expect_welcome().await;
    let (lat, lng) = along(500.0);
    let sos = |id: u64| {
        json!({"type": "publish", "id": id, "topic": "runner:4",
            "data": {"lat": lat, "lng": lng, "alarm": "sos"}})
    };
    phone.send_json(sos(1)).await;
    let ack = phone.next_json().await;
    assert_eq!(
        (ack["type"].as_str(), ack["id"].as_u64()),
        (Some("ack"), Some(1)),
        "{ack}"
    );
    // Answered: so stored already, no waiting.
    let (_, body) = get(&app, Some(&cookie), "/admin/alerts").await;
    let alerts: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(
        (&alert["runner"], &alert["kind"], &alert["stage"]),
        (&json!(4), &json!("sos"), &json!("raised"))
    );
    assert!((alert["position"]["lat"].as_f64().unwrap() - lat).abs() < 1e-9);
    // The fix went in too: the monitor's row says the runner page sent it.
    let (_, rows) = get(&app, Some(&cookie), "/admin/runners.json").await;
    let rows: Vec<Value> = serde_json::from_str(&rows).unwrap();
    let row = rows.iter().find(|r| r["bib"] == json!(4)).unwrap();
    assert_eq!(row["way_in"], "websocket", "{row}");

    // A second press while the first is open is answered, and raises nothing new.
    phone.send_json(sos(2)).await;
    assert_eq!(phone.next_json().await["id"], 2);
    let (_, body) = get(&app, Some(&cookie), "/admin/alerts").await;
    assert_eq!(serde_json::from_str::<Vec<Value>>(&body).unwrap().len(), 1);

    // An alarm belongs to a runner's fix; any other is refused, and raises nothing.
    for (topic, data) in [
        ("series:pulse", json!({"value": 1.0, "alarm": "sos"})),
        ("runner:5", json!({"lat": lat, "lng": lng, "alarm": "fire"})),
    ] {
        phone
            .send_json(json!({"type": "publish", "id": 9, "topic": topic, "data": data}))
            .await;
        let error = phone.next_json().await;
        assert_eq!(error["type"], "error", "{topic}: {error}");
        assert_eq!(error["code"], "bad_message", "{topic}: {error}");
    }
    let (_, body) = get(&app, Some(&cookie), "/admin/alerts").await;
    assert_eq!(serde_json::from_str::<Vec<Value>>(&body).unwrap().len(), 1);
}
