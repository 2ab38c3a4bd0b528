//! The browser entry point: hydrates the server-rendered pages of `spectate_app`.
//!
//! cargo-leptos builds this crate to wasm and the page's hydration script calls
//! [`hydrate`]; from then on the components own the DOM and the live socket opens.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the page once the wasm bundle has loaded.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(spectate_app::app::App);
}
