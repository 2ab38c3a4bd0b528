//! The organiser's console sign-in (issue 19): `spectate admin add-user`, the session
//! cookie, refusals (no cookie, wrong password, forged or ended session, another
//! site's form) and the limits on attempts.

use std::{path::Path, time::Duration};

use reqwest::{StatusCode, header};
use spectate_server::{
    config::Config,
    console::{
        ConsoleConfig,
        limits::{Allowance, SignInLimits},
    },
    proxy::{TrustedProxies, parse_cidr},
};
use tokio::io::AsyncWriteExt;

use crate::helpers::{TestApp, spawn_app_with};

pub(crate) const PASSWORD: &str = "a long enough password";

/// Runs `spectate admin add-user NAME` on `data_dir` with `stdin`: its exit
/// status and its stderr.
async fn add_user(data_dir: &Path, name: &str, stdin: &str) -> (bool, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_spectate"))
        .args(["admin", "add-user", name, "--data-dir"])
        .arg(data_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = child.wait_with_output().await.unwrap();
    let said = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        !said.contains(stdin.trim()),
        "the password was printed: {said}"
    );
    (output.status.success(), said)
}

/// A server whose store has the organisers `names` (password [`PASSWORD`]).
pub(crate) async fn console_app(names: &[&str], config: Config) -> TestApp {
    for name in names {
        let (ok, said) = add_user(&config.data_dir, name, &format!("{PASSWORD}\n")).await;
        assert!(ok, "{said}");
    }
    spawn_app_with(config).await
}

/// A client that neither follows redirects nor keeps cookies: each test sees both.
pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `POST /admin/sign-in` from our own page, with these extra headers.
async fn sign_in(
    app: &TestApp,
    name: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = http()
        .post(app.url("/admin/sign-in"))
        .form(&[("name", name), ("password", password)]);
    if !headers.iter().any(|(name, _)| *name == "origin") {
        request = request.header(header::ORIGIN, format!("http://{}", app.addr));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// Signs in and returns the `name=value` of the session cookie.
pub(crate) async fn session_cookie(app: &TestApp, name: &str) -> String {
    let response = sign_in(app, name, PASSWORD, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/admin");
    let cookie = set_cookie(&response).expect("a session cookie");
    cookie.split(';').next().unwrap().to_owned()
}

fn set_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// `GET /admin` with `cookie`: the status, and where it sends the browser.
async fn console_with(app: &TestApp, cookie: &str) -> (StatusCode, Option<String>, String) {
    let response = http()
        .get(app.url("/admin"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), location, response.text().await.unwrap())
}

/// The `spectate_console_sign_ins_total` count for `outcome`.
async fn sign_ins(app: &TestApp, outcome: &str) -> u64 {
    let metrics = app.get_text("/metrics").await;
    let line = format!("spectate_console_sign_ins_total{{outcome=\"{outcome}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .unwrap_or_else(|| panic!("no {line} in /metrics"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn admin_without_a_session_redirects_to_the_sign_in_form() {
    let app = console_app(&[], Config::for_tests()).await;
    let (status, location, _) = console_with(&app, "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/admin/sign-in"));
    let form = app.get_text("/admin/sign-in").await;
    assert!(
        form.contains("<form method=\"post\" action=\"/admin/sign-in\">"),
        "{form}"
    );
}

#[tokio::test]
async fn admin_organisers_sign_in_at_once_and_sign_out() {
    let config = Config::for_tests();
    let data_dir = config.data_dir.clone();
    let app = console_app(&["ana", "bo.b"], config).await;
    let response = sign_in(&app, "ana", PASSWORD, &[]).await;
    let cookie = set_cookie(&response).unwrap();
    assert!(
        cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let ana = cookie.split(';').next().unwrap().to_owned();
    let bob = session_cookie(&app, "bo.b").await;
    let (status, _, page) = console_with(&app, &ana).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<strong id=\"organiser\">ana</strong>"),
        "{page}"
    );
    let (_, _, page) = console_with(&app, &bob).await;
    assert!(
        page.contains("<strong id=\"organiser\">bo.b</strong>"),
        "{page}"
    );

    let out = http()
        .post(app.url("/admin/sign-out"))
        .header(header::COOKIE, &ana)
        .header(header::ORIGIN, format!("http://{}", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&out).unwrap().contains("Max-Age=0"));
    assert_eq!(console_with(&app, &ana).await.0, StatusCode::SEE_OTHER);
    assert_eq!(
        console_with(&app, &bob).await.0,
        StatusCode::OK,
        "bob stays in"
    );
    assert_eq!(sign_ins(&app, "ok").await, 2);

    // Neither the password nor a session id is in the store's files.
    let id = bob.split_once('=').unwrap().1;
    for file in ["spectate.db", "spectate.db-wal"] {
        let bytes = std::fs::read(data_dir.join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(PASSWORD) && !text.contains(id), "{file}");
    }
}

#[tokio::test]
async fn admin_wrong_passwords_and_unknown_names_are_refused_and_counted() {
    let app = console_app(&["ana"], Config::for_tests()).await;
    for (name, password) in [("ana", "not the password"), ("nobody", PASSWORD)] {
        let response = sign_in(&app, name, password, &[]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(set_cookie(&response).is_none());
        let page = response.text().await.unwrap();
        assert!(page.contains("Wrong name or password."), "{page}");
    }
    assert_eq!(sign_ins(&app, "refused").await, 2);
    assert_eq!(sign_ins(&app, "ok").await, 0);
}

#[tokio::test]
async fn admin_forged_and_ended_sessions_are_refused() {
    let app = console_app(
        &["ana"],
        Config {
            console: ConsoleConfig {
                session_ttl: Duration::from_secs(1),
                ..ConsoleConfig::default()
            },
            ..Config::for_tests()
        },
    )
    .await;
    let forged = format!("spectate_session={}", "A".repeat(43));
    assert_eq!(console_with(&app, &forged).await.0, StatusCode::SEE_OTHER);
    let cookie = session_cookie(&app, "ana").await;
    assert_eq!(console_with(&app, &cookie).await.0, StatusCode::OK);
    // One character changed is a forgery too.
    let mut altered = cookie.clone();
    let last = if altered.ends_with('A') { "B" } else { "A" };
    altered.replace_range(altered.len() - 1.., last);
    assert_eq!(console_with(&app, &altered).await.0, StatusCode::SEE_OTHER);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, location, _) = console_with(&app, &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the session ended");
    assert_eq!(location.as_deref(), Some("/admin/sign-in"));
}

#[tokio::test]
async fn admin_cross_site_posts_are_refused() {
    let app = console_app(&["ana"], Config::for_tests()).await;
    let evil = sign_in(&app, "ana", PASSWORD, &[("origin", "https://evil.example")]).await;
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&evil).is_none());
    let fetched = sign_in(&app, "ana", PASSWORD, &[("sec-fetch-site", "same-site")]).await;
    assert_eq!(fetched.status(), StatusCode::FORBIDDEN);
    let own = format!("http://{}", app.addr);
    let two = [("origin", own.as_str()), ("origin", "https://evil.example")];
    assert_eq!(
        sign_in(&app, "ana", PASSWORD, &two).await.status(),
        StatusCode::FORBIDDEN
    );
    let cookie = session_cookie(&app, "ana").await;
    let out = http()
        .post(app.url("/admin/sign-out"))
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::FORBIDDEN);
    assert!(out.text().await.unwrap().contains("another site"));
    assert_eq!(
        console_with(&app, &cookie).await.0,
        StatusCode::OK,
        "still in"
    );
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("spectate_console_cross_site_refused_total 4"),
        "{metrics}"
    );
    assert_eq!(sign_ins(&app, "ok").await, 1, "only our own page's sign-in");
}

#[tokio::test]
async fn admin_sign_in_attempts_are_limited_per_address_and_per_user() {
    let app = console_app(
        &["ana", "bob"],
        Config {
            console: ConsoleConfig {
                sign_in: SignInLimits {
                    per_address: Allowance {
                        burst: 3,
                        per_second: 0.0,
                    },
                    per_user: Allowance {
                        burst: 2,
                        per_second: 0.0,
                    },
                },
                ..ConsoleConfig::default()
            },
            trusted_proxies: TrustedProxies::new([parse_cidr("127.0.0.1").unwrap()]),
            ..Config::for_tests()
        },
    )
    .await;
    let from = |address: &'static str| [("x-forwarded-for", address)];
    // One address, three names: the fourth attempt is refused, right password or not.
    for name in ["u1", "u2", "u3"] {
        let response = sign_in(&app, name, "wrong password!", &from("203.0.113.1")).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = sign_in(&app, "bob", PASSWORD, &from("203.0.113.1")).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key(header::RETRY_AFTER));
    assert!(limited.text().await.unwrap().contains("from your address"));
    // One name from several addresses: the third attempt is refused.
    for address in ["203.0.113.2", "203.0.113.3"] {
        let response = sign_in(&app, "ana", "wrong password!", &from(address)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = sign_in(&app, "ana", PASSWORD, &from("203.0.113.4")).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.text().await.unwrap().contains("for this user"));
    // Others are not held back.
    let bob = sign_in(&app, "bob", PASSWORD, &from("203.0.113.5")).await;
    assert_eq!(bob.status(), StatusCode::SEE_OTHER);
    assert_eq!(sign_ins(&app, "limited").await, 2);
}

#[tokio::test]
async fn admin_cookie_is_secure_when_a_trusted_proxy_says_https() {
    let config = |trusted: &str| Config {
        trusted_proxies: TrustedProxies::new([parse_cidr(trusted).unwrap()]),
        ..Config::for_tests()
    };
    let https = [("x-forwarded-proto", "https")];
    let behind = console_app(&["ana"], config("127.0.0.1")).await;
    let response = http()
        .post(behind.url("/admin/sign-in"))
        .header(header::ORIGIN, format!("https://{}", behind.addr))
        .header(https[0].0, https[0].1)
        .form(&[("name", "ana"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&response).unwrap().ends_with("; Secure"));
    // The same header from a peer that is not a trusted proxy is not believed.
    let direct = console_app(&["ana"], config("10.0.0.0/8")).await;
    let response = sign_in(&direct, "ana", PASSWORD, &https).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(!set_cookie(&response).unwrap().contains("Secure"));
}

#[tokio::test]
async fn admin_add_user_refuses_bad_names_and_short_passwords() {
    let dir = Config::for_tests().data_dir;
    let (ok, said) = add_user(&dir, "ana lopez", "long enough password\n").await;
    assert!(!ok);
    assert!(said.contains("is not a user name"), "{said}");
    let (ok, said) = add_user(&dir, "ana", "short\n").await;
    assert!(!ok);
    assert!(said.contains("the password must have 10"), "{said}");
    let (ok, said) = add_user(&dir, "ana", "long enough password\n").await;
    assert!(ok, "{said}");
    assert!(said.contains("organiser ana added"), "{said}");
    let (ok, said) = add_user(&dir, "ana", "another long password\n").await;
    assert!(ok && said.contains("new password"), "{said}");
}
