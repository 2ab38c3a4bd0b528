//! In a cluster, a node asks Redis for a topic only once the client may have it
//! (issue 16, item 10): a refused subscription leaves no subscription in Redis.

use serde_json::{Value, json};
use spectate_server::config::{ClusterConfig, Config};

use super::{
    cluster::Redis,
    helpers::{PATIENCE, TestApp, spawn_app_with},
};

/// The channels some node of the cluster subscribes to in `redis`.
async fn channels(redis: &Redis) -> Vec<String> {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("PUBSUB")
        .arg("CHANNELS")
        .arg("spectate:t:*")
        .query_async(&mut conn)
        .await
        .unwrap()
}

/// A node of a private event's cluster (no event file: every topic has a channel).
async fn private_node(redis: &Redis) -> TestApp {
    spawn_app_with(Config {
        private: true,
        cluster: Some(ClusterConfig {
            redis_url: redis.url(),
            prefix: "spectate".to_owned(),
        }),
        ..Config::for_tests()
    })
    .await
}

/// Reads `client` until the reply to request `id`.
async fn reply(client: &mut crate::helpers::Client, id: u64) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        assert!(tokio::time::Instant::now() < deadline);
        let frame = client.next_json().await;
        if frame["id"] == id {
            return frame;
        }
    }
}

#[tokio::test]
async fn a_refused_subscription_subscribes_nothing_in_redis() {
    let redis = Redis::start();
    let app = private_node(&redis).await;
    let before = channels(&redis).await;
    // Without a token, on a private event.
    let mut anonymous = app.connect("/ws").await;
    anonymous.expect_welcome().await;
    anonymous
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["room:secret", "runner:7"]}))
        .await;
    assert_eq!(reply(&mut anonymous, 1).await["code"], "token_missing");
    // Over the per-connection limit.
    let rooms: Vec<String> = (0..300).map(|i| format!("room:r{i}")).collect();
    anonymous
        .send_json(json!({"type": "subscribe", "id": 2, "topics": rooms}))
        .await;
    assert_ne!(reply(&mut anonymous, 2).await["type"], "ack");
    // The seed protocol's hello, without a token.
    let mut seed = app.connect("/spectate").await;
    seed.send_json(json!({"initialRequest": true, "following": ["8"], "userId": 1}))
        .await;
    let error: Value = serde_json::from_str(&seed.next_text().await).unwrap();
    assert_eq!(error["error"]["code"], "token_missing");
    assert_eq!(channels(&redis).await, before);
}
