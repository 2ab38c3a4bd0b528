//! Durability: a server process killed with SIGKILL while trackers are posting loses
//! no fix it acknowledged. The fixes are found in the store (the GPX export) and in
//! the snapshot a follower gets from the restarted server.

use std::path::PathBuf;

use serde_json::json;
use spectate_server::{config::Config, hub::now_ms};

use crate::helpers::{spawn_app_with, spawn_binary};

const SECRET: &str = "durability-test-secret-durability-test!";
/// Runners posting at once, and fixes each would post if never interrupted.
const RUNNERS: usize = 8;
const FIXES_EACH: usize = 30;
/// Acknowledged fixes after which the server is killed: mid-stream, by a wide margin.
const KILL_AFTER: usize = 80;

fn event() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")
}

/// The latitude of runner `bib`'s fix number `i`: distinct per fix, metres apart.
fn lat(bib: usize, i: usize) -> f64 {
    48.5 + bib as f64 * 0.001 + i as f64 * 0.00001
}

#[tokio::test]
async fn every_acknowledged_fix_survives_a_sigkill() {
    let data_dir = std::env::temp_dir().join(format!("spectate-sigkill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);

    // The real binary, so that it can really be killed.
    let (mut server, base) = spawn_binary(&[
        "--secret".as_ref(),
        SECRET.as_ref(),
        "--data-dir".as_ref(),
        data_dir.as_os_str(),
        "--event".as_ref(),
        event().as_os_str(),
    ])
    .await;

    // Trackers post concurrently, each recording what was acknowledged (200 and
    // published), until the server is gone.
    let start_s = now_ms() / 1000 - 120;
    let posting = crate::posting::start(RUNNERS, FIXES_EACH, move |http, bib, i| {
        http.post(format!(
            "{base}/api/osmand?id=demo-{bib}&lat={}&lon=2.25&timestamp={}",
            lat(bib, i),
            start_s + i as u64
        ))
    });
    posting.wait_for(KILL_AFTER).await;
    server.start_kill().expect("SIGKILL is sent");
    server.wait().await.unwrap();
    let acked = posting.finish().await;
    let total: usize = acked.iter().map(Vec::len).sum();
    assert!(total >= KILL_AFTER);
    assert!(
        total < RUNNERS * FIXES_EACH,
        "the kill came after every fix was posted, so it proves nothing"
    );

    // Restart on the same data dir.
    let restarted = spawn_app_with(Config {
        open_publishing: false,
        secret: Some(SECRET.to_owned()),
        event: Some(event()),
        data_dir: data_dir.clone(),
        ..Config::for_tests()
    })
    .await;
    for (bib, fixes) in acked.iter().enumerate().skip(1) {
        if fixes.is_empty() {
            continue;
        }
        let wanted: Vec<f64> = fixes.iter().map(|&i| lat(bib, i)).collect();

        // The store: the runner's GPX export holds every acknowledged fix, in order.
        let text = restarted
            .get_text(&format!("/api/runners/{bib}/track.gpx"))
            .await;
        let gpx = gpx::read(std::io::Cursor::new(text)).expect("the export is GPX");
        let stored: Vec<f64> = gpx.tracks[0].segments[0]
            .points
            .iter()
            .map(|p| p.point().y())
            .collect();
        assert_in_order(&wanted, &stored, &format!("runner {bib}'s GPX"));

        // The snapshot: a follower of the restarted server gets them back.
        let mut fan = restarted.connect("/ws").await;
        fan.expect_welcome().await;
        fan.send_json(json!({"type": "subscribe", "topics": [format!("runner:{bib}")]}))
            .await;
        let header = fan.next_json().await;
        assert_eq!(header["type"], "snapshot", "{header}");
        let count = header["count"].as_u64().unwrap();
        let mut seen = Vec::new();
        for _ in 0..count {
            seen.push(fan.next_json().await["data"]["lat"].as_f64().unwrap());
        }
        assert_in_order(&wanted, &seen, &format!("runner {bib}'s snapshot"));
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Every value of `wanted` is in `found`, in the same order. `found` may hold more: a
/// fix can be committed and the server killed before its answer left.
fn assert_in_order(wanted: &[f64], found: &[f64], what: &str) {
    let mut rest = found.iter();
    for w in wanted {
        assert!(
            rest.any(|f| (f - w).abs() < 1e-9),
            "{what}: acknowledged fix at lat {w} is missing; found {found:?}"
        );
    }
}
