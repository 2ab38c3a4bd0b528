//! Backups: `spectate backup` copies the store of a running server while trackers
//! post, `spectate restore` puts it into a new data dir, and a server started there
//! has every fix acknowledged before the backup began. Bad input is refused with a
//! clear message and a failing exit status.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
};

use serde_json::json;
use spectate_server::{config::Config, hub::now_ms};

use crate::helpers::{PATIENCE, spawn_app_with};

/// Runners posting at once, and the fixes each posts: 1,000 in all.
const RUNNERS: usize = 10;
const FIXES_EACH: usize = 100;
/// Acknowledged fixes after which the backup starts: mid-ingest.
const BACKUP_AFTER: usize = 300;

/// The latitude of runner `bib`'s fix number `i`: distinct per fix, a metre apart.
fn lat(bib: usize, i: usize) -> f64 {
    48.5 + bib as f64 * 0.01 + i as f64 * 0.00001
}

fn temp(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("spectate-backup-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    let _ = std::fs::remove_file(&path);
    path
}

/// Runs the `spectate` binary: (success, stdout, stderr).
async fn spectate(args: &[&OsStr]) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(args)
        .output()
        .await
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_backup_taken_during_ingest_restores_every_fix_acknowledged_before_it() {
    let data_dir = temp("live");
    let backup_file = temp("live.backup");
    let restored_dir = temp("restored");
    let app = spawn_app_with(Config {
        data_dir: data_dir.clone(),
        // The server keeps its own secret in the data dir: the backup carries it.
        secret: None,
        ..Config::for_tests()
    })
    .await;
    let base = app.url("");

    // Trackers post OwnTracks fixes concurrently, each in order, recording what was
    // acknowledged.
    let start_s = now_ms() / 1000 - 2 * FIXES_EACH as u64;
    let posting = crate::posting::start(RUNNERS, FIXES_EACH, move |http, bib, i| {
        http.post(format!("{base}/api/owntracks"))
            .header("x-limit-u", bib.to_string())
            .json(
                &json!({"_type": "location", "lat": lat(bib, i), "lon": 2.25,
                "tst": start_s + i as u64}),
            )
    });
    posting.wait_for(BACKUP_AFTER).await;

    // What was acknowledged when the backup began; then the backup, while posting goes on.
    let before = posting.acked();
    let (ok, out, err) = spectate(&[
        "backup".as_ref(),
        "--data-dir".as_ref(),
        data_dir.as_os_str(),
        "--to".as_ref(),
        backup_file.as_os_str(),
    ])
    .await;
    let acked_after_backup = posting.total();
    assert!(ok, "backup failed: {err}");
    assert!(out.contains("and the signing secret"), "{out}");
    let all: usize = posting.finish().await.iter().map(Vec::len).sum();
    assert_eq!(all, RUNNERS * FIXES_EACH, "every fix is acknowledged");
    let before_total: usize = before.iter().map(Vec::len).sum();
    assert!(
        before_total < RUNNERS * FIXES_EACH && acked_after_backup > before_total,
        "ingest was not in flight during the backup ({before_total} acked before, {acked_after_backup} after), so it proves nothing"
    );
    assert_eq!(mode(&backup_file), 0o600, "the backup holds every track");
    assert!(
        !Path::new(&format!("{}-wal", backup_file.display())).exists(),
        "the backup is one file"
    );

    // Restore into a new data dir and start a new server on it.
    let (ok, out, err) = spectate(&[
        "restore".as_ref(),
        "--from".as_ref(),
        backup_file.as_os_str(),
        "--data-dir".as_ref(),
        restored_dir.as_os_str(),
    ])
    .await;
    assert!(ok, "restore failed: {err}");
    assert!(out.starts_with("restored "), "{out}");
    assert_eq!(
        std::fs::read(data_dir.join("secret.key")).unwrap(),
        std::fs::read(restored_dir.join("secret.key")).unwrap(),
        "the runners' tokens keep working after a move"
    );
    let restored = spawn_app_with(Config {
        data_dir: restored_dir.clone(),
        secret: None,
        ..Config::for_tests()
    })
    .await;
    for (bib, fixes) in before.iter().enumerate().skip(1) {
        let text = restored
            .get_text(&format!("/api/runners/{bib}/track.gpx"))
            .await;
        let gpx = gpx::read(std::io::Cursor::new(text)).expect("the export is GPX");
        let stored: Vec<f64> = gpx
            .tracks
            .first()
            .map(|t| t.segments[0].points.iter().map(|p| p.point().y()).collect())
            .unwrap_or_default();
        for &i in fixes {
            assert!(
                stored.iter().any(|s| (s - lat(bib, i)).abs() < 1e-9),
                "runner {bib}: fix {i}, acknowledged before the backup, is missing"
            );
        }
        // One snapshot: each runner's fixes were posted in order, so the backup holds
        // a first run of them, without a hole.
        let expected: Vec<f64> = (0..stored.len()).map(|i| lat(bib, i)).collect();
        assert_eq!(stored, expected, "runner {bib}'s restored track has a hole");
    }
    for dir in [&data_dir, &restored_dir] {
        let _ = std::fs::remove_dir_all(dir);
    }
    let _ = std::fs::remove_file(&backup_file);
}

#[tokio::test]
async fn bad_backups_and_restores_are_refused_with_a_reason() {
    let store_dir = temp("bad-store");
    let good = temp("bad.backup");
    let not_sqlite = temp("bad.txt");
    let foreign = temp("bad-foreign.db");
    let occupied = temp("bad-occupied");
    let fresh = temp("bad-fresh");
    // A server makes the store to back up.
    let _server = spawn_app_with(Config {
        data_dir: store_dir.clone(),
        ..Config::for_tests()
    })
    .await;
    std::fs::write(&not_sqlite, "id,lat,lng\n1,48.5,2.25\n").unwrap();
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT)")
        .unwrap();
    std::fs::create_dir_all(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "keep me").unwrap();
    let (ok, _, err) = spectate(&[
        "backup".as_ref(),
        "--data-dir".as_ref(),
        store_dir.as_os_str(),
        "--to".as_ref(),
        good.as_os_str(),
    ])
    .await;
    assert!(ok, "{err}");

    let missing = temp("bad-missing");
    let cases: [(&str, &Path, &Path, &str); 6] = [
        ("restore", &missing, &fresh, "no such file"),
        ("restore", &not_sqlite, &fresh, "is not a SQLite database"),
        ("restore", &foreign, &fresh, "is not a Spectate store"),
        (
            "restore",
            &good,
            &occupied,
            "is not empty (it holds notes.txt)",
        ),
        ("backup", &missing, &fresh, "holds no Spectate store"),
        ("backup", &store_dir, &good, "already exists"),
    ];
    for (command, from, to, reason) in cases {
        let args: [&OsStr; 5] = if command == "restore" {
            [
                command.as_ref(),
                "--from".as_ref(),
                from.as_os_str(),
                "--data-dir".as_ref(),
                to.as_os_str(),
            ]
        } else {
            [
                command.as_ref(),
                "--data-dir".as_ref(),
                from.as_os_str(),
                "--to".as_ref(),
                to.as_os_str(),
            ]
        };
        let (ok, _, err) = tokio::time::timeout(PATIENCE, spectate(&args))
            .await
            .expect("no hang");
        assert!(!ok, "{command} {from:?} {to:?} was accepted");
        assert!(err.contains(reason), "{command} {from:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(!fresh.exists(), "a refused restore leaves nothing behind");
    assert_eq!(
        std::fs::read_dir(&occupied).unwrap().count(),
        1,
        "the occupied dir is untouched"
    );
    for path in [&store_dir, &occupied] {
        let _ = std::fs::remove_dir_all(path);
    }
    for path in [&good, &not_sqlite, &foreign] {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(not(unix))]
fn mode(_path: &Path) -> u32 {
    0o600
}
