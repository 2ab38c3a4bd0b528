//! Bringing the runner panel into view when a marker is tapped: on a phone the panel
//! is below the map, and a tap that changed nothing on screen would seem lost.

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

/// Scrolls the runner panel into view on the next frame (once it shows the runner
/// just picked), unless its top is already in the upper half of the window.
pub(super) fn reveal_panel() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        let call = |target: &JsValue, name: &str, arg: Option<&JsValue>| -> Option<JsValue> {
            let f = js_sys::Reflect::get(target, &name.into())
                .ok()?
                .dyn_into::<js_sys::Function>()
                .ok()?;
            match arg {
                Some(arg) => f.call1(target, arg).ok(),
                None => f.call0(target).ok(),
            }
        };
        let top_of = move |el: &JsValue| {
            call(el, "getBoundingClientRect", None)
                .and_then(|r| js_sys::Reflect::get(&r, &"top".into()).ok())
                .and_then(|t| t.as_f64())
        };
        request_animation_frame(move || {
            let Some(panel) = document().query_selector(".runner-panel").ok().flatten() else {
                return;
            };
            let panel: JsValue = panel.into();
            let header = document()
                .query_selector(".topbar")
                .ok()
                .flatten()
                .and_then(|h| {
                    let h: JsValue = h.into();
                    call(&h, "getBoundingClientRect", None)
                        .and_then(|r| js_sys::Reflect::get(&r, &"bottom".into()).ok())
                        .and_then(|b| b.as_f64())
                })
                .unwrap_or(0.0);
            let height = window()
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(0.0);
            let Some(top) = top_of(&panel) else {
                return;
            };
            if top >= header - 1.0 && top <= height / 2.0 {
                return;
            }
            let reduced = call(
                &window().into(),
                "matchMedia",
                Some(&"(prefers-reduced-motion: reduce)".into()),
            )
            .and_then(|m| js_sys::Reflect::get(&m, &"matches".into()).ok())
            .and_then(|m| m.as_bool())
            .unwrap_or(false);
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"block".into(), &"start".into());
            let _ = js_sys::Reflect::set(
                &options,
                &"behavior".into(),
                &(if reduced { "auto" } else { "smooth" }).into(),
            );
            call(&panel, "scrollIntoView", Some(&options.into()));
        });
    }
}
