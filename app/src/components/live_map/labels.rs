//! A label on the live map as the declutter pass sees it ([`super::declutter`]): a
//! Leaflet tooltip whose size is measured once (and again only when its text
//! changes), shown or hidden with a class, turned to the other side of its point by
//! changing the tooltip's direction, and saying "+3" for the labels it stands for.
//!
//! Nothing here reads layout on a frame unless a label is new or its text changed:
//! where a label goes is arithmetic on its point and its cached size.

use wasm_bindgen::JsValue;

use super::declutter::{Placement, Side};
use crate::components::leaflet::{self as l, Layer};

/// The class that hides a label (`visibility: hidden`: it keeps its size, so Leaflet
/// still places it right, and it is neither drawn nor in the way of a tap).
const HIDDEN: &str = "label-hidden";
/// Pixels between a runner's point and their label (the tooltip's `offset`).
pub(crate) const RUNNER_OFFSET: f64 = 9.0;

/// One label of the map.
pub(crate) struct MapLabel {
    tooltip: l::Tooltip,
    /// Where "+3" is written (runner labels).
    more: Option<web_sys::HtmlElement>,
    /// Width and height of the tooltip's box without its "+3", once measured.
    size: Option<(f64, f64)>,
    /// What the last pass made of it.
    placed: Placement,
}

impl MapLabel {
    /// The label bound to `layer`, drawn on `side` for now.
    pub(crate) fn of(
        layer: &Layer,
        more: Option<web_sys::HtmlElement>,
        side: Side,
    ) -> Option<Self> {
        Some(Self {
            tooltip: layer.get_tooltip()?,
            more,
            size: None,
            placed: Placement {
                shown: true,
                side,
                more: 0,
            },
        })
    }

    /// Its text changed: measured again on the next pass.
    pub(crate) fn resized(&mut self) {
        self.size = None;
        let _ = self.tooltip.resized();
    }

    /// Its size, measured now if it is not known (one layout read, for new labels and
    /// changed text only).
    pub(crate) fn size(&mut self) -> Option<(f64, f64)> {
        if self.size.is_none()
            && let Some(el) = self.tooltip.get_element()
        {
            let more = self.more.as_ref().map_or(0, |m| m.offset_width());
            let (w, h) = (el.offset_width() - more, el.offset_height());
            if w > 0 && h > 0 {
                self.size = Some((f64::from(w), f64::from(h)));
            }
        }
        self.size
    }

    /// Whether the last pass showed it.
    pub(crate) fn shown(&self) -> bool {
        self.placed.shown
    }

    /// Applies a pass's placement: only what changed touches the page.
    pub(crate) fn apply(&mut self, p: Placement) {
        if p.shown != self.placed.shown
            && let Some(el) = self.tooltip.get_element()
        {
            let _ = el.class_list().toggle_with_force(HIDDEN, !p.shown);
        }
        self.placed.shown = p.shown;
        if p.shown && p.side != self.placed.side {
            let options = js_sys::Reflect::get(&self.tooltip, &"options".into())
                .unwrap_or(JsValue::UNDEFINED);
            // Marks never move (their offset stays); runners' labels turn around
            // their dot.
            let (direction, dx, dy) = match p.side {
                Side::Right => ("right", RUNNER_OFFSET, 0.0),
                Side::Left => ("left", -RUNNER_OFFSET, 0.0),
                Side::Bottom => ("bottom", 0.0, RUNNER_OFFSET),
                Side::Top => ("top", 0.0, -RUNNER_OFFSET),
            };
            l::set(&options, "direction", direction);
            l::set(
                &options,
                "offset",
                js_sys::Array::of2(&dx.into(), &dy.into()),
            );
            self.tooltip.update();
            self.placed.side = p.side;
        }
        let more = if p.shown { p.more } else { 0 };
        if more != self.placed.more {
            if let Some(m) = &self.more {
                m.set_text_content((more > 0).then(|| format!("+{more}")).as_deref());
                // Leaflet places the label by its whole box, "+3" included: placed
                // again now (its box read once), not at its marker's next move.
                self.tooltip.update();
            }
            self.placed.more = more;
        }
    }
}
