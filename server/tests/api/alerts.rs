//! Safety alerts (issue 19): each rule raised through the real trackers' doors, the
//! time-based ones under tokio's paused clock; stored, pushed live to signed-in
//! organisers, acknowledged and resolved with who and when, and kept across a
//! restart.

use std::time::Duration;

use futures::StreamExt;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use spectate_server::event::Event;

use crate::{
    admin::{console_app, http, session_cookie},
    console_kit::{alerts, along, osmand, signed_get, wait_for_alerts, with_demo_event},
    helpers::{PATIENCE, TestApp},
};

/// POST to `path` with `cookie`, from a page of `origin`.
async fn signed_post(app: &TestApp, cookie: &str, path: &str, origin: &str) -> reqwest::Response {
    http()
        .post(app.url(path))
        .header(header::COOKIE, cookie)
        .header(header::ORIGIN, origin)
        .send()
        .await
        .unwrap()
}

/// `POST /admin/alerts/{id}/{step}` from our own page: status and body.
pub(crate) async fn step(
    app: &TestApp,
    cookie: &str,
    id: &Value,
    step: &str,
) -> (StatusCode, String) {
    let origin = format!("http://{}", app.addr);
    let response = signed_post(app, cookie, &format!("/admin/alerts/{id}/{step}"), &origin).await;
    (response.status(), response.text().await.unwrap())
}

/// The live stream's events, one `(event, data)` at a time.
pub(crate) struct Live(
    futures::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    String,
);

impl Live {
    pub(crate) async fn open(app: &TestApp, cookie: &str) -> Self {
        let response = signed_get(app, cookie, "/admin/alerts/live").await;
        Self(response.bytes_stream().boxed(), String::new())
    }

    /// Whether the stream ends (before any other event) within [`PATIENCE`].
    async fn ended(&mut self) -> bool {
        loop {
            if self.1.contains("event: ") {
                return false;
            }
            match tokio::time::timeout(PATIENCE, self.0.next()).await {
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(chunk))) => self.1.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => return false,
            }
        }
    }

    pub(crate) async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.1.find("\n\n") {
                let block: String = self.1.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(str::to_owned)
                };
                if let (Some(event), Some(data)) = (field("event: "), field("data: ")) {
                    return (event, serde_json::from_str(&data).unwrap_or(Value::Null));
                }
                continue;
            }
            let chunk = tokio::time::timeout(PATIENCE, self.0.next())
                .await
                .expect("an event in time")
                .expect("the stream goes on")
                .unwrap();
            self.1.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn alerts_sos_is_pushed_live_then_acknowledged_and_resolved_by_name() {
    let app = console_app(&["ana"], with_demo_event()).await;
    let cookie = session_cookie(&app, "ana").await;
    let mut live = Live::open(&app, &cookie).await;
    assert_eq!(
        osmand(&app, "demo-1", 1000.0, "&alarm=sos").await,
        StatusCode::OK
    );
    let (event, alert) = live.next().await;
    assert_eq!(event, "alert");
    assert_eq!(
        (alert["runner"].to_string(), alert["kind"].as_str()),
        ("1".into(), Some("sos"))
    );
    assert_eq!(alert["stage"], "raised");
    // A second press while it is open raises no second alert.
    assert_eq!(
        osmand(&app, "demo-1", 1001.0, "&alarm=sos").await,
        StatusCode::OK
    );
    let list = alerts(&app, &cookie).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let id = &list[0]["id"];

    let (status, body) = step(&app, &cookie, id, "acknowledge").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let acknowledged: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(acknowledged["stage"], "acknowledged");
    assert_eq!(acknowledged["acknowledged"]["by"], "ana");
    assert_eq!(live.next().await.1["stage"], "acknowledged");
    assert_eq!(
        step(&app, &cookie, id, "acknowledge").await.0,
        StatusCode::CONFLICT
    );
    let (status, body) = step(&app, &cookie, id, "resolve").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let resolved = live.next().await.1;
    assert_eq!(
        (
            resolved["stage"].as_str(),
            resolved["resolved"]["by"].as_str()
        ),
        (Some("resolved"), Some("ana"))
    );
    assert_eq!(
        step(&app, &cookie, &json!(999), "resolve").await.0,
        StatusCode::NOT_FOUND
    );

    // Resolved: the next press is a new alert.
    assert_eq!(
        osmand(&app, "demo-1", 1002.0, "&alarm=sos").await,
        StatusCode::OK
    );
    assert_eq!(live.next().await.1["stage"], "raised");
    assert_eq!(alerts(&app, &cookie).await.len(), 2);

    // Signed out: the stream ends rather than carry the next alert.
    let out = signed_post(
        &app,
        &cookie,
        "/admin/sign-out",
        &format!("http://{}", app.addr),
    )
    .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        osmand(&app, "demo-2", 50.0, "&alarm=sos").await,
        StatusCode::OK
    );
    assert!(live.ended().await, "the stream went on after sign-out");
}

#[tokio::test]
async fn alerts_need_a_signed_in_organiser_and_our_own_pages() {
    let app = console_app(&["ana"], with_demo_event()).await;
    for path in ["/admin/alerts", "/admin/alerts/live"] {
        let response = http().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(
        osmand(&app, "demo-2", 500.0, "&alarm=sos").await,
        StatusCode::OK
    );
    let cookie = session_cookie(&app, "ana").await;
    let id = &wait_for_alerts(&app, &cookie, 1).await[0]["id"];
    let forged = signed_post(
        &app,
        &cookie,
        &format!("/admin/alerts/{id}/acknowledge"),
        "https://evil.example",
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let anonymous = http()
        .post(app.url(&format!("/admin/alerts/{id}/resolve")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(alerts(&app, &cookie).await[0]["stage"], "raised");
}

#[tokio::test]
async fn alerts_low_battery_from_osmand_parameters_and_traccar_json() {
    let app = console_app(&["ana"], with_demo_event()).await;
    let cookie = session_cookie(&app, "ana").await;
    // Unknown (negative) and healthy levels raise nothing.
    assert_eq!(
        osmand(&app, "demo-1", 100.0, "&batt=-1").await,
        StatusCode::OK
    );
    assert_eq!(
        osmand(&app, "demo-2", 100.0, "&batt=80").await,
        StatusCode::OK
    );
    assert_eq!(
        osmand(&app, "demo-2", 200.0, "&batt=12").await,
        StatusCode::OK
    );
    let (lat, lon) = along(300.0);
    let traccar = json!({"device_id": "demo-3", "location": {
        "coords": {"latitude": lat, "longitude": lon}, "battery": {"level": 0.09}}});
    let response = http()
        .post(app.url("/api/osmand"))
        .json(&traccar)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let list = wait_for_alerts(&app, &cookie, 2).await;
    let seen = runners_and_kinds(&list);
    assert_eq!(
        seen,
        [("2".into(), "low_battery"), ("3".into(), "low_battery")]
    );
}

#[tokio::test]
async fn alerts_survive_a_restart() {
    let config = with_demo_event();
    let mut app = console_app(&["ana"], config.clone()).await;
    let cookie = session_cookie(&app, "ana").await;
    assert_eq!(
        osmand(&app, "demo-4", 700.0, "&alarm=sos").await,
        StatusCode::OK
    );
    let before = wait_for_alerts(&app, &cookie, 1).await;
    step(&app, &cookie, &before[0]["id"], "acknowledge").await;
    // A low battery, raised and resolved before the restart.
    assert_eq!(
        osmand(&app, "demo-5", 900.0, "&batt=10").await,
        StatusCode::OK
    );
    let battery = &wait_for_alerts(&app, &cookie, 2).await[0];
    assert_eq!(battery["kind"], "low_battery");
    assert_eq!(
        step(&app, &cookie, &battery["id"], "resolve").await.0,
        StatusCode::OK
    );
    app.stop();
    app.task.take().unwrap().await.unwrap().unwrap();

    let app = crate::helpers::spawn_app_with(config).await;
    let after = alerts(&app, &cookie).await;
    assert_eq!(after.len(), 2);
    assert_eq!(after[1]["kind"], "sos");
    assert_eq!(after[1]["acknowledged"]["by"], "ana");
    assert_eq!(after[0]["resolved"]["by"], "ana");
    // The battery is as low as before: the restart raises it again no more than the
    // running server would have.
    assert_eq!(
        osmand(&app, "demo-5", 901.0, "&batt=9").await,
        StatusCode::OK
    );
    // Still open after the restart: a second press raises no second alert.
    assert_eq!(
        osmand(&app, "demo-4", 701.0, "&alarm=sos").await,
        StatusCode::OK
    );
    assert_eq!(alerts(&app, &cookie).await.len(), 2);
}

/// Runner 5 stops 1 km along the course, runner 6 at the 3 km checkpoint; then time
/// passes on tokio's paused clock. Before 10 minutes nothing is raised; after it,
/// both have lost signal, and only the runner away from a checkpoint is still.
#[tokio::test(start_paused = true)]
async fn alerts_no_signal_and_no_movement_after_ten_minutes() {
    let app = console_app(&["ana"], with_demo_event()).await;
    let cookie = session_cookie(&app, "ana").await;
    assert_eq!(osmand(&app, "demo-5", 1000.0, "").await, StatusCode::OK);
    assert_eq!(osmand(&app, "demo-6", 3000.0, "").await, StatusCode::OK);
    tokio::time::advance(Duration::from_secs(9 * 60)).await;
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert!(alerts(&app, &cookie).await.is_empty());
    tokio::time::advance(Duration::from_secs(60)).await;
    let list = wait_for_alerts(&app, &cookie, 3).await;
    let seen = runners_and_kinds(&list);
    assert_eq!(
        seen,
        [
            ("5".into(), "no_movement"),
            ("5".into(), "no_signal"),
            ("6".into(), "no_signal")
        ]
    );
}

/// The monitor's rows: each runner's door, battery, accuracy, last fix age and
/// fixes in the last ten minutes; a runner without a fix has none of them.
#[tokio::test]
async fn alerts_monitor_rows_show_each_trackers_health() {
    let app = console_app(&["ana"], with_demo_event()).await;
    let unsigned = http()
        .get(app.url("/admin/runners.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let cookie = session_cookie(&app, "ana").await;
    for metres in [1000.0, 1010.0] {
        assert_eq!(osmand(&app, "demo-7", metres, "").await, StatusCode::OK);
    }
    let last = osmand(&app, "demo-7", 1020.0, "&batt=55&accuracy=8").await;
    assert_eq!(last, StatusCode::OK);
    let (lat, lon) = along(2000.0);
    let traccar = json!({"device_id": "demo-8", "location": {
        "coords": {"latitude": lat, "longitude": lon, "accuracy": 4.5},
        "battery": {"level": 0.5}}});
    let response = http()
        .post(app.url("/api/osmand"))
        .json(&traccar)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let response = signed_get(&app, &cookie, "/admin/runners.json").await;
    let rows: Vec<Value> = response.json().await.unwrap();
    assert_eq!(rows.len(), Event::demo().runners.len());
    let row = |bib: &str| {
        rows.iter()
            .find(|r| r["bib"].to_string().trim_matches('"') == bib)
            .unwrap_or_else(|| panic!("no row for {bib}: {rows:?}"))
    };
    let seven = row("7");
    assert_eq!(seven["way_in"], "osmand", "{seven}");
    assert_eq!(
        (seven["battery_pct"].as_f64(), seven["accuracy_m"].as_f64()),
        (Some(55.0), Some(8.0))
    );
    assert_eq!(seven["fixes_10_min"], 3);
    assert!(
        seven["last_fix_age_s"].as_u64().is_some_and(|s| s < 5),
        "{seven}"
    );
    let eight = row("8");
    assert_eq!(
        (eight["battery_pct"].as_f64(), eight["accuracy_m"].as_f64()),
        (Some(50.0), Some(4.5))
    );
    assert_eq!(eight["fixes_10_min"], 1);
    let nine = row("9");
    assert_eq!(nine["status"], "not_started");
    assert!(
        nine["last_fix_age_s"].is_null() && nine["way_in"].is_null(),
        "{nine}"
    );
    assert_eq!(nine["fixes_10_min"], 0);
}

/// Each alert's runner and kind, sorted.
fn runners_and_kinds(list: &[Value]) -> Vec<(String, &str)> {
    let mut seen: Vec<(String, &str)> = list
        .iter()
        .map(|a| (a["runner"].to_string(), a["kind"].as_str().unwrap()))
        .collect();
    seen.sort_unstable();
    seen
}
