//! What tracker apps may not do (issue 16, item 8): no publishing on a header alone,
//! no finding device ids by trying.

use std::time::Duration;

use serde_json::json;
use spectate_server::{config::Limits, hub::now_ms};

use super::{
    helpers::spawn_app_with,
    ingest::{follower, race, race_config},
};

#[tokio::test]
async fn owntracks_needs_the_token_even_for_a_registered_device() {
    let app = race().await;
    let mut fan = follower(&app, "1").await;
    let location = json!({"_type": "location", "lat": 48.5, "lon": 2.25, "tst": now_ms() / 1000});
    // `demo-1` is registered to runner 1 in the event file; a header is no credential.
    let response = reqwest::Client::new()
        .post(app.url("/api/owntracks"))
        .header("x-limit-d", "demo-1")
        .header("x-limit-u", "1")
        .json(&location)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.text().await.unwrap().contains("Basic auth"));
    fan.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn an_address_that_tries_unknown_device_ids_is_held_back() {
    let app = spawn_app_with(spectate_server::config::Config {
        limits: Limits {
            unknown_devices_per_minute: 3,
            ..Limits::default()
        },
        ..race_config()
    })
    .await;
    let http = reqwest::Client::new();
    let t = now_ms() / 1000;
    let status = |device: &str| {
        let url = app.url(&format!(
            "/api/osmand?id={device}&lat=48.5&lon=2.25&timestamp={t}"
        ));
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    // A registered device spends nothing.
    for _ in 0..5 {
        assert_eq!(status("demo-2").await.status(), 200);
    }
    for guess in ["demo-100", "demo-101", "demo-102"] {
        assert_eq!(status(guess).await.status(), 404);
    }
    let held = status("demo-103").await;
    assert_eq!(held.status(), 429);
    assert!(held.headers().contains_key("retry-after"));
    let message = held.text().await.unwrap();
    assert!(message.contains("too many unknown device ids"), "{message}");
    // Past the allowance a registered id gets the same answer as an unknown one, so
    // trying ids tells nothing more.
    assert_eq!(status("demo-1").await.status(), 429);
}
