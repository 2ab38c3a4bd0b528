//! The live map: a Leaflet slippy map with the course, every runner as a marker,
//! followed runners highlighted with a trail and a label and gliding between fixes,
//! runners without signal in grey with "no signal since 09:42", and auto-fit that gives way to the user.
//!
//! The path of a position ends here: the page's socket handler calls
//! [`MapHandle::field`] with each frame of the `field` stream (the whole field, once
//! a second) and [`MapHandle::fix`] with each fix of a followed runner. Positions are
//! kept outside Leaflet (`positions`), so those that arrive before the map (or the
//! library) is ready are drawn when it is. On the server, and until the map mounts, a
//! static SVG of the course and the last known positions stands in
//! ([`super::track_map::StaticMap`]); it is also what a browser without JavaScript or
//! without Leaflet keeps.
//!
//! The field is circle markers on Leaflet's canvas renderer: a thousand elements
//! would not move at 60 frames per second, a thousand circles on one canvas do, and a
//! frame of the field moves them all before the canvas is redrawn once. Followed
//! runners, a handful, are markers of their own above it ([`markers`]).
//!
//! - [`declutter`]: which labels to show, and on which side, so none covers another;
//! - [`glide`]: a marker's eased move to its newest fix;
//! - [`marks`]: the course's marks, merged where they share a place;
//! - `positions`: the latest position of each runner, and the field's full frames;
//! - `model`, `markers`, `mount`, `course` (browser only): the model, the markers,
//!   Leaflet, the course and its checkpoints.

use leptos::prelude::*;

use crate::{
    protocol::{RunnerId, field::FieldRow},
    race_data::RaceSignals,
};

#[cfg(feature = "hydrate")]
mod course;
pub mod declutter;
pub mod glide;
#[cfg(feature = "hydrate")]
mod labels;
#[cfg(feature = "hydrate")]
mod markers;
pub mod marks;
#[cfg(feature = "hydrate")]
mod model;
#[cfg(feature = "hydrate")]
mod mount;
#[cfg(any(feature = "hydrate", test))]
pub(crate) mod positions;

pub use glide::Glide;
pub use marks::drawn_marks;

/// Above this many runners, only followed runners carry a permanent label.
pub const LABEL_ALL_UP_TO: usize = 60;
/// Up to this many runners, every marker glides between positions; above it, only
/// followed runners do, and the others step to each frame of the field together
/// (the whole canvas is redrawn once a second for them instead of every frame).
pub const GLIDE_ALL_UP_TO: usize = 200;
/// Trail points drawn per followed runner.
pub const TRAIL_POINTS: usize = 300;

/// The page's handle on its map: `Copy`, cheap to pass to socket handlers.
#[derive(Clone, Copy, Debug)]
pub struct MapHandle {
    #[cfg(feature = "hydrate")]
    model: StoredValue<std::rc::Rc<std::cell::RefCell<model::Model>>, LocalStorage>,
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
                model::Model::new(focus, autofit),
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

    /// A frame of the field stream (see [`crate::protocol::field`]), applied as one
    /// batch: one canvas redraw for the whole field.
    pub fn field(&self, full: bool, origin: [f64; 2], t: u64, rows: &[FieldRow]) {
        #[cfg(feature = "hydrate")]
        self.model
            .with_value(|m| m.borrow_mut().field(full, origin, t, rows));
        #[cfg(not(feature = "hydrate"))]
        let _ = (full, origin, t, rows);
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
        // Leaflet is loaded when the map first mounts (not with every page), and the
        // map is built in the task its script's load runs in, not in hydration's: at
        // a phone's speed hydration and the map together were one 800 ms task.
        let alive = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let still = alive.clone();
        on_cleanup(move || still.store(false, std::sync::atomic::Ordering::Relaxed));
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) {
                return true;
            }
            let Some(div) = container.get() else {
                return false;
            };
            let alive = alive.clone();
            leptos::task::spawn_local(async move {
                let loaded = crate::components::leaflet_loader::ensure().await;
                if !alive.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                let ok = loaded
                    && handle
                        .model
                        .try_with_value(|m| mount::mount(m, &div, race))
                        .unwrap_or(false);
                handle.ready.try_set(ok);
            });
            true
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
