//! Tokens and the Origin check, on a server that is not open.

use std::time::Duration;

use serde_json::json;
use spectate_app::protocol::RunnerId;
use spectate_server::{
    auth::{Subject, TokenKeys},
    config::Config,
    hub::now_ms,
};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{self, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{TestApp, spawn_app_with};

const SECRET: &str = "auth-test-secret-auth-test-secret-0123";

async fn closed_app() -> TestApp {
    spawn_app_with(Config {
        open_publishing: false,
        secret: Some(SECRET.to_owned()),
        allowed_origins: vec!["https://race.example".to_owned()],
        ..Config::for_tests()
    })
    .await
}

fn keys() -> TokenKeys {
    TokenKeys::new(SECRET.as_bytes())
}

fn runner_token(id: &str) -> String {
    keys().issue(
        &Subject::Runner(RunnerId::parse(id).unwrap()),
        Duration::from_secs(600),
    )
}

#[tokio::test]
async fn each_token_problem_has_its_own_error_and_a_good_token_publishes() {
    let app = closed_app().await;
    let mut watcher = app.connect("/ws").await;
    watcher.expect_welcome().await;
    watcher
        .send_json(json!({"type": "subscribe", "topics": ["runner:42"]}))
        .await;
    assert_eq!(watcher.next_json().await["type"], "snapshot");
    let mut phone = app.connect("/ws").await;
    assert_eq!(phone.expect_welcome().await["open_publishing"], false);
    let publish =
        json!({"type": "publish", "topic": "runner:42", "data": {"lat": 1.0, "lng": 2.0}});

    phone.send_json(publish.clone()).await;
    let error = phone.next_json().await;
    assert_eq!(error["code"], "token_missing", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("spectate token --runner 42")
    );

    let forged = TokenKeys::new(b"another-server-secret-another-server!!")
        .issue(&Subject::Admin, Duration::from_secs(60));
    phone
        .send_json(json!({"type": "auth", "token": forged}))
        .await;
    assert_eq!(phone.next_json().await["code"], "token_invalid");
    phone
        .send_json(json!({"type": "auth", "token": "garbage"}))
        .await;
    assert_eq!(phone.next_json().await["code"], "token_invalid");

    let now = now_ms() / 1000;
    let expired = keys().sign(
        &Subject::Runner(RunnerId::parse("42").unwrap()),
        now - 7200,
        now - 3600,
    );
    phone
        .send_json(json!({"type": "auth", "token": expired}))
        .await;
    assert_eq!(phone.next_json().await["code"], "token_expired");

    phone
        .send_json(json!({"type": "auth", "token": runner_token("7")}))
        .await;
    let authed = phone.next_json().await;
    assert_eq!(
        authed,
        json!({"type": "authed", "subject": "runner:7", "expires": authed["expires"]})
    );
    phone.send_json(publish.clone()).await;
    let error = phone.next_json().await;
    assert_eq!(error["code"], "token_wrong_subject", "{error}");
    assert!(error["message"].as_str().unwrap().contains("runner 7"));

    phone
        .send_json(json!({"type": "auth", "token": runner_token("42")}))
        .await;
    assert_eq!(phone.next_json().await["subject"], "runner:42");
    phone.send_json(publish).await;
    let fix = watcher.next_json().await;
    assert_eq!(
        (fix["type"].as_str(), fix["topic"].as_str()),
        (Some("event"), Some("runner:42"))
    );

    // Series points need a publisher token: a runner's will not do.
    let point =
        json!({"type": "publish", "id": 5, "topic": "series:splits", "data": {"value": 1.0}});
    phone.send_json(point.clone()).await;
    let error = phone.next_json().await;
    assert_eq!(
        (error["id"].as_u64(), error["code"].as_str()),
        (Some(5), Some("token_wrong_subject")),
        "{error}"
    );
    let publisher = keys().issue(&Subject::Publisher, Duration::from_secs(60));
    phone
        .send_json(json!({"type": "auth", "token": publisher}))
        .await;
    assert_eq!(phone.next_json().await["subject"], "publisher");
    phone.send_json(point).await;
    assert_eq!(phone.next_json().await, json!({"type": "ack", "id": 5}));
}

#[tokio::test]
async fn seed_clients_authenticate_with_a_query_token_or_in_the_hello() {
    let app = closed_app().await;
    let mut watcher = app.connect("/").await;
    watcher
        .send_json(json!({"initialRequest": true, "following": [5, 6]}))
        .await;

    let mut by_query = app.connect(&format!("/?token={}", runner_token("5"))).await;
    by_query
        .send_json(json!({"userId": 5, "lat": 5.0, "lng": 5.0}))
        .await;
    assert_eq!(watcher.next_json().await["userId"], 5);

    let mut by_hello = app.connect("/spectate").await;
    by_hello.send_json(json!({"initialRequest": true, "following": [], "userId": 6, "token": runner_token("6")})).await;
    by_hello
        .send_json(json!({"userId": 6, "lat": 6.0, "lng": 6.0}))
        .await;
    assert_eq!(watcher.next_json().await["userId"], 6);
    // A runner can never publish as another.
    by_hello
        .send_json(json!({"userId": 5, "lat": 6.0, "lng": 6.0}))
        .await;
    assert_eq!(
        by_hello.next_json().await["error"]["code"],
        "token_wrong_subject"
    );
}

/// Connects with an `Origin` header; returns the HTTP status of a refused handshake.
async fn connect_from(app: &TestApp, path: &str, origin: &str) -> Result<(), u16> {
    let mut request = format!("ws://{}{path}", app.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_str(origin).unwrap());
    match connect_async(request).await {
        Ok(_) => Ok(()),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[tokio::test]
async fn tokens_from_other_sites_pages_are_refused() {
    let app = closed_app().await;
    let with_token = format!("/ws?token={}", runner_token("1"));
    assert_eq!(
        connect_from(&app, &with_token, "https://evil.example").await,
        Err(403)
    );
    assert_eq!(
        connect_from(&app, &with_token, "https://race.example").await,
        Ok(())
    );
    assert_eq!(
        connect_from(&app, &with_token, &format!("http://{}", app.addr)).await,
        Ok(())
    );
    // Following needs no token, so any site may open an anonymous socket.
    assert_eq!(
        connect_from(&app, "/ws", "https://evil.example").await,
        Ok(())
    );
    // A bad token in the URL is refused before the upgrade.
    assert_eq!(
        connect_from(&app, "/ws?token=nope", "https://race.example").await,
        Err(401)
    );
}

#[tokio::test]
async fn an_anonymous_cross_site_socket_cannot_authenticate_later() {
    let app = closed_app().await;
    let mut request = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static("https://evil.example"));
    let (ws, _) = connect_async(request).await.unwrap();
    let mut client = crate::helpers::Client { ws };
    client.expect_welcome().await;
    client
        .send_json(json!({"type": "auth", "token": runner_token("1")}))
        .await;
    assert_eq!(client.next_json().await["code"], "origin_forbidden");
}

#[tokio::test]
async fn the_cli_issues_tokens_the_server_accepts() {
    let dir = std::env::temp_dir().join(format!("spectate-cli-token-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["token", "--runner", "77", "--ttl", "2h", "--data-dir"])
        .arg(&dir)
        .env_remove("SPECTATE_SECRET")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(String::from_utf8_lossy(&output.stderr).contains("runner:77"));

    // A server on the same data dir (so the same secret) accepts it.
    let app = spawn_app_with(Config {
        open_publishing: false,
        secret: None,
        data_dir: dir.clone(),
        ..Config::for_tests()
    })
    .await;
    let mut client = app.connect(&format!("/ws?token={token}")).await;
    client.expect_welcome().await;
    let authed = client.next_json().await;
    assert_eq!(authed["subject"], "runner:77");
    let expires = authed["expires"].as_u64().unwrap();
    let in_two_hours = now_ms() / 1000 + 7200;
    assert!(
        expires.abs_diff(in_two_hours) < 60,
        "{expires} vs {in_two_hours}"
    );

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["token", "--runner", "<x>"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_private_event_needs_a_token_to_follow_and_spectators_publish_nothing() {
    let app = spawn_app_with(Config {
        open_publishing: false,
        private: true,
        secret: Some(SECRET.to_owned()),
        ..Config::for_tests()
    })
    .await;
    let mut anonymous = app.connect("/ws").await;
    anonymous.expect_welcome().await;
    anonymous
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["runner:1"]}))
        .await;
    let error = anonymous.next_json().await;
    assert_eq!(
        (error["id"].as_u64(), error["code"].as_str()),
        (Some(1), Some("token_missing")),
        "{error}"
    );
    assert!(error["message"].as_str().unwrap().contains("private"));

    let mut seed = app.connect("/").await;
    seed.send_json(json!({"initialRequest": true, "following": [1]}))
        .await;
    assert_eq!(seed.next_json().await["error"]["code"], "token_missing");
    let mut room = app.connect("/room").await;
    assert_eq!(room.next_json().await["error"]["code"], "token_missing");

    let spectator = keys().issue(&Subject::Spectator, Duration::from_secs(60));
    let mut fan = app.connect(&format!("/ws?token={spectator}")).await;
    fan.expect_welcome().await;
    assert_eq!(fan.next_json().await["subject"], "spectator");
    fan.send_json(json!({"type": "subscribe", "id": 2, "topics": ["runner:1"]}))
        .await;
    assert_eq!(fan.next_json().await["type"], "snapshot");
    assert_eq!(fan.next_json().await, json!({"type": "ack", "id": 2}));
    fan.send_json(
        json!({"type": "publish", "id": 3, "topic": "runner:1", "data": {"lat": 1, "lng": 1}}),
    )
    .await;
    assert_eq!(fan.next_json().await["code"], "token_wrong_subject");
}
