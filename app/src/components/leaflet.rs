//! The few Leaflet calls the live map makes, bound with wasm-bindgen.
//!
//! Leaflet (BSD-2-Clause) is the map library: tiles, pan, pinch and wheel zoom,
//! keyboard navigation, a canvas renderer for many markers. It is vendored from its
//! npm package at build time (`scripts/vendor.sh` copies `leaflet.js` and its CSS
//! into `public/vendor/leaflet/`) and served from our own origin, never a CDN; the
//! page loads it with a deferred script before the wasm starts. We bind by hand
//! rather than through a wrapper crate: these dozen functions are all we use, and
//! each binding is one line to check against Leaflet's reference.
//!
//! Options are passed as plain objects built from JSON text or [`js_sys::Object`];
//! coordinates as `[lat, lng]` arrays, which Leaflet accepts everywhere.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `L.Map`.
    #[derive(Clone, Debug)]
    pub type Map;

    /// `L.map(element, options)`; fails if Leaflet did not load.
    #[wasm_bindgen(catch, js_namespace = L, js_name = map)]
    pub fn new_map(element: &web_sys::HtmlElement, options: &JsValue) -> Result<Map, JsValue>;

    /// `map.fitBounds(latlngs, options)`.
    #[wasm_bindgen(method, js_name = fitBounds)]
    pub fn fit_bounds(this: &Map, bounds: &JsValue, options: &JsValue);

    /// `map.getBounds()`; fails before the map has a view.
    #[wasm_bindgen(catch, method, js_name = getBounds)]
    pub fn get_bounds(this: &Map) -> Result<LatLngBounds, JsValue>;

    /// `map.setView([lat, lng], zoom)`.
    #[wasm_bindgen(method, js_name = setView)]
    pub fn set_view(this: &Map, center: &JsValue, zoom: f64);

    /// `map.on(event, handler)`.
    #[wasm_bindgen(method)]
    pub fn on(this: &Map, event: &str, handler: &js_sys::Function);

    /// `map.invalidateSize()`: the container changed size.
    #[wasm_bindgen(method, js_name = invalidateSize)]
    pub fn invalidate_size(this: &Map);

    /// `map.remove()`: tears the map down.
    #[wasm_bindgen(method)]
    pub fn remove(this: &Map);

    /// `map.latLngToLayerPoint([lat, lng])`: where a place is in the map's panes, in
    /// pixels (arithmetic on the view; no layout is read).
    #[wasm_bindgen(method, js_name = latLngToLayerPoint)]
    pub fn lat_lng_to_layer_point(this: &Map, latlng: &JsValue) -> Point;

    /// `map.getSize()`: the map's size in pixels (kept by Leaflet, no layout read once
    /// it knows it).
    #[wasm_bindgen(method, js_name = getSize)]
    pub fn get_size(this: &Map) -> Point;

    /// `map.containerPointToLayerPoint([x, y])`: a point of the map's element in the
    /// panes' pixels (arithmetic on the pane's kept position).
    #[wasm_bindgen(method, js_name = containerPointToLayerPoint)]
    pub fn container_point_to_layer_point(this: &Map, point: &JsValue) -> Point;

    /// `L.Point`.
    #[derive(Clone, Debug)]
    pub type Point;

    /// `point.x`.
    #[wasm_bindgen(method, getter)]
    pub fn x(this: &Point) -> f64;

    /// `point.y`.
    #[wasm_bindgen(method, getter)]
    pub fn y(this: &Point) -> f64;

    /// `L.Tooltip`: a label bound to a layer.
    #[derive(Clone, Debug)]
    pub type Tooltip;

    /// `tooltip.getElement()`: its container (the box the label is drawn in).
    #[wasm_bindgen(method, js_name = getElement)]
    pub fn get_element(this: &Tooltip) -> Option<web_sys::HtmlElement>;

    /// `tooltip.update()`: placed again, after a change of its options.
    #[wasm_bindgen(method)]
    pub fn update(this: &Tooltip);

    /// `tooltip.resized()`: its text changed, so its box is read again when it is
    /// next placed (our patch to Leaflet, `frontend/vendor/leaflet-label-sizes.js`,
    /// keeps the box between moves). Absent from an unpatched Leaflet: then a no-op.
    #[wasm_bindgen(method, catch)]
    pub fn resized(this: &Tooltip) -> Result<(), JsValue>;

    /// `L.LatLngBounds`.
    #[derive(Clone, Debug)]
    pub type LatLngBounds;

    /// `bounds.pad(ratio)`: grown (or shrunk, if negative) by a ratio.
    #[wasm_bindgen(method)]
    pub fn pad(this: &LatLngBounds, ratio: f64) -> LatLngBounds;

    /// `bounds.contains([lat, lng])`.
    #[wasm_bindgen(method)]
    pub fn contains(this: &LatLngBounds, point: &JsValue) -> bool;

    /// Any `L.Layer`: tile layer, polyline, circle marker.
    #[derive(Clone, Debug)]
    pub type Layer;

    /// `L.tileLayer(url, options)`.
    #[wasm_bindgen(js_namespace = L, js_name = tileLayer)]
    pub fn tile_layer(url: &str, options: &JsValue) -> Layer;

    /// `L.polyline(latlngs, options)`.
    #[wasm_bindgen(js_namespace = L, js_name = polyline)]
    pub fn polyline(latlngs: &JsValue, options: &JsValue) -> Layer;

    /// `L.circleMarker(latlng, options)`.
    #[wasm_bindgen(js_namespace = L, js_name = circleMarker)]
    pub fn circle_marker(latlng: &JsValue, options: &JsValue) -> Layer;

    /// `L.marker(latlng, options)`: a marker that is an element of its own.
    #[wasm_bindgen(js_namespace = L, js_name = marker)]
    pub fn marker(latlng: &JsValue, options: &JsValue) -> Layer;

    /// `L.divIcon(options)`: a marker's icon made of an element (`html`).
    #[wasm_bindgen(js_namespace = L, js_name = divIcon)]
    pub fn div_icon(options: &JsValue) -> JsValue;

    /// `L.canvas(options)`: a canvas renderer, for many markers.
    #[wasm_bindgen(js_namespace = L, js_name = canvas)]
    pub fn canvas(options: &JsValue) -> JsValue;

    /// `layer.addTo(map)`.
    #[wasm_bindgen(method, js_name = addTo)]
    pub fn add_to(this: &Layer, map: &Map) -> Layer;

    /// `layer.remove()`.
    #[wasm_bindgen(method)]
    pub fn remove(this: &Layer);

    /// `marker.setLatLng([lat, lng])`.
    #[wasm_bindgen(method, js_name = setLatLng)]
    pub fn set_lat_lng(this: &Layer, latlng: &JsValue);

    /// `polyline.setLatLngs(latlngs)`.
    #[wasm_bindgen(method, js_name = setLatLngs)]
    pub fn set_lat_lngs(this: &Layer, latlngs: &JsValue);

    /// `path.bringToFront()`: drawn above the other paths of its renderer.
    #[wasm_bindgen(method, js_name = bringToFront)]
    pub fn bring_to_front(this: &Layer);

    /// `path.setStyle(options)`.
    #[wasm_bindgen(method, js_name = setStyle)]
    pub fn set_style(this: &Layer, options: &JsValue);

    /// `layer.bindTooltip(element, options)`: an element, never HTML text, so a
    /// name is always shown as text.
    #[wasm_bindgen(method, js_name = bindTooltip)]
    pub fn bind_tooltip(this: &Layer, content: &web_sys::HtmlElement, options: &JsValue);

    /// `layer.on(event, handler)`.
    #[wasm_bindgen(method, js_name = on)]
    pub fn on_layer(this: &Layer, event: &str, handler: &js_sys::Function);

    /// `layer.getTooltip()`: the label bound with `bindTooltip`.
    #[wasm_bindgen(method, js_name = getTooltip)]
    pub fn get_tooltip(this: &Layer) -> Option<Tooltip>;
}

/// `[lat, lng]`.
pub fn latlng(lat: f64, lng: f64) -> JsValue {
    js_sys::Array::of2(&lat.into(), &lng.into()).into()
}

/// `[[lat, lng], ...]`.
pub fn latlngs(points: impl IntoIterator<Item = (f64, f64)>) -> JsValue {
    points
        .into_iter()
        .map(|(lat, lng)| latlng(lat, lng))
        .collect::<js_sys::Array>()
        .into()
}

/// An options object from JSON text (a constant of ours, so parsing cannot fail in
/// practice; an empty object if it did).
pub fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or_else(|_| js_sys::Object::new().into())
}

/// Sets `key` on an options object.
pub fn set(object: &JsValue, key: &str, value: impl Into<JsValue>) {
    let _ = js_sys::Reflect::set(object, &key.into(), &value.into());
}
