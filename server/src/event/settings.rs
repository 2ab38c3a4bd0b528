//! The event's settings (everything but the runners) as the console edits them:
//! read from the stored settings' TOML ([`Settings::read`]) and written back as TOML
//! for the event's own checks ([`Settings::to_toml`]), so a setting changed in the
//! browser is checked exactly as `spectate event check` checks the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::{Table, Value};

use super::export::ExportError;
use crate::alerts::rules::Thresholds;

/// The settings of an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Settings {
    /// Shown to spectators.
    pub(crate) name: String,
    /// The start, RFC 3339 with the event's offset.
    pub(crate) start: String,
    /// IANA time zone name.
    pub(crate) timezone: String,
    /// Following needs a token.
    pub(crate) private: bool,
    /// Checkpoints in course order.
    pub(crate) checkpoints: Vec<CheckpointAt>,
    /// The safety alerts' thresholds.
    pub(crate) safety: Thresholds,
}

/// A checkpoint as the organiser places it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct CheckpointAt {
    /// Its name.
    pub(crate) name: String,
    /// Where it is.
    pub(crate) at: Place,
}

/// Where a checkpoint is on the course.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Place {
    /// Kilometres from the start.
    Km(f64),
    /// At the GPX waypoint of this name.
    Waypoint(String),
}

/// The settings' TOML, as stored (and as an event file has it).
#[derive(Debug, Deserialize)]
struct File {
    name: String,
    start: String,
    timezone: String,
    course: PathBuf,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    checkpoints: Vec<FileCheckpoint>,
    #[serde(default)]
    safety: Thresholds,
}

#[derive(Debug, Deserialize)]
struct FileCheckpoint {
    name: String,
    distance_km: Option<f64>,
    waypoint: Option<String>,
}

impl Settings {
    /// The settings in `toml` (stored settings, which name the course), and the
    /// course's path.
    pub(crate) fn read(toml: &str) -> Result<(Self, PathBuf), ExportError> {
        let file: File = toml::from_str(toml)?;
        let checkpoints = file
            .checkpoints
            .into_iter()
            .map(|c| CheckpointAt {
                name: c.name,
                at: match (c.waypoint, c.distance_km) {
                    (Some(waypoint), _) => Place::Waypoint(waypoint),
                    (None, km) => Place::Km(km.unwrap_or(0.0)),
                },
            })
            .collect();
        let settings = Self {
            name: file.name,
            start: file.start,
            timezone: file.timezone,
            private: file.private,
            checkpoints,
            safety: file.safety,
        };
        Ok((settings, file.course))
    }

    /// The settings as TOML, the course at `course`.
    pub(crate) fn to_toml(&self, course: &Path) -> Result<String, ExportError> {
        let mut table = Table::new();
        let text = |s: &str| Value::String(s.to_owned());
        table.insert("name".into(), text(&self.name));
        table.insert("start".into(), text(&self.start));
        table.insert("timezone".into(), text(&self.timezone));
        table.insert("course".into(), text(&course.to_string_lossy()));
        table.insert("private".into(), Value::Boolean(self.private));
        let checkpoints = self
            .checkpoints
            .iter()
            .map(|c| {
                let mut row = Table::new();
                row.insert("name".into(), text(&c.name));
                match &c.at {
                    Place::Km(km) => row.insert("distance_km".into(), Value::Float(*km)),
                    Place::Waypoint(w) => row.insert("waypoint".into(), text(w)),
                };
                Value::Table(row)
            })
            .collect();
        table.insert("checkpoints".into(), Value::Array(checkpoints));
        table.insert("safety".into(), Value::try_from(self.safety)?);
        Ok(toml::to_string(&table)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, export::settings_of};

    #[test]
    fn settings_read_from_an_event_file_write_back_as_the_same_event() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let event = Event::parse(&text, &path).unwrap();
        let stored = settings_of(&text, &event.course_path).unwrap();
        let (settings, course) = Settings::read(&stored).unwrap();
        assert_eq!(course, std::path::absolute(&event.course_path).unwrap());
        let again = settings.to_toml(&course).unwrap();
        let toml = crate::event::export::to_toml(&again, &event.runners).unwrap();
        let back = Event::parse(&toml, Path::new("/nowhere/event.toml")).unwrap();
        assert_eq!(back.checkpoints, event.checkpoints);
        assert_eq!((back.name, back.start), (event.name, event.start));
        assert_eq!(back.safety, event.safety);
        assert_eq!(Settings::read(&again).unwrap().0, settings);
    }
}
