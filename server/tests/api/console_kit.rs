//! What the console's tests share: the demo event, a place on its course, signed-in
//! reads, and the alerts as an organiser sees them.

use std::{path::PathBuf, time::Duration};

use reqwest::{StatusCode, header};
use serde_json::Value;
use spectate_server::{config::Config, event::Event};

use crate::{
    admin::http,
    helpers::{PATIENCE, TestApp},
};

/// The bundled demo event's file.
pub(crate) fn demo_event_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")
}

/// A test config tracking the demo event, with its own data dir.
pub(crate) fn with_demo_event() -> Config {
    Config {
        event: Some(demo_event_file()),
        ..Config::for_tests()
    }
}

/// `(lat, lon)` `metres` along the demo course.
pub(crate) fn along(metres: f64) -> (f64, f64) {
    let p = Event::demo().course.position_at(metres);
    (p.lat(), p.lng())
}

/// A Traccar Client / OsmAnd request for `device` at `metres` along the demo course,
/// with `extra` parameters (`&batt=12`, `&alarm=sos`); its status.
pub(crate) async fn osmand(app: &TestApp, device: &str, metres: f64, extra: &str) -> StatusCode {
    let (lat, lon) = along(metres);
    let url = app.url(&format!(
        "/api/osmand?id={device}&lat={lat}&lon={lon}{extra}"
    ));
    http().get(url).send().await.unwrap().status()
}

/// `GET path` signed in: status and body.
pub(crate) async fn signed_text(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let response = signed(app, cookie, path).await;
    (response.status(), response.text().await.unwrap())
}

/// `GET path` signed in, answered 200.
pub(crate) async fn signed_get(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    let response = signed(app, cookie, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response
}

async fn signed(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    http()
        .get(app.url(path))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// `/admin/alerts` as `cookie` sees it.
pub(crate) async fn alerts(app: &TestApp, cookie: &str) -> Vec<Value> {
    signed_get(app, cookie, "/admin/alerts")
        .await
        .json()
        .await
        .unwrap()
}

/// Waits until `/admin/alerts` holds `n` alerts. The patience is counted in real
/// time: under tokio's paused clock, time jumps ahead while the store's own thread
/// writes, and a busy machine saw the whole patience pass before an alert was stored.
pub(crate) async fn wait_for_alerts(app: &TestApp, cookie: &str, n: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let list = alerts(app, cookie).await;
        if list.len() >= n {
            return list;
        }
        assert!(std::time::Instant::now() < deadline, "only {list:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `POST path` as multipart, signed in and from our own page, with `parts` (name,
/// file name, bytes).
pub(crate) async fn multipart(
    app: &TestApp,
    cookie: &str,
    path: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> (StatusCode, String) {
    let boundary = "----spectate-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file {
            Some(file) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let response = http()
        .post(app.url(path))
        .header(header::COOKIE, cookie)
        .header(header::ORIGIN, format!("http://{}", app.addr))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Stops `app`, waiting for it to end, and starts a server with `config` (its data
/// dir, for a restart).
pub(crate) async fn restart(mut app: TestApp, config: Config) -> TestApp {
    app.stop();
    app.task.take().unwrap().await.unwrap().unwrap();
    crate::helpers::spawn_app_with(config).await
}
