//! The live map: a Leaflet slippy map with the course, every runner as a marker that
//! glides between fixes, followed runners highlighted with a trail and a label, stale
//! positions in grey with "last seen", and auto-fit that gives way to the user.
//!
//! The path of a fix ends here: the page's socket handler calls [`MapHandle::fix`],
//! which records the position and, once the map is mounted, starts the marker's
//! glide. Positions are kept outside Leaflet, so fixes that arrive before the map
//! (or the library) is ready are drawn when it is. On the server, and until the map
//! mounts, a static SVG of the course and the last known positions stands in
//! ([`super::track_map::StaticMap`]); it is also what a browser without JavaScript or
//! without Leaflet keeps.
//!
//! The field is circle markers on Leaflet's canvas renderer: a thousand elements
//! would not move at 60 frames per second, a thousand circles on one canvas do.
//! Followed runners, a handful, are markers of their own above it: they glide every
//! frame, and moving an element is a transform where a moving canvas dot has the
//! whole canvas redrawn and copied (see BENCHMARKS.md). Labels are Leaflet tooltips
//! holding an element we build, so a name is always text.

use leptos::prelude::*;

use crate::{
    protocol::{LatLng, RunnerId, race::Mark},
    race_data::RaceSignals,
};

/// Above this many runners, only followed runners carry a permanent label.
pub const LABEL_ALL_UP_TO: usize = 60;
/// Up to this many runners, every marker glides between fixes; above it, only
/// followed runners do.
pub const GLIDE_ALL_UP_TO: usize = 200;
/// In a field over [`GLIDE_ALL_UP_TO`], how often the markers of runners not followed
/// move to their newest fixes, ms.
pub const FIELD_EVERY_MS: u64 = 1000;
/// Trail points drawn per followed runner.
pub const TRAIL_POINTS: usize = 300;

/// A marker's glide from where it is drawn to its newest fix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Glide {
    from: (f64, f64),
    to: (f64, f64),
    start_ms: f64,
    duration_ms: f64,
}

impl Glide {
    /// Standing still at `at`.
    pub fn still(at: (f64, f64)) -> Self {
        Self {
            from: at,
            to: at,
            start_ms: 0.0,
            duration_ms: 0.0,
        }
    }

    /// Where the marker is at `now_ms`, and whether it is still moving.
    pub fn at(&self, now_ms: f64) -> ((f64, f64), bool) {
        if self.duration_ms <= 0.0 || now_ms >= self.start_ms + self.duration_ms {
            return (self.to, false);
        }
        let k = ((now_ms - self.start_ms) / self.duration_ms).clamp(0.0, 1.0);
        // Ease out: quick to respond, gentle to arrive.
        let e = 1.0 - (1.0 - k) * (1.0 - k);
        let lerp = |a: f64, b: f64| a + (b - a) * e;
        (
            (lerp(self.from.0, self.to.0), lerp(self.from.1, self.to.1)),
            true,
        )
    }

    /// A new fix: the running glide is cancelled where it is, and a new one starts
    /// from there.
    pub fn retarget(&mut self, now_ms: f64, to: (f64, f64), duration_ms: f64) {
        let (here, _) = self.at(now_ms);
        *self = Self {
            from: here,
            to,
            start_ms: now_ms,
            duration_ms,
        };
    }

    /// Whether a glide is under way (or due to end on the next frame).
    pub fn is_gliding(&self) -> bool {
        self.duration_ms > 0.0
    }
}

/// Marks closer than this are drawn as one.
const MERGE_MARKS_M: f64 = 200.0;

/// The marks as drawn: `(label, [lat, lng], is start or finish)`. On a loop the start
/// and the finish are one place, and an out-and-back passes its checkpoints twice, so
/// marks at one place become one ("Start / Finish", "3 km / 10 km") rather than
/// labels on top of each other.
pub fn drawn_marks(marks: &[Mark]) -> Vec<(String, [f64; 2], bool)> {
    let mut out: Vec<(String, [f64; 2], bool)> = Vec::new();
    let place = |at: [f64; 2]| LatLng::parse(at[0], at[1]).ok();
    for m in marks {
        let end = m.name == "Start" || m.name == "Finish";
        let near = out.iter_mut().find(|(_, at, _)| {
            matches!((place(*at), place(m.at)), (Some(a), Some(b)) if a.distance_m(&b) < MERGE_MARKS_M)
        });
        match near {
            Some((name, _, was_end)) => {
                name.push_str(" / ");
                name.push_str(&m.name);
                *was_end |= end;
            }
            None => out.push((m.name.clone(), m.at, end)),
        }
    }
    out
}

/// The page's handle on its map: `Copy`, cheap to pass to socket handlers.
#[derive(Clone, Copy, Debug)]
pub struct MapHandle {
    #[cfg(feature = "hydrate")]
    model: StoredValue<std::rc::Rc<std::cell::RefCell<browser::Model>>, LocalStorage>,
    autofit: RwSignal<bool>,
    ready: RwSignal<bool>,
}

impl MapHandle {
    /// A handle whose marker clicks set `focus`.
    pub fn new(focus: RwSignal<Option<RunnerId>>) -> Self {
        let autofit = RwSignal::new(true);
        let _ = focus;
        Self {
            #[cfg(feature = "hydrate")]
            model: StoredValue::new_local(std::rc::Rc::new(std::cell::RefCell::new(
                browser::Model::new(focus, autofit),
            ))),
            autofit,
            ready: RwSignal::new(false),
        }
    }

    /// A runner was at `(lat, lng)` at `seen_ms` (ms since the Unix epoch).
    pub fn fix(&self, runner: &RunnerId, lat: f64, lng: f64, seen_ms: u64) {
        #[cfg(feature = "hydrate")]
        self.model
            .with_value(|m| m.borrow_mut().fix(runner, lat, lng, seen_ms));
        #[cfg(not(feature = "hydrate"))]
        let _ = (runner, lat, lng, seen_ms);
    }

    /// A fresh snapshot of the runner follows: their history is replayed. The marker
    /// stays where it is and glides to the newest fix; the trail is rebuilt.
    pub fn reset(&self, runner: &RunnerId) {
        #[cfg(feature = "hydrate")]
        self.model.with_value(|m| m.borrow_mut().reset(runner));
        #[cfg(not(feature = "hydrate"))]
        let _ = runner;
    }

    /// Takes a runner off the map (no longer watched).
    pub fn remove(&self, runner: &RunnerId) {
        #[cfg(feature = "hydrate")]
        self.model.with_value(|m| m.borrow_mut().remove(runner));
        #[cfg(not(feature = "hydrate"))]
        let _ = runner;
    }

    /// Whether the view follows the runners by itself (false once the user pans).
    pub fn autofit(&self) -> Signal<bool> {
        self.autofit.into()
    }

    /// Whether the Leaflet map is up.
    pub fn ready(&self) -> Signal<bool> {
        self.ready.into()
    }

    /// Fits the view to the followed runners again and keeps doing so.
    pub fn recenter(&self) {
        self.autofit.set(true);
        #[cfg(feature = "hydrate")]
        self.model.with_value(|m| m.borrow_mut().fit());
    }
}

/// The map, with its static stand-in until Leaflet is up.
#[component]
pub fn LiveMap(
    /// The page's handle.
    handle: MapHandle,
    /// The event (course, marks, tiles) and the board (last known positions).
    race: RaceSignals,
    /// Followed runners, in follow order.
    follows: Signal<Vec<RunnerId>>,
) -> impl IntoView {
    let container = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |mounted: Option<bool>| {
            if mounted == Some(true) {
                return true;
            }
            let Some(div) = container.get() else {
                return false;
            };
            let ok = handle.model.with_value(|m| browser::mount(m, &div, race));
            handle.ready.set(ok);
            ok
        });
        Effect::new(move |_| {
            let ids = follows.get();
            race.event.with(|event| {
                handle
                    .model
                    .with_value(|m| m.borrow_mut().set_followed(ids, event.as_ref()));
            });
        });
        Effect::new(move |_| {
            race.board.with(|board| {
                if let Some(board) = board {
                    handle.model.with_value(|m| m.borrow_mut().seed(board));
                }
            });
        });
        on_cleanup(move || handle.model.with_value(|m| m.borrow_mut().unmount()));
    }
    let preview = move || {
        (!handle.ready.get()).then(|| {
            view! { <super::track_map::StaticMap race=race follows=follows/> }
        })
    };
    let hint = move || {
        race.tiles.with(|tiles| {
            tiles.is_none().then_some(
                "Map tiles are off: the course and runners are drawn on a plain background.",
            )
        })
    };
    view! {
        <div class="live-map-wrap">
            <div class="live-map" node_ref=container role="region"
                aria-label="Live map of the race" data-ready=move || handle.ready.get().to_string()></div>
            {preview}
            <button type="button" class="recenter" hidden=move || handle.autofit.get()
                on:click=move |_| handle.recenter()>"Recenter"</button>
            <p class="visually-hidden">{hint}</p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! Leaflet's side: mounting, markers, glides, fitting.

    use std::{
        cell::{Cell, RefCell},
        collections::{HashMap, VecDeque},
        rc::Rc,
    };

    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, prelude::*};

    use super::{
        FIELD_EVERY_MS, GLIDE_ALL_UP_TO, Glide, LABEL_ALL_UP_TO, TRAIL_POINTS, drawn_marks,
    };
    use crate::{
        components::leaflet::{self as l, Layer, Map},
        format::ago,
        protocol::{
            RunnerId,
            race::{EventInfo, Leaderboard, STALE_AFTER_MS},
        },
        race_data::RaceSignals,
    };

    const FOLLOWED: [&str; 8] = [
        "#d9480f", "#7048e8", "#2b8a3e", "#c2255c", "#e67700", "#0b7285", "#5f3dc4", "#a61e4d",
    ];
    const FIELD: &str = "#1971c2";
    const STALE: &str = "#8d959e";

    type FrameCallback = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

    struct Marker {
        /// A circle on the shared canvas, or (followed runners) a marker of its own.
        dot: Layer,
        /// A followed runner's dot element, coloured by us (a canvas dot is styled
        /// through Leaflet instead).
        icon: Option<web_sys::HtmlElement>,
        colour: &'static str,
        tag: Option<web_sys::HtmlElement>,
        glide: Glide,
        seen_ms: u64,
        stale: bool,
        trail: Option<(Layer, VecDeque<(f64, f64)>)>,
        _click: Closure<dyn FnMut()>,
        _keys: Option<Closure<dyn FnMut(JsValue)>>,
    }

    struct Mounted {
        map: Map,
        /// The map's element; carries `data-markers` (how many runners are drawn), for
        /// tests and the frame-time benchmark, which cannot look into the canvas.
        container: web_sys::HtmlElement,
        renderer: JsValue,
        markers: HashMap<RunnerId, Marker>,
        course: Vec<(f64, f64)>,
        programmatic: Rc<Cell<bool>>,
        frame: FrameCallback,
        frame_pending: Rc<Cell<bool>>,
        _listeners: Vec<Closure<dyn FnMut()>>,
        stale_timer: Option<IntervalHandle>,
        /// The field's newest positions, drawn together by `field_timer`.
        field_moves: HashMap<RunnerId, (f64, f64)>,
        field_timer: Option<IntervalHandle>,
    }

    pub(crate) struct Model {
        latest: HashMap<RunnerId, (f64, f64, u64)>,
        followed: Vec<RunnerId>,
        names: HashMap<RunnerId, String>,
        focus: RwSignal<Option<RunnerId>>,
        autofit: RwSignal<bool>,
        mounted: Option<Mounted>,
    }

    impl std::fmt::Debug for Model {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Model")
                .field("runners", &self.latest.len())
                .finish()
        }
    }

    fn now() -> f64 {
        window().performance().map_or(0.0, |p| p.now())
    }

    fn wall_ms() -> u64 {
        js_sys::Date::now() as u64
    }

    impl Model {
        pub(crate) fn new(focus: RwSignal<Option<RunnerId>>, autofit: RwSignal<bool>) -> Self {
            Self {
                latest: HashMap::new(),
                followed: Vec::new(),
                names: HashMap::new(),
                focus,
                autofit,
                mounted: None,
            }
        }

        pub(crate) fn fix(&mut self, runner: &RunnerId, lat: f64, lng: f64, seen_ms: u64) {
            if self
                .latest
                .get(runner)
                .is_some_and(|&(_, _, seen)| seen > seen_ms)
            {
                return;
            }
            let previous = self.latest.insert(runner.clone(), (lat, lng, seen_ms));
            let followed = self.followed.contains(runner);
            if self.mounted.is_none() {
                return;
            }
            let interval = previous.map_or(0, |(_, _, p)| seen_ms.saturating_sub(p));
            let fresh = self
                .mounted
                .as_ref()
                .is_some_and(|m| !m.markers.contains_key(runner));
            self.ensure_marker(runner);
            let field = self.field_size();
            let Some(m) = self.mounted.as_mut() else {
                return;
            };
            let Some(marker) = m.markers.get_mut(runner) else {
                return;
            };
            marker.seen_ms = seen_ms;
            // Glide over the time between fixes (so the motion looks continuous),
            // within a quarter of a second and one second. In a large field only
            // followed runners glide; the others step to their newest fix once every
            // [`FIELD_EVERY_MS`], all together: phones report about that often anyway,
            // and the whole canvas is redrawn once for them instead of every frame.
            let glides = followed || field <= GLIDE_ALL_UP_TO;
            if glides {
                let duration = (interval as f64).clamp(250.0, 1000.0);
                marker.glide.retarget(now(), (lat, lng), duration);
            } else {
                marker.glide = Glide::still((lat, lng));
                m.field_moves.insert(runner.clone(), (lat, lng));
            }
            if let Some((line, points)) = &mut marker.trail {
                if points.len() == TRAIL_POINTS {
                    points.pop_front();
                }
                points.push_back((lat, lng));
                line.set_lat_lngs(&l::latlngs(points.iter().copied()));
            }
            if let Some(tag) = &marker.tag {
                let _ = tag.set_attribute("data-lat", &lat.to_string());
                let _ = tag.set_attribute("data-lng", &lng.to_string());
            }
            refresh_stale(marker, wall_ms());
            if glides {
                request_frame(m);
            }
            // A followed runner's first position, or one that leaves the view, refits.
            if followed && self.autofit.get_untracked() {
                let inside = !fresh
                    && m.map
                        .get_bounds()
                        .is_ok_and(|b| b.pad(-0.1).contains(&l::latlng(lat, lng)));
                if !inside {
                    self.fit();
                }
            }
        }

        /// The field's size from the event, not from the markers so far: the first
        /// runners to report must not all be labelled, or glide, in a field of a
        /// thousand.
        fn field_size(&self) -> usize {
            self.names.len().max(self.latest.len())
        }

        pub(crate) fn reset(&mut self, runner: &RunnerId) {
            self.latest.remove(runner);
            if let Some(m) = &mut self.mounted
                && let Some(marker) = m.markers.get_mut(runner)
                && let Some((line, points)) = &mut marker.trail
            {
                points.clear();
                line.set_lat_lngs(&js_sys::Array::new());
            }
        }

        pub(crate) fn remove(&mut self, runner: &RunnerId) {
            self.latest.remove(runner);
            if let Some(m) = &mut self.mounted
                && let Some(marker) = m.markers.remove(runner)
            {
                drop_marker(marker);
                count_markers(m);
            }
        }

        /// Positions from the board, for runners we have no live fix of.
        pub(crate) fn seed(&mut self, board: &Leaderboard) {
            for s in &board.standings {
                if let (Some([lat, lng]), Some(seen)) = (s.at, s.last_seen_ms)
                    && !self.latest.contains_key(&s.bib)
                {
                    self.fix(&s.bib, lat, lng, seen);
                }
            }
        }

        pub(crate) fn set_followed(&mut self, ids: Vec<RunnerId>, event: Option<&EventInfo>) {
            if let Some(event) = event {
                self.names = event
                    .entrants
                    .iter()
                    .map(|e| (e.bib.clone(), e.name.clone()))
                    .collect();
            }
            let changed: Vec<RunnerId> = self
                .followed
                .iter()
                .chain(&ids)
                .filter(|r| self.followed.contains(r) != ids.contains(r))
                .cloned()
                .collect();
            self.followed = ids;
            if self.mounted.is_none() || changed.is_empty() {
                return;
            }
            // Restyle what changed: rebuilt with or without trail and label.
            for runner in changed {
                if let Some(m) = &mut self.mounted
                    && let Some(marker) = m.markers.remove(&runner)
                {
                    drop_marker(marker);
                }
                if self.latest.contains_key(&runner) {
                    self.ensure_marker(&runner);
                }
            }
            if self.autofit.get_untracked() {
                self.fit();
            }
        }

        fn ensure_marker(&mut self, runner: &RunnerId) {
            let Some(&(lat, lng, seen_ms)) = self.latest.get(runner) else {
                return;
            };
            let follow_index = self.followed.iter().position(|r| r == runner);
            let total = self.field_size();
            let name = self.names.get(runner).cloned();
            let focus = self.focus;
            let Some(m) = self.mounted.as_mut() else {
                return;
            };
            if m.markers.contains_key(runner) {
                return;
            }
            let followed = follow_index.is_some();
            let colour = follow_index.map_or(FIELD, |i| FOLLOWED[i % FOLLOWED.len()]);
            // "3 Alan Turing" for a followed runner (label and marker title), else the bib.
            let text = match (&name, followed) {
                (Some(name), true) => format!("{runner} {name}"),
                _ => runner.to_string(),
            };
            // Followed runners glide every frame: as elements of their own, a frame
            // moves them by a transform, where a dot on the canvas would have the
            // whole canvas redrawn and copied to the compositor each frame (the
            // largest cost measured with a thousand runners; BENCHMARKS.md). They are
            // also what a keyboard reaches: Tab focuses them, Enter opens the panel.
            let (dot, icon) = if followed {
                let icon: web_sys::HtmlElement = document()
                    .create_element("div")
                    .expect("div")
                    .unchecked_into();
                icon.set_class_name("runner-dot");
                let _ = icon.set_attribute("style", &format!("background-color:{colour}"));
                let icon_opts = l::options(r#"{"className":"runner-dot-wrap","iconSize":[18,18]}"#);
                l::set(&icon_opts, "html", icon.clone());
                let opts = l::options(r#"{"keyboard":true,"zIndexOffset":1000}"#);
                l::set(&opts, "icon", l::div_icon(&icon_opts));
                l::set(&opts, "title", text.as_str());
                let dot = l::marker(&l::latlng(lat, lng), &opts).add_to(&m.map);
                (dot, Some(icon))
            } else {
                // No outline on the field's dots: half the drawing per redraw.
                let opts = l::options(r##"{"radius":5,"stroke":false,"fillOpacity":0.85}"##);
                l::set(&opts, "fillColor", colour);
                l::set(&opts, "renderer", m.renderer.clone());
                (
                    l::circle_marker(&l::latlng(lat, lng), &opts).add_to(&m.map),
                    None,
                )
            };
            let trail = followed.then(|| {
                let line_opts = l::options(r#"{"weight":4,"opacity":0.75,"interactive":false}"#);
                l::set(&line_opts, "color", colour);
                l::set(&line_opts, "renderer", m.renderer.clone());
                let line = l::polyline(&l::latlngs([(lat, lng)]), &line_opts).add_to(&m.map);
                let mut points = VecDeque::new();
                points.push_back((lat, lng));
                (line, points)
            });
            let tag = (followed || total <= LABEL_ALL_UP_TO).then(|| {
                let doc = document();
                let tag: web_sys::HtmlElement = doc
                    .create_element("span")
                    .expect("span")
                    .unchecked_into();
                tag.set_class_name(if followed {
                    "runner-tag followed"
                } else {
                    "runner-tag"
                });
                let _ = tag.set_attribute("data-runner", runner.as_str());
                let _ = tag.set_attribute("data-lat", &lat.to_string());
                let _ = tag.set_attribute("data-lng", &lng.to_string());
                let label = doc.create_element("b").expect("b");
                label.set_text_content(Some(&text));
                let _ = tag.append_child(&label);
                let seen = doc.create_element("small").expect("small");
                let _ = tag.append_child(&seen);
                dot.bind_tooltip(
                    &tag,
                    &l::options(
                        r#"{"permanent":true,"direction":"right","offset":[9,0],"className":"runner-label","interactive":false}"#,
                    ),
                );
                tag
            });
            let id = runner.clone();
            let click = Closure::<dyn FnMut()>::new(move || focus.set(Some(id.clone())));
            dot.on_layer("click", click.as_ref().unchecked_ref());
            // Enter on a focused marker opens the panel, as a click does (Leaflet
            // gives Enter to popups only).
            let keys = icon.is_some().then(|| {
                let id = runner.clone();
                let keys = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                    let key = js_sys::Reflect::get(&event, &"originalEvent".into())
                        .and_then(|e| js_sys::Reflect::get(&e, &"key".into()))
                        .ok()
                        .and_then(|k| k.as_string());
                    if key.as_deref() == Some("Enter") {
                        focus.set(Some(id.clone()));
                    }
                });
                dot.on_layer("keypress", keys.as_ref().unchecked_ref());
                keys
            });
            let mut marker = Marker {
                dot,
                icon,
                colour,
                tag,
                glide: Glide::still((lat, lng)),
                seen_ms,
                stale: false,
                trail,
                _click: click,
                _keys: keys,
            };
            refresh_stale(&mut marker, wall_ms());
            m.markers.insert(runner.clone(), marker);
            count_markers(m);
        }

        /// Fits the view to the followed runners, or to the course and everyone.
        pub(crate) fn fit(&mut self) {
            let Some(m) = &self.mounted else {
                return;
            };
            let mut points: Vec<(f64, f64)> = self
                .followed
                .iter()
                .filter_map(|r| self.latest.get(r).map(|&(a, b, _)| (a, b)))
                .collect();
            if points.is_empty() {
                points = m.course.clone();
                points.extend(self.latest.values().map(|&(a, b, _)| (a, b)));
            }
            m.programmatic.set(true);
            if points.is_empty() {
                // Nothing to show yet: the whole world, until a position comes.
                m.map.set_view(&l::latlng(20.0, 0.0), 2.0);
                m.programmatic.set(false);
                return;
            }
            m.map.fit_bounds(
                &l::latlngs(points),
                &l::options(r#"{"padding":[36,36],"maxZoom":16,"animate":false}"#),
            );
            m.programmatic.set(false);
        }

        /// Moves the field's markers to their newest fixes, all at once.
        fn move_field(&mut self) {
            if let Some(m) = &mut self.mounted {
                for (runner, (lat, lng)) in m.field_moves.drain() {
                    if let Some(marker) = m.markers.get(&runner) {
                        marker.dot.set_lat_lng(&l::latlng(lat, lng));
                    }
                }
            }
        }

        fn restale(&mut self) {
            let now = wall_ms();
            if let Some(m) = &mut self.mounted {
                for marker in m.markers.values_mut() {
                    refresh_stale(marker, now);
                }
            }
        }

        pub(crate) fn unmount(&mut self) {
            if let Some(m) = self.mounted.take() {
                m.frame.borrow_mut().take();
                if let Some(t) = m.stale_timer {
                    t.clear();
                }
                if let Some(t) = m.field_timer {
                    t.clear();
                }
                for (_, marker) in m.markers {
                    drop_marker(marker);
                }
                m.map.remove();
            }
        }
    }

    fn count_markers(m: &Mounted) {
        let _ = m
            .container
            .set_attribute("data-markers", &m.markers.len().to_string());
    }

    fn drop_marker(marker: Marker) {
        marker.dot.remove();
        if let Some((line, _)) = marker.trail {
            line.remove();
        }
    }

    /// Grey with "last seen" once a fix is older than [`STALE_AFTER_MS`].
    fn refresh_stale(marker: &mut Marker, now_ms: u64) {
        let stale = now_ms.saturating_sub(marker.seen_ms) > STALE_AFTER_MS;
        if let Some(tag) = &marker.tag {
            let _ = tag.set_attribute("data-stale", if stale { "true" } else { "false" });
            if let Ok(Some(small)) = tag.query_selector("small") {
                small.set_text_content(
                    stale
                        .then(|| format!(" last seen {}", ago(now_ms, marker.seen_ms)))
                        .as_deref(),
                );
            }
        }
        if stale != marker.stale {
            marker.stale = stale;
            let colour = if stale { STALE } else { marker.colour };
            if let Some(icon) = &marker.icon {
                let _ = icon.set_attribute("style", &format!("background-color:{colour}"));
                return;
            }
            let opts = js_sys::Object::new().into();
            l::set(&opts, "fillColor", colour);
            marker.dot.set_style(&opts);
        }
    }

    fn request_frame(m: &Mounted) {
        if m.frame_pending.replace(true) {
            return;
        }
        if let Some(cb) = m.frame.borrow().as_ref() {
            let _ = window().request_animation_frame(cb.as_ref().unchecked_ref());
        }
    }

    /// One animation frame: every gliding marker one step on; another frame if any
    /// is still moving.
    fn step(model: &Rc<RefCell<Model>>) {
        let mut model = model.borrow_mut();
        let Some(m) = model.mounted.as_mut() else {
            return;
        };
        m.frame_pending.set(false);
        let now = now();
        let mut moving = false;
        // Only gliding markers are touched: each move costs Leaflet a projection and
        // a redraw request.
        for marker in m.markers.values_mut().filter(|m| m.glide.is_gliding()) {
            let ((lat, lng), still_moving) = marker.glide.at(now);
            marker.dot.set_lat_lng(&l::latlng(lat, lng));
            if still_moving {
                moving = true;
            } else {
                marker.glide = Glide::still((lat, lng));
            }
        }
        if moving {
            request_frame(m);
        }
    }

    /// Creates the Leaflet map in `div`. False if Leaflet is not there (the static
    /// map stays).
    pub(crate) fn mount(
        model: &Rc<RefCell<Model>>,
        div: &web_sys::HtmlDivElement,
        race: RaceSignals,
    ) -> bool {
        // No fade: a removed label goes at once, so a runner is never labelled twice.
        let map = match l::new_map(
            div,
            &l::options(
                r#"{"zoomControl":true,"attributionControl":true,"preferCanvas":true,"minZoom":2,"fadeAnimation":false}"#,
            ),
        ) {
            Ok(map) => map,
            Err(_) => {
                leptos::logging::warn!("the map library did not load; showing the static map");
                return false;
            }
        };
        if let Some(url) = &race.tiles.get_untracked() {
            let opts = l::options(
                r#"{"maxZoom":19,"attribution":"&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"}"#,
            );
            l::tile_layer(url, &opts).add_to(&map);
        } else {
            let _ = div.class_list().add_1("no-tiles");
        }
        // Leaflet's default margin around the view: a larger canvas costs every frame
        // (its pixels are copied to the compositor), measured in BENCHMARKS.md.
        let renderer = l::canvas(&l::options(r#"{"padding":0.1}"#));
        let mut course = Vec::new();
        if let Some(event) = &race.event.get_untracked() {
            course = event.line.iter().map(|&[a, b]| (a, b)).collect();
            let opts = l::options(
                r##"{"color":"#1c3d5a","weight":5,"opacity":0.55,"interactive":false}"##,
            );
            l::set(&opts, "renderer", renderer.clone());
            l::polyline(&l::latlngs(course.iter().copied()), &opts).add_to(&map);
            for (name, at, end) in drawn_marks(&event.marks) {
                let opts = l::options(if end {
                    r##"{"radius":8,"weight":3,"color":"#1c3d5a","fillColor":"#ffffff","fillOpacity":1}"##
                } else {
                    r##"{"radius":5,"weight":2,"color":"#1c3d5a","fillColor":"#ffd43b","fillOpacity":1}"##
                });
                l::set(&opts, "renderer", renderer.clone());
                let dot = l::circle_marker(&l::latlng(at[0], at[1]), &opts).add_to(&map);
                let tag: web_sys::HtmlElement = document()
                    .create_element("span")
                    .expect("span")
                    .unchecked_into();
                tag.set_class_name("mark-tag");
                tag.set_text_content(Some(&name));
                dot.bind_tooltip(
                    &tag,
                    &l::options(r#"{"permanent":true,"direction":"top","offset":[0,-8],"className":"mark-label"}"#),
                );
            }
        }
        let programmatic = Rc::new(Cell::new(false));
        let mut listeners = Vec::new();
        {
            let mut model_ref = model.borrow_mut();
            let autofit = model_ref.autofit;
            let flag = programmatic.clone();
            // Any move the user makes (drag, wheel, keys, buttons) ends auto-fit.
            let on_move = Closure::<dyn FnMut()>::new(move || {
                if !flag.get() {
                    autofit.set(false);
                }
            });
            map.on("movestart", on_move.as_ref().unchecked_ref());
            listeners.push(on_move);
            let weak = Rc::downgrade(model);
            let frame: FrameCallback = Rc::new(RefCell::new(None));
            *frame.borrow_mut() = Some(Closure::new(move |_t: f64| {
                if let Some(model) = weak.upgrade() {
                    step(&model);
                }
            }));
            let weak = Rc::downgrade(model);
            let stale_timer = set_interval_with_handle(
                move || {
                    if let Some(model) = weak.upgrade() {
                        model.borrow_mut().restale();
                    }
                },
                std::time::Duration::from_secs(5),
            )
            .ok();
            let weak = Rc::downgrade(model);
            let field_timer = set_interval_with_handle(
                move || {
                    if let Some(model) = weak.upgrade() {
                        model.borrow_mut().move_field();
                    }
                },
                std::time::Duration::from_millis(FIELD_EVERY_MS),
            )
            .ok();
            model_ref.mounted = Some(Mounted {
                map,
                container: div.clone().into(),
                renderer,
                markers: HashMap::new(),
                course,
                programmatic,
                frame,
                frame_pending: Rc::new(Cell::new(false)),
                _listeners: listeners,
                stale_timer,
                field_moves: HashMap::new(),
                field_timer,
            });
            let runners: Vec<RunnerId> = model_ref.latest.keys().cloned().collect();
            for r in runners {
                model_ref.ensure_marker(&r);
            }
            model_ref.fit();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_fix_cancels_the_glide_where_the_marker_is() {
        let mut g = Glide::still((0.0, 0.0));
        g.retarget(1000.0, (10.0, 0.0), 1000.0);
        let ((lat, _), moving) = g.at(1500.0);
        assert!(
            moving && lat > 5.0 && lat < 10.0,
            "eased past halfway: {lat}"
        );
        // Halfway there, a new fix: the glide restarts from where the marker is.
        g.retarget(1500.0, (20.0, 0.0), 1000.0);
        let ((start, _), _) = g.at(1500.0);
        assert!((start - lat).abs() < 1e-9);
        assert_eq!(g.at(2600.0), ((20.0, 0.0), false));
        assert!(g.is_gliding() && !Glide::still((1.0, 1.0)).is_gliding());
    }

    #[test]
    fn a_loop_has_one_start_finish_mark() {
        let mark = |name: &str, at: [f64; 2]| Mark {
            name: name.into(),
            distance_m: 0.0,
            at,
        };
        let looped = [
            mark("Start", [37.0, -122.0]),
            mark("3 km", [37.02, -122.0]),
            mark("5 km", [37.05, -122.0]),
            mark("7 km", [37.0201, -122.0]),
            mark("Finish", [37.0001, -122.0]),
        ];
        let drawn = drawn_marks(&looped);
        let names: Vec<&str> = drawn.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(names, ["Start / Finish", "3 km / 7 km", "5 km"]);
        assert!(drawn[0].2 && !drawn[1].2);
        let point_to_point = [
            mark("Start", [37.0, -122.0]),
            mark("Finish", [37.1, -122.0]),
        ];
        assert_eq!(drawn_marks(&point_to_point).len(), 2);
    }
}
