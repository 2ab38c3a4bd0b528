//! Leaflet's side of the map: mounting it (tiles, course, marks, listeners), the
//! markers it holds, and the animation frames that move gliding markers and place
//! the labels ([`super::declutter`]) wherever a label moved.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    rc::Rc,
};

use leptos::prelude::*;
use wasm_bindgen::{JsCast, prelude::*};

use super::{
    course::{MARK_OFFSET, MarkLabel, draw_course},
    declutter::{self, Label, MARK_SIDES, RUNNER_SIDES, Rank, Rect},
    glide::Glide,
    labels::{MapLabel, RUNNER_OFFSET},
    markers::{Kit, Marker, refresh_stale},
    model::{SharedModel, now, wall_ms},
    positions::Seen,
};
use crate::{
    components::leaflet::{self as l, Map},
    protocol::RunnerId,
    race_data::RaceSignals,
};

type FrameCallback = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

/// Leaflet's CSS puts a tooltip this far from its offset (`margin`), and draws its
/// pointer in between.
const TOOLTIP_MARGIN: f64 = 6.0;
/// Half the size of a followed runner's dot (`iconSize` 18).
const FOLLOWED_DOT: f64 = 9.0;

/// The map once Leaflet is up.
pub(crate) struct Mounted {
    pub(crate) map: Map,
    /// The map's element; carries `data-markers` (how many runners are drawn), for
    /// tests and the frame-time benchmark, which cannot look into the canvas.
    container: web_sys::HtmlElement,
    pub(crate) kit: Kit,
    pub(crate) markers: HashMap<RunnerId, Marker>,
    pub(crate) course: Vec<(f64, f64)>,
    marks: Vec<MarkLabel>,
    /// Labels to place again on the next frame (one was added, removed, moved
    /// without a glide, or changed its text; or the zoom changed).
    pub(crate) labels_dirty: bool,
    /// False until the runners known at mount are drawn (a task after the view):
    /// labels are placed once all of them are there, so follow order, not the order
    /// the markers came in, decides who gets a place (a label that had one keeps it).
    settled: bool,
    /// Set while we move the view ourselves, so only the user's moves end auto-fit.
    pub(crate) programmatic: Rc<Cell<bool>>,
    /// The map's controls (zoom buttons, attribution) in the element's pixels, read
    /// once: labels do not cover them.
    controls: Option<Vec<Rect>>,
    frame: FrameCallback,
    frame_pending: Rc<Cell<bool>>,
    _listeners: Vec<Closure<dyn FnMut()>>,
    stale_timer: Option<IntervalHandle>,
}

impl Mounted {
    /// Adds a marker for `runner` at `seen`, unless they have one.
    pub(crate) fn add_marker(
        &mut self,
        runner: &RunnerId,
        seen: Seen,
        follow_index: Option<usize>,
        name: Option<&str>,
        labelled: bool,
    ) {
        if self.markers.contains_key(runner) {
            return;
        }
        let marker = self.kit.make(
            &self.map,
            runner,
            (seen.lat, seen.lng),
            seen.seen_ms,
            follow_index,
            name,
            labelled,
            wall_ms(),
        );
        // Counted by the caller: a frame of the field counts once, at its end.
        self.markers.insert(runner.clone(), marker);
    }

    /// Writes how many runners are drawn on the map's element.
    pub(crate) fn count_markers(&self) {
        let _ = self
            .container
            .set_attribute("data-markers", &self.markers.len().to_string());
    }

    /// Asks for an animation frame to move gliding markers, unless one is pending.
    pub(crate) fn request_frame(&self) {
        if self.frame_pending.replace(true) {
            return;
        }
        if let Some(cb) = self.frame.borrow().as_ref() {
            let _ = window().request_animation_frame(cb.as_ref().unchecked_ref());
        }
    }

    /// Draws the followed runners' trails above the field's dots.
    pub(crate) fn trails_to_front(&self) {
        for (line, _) in self.markers.values().filter_map(|m| m.trail.as_ref()) {
            line.bring_to_front();
        }
    }

    pub(crate) fn restale(&mut self, now_ms: u64) {
        let mut resized = false;
        for marker in self.markers.values_mut() {
            resized |= refresh_stale(marker, now_ms);
        }
        if resized {
            self.labels_dirty = true;
            self.request_frame();
        }
    }

    /// Places every label: checkpoints first, then followed runners, then the field;
    /// a label with no free side is hidden and counted by the one it ran into. Reads
    /// no layout but the size of a label that is new or whose text changed.
    pub(crate) fn declutter(&mut self) {
        self.labels_dirty = false;
        let map = &self.map;
        let point = |(lat, lng): (f64, f64)| {
            let p = map.lat_lng_to_layer_point(&l::latlng(lat, lng));
            (p.x(), p.y())
        };
        let mut labels = Vec::new();
        let mut obstacles = Vec::new();
        // The visible map, and its controls, in the panes' pixels.
        let origin = map.container_point_to_layer_point(&js_sys::Array::of2(&0.into(), &0.into()));
        let (ox, oy) = (origin.x(), origin.y());
        let size = map.get_size();
        let frame = Rect {
            x0: ox,
            y0: oy,
            x1: ox + size.x(),
            y1: oy + size.y(),
        };
        let container = &self.container;
        let controls = self
            .controls
            .get_or_insert_with(|| control_boxes(container));
        for c in controls.iter() {
            let shifted = Rect {
                x0: c.x0 + ox,
                y0: c.y0 + oy,
                x1: c.x1 + ox,
                y1: c.y1 + oy,
            };
            obstacles.push((shifted, None));
        }
        // The boxes are a pixel larger all round than the tooltips Leaflet draws, and
        // reach back to the point over the tooltip's pointer.
        for mark in &mut self.marks {
            let at = point(mark.at);
            obstacles.push((Rect::around(at, mark.radius), None));
            labels.push(Label {
                at,
                size: mark
                    .label
                    .size()
                    .map_or((0.0, 0.0), |(w, h)| (w + 2.0, h + 2.0)),
                gap: MARK_OFFSET - 1.0,
                pointer: TOOLTIP_MARGIN,
                rank: Rank::Mark,
                was_shown: mark.label.shown(),
                sides: MARK_SIDES,
            });
        }
        let mut runners: Vec<&mut MapLabel> = Vec::new();
        for marker in self.markers.values_mut() {
            let Some(label) = &mut marker.label else {
                continue;
            };
            let at = point(marker.at);
            if marker.followed {
                obstacles.push((Rect::around(at, FOLLOWED_DOT), Some(labels.len())));
            }
            labels.push(Label {
                at,
                size: label.size().map_or((0.0, 0.0), |(w, h)| (w + 2.0, h + 2.0)),
                gap: RUNNER_OFFSET - 1.0,
                pointer: TOOLTIP_MARGIN,
                rank: if marker.followed {
                    Rank::Followed
                } else {
                    Rank::Field
                },
                was_shown: label.shown(),
                sides: RUNNER_SIDES,
            });
            runners.push(label);
        }
        let placed = declutter::declutter(&labels, &obstacles, Some(frame));
        let (for_marks, for_runners) = placed.split_at(self.marks.len());
        for (mark, p) in self.marks.iter_mut().zip(for_marks) {
            mark.label.apply(*p);
        }
        for (label, p) in runners.into_iter().zip(for_runners) {
            label.apply(*p);
        }
    }

    pub(crate) fn unmount(self) {
        self.frame.borrow_mut().take();
        if let Some(t) = self.stale_timer {
            t.clear();
        }
        for (_, marker) in self.markers {
            marker.remove();
        }
        self.map.remove();
    }
}

/// The boxes of the map's controls, relative to its element (one layout read, once
/// the map is up).
fn control_boxes(container: &web_sys::HtmlElement) -> Vec<Rect> {
    let outer = container.get_bounding_client_rect();
    let Ok(found) = container.query_selector_all(".leaflet-control") else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::Element>().ok())
        .map(|el| {
            let r = el.get_bounding_client_rect();
            Rect {
                x0: r.left() - outer.left(),
                y0: r.top() - outer.top(),
                x1: r.right() - outer.left(),
                y1: r.bottom() - outer.top(),
            }
        })
        .filter(|r| r.x1 > r.x0 && r.y1 > r.y0)
        .collect()
}

/// One animation frame: every gliding marker one step on; another frame if any is
/// still moving.
fn step(model: &SharedModel) {
    let mut model = model.borrow_mut();
    let Some(m) = model.mounted.as_mut() else {
        return;
    };
    m.frame_pending.set(false);
    let now = now();
    let mut moving = false;
    let mut labels_moved = m.labels_dirty;
    // Only gliding markers are touched: each move costs Leaflet a projection and a
    // redraw request.
    for marker in m.markers.values_mut().filter(|m| m.glide.is_gliding()) {
        let ((lat, lng), still_moving) = marker.glide.at(now);
        marker.place(lat, lng);
        labels_moved |= marker.label.is_some();
        if still_moving {
            moving = true;
        } else {
            marker.glide = Glide::still((lat, lng));
        }
    }
    if labels_moved {
        if m.settled {
            m.declutter();
        } else {
            m.labels_dirty = true;
        }
    }
    if moving {
        m.request_frame();
    }
}

/// Creates the Leaflet map in `div`. False if Leaflet is not there (the static map
/// stays).
pub(crate) fn mount(model: &SharedModel, div: &web_sys::HtmlDivElement, race: RaceSignals) -> bool {
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
    // Leaflet's default margin around the view: a larger canvas costs every frame (its
    // pixels are copied to the compositor), measured in BENCHMARKS.md.
    let renderer = l::canvas(&l::options(r#"{"padding":0.1}"#));
    let (course, marks) = draw_course(&map, &renderer, race);
    let programmatic = Rc::new(Cell::new(false));
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
    // A new zoom puts every label somewhere else, a pan moves the map's edges: placed
    // again on the next frame.
    let weak = Rc::downgrade(model);
    let on_zoom = Closure::<dyn FnMut()>::new(move || {
        if let Some(model) = weak.upgrade()
            && let Ok(mut model) = model.try_borrow_mut()
            && let Some(m) = &mut model.mounted
        {
            m.labels_dirty = true;
            m.request_frame();
        }
    });
    // A pan moves the map's edges past the labels: after any move too (Leaflet fires
    // `moveend` after a zoom as well).
    map.on("moveend", on_zoom.as_ref().unchecked_ref());
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
    let kit = Kit::new(renderer, model_ref.focus);
    kit.offset_min.set(
        race.event
            .with_untracked(|e| e.as_ref().map_or(0, |e| e.utc_offset_min)),
    );
    model_ref.mounted = Some(Mounted {
        map,
        container: div.clone().into(),
        kit,
        markers: HashMap::new(),
        course,
        marks,
        labels_dirty: true,
        settled: false,
        programmatic,
        controls: None,
        frame,
        frame_pending: Rc::new(Cell::new(false)),
        _listeners: vec![on_move, on_zoom],
        stale_timer,
    });
    // The view first (it adds the course, marks and tiles), the runners known so far
    // in a task of their own: at a phone's speed the whole mount was one 200 ms task.
    model_ref.fit();
    drop(model_ref);
    let weak = Rc::downgrade(model);
    set_timeout(
        move || {
            if let Some(model) = weak.upgrade()
                && let Ok(mut model) = model.try_borrow_mut()
            {
                add_known_runners(&mut model);
            }
        },
        std::time::Duration::ZERO,
    );
    true
}

/// Draws every runner whose position came before the map did, and fits the view to
/// them.
fn add_known_runners(model: &mut super::model::Model) {
    if model.mounted.is_none() {
        return;
    }
    let runners: Vec<RunnerId> = model.positions.iter().map(|(r, _)| r.clone()).collect();
    for r in runners {
        model.ensure_marker(&r);
    }
    if let Some(m) = &mut model.mounted {
        m.settled = true;
        m.labels_dirty = true;
        m.count_markers();
        m.request_frame();
    }
    if model.autofit.get_untracked() {
        model.fit();
    }
}
