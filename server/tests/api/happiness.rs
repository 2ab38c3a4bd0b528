//! The happiness feed over WebSocket, Server-Sent Events and NDJSON.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;
use spectate_server::config::Config;

use crate::helpers::spawn_app_with;

const INTERVAL: Duration = Duration::from_millis(150);

fn config() -> Config {
    Config {
        happiness_interval: INTERVAL,
        ..Config::for_tests()
    }
}

fn value_of(frame: &Value) -> f64 {
    let keys: Vec<&String> = frame.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["happiness"], "{frame}");
    let v = frame["happiness"].as_f64().expect("a number");
    assert!((0.0..10.0).contains(&v), "{v} out of range");
    v
}

#[tokio::test]
async fn several_websocket_clients_receive_values_at_the_interval() {
    let app = spawn_app_with(config()).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(app.connect("/happiness").await);
    }
    // Each client reads on its own task, so one reader never delays another.
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            tokio::spawn(async move {
                // Skip the value that may have been on its way when we connected.
                client.next_json().await;
                let started = Instant::now();
                let mut values = Vec::new();
                for _ in 0..4 {
                    values.push(value_of(&client.next_json().await));
                }
                (started.elapsed(), values)
            })
        })
        .collect();
    let mut sequences = Vec::new();
    for reader in readers {
        let (elapsed, values) = reader.await.unwrap();
        // Four values after the first take at least ~4 intervals (3 allows for jitter).
        assert!(elapsed >= INTERVAL * 3, "4 values came in {elapsed:?}");
        sequences.push(values);
    }
    // Every client hears the same feed: any two clients share values.
    assert!(
        sequences[0]
            .iter()
            .any(|v| sequences[1].contains(v) || sequences[2].contains(v))
    );
}

/// Reads `n` `data:` payloads from an SSE response.
async fn sse_values(response: reqwest::Response, n: usize) -> Vec<f64> {
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut values = Vec::new();
    while values.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .expect("SSE data in time")
            .expect("stream open")
            .expect("chunk");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            for line in event.lines() {
                if let Some(data) = line.strip_prefix("data:") {
                    values.push(value_of(&serde_json::from_str(data.trim()).unwrap()));
                }
            }
        }
    }
    values
}

#[tokio::test]
async fn sse_stream_delivers_the_same_values_as_the_websocket() {
    let app = spawn_app_with(config()).await;
    let mut ws = app.connect("/happiness").await;
    let response = reqwest::Client::new()
        .get(app.url("/happiness"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let sse = tokio::spawn(sse_values(response, 5));
    let mut from_ws = Vec::new();
    for _ in 0..7 {
        from_ws.push(value_of(&ws.next_json().await));
    }
    let from_sse = sse.await.unwrap();
    // Both started at about the same time, so the SSE values appear in the WebSocket
    // sequence as one contiguous run (random doubles make accidental matches absurd).
    let start = from_ws
        .iter()
        .position(|v| *v == from_sse[1])
        .expect("shared value");
    assert!(start >= 1, "ws {from_ws:?} sse {from_sse:?}");
    assert_eq!(
        &from_ws[start - 1..start + 4],
        &from_sse[..],
        "ws {from_ws:?} sse {from_sse:?}"
    );
}

#[tokio::test]
async fn a_plain_get_streams_one_json_object_per_line() {
    let app = spawn_app_with(config()).await;
    let response = reqwest::get(app.url("/happiness")).await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let mut body = response.bytes_stream();
    let mut text = String::new();
    while text.matches('\n').count() < 3 {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    for line in text.lines().take(3) {
        value_of(&serde_json::from_str(line).unwrap());
    }
    drop(body);
    app.wait_for_stats("the stream to close", |s| s.streams == 0)
        .await;
}
