//! Loads Leaflet when the map first needs it, not with every page.
//!
//! Only the map page draws a Leaflet map; the dashboard, the room and the runner's
//! page never load it (37 KB of the 413 KB a first visit downloads, brotli). The page
//! names Leaflet's files on its root element (`data-leaflet-js`, `data-leaflet-css`,
//! [`crate::assets`]); [`ensure`] adds the stylesheet and the script once and resolves
//! when both have loaded. Until then the map page shows its server-drawn static map,
//! and the map mounts in a task of its own, after hydration's.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::assets::{LEAFLET_CSS, LEAFLET_JS};

/// Whether Leaflet (`window.L`) is there.
fn loaded() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"L".into()).is_ok_and(|l| l.is_object())
}

/// Loads Leaflet's stylesheet and script if the page has not yet; true once both
/// have loaded (false if either failed: the static map stays).
pub(crate) async fn ensure() -> bool {
    if loaded() {
        return true;
    }
    let document = leptos::prelude::document();
    let Some(root) = document.document_element() else {
        return false;
    };
    let js = root
        .get_attribute("data-leaflet-js")
        .unwrap_or_else(|| LEAFLET_JS.to_string());
    let css = root
        .get_attribute("data-leaflet-css")
        .unwrap_or_else(|| LEAFLET_CSS.to_string());
    let (Ok(style), Ok(script)) = (
        element(
            &document,
            "link",
            "data-leaflet",
            &[("rel", "stylesheet"), ("href", &css)],
        ),
        element(&document, "script", "data-leaflet", &[("src", &js)]),
    ) else {
        return false;
    };
    let both = js_sys::Array::of2(&style, &script);
    JsFuture::from(js_sys::Promise::all(&both)).await.is_ok() && loaded()
}

/// A promise of `tag`'s load: the one already in the head (a second map waits for
/// the first one's), else a new one with `attrs`. A stylesheet goes first in the head,
/// so that ours, after it, still overrides Leaflet's rules (appended last, Leaflet's
/// tooltip padding won and every label grew from 22 to 32 px high, which the label
/// layout test caught).
fn element(
    document: &web_sys::Document,
    tag: &str,
    mark: &str,
    attrs: &[(&str, &str)],
) -> Result<js_sys::Promise, JsValue> {
    let selector = format!("{tag}[{mark}]");
    let el = match document.query_selector(&selector)? {
        Some(el) => el,
        None => {
            let el = document.create_element(tag)?;
            el.set_attribute(mark, "")?;
            for (name, value) in attrs {
                el.set_attribute(name, value)?;
            }
            let head = document.head().ok_or(JsValue::NULL)?;
            if tag == "link" {
                head.prepend_with_node_1(&el)?;
            } else {
                head.append_child(&el)?;
            }
            el
        }
    };
    let target: web_sys::EventTarget = el.unchecked_into();
    Ok(js_sys::Promise::new(&mut |resolve, reject| {
        // Marked when loaded, so a later call does not wait for an event that came.
        let done = target.clone();
        let on_load = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(el) = done.dyn_ref::<web_sys::Element>() {
                let _ = el.set_attribute("data-loaded", "");
            }
            let _ = resolve.call0(&JsValue::NULL);
        });
        if target
            .dyn_ref::<web_sys::Element>()
            .is_some_and(|el| el.has_attribute("data-loaded"))
        {
            let _ = on_load
                .unchecked_ref::<js_sys::Function>()
                .call0(&JsValue::NULL);
            return;
        }
        let _ = target.add_event_listener_with_callback("load", on_load.unchecked_ref());
        let _ = target.add_event_listener_with_callback("error", &reject);
    }))
}
