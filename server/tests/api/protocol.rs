//! Protocol v1 on `/ws`: every message type, snapshots, sequence numbers, resume,
//! presence, versioning and conflation, against the real server.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use spectate_app::protocol::{LatLng, Publication, RunnerId, SeriesName};
use spectate_server::config::Limits;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::helpers::{Client, TestApp, raw_upgrade, spawn_app, spawn_app_with_limits};

fn fix(runner: &str, lat: f64) -> Publication {
    Publication::Fix {
        runner: RunnerId::parse(runner).unwrap(),
        position: LatLng::parse(lat, 0.5).unwrap(),
    }
}

async fn subscribe(client: &mut Client, id: u64, topics: &[&str], resume: Option<Value>) {
    let mut msg = json!({"type": "subscribe", "id": id, "topics": topics});
    if let Some(resume) = resume {
        msg["resume"] = resume;
    }
    client.send_json(msg).await;
}

/// Reads a snapshot header and its events; returns (header, events).
async fn snapshot(client: &mut Client) -> (Value, Vec<Value>) {
    let header = client.next_json().await;
    assert_eq!(header["type"], "snapshot", "{header}");
    let mut events = Vec::new();
    for _ in 0..header["count"].as_u64().unwrap() {
        let event = client.next_json().await;
        assert_eq!(event["type"], "event", "{event}");
        assert_eq!(event["topic"], header["topic"]);
        events.push(event);
    }
    (header, events)
}

async fn expect_ack(client: &mut Client, id: u64) {
    assert_eq!(client.next_json().await, json!({"type": "ack", "id": id}));
}

#[tokio::test]
async fn subscribe_gets_a_snapshot_then_numbered_live_events_until_unsubscribed() {
    let app = spawn_app().await;
    let mut publisher = app.connect("/ws").await;
    let welcome = publisher.expect_welcome().await;
    assert_eq!(welcome["protocol"], 1);
    assert_eq!(welcome["open_publishing"], true);
    assert_eq!(welcome["epoch"].as_str().unwrap().len(), 16);
    assert!(welcome["heartbeat_ms"].as_u64().unwrap() > 0);
    assert_eq!(welcome["limits"]["max_topics"], 256);
    for (id, lat) in [(1, 1.0), (2, 2.0)] {
        publisher
            .send_json(json!({"type": "publish", "id": id, "topic": "runner:7", "data": {"lat": lat, "lng": 0.5}}))
            .await;
        expect_ack(&mut publisher, id).await;
    }

    let mut spectator = app.connect("/ws").await;
    spectator.expect_welcome().await;
    subscribe(&mut spectator, 10, &["runner:7", "runner:unknown"], None).await;
    // The snapshot: recent fixes, oldest first, so the map is not empty.
    let (header, events) = snapshot(&mut spectator).await;
    assert_eq!(
        header,
        json!({"type": "snapshot", "topic": "runner:7", "seq": 2, "resumed": false, "count": 2})
    );
    assert_eq!(events[0]["seq"], 1);
    assert_eq!(events[1]["data"]["lat"], 2.0);
    assert!(events[1]["data"]["ts"].as_u64().unwrap() > 0);
    let (empty, _) = snapshot(&mut spectator).await;
    assert_eq!(
        (empty["topic"].as_str(), empty["seq"].as_u64()),
        (Some("runner:unknown"), Some(0))
    );
    expect_ack(&mut spectator, 10).await;

    app.hub.publish(fix("7", 3.0), None).unwrap();
    let live = spectator.next_json().await;
    assert_eq!(
        live,
        json!({"type": "event", "topic": "runner:7", "seq": 3, "data": {"lat": 3.0, "lng": 0.5, "ts": live["data"]["ts"]}})
    );

    spectator
        .send_json(json!({"type": "unsubscribe", "id": 11, "topics": ["runner:7"]}))
        .await;
    expect_ack(&mut spectator, 11).await;
    app.hub.publish(fix("7", 4.0), None).unwrap();
    spectator.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_reconnecting_client_gets_exactly_what_it_missed() {
    let app = spawn_app().await;
    let mut first = app.connect("/ws").await;
    let epoch = first.expect_welcome().await["epoch"].clone();
    subscribe(&mut first, 1, &["runner:5"], None).await;
    snapshot(&mut first).await;
    expect_ack(&mut first, 1).await;
    for lat in [1.0, 2.0, 3.0] {
        app.hub.publish(fix("5", lat), None).unwrap();
    }
    let mut last_seen = 0;
    for _ in 0..3 {
        last_seen = first.next_json().await["seq"].as_u64().unwrap();
    }
    assert_eq!(last_seen, 3);
    drop(first);

    // Missed while away.
    for lat in [4.0, 5.0] {
        app.hub.publish(fix("5", lat), None).unwrap();
    }
    let mut back = app.connect("/ws").await;
    back.expect_welcome().await;
    let resume = json!({"epoch": epoch, "since": {"runner:5": last_seen}});
    subscribe(&mut back, 2, &["runner:5"], Some(resume)).await;
    let (header, events) = snapshot(&mut back).await;
    assert_eq!(header["resumed"], true, "{header}");
    assert!(header.get("gap").is_none());
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [4, 5]);
    assert_eq!(events[1]["data"]["lat"], 5.0);
    expect_ack(&mut back, 2).await;
}

#[tokio::test]
async fn a_gap_too_old_or_from_another_run_is_said_plainly_with_a_fresh_snapshot() {
    let limits = Limits {
        history_events: 4,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    for i in 0..10 {
        app.hub.publish(fix("9", f64::from(i)), None).unwrap();
    }
    let mut client = app.connect("/ws").await;
    let epoch = client.expect_welcome().await["epoch"].clone();

    let too_old = json!({"epoch": epoch, "since": {"runner:9": 2}});
    subscribe(&mut client, 1, &["runner:9"], Some(too_old)).await;
    let (header, events) = snapshot(&mut client).await;
    assert_eq!(header["resumed"], false);
    assert_eq!(header["gap"], json!({"after": 2, "reason": "too_old"}));
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        [7, 8, 9, 10],
        "the fresh snapshot is what history holds"
    );
    expect_ack(&mut client, 1).await;

    let restarted = json!({"epoch": "0000000000000000", "since": {"runner:9": 9}});
    subscribe(&mut client, 2, &["runner:9"], Some(restarted)).await;
    let (header, _) = snapshot(&mut client).await;
    assert_eq!(header["gap"], json!({"after": 9, "reason": "restarted"}));
    expect_ack(&mut client, 2).await;

    let ahead = json!({"epoch": epoch, "since": {"runner:9": 99}});
    subscribe(&mut client, 3, &["runner:9"], Some(ahead)).await;
    let (header, _) = snapshot(&mut client).await;
    assert_eq!(header["gap"]["reason"], "unknown");
    expect_ack(&mut client, 3).await;

    let up_to_date = json!({"epoch": epoch, "since": {"runner:9": 10}});
    subscribe(&mut client, 4, &["runner:9"], Some(up_to_date)).await;
    let (header, events) = snapshot(&mut client).await;
    assert_eq!((header["resumed"].as_bool(), events.len()), (Some(true), 0));
    expect_ack(&mut client, 4).await;
}

#[tokio::test]
async fn series_snapshot_then_live_points_and_publisher_rights() {
    let app = spawn_app().await;
    // Let a few happiness points accumulate (the test interval is 100 ms).
    tokio::time::sleep(Duration::from_millis(350)).await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    subscribe(&mut client, 1, &["series:happiness"], None).await;
    let (header, events) = snapshot(&mut client).await;
    assert!(events.len() >= 2, "{header}");
    expect_ack(&mut client, 1).await;
    let mut last_seq = events.last().unwrap()["seq"].as_u64().unwrap();
    for _ in 0..3 {
        let point = client.next_json().await;
        let seq = point["seq"].as_u64().unwrap();
        assert_eq!(seq, last_seq + 1, "no holes: {point}");
        last_seq = seq;
        assert!((0.0..10.0).contains(&point["data"]["value"].as_f64().unwrap()));
    }
    // Open server: anyone may publish a point.
    subscribe(&mut client, 2, &["series:custom"], None).await;
    // Happiness points keep coming meanwhile (a busy machine let one in first).
    loop {
        let frame = client.next_json().await;
        if frame["type"] == "snapshot" {
            assert_eq!(frame["topic"], "series:custom", "{frame}");
            assert_eq!(frame["count"], 0, "{frame}");
            break;
        }
        assert_eq!(frame["topic"], "series:happiness", "{frame}");
    }
    loop {
        let frame = client.next_json().await;
        if frame["type"] == "ack" {
            assert_eq!(frame["id"], 2);
            break;
        }
        assert_eq!(frame["topic"], "series:happiness", "{frame}");
    }
    let series = SeriesName::parse("custom").unwrap();
    app.hub
        .publish(Publication::Point { series, value: 1.5 }, None)
        .unwrap();
    loop {
        let frame = client.next_json().await;
        if frame["topic"] == "series:custom" {
            assert_eq!(frame["data"]["value"], 1.5);
            break;
        }
    }
}

#[tokio::test]
async fn presence_counts_spectators_and_followers() {
    let app = spawn_app().await;
    let mut watcher = app.connect("/ws").await;
    watcher.expect_welcome().await;
    subscribe(&mut watcher, 1, &["presence"], None).await;
    snapshot(&mut watcher).await;
    let first = watcher.next_json().await;
    assert_eq!(first["type"], "presence");
    assert_eq!(first["online"], 1);
    assert_eq!(first["followers"], json!({}));
    expect_ack(&mut watcher, 1).await;

    let mut fans = Vec::new();
    for _ in 0..3 {
        let mut fan = app.connect("/ws").await;
        fan.expect_welcome().await;
        subscribe(&mut fan, 1, &["runner:12"], None).await;
        fans.push(fan);
    }
    // Throttled: the counts arrive within the next presence tick.
    let update = next_presence(&mut watcher, |p| p["followers"]["12"] == 3).await;
    assert_eq!(update["online"], 4);
    fans.pop();
    let update = next_presence(&mut watcher, |p| p["followers"]["12"] == 2).await;
    assert_eq!(update["online"], 3);
}

async fn next_presence(client: &mut Client, done: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frame = client.next_json().await;
        if frame["type"] == "presence" && done(&frame) {
            return frame;
        }
    }
}

#[tokio::test]
async fn ping_gets_a_pong_and_errors_carry_the_request_id() {
    let app = spawn_app().await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    client.send_json(json!({"type": "ping", "id": 77})).await;
    assert_eq!(client.next_json().await, json!({"type": "pong", "id": 77}));
    client
        .send_json(json!({"type": "publish", "id": 78, "topic": "presence", "data": {}}))
        .await;
    let error = client.next_json().await;
    assert_eq!(
        (error["id"].as_u64(), error["code"].as_str()),
        (Some(78), Some("bad_message")),
        "{error}"
    );
}

async fn handshake_status(
    app: &TestApp,
    path: &str,
    subprotocol: Option<&str>,
) -> Result<Option<String>, u16> {
    let mut request = format!("ws://{}{path}", app.addr)
        .into_client_request()
        .unwrap();
    if let Some(p) = subprotocol {
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_str(p).unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => Ok(response
            .headers()
            .get("sec-websocket-protocol")
            .map(|v| v.to_str().unwrap().to_owned())),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn the_version_is_chosen_at_the_handshake() {
    let app = spawn_app().await;
    assert_eq!(handshake_status(&app, "/ws", None).await, Ok(None));
    assert_eq!(handshake_status(&app, "/ws?v=1", None).await, Ok(None));
    assert_eq!(
        handshake_status(&app, "/ws", Some("spectate.v1")).await,
        Ok(Some("spectate.v1".into()))
    );
    assert_eq!(handshake_status(&app, "/ws?v=2", None).await, Err(400));
    assert_eq!(
        handshake_status(&app, "/ws", Some("spectate.v2")).await,
        Err(400)
    );
    let body = raw_upgrade(&app, "/ws?v=2").await.text().await.unwrap();
    assert!(body.contains("speaks v1"), "{body}");
}

#[tokio::test]
async fn batch_1_puts_messages_taken_together_into_one_frame_one_per_line() {
    let app = spawn_app().await;
    let mut client = app.connect("/ws?batch=1").await;
    client.expect_welcome().await;
    subscribe(&mut client, 1, &["runner:1", "runner:2", "runner:3"], None).await;
    // Three empty snapshots and the ack: however they were framed, four messages.
    let mut lines = Vec::new();
    while lines.len() < 4 {
        lines.extend(client.next_text().await.lines().map(str::to_owned));
    }
    assert_eq!(lines.len(), 4, "{lines:?}");
    // A burst, published before the writer can run (the test runtime has one
    // thread): it leaves in fewer frames than messages, each line one message, in
    // publication order.
    for round in 1..=100 {
        for runner in ["1", "2", "3"] {
            app.hub
                .publish(fix(runner, f64::from(round) / 1000.0), None)
                .unwrap();
        }
    }
    let (mut frames, mut messages) = (0, Vec::new());
    while messages.len() < 300 {
        let frame = client.next_text().await;
        assert!(
            frame.len() <= spectate_server::sockets::BATCH_BYTES,
            "{}",
            frame.len()
        );
        frames += 1;
        for line in frame.split('\n') {
            let msg: Value = serde_json::from_str(line).expect("each line is a message");
            messages.push(msg);
        }
    }
    assert_eq!(messages.len(), 300);
    assert!(frames < 300, "{frames} frames for 300 messages");
    // Delivered counts messages, not frames: welcome, three snapshots, ack, 300 events.
    assert_eq!(app.stats().await.delivered, 305);
    for (i, msg) in messages.iter().enumerate() {
        assert_eq!(msg["type"], "event", "{msg}");
        assert_eq!(msg["topic"], format!("runner:{}", i % 3 + 1));
        assert_eq!(msg["seq"], i as u64 / 3 + 1);
    }
    // Without the flag, one message per frame as before.
    let mut plain = app.connect("/ws").await;
    plain.expect_welcome().await;
    subscribe(&mut plain, 1, &["runner:1"], None).await;
    let (header, _) = snapshot(&mut plain).await;
    // The 100 fixes of history as a trail: the newest 16 and 48 thinned from the rest.
    assert_eq!(header["count"], 64);
    // An unknown value is refused before the upgrade, saying what is understood.
    assert_eq!(
        handshake_status(&app, "/ws?batch=yes", None).await,
        Err(400)
    );
    let body = raw_upgrade(&app, "/ws?batch=yes")
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("batch=1"), "{body}");
}

#[tokio::test]
async fn a_lagging_client_gets_the_newest_fix_instead_of_a_backlog() {
    let limits = Limits {
        conflate_after_bytes: 1,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    subscribe(&mut client, 1, &["runner:3", "series:s"], None).await;
    snapshot(&mut client).await;
    snapshot(&mut client).await;
    expect_ack(&mut client, 1).await;
    // 500 fixes and 500 points in one go: the writer cannot drain in between (the test
    // runtime has one thread), so the queue lags and fixes replace each other.
    let series = SeriesName::parse("s").unwrap();
    for i in 1..=500 {
        app.hub
            .publish(fix("3", f64::from(i) / 1000.0), None)
            .unwrap();
        let point = Publication::Point {
            series: series.clone(),
            value: f64::from(i),
        };
        app.hub.publish(point, None).unwrap();
    }
    let (mut fixes, mut points, mut last_fix_seq) = (0, 0, 0);
    while points < 500 || last_fix_seq < 500 {
        let frame = client.next_json().await;
        match frame["topic"].as_str() {
            Some("runner:3") => {
                fixes += 1;
                let seq = frame["seq"].as_u64().unwrap();
                assert!(seq > last_fix_seq, "fixes stay in order");
                last_fix_seq = seq;
            }
            Some("series:s") => {
                points += 1;
                assert_eq!(frame["seq"], points, "points are never conflated");
            }
            _ => panic!("{frame}"),
        }
    }
    assert!(fixes < 10, "got {fixes} fixes: the backlog was conflated");
    let stats = app.stats().await;
    assert_eq!(stats.conflated, 500 - fixes);
}

#[tokio::test]
async fn connection_limits_answer_before_the_upgrade() {
    let limits = Limits {
        max_connections_per_ip: 2,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let a = app.connect("/ws").await;
    let b = app.connect("/").await;
    assert_eq!(handshake_status(&app, "/ws", None).await, Err(429));
    drop((a, b));
    app.wait_for_stats("the places to come back", |s| s.connections == 0)
        .await;
    let mut again = app.connect("/ws").await;
    again.expect_welcome().await;
}

#[tokio::test]
async fn a_silent_client_is_closed_with_4000_after_the_idle_timeout() {
    let limits = Limits {
        // No ping before the idle timeout: the silent client's close arrives cleanly.
        heartbeat: Duration::from_secs(30),
        idle_timeout: Duration::from_millis(800),
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let mut lively = app.connect("/ws").await;
    lively.expect_welcome().await;
    let mut silent = app.connect("/ws").await;
    for id in 0..6 {
        lively.send_json(json!({"type": "ping", "id": id})).await;
        assert_eq!(lively.next_json().await["type"], "pong");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (code, reason) = silent.expect_close().await;
    assert_eq!(code, 4000, "{reason}");
    assert!(reason.contains("idle"), "{reason}");
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("spectate_dropped_total{reason=\"idle_timeout\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn server_pings_keep_a_reading_client_alive() {
    let limits = Limits {
        heartbeat: Duration::from_millis(150),
        idle_timeout: Duration::from_millis(600),
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let mut client = app.connect("/ws").await;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
    let mut pings = 0;
    // Only reads: tungstenite answers each ping with a pong, which is what keeps it.
    while let Ok(frame) = tokio::time::timeout_at(deadline, client.ws.next()).await {
        match frame {
            Some(Ok(Message::Ping(_))) => pings += 1,
            Some(Ok(Message::Text(_))) => {}
            other => panic!("the connection ended: {other:?}"),
        }
    }
    assert!(pings >= 5, "{pings} pings in 1.5 s");
    client.send_json(json!({"type": "ping", "id": 1})).await;
    assert_eq!(client.next_json().await["type"], "pong");
}

#[tokio::test]
async fn the_publish_rate_limit_answers_with_rate_limited() {
    let limits = Limits {
        publish_burst: 3,
        publish_per_second: 0.001,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    // Four places: the same place within one millisecond would be a duplicate fix
    // (acked with an outcome), which is not what this test is about.
    for id in 1..=4 {
        client
            .send_json(json!({"type": "publish", "id": id, "topic": "runner:1", "data": {"lat": id, "lng": 1}}))
            .await;
    }
    for id in 1..=3 {
        expect_ack(&mut client, id).await;
    }
    let error = client.next_json().await;
    assert_eq!(
        (error["id"].as_u64(), error["code"].as_str()),
        (Some(4), Some("rate_limited"))
    );
}

#[tokio::test]
async fn a_runner_snapshot_carries_the_trail_of_the_recent_minutes_only() {
    let app = spawn_app_with_limits(Limits {
        trail: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    app.hub.publish(fix("2", 1.0), None).unwrap();
    app.hub.publish(fix("2", 2.0), None).unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.hub.publish(fix("2", 3.0), None).unwrap();
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    subscribe(&mut client, 1, &["runner:2"], None).await;
    let (header, events) = snapshot(&mut client).await;
    assert_eq!(header["seq"], 3);
    assert_eq!(events.len(), 1, "{header}");
    assert_eq!(events[0]["data"]["lat"], 3.0);
    expect_ack(&mut client, 1).await;
}

#[tokio::test]
async fn a_fix_may_carry_its_device_time_but_not_from_the_future() {
    let app = spawn_app().await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    let now = spectate_server::hub::now_ms();
    client
        .send_json(json!({"type": "publish", "id": 1, "topic": "runner:4", "data": {"lat": 1.0, "lng": 1.0, "t": now - 30_000}}))
        .await;
    expect_ack(&mut client, 1).await;
    client
        .send_json(json!({"type": "publish", "id": 2, "topic": "runner:4", "data": {"lat": 1.0, "lng": 1.0, "t": now + 3_600_000}}))
        .await;
    let error = client.next_json().await;
    assert_eq!(
        (error["id"].as_u64(), error["code"].as_str()),
        (Some(2), Some("bad_message")),
        "{error}"
    );
    assert!(error["message"].as_str().unwrap().contains("future"));
}
