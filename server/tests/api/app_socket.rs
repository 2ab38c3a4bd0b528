//! `/ws`, the pages' own protocol.

use std::time::Duration;

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn welcome_then_follow_gets_the_latest_fixes_then_live_ones() {
    let app = spawn_app().await;
    let mut publisher = app.connect("/ws").await;
    let welcome = publisher.expect_welcome().await;
    assert_eq!(welcome["open_publishing"], true);
    for lat in [1.0, 2.0] {
        publisher
            .send_json(json!({"type": "publish", "runner": 7, "lat": lat, "lng": 0.5}))
            .await;
    }
    app.wait_for_stats("runner 7 known", |s| s.runners == 1)
        .await;

    let mut spectator = app.connect("/ws").await;
    spectator.expect_welcome().await;
    spectator
        .send_json(json!({"type": "follow", "runners": [7, "unknown"]}))
        .await;
    // The snapshot: recent fixes, oldest first, so the map is not empty.
    for lat in [1.0, 2.0] {
        let fix = spectator.next_json().await;
        assert_eq!(fix["type"], "fix");
        assert_eq!(fix["runner"], 7);
        assert_eq!(fix["lat"], lat);
        assert!(fix["ts"].as_u64().unwrap() > 0);
    }
    publisher
        .send_json(json!({"type": "publish", "runner": 7, "lat": 3.0, "lng": 0.5}))
        .await;
    assert_eq!(spectator.next_json().await["lat"], 3.0);

    spectator
        .send_json(json!({"type": "unfollow", "runners": [7]}))
        .await;
    app.wait_for_stats("the unfollow", |s| s.subscriptions == 1)
        .await;
    publisher
        .send_json(json!({"type": "publish", "runner": 7, "lat": 4.0, "lng": 0.5}))
        .await;
    spectator.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn series_subscription_sends_recent_points_then_new_ones() {
    let app = spawn_app().await;
    // Let a few happiness points accumulate (the test interval is 100 ms).
    tokio::time::sleep(Duration::from_millis(350)).await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    client
        .send_json(json!({"type": "subscribe_series", "series": "happiness"}))
        .await;
    let mut last_t = 0;
    for _ in 0..6 {
        let point = client.next_json().await;
        assert_eq!(point["type"], "point");
        assert_eq!(point["series"], "happiness");
        let t = point["t"].as_u64().unwrap();
        assert!(t >= last_t, "points in order");
        last_t = t;
        let v = point["value"].as_f64().unwrap();
        assert!((0.0..10.0).contains(&v));
    }
    client
        .send_json(json!({"type": "unsubscribe_series", "series": "happiness"}))
        .await;
    // At most one point was already on its way.
    let _ = client.next_within(Duration::from_millis(150)).await;
    client.expect_silence(Duration::from_millis(300)).await;
}
