//! Nothing leaks: after clients leave, every gauge is back to zero.

use serde_json::json;

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
        web.send_json(json!({"type": "follow", "runners": [i]}))
            .await;
        web.send_json(json!({"type": "subscribe_series", "series": "happiness"}))
            .await;
        web.send_json(json!({"type": "join_room"})).await;
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
