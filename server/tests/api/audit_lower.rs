//! The audit's lower findings (issue 16, item 10), each against the real server: the
//! Origin's scheme, a repeated `?token=`, a token not valid yet, an all-or-nothing
//! seed hello, invalid UTF-8 in a text frame, and a private data directory.

use std::{path::Path, time::Duration};

use serde_json::{Value, json};
use spectate_server::{
    auth::{Subject, TokenKeys},
    config::Config,
    hub::now_ms,
    proxy::{TrustedProxies, parse_cidr},
};
use tokio_tungstenite::tungstenite::{
    Message,
    protocol::frame::{
        Frame,
        coding::{Data, OpCode},
    },
};

use super::helpers::{spawn_app, spawn_app_with};

const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

fn admin_token() -> String {
    TokenKeys::new(SECRET).issue(&Subject::Admin, Duration::from_secs(600))
}

#[tokio::test]
async fn the_origin_check_compares_the_scheme_too() {
    let app = spawn_app().await;
    let own = |scheme: &str| ("origin", format!("{scheme}://{}", app.addr));
    let path = format!("/ws?token={}", admin_token());
    // The server speaks plain HTTP: a page from https://<its host> is another origin.
    let refused = app.connect_with(&path, &[own("https")]).await.err();
    assert_eq!(refused.as_ref().map(|r| r.0), Some(403), "{refused:?}");
    assert!(refused.unwrap().1.contains("origin_forbidden"));
    assert!(app.connect_with(&path, &[own("http")]).await.is_ok());

    // Behind a trusted TLS proxy that says so, the page's origin is https.
    let proxied = spawn_app_with(Config {
        trusted_proxies: TrustedProxies::new([parse_cidr("127.0.0.1").unwrap()]),
        ..Config::for_tests()
    })
    .await;
    let behind = |scheme: &str| {
        vec![
            ("origin", format!("{scheme}://{}", proxied.addr)),
            ("x-forwarded-proto", "https".to_owned()),
        ]
    };
    assert!(proxied.connect_with(&path, &behind("https")).await.is_ok());
    assert_eq!(
        proxied
            .connect_with(&path, &behind("http"))
            .await
            .err()
            .map(|r| r.0),
        Some(403)
    );
}

#[tokio::test]
async fn a_repeated_token_in_the_query_is_refused_not_ignored() {
    let app = spawn_app_with(Config {
        private: true,
        ..Config::for_tests()
    })
    .await;
    let token = admin_token();
    let refused = app
        .connect_with(&format!("/ws?token={token}&token={token}"), &[])
        .await
        .err();
    assert_eq!(refused.as_ref().map(|r| r.0), Some(400), "{refused:?}");
    assert!(refused.unwrap().1.contains("once"));
    let response = reqwest::get(app.url(&format!("/api/race?token={token}&token=x")))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("once"));
    // Once is fine.
    assert!(
        app.connect_with(&format!("/ws?token={token}"), &[])
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_token_that_is_not_valid_yet_is_refused() {
    let app = spawn_app().await;
    let now = now_ms() / 1000;
    let claims = json!({"sub": "admin", "iat": now, "nbf": now + 600, "exp": now + 3600});
    let early = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    let refused = app
        .connect_with(&format!("/ws?token={early}"), &[])
        .await
        .err();
    assert_eq!(refused.as_ref().map(|r| r.0), Some(401), "{refused:?}");
    let body = refused.unwrap().1;
    assert!(
        body.contains("token_invalid") && body.contains("not valid yet"),
        "{body}"
    );
}

#[tokio::test]
async fn a_seed_hello_over_the_topic_limit_changes_nothing() {
    let app = spawn_app().await;
    let mut seed = app.connect("/spectate").await;
    seed.send_json(json!({"initialRequest": true, "following": [1], "userId": 0}))
        .await;
    app.wait_for_stats("one follow", |s| s.subscriptions == 1)
        .await;
    let many: Vec<u32> = (100..400).collect();
    seed.send_json(json!({"initialRequest": true, "following": many, "userId": 0}))
        .await;
    let error: Value = serde_json::from_str(&seed.next_text().await).unwrap();
    assert_eq!(error["error"]["code"], "limit_reached", "{error}");
    // Not the first 256 of them: the follow list is what it was.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(app.stats().await.subscriptions, 1);
}

#[tokio::test]
async fn a_text_frame_that_is_not_utf8_is_closed_with_1007() {
    let app = spawn_app().await;
    for path in ["/ws", "/spectate"] {
        let mut client = app.connect(path).await;
        let frame = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
        futures::SinkExt::send(&mut client.ws, Message::Frame(frame))
            .await
            .unwrap();
        let (code, reason) = client.expect_close().await;
        assert_eq!(code, 1007, "{path}: {reason}");
        assert!(reason.contains("UTF-8"), "{reason}");
    }
}

/// The permission bits of `path`.
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_data_directory_and_the_database_are_the_servers_alone() {
    let config = Config {
        secret: None,
        ..Config::for_tests()
    };
    let dir = config.data_dir.clone();
    let _app = spawn_app_with(config).await;
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    for file in [
        "spectate.db",
        "spectate.db-wal",
        "spectate.db-shm",
        "secret.key",
    ] {
        let path = dir.join(file);
        if file == "spectate.db" || path.exists() {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}
