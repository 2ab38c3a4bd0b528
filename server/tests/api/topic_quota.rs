//! One address without a token holds a bounded number of topics, across all its
//! sockets (issue 16, item 2): 1,000 sockets x 256 ids from one address cannot fill
//! the server's table.

use std::time::Duration;

use super::helpers::{Client, PATIENCE, TestApp, spawn_app_with};
use serde_json::{Value, json};
use spectate_server::{
    auth::{Subject, TokenKeys},
    config::{Config, Limits},
    proxy::{TrustedProxies, parse_cidr},
};

/// A server publishing with tokens, without an event (so any runner id is
/// followable), where an address may hold 10 topics, behind a proxy on 127.0.0.1.
async fn quota_server() -> TestApp {
    spawn_app_with(Config {
        open_publishing: false,
        limits: Limits {
            max_topics_per_ip: 10,
            ..Limits::default()
        },
        trusted_proxies: TrustedProxies::new([parse_cidr("127.0.0.1").unwrap()]),
        ..Config::for_tests()
    })
    .await
}

/// `/ws` for the client at `address` (as the proxy forwards it), with `token`.
async fn client_at(app: &TestApp, address: &str, token: Option<&str>) -> Client {
    let path = token.map_or("/ws".to_owned(), |t| format!("/ws?token={t}"));
    let mut client = app
        .connect_with(&path, &[("x-forwarded-for", address.to_owned())])
        .await
        .expect("the socket opens");
    client.expect_welcome().await;
    client
}

/// Subscribes to runners `ids` and returns the reply to the request.
async fn follow(client: &mut Client, id: u64, ids: &[&str]) -> Value {
    let topics: Vec<String> = ids.iter().map(|i| format!("runner:{i}")).collect();
    client
        .send_json(json!({"type": "subscribe", "id": id, "topics": topics}))
        .await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no reply to {id}");
        let frame = client.next_json().await;
        if frame["id"] == id {
            return frame;
        }
    }
}

#[tokio::test]
async fn the_sockets_of_one_address_share_a_bounded_number_of_topics() {
    let app = quota_server().await;
    let mut a = client_at(&app, "203.0.113.1", None).await;
    let mut b = client_at(&app, "203.0.113.1", None).await;
    let a_ids = ["a0", "a1", "a2", "a3", "a4", "a5"];
    assert_eq!(follow(&mut a, 1, &a_ids).await["type"], "ack");
    // Six more from another socket of the same address: over 10, none taken.
    let refused = follow(&mut b, 1, &["b0", "b1", "b2", "b3", "b4", "b5"]).await;
    assert_eq!(refused["code"], "limit_reached", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("10 topics"),
        "{refused}"
    );
    app.wait_for_stats("a's six", |s| s.subscriptions == 6)
        .await;
    // Topics the address already holds are free; four new ones fill it.
    let shared = ["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"];
    assert_eq!(follow(&mut b, 2, &shared).await["type"], "ack");
    assert_eq!(follow(&mut b, 3, &["b4"]).await["code"], "limit_reached");
    // Another client (behind the same proxy) has a quota of its own, and so has a
    // client with a token.
    let mut other = client_at(&app, "203.0.113.2", None).await;
    assert_eq!(
        follow(&mut other, 1, &["c0", "c1", "c2"]).await["type"],
        "ack"
    );
    let token = TokenKeys::new(b"test-secret-test-secret-test-secret!")
        .issue(&Subject::Admin, Duration::from_secs(600));
    let mut organiser = client_at(&app, "203.0.113.1", Some(&token)).await;
    let many: Vec<String> = (0..20).map(|i| format!("x{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(follow(&mut organiser, 1, &many).await["type"], "ack");
    // When `a` leaves, its own two topics come back to the address.
    drop(a);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut id = 10;
    loop {
        id += 1;
        let reply = follow(&mut b, id, &["b4", "b5"]).await;
        if reply["type"] == "ack" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{reply}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
