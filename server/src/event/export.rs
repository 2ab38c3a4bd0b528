//! The stored event back as an event file (`spectate event export`): the settings the
//! organiser's file gave (name, start, course, checkpoints, `[safety]`), kept as they
//! were written, and the field as it is now in the store.
//!
//! The settings are kept as TOML text without the runners ([`settings_of`]), with the
//! course made an absolute path so the exported file works wherever it is written.

use std::path::Path;

use toml::{Table, Value};

use super::Runner;

/// Why an event could not be written as TOML.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    /// The stored settings are not a TOML table (they were written by this server).
    #[error("the stored event settings are not TOML: {0}")]
    Settings(#[from] toml::de::Error),
    /// TOML could not hold what was given.
    #[error("cannot write the event as TOML: {0}")]
    Write(#[from] toml::ser::Error),
}

/// The settings of an event file's `text` (everything but `[[runners]]`), with the
/// course at `course_path` made absolute.
pub(crate) fn settings_of(text: &str, course_path: &Path) -> Result<String, ExportError> {
    let mut table: Table = toml::from_str(text)?;
    table.remove("runners");
    let course = std::path::absolute(course_path).unwrap_or_else(|_| course_path.to_owned());
    table.insert(
        "course".into(),
        Value::String(course.to_string_lossy().into_owned()),
    );
    Ok(toml::to_string(&table)?)
}

/// An event file of `settings` (from [`settings_of`]) and `runners`.
pub(crate) fn to_toml(settings: &str, runners: &[Runner]) -> Result<String, ExportError> {
    let mut table: Table = toml::from_str(settings)?;
    let rows = runners
        .iter()
        .map(|r| Value::Table(runner_table(r)))
        .collect();
    table.insert("runners".into(), Value::Array(rows));
    Ok(toml::to_string(&table)?)
}

fn runner_table(runner: &Runner) -> Table {
    let mut row = Table::new();
    // A numeric bib stays a number, as organisers write it.
    let bib = match runner.bib.as_str().parse::<i64>() {
        Ok(n) if runner.bib.is_numeric() => Value::Integer(n),
        _ => Value::String(runner.bib.to_string()),
    };
    row.insert("bib".into(), bib);
    row.insert("name".into(), Value::String(runner.name.clone()));
    if let Some(category) = &runner.category {
        row.insert("category".into(), Value::String(category.clone()));
    }
    if !runner.devices.is_empty() {
        let devices = runner.devices.iter().cloned().map(Value::String).collect();
        row.insert("devices".into(), Value::Array(devices));
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    #[test]
    fn an_exported_event_reads_back_as_the_same_event() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let event = Event::parse(&text, &path).unwrap();
        let settings = settings_of(&text, &event.course_path).unwrap();
        assert!(!settings.contains("[[runners]]"), "{settings}");
        let exported = to_toml(&settings, &event.runners).unwrap();
        // Read from elsewhere: the course path is absolute.
        let again = Event::parse(&exported, Path::new("/nowhere/event.toml")).unwrap();
        assert_eq!(again.runners, event.runners);
        assert_eq!(again.checkpoints, event.checkpoints);
        assert_eq!((again.name, again.start), (event.name, event.start));
    }
}
