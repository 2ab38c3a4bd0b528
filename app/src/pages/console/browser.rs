//! The monitor's browser side: the runners read every few seconds, the ages' clock,
//! the alerts' list and live stream (`EventSource`), and the acknowledge and resolve
//! POSTs (same origin: the browser sends our `Origin`, which the server checks).
//!
//! How long each update takes is written on the table (`data-update-ms` for a poll's
//! rows, `data-tick-ms` for the ages' tick): from the data in hand to after the next
//! frame, so it counts Leptos' work, style and layout.

use std::cell::RefCell;

use gloo_net::http::Request;
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, closure::Closure};

use super::monitor::{Monitor, POLL_EVERY_S};
use crate::protocol::console::{Alert, Kind, RunnerRow, Stage};

/// The live stream and its listeners, closed when the page goes.
struct Stream {
    source: web_sys::EventSource,
    _listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

thread_local! {
    static STREAM: RefCell<Option<Stream>> = const { RefCell::new(None) };
}

const SIGNED_OUT: &str = "Your session has ended: sign in again at /admin/sign-in.";
const UNREACHABLE: &str = "The server cannot be reached; the table shows the last rows read.";
const UNREADABLE: &str = "The runners could not be read; trying again.";

/// Starts reading: the runners now and every [`POLL_EVERY_S`] s, the clock every
/// second, the alerts' list and their stream.
pub(super) fn start(monitor: Monitor) {
    spawn_local(read_runners(monitor));
    let poll = set_interval_with_handle(
        move || spawn_local(read_runners(monitor)),
        std::time::Duration::from_secs(u64::from(POLL_EVERY_S)),
    )
    .ok();
    let tick = set_interval_with_handle(
        move || {
            let started = now();
            monitor.now_ms.set(js_sys::Date::now());
            after_paint("data-tick-ms", started);
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    listen(monitor);
    on_cleanup(move || {
        poll.into_iter().chain(tick).for_each(|h| h.clear());
        STREAM.with(|s| {
            if let Some(stream) = s.borrow_mut().take() {
                stream.source.close();
            }
        });
    });
}

async fn read_runners(monitor: Monitor) {
    let response = match Request::get("/admin/runners.json").send().await {
        Ok(response) => response,
        Err(_) => {
            monitor.problem.set(Some(UNREACHABLE.into()));
            return;
        }
    };
    if response.status() == 401 {
        monitor.problem.set(Some(SIGNED_OUT.into()));
        return;
    }
    let Ok(rows) = response.json::<Vec<RunnerRow>>().await else {
        monitor.problem.set(Some(UNREADABLE.into()));
        return;
    };
    let started = now();
    monitor.read_ms.set(js_sys::Date::now());
    monitor.now_ms.set(js_sys::Date::now());
    monitor.take_rows(rows);
    // A read that worked ends what a read had said went wrong.
    if monitor.problem.with_untracked(|p| {
        p.as_deref()
            .is_some_and(|p| [SIGNED_OUT, UNREACHABLE, UNREADABLE].contains(&p))
    }) {
        monitor.problem.set(None);
    }
    after_paint("data-update-ms", started);
}

/// Reads the whole list of alerts (at start, and when the stream (re)opens or fell
/// behind).
async fn read_alerts(monitor: Monitor) {
    let Ok(response) = Request::get("/admin/alerts").send().await else {
        return;
    };
    if response.status() == 401 {
        monitor.problem.set(Some(SIGNED_OUT.into()));
        return;
    }
    if let Ok(all) = response.json::<Vec<Alert>>().await {
        // At first, the map shows the newest SOS nobody has acknowledged.
        let waiting = all
            .iter()
            .find(|a| a.kind == Kind::Sos && a.stage == Stage::Raised)
            .map(|a| a.id);
        monitor.alerts.update(|list| list.replace(all));
        if monitor.selected.get_untracked().is_none() && waiting.is_some() {
            monitor.selected.set(waiting);
        }
    }
}

/// Opens the alerts' stream: each `alert` event goes into the list, a `reload` (the
/// stream fell behind) or an `open` (first, or after a reconnect) reads the list.
fn listen(monitor: Monitor) {
    let Ok(source) = web_sys::EventSource::new("/admin/alerts/live") else {
        monitor.problem.set(Some(
            "This browser cannot receive live alerts; reload the page for news.".into(),
        ));
        return;
    };
    let on_alert = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let Some(data) = ev
            .dyn_ref::<web_sys::MessageEvent>()
            .and_then(|m| m.data().as_string())
        else {
            return;
        };
        let Ok(alert) = serde_json::from_str::<Alert>(&data) else {
            return;
        };
        let (id, sos) = (alert.id, alert.kind == Kind::Sos);
        let raised = alert.stage == Stage::Raised;
        let new = monitor.alerts.try_update(|list| list.upsert(alert)) == Some(true);
        if !raised {
            // Another organiser took it: it is news no longer.
            monitor.fresh.update(|f| {
                f.remove(&id);
            });
        } else if new {
            monitor.fresh.update(|f| {
                f.insert(id);
            });
            if sos {
                monitor.selected.set(Some(id));
            }
        }
    });
    let on_reload = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        spawn_local(read_alerts(monitor));
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
        // The browser retries by itself; closed for good means it was refused.
        let closed = STREAM.with(|s| {
            s.borrow()
                .as_ref()
                .is_some_and(|s| s.source.ready_state() == web_sys::EventSource::CLOSED)
        });
        if closed {
            monitor.problem.set(Some(SIGNED_OUT.into()));
        }
    });
    let _ = source.add_event_listener_with_callback("alert", on_alert.as_ref().unchecked_ref());
    for event in ["reload", "open"] {
        let _ = source.add_event_listener_with_callback(event, on_reload.as_ref().unchecked_ref());
    }
    let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
    STREAM.with(|s| {
        *s.borrow_mut() = Some(Stream {
            source,
            _listeners: vec![on_alert, on_reload, on_error],
        })
    });
}

/// POSTs `step` (`acknowledge` or `resolve`) for alert `id`; the alert as it is now
/// goes into the list (the stream brings it too, to every organiser).
pub(super) fn advance(monitor: Monitor, id: i64, step: &'static str) {
    spawn_local(async move {
        let url = format!("/admin/alerts/{id}/{step}");
        let response = match Request::post(&url).send().await {
            Ok(response) => response,
            Err(_) => {
                monitor
                    .problem
                    .set(Some("The server cannot be reached; try again.".into()));
                return;
            }
        };
        if response.ok() {
            if let Ok(alert) = response.json::<Alert>().await {
                let acknowledged = alert.stage == Stage::Acknowledged;
                monitor.alerts.update(|list| {
                    list.upsert(alert);
                });
                // The card is drawn again for its new stage, and the button pressed is
                // gone with it: the keyboard's focus goes on, not back to the page's top.
                request_animation_frame(move || {
                    let next = if acknowledged {
                        format!("[data-alert-id=\"{id}\"] [data-testid=resolve]")
                    } else {
                        "#alerts-title".to_owned()
                    };
                    if let Some(element) = document()
                        .query_selector(&next)
                        .ok()
                        .flatten()
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = element.focus();
                    }
                });
            }
            monitor.problem.set(None);
        } else {
            // 409: another organiser was faster; the stream brings their step.
            let said = response.text().await.unwrap_or_default();
            monitor
                .problem
                .set(Some(format!("Alert {id}: {}", said.trim())));
        }
    });
}

fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// Writes on the table, as `attribute`, how long since `started` the next frame
/// came (after Leptos' updates, style and layout).
fn after_paint(attribute: &'static str, started: f64) {
    request_animation_frame(move || {
        set_timeout(
            move || {
                if let Some(table) = document().get_element_by_id("monitor-table") {
                    let _ = table.set_attribute(attribute, &format!("{:.1}", now() - started));
                }
            },
            std::time::Duration::ZERO,
        );
    });
}
