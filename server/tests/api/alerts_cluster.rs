//! Safety alerts in a cluster (issue 19): an SOS that reaches one node is on every
//! node's list and live stream within a second; acknowledged on another node, it is
//! acknowledged everywhere; each node stores what it saw, so it survives that node's
//! restart; two nodes that take the same runner's SOS at once raise one alert; and a
//! node that joins later has the alerts raised before.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use spectate_server::config::{ClusterConfig, Config};

use crate::{
    admin::{console_app, session_cookie},
    alerts::{Live, step},
    cluster::Redis,
    console_kit::{alerts, demo_event_file, osmand, restart},
    helpers::{PATIENCE, TestApp},
};

/// A node of the cluster at `redis`, tracking the demo event, its own data dir.
fn node(redis: &Redis) -> Config {
    Config {
        event: Some(demo_event_file()),
        cluster: Some(ClusterConfig {
            redis_url: redis.url(),
            prefix: "spectate".to_owned(),
        }),
        ..Config::for_tests()
    }
}

/// The next live event whose alert is at `stage`.
async fn next_at(live: &mut Live, stage: &str) -> Value {
    loop {
        let (event, alert) = live.next().await;
        if event == "alert" && alert["stage"] == stage {
            return alert;
        }
    }
}

/// Waits until `app`'s list satisfies `done`.
async fn wait_until(app: &TestApp, cookie: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let list = alerts(app, cookie).await;
        if done(&list) {
            return list;
        }
        assert!(tokio::time::Instant::now() < deadline, "only {list:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn alerts_cluster_an_sos_on_one_node_is_seen_and_acknowledged_on_the_other() {
    let redis = Redis::start();
    let a = console_app(&["ana"], node(&redis)).await;
    let b_config = node(&redis);
    let b = console_app(&["bea"], b_config.clone()).await;
    let ana = session_cookie(&a, "ana").await;
    let bea = session_cookie(&b, "bea").await;
    let mut live_a = Live::open(&a, &ana).await;
    let mut live_b = Live::open(&b, &bea).await;

    assert_eq!(
        osmand(&a, "demo-1", 1000.0, "&alarm=sos").await,
        StatusCode::OK
    );
    let raised_at = Instant::now();
    let raised = next_at(&mut live_b, "raised").await;
    assert!(
        raised_at.elapsed() < Duration::from_secs(1),
        "{:?}",
        raised_at.elapsed()
    );
    assert_eq!(
        (raised["runner"].as_u64(), raised["kind"].as_str()),
        (Some(1), Some("sos"))
    );
    let on_b = alerts(&b, &bea).await;
    assert_eq!(on_b.len(), 1, "{on_b:?}");
    assert_eq!(on_b[0]["id"], raised["id"]);
    assert_eq!(next_at(&mut live_a, "raised").await["id"], raised["id"]);

    // Acknowledged on B, where it was not raised: acknowledged on A too.
    let (status, body) = step(&b, &bea, &raised["id"], "acknowledge").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let acknowledged_at = Instant::now();
    let seen = next_at(&mut live_a, "acknowledged").await;
    assert!(acknowledged_at.elapsed() < Duration::from_secs(1));
    assert_eq!(seen["acknowledged"]["by"], "bea");
    let on_a = alerts(&a, &ana).await;
    assert_eq!(on_a.len(), 1, "{on_a:?}");
    assert_eq!(on_a[0]["stage"], "acknowledged");
    assert_eq!(on_a[0]["acknowledged"]["by"], "bea");
    // Acknowledged already, whichever node is asked.
    assert_eq!(
        step(&a, &ana, &raised["id"], "acknowledge").await.0,
        StatusCode::CONFLICT
    );
    // Still open: the runner's next press on B raises no second alert anywhere.
    assert_eq!(
        osmand(&b, "demo-1", 1001.0, "&alarm=sos").await,
        StatusCode::OK
    );
    assert_eq!(alerts(&b, &bea).await.len(), 1);

    // B restarts on its own (no Redis): its store kept what it saw.
    let b = restart(
        b,
        Config {
            cluster: None,
            ..b_config
        },
    )
    .await;
    let after = alerts(&b, &bea).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["id"], raised["id"]);
    assert_eq!(after[0]["kind"], "sos");
    assert_eq!(after[0]["acknowledged"]["by"], "bea");
}

#[tokio::test]
async fn alerts_cluster_one_alert_when_two_nodes_take_the_same_sos_at_once() {
    let redis = Redis::start();
    let a = console_app(&["ana"], node(&redis)).await;
    let b = console_app(&["bea"], node(&redis)).await;
    let ana = session_cookie(&a, "ana").await;
    let bea = session_cookie(&b, "bea").await;
    for round in 0..5_u32 {
        // Runner 2's phone reaches both nodes at the same moment (a balancer that
        // alternates); each round is resolved before the next.
        let metres = 2000.0 + f64::from(round);
        let (on_a, on_b) = tokio::join!(
            osmand(&a, "demo-2", metres, "&alarm=sos"),
            osmand(&b, "demo-2", metres + 0.5, "&alarm=sos"),
        );
        assert_eq!((on_a, on_b), (StatusCode::OK, StatusCode::OK));
        let n = round as usize + 1;
        wait_until(&a, &ana, |l| l.len() >= n).await;
        wait_until(&b, &bea, |l| l.len() >= n).await;
        // Time for a second alert, if one were raised, to reach the other node.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (list_a, list_b) = (alerts(&a, &ana).await, alerts(&b, &bea).await);
        assert_eq!(list_a.len(), n, "round {round}: {list_a:?}");
        assert_eq!(list_b.len(), n, "round {round}: {list_b:?}");
        assert_eq!(list_a[0]["id"], list_b[0]["id"]);
        let (status, body) = step(&a, &ana, &list_a[0]["id"], "resolve").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        wait_until(&b, &bea, |l| l[0]["stage"] == "resolved").await;
    }
}

#[tokio::test]
async fn alerts_cluster_a_node_that_joins_later_has_the_alerts_raised_before() {
    let redis = Redis::start();
    let a = console_app(&["ana"], node(&redis)).await;
    let ana = session_cookie(&a, "ana").await;
    assert_eq!(
        osmand(&a, "demo-4", 400.0, "&alarm=sos").await,
        StatusCode::OK
    );
    assert_eq!(
        osmand(&a, "demo-5", 500.0, "&alarm=sos").await,
        StatusCode::OK
    );
    let raised = wait_until(&a, &ana, |l| l.len() == 2).await;
    let (status, body) = step(&a, &ana, &raised[0]["id"], "resolve").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // B was down meanwhile: linked to Redis, it has both, as they are now.
    let b = console_app(&["bea"], node(&redis)).await;
    let bea = session_cookie(&b, "bea").await;
    let on_b = wait_until(&b, &bea, |l| l.len() == 2).await;
    assert_eq!(on_b[0]["id"], raised[0]["id"]);
    assert_eq!(on_b[0]["resolved"]["by"], "ana");
    assert_eq!(on_b[1]["id"], raised[1]["id"]);
    assert_eq!(on_b[1]["stage"], "raised");
    // And can take it from there.
    let (status, body) = step(&b, &bea, &raised[1]["id"], "acknowledge").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_until(&a, &ana, |l| l[1]["stage"] == "acknowledged").await;
}

#[tokio::test]
async fn alerts_cluster_a_key_left_for_a_resolved_alert_blocks_no_sos() {
    let redis = Redis::start();
    let a = console_app(&["ana"], node(&redis)).await;
    let ana = session_cookie(&a, "ana").await;
    assert_eq!(
        osmand(&a, "demo-6", 600.0, "&alarm=sos").await,
        StatusCode::OK
    );
    let first = wait_until(&a, &ana, |l| l.len() == 1).await;
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("spectate:alerts:open:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let (status, body) = step(&a, &ana, &first[0]["id"], "resolve").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The key's release lost, as when Redis is cut off at that moment.
    let id = first[0]["id"].as_i64().unwrap();
    let _: () = redis::cmd("SET")
        .arg(&keys[0])
        .arg(id)
        .query_async(&mut conn)
        .await
        .unwrap();

    // The runner's next SOS is an alert all the same.
    assert_eq!(
        osmand(&a, "demo-6", 610.0, "&alarm=sos").await,
        StatusCode::OK
    );
    let list = alerts(&a, &ana).await;
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["stage"], "raised");
    assert_ne!(list[0]["id"], first[0]["id"]);
}
