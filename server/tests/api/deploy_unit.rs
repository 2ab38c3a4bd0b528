//! `deploy/spectate.service`: the systemd unit README's "Deploying" hands out. Its
//! command line must be one that `spectate serve` accepts (parsed by the real CLI),
//! its data dir the one systemd makes for it, its hardening what the README
//! promises; and `systemd-analyze verify` must find nothing wrong where the machine
//! has it.

use std::path::{Path, PathBuf};

use clap::Parser;
use spectate_server::cli::{Cli, Command};

fn unit_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/spectate.service")
}

/// The `[Service]` section's `Key=Value` lines, in order.
fn service_settings(unit: &str) -> Vec<(String, String)> {
    let mut in_service = false;
    let mut settings = Vec::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            in_service = line == "[Service]";
        } else if in_service
            && !line.starts_with('#')
            && let Some((key, value)) = line.split_once('=')
        {
            settings.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    settings
}

#[test]
fn the_unit_runs_spectate_serve_with_options_it_accepts_hardened() {
    let unit = std::fs::read_to_string(unit_path()).expect("deploy/spectate.service exists");
    let settings = service_settings(&unit);
    let get = |key: &str| {
        settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("the unit has no {key}="))
    };
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("Restart", "on-failure"),
        ("AmbientCapabilities", "CAP_NET_BIND_SERVICE"),
        ("DynamicUser", "yes"),
    ] {
        assert_eq!(get(key), value, "{key}");
    }

    // The command line, as the real CLI parses it (no quoting in the unit, so that
    // splitting on spaces reads it as systemd does).
    let exec = get("ExecStart");
    assert!(!exec.contains(['"', '\'', '\\']), "keep ExecStart unquoted");
    let words: Vec<&str> = exec.split_whitespace().collect();
    let binary = Path::new(words[0]);
    assert!(binary.is_absolute(), "systemd needs an absolute path");
    assert_eq!(binary.file_name().unwrap(), "spectate", "the binary's name");
    let cli = Cli::try_parse_from(words.iter().copied())
        .unwrap_or_else(|err| panic!("`spectate serve` refuses the unit's ExecStart: {err}"));
    let Command::Serve(serve) = cli.command else {
        panic!("the unit runs `spectate serve`");
    };
    let state = Path::new("/var/lib").join(get("StateDirectory"));
    assert_eq!(
        serve.data_dir, state,
        "the data dir is the StateDirectory systemd makes and keeps for the service"
    );
    // HTTPS on 443: a certificate from ACME (validated on port 80), or from files
    // that systemd hands the service.
    assert_eq!(serve.config().addr.port(), 443);
    if let Some(acme) = serve.tls.acme(&serve.data_dir) {
        assert_eq!(acme.http_addr.port(), 80, "HTTP-01 is validated on port 80");
        assert!(acme.contacts.iter().all(|c| c.starts_with("mailto:")));
        return;
    }
    let tls = serve.tls.files().expect("the unit serves HTTPS");
    let credentials: Vec<&str> = settings
        .iter()
        .filter(|(k, _)| k == "LoadCredential")
        .filter_map(|(_, v)| v.split_once(':').map(|(name, _)| name))
        .collect();
    for file in [&tls.cert, &tls.key] {
        let name = file
            .strip_prefix("${CREDENTIALS_DIRECTORY}")
            .unwrap_or_else(|_| panic!("{file:?} is not a credential"));
        assert!(
            credentials.contains(&name.to_str().unwrap()),
            "{file:?} has no LoadCredential= line"
        );
    }
}

#[test]
fn systemd_analyze_verify_finds_nothing_wrong() {
    let Ok(version) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("systemd-analyze is not installed here; the unit's options are checked above");
        return;
    };
    assert!(version.status.success());
    // `verify` checks that the binary exists: point the unit at the one just built.
    let unit = std::fs::read_to_string(unit_path())
        .unwrap()
        .replace("/usr/local/bin/spectate", env!("CARGO_BIN_EXE_spectate"));
    let dir = std::env::temp_dir().join(format!("spectate-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("spectate.service");
    std::fs::write(&copy, unit).unwrap();
    let output = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
