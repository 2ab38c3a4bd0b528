//! Race control (issue 19): an organiser sets DNS / DNF / DSQ with a reason and the
//! runner leaves the ranking, on the board over HTTP and at once on the socket; the
//! status survives a restart and can be undone; bad input and other sites' requests
//! are refused with nothing changed. The announcement: published live to `board`
//! subscribers, in the first paint of pages opened later, escaped, stored, cleared.

use std::time::Duration;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use spectate_server::config::Config;

use crate::{
    admin::{console_app, http, session_cookie},
    console_kit::{osmand, signed_get, with_demo_event},
    helpers::{Client, TestApp, spawn_app_with},
};

/// The demo event, with a board tick so slow that only race control's own push can
/// bring a change to the socket within a test.
fn demo_event() -> Config {
    Config {
        board_every: Duration::from_secs(600),
        ..with_demo_event()
    }
}

/// A Traccar Client / OsmAnd fix for `device`, `metres` along the demo course.
async fn fix(app: &TestApp, device: &str, metres: f64) {
    assert_eq!(osmand(app, device, metres, "").await, StatusCode::OK);
}

/// POST `form` to `path` as `cookie`, from our own page (or `origin`'s).
async fn post(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
    origin: Option<&str>,
) -> (StatusCode, String) {
    let own = format!("http://{}", app.addr);
    let response = http()
        .post(app.url(path))
        .header(header::COOKIE, cookie)
        .header(header::ORIGIN, origin.unwrap_or(&own))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Sets `bib`'s status, answered with a 303 back to the page.
async fn set_status(app: &TestApp, cookie: &str, bib: &str, status: &str, reason: &str) {
    let path = format!("/admin/runners/{bib}/status");
    let form = [("status", status), ("reason", reason)];
    let (code, body) = post(app, cookie, &path, &form, None).await;
    assert_eq!(code, StatusCode::SEE_OTHER, "{body}");
}

/// GET `path` with `cookie`: its body.
async fn page(app: &TestApp, cookie: &str, path: &str) -> String {
    signed_get(app, cookie, path).await.text().await.unwrap()
}

/// `bib`'s row of the whole board.
pub(crate) async fn row(app: &TestApp, bib: u64) -> Value {
    let board = app.get_json("/api/leaderboard").await;
    board["standings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["bib"] == bib)
        .cloned()
        .unwrap_or_else(|| panic!("no row {bib} in {board}"))
}

/// A spectator taking `topics`, past the snapshots (the frames before the `ack`).
async fn spectator(app: &TestApp, topics: &[&str]) -> (Client, Vec<Value>) {
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    client
        .send_json(json!({"type": "subscribe", "id": 1, "topics": topics}))
        .await;
    let mut snapshots = Vec::new();
    loop {
        let frame = client.next_json().await;
        if frame["type"] == "ack" {
            return (client, snapshots);
        }
        snapshots.push(frame);
    }
}

#[tokio::test]
async fn race_control_a_dnf_leaves_the_ranking_and_is_pushed_at_once() {
    let app = console_app(&["ana"], demo_event()).await;
    let cookie = session_cookie(&app, "ana").await;
    fix(&app, "demo-1", 2000.0).await;
    fix(&app, "demo-2", 1000.0).await;
    fix(&app, "demo-3", 500.0).await;
    let (mut watcher, _) = spectator(&app, &["board", "runner:1"]).await;

    let asked = std::time::Instant::now();
    set_status(&app, &cookie, "1", "dnf", "knee injury").await;
    let board = watcher
        .until(|m| {
            m["type"] == "board"
                && m["top"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["status"] == "dnf")
        })
        .await;
    let standing = watcher
        .until(|m| m["type"] == "standing" && m["row"]["status"] == "dnf")
        .await;
    let pushed_in = asked.elapsed();
    let top = board["top"].as_array().unwrap();
    let order: Vec<(u64, u64)> = top
        .iter()
        .map(|s| (s["bib"].as_u64().unwrap(), s["position"].as_u64().unwrap()))
        .collect();
    // 2 and 3 ranked first and second; 1 after every ranked runner, unplaced.
    assert_eq!(&order[..2], [(2, 1), (3, 2)], "{order:?}");
    let last_ranked = order.iter().rposition(|(_, p)| *p > 0).unwrap();
    assert_eq!(order[last_ranked + 1..].first(), Some(&(1, 0)), "{order:?}");
    assert_eq!(standing["topic"], "runner:1");
    let mine = &standing["row"];
    assert_eq!(
        (mine["status"].as_str(), mine["reason"].as_str()),
        (Some("dnf"), Some("knee injury"))
    );
    assert!(
        mine["pace_s_per_km"].is_null() && mine["finish"]["eta_ms"].is_null(),
        "{mine}"
    );
    assert_eq!(row(&app, 1).await["position"], 0);
    assert_eq!(row(&app, 2).await["gap_m"], 0.0, "2 leads now");
    println!("race control: DNF on the socket {pushed_in:?} after the POST");

    // The console lists it, with who and when.
    let console = page(&app, &cookie, "/admin/race").await;
    assert!(
        console.contains("<td>DNF</td><td>knee injury</td><td>ana "),
        "{console}"
    );
}

#[tokio::test]
async fn race_control_a_status_survives_a_restart_and_is_undone() {
    let config = demo_event();
    let mut app = console_app(&["ana"], config.clone()).await;
    let cookie = session_cookie(&app, "ana").await;
    fix(&app, "demo-4", 800.0).await;
    set_status(&app, &cookie, "4", "dsq", "cut the course").await;
    set_status(&app, &cookie, "5", "dns", "ill").await;
    app.stop();
    app.task.take().unwrap().await.unwrap().unwrap();

    let mut app = spawn_app_with(config.clone()).await;
    let four = row(&app, 4).await;
    assert_eq!(
        (four["status"].as_str(), four["reason"].as_str()),
        (Some("dsq"), Some("cut the course"))
    );
    assert_eq!(row(&app, 5).await["status"], "dns");
    set_status(&app, &cookie, "4", "racing", "").await;
    let four = row(&app, 4).await;
    assert_eq!(four["status"], "running", "{four}");
    assert!(four["reason"].is_null() && four["position"] == 1, "{four}");
    app.stop();
    app.task.take().unwrap().await.unwrap().unwrap();

    let app = spawn_app_with(config).await;
    assert_eq!(row(&app, 4).await["position"], 1, "still back in the race");
    assert_eq!(row(&app, 5).await["status"], "dns");
}

#[tokio::test]
async fn race_control_refuses_bad_input_and_other_sites_and_changes_nothing() {
    let app = console_app(&["ana"], demo_event()).await;
    let cookie = session_cookie(&app, "ana").await;
    let long = "x".repeat(121);
    let refusals = [
        (
            "/admin/runners/999/status",
            vec![("status", "dnf"), ("reason", "lost")],
            StatusCode::NOT_FOUND,
            "no runner has bib",
        ),
        (
            "/admin/runners/1/status",
            vec![("status", "gone"), ("reason", "lost")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown status",
        ),
        (
            "/admin/runners/1/status",
            vec![("status", "dnf"), ("reason", "  ")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is needed",
        ),
        (
            "/admin/runners/1/status",
            vec![("status", "dnf"), ("reason", &long)],
            StatusCode::UNPROCESSABLE_ENTITY,
            "121 characters",
        ),
        (
            "/admin/runners/1/status",
            vec![("status", "dsq"), ("reason", "a\nb")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "one line",
        ),
        (
            "/admin/race/status",
            vec![("bib", "not a bib!"), ("status", "dnf"), ("reason", "x")],
            StatusCode::NOT_FOUND,
            "no runner has bib",
        ),
        (
            "/admin/announcement",
            vec![("text", " "), ("audience", "both")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty",
        ),
        (
            "/admin/announcement",
            vec![("text", "hi"), ("audience", "everyone")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown audience",
        ),
    ];
    for (path, form, status, says) in refusals {
        let (code, body) = post(&app, &cookie, path, &form, None).await;
        assert_eq!(code, status, "{path} {form:?}: {body}");
        assert!(
            body.contains(says) && body.contains("role=\"alert\""),
            "{body}"
        );
    }
    let too_long = "y".repeat(281);
    let (code, body) = post(
        &app,
        &cookie,
        "/admin/announcement",
        &[("text", &too_long), ("audience", "both")],
        None,
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Another site's form, with the organiser's cookie: refused before anything.
    let form = [("status", "dnf"), ("reason", "forged")];
    let (code, _) = post(
        &app,
        &cookie,
        "/admin/runners/1/status",
        &form,
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = post(
        &app,
        &cookie,
        "/admin/announcement",
        &[("text", "forged"), ("audience", "both")],
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    // Not signed in: sent to sign in.
    let (code, _) = post(
        &app,
        "spectate_session=forged",
        "/admin/runners/1/status",
        &form,
        None,
    )
    .await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    assert!(
        app.get_text("/api/leaderboard")
            .await
            .contains("\"not_started\"")
    );
    assert!(!app.get_text("/api/leaderboard").await.contains("forged"));
    assert!(
        page(&app, &cookie, "/admin/race")
            .await
            .contains("Nobody is out of the race.")
    );
    assert!(!app.get_text("/").await.contains("forged"));
}

#[tokio::test]
async fn race_control_an_announcement_is_pushed_escaped_kept_and_cleared() {
    let config = demo_event();
    let mut app = console_app(&["ana"], config.clone()).await;
    let cookie = session_cookie(&app, "ana").await;
    let (mut open_page, snapshots) = spectator(&app, &["board"]).await;
    assert!(
        snapshots.iter().all(|m| m["type"] != "announcement"),
        "none was ever set: {snapshots:?}"
    );
    let text = "<img src=x onerror=alert(1)> Course shortened to 10 km </script><script>x()";
    let (code, body) = post(
        &app,
        &cookie,
        "/admin/announcement",
        &[("text", text), ("audience", "both")],
        None,
    )
    .await;
    assert_eq!(code, StatusCode::SEE_OTHER, "{body}");
    let frame = open_page.until(|m| m["type"] == "announcement").await;
    assert_eq!(frame["announcement"]["text"], text);
    assert_eq!(frame["announcement"]["audience"], "both");

    // Pages opened later have it in their first paint, as text.
    for path in ["/", "/track", "/admin/race"] {
        let html = if path.starts_with("/admin") {
            page(&app, &cookie, path).await
        } else {
            app.get_text(path).await
        };
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt; Course shortened"),
            "{path}: {html}"
        );
        assert!(
            !html.contains("<img src=x") && !html.contains("<script>x()"),
            "{path} carries the markup"
        );
    }
    app.stop();
    app.task.take().unwrap().await.unwrap().unwrap();

    // Kept across a restart: a new subscriber of `board` gets it after the board.
    let app = spawn_app_with(config).await;
    let (mut later, snapshots) = spectator(&app, &["board"]).await;
    let types: Vec<&str> = snapshots
        .iter()
        .filter_map(|m| m["type"].as_str())
        .collect();
    assert_eq!(types, ["snapshot", "board", "announcement"]);
    assert_eq!(snapshots[2]["announcement"]["text"], text);
    // For runners only: the spectators' map leaves it out, the runner's page shows it.
    let (code, _) = post(
        &app,
        &cookie,
        "/admin/announcement",
        &[("text", "Runners: water at 5 km"), ("audience", "runners")],
        None,
    )
    .await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    // (Both pages carry it in their data; only the runner's page shows the banner.)
    let banner = "data-testid=\"announcement\"";
    assert!(!app.get_text("/").await.contains(banner));
    let track = app.get_text("/track").await;
    assert!(track.contains(banner) && track.contains("water at 5 km"));
    let (code, _) = post(&app, &cookie, "/admin/announcement/clear", &[], None).await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    let cleared = later
        .until(|m| m["type"] == "announcement" && m.get("announcement").is_none())
        .await;
    assert_eq!(cleared, json!({"type": "announcement"}));
    assert!(!app.get_text("/track").await.contains(banner));
    assert!(
        page(&app, &cookie, "/admin/race")
            .await
            .contains("No announcement is up.")
    );
}
