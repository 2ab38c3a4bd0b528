//! The event's settings in a cluster (issue 19): a change made on one node reaches
//! the other's race within a second and is stored there; an event created on one
//! node is tracked by every node, each following the runners' fixes taken on the
//! others.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use spectate_server::config::Config;

use crate::{
    cluster::Redis,
    console_kit::multipart,
    event_created::new_event,
    event_settings::{event, gpx, marks, onto_the_short_course, short},
    helpers::{TestApp, spawn_app_with},
    roster::{entrants, organiser_app, post_form},
};

#[tokio::test]
async fn event_settings_cluster_a_change_on_one_node_reaches_the_other_and_is_kept_there() {
    let redis = Redis::start();
    let (a, cookie) = organiser_app(crate::roster_cluster::node(&redis)).await;
    let b_config = crate::roster_cluster::node(&redis);
    let b_data = b_config.data_dir.clone();
    let b = spawn_app_with(b_config).await;

    onto_the_short_course(&a, &cookie, "Cluster 1k").await;
    within(
        Duration::from_secs(1),
        "node b has the short course",
        async || (event(&b).await["course_m"].as_f64().unwrap() - 731.0).abs() < 10.0,
    )
    .await;
    let now = event(&b).await;
    assert_eq!(now["name"], "Cluster 1k");
    assert_eq!(marks(&now)[1].0, "Early");

    // Node b stored it: after its restart, the same settings and course.
    let b = crate::console_kit::restart(
        b,
        Config {
            data_dir: b_data,
            ..crate::roster_cluster::node(&redis)
        },
    )
    .await;
    let kept = event(&b).await;
    assert_eq!(kept["name"], "Cluster 1k");
    assert!(
        (kept["course_m"].as_f64().unwrap() - 731.0).abs() < 10.0,
        "{kept}"
    );
}

/// A node of the cluster at `redis`, started without an event.
fn bare_node(redis: &Redis) -> Config {
    Config {
        event: None,
        ..crate::roster_cluster::node(redis)
    }
}

/// Waits until `holds`, failing the test with `what` after `limit`.
async fn within(limit: Duration, what: &str, mut holds: impl AsyncFnMut() -> bool) {
    let from = Instant::now();
    while !holds().await {
        assert!(from.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Metres covered by runner `bib` on `app`'s board.
async fn distance(app: &TestApp, bib: &str) -> f64 {
    let board = app.get_json("/api/leaderboard?limit=1000").await;
    board["standings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["bib"].to_string().trim_matches('"') == bib)
        .and_then(|s| s["distance_m"].as_f64())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn event_settings_cluster_an_event_created_on_one_node_is_raced_by_every_node() {
    let redis = Redis::start();
    let (a, cookie) = organiser_app(bare_node(&redis)).await;
    let b = spawn_app_with(bare_node(&redis)).await;
    let fields = short("Created 1k", &[("Bridge", "Bridge")]);
    let course = gpx(11);
    let form = new_event(&fields, course.as_bytes());
    let (status, page) = multipart(&a, &cookie, "/admin/event/new", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let second = Duration::from_secs(1);
    within(second, "node b tracks the event", async || {
        !b.get_json("/api/race").await["event"].is_null()
    })
    .await;
    let grace = [
        ("bib", "7"),
        ("name", "Grace Hopper"),
        ("category", ""),
        ("devices", "grace-phone"),
    ];
    let added = post_form(&a, &cookie, "/admin/runners", &grace).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    within(second, "node b has runner 7", async || {
        entrants(&b).await.iter().any(|(bib, _)| bib == "7")
    })
    .await;

    // A fix taken on b, about 290 m along: on a's board too, and b's.
    let fix = b.url("/api/osmand?id=grace-phone&lat=48.86&lon=2.334");
    assert_eq!(reqwest::get(fix).await.unwrap().status(), StatusCode::OK);
    within(
        Duration::from_secs(2),
        "node a's board has the fix",
        async || distance(&a, "7").await > 200.0,
    )
    .await;
    assert!(distance(&b, "7").await > 200.0);
    assert_eq!(marks(&event(&a).await)[1].0, "Bridge");
}
