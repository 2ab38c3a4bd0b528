//! The event file's parsing and checks.

use super::*;

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/event.toml")
}

#[test]
fn the_demo_event_is_valid_on_disk_and_bundled() {
    assert_eq!(Event::demo().runners.len(), 12);
    let event = Event::load(&demo_path()).unwrap();
    assert_eq!(event.runners.len(), 12);
    assert_eq!(event.checkpoints.len(), 3);
    assert!(
        event
            .checkpoints
            .windows(2)
            .all(|w| w[0].distance_m < w[1].distance_m)
    );
    let bib = RunnerId::parse("3").unwrap();
    assert_eq!(event.runner_for_device("demo-3"), Some(&bib));
    assert_eq!(event.runner(&bib).unwrap().devices, ["demo-3"]);
    assert!(event.runner_for_device("nobody").is_none());
}

fn problems(text: &str) -> Vec<Problem> {
    // The course path is relative to the event file: put the file in assets/demo.
    Event::parse(text, &demo_path()).unwrap_err().problems
}

#[test]
fn syntax_errors_and_unknown_keys_point_at_their_line() {
    let found = problems("name = \"x\"\nstart = \n");
    assert_eq!(found[0].line, Some(2), "{found:?}");
    let found = problems(
        "name = \"x\"\nstart = \"2026-11-29T09:00:00Z\"\ntimezone = \"UTC\"\ncourse = \"garmin-activity.gpx\"\nstartt = 1\n",
    );
    assert_eq!(found[0].line, Some(5), "{found:?}");
    assert!(found[0].message.contains("startt"), "{found:?}");
}

#[test]
fn every_semantic_problem_is_listed_with_its_line() {
    let text = r#"name = "Riverside"
start = "tomorrow morning"
timezone = "Paris time"
course = "garmin-activity.gpx"

[[checkpoints]]
name = "Far"
distance_km = 99

[[checkpoints]]
name = "Both"
distance_km = 1
waypoint = "x"

[[runners]]
bib = 7
name = "A"
devices = ["p1"]

[[runners]]
bib = 7
name = "B"
devices = ["p1"]
"#;
    let found = problems(text);
    let lines: Vec<Option<usize>> = found.iter().map(|p| p.line).collect();
    assert_eq!(
        lines,
        [Some(2), Some(3), Some(7), Some(11), Some(21), Some(23)],
        "{found:#?}"
    );
    assert!(found[2].message.contains("off the course"));
    assert!(found[4].message.contains("first on line 16"));
    assert!(
        found[5]
            .message
            .contains("\"p1\" is given to runners 7 and 7")
    );
    let shown = Event::parse(text, Path::new("race.toml"))
        .unwrap_err()
        .to_string();
    assert!(shown.starts_with("race.toml:2: start"), "{shown}");
}
