//! Server-rendered pages, and the seed upgrades that share their paths.

use serde_json::json;

use crate::helpers::{refused, spawn_app};

async fn get(url: String) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_map_page_renders_its_content_and_follows_from_the_url() {
    let app = spawn_app().await;
    let (status, html) = get(app.url("/?follow=3,7")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Runner map"), "{html}");
    assert!(
        html.contains(r#"<li data-runner="3" class="chip">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<li data-runner="7" class="chip">"#),
        "{html}"
    );
    // Without JavaScript the form still adds to the current follows.
    assert!(html.contains(r#"name="follow" value="3,7""#), "{html}");
    assert!(
        html.contains("/pkg/spectate.") && html.contains(".js\""),
        "the page loads the hydration bundle"
    );
    assert!(
        html.contains(r#"data-status="connecting""#),
        "status shown before the socket opens"
    );
    // A bad id in the URL is reported, not fatal.
    let (status, html) = get(app.url("/?follow=1,%3Cb%3E")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("contains &#x27;&lt;&#x27;") || html.contains("contains '&lt;'"),
        "{html}"
    );
}

#[tokio::test]
async fn dashboard_room_and_not_found() {
    let app = spawn_app().await;
    let (status, html) = get(app.url("/dashboard")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Happiness"));
    // Three canvas charts, with their window controls and legends.
    assert_eq!(html.matches("<canvas").count(), 3, "{html}");
    assert!(
        html.contains(r#"aria-label="Happiness over time""#),
        "{html}"
    );
    assert!(
        html.contains(">1 min<") && html.contains(">Pause<"),
        "{html}"
    );
    let (status, html) = get(app.url("/room")).await;
    assert_eq!(status, 200);
    assert!(html.contains("room-form"));
    let (status, html) = get(app.url("/no/such/page")).await;
    assert_eq!(status, 404);
    assert!(html.contains("Not found"));
    let (status, body) = get(app.url("/healthz")).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
}

#[tokio::test]
async fn root_serves_both_the_page_and_the_seed_socket() {
    let app = spawn_app().await;
    let mut client = app.connect("/").await;
    client
        .send_json(json!({"initialRequest": true, "following": [1], "userId": 1}))
        .await;
    client
        .send_json(json!({"userId": 1, "lat": 1.0, "lng": 1.0}))
        .await;
    assert_eq!(
        client.next_json().await,
        json!({"userId": 1, "lat": 1.0, "lng": 1.0})
    );
    let (status, html) = get(app.url("/")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Runner map"));
}

#[tokio::test]
async fn pages_are_compressed_but_live_streams_are_not() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let page = client
        .get(app.url("/dashboard"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["content-encoding"], "br");
    let stream = client
        .get(app.url("/happiness"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert!(stream.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn bad_page_and_demo_options_are_refused_with_a_reason() {
    let data_dir = std::env::temp_dir().join(format!("spectate-badpage-{}", std::process::id()));
    let data_dir = data_dir.to_str().unwrap();
    let serve = ["serve", "--addr", "127.0.0.1:0", "--data-dir", data_dir];
    let err = refused(
        &[
            &serve[..],
            &["--tile-url", "https://tiles.example/{z}/{x}.png"],
        ]
        .concat(),
    )
    .await;
    assert!(err.contains("has no {y}"), "{err}");
    let err = refused(
        &[
            &serve[..],
            &["--tile-url", "javascript:alert(1)/{z}/{x}/{y}"],
        ]
        .concat(),
    )
    .await;
    assert!(err.contains("must start with https://"), "{err}");
    let err = refused(&[&serve[..], &["--demo-fix-every", "0.01"]].concat()).await;
    assert!(err.contains("outside 0.1 to 86400 seconds"), "{err}");
    let err = refused(&["token", "--runner", "3", "--qr", "purple"]).await;
    assert!(err.contains("purple"), "{err}");
    let _ = std::fs::remove_dir_all(data_dir);
}
