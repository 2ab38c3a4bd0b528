//! What a change did to a runner, in words, for the field's history (`runner_changes`).

use crate::event::Runner;

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
