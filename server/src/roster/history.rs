//! What a change did, in words: to a runner, for the field's history
//! (`runner_changes`), and to the event's settings (`event_changes`).

use time::format_description::well_known::Rfc3339;

use crate::event::{Event, Runner};

/// A runner joined the field.
pub(crate) fn added(runner: &Runner) -> String {
    format!("added {}", describe(runner))
}

/// A runner left the field.
pub(crate) fn removed(runner: &Runner) -> String {
    format!("removed {}", describe(runner))
}

/// The parts of a change, each `what "old" → "new"`, said together.
#[derive(Default)]
struct Changes(Vec<String>);

impl Changes {
    /// Notes `what` if it went from `old` to `new`.
    fn compare(&mut self, what: &str, old: &str, new: &str) {
        if old != new {
            self.0.push(format!("{what} {old:?} → {new:?}"));
        }
    }

    /// Every part noted, or `None` when nothing changed.
    fn said(self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.join(", "))
    }
}

/// What changed from `before` to `after`, or `None` when nothing did.
pub(crate) fn edited(before: &Runner, after: &Runner) -> Option<String> {
    let mut changes = Changes::default();
    changes.compare("bib", before.bib.as_str(), after.bib.as_str());
    changes.compare("name", &before.name, &after.name);
    changes.compare(
        "category",
        before.category.as_deref().unwrap_or_default(),
        after.category.as_deref().unwrap_or_default(),
    );
    changes.compare(
        "devices",
        &before.devices.join(" "),
        &after.devices.join(" "),
    );
    changes.said()
}

/// What changed in the event's settings from `before` to `after`, or `None`.
pub(crate) fn settings_changed(before: &Event, after: &Event) -> Option<String> {
    let mut changes = Changes::default();
    changes.compare("name", &before.name, &after.name);
    let start = |e: &Event| e.start.format(&Rfc3339).unwrap_or_default();
    changes.compare("start", &start(before), &start(after));
    changes.compare("time zone", &before.timezone, &after.timezone);
    let private = |e: &Event| if e.private { "private" } else { "public" };
    changes.compare("following", private(before), private(after));
    let checkpoints = |e: &Event| {
        e.checkpoints
            .iter()
            .map(|c| format!("{} at {:.2} km", c.name, c.distance_m / 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    changes.compare("checkpoints", &checkpoints(before), &checkpoints(after));
    let safety = |e: &Event| {
        let s = e.safety;
        [
            ("no signal minutes", s.no_signal_minutes.to_string()),
            ("no movement minutes", s.no_movement_minutes.to_string()),
            ("off course minutes", s.off_course_minutes.to_string()),
            ("battery percent", s.battery_percent.to_string()),
            ("checkpoint radius m", s.checkpoint_radius_m.to_string()),
        ]
    };
    for ((what, old), (_, new)) in safety(before).into_iter().zip(safety(after)) {
        changes.compare(what, &old, &new);
    }
    if before.course_gpx != after.course_gpx {
        let km = after.course.length_m() / 1000.0;
        changes.0.push(format!("a new course, {km:.2} km"));
    }
    changes.said()
}

fn describe(runner: &Runner) -> String {
    let mut out = format!("{} {:?}", runner.bib, runner.name);
    if let Some(category) = &runner.category {
        out.push_str(&format!(" ({category})"));
    }
    if !runner.devices.is_empty() {
        out.push_str(&format!(", devices {}", runner.devices.join(" ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use spectate_app::protocol::RunnerId;

    use super::*;

    #[test]
    fn an_edit_lists_what_changed_and_nothing_else() {
        let before = Runner {
            bib: RunnerId::parse("7").unwrap(),
            name: "Ada".into(),
            category: None,
            devices: vec!["p".into()],
        };
        assert_eq!(edited(&before, &before), None);
        let after = Runner {
            name: "Ada L".into(),
            category: Some("F40".into()),
            ..before.clone()
        };
        assert_eq!(
            edited(&before, &after).as_deref(),
            Some("name \"Ada\" → \"Ada L\", category \"\" → \"F40\"")
        );
        assert_eq!(added(&after), "added 7 \"Ada L\" (F40), devices p");
    }
}
