//! `spectate token --bib` once the field lives in the store (issue 19): a runner added
//! in the console is known to it, with `--data-dir` alone or with the event file too;
//! an unknown bib is a clear error either way, and so is a bib with neither.

use std::{path::Path, process::Output};

use reqwest::{StatusCode, header};
use serde_json::json;
use spectate_server::{config::Config, event::Event};

use crate::{
    admin::http,
    console_kit::{demo_event_file, with_demo_event},
    helpers::TestApp,
    roster::{organiser_app, post_form},
};

/// The signing secret of [`Config::for_tests`].
const SECRET: &str = "test-secret-test-secret-test-secret!";

/// `spectate token` with `args` and the test secret.
async fn token(args: &[&str], data_dir: &Path) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .arg("token")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--secret", SECRET, "--qr", "off"])
        .env_remove("SPECTATE_SECRET")
        .env_remove("SPECTATE_DATA_DIR")
        .output()
        .await
        .unwrap()
}

/// An OwnTracks location for `bib` with `token`: its status.
async fn publish(app: &TestApp, bib: &str, token: &str) -> StatusCode {
    let p = Event::demo().course.position_at(800.0);
    http()
        .post(app.url("/api/owntracks"))
        .basic_auth(bib, Some(token))
        .header(header::CONTENT_TYPE, "application/json")
        .body(json!({"_type": "location", "lat": p.lat(), "lon": p.lng()}).to_string())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn token_by_bib_knows_a_runner_added_in_the_console() {
    let config = Config {
        open_publishing: false,
        ..with_demo_event()
    };
    let data_dir = config.data_dir.clone();
    let (app, cookie) = organiser_app(config).await;
    let form = [
        ("bib", "99"),
        ("name", "New Runner"),
        ("category", ""),
        ("devices", "new-phone"),
    ];
    let added = post_form(&app, &cookie, "/admin/runners", &form).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let event = demo_event_file();
    let event = event.to_str().unwrap();

    // The store's field, with or without the event file (which has no bib 99).
    for args in [&["--bib", "99"][..], &["--bib", "99", "--event", event][..]] {
        let made = token(args, &data_dir).await;
        let said = String::from_utf8_lossy(&made.stderr);
        assert!(made.status.success(), "{args:?}: {said}");
        assert!(said.contains("runner:99"), "{said}");
        let token = String::from_utf8(made.stdout).unwrap();
        assert_eq!(publish(&app, "99", token.trim()).await, StatusCode::OK);
    }

    let unknown = token(&["--bib", "98"], &data_dir).await;
    assert_eq!(unknown.status.code(), Some(2));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        said.contains("no runner with bib 98") && said.contains("stored field"),
        "{said}"
    );
}

#[tokio::test]
async fn token_by_bib_without_a_stored_field_needs_the_event_file() {
    let empty = std::env::temp_dir().join(format!("spectate-token-empty-{}", std::process::id()));
    let refused = token(&["--bib", "7"], &empty).await;
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("--event") && said.contains("stored field"),
        "{said}"
    );
    // Nothing was created for it.
    assert!(!empty.join("spectate.db").exists());
    let _ = std::fs::remove_dir_all(&empty);
}
