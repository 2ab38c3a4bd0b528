//! The off-course safety rule (issue 19): a runner whose fixes have all been off the
//! course for the event's `off_course_minutes` raises one alert; coming back to the
//! course starts the count again; a resolved alert is not raised again while they
//! stay off it. Under tokio's paused clock, like the other time-based rules.

use std::{path::PathBuf, time::Duration};

use reqwest::{StatusCode, header};
use spectate_server::{config::Config, event::Event};

use crate::{
    admin::{console_app, http, session_cookie},
    console_kit::{alerts, wait_for_alerts},
    helpers::TestApp,
};

/// The demo event with only the off-course rule on, at 5 minutes.
fn off_course_event() -> Config {
    let config = Config::for_tests();
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let text = std::fs::read_to_string(demo.join("event.toml")).unwrap();
    let course = demo.join("garmin-activity.gpx");
    let text = text.replace(
        "course = \"garmin-activity.gpx\"",
        &format!("course = {:?}", course.display().to_string()),
    ) + "\n[safety]\noff_course_minutes = 5\nno_signal_minutes = 0\nno_movement_minutes = 0\nbattery_percent = 0\n";
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let file = config.data_dir.join("off-course-event.toml");
    std::fs::write(&file, text).unwrap();
    Config {
        event: Some(file),
        ..config
    }
}

/// A Traccar Client / OsmAnd fix for `device`: `metres` along the course, or far
/// off it (`None`: 11 km north of the start).
async fn fix(app: &TestApp, device: &str, metres: Option<f64>) {
    let course = Event::demo().course;
    let (lat, lon) = match metres {
        Some(m) => {
            let p = course.position_at(m);
            (p.lat(), p.lng())
        }
        None => {
            let p = course.position_at(0.0);
            (p.lat() + 0.1, p.lng())
        }
    };
    let url = app.url(&format!("/api/osmand?id={device}&lat={lat}&lon={lon}"));
    assert_eq!(
        http().get(url).send().await.unwrap().status(),
        StatusCode::OK
    );
}

/// Lets `minutes` pass, and the sweeps after them run.
async fn pass(minutes: u64) {
    tokio::time::advance(Duration::from_secs(minutes * 60)).await;
    tokio::time::sleep(Duration::from_secs(20)).await;
}

#[tokio::test(start_paused = true)]
async fn alerts_off_course_for_five_minutes_raised_once_until_back_on_course() {
    let app = console_app(&["ana"], off_course_event()).await;
    let cookie = session_cookie(&app, "ana").await;
    fix(&app, "demo-1", None).await;
    fix(&app, "demo-2", Some(1000.0)).await;
    pass(3).await;
    assert!(alerts(&app, &cookie).await.is_empty());
    // Back on the course, then off it again: the count starts again.
    fix(&app, "demo-1", Some(1000.0)).await;
    fix(&app, "demo-1", None).await;
    pass(4).await;
    assert!(
        alerts(&app, &cookie).await.is_empty(),
        "counted from the return"
    );
    pass(2).await;
    let list = wait_for_alerts(&app, &cookie, 1).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        (list[0]["runner"].as_u64(), list[0]["kind"].as_str()),
        (Some(1), Some("off_course"))
    );

    // Resolved while they are still off the course: not raised again.
    let resolve = http()
        .post(app.url(&format!("/admin/alerts/{}/resolve", list[0]["id"])))
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, format!("http://{}", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(resolve.status(), StatusCode::OK);
    fix(&app, "demo-1", None).await;
    pass(6).await;
    assert_eq!(alerts(&app, &cookie).await.len(), 1);
    // Back on the course and off again for five minutes: a new alert.
    fix(&app, "demo-1", Some(1000.0)).await;
    fix(&app, "demo-1", None).await;
    pass(6).await;
    let list = wait_for_alerts(&app, &cookie, 2).await;
    assert_eq!(list[0]["kind"], "off_course");
    assert_eq!(list[0]["stage"], "raised");
}
