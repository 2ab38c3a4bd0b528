//! The Geolocation watch and the wake lock (browser only).

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};

use super::Sent;
use crate::{
    fix_queue::FixQueue,
    live::LiveSocket,
    protocol::{LatLng, RunnerId},
};

/// The running watch: its id and the callbacks the browser holds.
struct Watch {
    id: i32,
    _on_position: Closure<dyn FnMut(web_sys::Position)>,
    _on_error: Closure<dyn FnMut(web_sys::PositionError)>,
}

thread_local! {
    static WATCH: RefCell<Option<Watch>> = const { RefCell::new(None) };
}

/// Where the watch's fixes go, and what it says on screen.
#[derive(Clone, Copy)]
pub(super) struct Sink {
    pub(super) live: LiveSocket,
    pub(super) runner: RwSignal<Option<RunnerId>>,
    pub(super) queue: StoredValue<FixQueue>,
    pub(super) sent: RwSignal<Sent>,
    pub(super) waiting: RwSignal<usize>,
    /// A location error, until the next fix clears it.
    pub(super) location_error: RwSignal<Option<String>>,
    /// The browser's word on the network: offline, fixes wait.
    pub(super) online: RwSignal<bool>,
}

pub(super) fn start(sink: Sink, high_accuracy: bool, every_s: u32) {
    stop();
    let Sink {
        live,
        runner,
        queue,
        sent,
        waiting,
        location_error,
        online,
    } = sink;
    let Ok(geolocation) = window().navigator().geolocation() else {
        location_error.set(Some("This browser cannot share its location.".into()));
        return;
    };
    let mut last_sent_ms = 0.0;
    let on_position =
        Closure::<dyn FnMut(web_sys::Position)>::new(move |position: web_sys::Position| {
            let coords = position.coords();
            let taken_ms = position.timestamp();
            // The location is back: whatever went wrong before has passed.
            if location_error.with_untracked(Option::is_some) {
                location_error.set(None);
            }
            sent.update(|s| {
                s.last = Some((coords.latitude(), coords.longitude(), coords.accuracy()))
            });
            if taken_ms - last_sent_ms < f64::from(every_s) * 1000.0 {
                return;
            }
            let (Some(runner), Ok(at)) = (
                runner.get_untracked(),
                LatLng::parse(coords.latitude(), coords.longitude()),
            ) else {
                return;
            };
            last_sent_ms = taken_ms;
            // Offline, the fix waits in the queue (sent when the browser is back
            // online, or by the socket's reconnect).
            if let Some(Some(msg)) =
                queue.try_update_value(|q| q.push(&runner, at, taken_ms as u64))
                && online.get_untracked()
            {
                live.send(msg);
            }
            waiting.set(queue.with_value(FixQueue::len));
        });
    let on_error =
        Closure::<dyn FnMut(web_sys::PositionError)>::new(move |err: web_sys::PositionError| {
            location_error.set(Some(format!(
                "Location unavailable for now: {}. Tracking goes on when the phone finds it again.",
                err.message()
            )));
        });
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(high_accuracy);
    options.set_maximum_age(if high_accuracy { 0 } else { 30_000 });
    options.set_timeout(60_000);
    match geolocation.watch_position_with_error_callback_and_options(
        on_position.as_ref().unchecked_ref(),
        Some(on_error.as_ref().unchecked_ref()),
        &options,
    ) {
        Ok(id) => WATCH.with(|w| {
            *w.borrow_mut() = Some(Watch {
                id,
                _on_position: on_position,
                _on_error: on_error,
            })
        }),
        Err(_) => location_error.set(Some("Could not start following the location.".into())),
    }
    keep_screen_on();
}

pub(super) fn stop() {
    if let Some(watch) = WATCH.with(|w| w.borrow_mut().take())
        && let Ok(geolocation) = window().navigator().geolocation()
    {
        geolocation.clear_watch(watch.id);
    }
}

/// `navigator.wakeLock.request("screen")`, where the browser has it. Looked up
/// dynamically: the API is missing in some browsers and unstable in web-sys.
fn keep_screen_on() {
    let navigator: JsValue = window().navigator().into();
    let Ok(wake_lock) = js_sys::Reflect::get(&navigator, &"wakeLock".into()) else {
        return;
    };
    if wake_lock.is_undefined() {
        return;
    }
    if let Ok(request) = js_sys::Reflect::get(&wake_lock, &"request".into())
        && let Some(request) = request.dyn_ref::<js_sys::Function>()
    {
        // A refusal (no permission, or the page is hidden) is harmless: tracking
        // goes on. Catch it, so it is not reported as an unhandled rejection.
        if let Ok(promise) = request.call1(&wake_lock, &"screen".into())
            && let Ok(promise) = promise.dyn_into::<js_sys::Promise>()
        {
            let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
            let _ = promise.catch(&ignore);
            // One small handler per start of tracking; the browser holds it.
            ignore.forget();
        }
    }
}
