//! The course's marks as the map draws them: marks at one place merged into one
//! label.

use crate::protocol::{LatLng, race::Mark};

/// Marks closer than this are drawn as one.
const MERGE_MARKS_M: f64 = 200.0;

/// The marks as drawn: `(label, [lat, lng], is start or finish)`. On a loop the start
/// and the finish are one place, and an out-and-back passes its checkpoints twice, so
/// marks at one place become one ("Start / Finish", "3 km / 10 km") rather than
/// labels on top of each other.
pub fn drawn_marks(marks: &[Mark]) -> Vec<(String, [f64; 2], bool)> {
    let mut out: Vec<(String, [f64; 2], bool)> = Vec::new();
    let place = |at: [f64; 2]| LatLng::parse(at[0], at[1]).ok();
    for m in marks {
        let end = m.name == "Start" || m.name == "Finish";
        let near = out.iter_mut().find(|(_, at, _)| {
            matches!((place(*at), place(m.at)), (Some(a), Some(b)) if a.distance_m(&b) < MERGE_MARKS_M)
        });
        match near {
            Some((name, _, was_end)) => {
                name.push_str(" / ");
                name.push_str(&m.name);
                *was_end |= end;
            }
            None => out.push((m.name.clone(), m.at, end)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_has_one_start_finish_mark() {
        let mark = |name: &str, at: [f64; 2]| Mark {
            name: name.into(),
            distance_m: 0.0,
            at,
        };
        let looped = [
            mark("Start", [37.0, -122.0]),
            mark("3 km", [37.02, -122.0]),
            mark("5 km", [37.05, -122.0]),
            mark("7 km", [37.0201, -122.0]),
            mark("Finish", [37.0001, -122.0]),
        ];
        let drawn = drawn_marks(&looped);
        let names: Vec<&str> = drawn.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(names, ["Start / Finish", "3 km / 7 km", "5 km"]);
        assert!(drawn[0].2 && !drawn[1].2);
        let point_to_point = [
            mark("Start", [37.0, -122.0]),
            mark("Finish", [37.1, -122.0]),
        ];
        assert_eq!(drawn_marks(&point_to_point).len(), 2);
    }
}
