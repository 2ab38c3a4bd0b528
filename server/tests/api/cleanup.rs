//! Nothing leaks: after clients leave, every gauge is back to zero.

use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::spawn_app;

#[tokio::test]
async fn subscriptions_members_and_connections_return_to_zero() {
    let app = spawn_app().await;
    let mut clients = Vec::new();
    for i in 0..40 {
        let mut seed = app.connect("/").await;
        seed.send_json(json!({"initialRequest": true, "following": [i, i + 1, "x"]}))
            .await;
        clients.push(seed);
        let mut web = app.connect("/ws").await;
        web.expect_welcome().await;
        let topics = [
            format!("runner:{i}"),
            "series:happiness".into(),
            "room:lobby".into(),
        ];
        web.send_json(json!({"type": "subscribe", "topics": topics}))
            .await;
        clients.push(web);
        clients.push(app.connect("/room").await);
        clients.push(app.connect("/happiness").await);
    }
    let busy = app
        .wait_for_stats("everyone subscribed", |s| {
            s.subscriptions == 40 * 3 + 40 && s.room_members == 80 && s.connections == 160
        })
        .await;
    assert!(busy.series_subscriptions >= 40);

    // Half leave politely, half just drop their sockets.
    for (i, mut client) in clients.into_iter().enumerate() {
        if i % 2 == 0 {
            let _ = client.ws.close(None).await;
        }
    }
    let idle = app
        .wait_for_stats("everything released", |s| {
            s.subscriptions == 0
                && s.room_members == 0
                && s.connections == 0
                && s.series_subscriptions == 0
        })
        .await;
    // Runners nobody follows and nobody published are forgotten too.
    assert_eq!(idle.runners, 0, "{idle:?}");
}

#[tokio::test]
async fn ten_thousand_connect_disconnect_cycles_leave_the_registry_empty() {
    const CYCLES: usize = 10_000;
    const AT_ONCE: usize = 50;
    let app = spawn_app().await;
    let url = format!("ws://{}/ws", app.addr);
    let workers: Vec<_> = (0..AT_ONCE)
        .map(|w| {
            let url = url.clone();
            tokio::spawn(async move {
                for i in (w..CYCLES).step_by(AT_ONCE) {
                    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
                    let topics = [format!("runner:{}", i % 100), "room:lobby".into()];
                    let subscribe =
                        json!({"type": "subscribe", "id": 1, "topics": topics}).to_string();
                    ws.send(Message::Text(subscribe.into())).await.unwrap();
                    // Wait for the ack, so the subscriptions really were made.
                    while let Some(Ok(frame)) = ws.next().await {
                        if frame.to_text().unwrap_or("").contains("\"ack\"") {
                            break;
                        }
                    }
                    // Every other client leaves without a close handshake.
                    if i % 2 == 0 {
                        let _ = ws.close(None).await;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let idle = app
        .wait_for_stats("all 10,000 gone", |s| {
            s.connections == 0 && s.subscriptions == 0 && s.room_members == 0
        })
        .await;
    // Only the happiness series remains: it has history of its own.
    assert_eq!((idle.runners, idle.topics), (0, 1), "{idle:?}");
    assert!(idle.delivered >= 3 * CYCLES as u64, "{idle:?}");
    assert_eq!(app.hub.admission.total(), 0);
    assert_eq!(app.hub.topics.subscription_count(), 0);
}
