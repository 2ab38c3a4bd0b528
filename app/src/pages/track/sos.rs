//! The runner page's SOS button. It asks first (a modal `<dialog>`: Send SOS, or
//! Cancel, which sends nothing), then publishes the runner's position with
//! `alarm: "sos"` over the page's socket, the way its fixes go. The server stores the
//! fix, raises the same `sos` alert as Traccar Client's `alarm=sos`, and acknowledges
//! only once the alert is stored: then, and only then, the page says it was received.
//! Until then it is sent again after every reconnect.
//!
//! The position is the last one the page took; before any, the phone is asked for
//! one (an SOS without a position would not tell the organisers where to go).
//!
//! Then the page is told over the same socket when an organiser acknowledges the SOS
//! and when they resolve it (an `sos` frame, sent to this runner's sockets alone), so
//! the runner knows that someone has seen it, and when (the event's time of day).

use leptos::{html, prelude::*};

use crate::{
    format::clock,
    live::LiveSocket,
    protocol::{ClientMsg, RunnerId, ServerMsg, Topic, console::Stage},
};

/// Request ids of SOS messages, far above the fix queue's (which counts from 1).
const SOS_IDS: u64 = 1 << 40;

/// Where the runner's SOS is.
#[derive(Clone, Debug, PartialEq)]
enum Sos {
    /// Not sent.
    Idle,
    /// Finding the position.
    Locating,
    /// Sent as request `id` (this message), not yet acknowledged.
    Sending(u64, ClientMsg),
    /// The server stored the alert.
    Received,
    /// An organiser acknowledged it at this time (ms since the Unix epoch).
    Seen(u64),
    /// An organiser resolved it at this time.
    Resolved(u64),
    /// It could not be sent; why.
    Failed(String),
}

/// The button, its confirmation and what became of the SOS.
#[component]
pub fn SosButton(
    /// The runner, once the server accepted the link.
    runner: Signal<Option<RunnerId>>,
    /// The last position the page took: (lat, lng, accuracy).
    last: Signal<Option<(f64, f64, f64)>>,
    /// The event's time of day, minutes east of UTC: when the SOS was seen.
    utc_offset_min: Signal<i32>,
) -> impl IntoView {
    let live = LiveSocket::expect();
    let state = RwSignal::new(Sos::Idle);
    let sent = StoredValue::new(0u64);
    let dialog = NodeRef::<html::Dialog>::new();
    live.listen(
        move || match state.get_untracked() {
            Sos::Sending(_, msg) => vec![msg],
            _ => Vec::new(),
        },
        move |msg| {
            if let ServerMsg::Sos(notice) = msg {
                match notice.stage {
                    Stage::Acknowledged => state.set(Sos::Seen(notice.at_ms)),
                    Stage::Resolved => state.set(Sos::Resolved(notice.at_ms)),
                    Stage::Raised => {}
                }
                return;
            }
            let Sos::Sending(waiting, _) = state.get_untracked() else {
                return;
            };
            match msg {
                ServerMsg::Ack { id, .. } if *id == waiting => state.set(Sos::Received),
                ServerMsg::Error {
                    id: Some(id),
                    message,
                    ..
                } if *id == waiting => state.set(Sos::Failed(message.clone())),
                _ => {}
            }
        },
    );
    let send_from = move |lat: f64, lng: f64| {
        let Some(r) = runner.get_untracked() else {
            state.set(Sos::Failed("your link is not checked yet".into()));
            return;
        };
        let Ok(position) = crate::protocol::LatLng::parse(lat, lng) else {
            state.set(Sos::Failed("the phone gave an impossible position".into()));
            return;
        };
        let id = SOS_IDS + sent.get_value();
        sent.update_value(|n| *n += 1);
        let msg = ClientMsg::Publish {
            id: Some(id),
            topic: Topic::Runner(r),
            data: crate::protocol::v1::Payload {
                alarm: Some(crate::protocol::console::Alarm::Sos),
                ..crate::protocol::v1::Payload::fix_at(position, now_ms())
            },
        };
        state.set(Sos::Sending(id, msg.clone()));
        live.send(msg);
    };
    let confirm = move |_| {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
        match last.get_untracked() {
            Some((lat, lng, _)) => send_from(lat, lng),
            None => {
                state.set(Sos::Locating);
                locate(send_from, move |why| state.set(Sos::Failed(why)));
            }
        }
    };
    let ask = move |_| {
        if let Some(d) = dialog.get_untracked() {
            let _ = d.show_modal();
        }
    };
    let cancel = move |_| {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let said = move || match state.get() {
        Sos::Idle => String::new(),
        Sos::Locating => "Finding your position…".into(),
        Sos::Sending(..) => "Sending your SOS…".into(),
        Sos::Received => {
            "SOS received: the organisers have been alerted and can see where you are.".into()
        }
        Sos::Seen(at) => format!(
            "An organiser has seen your SOS (at {}): help is on its way.",
            clock(at, utc_offset_min.get())
        ),
        Sos::Resolved(at) => format!(
            "Your SOS was resolved by the organisers (at {}).",
            clock(at, utc_offset_min.get())
        ),
        Sos::Failed(why) => format!(
            "Your SOS was not sent ({why}). Try again, or call the race's emergency number."
        ),
    };
    view! {
        <div class="track-sos">
            <button type="button" class="sos-button" data-testid="sos" aria-haspopup="dialog"
                disabled=move || runner.with(Option::is_none) on:click=ask>"SOS"</button>
            <p role="status" data-testid="sos-status" data-state=move || match state.get() {
                Sos::Received => "received",
                Sos::Seen(_) => "seen",
                Sos::Resolved(_) => "resolved",
                Sos::Failed(_) => "failed",
                Sos::Idle => "idle",
                _ => "sending",
            }>{said}</p>
            <dialog node_ref=dialog class="sos-dialog" aria-labelledby="sos-title" data-testid="sos-dialog">
                <h2 id="sos-title">"Send an SOS?"</h2>
                <p>"The organisers are alerted at once, with your position."</p>
                <div class="sos-actions">
                    <button type="button" class="sos-confirm" data-testid="sos-confirm" on:click=confirm>"Send SOS"</button>
                    <button type="button" data-testid="sos-cancel" autofocus on:click=cancel>"Cancel"</button>
                </div>
            </dialog>
        </div>
    }
}

fn now_ms() -> u64 {
    #[cfg(feature = "hydrate")]
    let now = js_sys::Date::now() as u64;
    #[cfg(not(feature = "hydrate"))]
    let now = 0;
    now
}

/// Asks the phone for its position once: `found(lat, lng)`, or `failed(why)`.
#[cfg(feature = "hydrate")]
fn locate(found: impl Fn(f64, f64) + 'static, failed: impl Fn(String) + 'static) {
    use wasm_bindgen::{JsCast, closure::Closure};
    let Ok(geolocation) = window().navigator().geolocation() else {
        failed("this browser cannot share its location".into());
        return;
    };
    let failed = std::rc::Rc::new(failed);
    let on_error = {
        let failed = failed.clone();
        Closure::once_into_js(move |err: web_sys::PositionError| (*failed)(err.message()))
    };
    let on_position = Closure::once_into_js(move |p: web_sys::Position| {
        found(p.coords().latitude(), p.coords().longitude());
    });
    if geolocation
        .get_current_position_with_error_callback(
            on_position.unchecked_ref(),
            Some(on_error.unchecked_ref()),
        )
        .is_err()
    {
        (*failed)("the location could not be asked for".into());
    }
}

#[cfg(not(feature = "hydrate"))]
fn locate(found: impl Fn(f64, f64) + 'static, failed: impl Fn(String) + 'static) {
    let _ = (found, failed);
}
