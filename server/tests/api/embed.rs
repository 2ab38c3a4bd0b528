//! `/embed` (issue 19): the map and leaderboard for another site's iframe, and who
//! may frame which page.

use spectate_server::{config::Config, http::framing::EmbedOrigin};

use crate::{
    console_kit::with_demo_event,
    helpers::{refused, spawn_app_with},
};

async fn get(url: String) -> reqwest::Response {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    response
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_embed_renders_the_map_and_board_without_the_sites_header() {
    let app = spawn_app_with(with_demo_event()).await;
    let html = get(app.url("/embed?follow=2,5&height=320"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("embed-page"), "{html}");
    assert!(html.contains("--embed-map-height: 320px"), "{html}");
    assert!(html.contains("live-map-wrap"), "{html}");
    assert!(html.contains(r#"id="board-title""#), "the board: {html}");
    // The link out keeps the follows, and opens the full site in a new tab.
    assert!(html.contains(r#"href="/?follow=2,5""#), "{html}");
    assert!(html.contains(r#"target="_blank""#), "{html}");
    // No site header, search or cheers inside another site's page.
    for absent in [r#"class="topbar""#, "skip-link", "follow-form", "cheers"] {
        assert!(!html.contains(absent), "{absent} in {html}");
    }
    // The full page keeps them.
    let full = get(app.url("/?follow=2,5")).await.text().await.unwrap();
    assert!(full.contains(r#"class="topbar""#) && full.contains("follow-form"));

    let no_board = get(app.url("/embed?board=0")).await.text().await.unwrap();
    assert!(no_board.contains("live-map-wrap"), "{no_board}");
    assert!(!no_board.contains(r#"id="board-title""#), "{no_board}");
    assert!(no_board.contains("--embed-map-height: 480px"), "{no_board}");
}

#[tokio::test]
async fn only_our_own_pages_may_frame_us_unless_an_embed_origin_is_named() {
    let app = spawn_app_with(with_demo_event()).await;
    let embed = get(app.url("/embed")).await;
    assert_eq!(
        header(&embed, "content-security-policy").as_deref(),
        Some("frame-ancestors 'self'")
    );
    // The console and the pages can never be framed by another site.
    for path in ["/", "/track", "/admin/sign-in", "/dashboard"] {
        let response = get(app.url(path)).await;
        assert_eq!(
            header(&response, "content-security-policy").as_deref(),
            Some("frame-ancestors 'self'"),
            "{path}"
        );
        assert_eq!(
            header(&response, "x-frame-options").as_deref(),
            Some("SAMEORIGIN"),
            "{path}"
        );
    }

    let app = spawn_app_with(Config {
        embed_origins: vec![
            EmbedOrigin::parse("https://race.example").unwrap(),
            EmbedOrigin::parse("http://localhost:8080").unwrap(),
        ],
        ..with_demo_event()
    })
    .await;
    let embed = get(app.url("/embed?follow=1")).await;
    assert_eq!(
        header(&embed, "content-security-policy").as_deref(),
        Some("frame-ancestors 'self' https://race.example http://localhost:8080")
    );
    // X-Frame-Options cannot name another site: a browser honouring it would refuse.
    assert_eq!(header(&embed, "x-frame-options"), None);
    let other = get(app.url("/admin/sign-in")).await;
    assert_eq!(
        header(&other, "content-security-policy").as_deref(),
        Some("frame-ancestors 'self'")
    );
}

#[tokio::test]
async fn an_embed_origin_that_is_not_an_origin_is_refused_at_start() {
    for (bad, said) in [
        ("https://race.example; script-src *", "is not an origin"),
        ("race.example", "must start with https://"),
        ("https://race.example/results", "no path"),
    ] {
        let stderr = refused(&["serve", "--port", "0", "--embed-origin", bad]).await;
        assert!(stderr.contains(said), "{bad}: {stderr}");
    }
}
