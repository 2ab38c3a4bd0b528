//! A course (`course = "..."` in the event file): a GPX document.
//!
//! Every document gives a course or an error, never a panic, a hang or a runaway
//! allocation. A course has a finite length; the positions at its start, middle and
//! end lie on it, and the projection finds each of them on the line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectate_server::course::Course;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let course = match Course::from_gpx(text) {
        Ok(course) => course,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let length = course.length_m();
    assert!(length.is_finite() && length >= 0.0, "{length}");
    for d in [0.0, length / 2.0, length] {
        let p = course.position_at(d);
        let _ = course.elevation_at(d);
        assert!(
            !course.candidates(p, 50.0).is_empty(),
            "{p:?}, {d} m along, is not found on the course"
        );
        let along = course.distance_of(p);
        assert!((0.0..=length).contains(&along), "{along} of {length}");
    }
});
