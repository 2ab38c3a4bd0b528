//! What tracker apps may not do, and what they must be allowed to do (issue 16, items
//! 8 and 9): no publishing on a header alone, no finding device ids by trying, no
//! impossible readings in the store, and an empty OwnTracks post is fine.

use std::time::Duration;

use serde_json::json;
use spectate_server::{config::Limits, hub::now_ms, store};

use super::{
    helpers::spawn_app_with,
    ingest::{basic, follower, race, race_config, token},
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

#[tokio::test]
async fn non_finite_readings_are_refused_and_impossible_ones_dropped() {
    let config = race_config();
    let data_dir = config.data_dir.clone();
    let app = spawn_app_with(config).await;
    let http = reqwest::Client::new();
    let t = now_ms() / 1000 - 60;
    let osmand = |extra: &str, t: u64| {
        let url = app.url(&format!(
            "/api/osmand?id=demo-3&lat=48.5&lon=2.25&timestamp={t}{extra}"
        ));
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    for (extra, reading) in [
        ("&speed=inf", "speed"),
        ("&altitude=NaN", "altitude"),
        ("&accuracy=-infinity", "accuracy"),
        ("&batt=nan", "battery"),
    ] {
        let refused = osmand(extra, t).await;
        assert_eq!(refused.status(), 400, "{extra}");
        let message = refused.text().await.unwrap();
        assert!(
            message.contains(&format!("{reading} is not a finite number")),
            "{message}"
        );
    }
    // Below sea level is real; a negative speed or accuracy and a battery of -1 are
    // apps saying "unknown".
    let taken = osmand("&speed=-1&accuracy=-5&altitude=-12.5&batt=-1", t).await;
    assert_eq!(taken.status(), 200);
    let traccar = json!({"location": {"timestamp": (t + 10) * 1000, "coords": {"latitude": 48.5001, "longitude": 2.25, "speed": -1, "accuracy": -1}, "battery": {"level": -1}}, "device_id": "demo-3"});
    let json_post = http
        .post(app.url("/api/osmand"))
        .json(&traccar)
        .send()
        .await
        .unwrap();
    assert_eq!(json_post.status(), 200);
    let stored = store::read_all(&data_dir).unwrap();
    let readings: Vec<_> = stored
        .iter()
        .map(|f| (f.speed_mps, f.accuracy_m, f.altitude_m, f.battery_pct))
        .collect();
    assert_eq!(
        readings,
        [(None, None, Some(-12.5), None), (None, None, None, None)]
    );
    let gpx = app.get_text("/api/runners/3/track.gpx").await;
    assert!(!gpx.contains("inf") && !gpx.contains("NaN"), "{gpx}");
}

#[tokio::test]
async fn an_empty_owntracks_post_is_answered_with_an_empty_list() {
    let app = race().await;
    let http = reqwest::Client::new();
    let empty = http
        .post(app.url("/api/owntracks"))
        .header("authorization", basic("3", &token("3")))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 200);
    assert_eq!(empty.text().await.unwrap(), "[]");
    // Still only for someone identified.
    let anonymous = http.post(app.url("/api/owntracks")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
