//! An event created in the browser (issue 19): a server started without an event
//! creates one on `/admin/event` (settings and course in one form, refused without a
//! course or with a bad one), tracks it at once, takes its runners' phones, and
//! tracks it again after a restart without an event file.

use reqwest::StatusCode;
use spectate_server::config::Config;

use crate::{
    console_kit::{multipart, signed_text},
    event_settings::{event, gpx, marks, short},
    roster::{organiser_app, post_form},
};

/// The creation form as multipart parts: the settings' fields, and the course file.
pub(crate) fn new_event<'a>(
    fields: &'a [(&'a str, &'a str)],
    gpx: &'a [u8],
) -> Vec<(&'a str, Option<&'a str>, &'a [u8])> {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = fields
        .iter()
        .map(|(k, v)| (*k, None, v.as_bytes()))
        .collect();
    parts.push(("file", Some("course.gpx"), gpx));
    parts
}
#[tokio::test]
async fn event_created_in_the_browser_is_tracked_at_once_and_after_a_restart() {
    let config = Config::for_tests();
    let data_dir = config.data_dir.clone();
    let (app, cookie) = organiser_app(config).await;
    assert!(app.get_json("/api/race").await["event"].is_null());
    let (status, page) = signed_text(&app, &cookie, "/admin/event").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Create the event"), "{page}");

    let fields = short("Created 1k", &[("Bridge", "Bridge")]);
    // Without a course, or with one that is not GPX: refused, nothing tracked.
    let no_file: Vec<_> = fields
        .iter()
        .map(|(k, v)| (*k, None, v.as_bytes()))
        .collect();
    let (status, page) = multipart(&app, &cookie, "/admin/event/new", &no_file).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("choose the course&#39;s GPX file"), "{page}");
    assert!(page.contains("value=\"Created 1k\""), "{page}");
    let (status, page) = multipart(
        &app,
        &cookie,
        "/admin/event/new",
        &new_event(&fields, b"<html></html>"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("the GPX file:"), "{page}");
    assert!(app.get_json("/api/race").await["event"].is_null());

    let course = gpx(11);
    let (status, page) = multipart(
        &app,
        &cookie,
        "/admin/event/new",
        &new_event(&fields, course.as_bytes()),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let created = event(&app).await;
    assert_eq!(created["name"], "Created 1k");
    assert_eq!(marks(&created)[1].0, "Bridge");
    assert_eq!(created["runners"], 0);

    // Runners come next, and their phones are taken at once.
    let added = post_form(
        &app,
        &cookie,
        "/admin/runners",
        &[
            ("bib", "7"),
            ("name", "Grace Hopper"),
            ("category", ""),
            ("devices", "grace-phone"),
        ],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::console_kit::osmand(&app, "grace-phone", 100.0, "").await,
        StatusCode::OK
    );
    let (_, page) = signed_text(&app, &cookie, "/admin/event").await;
    assert!(
        page.contains("ana: created the event &quot;Created 1k&quot;"),
        "{page}"
    );

    // Started again without an event file: the stored event is tracked.
    let app = crate::console_kit::restart(
        app,
        Config {
            data_dir,
            ..Config::for_tests()
        },
    )
    .await;
    let kept = event(&app).await;
    assert_eq!(kept["name"], "Created 1k");
    assert_eq!(kept["runners"], 1);
    assert_eq!(
        crate::console_kit::osmand(&app, "grace-phone", 200.0, "").await,
        StatusCode::OK
    );
}
