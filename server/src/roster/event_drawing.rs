//! The course as the event page draws it, before anything is saved elsewhere: the
//! line with its start, checkpoints and finish on a plain SVG map, and the elevation
//! profile with the same marks, so an organiser sees where each checkpoint fell.
//!
//! Drawn on the server from the race's [`EventInfo`] (the line every 25 m, the
//! profile every 50 m), so it needs no script and no map tiles. The profile's scale
//! is the spectators' ([`spectate_app::components::course_progress`]).

use spectate_app::{
    components::course_progress::{Scale, profile_path},
    protocol::race::EventInfo,
};

use crate::console::sign_in::escape;

const MAP_W: f64 = 600.0;
const MAP_H: f64 = 400.0;
const PAD: f64 = 24.0;

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
    let scale = ((MAP_W - 2.0 * PAD) / span_x).min((MAP_H - 2.0 * PAD) / span_y);
    let at = |[lat, lng]: [f64; 2]| {
        let x = PAD + (lng - lng0) * squash * scale;
        let y = PAD + (lat1 - lat) * scale;
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
    let marks: String = info
        .marks
        .iter()
        .map(|m| {
            let (x, y) = at(m.at);
            format!(
                "<g class=\"mark\"><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
                x + 9.0,
                y + 4.0,
                escape(&m.name)
            )
        })
        .collect();
    format!(
        "<figure id=\"course-map\"><svg viewBox=\"0 0 {MAP_W} {MAP_H}\" role=\"img\" \
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
            format!(
                "<g class=\"mark\"><line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"20\" y2=\"122\"/>\
                 <text x=\"{x:.1}\" y=\"140\">{}</text></g>",
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
        "<figure id=\"course-profile\"><svg viewBox=\"0 0 1000 150\" role=\"img\" \
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
