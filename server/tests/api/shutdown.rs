//! Graceful shutdown: every socket is told 1001, streams end, the server returns.

use std::time::Duration;

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn shutdown_closes_sockets_with_1001_and_ends_streams() {
    let mut app = spawn_app().await;
    let mut seed = app.connect("/").await;
    seed.send_json(json!({"initialRequest": true, "following": [1]}))
        .await;
    let mut web = app.connect("/ws").await;
    web.expect_welcome().await;
    let stream = reqwest::get(app.url("/happiness")).await.unwrap();
    app.wait_for_stats("two sockets and a stream", |s| {
        s.connections == 2 && s.streams == 1
    })
    .await;

    app.stop();
    for client in [&mut seed, &mut web] {
        let (code, reason) = client.expect_close().await;
        assert_eq!(code, 1001);
        assert!(reason.contains("shutting down"), "{reason}");
    }
    // The NDJSON stream ends instead of holding the server open.
    let body = tokio::time::timeout(Duration::from_secs(5), stream.text()).await;
    assert!(body.is_ok(), "the stream ended");
    let task = app.task.take().unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), task).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "server returned: {result:?}"
    );
}
