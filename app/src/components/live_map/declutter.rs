//! Which of the map's labels to show, and where, so that none covers another.
//!
//! Every label is a box beside its point: a checkpoint's above its mark, a runner's to
//! the right of their dot, or to the left, below or above when the right is taken (on an
//! out-and-back course, outbound and returning runners meet on the line). Labels are
//! placed in order of rank: checkpoints first (nothing ever covers them), then
//! followed runners (in follow order), then the rest of the field. A label that
//! finds no free side is hidden, and the runner label it ran into counts it: "7 +3"
//! reads "runner 7 and three more here". Followed runners' and checkpoints' dots are
//! obstacles too: a bib never hides the runner someone follows, and so are the map's
//! controls (its zoom buttons). A side whose label stays inside the visible map is
//! taken before one that would run off its edge (seen at 360 px: a followed runner's
//! label cut by the left edge while its right side was free); a label with no free
//! side inside is placed as before, on its first free side.
//!
//! Pure geometry in pixels, with no browser in it: the live map calls it with the
//! labels' points (Leaflet's layer points) and their sizes, measured once, and the
//! static SVG map with its own projection and sizes estimated from the text. A pass
//! over the few dozen labels a map carries (every runner of a small field, the
//! followed runners of a large one) is a few thousand box tests: it runs on every
//! animation frame that moves a label without costing the frame.

/// A box in pixels: left, top, right, bottom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// A square of half-width `r` around `(x, y)`: a dot.
    pub fn around((x, y): (f64, f64), r: f64) -> Self {
        Self {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        }
    }

    /// Whether the two boxes share any area (touching edges do not count).
    pub fn hits(&self, other: &Self) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    /// Whether `inner` lies wholly within this box.
    pub fn holds(&self, inner: &Self) -> bool {
        self.x0 <= inner.x0 && inner.x1 <= self.x1 && self.y0 <= inner.y0 && inner.y1 <= self.y1
    }

    /// Wider by `dx` on the right.
    #[cfg(test)]
    fn widened(self, dx: f64) -> Self {
        Self {
            x1: self.x1 + dx,
            ..self
        }
    }
}

/// Who wins a place: lower ranks are placed first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// A checkpoint: never covered.
    Mark,
    /// A followed runner.
    Followed,
    /// Any other runner.
    Field,
}

/// Where a label sits beside its point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// To the right, centred vertically.
    Right,
    /// To the left, centred vertically.
    Left,
    /// Above, centred horizontally.
    Top,
    /// Below, centred horizontally.
    Bottom,
}

/// Sides a runner's label may take, in order of preference.
pub const RUNNER_SIDES: &[Side] = &[Side::Right, Side::Left, Side::Bottom, Side::Top];
/// A checkpoint's label is always above its mark.
pub const MARK_SIDES: &[Side] = &[Side::Top];

/// One label to place.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Label {
    /// The point it belongs to, in pixels.
    pub at: (f64, f64),
    /// Its width and height, in pixels.
    pub size: (f64, f64),
    /// Pixels between the point and the label's pointer.
    pub gap: f64,
    /// The pointer's length, between `gap` and the label's box (counted as part of
    /// the label: nothing may cover it either).
    pub pointer: f64,
    /// Its rank.
    pub rank: Rank,
    /// Whether it was shown by the previous pass: among equals, labels already on
    /// screen keep their place, so labels do not flicker as runners move.
    pub was_shown: bool,
    /// The sides it may take, in order of preference.
    pub sides: &'static [Side],
}

/// What became of a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Shown (on `side`), or hidden.
    pub shown: bool,
    /// The side it takes (its first side when hidden).
    pub side: Side,
    /// Hidden labels counted into this one ("+3"); 0 for none.
    pub more: usize,
}

/// Half the width of a label's pointer (Leaflet's tooltip arrow is 12 px wide).
const POINTER_HALF: f64 = 6.0;

/// The box of `label` on `side`: the label itself, without its pointer.
pub fn body(label: &Label, side: Side) -> Rect {
    let (x, y) = label.at;
    let (w, h) = label.size;
    let far = label.gap + label.pointer;
    match side {
        Side::Right => Rect {
            x0: x + far,
            y0: y - h / 2.0,
            x1: x + far + w,
            y1: y + h / 2.0,
        },
        Side::Left => Rect {
            x0: x - far - w,
            y0: y - h / 2.0,
            x1: x - far,
            y1: y + h / 2.0,
        },
        Side::Top => Rect {
            x0: x - w / 2.0,
            y0: y - far - h,
            x1: x + w / 2.0,
            y1: y - far,
        },
        Side::Bottom => Rect {
            x0: x - w / 2.0,
            y0: y + far,
            x1: x + w / 2.0,
            y1: y + far + h,
        },
    }
}

/// The narrow box of `label`'s pointer on `side`, between its point and its body.
fn pointer(label: &Label, side: Side) -> Rect {
    let (x, y) = label.at;
    let (near, far) = (label.gap, label.gap + label.pointer);
    match side {
        Side::Right => Rect {
            x0: x + near,
            y0: y - POINTER_HALF,
            x1: x + far,
            y1: y + POINTER_HALF,
        },
        Side::Left => Rect {
            x0: x - far,
            y0: y - POINTER_HALF,
            x1: x - near,
            y1: y + POINTER_HALF,
        },
        Side::Top => Rect {
            x0: x - POINTER_HALF,
            y0: y - far,
            x1: x + POINTER_HALF,
            y1: y - near,
        },
        Side::Bottom => Rect {
            x0: x - POINTER_HALF,
            y0: y + near,
            x1: x + POINTER_HALF,
            y1: y + far,
        },
    }
}

/// A placed label: its body and its pointer.
#[derive(Clone, Copy, Debug)]
struct Shape {
    body: Rect,
    pointer: Rect,
}

impl Shape {
    fn of(label: &Label, side: Side) -> Self {
        Self {
            body: body(label, side),
            pointer: pointer(label, side),
        }
    }

    fn hits(&self, other: &Self) -> bool {
        self.body.hits(&other.body)
            || self.body.hits(&other.pointer)
            || self.pointer.hits(&other.body)
            || self.pointer.hits(&other.pointer)
    }
}

/// How much wider a label grows to say "+`more`" (a bold 11 px figure, with room to
/// spare: an estimate that is never short).
pub fn more_width(more: usize) -> f64 {
    if more == 0 {
        0.0
    } else {
        let digits = more.to_string().len() as f64;
        8.0 + 8.0 * (digits + 1.0)
    }
}

/// Places `labels`. `obstacles` are dots (and controls) that runner labels must not
/// cover, each with the label it belongs to (its own label may cover it), if any; a
/// pointer may cross a dot (runners at one place each point at their own). `frame`:
/// the visible area, whose free sides are taken first. Returns one placement per
/// label, in the order given.
pub fn declutter(
    labels: &[Label],
    obstacles: &[(Rect, Option<usize>)],
    frame: Option<Rect>,
) -> Vec<Placement> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by_key(|&i| (labels[i].rank, !labels[i].was_shown, i));
    let mut out: Vec<Placement> = labels
        .iter()
        .map(|l| Placement {
            shown: false,
            side: l.sides.first().copied().unwrap_or(Side::Right),
            more: 0,
        })
        .collect();
    // Labels placed so far.
    let mut placed: Vec<(Shape, usize)> = Vec::with_capacity(labels.len());
    for &i in &order {
        let label = &labels[i];
        if label.size.0 <= 0.0 || label.size.1 <= 0.0 {
            continue;
        }
        let free = |shape: &Shape| {
            let label_hit = placed.iter().find(|(p, _)| p.hits(shape)).map(|&(_, j)| j);
            let dot_hit = label.rank != Rank::Mark
                && obstacles
                    .iter()
                    .any(|(o, owner)| *owner != Some(i) && o.hits(&shape.body));
            (label_hit, !dot_hit && label_hit.is_none())
        };
        let inside = |shape: &Shape| frame.is_none_or(|f| f.holds(&shape.body));
        // A free side inside the frame, else any free side.
        let chosen = label
            .sides
            .iter()
            .map(|&side| (side, Shape::of(label, side)))
            .filter(|(_, shape)| inside(shape))
            .chain(
                label
                    .sides
                    .iter()
                    .map(|&side| (side, Shape::of(label, side))),
            )
            .find(|(_, shape)| free(shape).1);
        let first_hit = label
            .sides
            .first()
            .and_then(|&side| free(&Shape::of(label, side)).0);
        if let Some((side, shape)) = chosen {
            out[i].shown = true;
            out[i].side = side;
            placed.push((shape, i));
        }
        // Hidden: counted by the runner label it ran into.
        if !out[i].shown
            && label.rank != Rank::Mark
            && let Some(j) = first_hit.filter(|&j| labels[j].rank != Rank::Mark)
        {
            out[j].more += 1;
        }
    }
    // A label that counts others grows; where the wider box would touch another
    // label (as grown so far) or a dot, it keeps its size and the count goes unsaid.
    for k in 0..placed.len() {
        let (shape, i) = placed[k];
        if out[i].more == 0 {
            continue;
        }
        let grow = more_width(out[i].more);
        let b = shape.body;
        let grown = Shape {
            body: match out[i].side {
                Side::Left => Rect {
                    x0: b.x0 - grow,
                    ..b
                },
                Side::Top | Side::Bottom => Rect {
                    x0: b.x0 - grow / 2.0,
                    x1: b.x1 + grow / 2.0,
                    ..b
                },
                Side::Right => Rect {
                    x1: b.x1 + grow,
                    ..b
                },
            },
            ..shape
        };
        let clash = placed.iter().any(|&(p, j)| j != i && p.hits(&grown))
            || obstacles
                .iter()
                .any(|(o, owner)| *owner != Some(i) && o.hits(&grown.body) && !o.hits(&b));
        if clash {
            out[i].more = 0;
        } else {
            placed[k].0 = grown;
        }
    }
    out
}

#[cfg(test)]
mod tests;
