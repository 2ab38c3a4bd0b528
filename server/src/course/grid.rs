//! A grid over a course's segments, so that "which segments pass within 100 m of this
//! fix" looks at a handful of segments instead of every one of the course's
//! thousands: each fix of every runner asks it, and a full scan was the largest cost
//! of OsmAnd ingestion in `spectate load ingest` (13% of the server's CPU).
//!
//! Cells are squares of [`CELL_M`] metres in a local equirectangular frame around the
//! course. Each segment is listed in every cell its bounding box, grown by
//! [`REACH_M`], touches; so every segment within `REACH_M` of a point is listed in
//! that point's own cell, and a query reads one cell.

use std::{collections::HashMap, ops::RangeInclusive};

use spectate_app::protocol::LatLng;

/// Side of a cell, metres.
const CELL_M: f64 = 250.0;
/// How far from a point the grid promises to find segments, metres.
pub(super) const REACH_M: f64 = 150.0;

/// Most entries (segment listed in a cell) a grid may hold. A segment across a
/// continent would be listed in billions of cells; a course that needs more than this
/// (never a real one: its points are metres to a few hundred metres apart) gets no grid
/// and is projected by a full scan.
const MAX_ENTRIES: u64 = 4_000_000;

/// Segment indices (segment `i` joins points `i - 1` and `i`) by cell.
#[derive(Clone, Debug)]
pub(super) struct SegmentGrid {
    /// Metres per degree of longitude at the course's latitude.
    kx: f64,
    cells: HashMap<(i64, i64), Vec<u32>>,
}

/// Metres per degree of latitude.
const KY: f64 = 110_540.0;

impl SegmentGrid {
    /// The grid of the polyline through `points`, or `None` if it would hold more than
    /// [`MAX_ENTRIES`] entries.
    pub(super) fn new(points: &[LatLng]) -> Option<Self> {
        let mean_lat = points.iter().map(LatLng::lat).sum::<f64>() / points.len().max(1) as f64;
        // At least 1 m per degree, so that a course at a pole still indexes.
        let kx = (111_320.0 * mean_lat.to_radians().cos()).max(1.0);
        let mut grid = Self {
            kx,
            cells: HashMap::new(),
        };
        let boxes: Vec<_> = points
            .windows(2)
            .map(|pair| grid.cells_near(&pair[0], &pair[1]))
            .collect();
        let span = |r: &RangeInclusive<i64>| r.end().abs_diff(*r.start()).saturating_add(1);
        let entries = boxes
            .iter()
            .map(|(xs, ys)| span(xs).saturating_mul(span(ys)))
            .fold(0, u64::saturating_add);
        if entries > MAX_ENTRIES {
            return None;
        }
        for (i, (xs, ys)) in boxes.into_iter().enumerate() {
            for cx in xs {
                for cy in ys.clone() {
                    grid.cells.entry((cx, cy)).or_default().push(i as u32 + 1);
                }
            }
        }
        Some(grid)
    }

    /// The cells that the bounding box of the segment from `a` to `b`, grown by
    /// [`REACH_M`], touches: columns and rows.
    fn cells_near(&self, a: &LatLng, b: &LatLng) -> (RangeInclusive<i64>, RangeInclusive<i64>) {
        let (ax, ay) = self.metres(a);
        let (bx, by) = self.metres(b);
        let cell = |v: f64| (v / CELL_M).floor() as i64;
        (
            cell(ax.min(bx) - REACH_M)..=cell(ax.max(bx) + REACH_M),
            cell(ay.min(by) - REACH_M)..=cell(ay.max(by) + REACH_M),
        )
    }

    /// The segments that may pass within [`REACH_M`] of `p`, in course order.
    pub(super) fn near(&self, p: LatLng) -> &[u32] {
        let (x, y) = self.metres(&p);
        let key = ((x / CELL_M).floor() as i64, (y / CELL_M).floor() as i64);
        self.cells.get(&key).map_or(&[], Vec::as_slice)
    }

    fn metres(&self, p: &LatLng) -> (f64, f64) {
        (p.lng() * self.kx, p.lat() * KY)
    }
}
