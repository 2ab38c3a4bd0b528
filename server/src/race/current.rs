//! The event being raced and what is made from it once per change of the event
//! (the pages' view of it, the bibs every fix is checked against), not per page or
//! per fix.

use std::sync::Arc;

use spectate_app::protocol::{
    RunnerId,
    race::{Entrant, EventInfo, Mark, PROFILE_STEP_M},
};

use super::LINE_STEP_M;
use crate::event::Event;

/// The event being raced and what is made from it once per change, not per page or
/// per fix.
#[derive(Debug)]
pub(super) struct Current {
    pub(super) event: Arc<Event>,
    /// The event as pages draw it.
    pub(super) info: Arc<EventInfo>,
    /// The event's bibs, for the check on every fix (a field of 5,000 is 1,000 fixes
    /// a second).
    pub(super) bibs: std::collections::HashSet<RunnerId>,
}

impl Current {
    pub(super) fn of(event: Arc<Event>) -> Arc<Self> {
        Arc::new(Self {
            info: Arc::new(describe(&event)),
            bibs: event.runners.iter().map(|r| r.bib.clone()).collect(),
            event,
        })
    }
}

/// The event as pages draw it: the course line thinned to about every
/// [`LINE_STEP_M`], start, checkpoints and finish, the elevation profile, and the
/// entrants.
fn describe(event: &Event) -> EventInfo {
    let course = &event.course;
    let length = course.length_m();
    let steps = (length / LINE_STEP_M).ceil().max(1.0) as usize;
    // Five decimals is about a metre: enough for a map, and a shorter page.
    let round = |x: f64| (x * 1e5).round() / 1e5;
    let at = |d: f64| {
        let p = course.position_at(d);
        [round(p.lat()), round(p.lng())]
    };
    let line = (0..=steps)
        .map(|i| at(length * i as f64 / steps as f64))
        .collect();
    let mark = |name: &str, d: f64| Mark {
        name: name.to_owned(),
        distance_m: d,
        at: at(d),
    };
    let profile_steps = (length / PROFILE_STEP_M).ceil() as usize;
    let profile = (0..=profile_steps)
        .filter_map(|i| {
            let d = (i as f64 * PROFILE_STEP_M).min(length);
            course.elevation_at(d).map(|e| [d.round(), e.round()])
        })
        .collect();
    let mut marks = vec![mark("Start", 0.0)];
    marks.extend(
        event
            .checkpoints
            .iter()
            .map(|c| mark(&c.name, c.distance_m)),
    );
    marks.push(mark("Finish", length));
    EventInfo {
        name: event.name.clone(),
        course_m: length,
        line,
        marks,
        profile,
        runners: event.runners.len(),
        utc_offset_min: i32::from(event.start.offset().whole_minutes()),
        entrants: event
            .runners
            .iter()
            .map(|r| Entrant {
                bib: r.bib.clone(),
                name: r.name.clone(),
                category: r.category.clone(),
            })
            .collect(),
    }
}
