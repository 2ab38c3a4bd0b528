//! Certificates over ACME, end to end against Let's Encrypt's test server: Debian's
//! `pebble`, with `pebble-challtestsrv` as its DNS (every name resolves to
//! 127.0.0.1). The server gets a certificate for `race.spectate.test` through the
//! HTTP-01 challenge on its plain-HTTP listener, serves it (the chain checks against
//! pebble's root), keeps it in the data dir, schedules its renewal, redirects plain
//! HTTP to HTTPS, and serves the kept certificate after a restart with pebble gone.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, SystemTime},
};

use rustls::pki_types::{CertificateDer, pem::PemObject};
use spectate_server::{config::Config, listener::acme::AcmeConfig, startup::Application};
use tokio::process::{Child, Command};

use crate::https::{exchange, tls_connect};

const DOMAIN: &str = "race.spectate.test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// pebble and its DNS, stopped when dropped.
struct Pebble {
    _processes: [Child; 2],
    directory: String,
    management: SocketAddr,
    /// The certificate of pebble's own HTTPS (made here).
    https_ca: PathBuf,
    https_ca_der: CertificateDer<'static>,
}

fn spawn(command: &mut Command) -> Child {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|err| {
            panic!("{command:?} does not start ({err}); `apt-get install pebble` (scripts/bootstrap.sh does)")
        })
}

async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on {port}");
}

/// Starts pebble, validating HTTP-01 challenges on `http01_port` of 127.0.0.1, and
/// issuing certificates valid for `validity_s` seconds (5 years by default).
async fn start_pebble(dir: &Path, http01_port: u16, validity_s: Option<u64>) -> Pebble {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let https_ca = dir.join("pebble-https.pem");
    std::fs::write(&https_ca, made.cert.pem()).unwrap();
    std::fs::write(
        dir.join("pebble-https.key"),
        made.signing_key.serialize_pem(),
    )
    .unwrap();
    let (acme, management, dns, dns_management) =
        (free_port(), free_port(), free_port(), free_port());
    let config = serde_json::json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{acme}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": https_ca,
        "privateKey": dir.join("pebble-https.key"),
        "httpPort": http01_port,
        "tlsPort": free_port(),
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
    }});
    let mut config = config;
    if let Some(seconds) = validity_s {
        config["pebble"]["certificateValidityPeriod"] = seconds.into();
    }
    std::fs::write(dir.join("pebble.json"), config.to_string()).unwrap();
    let dns_server = spawn(Command::new("pebble-challtestsrv").args([
        "-dns01",
        &format!("127.0.0.1:{dns}"),
        "-management",
        &format!("127.0.0.1:{dns_management}"),
        "-defaultIPv4",
        "127.0.0.1",
        "-defaultIPv6",
        "",
        "-http01",
        "",
        "-https01",
        "",
        "-tlsalpn01",
        "",
    ]));
    let pebble = spawn(
        Command::new("pebble")
            .arg("-config")
            .arg(dir.join("pebble.json"))
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            // No random waits before validating, no random nonce rejections.
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0"),
    );
    wait_for_port(dns_management).await;
    wait_for_port(acme).await;
    Pebble {
        _processes: [dns_server, pebble],
        directory: format!("https://127.0.0.1:{acme}/dir"),
        management: SocketAddr::from(([127, 0, 0, 1], management)),
        https_ca,
        https_ca_der: made.cert.der().clone(),
    }
}

/// The root pebble issues under (made anew at each start), from its management API.
async fn pebble_root(pebble: &Pebble) -> CertificateDer<'static> {
    let stream = tls_connect(pebble.management, "localhost", &pebble.https_ca_der)
        .await
        .unwrap();
    let (status, _, body) = exchange(
        stream,
        "GET /roots/0 HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    CertificateDer::from_pem_slice(body.as_bytes()).expect("a PEM root")
}

fn config(data_dir: &Path, pebble: &Pebble, http_port: u16) -> Config {
    Config {
        data_dir: data_dir.to_owned(),
        acme: Some(AcmeConfig {
            domain: DOMAIN.to_owned(),
            contacts: vec!["mailto:organiser@spectate.test".to_owned()],
            directory: pebble.directory.clone(),
            directory_ca: Some(pebble.https_ca.clone()),
            http_addr: SocketAddr::from(([127, 0, 0, 1], http_port)),
            dir: data_dir.join("acme"),
        }),
        ..Config::for_tests()
    }
}

/// Polls `what` every 100 ms until it gives something, for at most `patience`.
async fn wait_for<T>(patience: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {patience:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `GET /healthz` over TLS as `DOMAIN`, trusting `root` only: the status and head.
async fn healthz(addr: SocketAddr, root: &CertificateDer<'static>) -> (u16, String) {
    let stream = tls_connect(addr, DOMAIN, root)
        .await
        .expect("the chain checks against pebble's root");
    let (status, head, _) = exchange(
        stream,
        &format!("GET /healthz HTTP/1.1\r\nhost: {DOMAIN}\r\nconnection: close\r\n\r\n"),
    )
    .await;
    (status, head)
}

#[tokio::test]
async fn a_certificate_from_pebble_is_served_kept_renewed_and_plain_http_redirected() {
    let dir = std::env::temp_dir().join(format!("spectate-acme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data_dir = dir.join("data");
    let http_port = free_port();
    let pebble = start_pebble(&dir, http_port, None).await;

    let app = Application::build(config(&data_dir, &pebble, http_port))
        .await
        .expect("the server starts");
    let (addr, certificates) = (app.addr(), app.certificates().expect("ACME is on"));
    assert!(certificates.status().is_none(), "no certificate yet");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = certificates.status() {
            break status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no certificate from pebble in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // Served, with a chain that pebble's root vouches for.
    let root = pebble_root(&pebble).await;
    let (code, head) = healthz(addr, &root).await;
    assert_eq!(code, 200, "{head}");
    assert!(head.contains("strict-transport-security"), "{head}");

    // Renewal is scheduled, before the certificate runs out and not now.
    let now = SystemTime::now();
    assert!(
        now < status.renew_at && status.renew_at < status.not_after,
        "{status:?}"
    );

    // Kept in the data dir, the key private.
    let key = data_dir.join(format!("acme/{DOMAIN}.key.pem"));
    assert!(data_dir.join(format!("acme/{DOMAIN}.crt.pem")).is_file());
    assert!(data_dir.join("acme/account.json").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Plain HTTP: everything but the challenges goes to HTTPS, same path and query.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = plain
        .get(format!("http://127.0.0.1:{http_port}/track?token=abc"))
        .header("host", DOMAIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 308);
    assert_eq!(
        response.headers()["location"],
        format!("https://{DOMAIN}:{}/track?token=abc", addr.port()).as_str()
    );
    let unknown = plain
        .get(format!(
            "http://127.0.0.1:{http_port}/.well-known/acme-challenge/nope"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    // A restart with pebble gone serves the kept certificate at once.
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let pebble_config = config(&data_dir, &pebble, free_port());
    drop(pebble);
    let again = Application::build(pebble_config).await.unwrap();
    assert_eq!(again.certificates().unwrap().status(), Some(status));
    let addr = again.addr();
    let _server = tokio::spawn(again.run_until_stopped(std::future::pending()));
    assert_eq!(healthz(addr, &root).await.0, 200);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_certificate_is_renewed_before_it_runs_out() {
    let dir = std::env::temp_dir().join(format!("spectate-acme-renew-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let http_port = free_port();
    // Certificates of 30 s: renewal is due 20 s after each is issued, which leaves
    // 10 s for it on a busy machine (an order takes about 1 s here).
    let pebble = start_pebble(&dir, http_port, Some(30)).await;
    let app = Application::build(config(&dir.join("data"), &pebble, http_port))
        .await
        .unwrap();
    let (addr, certificates) = (app.addr(), app.certificates().unwrap());
    let _server = tokio::spawn(app.run_until_stopped(std::future::pending()));
    let first = wait_for(Duration::from_secs(60), "a certificate", || {
        certificates.status()
    })
    .await;
    let root = pebble_root(&pebble).await;
    let served = |stream: &tokio_rustls::client::TlsStream<tokio::net::TcpStream>| {
        stream.get_ref().1.peer_certificates().unwrap()[0].clone()
    };
    let before = served(&tls_connect(addr, DOMAIN, &root).await.unwrap());

    // Renewed when due, before the first one ran out, and served from then on.
    let renewed = wait_for(Duration::from_secs(60), "a renewed certificate", || {
        certificates
            .status()
            .filter(|status| status.not_after > first.not_after)
    })
    .await;
    assert!(
        SystemTime::now() < first.not_after,
        "renewed only after expiry"
    );
    assert!(renewed.renew_at > first.renew_at);
    let after = served(&tls_connect(addr, DOMAIN, &root).await.unwrap());
    assert_ne!(before, after, "the renewed certificate is the one served");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_acme_options_are_refused_with_a_reason() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let data_dir = std::env::temp_dir().join(format!("spectate-acme-bad-{}", std::process::id()));
    let data_dir = data_dir.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--acme-domain", "https://race.example"],
            "is not a DNS name",
        ),
        (
            &[
                "--acme-domain",
                "race.example",
                "--acme-contact",
                "me@race.example",
            ],
            "is not a contact like mailto:",
        ),
        (
            &["--acme-contact", "mailto:me@race.example"],
            "--acme-domain",
        ),
        (
            &["--acme-domain", "race.example", "--http-addr", &taken],
            "(--http-addr)",
        ),
    ];
    for (args, reason) in cases {
        let mut all = vec!["serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir];
        all.extend(args);
        let stderr = crate::helpers::refused(&all).await;
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(data_dir);
}

#[tokio::test]
async fn an_unusable_kept_certificate_is_ordered_again() {
    let dir = std::env::temp_dir().join(format!("spectate-acme-broken-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data_dir = dir.join("data");
    std::fs::create_dir_all(data_dir.join("acme")).unwrap();
    for kept in [".crt.pem", ".key.pem"] {
        std::fs::write(data_dir.join(format!("acme/{DOMAIN}{kept}")), "half a file").unwrap();
    }
    let http_port = free_port();
    let pebble = start_pebble(&dir, http_port, None).await;
    let app = Application::build(config(&data_dir, &pebble, http_port))
        .await
        .expect("a broken kept certificate does not stop the start");
    let (addr, certificates) = (app.addr(), app.certificates().unwrap());
    let _server = tokio::spawn(app.run_until_stopped(std::future::pending()));
    wait_for(Duration::from_secs(60), "a new certificate", || {
        certificates.status()
    })
    .await;
    assert_eq!(healthz(addr, &pebble_root(&pebble).await).await.0, 200);
    let _ = std::fs::remove_dir_all(&dir);
}
