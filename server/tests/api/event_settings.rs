//! The event's settings from the browser (issue 19, event set-up): name, start, time
//! zone, privacy, checkpoints and the safety thresholds changed on `/admin/event`
//! apply at once, survive a restart with the same event file, and export; a course
//! GPX uploaded is checked as `spectate event check` checks it, and every bad input
//! (not XML, too few points, not UTF-8, a 50 MB file, a checkpoint off the course) is
//! refused with a message and nothing saved; open pages learn of a change. The
//! cluster's are in `event_settings_cluster`, creating an event in `event_created`.

use reqwest::{StatusCode, header};
use serde_json::Value;
use spectate_server::config::Config;

use crate::{
    console_kit::{multipart, signed_text, with_demo_event},
    helpers::TestApp,
    roster::{organiser_app, post_form},
};

/// The settings form as the page sends it, with `changes` made to the demo's.
pub(crate) fn form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("name", "Spectate demo run"),
        ("start", "2026-11-29T09:00"),
        ("offset", "+01:00"),
        ("timezone", "Europe/Paris"),
        ("cp0_name", "3 km"),
        ("cp0_at", "3"),
        ("cp1_name", "Halfway"),
        ("cp1_at", "6.4"),
        ("cp2_name", "10 km"),
        ("cp2_at", "10"),
        ("cp3_name", ""),
        ("cp3_at", ""),
        ("no_signal_minutes", "10"),
        ("no_movement_minutes", "10"),
        ("off_course_minutes", "10"),
        ("battery_percent", "15"),
        ("checkpoint_radius_m", "100"),
    ];
    for (key, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields
}

/// The form with `name` and only the checkpoints `at` (name, km or waypoint).
pub(crate) fn short<'a>(name: &'a str, at: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    const ROWS: [(&str, &str); 3] = [
        ("cp0_name", "cp0_at"),
        ("cp1_name", "cp1_at"),
        ("cp2_name", "cp2_at"),
    ];
    let mut changes = vec![("name", name)];
    for (i, (cp_name, cp_at)) in ROWS.into_iter().enumerate() {
        let (n, a) = at.get(i).copied().unwrap_or(("", ""));
        changes.extend([(cp_name, n), (cp_at, a)]);
    }
    form(&changes)
}

/// The event renamed "Riverside 12k" starting at 10:30, "Bridge" second, `extra` on top.
pub(crate) fn riverside<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut changes = vec![
        ("name", "Riverside 12k"),
        ("start", "2026-11-29T10:30"),
        ("cp1_name", "Bridge"),
        ("cp1_at", "5,5"),
        ("battery_percent", "25"),
    ];
    changes.extend_from_slice(extra);
    form(&changes)
}

/// Renames the event `name` and moves it onto [`gpx`]'s 0.73 km course, with one
/// checkpoint at 0.2 km (the demo's are past its end).
pub(crate) async fn onto_the_short_course(app: &TestApp, cookie: &str, name: &str) {
    let early = short(name, &[("Early", "0.2")]);
    let saved = post_form(app, cookie, "/admin/event", &early).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (status, page) = upload_course(app, cookie, gpx(11).as_bytes()).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
}

/// The event as spectators' pages get it.
pub(crate) async fn event(app: &TestApp) -> Value {
    app.get_json("/api/race").await["event"].clone()
}

pub(crate) fn marks(event: &Value) -> Vec<(String, f64)> {
    event["marks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["distance_m"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// A straight course east from the Louvre, a point every ~73 m with elevations,
/// and a waypoint "Bridge" at its sixth point.
pub(crate) fn gpx(points: usize) -> String {
    let trkpts: String = (0..points)
        .map(|i| {
            format!(
                "<trkpt lat=\"48.8600\" lon=\"{:.4}\"><ele>{}</ele></trkpt>\n",
                2.3300 + 0.001 * i as f64,
                30 + i
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <gpx version=\"1.1\" creator=\"test\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n\
         <wpt lat=\"48.8600\" lon=\"2.3350\"><name>Bridge</name></wpt>\n\
         <trk><name>Test</name><trkseg>\n{trkpts}</trkseg></trk>\n</gpx>\n"
    )
}

pub(crate) async fn upload_course(
    app: &TestApp,
    cookie: &str,
    bytes: &[u8],
) -> (StatusCode, String) {
    multipart(
        app,
        cookie,
        "/admin/event/course",
        &[("file", Some("course.gpx"), bytes)],
    )
    .await
}
#[tokio::test]
async fn event_settings_apply_at_once_survive_a_restart_and_export() {
    let config = with_demo_event();
    let data_dir = config.data_dir.clone();
    let (app, cookie) = organiser_app(config).await;
    let (status, page) = signed_text(&app, &cookie, "/admin/event").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"Spectate demo run\""), "{page}");
    assert!(
        page.contains("id=\"course-map\"") && page.contains(">Halfway</text>"),
        "{page}"
    );

    let saved = post_form(&app, &cookie, "/admin/event", &riverside(&[])).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let now = event(&app).await;
    assert_eq!(now["name"], "Riverside 12k");
    let names: Vec<String> = marks(&now).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Start", "3 km", "Bridge", "10 km", "Finish"]);
    let (_, page) = signed_text(&app, &cookie, "/admin/event").await;
    assert!(
        page.contains("ana: name &quot;Spectate demo run&quot; → &quot;Riverside 12k&quot;"),
        "{page}"
    );
    assert!(
        page.contains(
            "start &quot;2026-11-29T09:00:00+01:00&quot; → &quot;2026-11-29T10:30:00+01:00&quot;"
        ),
        "{page}"
    );
    assert!(
        page.contains("battery percent &quot;15&quot; → &quot;25&quot;"),
        "{page}"
    );

    // Private: reading the event needs a token from now on; public again after.
    let private = post_form(
        &app,
        &cookie,
        "/admin/event",
        &riverside(&[("private", "on")]),
    )
    .await;
    assert_eq!(private.status(), StatusCode::SEE_OTHER);
    let refused = reqwest::get(app.url("/api/race")).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let public = post_form(&app, &cookie, "/admin/event", &riverside(&[])).await;
    assert_eq!(public.status(), StatusCode::SEE_OTHER);

    // A restart with the same event file keeps the console's settings.
    let app = crate::console_kit::restart(
        app,
        Config {
            data_dir: data_dir.clone(),
            ..with_demo_event()
        },
    )
    .await;
    let kept = event(&app).await;
    assert_eq!(kept["name"], "Riverside 12k");
    assert_eq!(marks(&kept)[2].0, "Bridge");

    // Export: the settings as changed.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["event", "export", "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("name = \"Riverside 12k\""), "{text}");
    assert!(
        text.contains("start = \"2026-11-29T10:30:00+01:00\""),
        "{text}"
    );
    assert!(text.contains("battery_percent = 25.0"), "{text}");
}
#[tokio::test]
async fn event_course_upload_is_checked_and_places_checkpoints_by_waypoint() {
    let (app, cookie) = organiser_app(with_demo_event()).await;
    // The demo's checkpoints (3, 6.4, 10 km) are off a 0.7 km course: refused whole.
    let (status, page) = upload_course(&app, &cookie, gpx(11).as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains(
            "checkpoint &quot;3 km&quot; at 3 km is off the course, which is 0.73 km long"
        ),
        "{page}"
    );
    assert!(page.contains("nothing was saved"), "{page}");
    assert!((event(&app).await["course_m"].as_f64().unwrap() - 12_800.0).abs() < 500.0);

    // Checkpoints by waypoint and by km that fit, then the course.
    let fits = short(
        "Spectate demo run",
        &[("Bridge", "Bridge"), ("Turn", "0.6")],
    );
    let saved = post_form(&app, &cookie, "/admin/event", &fits).await;
    assert_eq!(
        saved.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the demo course has no waypoint Bridge"
    );
    let (status, _) = signed_text(&app, &cookie, "/admin/event").await;
    assert_eq!(status, StatusCode::OK);
    onto_the_short_course(&app, &cookie, "Spectate demo run").await;
    let saved = post_form(&app, &cookie, "/admin/event", &fits).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let now = event(&app).await;
    assert!(
        (now["course_m"].as_f64().unwrap() - 731.0).abs() < 10.0,
        "{now}"
    );
    let marks = marks(&now);
    assert_eq!(marks[1].0, "Bridge");
    assert!((marks[1].1 - 365.0).abs() < 10.0, "{marks:?}");
    assert!(!now["profile"].as_array().unwrap().is_empty());

    // Bad files: each refused with its reason, the course unchanged.
    let not_xml = b"name,distance\nBridge,3\n".as_slice();
    let (status, page) = upload_course(&app, &cookie, not_xml).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("the GPX file: line 1: not well-formed XML"),
        "{page}"
    );
    // Each problem at its line: the unclosed track segment, two points out of range.
    let broken = gpx(11).replace("</trkseg>", "");
    let (status, page) = upload_course(&app, &cookie, broken.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("the GPX file: line 16: not well-formed XML"),
        "{page}"
    );
    let wrong = gpx(11)
        .replacen(
            "lat=\"48.8600\" lon=\"2.3320\"",
            "lat=\"148.86\" lon=\"2.3320\"",
            1,
        )
        .replacen("lon=\"2.3350\"><ele>", "lon=\"-200\"><ele>", 1);
    let (status, page) = upload_course(&app, &cookie, wrong.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("line 7: &lt;trkpt&gt; lat=&quot;148.86&quot; is not between -90 and 90"),
        "{page}"
    );
    assert!(
        page.contains("line 10: &lt;trkpt&gt; lon=&quot;-200&quot; is not between -180 and 180"),
        "{page}"
    );
    let (status, page) = upload_course(&app, &cookie, gpx(1).as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("the track has 1 usable points"), "{page}");
    let (status, page) = upload_course(&app, &cookie, &[0xff, 0xfe, 0x00, 0x3c]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("not text (UTF-8)"), "{page}");
    let huge = vec![b' '; 50 * 1024 * 1024];
    let (status, said) = upload_course(&app, &cookie, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(said.contains("over the limit"), "{said}");
    assert!((event(&app).await["course_m"].as_f64().unwrap() - 731.0).abs() < 10.0);

    // A cross-site form is refused, and a bad field is named with the form kept.
    let cross = reqwest::Client::new()
        .post(app.url("/admin/event"))
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "https://evil.example")
        .form(&fits)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let bad = form(&[
        ("name", "Kept name"),
        ("start", "soon"),
        ("no_signal_minutes", "x"),
    ]);
    let refused = post_form(&app, &cookie, "/admin/event", &bad).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("the start &quot;soon&quot;")
            && page.contains("No signal for (minutes): &quot;x&quot;"),
        "{page}"
    );
    assert!(page.contains("value=\"Kept name\""), "{page}");
}
#[tokio::test]
async fn event_settings_version_is_pushed_on_board_when_the_event_changes() {
    let (app, cookie) = organiser_app(with_demo_event()).await;
    let mut page = app.connect("/ws").await;
    page.expect_welcome().await;
    page.send_json(serde_json::json!({"type": "subscribe", "id": 1, "topics": ["board"]}))
        .await;
    let first = page.until(|f| f["type"] == "board").await;
    let before = first["settings"].as_str().expect("a version").to_owned();
    assert_eq!(
        event(&app).await["settings"],
        before.as_str(),
        "the first paint's"
    );

    let saved = post_form(&app, &cookie, "/admin/event", &riverside(&[])).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let next = page.until(|f| f["type"] == "board").await;
    let after = next["settings"].as_str().expect("a version");
    assert_ne!(after, before, "{next}");
    assert_eq!(event(&app).await["settings"], after);
    // The field did not change: its version stays.
    assert_eq!(next["field"], first["field"]);
}
