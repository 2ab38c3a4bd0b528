//! Cheers read aloud on the runner's page (the Speech Synthesis API, looked up at run
//! time: some browsers lack it), and whether the runner wants that, kept in the
//! browser's storage.

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

/// Where the browser keeps whether cheers are read aloud.
#[cfg(feature = "hydrate")]
const SPEAK_KEY: &str = "spectate.speak-cheers";

/// Whether the runner asked, on an earlier visit, for cheers read aloud.
#[cfg(feature = "hydrate")]
pub(super) fn wanted() -> bool {
    window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(SPEAK_KEY).ok().flatten())
        .is_some_and(|v| v == "on")
}

/// Keeps the runner's choice for the next visit.
pub(super) fn keep(on: bool) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(SPEAK_KEY, if on { "on" } else { "off" });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = on;
}

/// Reads `text` aloud (the Speech Synthesis API), where the browser can.
pub(super) fn read_aloud(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        let window: JsValue = window().into();
        let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &key.into()).ok();
        let (Some(synth), Some(utterance)) = (
            get(&window, "speechSynthesis").filter(|s| !s.is_undefined()),
            get(&window, "SpeechSynthesisUtterance")
                .and_then(|c| c.dyn_into::<js_sys::Function>().ok()),
        ) else {
            return;
        };
        let Ok(said) = js_sys::Reflect::construct(&utterance, &js_sys::Array::of1(&text.into()))
        else {
            return;
        };
        if let Some(speak) =
            get(&synth, "speak").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        {
            let _ = speak.call1(&synth, &said);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
