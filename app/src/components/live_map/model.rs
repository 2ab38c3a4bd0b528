//! The map's model in the browser: positions (kept whether or not the map is up),
//! who is followed, and the markers once Leaflet is mounted. Every way a position
//! arrives ends here: a followed runner's fix ([`Model::fix`]), a frame of the field
//! ([`Model::field`]), the board's last known positions ([`Model::seed`]).

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;

use super::{
    GLIDE_ALL_UP_TO, LABEL_ALL_UP_TO,
    glide::Glide,
    mount::Mounted,
    positions::{Positions, Recorded},
};
use crate::{
    components::leaflet as l,
    protocol::{
        RunnerId,
        field::FieldRow,
        race::{EventInfo, Leaderboard},
    },
};

/// How long a marker of a small field glides to the position of a field frame: the
/// frames' cadence, so that it arrives as the next one comes.
const FIELD_GLIDE_MS: f64 = 1000.0;

pub(crate) struct Model {
    pub(crate) positions: Positions,
    followed: Vec<RunnerId>,
    /// Followed runners' names (their labels), from the event.
    names: Vec<(RunnerId, String)>,
    /// Runners out of the race ("DNF"), from the board: on their labels.
    verdicts: Vec<(RunnerId, &'static str)>,
    /// Runners in the event, from the event rather than the positions so far: the
    /// first runners to report must not all be labelled, or glide, in a field of a
    /// thousand.
    entrants: usize,
    pub(crate) focus: RwSignal<Option<RunnerId>>,
    pub(crate) autofit: RwSignal<bool>,
    pub(crate) mounted: Option<Mounted>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("runners", &self.positions.len())
            .finish()
    }
}

pub(crate) fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

pub(crate) fn wall_ms() -> u64 {
    js_sys::Date::now() as u64
}

impl Model {
    pub(crate) fn new(focus: RwSignal<Option<RunnerId>>, autofit: RwSignal<bool>) -> Self {
        Self {
            positions: Positions::default(),
            followed: Vec::new(),
            names: Vec::new(),
            verdicts: Vec::new(),
            entrants: 0,
            focus,
            autofit,
            mounted: None,
        }
    }

    fn field_size(&self) -> usize {
        self.entrants.max(self.positions.len())
    }

    /// Adds the runner's marker if the map is up and they have none.
    pub(crate) fn ensure_marker(&mut self, runner: &RunnerId) {
        let Some(seen) = self.positions.get(runner) else {
            return;
        };
        let follow_index = self.followed.iter().position(|r| r == runner);
        let name = self
            .names
            .iter()
            .find(|(r, _)| r == runner)
            .map(|(_, n)| n.as_str());
        let labelled = self.field_size() <= LABEL_ALL_UP_TO;
        if let Some(m) = &mut self.mounted {
            m.add_marker(runner, seen, follow_index, name, labelled);
        }
        self.mark_verdict(runner);
    }

    /// Says on `runner`'s label whether they are out of the race, if it changed.
    fn mark_verdict(&mut self, runner: &RunnerId) {
        let verdict = self
            .verdicts
            .iter()
            .find(|(r, _)| r == runner)
            .map(|(_, v)| *v);
        if let Some(m) = &mut self.mounted
            && let Some(marker) = m.markers.get_mut(runner)
            && marker.verdict != verdict
        {
            marker.verdict = verdict;
            super::markers::refresh_stale(marker, wall_ms());
        }
    }

    /// A runner was at `(lat, lng)` at `seen_ms`: a followed runner's fix, or a last
    /// known position from the board.
    pub(crate) fn fix(&mut self, runner: &RunnerId, lat: f64, lng: f64, seen_ms: u64) {
        let interval = match self.positions.record(runner, lat, lng, seen_ms) {
            Recorded::Older => return,
            Recorded::First => 0,
            Recorded::After(previous) => seen_ms.saturating_sub(previous),
        };
        let Some(m) = &self.mounted else {
            return;
        };
        let fresh = !m.markers.contains_key(runner);
        self.ensure_marker(runner);
        let followed = self.followed.contains(runner);
        let glides = followed || self.field_size() <= GLIDE_ALL_UP_TO;
        let autofit = self.autofit.get_untracked();
        let Some(m) = &mut self.mounted else {
            return;
        };
        let Some(marker) = m.markers.get_mut(runner) else {
            return;
        };
        // Glide over the time between fixes (so the motion looks continuous), within
        // a quarter of a second and one second. In a large field only followed
        // runners glide: the others move with the field's frames, all together.
        if glides {
            let duration = (interval as f64).clamp(250.0, 1000.0);
            marker.glide.retarget(now(), (lat, lng), duration);
        } else {
            marker.glide = Glide::still((lat, lng));
            marker.place(lat, lng);
        }
        marker.moved(lat, lng, seen_ms, wall_ms());
        // Its label moved (or is new): the labels are placed again on the next frame.
        let labelled = marker.label.is_some();
        if labelled || fresh {
            m.labels_dirty = true;
        }
        if glides || labelled || fresh {
            m.request_frame();
        }
        if fresh {
            m.count_markers();
        }
        // A followed runner's first position, or one that leaves the view, refits.
        if followed && autofit {
            let inside = !fresh
                && m.map
                    .get_bounds()
                    .is_ok_and(|b| b.pad(-0.1).contains(&l::latlng(lat, lng)));
            if !inside {
                self.fit();
            }
        }
    }

    /// A frame of the field stream, applied as one batch: every dot is moved, then
    /// Leaflet redraws its canvas once, on the next animation frame. A `full` frame
    /// is the whole field: runners it does not list leave the map (unless followed).
    /// Followed runners are drawn from their own topic's exact fixes; the field only
    /// places them until their topic has spoken.
    pub(crate) fn field(&mut self, full: bool, origin: [f64; 2], t: u64, rows: &[FieldRow]) {
        if full {
            self.positions.start_full();
        }
        let glides = self.field_size().max(rows.len()) <= GLIDE_ALL_UP_TO;
        let labelled = self.field_size().max(rows.len()) <= LABEL_ALL_UP_TO;
        let (now, wall) = (now(), wall_ms());
        let mut added = false;
        let mut labels_moved = false;
        for row in rows {
            let runner = row.runner();
            let followed = self.followed.contains(runner);
            if followed && self.positions.contains(runner) {
                continue;
            }
            let (lat, lng) = row.position(origin);
            let seen_ms = row.taken_ms(t);
            if self.positions.record(runner, lat, lng, seen_ms) == Recorded::Older {
                continue;
            }
            let Some(m) = &mut self.mounted else {
                continue;
            };
            if let Some(marker) = m.markers.get_mut(runner) {
                if glides {
                    marker.glide.retarget(now, (lat, lng), FIELD_GLIDE_MS);
                } else {
                    marker.glide = Glide::still((lat, lng));
                    marker.place(lat, lng);
                    labels_moved |= marker.label.is_some();
                }
                marker.moved(lat, lng, seen_ms, wall);
            } else if followed {
                self.ensure_marker(runner);
            } else if let Some(seen) = self.positions.get(runner) {
                m.add_marker(runner, seen, None, None, labelled);
                added = true;
            }
        }
        if full {
            for runner in self.positions.end_full(&self.followed) {
                if let Some(m) = &mut self.mounted
                    && let Some(marker) = m.markers.remove(&runner)
                {
                    marker.remove();
                }
            }
        }
        if let Some(m) = &mut self.mounted {
            m.count_markers();
            // New labels, or labels moved without a glide: placed again.
            if (added && labelled) || labels_moved || full {
                m.labels_dirty = true;
            }
            if glides || m.labels_dirty {
                m.request_frame();
            }
            // New dots are drawn last, over the followed runners' trails (the same
            // canvas): the trails go back on top.
            if added {
                m.trails_to_front();
            }
        }
    }

    /// A fresh snapshot of a followed runner: their history is replayed. The marker
    /// stays where it is and glides to the newest fix; the trail is rebuilt.
    pub(crate) fn reset(&mut self, runner: &RunnerId) {
        self.positions.remove(runner);
        if let Some(m) = &mut self.mounted
            && let Some(marker) = m.markers.get_mut(runner)
            && let Some((line, points)) = &mut marker.trail
        {
            points.clear();
            line.set_lat_lngs(&js_sys::Array::new());
        }
    }

    pub(crate) fn remove(&mut self, runner: &RunnerId) {
        self.positions.remove(runner);
        if let Some(m) = &mut self.mounted
            && let Some(marker) = m.markers.remove(runner)
        {
            marker.remove();
            m.count_markers();
            m.labels_dirty = true;
            m.request_frame();
        }
    }

    /// Positions from the board, for runners we have no position of.
    pub(crate) fn seed(&mut self, board: &Leaderboard) {
        let was = std::mem::take(&mut self.verdicts);
        self.verdicts = board
            .standings
            .iter()
            .filter_map(|s| s.status.out_of_race().map(|v| (s.bib.clone(), v)))
            .collect();
        let now = self.verdicts.clone();
        for (runner, _) in was.iter().chain(&now) {
            self.mark_verdict(runner);
        }
        for s in &board.standings {
            if let (Some([lat, lng]), Some(seen)) = (s.at, s.last_seen_ms)
                && !self.positions.contains(&s.bib)
            {
                self.fix(&s.bib, lat, lng, seen);
            }
        }
    }

    pub(crate) fn set_followed(&mut self, ids: Vec<RunnerId>, event: Option<&EventInfo>) {
        if let Some(event) = event {
            if let Some(m) = &self.mounted {
                m.kit.offset_min.set(event.utc_offset_min);
            }
            self.entrants = event.runners.max(event.entrants.len());
            self.names = ids
                .iter()
                .filter_map(|id| event.entrant(id).map(|e| (id.clone(), e.name.clone())))
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
                marker.remove();
            }
            self.ensure_marker(&runner);
        }
        if let Some(m) = &mut self.mounted {
            m.count_markers();
            m.labels_dirty = true;
            m.request_frame();
        }
        if self.autofit.get_untracked() {
            self.fit();
        }
    }

    /// Fits the view to the followed runners, or to the course and everyone.
    pub(crate) fn fit(&mut self) {
        let Some(m) = &mut self.mounted else {
            return;
        };
        // The view may change zoom (Leaflet's own "zoomend" finds the model busy):
        // the labels are placed again on the next frame.
        m.labels_dirty = true;
        m.request_frame();
        let mut points: Vec<(f64, f64)> = self
            .followed
            .iter()
            .filter_map(|r| self.positions.get(r).map(|s| (s.lat, s.lng)))
            .collect();
        if points.is_empty() {
            points = m.course.clone();
            points.extend(self.positions.iter().map(|(_, s)| (s.lat, s.lng)));
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

    /// Greys markers whose fix grew old since.
    pub(crate) fn restale(&mut self) {
        let now = wall_ms();
        if let Some(m) = &mut self.mounted {
            m.restale(now);
        }
    }

    pub(crate) fn unmount(&mut self) {
        if let Some(m) = self.mounted.take() {
            m.unmount();
        }
    }
}

/// The shared model, as the page's handle and Leaflet's callbacks hold it.
pub(crate) type SharedModel = Rc<RefCell<Model>>;
