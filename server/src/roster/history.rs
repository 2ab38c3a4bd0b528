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

/// What changed from `before` to `after`, or `None` when nothing did.
pub(crate) fn edited(before: &Runner, after: &Runner) -> Option<String> {
    let mut parts = Vec::new();
    let mut compare = |what: &str, old: String, new: String| {
        if old != new {
            parts.push(format!("{what} {old:?} → {new:?}"));
        }
    };
    compare("bib", before.bib.to_string(), after.bib.to_string());
    compare("name", before.name.clone(), after.name.clone());
    compare(
        "category",
        before.category.clone().unwrap_or_default(),
        after.category.clone().unwrap_or_default(),
    );
    compare("devices", before.devices.join(" "), after.devices.join(" "));
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// What changed in the event's settings from `before` to `after`, or `None`.
pub(crate) fn settings_changed(before: &Event, after: &Event) -> Option<String> {
    let mut parts = Vec::new();
    let mut compare = |what: &str, old: String, new: String| {
        if old != new {
            parts.push(format!("{what} {old:?} → {new:?}"));
        }
    };
    compare("name", before.name.clone(), after.name.clone());
    let start = |e: &Event| e.start.format(&Rfc3339).unwrap_or_default();
    compare("start", start(before), start(after));
    compare("time zone", before.timezone.clone(), after.timezone.clone());
    let private = |e: &Event| if e.private { "private" } else { "public" }.to_owned();
    compare("following", private(before), private(after));
    let checkpoints = |e: &Event| {
        e.checkpoints
            .iter()
            .map(|c| format!("{} at {:.2} km", c.name, c.distance_m / 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    compare("checkpoints", checkpoints(before), checkpoints(after));
    let (b, a) = (before.safety, after.safety);
    for (what, old, new) in [
        (
            "no signal minutes",
            b.no_signal_minutes.to_string(),
            a.no_signal_minutes.to_string(),
        ),
        (
            "no movement minutes",
            b.no_movement_minutes.to_string(),
            a.no_movement_minutes.to_string(),
        ),
        (
            "off course minutes",
            b.off_course_minutes.to_string(),
            a.off_course_minutes.to_string(),
        ),
        (
            "battery percent",
            b.battery_percent.to_string(),
            a.battery_percent.to_string(),
        ),
        (
            "checkpoint radius m",
            b.checkpoint_radius_m.to_string(),
            a.checkpoint_radius_m.to_string(),
        ),
    ] {
        compare(what, old, new);
    }
    if before.course_gpx != after.course_gpx {
        parts.push(format!(
            "a new course, {:.2} km",
            after.course.length_m() / 1000.0
        ));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
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
