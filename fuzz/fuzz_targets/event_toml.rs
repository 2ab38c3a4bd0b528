//! The event file (`spectate serve --event`, `spectate event check`): TOML an
//! organiser writes, read against a small fixed course (`fuzz/assets/course.gpx`,
//! about 2 km, with the waypoints Start, Bridge and Finish).
//!
//! Every text gives an event or a list of problems with their lines, never a panic.
//! An event that checks out has runners, checkpoints in course order on the course,
//! and each device id names one of its runners.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectate_server::fuzz_api;

const COURSE: &str = include_str!("../assets/course.gpx");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let event = match fuzz_api::event(text, COURSE) {
        Ok(event) => event,
        Err(errors) => {
            assert!(!errors.problems.is_empty());
            let lines = text.matches('\n').count() + 1;
            for problem in &errors.problems {
                if let Some(line) = problem.line {
                    assert!((1..=lines).contains(&line), "line {line} of {lines}");
                }
            }
            let _ = errors.to_string();
            return;
        }
    };
    assert!(!event.runners.is_empty());
    let length = event.course.length_m();
    let mut before: Option<f64> = None;
    for checkpoint in &event.checkpoints {
        let d = checkpoint.distance_m;
        assert!(
            (0.0..=length).contains(&d),
            "{checkpoint:?} off a {length} m course"
        );
        assert!(
            before.is_none_or(|b| d > b),
            "{checkpoint:?} not after {before:?}"
        );
        before = Some(d);
    }
    for runner in &event.runners {
        for device in &runner.devices {
            let owner = event
                .runner_for_device(device)
                .expect("a listed device has a runner");
            assert!(event.runner(owner).is_some());
        }
    }
});
