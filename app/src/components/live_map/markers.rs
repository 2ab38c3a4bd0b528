//! The runners' markers on the Leaflet map: a dot on the shared canvas for each
//! runner of the field, a marker of its own with a trail and a label for each followed
//! runner, and the grey "no signal since 09:42" of a runner without signal.
//!
//! A field of 5,000 dots is made once and then only moved, so a dot costs as little as
//! Leaflet allows: every dot is made from one shared options object, and one click
//! handler serves them all (it reads the runner's bib from the layer) instead of a
//! closure per dot. Followed runners, a handful, are elements of their own: they glide
//! every frame, and moving an element is a transform where a moving canvas dot has the
//! whole canvas redrawn and copied (see BENCHMARKS.md). They are also what a keyboard
//! reaches: Tab focuses them, Enter opens the panel. Labels are Leaflet tooltips
//! holding an element we build, so a name is always text; which of them show, and on
//! which side, is the declutter pass's ([`super::labels`]). A field runner's label is
//! their bib alone (grey when stale): "last seen" is for the runners one follows.

use std::{cell::Cell, collections::VecDeque, rc::Rc};

use leptos::prelude::*;
use wasm_bindgen::{JsCast, prelude::*};

use super::{
    TRAIL_POINTS,
    declutter::Side,
    glide::Glide,
    labels::{MapLabel, RUNNER_OFFSET},
};
use crate::{
    components::leaflet::{self as l, Layer, Map},
    format::no_signal_since,
    protocol::{RunnerId, race::STALE_AFTER_MS},
};

const FOLLOWED: [&str; 8] = [
    "#d9480f", "#7048e8", "#2b8a3e", "#c2255c", "#e67700", "#0b7285", "#5f3dc4", "#a61e4d",
];
const FIELD: &str = "#1971c2";
const STALE: &str = "#8d959e";
/// The property of a marker's layer that holds its runner's bib, for the shared
/// click and key handlers.
const BIB_KEY: &str = "spectateBib";

/// One runner on the map.
pub(crate) struct Marker {
    /// A circle on the shared canvas, or (followed runners) a marker of its own.
    pub(crate) dot: Layer,
    /// A followed runner's dot element, coloured by us (a canvas dot is styled
    /// through Leaflet instead).
    icon: Option<web_sys::HtmlElement>,
    colour: &'static str,
    /// Whether the runner is followed (their label outranks the field's).
    pub(crate) followed: bool,
    /// The label, where the runner has one.
    pub(crate) tag: Option<web_sys::HtmlElement>,
    /// The label as the declutter pass places it.
    pub(crate) label: Option<MapLabel>,
    /// Where the marker is drawn now (mid-glide, where the glide has got to).
    pub(crate) at: (f64, f64),
    pub(crate) glide: Glide,
    pub(crate) seen_ms: u64,
    stale: bool,
    /// "DNF" for a runner the organiser took out of the race: said on their label
    /// in place of "no signal since".
    pub(crate) verdict: Option<&'static str>,
    /// The event's time of day (minutes east of UTC), shared with the [`Kit`].
    offset_min: Rc<Cell<i32>>,
    /// A followed runner's trail: the line and its points.
    pub(crate) trail: Option<(Layer, VecDeque<(f64, f64)>)>,
}

/// What every marker shares: the canvas, the field dots' options, the handlers.
pub(crate) struct Kit {
    pub(crate) renderer: JsValue,
    field_options: JsValue,
    click: Closure<dyn FnMut(JsValue)>,
    keys: Closure<dyn FnMut(JsValue)>,
    /// The event's time of day (minutes east of UTC), for "no signal since 09:42";
    /// set once the event is known.
    pub(crate) offset_min: Rc<Cell<i32>>,
}

/// The bib a Leaflet event's layer carries.
fn bib_of(event: &JsValue) -> Option<RunnerId> {
    let target = js_sys::Reflect::get(event, &"target".into()).ok()?;
    let bib = js_sys::Reflect::get(&target, &BIB_KEY.into())
        .ok()?
        .as_string()?;
    RunnerId::parse(&bib).ok()
}

impl Kit {
    /// The shared parts, for markers whose clicks set `focus`.
    pub(crate) fn new(renderer: JsValue, focus: RwSignal<Option<RunnerId>>) -> Self {
        // No outline on the field's dots: half the drawing per redraw.
        let field_options = l::options(r##"{"radius":5,"stroke":false,"fillOpacity":0.85}"##);
        l::set(&field_options, "fillColor", FIELD);
        l::set(&field_options, "renderer", renderer.clone());
        let click = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let Some(bib) = bib_of(&event) {
                focus.set(Some(bib));
            }
        });
        // Enter on a focused marker opens the panel, as a click does (Leaflet gives
        // Enter to popups only).
        let keys = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let key = js_sys::Reflect::get(&event, &"originalEvent".into())
                .and_then(|e| js_sys::Reflect::get(&e, &"key".into()))
                .ok()
                .and_then(|k| k.as_string());
            if key.as_deref() == Some("Enter")
                && let Some(bib) = bib_of(&event)
            {
                focus.set(Some(bib));
            }
        });
        Self {
            renderer,
            field_options,
            click,
            keys,
            offset_min: Rc::default(),
        }
    }

    /// A marker for `runner` at `(lat, lng)`, seen at `seen_ms`. `follow_index`: their
    /// place among the followed runners (their colour), if followed; `name`: shown
    /// with a followed runner's bib; `labelled`: whether a runner not followed gets a
    /// label (a small field).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn make(
        &self,
        map: &Map,
        runner: &RunnerId,
        (lat, lng): (f64, f64),
        seen_ms: u64,
        follow_index: Option<usize>,
        name: Option<&str>,
        labelled: bool,
        now_ms: u64,
    ) -> Marker {
        let followed = follow_index.is_some();
        let colour = follow_index.map_or(FIELD, |i| FOLLOWED[i % FOLLOWED.len()]);
        // "3 Alan Turing" for a followed runner (label and marker title), else the bib.
        let text = match (name, followed) {
            (Some(name), true) => format!("{runner} {name}"),
            _ => runner.to_string(),
        };
        let at = l::latlng(lat, lng);
        let (dot, icon) = if followed {
            let icon: web_sys::HtmlElement = element("div");
            icon.set_class_name("runner-dot");
            let _ = icon.set_attribute("style", &format!("background-color:{colour}"));
            let icon_opts = l::options(r#"{"className":"runner-dot-wrap","iconSize":[18,18]}"#);
            l::set(&icon_opts, "html", icon.clone());
            let opts = l::options(r#"{"keyboard":true,"zIndexOffset":1000}"#);
            l::set(&opts, "icon", l::div_icon(&icon_opts));
            l::set(&opts, "title", text.as_str());
            let dot = l::marker(&at, &opts).add_to(map);
            dot.on_layer("keypress", self.keys.as_ref().unchecked_ref());
            (dot, Some(icon))
        } else {
            (l::circle_marker(&at, &self.field_options).add_to(map), None)
        };
        l::set(&dot, BIB_KEY, runner.as_str());
        dot.on_layer("click", self.click.as_ref().unchecked_ref());
        let trail = followed.then(|| {
            let line_opts = l::options(r#"{"weight":4,"opacity":0.75,"interactive":false}"#);
            l::set(&line_opts, "color", colour);
            l::set(&line_opts, "renderer", self.renderer.clone());
            let line = l::polyline(&l::latlngs([(lat, lng)]), &line_opts).add_to(map);
            (line, VecDeque::from([(lat, lng)]))
        });
        let tag = (followed || labelled).then(|| label(&dot, runner, &text, followed, (lat, lng)));
        let label = tag.as_ref().and_then(|tag| {
            let more = tag.query_selector(".more").ok().flatten();
            MapLabel::of(&dot, more.map(JsCast::unchecked_into), Side::Right)
        });
        let mut marker = Marker {
            dot,
            icon,
            colour,
            followed,
            tag,
            label,
            at: (lat, lng),
            glide: Glide::still((lat, lng)),
            seen_ms,
            stale: false,
            verdict: None,
            offset_min: self.offset_min.clone(),
            trail,
        };
        refresh_stale(&mut marker, now_ms);
        marker
    }
}

fn element(name: &str) -> web_sys::HtmlElement {
    document().create_element(name).map_or_else(
        |_| web_sys::HtmlElement::from(JsValue::NULL),
        JsCast::unchecked_into,
    )
}

/// The runner's permanent label: bib (and name, if followed), "no signal since
/// 09:42" when a followed runner is stale, and "+3" when it stands for hidden labels
/// around it. Carries `data-lat`/`data-lng` of the newest fix, for tests.
fn label(
    dot: &Layer,
    runner: &RunnerId,
    text: &str,
    followed: bool,
    (lat, lng): (f64, f64),
) -> web_sys::HtmlElement {
    let tag = element("span");
    tag.set_class_name(if followed {
        "runner-tag followed"
    } else {
        "runner-tag"
    });
    let _ = tag.set_attribute("data-runner", runner.as_str());
    let _ = tag.set_attribute("data-lat", &lat.to_string());
    let _ = tag.set_attribute("data-lng", &lng.to_string());
    let name = element("b");
    name.set_text_content(Some(text));
    let _ = tag.append_child(&name);
    let _ = tag.append_child(&element("small"));
    let more = element("i");
    more.set_class_name("more");
    let _ = tag.append_child(&more);
    let options = l::options(
        r#"{"permanent":true,"direction":"right","className":"runner-label","interactive":false}"#,
    );
    l::set(
        &options,
        "offset",
        js_sys::Array::of2(&RUNNER_OFFSET.into(), &0.into()),
    );
    dot.bind_tooltip(&tag, &options);
    tag
}

impl Marker {
    /// Draws the marker at `(lat, lng)` now.
    pub(crate) fn place(&mut self, lat: f64, lng: f64) {
        self.at = (lat, lng);
        self.dot.set_lat_lng(&l::latlng(lat, lng));
    }

    /// A new position: the trail grows and the label's coordinates follow (the marker
    /// itself is moved by its glide, or by the caller).
    pub(crate) fn moved(&mut self, lat: f64, lng: f64, seen_ms: u64, now_ms: u64) {
        self.seen_ms = seen_ms;
        if let Some((line, points)) = &mut self.trail {
            if points.len() == TRAIL_POINTS {
                points.pop_front();
            }
            points.push_back((lat, lng));
            line.set_lat_lngs(&l::latlngs(points.iter().copied()));
        }
        if let Some(tag) = &self.tag {
            let _ = tag.set_attribute("data-lat", &lat.to_string());
            let _ = tag.set_attribute("data-lng", &lng.to_string());
        }
        refresh_stale(self, now_ms);
    }

    /// Takes the marker and its trail off the map.
    pub(crate) fn remove(self) {
        self.dot.remove();
        if let Some((line, _)) = self.trail {
            line.remove();
        }
    }
}

/// Grey once a fix is older than [`STALE_AFTER_MS`], as the board marks the runner,
/// with "no signal since 09:42" (the event's time) on a followed runner's label, and
/// "DNF" on the label of a runner out of the race. Returns whether a label's text
/// changed (it is measured again).
pub(crate) fn refresh_stale(marker: &mut Marker, now_ms: u64) -> bool {
    let stale = now_ms.saturating_sub(marker.seen_ms) > STALE_AFTER_MS;
    let mut resized = false;
    if let Some(tag) = &marker.tag {
        let _ = tag.set_attribute("data-stale", if stale { "true" } else { "false" });
        if let Ok(Some(small)) = tag.query_selector("small") {
            let text = if let Some(verdict) = marker.verdict {
                format!(" {verdict}")
            } else if stale && marker.followed {
                format!(
                    " {}",
                    no_signal_since(marker.seen_ms, marker.offset_min.get())
                )
            } else {
                String::new()
            };
            if small.text_content().unwrap_or_default() != text {
                small.set_text_content(Some(&text));
                resized = true;
            }
        }
    }
    if resized && let Some(label) = &mut marker.label {
        label.resized();
    }
    if stale != marker.stale {
        marker.stale = stale;
        let colour = if stale { STALE } else { marker.colour };
        if let Some(icon) = &marker.icon {
            let _ = icon.set_attribute("style", &format!("background-color:{colour}"));
            return resized;
        }
        let opts = js_sys::Object::new().into();
        l::set(&opts, "fillColor", colour);
        marker.dot.set_style(&opts);
    }
    resized
}
