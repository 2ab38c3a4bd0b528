//! Event files: `spectate event check`, `spectate token --bib`, and `serve --event`.

use std::path::PathBuf;

use spectate_server::{
    config::Config,
    startup::{Application, StartupError},
};

use crate::helpers::spawn_app_with;

fn demo_event() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spectate-event-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The course sits beside the event file, as an organiser would keep it.
    std::fs::copy(
        demo_event().with_file_name("garmin-activity.gpx"),
        dir.join("garmin-activity.gpx"),
    )
    .unwrap();
    let path = dir.join("event.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn event_check_summarises_a_good_file_and_lists_every_problem_of_a_bad_one() {
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["event", "check"])
        .arg(demo_event())
        .output()
        .unwrap();
    assert!(ok.status.success());
    let shown = String::from_utf8(ok.stdout).unwrap();
    assert!(
        shown.contains("12 runners") && shown.contains("Halfway"),
        "{shown}"
    );

    let bad = temp_file(
        "bad",
        "name = \"x\"\nstart = \"2026-11-29T09:00:00Z\"\ntimezone = \"UTC\"\ncourse = \"garmin-activity.gpx\"\n\n[[runners]]\nbib = 1\nname = \"A\"\n\n[[runners]]\nbib = 1\nname = \"B\"\n",
    );
    let failed = std::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["event", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(2));
    let errors = String::from_utf8(failed.stderr).unwrap();
    assert!(
        errors.contains("event.toml:11: bib 1 is used twice (first on line 7)"),
        "{errors}"
    );
}

#[test]
fn token_by_bib_uses_the_event_file() {
    let dir = std::env::temp_dir().join(format!("spectate-bib-token-{}", std::process::id()));
    let run = |bib: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
            .args(["token", "--bib", bib, "--event"])
            .arg(demo_event())
            .arg("--data-dir")
            .arg(&dir)
            .args(["--public-url", "https://race.example/"])
            .env_remove("SPECTATE_SECRET")
            .output()
            .unwrap()
    };
    let ok = run("7");
    assert!(ok.status.success());
    let said = String::from_utf8_lossy(&ok.stderr);
    assert!(said.contains("runner:7"), "{said}");
    let token = String::from_utf8(ok.stdout).unwrap();
    assert!(
        said.contains(&format!(
            "https://race.example/track?token={}",
            token.trim()
        )),
        "{said}"
    );
    // And the same link as a QR code, for the runner to scan: the code for exactly
    // that link, drawn for a dark terminal.
    let link = format!("https://race.example/track?token={}", token.trim());
    let code = spectate_server::qr::render(&link, spectate_server::qr::Background::Dark).unwrap();
    assert!(said.contains(&code), "{said}");
    let unknown = run("99");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no runner with bib 99"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn serve_refuses_a_bad_event_file_and_a_private_one_closes_following() {
    let bad = temp_file("serve-bad", "name = \"x\"\n");
    let err = Application::build(Config {
        event: Some(bad),
        ..Config::for_tests()
    })
    .await
    .unwrap_err();
    assert!(matches!(err, StartupError::Event(_)), "{err}");
    assert!(err.to_string().contains("missing field"), "{err}");

    let text = std::fs::read_to_string(demo_event())
        .unwrap()
        .replace("private = false", "private = true");
    let private = temp_file("private", &text);
    let app = spawn_app_with(Config {
        event: Some(private),
        ..Config::for_tests()
    })
    .await;
    let mut client = app.connect("/ws").await;
    client.expect_welcome().await;
    client
        .send_json(serde_json::json!({"type": "subscribe", "topics": ["runner:1"]}))
        .await;
    assert_eq!(client.next_json().await["code"], "token_missing");
}
