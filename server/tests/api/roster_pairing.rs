//! Pairing a runner's phone (issue 19): the OwnTracks link on the runner's console
//! page decodes to settings that really post to our OwnTracks endpoint with the
//! runner's credentials, and the fix sent with exactly those settings is stored for
//! that runner.

use base64::Engine;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use spectate_server::{config::Config, event::Event};

use crate::{
    admin::http,
    console_kit::{signed_text, with_demo_event},
    roster::organiser_app,
};

/// The value of the `href` of the element with `id` in `page`.
pub(crate) fn href(page: &str, id: &str) -> String {
    let pattern = format!("id=\"{id}\" href=\"");
    let at = page
        .find(&pattern)
        .unwrap_or_else(|| panic!("no #{id}: {page}"));
    let rest = &page[at + pattern.len()..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

fn percent_decode(text: &str) -> String {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next().unwrap(), bytes.next().unwrap()];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap());
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).unwrap()
}

/// The OwnTracks configuration an `owntracks:///config?inline=` link carries.
pub(crate) fn owntracks_config(link: &str) -> Value {
    let inline = link.strip_prefix("owntracks:///config?inline=").unwrap();
    let json = base64::engine::general_purpose::STANDARD
        .decode(percent_decode(inline))
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

#[tokio::test]
async fn roster_pairing_owntracks_link_configures_a_phone_whose_fix_is_stored() {
    // Publishing needs the runner's credentials: no header can name a runner.
    let (app, cookie) = organiser_app(Config {
        open_publishing: false,
        ..with_demo_event()
    })
    .await;
    let (status, page) = signed_text(&app, &cookie, "/admin/runners/7").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("id=\"owntracks-qr\""),
        "{page}"
    );
    let config = owntracks_config(&href(&page, "owntracks-link"));
    assert_eq!(config["_type"], "configuration");
    assert_eq!(config["mode"], 3, "HTTP mode");
    assert_eq!(config["url"], app.url("/api/owntracks"));

    // What the app sends with those settings (OwnTracks' HTTP endpoint: Basic auth
    // with user and password, X-Limit-U and X-Limit-D).
    let p = Event::demo().course.position_at(700.0);
    let send = |password: String| {
        let url = config["url"].as_str().unwrap().to_owned();
        let user = config["username"].as_str().unwrap().to_owned();
        let device = config["deviceId"].as_str().unwrap().to_owned();
        async move {
            http()
                .post(url)
                .basic_auth(&user, Some(password))
                .header("X-Limit-U", &user)
                .header("X-Limit-D", device)
                .header(header::CONTENT_TYPE, "application/json")
                .body(json!({"_type": "location", "lat": p.lat(), "lon": p.lng(), "tst": 1_790_000_000u64}).to_string())
                .send()
                .await
                .unwrap()
        }
    };
    let wrong = send("not-the-token".into()).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let sent = send(config["password"].as_str().unwrap().to_owned()).await;
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(sent.headers()["x-spectate-outcome"], "published");
    // Stored for runner 7 (the track of a runner without stored fixes is a 404).
    let gpx = app.get_text("/api/runners/7/track.gpx").await;
    assert_eq!(gpx.matches("<trkpt").count(), 1, "{gpx}");

    // The runner page's link carries a token for the same runner.
    let track = href(&page, "track-link");
    assert!(track.starts_with(&app.url("/track?token=")), "{track}");
}
