//! The seed spectate protocol, exactly as the seed's clients speak it.

use std::collections::HashMap;

use serde_json::{Value, json};
use spectate_server::config::Config;

use crate::helpers::{spawn_app, spawn_app_with};

/// The seed's load scenario: 100 clients, client i follows [i, i+1], 1000 fixes from
/// random clients with random coordinates. Every client must receive exactly the fixes
/// of the ids it follows, in order per id, and nothing else.
#[tokio::test]
async fn seed_load_scenario_delivers_exactly_what_each_client_follows() {
    let app = spawn_app().await;
    const CLIENTS: i64 = 100;
    const FIXES: usize = 1000;
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let mut client = app.connect("/").await;
        client
            .send_json(json!({"initialRequest": true, "following": [i, i + 1], "userId": i}))
            .await;
        clients.push(client);
    }
    app.wait_for_stats("200 follows", |s| s.subscriptions == 200)
        .await;

    let mut rng = fastrand::Rng::with_seed(2024);
    let mut published: HashMap<i64, Vec<Value>> = HashMap::new();
    for _ in 0..FIXES {
        let sender = rng.i64(0..CLIENTS);
        let fix = json!({"userId": sender, "lat": rng.f64() * 180.0 - 90.0, "lng": rng.f64() * 360.0 - 180.0});
        published.entry(sender).or_default().push(fix.clone());
        clients[sender as usize].send_json(fix).await;
    }

    let mut readers = Vec::new();
    for (i, mut client) in clients.into_iter().enumerate() {
        let i = i as i64;
        let expected: HashMap<i64, Vec<Value>> = [i, i + 1]
            .into_iter()
            .map(|id| (id, published.get(&id).cloned().unwrap_or_default()))
            .collect();
        readers.push(tokio::spawn(async move {
            let total: usize = expected.values().map(Vec::len).sum();
            let mut got: HashMap<i64, Vec<Value>> = HashMap::new();
            for _ in 0..total {
                let fix = client.next_json().await;
                let id = fix["userId"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("numeric userId in {fix}"));
                got.entry(id).or_default().push(fix);
            }
            client
                .expect_silence(std::time::Duration::from_millis(200))
                .await;
            for id in [i, i + 1] {
                assert_eq!(
                    got.remove(&id).unwrap_or_default(),
                    expected[&id],
                    "client {i}: fixes of {id} differ (order or content)"
                );
            }
            assert!(
                got.is_empty(),
                "client {i} got fixes of runners it does not follow: {got:?}"
            );
            total
        }));
    }
    let mut delivered = 0;
    for reader in readers {
        delivered += reader.await.unwrap();
    }
    // Client 99 follows 100, which nobody publishes: every fix of 0..=99 reaches 2 clients
    // except those of id 0, which only client 0 follows.
    let of_zero = published.get(&0).map_or(0, Vec::len);
    assert_eq!(delivered, 2 * FIXES - of_zero);
}

#[tokio::test]
async fn spectate_path_and_string_ids_work_and_ids_come_back_as_sent() {
    let app = spawn_app().await;
    let mut follower = app.connect("/spectate").await;
    follower
        .send_json(json!({"initialRequest": true, "following": ["anna", "5"]}))
        .await;
    let mut runner = app.connect("/spectate").await;
    runner
        .send_json(json!({"initialRequest": true, "following": [], "userId": "anna"}))
        .await;
    app.wait_for_stats("2 follows", |s| s.subscriptions == 2)
        .await;

    runner
        .send_json(json!({"userId": "anna", "lat": 51.5, "lng": -0.1}))
        .await;
    assert_eq!(
        follower.next_json().await,
        json!({"userId": "anna", "lat": 51.5, "lng": -0.1})
    );
    // "5" and 5 are the same runner; a numeric id is written back as a number.
    runner
        .send_json(json!({"userId": 5, "lat": 1.0, "lng": 2.0}))
        .await;
    assert_eq!(
        follower.next_json().await,
        json!({"userId": 5, "lat": 1.0, "lng": 2.0})
    );
}

#[tokio::test]
async fn a_second_hello_replaces_the_follow_list() {
    let app = spawn_app().await;
    let mut client = app.connect("/").await;
    client
        .send_json(json!({"initialRequest": true, "following": [1, 2]}))
        .await;
    client
        .send_json(json!({"initialRequest": true, "following": [3]}))
        .await;
    app.wait_for_stats("1 follow", |s| s.subscriptions == 1)
        .await;
    client
        .send_json(json!({"userId": 1, "lat": 1.0, "lng": 1.0}))
        .await;
    client
        .send_json(json!({"userId": 3, "lat": 3.0, "lng": 3.0}))
        .await;
    assert_eq!(client.next_json().await["userId"], 3);
    client
        .expect_silence(std::time::Duration::from_millis(200))
        .await;
}

#[tokio::test]
async fn publishing_needs_a_token_unless_open_but_following_works() {
    let app = spawn_app_with(Config {
        open_publishing: false,
        ..Config::for_tests()
    })
    .await;
    let mut client = app.connect("/").await;
    client
        .send_json(json!({"initialRequest": true, "following": [1], "userId": 1}))
        .await;
    client
        .send_json(json!({"userId": 1, "lat": 1.0, "lng": 1.0}))
        .await;
    let error = client.next_json().await;
    assert_eq!(error["error"]["code"], "token_missing", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("?token="),
        "{error}"
    );
    app.wait_for_stats("the follow", |s| s.subscriptions == 1)
        .await;
}
