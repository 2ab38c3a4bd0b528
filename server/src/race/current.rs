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
    let entrants: Vec<Entrant> = event
        .runners
        .iter()
        .map(|r| Entrant {
            bib: r.bib.clone(),
            name: r.name.clone(),
            category: r.category.clone(),
        })
        .collect();
    let mut info = EventInfo {
        name: event.name.clone(),
        course_m: length,
        line,
        marks,
        profile,
        runners: event.runners.len(),
        utc_offset_min: i32::from(event.start.offset().whole_minutes()),
        field: field_version(&entrants),
        entrants,
        settings: String::new(),
    };
    info.settings = settings_version(&info);
    info
}

/// The event's version ([`EventInfo::settings`]): [`digest`] of what pages draw of
/// the settings (name, local time, course line, marks, profile).
pub(crate) fn settings_version(info: &EventInfo) -> String {
    let numbers = |xs: &mut dyn Iterator<Item = f64>| -> String {
        xs.map(|x| format!("{x}")).collect::<Vec<_>>().join(",")
    };
    let line = numbers(&mut info.line.iter().flatten().copied());
    let profile = numbers(&mut info.profile.iter().flatten().copied());
    let marks = info
        .marks
        .iter()
        .map(|m| format!("{}@{}", m.name, m.distance_m))
        .collect::<Vec<_>>()
        .join(",");
    let offset = info.utc_offset_min.to_string();
    digest([info.name.as_str(), &offset, &line, &profile, &marks])
}

/// FNV-1a over `parts`, in hex. A digest, not a counter, so that every node of a
/// cluster (each swaps changes in on its own) gives the same thing the same version.
fn digest<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        // Each part ends with a byte no text holds, so "ab"+"c" and "a"+"bc" differ.
        for byte in part.bytes().chain([0xff]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

/// The field's version ([`EventInfo::field`]): [`digest`] of every entrant as
/// `/api/entrants` serves them; a spectator who moves to another node of a cluster
/// fetches nothing again.
pub(crate) fn field_version(entrants: &[Entrant]) -> String {
    digest(entrants.iter().flat_map(|e| {
        [
            e.bib.as_str(),
            e.name.as_str(),
            e.category.as_deref().unwrap_or(""),
        ]
    }))
}

#[cfg(test)]
mod tests {
    use spectate_app::protocol::{RunnerId, race::Entrant};

    use super::field_version;

    fn entrant(bib: &str, name: &str) -> Entrant {
        Entrant {
            bib: RunnerId::parse(bib).unwrap(),
            name: name.into(),
            category: None,
        }
    }

    #[test]
    fn field_version_changes_with_an_added_renamed_or_removed_runner_only() {
        let field = vec![entrant("1", "Ada"), entrant("2", "Grace")];
        let version = field_version(&field);
        assert_eq!(version, field_version(&field.clone()), "the same field");
        assert_eq!(version.len(), 16);
        let renamed = vec![entrant("1", "Ada"), entrant("2", "Grace H")];
        let added = vec![
            entrant("1", "Ada"),
            entrant("2", "Grace"),
            entrant("3", "Alan"),
        ];
        let removed = vec![entrant("1", "Ada")];
        let shifted = vec![entrant("1", "AdaG"), entrant("2", "race")];
        for other in [renamed, added, removed, shifted] {
            assert_ne!(field_version(&other), version, "{other:?}");
        }
    }
}
