//! The course as the event page draws it, before anything is saved elsewhere: the
//! line with its start, checkpoints and finish on a plain SVG map, and the elevation
//! profile with the same marks, so an organiser sees where each checkpoint fell.
//!
//! Drawn on the server from the race's [`EventInfo`] (the line every 25 m, the
//! profile every 50 m), so it needs no script and no map tiles. The profile's scale
//! is the spectators' ([`spectate_app::components::course_progress`]).

use spectate_app::{
    components::{
        course_progress::{Scale, profile_path},
        live_map::declutter::{Label, RUNNER_SIDES, Rank, Rect, body, declutter},
    },
    protocol::race::EventInfo,
};

use crate::console::sign_in::escape;

/// The map's width in its own units: with [`FONT`], labels read at about 10 px on a
/// 360 px phone and 17 px at the page's widest (seen on screenshots at both).
const MAP_W: f64 = 480.0;
/// The tallest the map gets; a course wider than tall gets a shorter map.
const MAP_H_MAX: f64 = 400.0;
const PAD: f64 = 24.0;
const FONT: f64 = 14.0;
/// The profile's labels, in its 1000-wide units.
const PROFILE_FONT: f64 = 30.0;

/// The map and the profile, as a `<figure>` each.
pub(crate) fn course(info: &EventInfo) -> String {
    format!("{}{}", map(info), profile(info))
}

/// The line and its marks, projected equirectangularly around the middle latitude.
fn map(info: &EventInfo) -> String {
    let (mut lat0, mut lat1, mut lng0, mut lng1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for [lat, lng] in &info.line {
        (lat0, lat1) = (lat0.min(*lat), lat1.max(*lat));
        (lng0, lng1) = (lng0.min(*lng), lng1.max(*lng));
    }
    if info.line.is_empty() {
        return String::new();
    }
    let squash = ((lat0 + lat1) / 2.0).to_radians().cos().max(0.01);
    let span_x = ((lng1 - lng0) * squash).max(1e-6);
    let span_y = (lat1 - lat0).max(1e-6);
    let scale = ((MAP_W - 2.0 * PAD) / span_x).min((MAP_H_MAX - 2.0 * PAD) / span_y);
    let map_h = (span_y * scale + 2.0 * PAD).max(4.0 * PAD);
    // A course wider than tall sits in the middle of the least height.
    let top = (map_h - span_y * scale) / 2.0;
    let at = |[lat, lng]: [f64; 2]| {
        let x = PAD + (lng - lng0) * squash * scale;
        let y = top + (lat1 - lat) * scale;
        (x, y)
    };
    let points: Vec<String> = info
        .line
        .iter()
        .map(|p| {
            let (x, y) = at(*p);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    // Marks close together (start and finish of a loop, the checkpoints of an out
    // and back) take different sides: the spectators' map's label placement.
    let dots: Vec<(f64, f64)> = info.marks.iter().map(|m| at(m.at)).collect();
    let labels: Vec<Label> = info
        .marks
        .iter()
        .zip(&dots)
        .map(|(m, &dot)| Label {
            at: dot,
            size: (m.name.chars().count() as f64 * FONT * 0.6 + 4.0, FONT + 4.0),
            gap: 7.0,
            pointer: 0.0,
            rank: Rank::Followed,
            was_shown: false,
            sides: RUNNER_SIDES,
        })
        .collect();
    let obstacles: Vec<(Rect, Option<usize>)> = dots
        .iter()
        .enumerate()
        .map(|(i, &dot)| (Rect::around(dot, 5.0), Some(i)))
        .collect();
    let frame = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: MAP_W,
        y1: map_h,
    };
    let placed = declutter(&labels, &obstacles, Some(frame));
    let marks: String = info
        .marks
        .iter()
        .zip(labels.iter().zip(&placed))
        .map(|(m, (label, placement))| {
            let (x, y) = label.at;
            // A label with no free side still shows, on its first one: an organiser
            // needs every checkpoint's name.
            let spot = body(label, placement.side);
            format!(
                "<g class=\"mark\"><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{FONT}\">{}</text></g>",
                spot.x0 + 2.0,
                spot.y1 - 5.0,
                escape(&m.name)
            )
        })
        .collect();
    format!(
        "<figure id=\"course-map\"><svg viewBox=\"0 0 {MAP_W} {map_h:.0}\" role=\"img\" \
         aria-labelledby=\"course-map-caption\">\
         <polyline points=\"{}\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"3\"/>\
         {marks}</svg><figcaption id=\"course-map-caption\">The course, {:.2} km, with {} \
         marks</figcaption></figure>",
        points.join(" "),
        info.course_m / 1000.0,
        info.marks.len()
    )
}

/// The elevation profile with a tick and a name for each mark.
fn profile(info: &EventInfo) -> String {
    let scale = Scale::of(info);
    let marks: String = info
        .marks
        .iter()
        .map(|m| {
            let x = scale.x(m.distance_m);
            let anchor = match x {
                x if x < 100.0 => "start",
                x if x > 900.0 => "end",
                _ => "middle",
            };
            format!(
                "<g class=\"mark\"><line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"20\" y2=\"122\" stroke=\"#555\"/>\
                 <text x=\"{x:.1}\" y=\"150\" text-anchor=\"{anchor}\" font-size=\"{PROFILE_FONT}\">{}</text></g>",
                escape(&m.name)
            )
        })
        .collect();
    let known = if info.profile.is_empty() {
        "the course file gives no elevations"
    } else {
        "elevation along the course"
    };
    format!(
        "<figure id=\"course-profile\"><svg viewBox=\"0 0 1000 160\" role=\"img\" \
         aria-labelledby=\"course-profile-caption\">\
         <path d=\"{}\" fill=\"#c8dcf0\" stroke=\"#1565c0\"/>{marks}</svg>\
         <figcaption id=\"course-profile-caption\">Profile: {known}</figcaption></figure>",
        profile_path(info, &scale)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::race::Race;

    #[test]
    fn every_mark_is_drawn_on_the_map_and_the_profile() {
        let race = Race::new(std::sync::Arc::new(crate::event::Event::demo()));
        let info = race.event_info();
        let html = course(&info);
        for mark in &info.marks {
            let name = escape(&mark.name);
            assert_eq!(
                html.matches(&format!(">{name}</text>")).count(),
                2,
                "{name}"
            );
        }
        assert!(html.contains("<polyline points=\""), "{html}");
    }
}
