//! The course on the live map: its line on the canvas, and its checkpoints as dots
//! with labels that the declutter pass places first ([`super::declutter`]).

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::{declutter::Side, labels::MapLabel, marks::drawn_marks};
use crate::{
    components::leaflet::{self as l, Map},
    race_data::RaceSignals,
};

/// A checkpoint's label, with its place and the radius of its dot.
pub(crate) struct MarkLabel {
    pub(super) at: (f64, f64),
    pub(super) radius: f64,
    pub(super) label: MapLabel,
}

/// Pixels between a checkpoint's point and its label (the tooltip's offset).
pub(super) const MARK_OFFSET: f64 = 8.0;
/// Draws the course and its marks on the canvas; returns the course's points and the
/// marks' labels.
pub(super) fn draw_course(
    map: &Map,
    renderer: &JsValue,
    race: RaceSignals,
) -> (Vec<(f64, f64)>, Vec<MarkLabel>) {
    let Some(event) = race.event.get_untracked() else {
        return (Vec::new(), Vec::new());
    };
    let course: Vec<(f64, f64)> = event.line.iter().map(|&[a, b]| (a, b)).collect();
    let opts = l::options(r##"{"color":"#1c3d5a","weight":5,"opacity":0.55,"interactive":false}"##);
    l::set(&opts, "renderer", renderer.clone());
    l::polyline(&l::latlngs(course.iter().copied()), &opts).add_to(map);
    let mut labels = Vec::new();
    for (name, at, end) in drawn_marks(&event.marks) {
        let opts = l::options(if end {
            r##"{"radius":8,"weight":3,"color":"#1c3d5a","fillColor":"#ffffff","fillOpacity":1}"##
        } else {
            r##"{"radius":5,"weight":2,"color":"#1c3d5a","fillColor":"#ffd43b","fillOpacity":1}"##
        });
        l::set(&opts, "renderer", renderer.clone());
        let dot = l::circle_marker(&l::latlng(at[0], at[1]), &opts).add_to(map);
        let Ok(tag) = document().create_element("span") else {
            continue;
        };
        let tag: web_sys::HtmlElement = tag.unchecked_into();
        tag.set_class_name("mark-tag");
        tag.set_text_content(Some(&name));
        let options = l::options(
            r#"{"permanent":true,"direction":"top","className":"mark-label","interactive":false}"#,
        );
        l::set(
            &options,
            "offset",
            js_sys::Array::of2(&0.into(), &(-MARK_OFFSET).into()),
        );
        dot.bind_tooltip(&tag, &options);
        if let Some(label) = MapLabel::of(&dot, None, Side::Top) {
            labels.push(MarkLabel {
                at: (at[0], at[1]),
                radius: if end { 8.0 } else { 5.0 },
                label,
            });
        }
    }
    (course, labels)
}
