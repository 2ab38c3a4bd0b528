//! The event page's settings form: read into [`Settings`] with a message for each
//! field that cannot be one, and drawn back filled (from the stored settings, or
//! from what was sent when it was refused, so nothing typed is lost).

use std::collections::HashMap;

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    alerts::rules::Thresholds,
    console::sign_in::escape,
    event::settings::{CheckpointAt, Place, Settings},
};

/// Longest name, in characters.
const MAX_NAME: usize = 200;
/// Most checkpoints.
const MAX_CHECKPOINTS: usize = 100;
/// Blank checkpoint rows offered below the event's.
const BLANK_ROWS: usize = 3;

/// What fills the form.
#[derive(Debug)]
pub(super) enum Sent {
    /// The settings (stored, or read from a form the event's checks refused).
    Settings(Settings),
    /// A form as sent, which could not be read.
    Fields(Vec<(String, String)>),
}

/// The thresholds' fields: name, label, whole number or not.
const SAFETY: [(&str, &str, bool); 5] = [
    ("no_signal_minutes", "No signal for (minutes)", true),
    ("no_movement_minutes", "Not moving for (minutes)", true),
    ("off_course_minutes", "Off the course for (minutes)", true),
    ("battery_percent", "Battery under (%)", false),
    (
        "checkpoint_radius_m",
        "Standing still is fine within (m of a checkpoint)",
        false,
    ),
];

/// The settings a form gives, or every problem with it.
pub(super) fn read(fields: &[(String, String)]) -> Result<Settings, Vec<String>> {
    let get = lookup(fields);
    let field = |name: &str| get.get(name).map_or("", |v| v.trim());
    let mut problems = Vec::new();
    let name = field("name").to_owned();
    if name.chars().count() > MAX_NAME {
        problems.push(format!("the name is over {MAX_NAME} characters"));
    }
    let offset = match field("offset") {
        "Z" | "z" | "" => "+00:00".to_owned(),
        o => o.to_owned(),
    };
    let local = field("start");
    // datetime-local gives minutes, or seconds when they are not zero.
    let start = match local.len() {
        16 => format!("{local}:00{offset}"),
        _ => format!("{local}{offset}"),
    };
    if OffsetDateTime::parse(&start, &Rfc3339).is_err() {
        problems.push(format!(
            "the start {local:?} with the offset {offset:?} is not a time: give a date and time, and an offset like +01:00"
        ));
    }
    let mut checkpoints = Vec::new();
    for i in 0.. {
        let (Some(cp_name), Some(at)) = (
            get.get(format!("cp{i}_name").as_str()),
            get.get(format!("cp{i}_at").as_str()),
        ) else {
            break;
        };
        let (cp_name, at) = (cp_name.trim(), at.trim());
        if cp_name.is_empty() && at.is_empty() {
            continue;
        }
        if cp_name.is_empty() {
            problems.push(format!("the checkpoint at {at:?} has no name"));
            continue;
        }
        let place = if at.is_empty() {
            problems.push(format!(
                "checkpoint {cp_name:?}: give its distance in km or a waypoint of the course"
            ));
            continue;
        } else if let Ok(km) = at.replace(',', ".").parse::<f64>() {
            Place::Km(km)
        } else {
            Place::Waypoint(at.to_owned())
        };
        checkpoints.push(CheckpointAt {
            name: cp_name.to_owned(),
            at: place,
        });
    }
    if checkpoints.len() > MAX_CHECKPOINTS {
        problems.push(format!("more than {MAX_CHECKPOINTS} checkpoints"));
    }
    let mut safety = Thresholds::default();
    for (key, label, whole) in SAFETY {
        let text = field(key);
        let value = text.replace(',', ".").parse::<f64>().ok().filter(|v| {
            v.is_finite() && *v >= 0.0 && (!whole || (v.fract() == 0.0 && *v <= 100_000.0))
        });
        let Some(value) = value else {
            let kind = if whole { "a whole number" } else { "a number" };
            problems.push(format!(
                "{label}: {text:?} is not {kind} of 0 or more (0 turns the rule off)"
            ));
            continue;
        };
        match key {
            "no_signal_minutes" => safety.no_signal_minutes = value as u32,
            "no_movement_minutes" => safety.no_movement_minutes = value as u32,
            "off_course_minutes" => safety.off_course_minutes = value as u32,
            "battery_percent" => safety.battery_percent = value,
            _ => safety.checkpoint_radius_m = value,
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Settings {
        name,
        start,
        timezone: field("timezone").to_owned(),
        private: get.contains_key("private"),
        checkpoints,
        safety,
    })
}

/// The settings a new event's form starts from: no name or start yet, UTC, public,
/// no checkpoints, the default thresholds.
pub(super) fn blank() -> Settings {
    Settings {
        name: String::new(),
        start: String::new(),
        timezone: "UTC".into(),
        private: false,
        checkpoints: Vec::new(),
        safety: Thresholds::default(),
    }
}

/// The form's fields, filled from `sent`.
pub(super) fn fields(sent: &Sent) -> String {
    let owned;
    let fields = match sent {
        Sent::Settings(settings) => {
            owned = as_fields(settings);
            &owned
        }
        Sent::Fields(fields) => fields,
    };
    let get = lookup(fields);
    let value = |name: &str| escape(get.get(name).copied().unwrap_or(""));
    let rows = (0..)
        .take_while(|i| get.contains_key(format!("cp{i}_name").as_str()))
        .count();
    let checkpoints: String = (0..rows + BLANK_ROWS)
        .map(|i| {
            format!(
                "<div class=\"inline\"><label>Checkpoint {n} <input name=\"cp{i}_name\" value=\"{}\" maxlength=\"{MAX_NAME}\"></label>\
                 <label>At km, or a GPX waypoint <input name=\"cp{i}_at\" value=\"{}\" list=\"waypoints\"></label></div>",
                value(&format!("cp{i}_name")),
                value(&format!("cp{i}_at")),
                n = i + 1,
            )
        })
        .collect();
    let safety: String = SAFETY
        .iter()
        .map(|(key, label, whole)| {
            let step = if *whole { "1" } else { "any" };
            format!(
                "<label>{label} <input name=\"{key}\" value=\"{}\" type=\"number\" min=\"0\" step=\"{step}\" required></label>",
                value(key)
            )
        })
        .collect();
    let checked = if get.contains_key("private") {
        " checked"
    } else {
        ""
    };
    format!(
        "<label>Name <input name=\"name\" value=\"{}\" required maxlength=\"{MAX_NAME}\"></label>\
         <div class=\"inline\"><label>Start (local time) <input name=\"start\" type=\"datetime-local\" step=\"1\" value=\"{}\" required></label>\
         <label>UTC offset at the start <input name=\"offset\" value=\"{}\" pattern=\"[+\\-][0-9]{{2}}:[0-9]{{2}}|Z\" placeholder=\"+01:00\" required></label></div>\
         <label>Time zone <input name=\"timezone\" value=\"{}\" placeholder=\"Europe/Paris\" required></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"private\"{checked}> Private: following needs a token</label>\
         <fieldset><legend>Checkpoints, in course order</legend>{checkpoints}</fieldset>\
         <fieldset><legend>Safety alerts (0 turns a rule off)</legend>{safety}</fieldset>",
        value("name"),
        value("start"),
        value("offset"),
        value("timezone"),
    )
}

/// `settings` as the form's fields.
fn as_fields(settings: &Settings) -> Vec<(String, String)> {
    let (local, offset) = split_start(&settings.start);
    let mut out = vec![
        ("name".to_owned(), settings.name.clone()),
        ("start".to_owned(), local),
        ("offset".to_owned(), offset),
        ("timezone".to_owned(), settings.timezone.clone()),
    ];
    if settings.private {
        out.push(("private".into(), "on".into()));
    }
    for (i, c) in settings.checkpoints.iter().enumerate() {
        let at = match &c.at {
            Place::Km(km) => km.to_string(),
            Place::Waypoint(w) => w.clone(),
        };
        out.push((format!("cp{i}_name"), c.name.clone()));
        out.push((format!("cp{i}_at"), at));
    }
    let s = settings.safety;
    out.extend([
        ("no_signal_minutes".into(), s.no_signal_minutes.to_string()),
        (
            "no_movement_minutes".into(),
            s.no_movement_minutes.to_string(),
        ),
        (
            "off_course_minutes".into(),
            s.off_course_minutes.to_string(),
        ),
        ("battery_percent".into(), s.battery_percent.to_string()),
        (
            "checkpoint_radius_m".into(),
            s.checkpoint_radius_m.to_string(),
        ),
    ]);
    out
}

/// An RFC 3339 start as a `datetime-local` value and its offset (`+01:00`).
fn split_start(start: &str) -> (String, String) {
    let Ok(t) = OffsetDateTime::parse(start, &Rfc3339) else {
        return (start.to_owned(), "+00:00".to_owned());
    };
    let local = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let (h, m, _) = t.offset().as_hms();
    let sign = if t.offset().is_negative() { '-' } else { '+' };
    (local, format!("{sign}{:02}:{:02}", h.abs(), m.abs()))
}

fn lookup(fields: &[(String, String)]) -> HashMap<&str, &str> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Settings {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let event = crate::event::Event::parse(&text, &path).unwrap();
        let stored = crate::event::export::settings_of(&text, &event.course_path).unwrap();
        Settings::read(&stored).unwrap().0
    }

    #[test]
    fn the_form_of_the_settings_reads_back_as_the_same_settings() {
        let settings = demo();
        let fields = as_fields(&settings);
        let back = read(&fields).unwrap();
        assert_eq!(
            OffsetDateTime::parse(&back.start, &Rfc3339).unwrap(),
            OffsetDateTime::parse(&settings.start, &Rfc3339).unwrap()
        );
        assert_eq!(
            Settings {
                start: settings.start.clone(),
                ..back
            },
            settings
        );
    }

    #[test]
    fn every_unreadable_field_is_named_at_once() {
        let mut fields = as_fields(&demo());
        for (k, v) in &mut fields {
            match k.as_str() {
                "start" => *v = "tomorrow".into(),
                "battery_percent" => *v = "-3".into(),
                "no_signal_minutes" => *v = "2.5".into(),
                "cp0_at" => v.clear(),
                _ => {}
            }
        }
        let problems = read(&fields).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("\"tomorrow\""), "{problems:?}");
    }
}
