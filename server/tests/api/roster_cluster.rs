//! The field in a cluster (issue 19): a runner edited and a token revoked on one node
//! reach the other node's race and tokens within a second, through Redis.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use spectate_server::config::{ClusterConfig, Config};

use crate::{
    cluster::Redis,
    console_kit::demo_event_file,
    helpers::spawn_app_with,
    roster::{entrants, organiser_app, post_form},
    roster_revoke::{publish, token_of_7},
};

/// A node of the cluster at `redis`, tracking the demo event, its own data dir.
pub(crate) fn node(redis: &Redis) -> Config {
    Config {
        event: Some(demo_event_file()),
        secret: Some("roster-cluster-secret-roster-cluster-secret!".to_owned()),
        open_publishing: false,
        cluster: Some(ClusterConfig {
            redis_url: redis.url(),
            prefix: "spectate".to_owned(),
        }),
        ..Config::for_tests()
    }
}

#[tokio::test]
async fn roster_cluster_a_change_on_one_node_reaches_the_other_within_a_second() {
    let redis = Redis::start();
    let (a, cookie) = organiser_app(node(&redis)).await;
    let b = spawn_app_with(node(&redis)).await;
    let token = token_of_7(&a, &cookie).await;
    assert_eq!(publish(&b, &token, 300.0).await.0, StatusCode::OK);

    let form = [
        ("bib", "3"),
        ("name", "Alan Renamed"),
        ("category", ""),
        ("devices", "demo-3"),
    ];
    let saved = post_form(&a, &cookie, "/admin/runners/3", &form).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let edited = Instant::now();
    loop {
        let names = entrants(&b).await;
        if names.contains(&("3".to_owned(), "Alan Renamed".to_owned())) {
            break;
        }
        assert!(
            edited.elapsed() < Duration::from_secs(1),
            "node b still has {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let revoked = post_form(&a, &cookie, "/admin/runners/7/revoke", &[]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let at = Instant::now();
    let mut metres = 400.0;
    while publish(&b, &token, metres).await.0 != StatusCode::UNAUTHORIZED {
        assert!(
            at.elapsed() < Duration::from_secs(1),
            "node b still takes the revoked token"
        );
        metres += 10.0;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
