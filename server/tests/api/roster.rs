//! The event's field in the store (issue 19, event set-up): runners added, edited and
//! removed from the console apply at once (entrants, board, tracker device lookup),
//! are kept with their history across a restart, and `spectate event export` writes
//! the stored event back as an event file that serves the same field.

use std::path::Path;

use reqwest::{StatusCode, header};
use serde_json::Value;
use spectate_server::{config::Config, event::Event};

use crate::{
    admin::{console_app, http, session_cookie},
    console_kit::{demo_event_file, osmand, signed_text, with_demo_event},
    helpers::{TestApp, spawn_app_with},
};

/// A server with the demo event and the organiser `ana`, and her session cookie.
pub(crate) async fn organiser_app(config: Config) -> (TestApp, String) {
    let app = console_app(&["ana"], config).await;
    let cookie = session_cookie(&app, "ana").await;
    (app, cookie)
}

/// `POST path` with `form`, signed in and from our own page.
pub(crate) async fn post_form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    http()
        .post(app.url(path))
        .header(header::COOKIE, cookie)
        .header(header::ORIGIN, format!("http://{}", app.addr))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// `bib → name` of `/api/entrants`.
pub(crate) async fn entrants(app: &TestApp) -> Vec<(String, String)> {
    let list = app.get_json("/api/entrants").await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["bib"].to_string().trim_matches('"').to_owned(),
                e["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn name_of(list: &[(String, String)], bib: &str) -> Option<String> {
    list.iter().find(|(b, _)| b == bib).map(|(_, n)| n.clone())
}

/// The board's rows' bibs and names.
async fn board(app: &TestApp) -> Vec<(String, String)> {
    let board = app.get_json("/api/leaderboard?limit=1000").await;
    board["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s: &Value| {
            (
                s["bib"].to_string().trim_matches('"').to_owned(),
                s["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn edit(
    bib: &'static str,
    name: &'static str,
    devices: &'static str,
) -> [(&'static str, &'static str); 4] {
    [
        ("bib", bib),
        ("name", name),
        ("category", ""),
        ("devices", devices),
    ]
}

fn export(data_dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["event", "export", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap()
}

#[tokio::test]
async fn roster_changes_apply_at_once_survive_a_restart_and_export_round_trips() {
    let config = with_demo_event();
    let data_dir = config.data_dir.clone();
    let (app, cookie) = organiser_app(config).await;
    assert_eq!(
        name_of(&entrants(&app).await, "3").as_deref(),
        Some("Alan Turing")
    );

    // Edit: the entrants, the board and the runner's page say it at once.
    let saved = post_form(
        &app,
        &cookie,
        "/admin/runners/3",
        &edit("3", "Alan Renamed", "demo-3"),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(saved.headers()[header::LOCATION], "/admin/runners/3");
    assert_eq!(
        name_of(&entrants(&app).await, "3").as_deref(),
        Some("Alan Renamed")
    );
    assert_eq!(
        name_of(&board(&app).await, "3").as_deref(),
        Some("Alan Renamed")
    );
    let (_, page) = signed_text(&app, &cookie, "/admin/runners/3").await;
    assert!(
        page.contains("ana: name &quot;Alan Turing&quot; → &quot;Alan Renamed&quot;"),
        "{page}"
    );

    // Add: the new runner's device publishes at once; remove: the runner leaves the board.
    assert_eq!(
        osmand(&app, "new-phone", 500.0, "").await,
        StatusCode::NOT_FOUND
    );
    let added = post_form(
        &app,
        &cookie,
        "/admin/runners",
        &edit("99", "New Runner", "new-phone"),
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(osmand(&app, "new-phone", 500.0, "").await, StatusCode::OK);
    let removed = post_form(&app, &cookie, "/admin/runners/5/remove", &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let rows = board(&app).await;
    assert!(
        name_of(&rows, "99").is_some() && name_of(&rows, "5").is_none(),
        "{rows:?}"
    );
    assert_eq!(
        osmand(&app, "demo-5", 500.0, "").await,
        StatusCode::NOT_FOUND
    );

    // A restart with the same event file keeps the organisers' changes.
    let app = crate::console_kit::restart(
        app,
        Config {
            data_dir: data_dir.clone(),
            ..with_demo_event()
        },
    )
    .await;
    let kept = entrants(&app).await;
    assert_eq!(name_of(&kept, "3").as_deref(), Some("Alan Renamed"));
    assert!(name_of(&kept, "99").is_some() && name_of(&kept, "5").is_none());

    // Export, check, and serve the export from a fresh data dir: the same field.
    let out = export(&data_dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = data_dir.join("exported.toml");
    std::fs::write(&file, &out.stdout).unwrap();
    let again = Event::load(&file).unwrap();
    assert_eq!(again.runners.len(), 12);
    let fresh = spawn_app_with(Config {
        event: Some(file),
        ..Config::for_tests()
    })
    .await;
    assert_eq!(entrants(&fresh).await, kept);
}

#[tokio::test]
async fn roster_refuses_a_change_that_breaks_the_rules_and_changes_nothing() {
    let (app, cookie) = organiser_app(with_demo_event()).await;
    let before = entrants(&app).await;
    // demo-4 is runner 4's device; bib 4 is taken; an empty name; a bad bib.
    for (form, said) in [
        (
            edit("3", "Alan", "demo-4"),
            "device &quot;demo-4&quot; is given to runners",
        ),
        (edit("4", "Alan", "demo-3"), "bib 4 is used twice"),
        (edit("3", " ", "demo-3"), "runner 3 has no name"),
        (edit("3 3", "Alan", "demo-3"), "bib &quot;3 3&quot;"),
    ] {
        let refused = post_form(&app, &cookie, "/admin/runners/3", &form).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let page = refused.text().await.unwrap();
        assert!(page.contains(said), "{said}: {page}");
    }
    assert_eq!(entrants(&app).await, before);
    let (_, page) = signed_text(&app, &cookie, "/admin/runners/3").await;
    assert!(
        !page.contains("ana:"),
        "a refused change is in the history: {page}"
    );

    // Not signed in: sent to sign in; another site's form: refused.
    let anonymous = http()
        .post(app.url("/admin/runners/3/remove"))
        .header(header::ORIGIN, format!("http://{}", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[header::LOCATION], "/admin/sign-in");
    let cross_site = http()
        .post(app.url("/admin/runners/3/remove"))
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(entrants(&app).await, before);
}

#[tokio::test]
async fn roster_list_searches_and_pages_the_field() {
    let (app, cookie) = organiser_app(with_demo_event()).await;
    let (status, page) = signed_text(&app, &cookie, "/admin/runners?q=turing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("1 of 12 runners") && page.contains("/admin/runners/3"),
        "{page}"
    );
    let (_, all) = signed_text(&app, &cookie, "/admin/runners").await;
    assert_eq!(all.matches("<tr><td><a href=\"/admin/runners/").count(), 12);
}

#[tokio::test]
async fn roster_an_edited_event_file_replaces_the_stored_field_at_start() {
    // The event file beside its course, as an organiser keeps it.
    let config = Config::for_tests();
    let dir = config.data_dir.with_extension("event");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        demo_event_file().with_file_name("garmin-activity.gpx"),
        dir.join("garmin-activity.gpx"),
    )
    .unwrap();
    let file = dir.join("event.toml");
    let text = std::fs::read_to_string(demo_event_file()).unwrap();
    std::fs::write(&file, &text).unwrap();
    let data_dir = config.data_dir.clone();
    let (mut app, cookie) = organiser_app(Config {
        event: Some(file.clone()),
        ..config
    })
    .await;
    let saved = post_form(
        &app,
        &cookie,
        "/admin/runners/3",
        &edit("3", "Alan Renamed", "demo-3"),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    app.stop();
    app.task.take().unwrap().await.unwrap().unwrap();

    // The organiser edits the file: its field wins, and the history says so.
    std::fs::write(&file, text.replace("Ada Lovelace", "Ada King")).unwrap();
    let app = spawn_app_with(Config {
        event: Some(file),
        data_dir,
        ..Config::for_tests()
    })
    .await;
    let now = entrants(&app).await;
    assert_eq!(name_of(&now, "1").as_deref(), Some("Ada King"));
    assert_eq!(name_of(&now, "3").as_deref(), Some("Alan Turing"));
    let cookie = crate::admin::session_cookie(&app, "ana").await;
    let (_, page) = signed_text(&app, &cookie, "/admin/runners/1").await;
    assert!(
        page.contains("event file: added 1 &quot;Ada King&quot;"),
        "{page}"
    );
}
