//! Revoking a runner's tokens from the console (issue 19): a revoked token stops
//! working at once: its open socket is closed with 4003 and a reason, publishing with
//! it is refused with a clear error, also after a restart; the token the page shows
//! next works.

use reqwest::{StatusCode, header};
use serde_json::json;
use spectate_server::{config::Config, event::Event};

use crate::{
    admin::http,
    console_kit::{signed_text, with_demo_event},
    helpers::{TestApp, spawn_app_with},
    roster::{organiser_app, post_form},
    roster_pairing::{href, owntracks_config},
};

/// The token runner 7's console page shows now.
pub(crate) async fn token_of_7(app: &TestApp, cookie: &str) -> String {
    token_of(app, cookie, "7").await
}

/// The token runner `bib`'s console page shows now.
pub(crate) async fn token_of(app: &TestApp, cookie: &str, bib: &str) -> String {
    let (status, page) = signed_text(app, cookie, &format!("/admin/runners/{bib}")).await;
    assert_eq!(status, StatusCode::OK);
    let config = owntracks_config(&href(&page, "owntracks-link"));
    config["password"].as_str().unwrap().to_owned()
}

/// An OwnTracks location for runner 7 with `token`: status and body.
pub(crate) async fn publish(app: &TestApp, token: &str, metres: f64) -> (StatusCode, String) {
    let p = Event::demo().course.position_at(metres);
    let response = http()
        .post(app.url("/api/owntracks"))
        .basic_auth("7", Some(token))
        .header(header::CONTENT_TYPE, "application/json")
        .body(json!({"_type": "location", "lat": p.lat(), "lon": p.lng()}).to_string())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn roster_revoked_token_stops_working_at_once_and_after_a_restart() {
    let config = Config {
        open_publishing: false,
        ..with_demo_event()
    };
    let data_dir = config.data_dir.clone();
    let (mut app, cookie) = organiser_app(config).await;
    let old = token_of_7(&app, &cookie).await;
    assert_eq!(publish(&app, &old, 300.0).await.0, StatusCode::OK);
    let mut socket = app.connect(&format!("/ws?token={old}")).await;
    socket.expect_welcome().await;
    assert_eq!(socket.next_json().await["type"], "authed");

    let revoked = post_form(&app, &cookie, "/admin/runners/7/revoke", &[]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let (code, reason) = socket.expect_close().await;
    assert_eq!(code, 4003);
    assert!(reason.contains("revoked"), "{reason}");
    let (status, said) = publish(&app, &old, 400.0).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(said.contains("revoked by the organisers"), "{said}");

    // The page's new token works at once; the history says who revoked.
    let new = token_of_7(&app, &cookie).await;
    assert_ne!(new, old);
    assert_eq!(publish(&app, &new, 500.0).await.0, StatusCode::OK);
    let (_, page) = signed_text(&app, &cookie, "/admin/runners/7").await;
    assert!(
        page.contains("ana: revoked the runner&#39;s tokens"),
        "{page}"
    );

    app.stop();
    app.task.take().unwrap().await.unwrap().unwrap();
    let app = spawn_app_with(Config {
        data_dir,
        open_publishing: false,
        ..with_demo_event()
    })
    .await;
    assert_eq!(publish(&app, &old, 600.0).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(publish(&app, &new, 700.0).await.0, StatusCode::OK);
}

/// Reads `seed` until its error frame, then its end: the seed protocol's way of
/// ending a connection it refuses (an error frame, then a close without a code).
async fn seed_refused(seed: &mut crate::helpers::Client) -> serde_json::Value {
    let error = loop {
        match seed.next().await {
            crate::helpers::Seen::Text(text) => {
                let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
                if frame.get("error").is_some() {
                    break frame;
                }
            }
            crate::helpers::Seen::Closed(frame) => panic!("closed before the error: {frame:?}"),
        }
    };
    match seed.next().await {
        // A close without a code: the seed protocol has none.
        crate::helpers::Seen::Closed(None) => error,
        other => panic!("not closed as the seed protocol closes: {other:?}"),
    }
}

#[tokio::test]
async fn roster_revoked_token_closes_the_seed_protocols_sockets_and_room() {
    let config = Config {
        open_publishing: false,
        ..with_demo_event()
    };
    let (app, cookie) = organiser_app(config).await;
    let token = token_of_7(&app, &cookie).await;
    // One seed phone shows its token on the URL, the other in its hello.
    let mut on_url = app.connect(&format!("/spectate?token={token}")).await;
    let mut in_hello = app.connect("/spectate").await;
    let mut bystander = app.connect("/spectate").await;
    // And a seed room member, with the token on the URL.
    let mut member = app.connect(&format!("/room?token={token}")).await;
    on_url
        .send_json(json!({"initialRequest": true, "following": ["7"], "userId": 7}))
        .await;
    in_hello
        .send_json(json!({"initialRequest": true, "following": ["7"], "userId": 7, "token": token}))
        .await;
    bystander
        .send_json(json!({"initialRequest": true, "following": ["7"], "userId": 3}))
        .await;
    // A frame the server answers, so the hellos before it have been taken.
    for seed in [&mut on_url, &mut in_hello, &mut bystander] {
        seed.send_text("not json").await;
        let answer: serde_json::Value = serde_json::from_str(&seed.next_text().await).unwrap();
        assert_eq!(answer["error"]["code"], "bad_json", "{answer}");
    }

    let revoked = post_form(&app, &cookie, "/admin/runners/7/revoke", &[]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    for seed in [&mut on_url, &mut in_hello, &mut member] {
        let error = seed_refused(seed).await;
        assert_eq!(error["error"]["code"], "token_invalid", "{error}");
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("revoked by the organisers"), "{error}");
    }
    // A follower without that token keeps its socket.
    bystander.send_text("still here?").await;
    let answer: serde_json::Value = serde_json::from_str(&bystander.next_text().await).unwrap();
    assert_eq!(answer["error"]["code"], "bad_json", "{answer}");
}
