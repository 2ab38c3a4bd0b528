//! Behind a trusted reverse proxy (issue 16, item 11): the per-address limits apply
//! to each client that `X-Forwarded-For` names, never to the proxy as a whole, and
//! the header is believed from that proxy only.

use super::helpers::{Client, TestApp, spawn_app_with};
use spectate_server::{
    config::{Config, Limits},
    proxy::{TrustedProxies, parse_cidr},
};

/// A server allowing one socket per address, behind `proxies`.
async fn one_socket_per_address(proxies: &[&str]) -> TestApp {
    spawn_app_with(Config {
        limits: Limits {
            max_connections_per_ip: 1,
            ..Limits::default()
        },
        trusted_proxies: TrustedProxies::new(proxies.iter().map(|p| parse_cidr(p).unwrap())),
        ..Config::for_tests()
    })
    .await
}

/// Opens `/ws` with `X-Forwarded-For: forwarded_for`; the socket, or the refusal's
/// status.
async fn connect_as(app: &TestApp, forwarded_for: &str) -> Result<Client, u16> {
    let mut client = app
        .connect_with("/ws", &[("x-forwarded-for", forwarded_for.to_owned())])
        .await
        .map_err(|(status, _)| status)?;
    client.expect_welcome().await;
    Ok(client)
}

#[tokio::test]
async fn each_client_behind_a_trusted_proxy_has_its_own_limits() {
    let app = one_socket_per_address(&["127.0.0.1/32"]).await;
    let _first = connect_as(&app, "203.0.113.1").await.expect("first client");
    let _second = connect_as(&app, "203.0.113.2")
        .await
        .expect("another client behind the same proxy has its own place");
    assert_eq!(connect_as(&app, "203.0.113.1").await.err(), Some(429));
    // Only the right-most address is the proxy's word: what the client wrote to its
    // left gets it no new place.
    assert_eq!(
        connect_as(&app, "198.51.100.7, 203.0.113.1").await.err(),
        Some(429)
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_forwarded_addresses_are_ignored() {
    // The header comes from a peer that is not a trusted proxy (none is, or another).
    for proxies in [&[][..], &["10.0.0.0/8"][..]] {
        let app = one_socket_per_address(proxies).await;
        let _first = connect_as(&app, "203.0.113.1").await.expect("first client");
        assert_eq!(
            connect_as(&app, "203.0.113.2").await.err(),
            Some(429),
            "one peer address, one place ({proxies:?})"
        );
    }
}

#[tokio::test]
async fn an_ipv6_client_is_limited_by_its_64_prefix() {
    // An IPv6 customer is given a /64 and may use any address in it: one client, one
    // place, whichever of its addresses it comes from; the next /64 is someone else.
    let app = one_socket_per_address(&["127.0.0.1/32"]).await;
    let _first = connect_as(&app, "2001:db8:0:1::1")
        .await
        .expect("first client");
    assert_eq!(
        connect_as(&app, "2001:db8:0:1:ffff::2").await.err(),
        Some(429),
        "another address of the same /64"
    );
    let _other = connect_as(&app, "2001:db8:0:2::1")
        .await
        .expect("the next /64 is another client");
}

/// The cookie a spectator's link leaves is Secure when the page came over HTTPS, and
/// only a trusted proxy can say so: any client can send `X-Forwarded-Proto`.
#[tokio::test]
async fn only_a_trusted_proxy_makes_the_token_cookie_secure() {
    use spectate_server::auth::{Subject, TokenKeys};
    let token = TokenKeys::new(b"test-secret-test-secret-test-secret!")
        .issue(&Subject::Spectator, std::time::Duration::from_secs(600));
    for (proxies, secure) in [(&[][..], false), (&["127.0.0.1/32"][..], true)] {
        let app = one_socket_per_address(proxies).await;
        let page = reqwest::Client::new()
            .get(app.url(&format!("/?token={token}")))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        let cookie = page.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.starts_with("spectate_token="), "{cookie}");
        assert_eq!(
            cookie.ends_with("; Secure"),
            secure,
            "{proxies:?}: {cookie}"
        );
    }
}
