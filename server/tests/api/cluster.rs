//! Cluster mode: real `redis-server` processes (started here on free ports, stopped
//! on drop) and several Spectate nodes sharing them. Checks delivery across nodes
//! (exactly once, in order, with global sequence numbers), resume on another node,
//! cluster-wide presence, a Redis restart in the middle, a node killed with SIGKILL,
//! and the graceful drain of a node.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::helpers::{
    Client, PATIENCE, Seen, TestApp, refused, run_load, spawn_app_with, spawn_binary,
};
use serde_json::{Value, json};
use spectate_server::{
    config::{ClusterConfig, Config},
    hub::now_ms,
};

const SECRET: &str = "cluster-test-secret-cluster-test-secret!";

/// A `redis-server` of this test's own, without persistence: a restart loses
/// everything, the harshest case for the nodes.
pub(crate) struct Redis {
    port: u16,
    child: Option<Child>,
}

impl Redis {
    pub(crate) fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self { port, child: None };
        redis.spawn();
        redis
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--port", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (apt-get install redis-server)");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn event() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")
}

/// A node of the cluster at `redis`, with the demo event (so OsmAnd devices resolve).
async fn node(redis: &Redis) -> TestApp {
    spawn_app_with(Config {
        event: Some(event()),
        secret: Some(SECRET.to_owned()),
        cluster: Some(ClusterConfig {
            redis_url: redis.url(),
            prefix: "spectate".to_owned(),
        }),
        ..Config::for_tests()
    })
    .await
}

/// Connects to `/ws`, reads the welcome, subscribes to `topics` (resuming from
/// `resume` if given) and reads until the ack; returns the client, its epoch and the
/// frames before the ack (snapshots, presence).
async fn follower(
    app: &TestApp,
    topics: &[&str],
    resume: Option<Value>,
) -> (Client, String, Vec<Value>) {
    let mut client = app.connect("/ws").await;
    let epoch = client.expect_welcome().await["epoch"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut msg = json!({"type": "subscribe", "id": 1, "topics": topics});
    if let Some(resume) = resume {
        msg["resume"] = resume;
    }
    client.send_json(msg).await;
    let mut before = Vec::new();
    loop {
        let frame = client.next_json().await;
        if frame == json!({"type": "ack", "id": 1}) {
            return (client, epoch, before);
        }
        before.push(frame);
    }
}

/// Publishes on `/ws` and waits for the ack (which, in a cluster, comes once Redis
/// has numbered the event).
async fn publish(client: &mut Client, id: u64, topic: &str, data: Value) {
    client
        .send_json(json!({"type": "publish", "id": id, "topic": topic, "data": data}))
        .await;
    loop {
        let frame = client.next_json().await;
        if frame["id"] == id {
            assert_eq!(frame, json!({"type": "ack", "id": id}), "publish refused");
            return;
        }
    }
}

/// The next `event` frame, skipping presence counts.
async fn next_event(client: &mut Client) -> Value {
    loop {
        let frame = client.next_json().await;
        if frame["type"] != "presence" {
            return frame;
        }
    }
}

/// Asserts that nothing but presence counts arrives for `wait`.
async fn expect_no_event(client: &mut Client, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    while let Some(seen) = client
        .next_within(deadline.saturating_duration_since(tokio::time::Instant::now()))
        .await
    {
        let Seen::Text(text) = &seen else {
            panic!("closed: {seen:?}");
        };
        let frame: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            frame["type"], "presence",
            "expected nothing more, got {frame}"
        );
    }
}

/// Waits for a presence frame on a `presence` subscriber that satisfies `ok`.
async fn presence_until(client: &mut Client, what: &str, ok: impl Fn(&Value) -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut last = Value::Null;
    while tokio::time::Instant::now() < deadline {
        match client.next_within(Duration::from_millis(200)).await {
            Some(Seen::Text(text)) => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                if frame["type"] == "presence" && frame["topic"] == "presence" {
                    if ok(&frame) {
                        return;
                    }
                    last = frame;
                }
            }
            Some(Seen::Closed(frame)) => panic!("presence watcher closed: {frame:?}"),
            None => {}
        }
    }
    panic!("timed out waiting for presence with {what}; last: {last}");
}

fn fix(i: u64, t0: u64) -> Value {
    json!({"lat": 48.5 + i as f64 * 0.00001, "lng": 2.25, "t": t0 + i * 1000})
}

#[tokio::test]
async fn a_publish_on_any_node_reaches_every_follower_on_every_node_once_and_in_order() {
    let redis = Redis::start();
    let nodes = [node(&redis).await, node(&redis).await, node(&redis).await];
    let mut followers = Vec::new();
    for app in &nodes {
        let (client, _, _) = follower(app, &["runner:3", "series:pulse", "room:lobby"], None).await;
        followers.push(client);
    }

    // Fixes 0..20 over the WebSocket on node 0, 20..40 from an OsmAnd phone on node 1.
    let t0 = now_ms() - 600_000;
    let mut phone = nodes[0].connect("/ws").await;
    phone.expect_welcome().await;
    for i in 0..20 {
        publish(&mut phone, i + 10, "runner:3", fix(i, t0)).await;
    }
    let http = reqwest::Client::new();
    for i in 20..40u64 {
        let f = fix(i, t0);
        let url = format!(
            "{}?id=demo-3&lat={}&lon=2.25&timestamp={}",
            nodes[1].url("/api/osmand"),
            f["lat"],
            f["t"].as_u64().unwrap() / 1000
        );
        let response = http.post(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
    // A chart point from node 2, and a cheer from the follower on node 1.
    let mut charter = nodes[2].connect("/ws").await;
    charter.expect_welcome().await;
    publish(&mut charter, 1, "series:pulse", json!({"value": 7.5})).await;
    let (mut cheerer, _, _) = follower(&nodes[1], &["room:lobby"], None).await;
    publish(
        &mut cheerer,
        2,
        "room:lobby",
        json!({"text": "go <b>3</b>!"}),
    )
    .await;

    for (n, follower) in followers.iter_mut().enumerate() {
        let mut fixes = Vec::new();
        let mut points = Vec::new();
        let mut cheers = Vec::new();
        while fixes.len() < 40 || points.is_empty() || cheers.is_empty() {
            let event = tokio::time::timeout(PATIENCE, next_event(follower))
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "node {n}: {} fixes, {} points, {} cheers",
                        fixes.len(),
                        points.len(),
                        cheers.len()
                    )
                });
            assert_eq!(event["type"], "event", "node {n}: {event}");
            match event["topic"].as_str().unwrap() {
                "runner:3" => fixes.push(event),
                "series:pulse" => points.push(event),
                "room:lobby" => cheers.push(event),
                other => panic!("node {n}: unexpected topic {other}"),
            }
        }
        // Nothing twice, nothing more.
        expect_no_event(follower, Duration::from_millis(500)).await;
        let seqs: Vec<u64> = fixes.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, (1..=40).collect::<Vec<_>>(), "node {n}: global seqs");
        for (i, event) in fixes.iter().enumerate() {
            assert_eq!(
                event["data"]["lat"],
                fix(i as u64, t0)["lat"],
                "node {n}: order"
            );
        }
        assert_eq!(points.len(), 1, "node {n}");
        assert_eq!(points[0]["data"]["value"], 7.5);
        assert_eq!(cheers.len(), 1, "node {n}");
        assert_eq!(cheers[0]["data"]["text"], "go <b>3</b>!");
    }
    // The sender is not echoed its own cheer, wherever the others are.
    expect_no_event(&mut cheerer, Duration::from_millis(300)).await;
    // Every node's leaderboard heard all 40 fixes, wherever they came in.
    for app in &nodes {
        let board = app.get_json("/api/leaderboard").await;
        let standings = board["standings"].as_array().unwrap();
        let three = standings.iter().find(|s| s["bib"] == 3).unwrap();
        // The last fix came from OsmAnd, whose timestamps are whole seconds.
        assert_eq!(
            three["last_seen_ms"],
            (t0 + 39_000) / 1000 * 1000,
            "{three}"
        );
    }
    // Stored once: by the node that took each fix, not by every node.
    let exported = |app: &TestApp| {
        let url = app.url("/api/runners/3/track.gpx");
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };
    let counts: Vec<usize> = futures::future::join_all(nodes.iter().map(exported))
        .await
        .iter()
        .map(|gpx| gpx.matches("<trkpt").count())
        .collect();
    assert_eq!(counts.iter().sum::<usize>(), 40, "{counts:?}");
    assert_eq!(counts[2], 0, "{counts:?}");
}

#[tokio::test]
async fn a_client_resumes_on_another_node_with_exactly_what_it_missed() {
    let redis = Redis::start();
    let (a, b) = (node(&redis).await, node(&redis).await);
    let mut phone = a.connect("/ws").await;
    phone.expect_welcome().await;
    let t0 = now_ms() - 600_000;
    let (mut first, epoch, _) = follower(&a, &["runner:5"], None).await;
    for i in 0..3 {
        publish(&mut phone, i + 1, "runner:5", fix(i, t0)).await;
    }
    let mut last = 0;
    for _ in 0..3 {
        last = next_event(&mut first).await["seq"].as_u64().unwrap();
    }
    assert_eq!(last, 3);
    drop(first);
    for i in 3..5 {
        publish(&mut phone, i + 1, "runner:5", fix(i, t0)).await;
    }

    let resume = json!({"epoch": epoch, "since": {"runner:5": last}});
    let (mut back, epoch_b, before) = follower(&b, &["runner:5"], Some(resume)).await;
    assert_eq!(epoch_b, epoch, "one epoch for the whole cluster");
    assert_eq!(before[0]["type"], "snapshot", "{before:?}");
    assert_eq!(before[0]["resumed"], true, "{before:?}");
    assert!(before[0].get("gap").is_none(), "{before:?}");
    // What node b had when the client came back is replayed; an event still on its
    // way from Redis comes live just after (seen under load: 4 replayed, then 5).
    // Either way: each missed event exactly once, in order.
    let mut missed: Vec<Value> = before[1..].to_vec();
    while missed.len() < 2 {
        missed.push(next_event(&mut back).await);
    }
    let seqs: Vec<u64> = missed.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [4, 5]);
    assert_eq!(missed[1]["data"]["lat"], fix(4, t0)["lat"]);
    // And it carries on live.
    publish(&mut phone, 9, "runner:5", fix(5, t0)).await;
    assert_eq!(next_event(&mut back).await["seq"], 6);
}

#[tokio::test]
async fn presence_counts_the_whole_cluster_and_a_drained_node_leaves_them() {
    let redis = Redis::start();
    let (a, mut b) = (node(&redis).await, node(&redis).await);
    let (mut watcher, _, _) = follower(&a, &["presence"], None).await;
    let mut on_a = Vec::new();
    let mut on_b = Vec::new();
    for _ in 0..2 {
        on_a.push(follower(&a, &["runner:9"], None).await.0);
    }
    for _ in 0..3 {
        on_b.push(follower(&b, &["runner:9"], None).await.0);
    }
    presence_until(&mut watcher, "5 followers of 9 over 2 nodes", |p| {
        p["followers"]["9"] == 5 && p["online"].as_u64() >= Some(6)
    })
    .await;

    // Graceful shutdown of b: its clients are told to go elsewhere (1001, reconnect)...
    b.stop();
    for client in &mut on_b {
        let (code, reason) = client.expect_close().await;
        assert_eq!(code, 1001);
        assert!(reason.contains("reconnect"), "{reason}");
    }
    // ...and the counts lose them within the report's lifetime.
    presence_until(&mut watcher, "only a's 2 followers", |p| {
        p["followers"]["9"] == 2 && p["online"] == 3
    })
    .await;
}

#[tokio::test]
async fn a_redis_restart_degrades_then_recovers_with_an_explicit_gap() {
    let mut redis = Redis::start();
    let (a, b) = (node(&redis).await, node(&redis).await);
    let (mut watcher, _, _) = follower(&b, &["runner:4"], None).await;
    let mut phone = a.connect("/ws").await;
    phone.expect_welcome().await;
    let t0 = now_ms() - 600_000;
    for i in 0..3 {
        publish(&mut phone, i + 1, "runner:4", fix(i, t0)).await;
        assert_eq!(next_event(&mut watcher).await["seq"], i + 1);
    }

    redis.stop();
    let health = |app: &TestApp| {
        let url = app.url("/healthz");
        async move {
            let r = reqwest::get(url).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (status, body) = health(&a).await;
        if status == 503 {
            assert!(body.starts_with("degraded"), "{body}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "a never reported degraded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Degraded: publishing is refused plainly; the socket stays open.
    phone
        .send_json(json!({"type": "publish", "id": 50, "topic": "runner:4", "data": fix(3, t0)}))
        .await;
    let refused = phone.next_json().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "unavailable", "{refused}");
    let osmand = reqwest::Client::new()
        .post(format!(
            "{}?id=demo-4&lat=48.6&lon=2.25&timestamp={}",
            a.url("/api/osmand"),
            now_ms() / 1000 - 60
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(osmand.status(), 503);

    redis.spawn();
    for app in [&a, &b] {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while health(app).await.0 != 200 {
            assert!(tokio::time::Instant::now() < deadline, "no recovery");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Redis lost the history: the follower is told so, not left to guess.
    let gap = next_event(&mut watcher).await;
    assert_eq!(gap["type"], "snapshot", "{gap}");
    assert_eq!(
        gap["gap"],
        json!({"after": 3, "reason": "restarted"}),
        "{gap}"
    );
    assert_eq!(gap["count"], 0);
    // And delivery goes on, numbered afresh, across the nodes.
    publish(&mut phone, 51, "runner:4", fix(4, t0)).await;
    let event = next_event(&mut watcher).await;
    assert_eq!(event["seq"], 1, "{event}");
    assert_eq!(event["data"]["lat"], fix(4, t0)["lat"]);
}

#[tokio::test]
async fn when_a_node_is_killed_its_clients_resume_on_another_and_its_audience_leaves() {
    let redis = Redis::start();
    let a = node(&redis).await;
    let data_dir =
        std::env::temp_dir().join(format!("spectate-cluster-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let redis_url = redis.url();
    let (mut killed, base) = spawn_binary(&[
        "--open".as_ref(),
        "--secret".as_ref(),
        SECRET.as_ref(),
        "--redis-url".as_ref(),
        redis_url.as_ref(),
        "--data-dir".as_ref(),
        data_dir.as_os_str(),
        "--event".as_ref(),
        event().as_os_str(),
    ])
    .await;
    let base = base.replace("http://", "ws://");

    let (ws, _) = tokio_tungstenite::connect_async(format!("{base}/ws"))
        .await
        .unwrap();
    let mut on_killed = Client { ws };
    let epoch = on_killed.expect_welcome().await["epoch"].clone();
    on_killed
        .send_json(json!({"type": "subscribe", "id": 1, "topics": ["runner:6"]}))
        .await;
    assert_eq!(on_killed.next_json().await["type"], "snapshot");
    assert_eq!(on_killed.next_json().await, json!({"type": "ack", "id": 1}));
    let (mut watcher, _, _) = follower(&a, &["presence"], None).await;
    presence_until(&mut watcher, "the killed node's follower", |p| {
        p["followers"]["6"] == 1
    })
    .await;

    let mut phone = a.connect("/ws").await;
    phone.expect_welcome().await;
    let t0 = now_ms() - 600_000;
    for i in 0..2 {
        publish(&mut phone, i + 1, "runner:6", fix(i, t0)).await;
        assert_eq!(next_event(&mut on_killed).await["seq"], i + 1);
    }
    killed.kill().await.unwrap();
    assert!(
        matches!(on_killed.next().await, Seen::Closed(None)),
        "no close frame: killed"
    );
    for i in 2..4 {
        publish(&mut phone, i + 1, "runner:6", fix(i, t0)).await;
    }

    // The client comes back through another node and misses nothing.
    let resume = json!({"epoch": epoch, "since": {"runner:6": 2}});
    let (mut back, _, before) = follower(&a, &["runner:6"], Some(resume)).await;
    assert_eq!(before[0]["resumed"], true, "{before:?}");
    let mut seqs: Vec<u64> = before[1..]
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    // Seq 4 was acked once Redis numbered it; this node applies it when its pub/sub
    // copy arrives, which may be just after the resume was served (seen once: `[3]`).
    // It then comes live, right after: nothing is missed either way.
    while seqs.len() < 2 {
        seqs.push(next_event(&mut back).await["seq"].as_u64().unwrap());
    }
    assert_eq!(seqs, [3, 4]);
    // The dead node's report expires: its follower leaves the counts.
    presence_until(&mut watcher, "the killed node's follower gone", |p| {
        p["followers"].get("6").is_none_or(|n| n == 1) && p["online"] == 3
    })
    .await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn the_load_tool_spreads_its_clients_over_the_nodes_and_counts_exactly() {
    let redis = Redis::start();
    let (a, b) = (node(&redis).await, node(&redis).await);
    let urls = format!("ws://{},ws://{}", a.addr, b.addr);
    // 4 messages: within one connection's room burst (5) at the default limits.
    let scenario = [
        "fanout",
        "--subscribers",
        "20",
        "--rate",
        "4",
        "--seconds",
        "1",
    ];
    let summary = run_load(&urls, &scenario).await;
    assert_eq!(summary["expected"], 80, "{summary}");
    assert_eq!(summary["delivered"], 80, "{summary}");
    assert_eq!(summary["duplicates"], 0, "{summary}");
    // The publisher (client 20) was on a. b's 10 subscribers got its 4 messages
    // through Redis, once for the node, not once each; a got its own back, numbered.
    for (name, app) in [("a", &a), ("b", &b)] {
        let metrics = app.get_text("/metrics").await;
        let received: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("spectate_cluster_received_total "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap();
        assert_eq!(received, 4, "{name} received {received} events from Redis");
    }
}

#[tokio::test]
async fn bad_cluster_and_load_options_are_refused_with_a_reason() {
    let data_dir = std::env::temp_dir().join(format!("spectate-badopts-{}", std::process::id()));
    let data_dir = data_dir.to_str().unwrap();
    let serve = ["serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir];
    let err = refused(&[&serve[..], &["--redis-prefix", "a b"]].concat()).await;
    assert!(err.contains("is not a prefix"), "{err}");
    let err = refused(&[&serve[..], &["--redis-url", "http://nowhere"]].concat()).await;
    assert!(err.contains("invalid --redis-url"), "{err}");
    // One bad address in a node list refuses the whole run, naming it.
    let err = refused(&[
        "load",
        "--url",
        "ws://127.0.0.1:1,ws://10.0.0.5:3000",
        "seed",
    ])
    .await;
    assert!(err.contains("10.0.0.5:3000"), "{err}");
    assert!(err.contains("only loopback"), "{err}");
    let _ = std::fs::remove_dir_all(data_dir);
}

#[tokio::test]
async fn every_node_builds_the_field_and_the_board_from_the_fixes_redis_brings() {
    let redis = Redis::start();
    let nodes = [node(&redis).await, node(&redis).await];
    // A spectator of the map page on node 1: the field and the board.
    let (mut spectator, _, before) =
        follower(&nodes[1], &["field", "board", "runner:4"], None).await;
    let full = before
        .iter()
        .find(|f| f["type"] == "field")
        .expect("the field's snapshot frame");
    assert_eq!(full["full"], true);
    // A runner's phone posts to node 0, on the course.
    let course = spectate_server::event::Event::demo().course;
    let p = course.position_at(2_000.0);
    let url = nodes[0].url(&format!(
        "/api/osmand?id=demo-4&lat={}&lon={}&timestamp={}",
        p.lat(),
        p.lng(),
        now_ms() / 1000
    ));
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    // Node 1 puts it in its field frame, its board and runner 4's row.
    let (mut field_row, mut leader, mut row) = (None, None, None);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while (field_row.is_none() || leader.is_none() || row.is_none())
        && tokio::time::Instant::now() < deadline
    {
        let frame = spectator.next_json().await;
        match frame["type"].as_str() {
            Some("field") => {
                field_row = frame["r"].as_array().and_then(|r| r.first()).cloned();
                let (lat, lng) = (
                    frame["o"][0].as_f64().unwrap()
                        + field_row.as_ref().unwrap()[1].as_f64().unwrap() / 1e5,
                    frame["o"][1].as_f64().unwrap()
                        + field_row.as_ref().unwrap()[2].as_f64().unwrap() / 1e5,
                );
                assert!((lat - p.lat()).abs() < 2e-5 && (lng - p.lng()).abs() < 2e-5);
            }
            Some("board") if frame["top"][0]["status"] == "running" => {
                leader = Some(frame["top"][0]["bib"].clone());
            }
            Some("standing") if frame["row"]["status"] == "running" => {
                row = Some(frame["row"]["position"].clone());
            }
            _ => {}
        }
    }
    assert_eq!(field_row.map(|r| r[0].clone()), Some(json!(4)));
    assert_eq!(leader, Some(json!(4)));
    assert_eq!(row, Some(json!(1)));
}
