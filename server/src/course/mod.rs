//! A course: a GPX track as a polyline with the cumulative distance at each point, so
//! "where is a runner who has covered d metres" is a binary search and a lerp, and
//! "how far along is this waypoint" is a nearest-point search. The GPX file's named
//! waypoints come along, for checkpoints defined by name.

mod gpx_check;
mod grid;

use std::io::Cursor;

use spectate_app::protocol::LatLng;

pub use self::gpx_check::GpxProblem;
use self::grid::SegmentGrid;

/// The real run bundled for the demo (see `assets/demo/README.md` for its licence).
pub const DEMO_GPX: &str = include_str!("../../assets/demo/garmin-activity.gpx");

/// Why a GPX file could not become a course.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// The file has problems, each at its line ([`gpx_check`]).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Lines(Vec<GpxProblem>),
    /// The XML did not parse as GPX.
    #[error("not a readable GPX file: {0}")]
    Gpx(String),
    /// Fewer than two usable points.
    #[error("the track has {0} usable points; a course needs at least 2")]
    TooShort(usize),
}

impl CourseError {
    /// Each problem in words: one per line of [`CourseError::Lines`], else one.
    pub fn messages(&self) -> Vec<String> {
        match self {
            Self::Lines(problems) => problems.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// Where a point lies relative to the course line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    /// Distance from the start along the course, metres.
    pub along_m: f64,
    /// Distance from the line, metres.
    pub off_m: f64,
}

/// A polyline with distances.
#[derive(Clone, Debug)]
pub struct Course {
    points: Vec<LatLng>,
    /// `distances[i]` is the length in metres from the start to `points[i]`.
    distances: Vec<f64>,
    /// Named waypoints of the GPX file.
    waypoints: Vec<(String, LatLng)>,
    /// Elevation in metres at each point, where the GPX file gives it.
    elevations: Vec<Option<f64>>,
    /// The segments near each place, for [`Course::candidates`]; `None` for a course
    /// too sparse to index (its candidates come from a full scan).
    grid: Option<SegmentGrid>,
}

impl Course {
    /// Reads every track point of a GPX document, in order.
    pub fn from_gpx(text: &str) -> Result<Self, CourseError> {
        let problems = gpx_check::check(text);
        if !problems.is_empty() {
            return Err(CourseError::Lines(problems));
        }
        let gpx = gpx::read(Cursor::new(text)).map_err(|e| CourseError::Gpx(e.to_string()))?;
        let (points, elevations): (Vec<LatLng>, Vec<Option<f64>>) = gpx
            .tracks
            .iter()
            .flat_map(|t| &t.segments)
            .flat_map(|s| &s.points)
            .filter_map(|w| {
                let p = w.point();
                Some((LatLng::parse(p.y(), p.x()).ok()?, w.elevation))
            })
            .unzip();
        let waypoints = gpx
            .waypoints
            .iter()
            .filter_map(|w| {
                let p = w.point();
                Some((w.name.clone()?, LatLng::parse(p.y(), p.x()).ok()?))
            })
            .collect();
        Ok(Self {
            waypoints,
            elevations,
            ..Self::from_points(points)?
        })
    }

    /// A course through `points`.
    pub fn from_points(points: Vec<LatLng>) -> Result<Self, CourseError> {
        if points.len() < 2 {
            return Err(CourseError::TooShort(points.len()));
        }
        let mut distances = Vec::with_capacity(points.len());
        let mut total = 0.0;
        distances.push(0.0);
        for pair in points.windows(2) {
            total += pair[0].distance_m(&pair[1]);
            distances.push(total);
        }
        Ok(Self {
            grid: SegmentGrid::new(&points),
            points,
            distances,
            waypoints: Vec::new(),
            elevations: Vec::new(),
        })
    }

    /// Every place on the course line near `p`: for each segment whose closest point
    /// is within `max_off_m` of `p`, the distance along the course of that closest
    /// point and how far `p` is from it. A loop or an out-and-back passes some places
    /// twice; the caller picks the candidate consistent with the runner's progress.
    pub fn candidates(&self, p: LatLng, max_off_m: f64) -> Vec<Projection> {
        match &self.grid {
            Some(grid) if max_off_m <= grid::REACH_M => {
                self.project(p, max_off_m, grid.near(p).iter().map(|&i| i as usize))
            }
            _ => self.project(p, max_off_m, 1..self.points.len()),
        }
    }

    /// [`Course::candidates`] among the segments `segments` (segment `i` joins points
    /// `i - 1` and `i`).
    fn project(
        &self,
        p: LatLng,
        max_off_m: f64,
        segments: impl Iterator<Item = usize>,
    ) -> Vec<Projection> {
        // Metres per degree around `p`: fine for segments a few hundred metres long.
        let ky = 110_540.0;
        let kx = 111_320.0 * p.lat().to_radians().cos();
        let local = |q: &LatLng| ((q.lng() - p.lng()) * kx, (q.lat() - p.lat()) * ky);
        let mut out = Vec::new();
        for i in segments {
            let (ax, ay) = local(&self.points[i - 1]);
            let (bx, by) = local(&self.points[i]);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            // `p` is the origin: project it onto A + t (B - A).
            let t = if len2 > 0.0 {
                (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (cx, cy) = (ax + t * dx, ay + t * dy);
            let off_m = (cx * cx + cy * cy).sqrt();
            if off_m <= max_off_m {
                let (d0, d1) = (self.distances[i - 1], self.distances[i]);
                out.push(Projection {
                    along_m: d0 + t * (d1 - d0),
                    off_m,
                });
            }
        }
        out
    }

    /// The GPX waypoint called `name`, if the file has one.
    pub fn waypoint(&self, name: &str) -> Option<LatLng> {
        self.waypoints
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| *p)
    }

    /// The names of the GPX file's waypoints, in file order.
    pub fn waypoint_names(&self) -> impl Iterator<Item = &str> {
        self.waypoints.iter().map(|(n, _)| n.as_str())
    }

    /// How far along the course the track point nearest to `p` is, in metres. GPX
    /// tracks are dense (a point every few metres), so the nearest point is as good as
    /// the nearest spot on a segment for placing a checkpoint.
    pub fn distance_of(&self, p: LatLng) -> f64 {
        self.points
            .iter()
            .zip(&self.distances)
            .min_by(|(a, _), (b, _)| a.distance_m(&p).total_cmp(&b.distance_m(&p)))
            .map_or(0.0, |(_, d)| *d)
    }

    /// The bundled demo course.
    pub fn demo() -> Self {
        Self::from_gpx(DEMO_GPX).expect("the bundled demo GPX is valid")
    }

    /// Total length in metres.
    pub fn length_m(&self) -> f64 {
        *self.distances.last().unwrap_or(&0.0)
    }

    /// The elevation `d` metres along the course (from the nearest point before it
    /// that has one), if the course file gives elevations.
    pub fn elevation_at(&self, d: f64) -> Option<f64> {
        let i = self
            .distances
            .partition_point(|&x| x <= d)
            .saturating_sub(1);
        self.elevations
            .get(..=i.min(self.elevations.len().checked_sub(1)?))?
            .iter()
            .rev()
            .find_map(|e| *e)
    }

    /// The position `d` metres along the course, clamped to its ends.
    pub fn position_at(&self, d: f64) -> LatLng {
        let d = d.clamp(0.0, self.length_m());
        let i = self
            .distances
            .partition_point(|&x| x <= d)
            .clamp(1, self.points.len() - 1);
        let (d0, d1) = (self.distances[i - 1], self.distances[i]);
        let t = if d1 > d0 { (d - d0) / (d1 - d0) } else { 0.0 };
        let (a, b) = (self.points[i - 1], self.points[i]);
        LatLng::parse(
            a.lat() + (b.lat() - a.lat()) * t,
            a.lng() + (b.lng() - a.lng()) * t,
        )
        .unwrap_or(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_course_is_the_real_12_8_km_run() {
        let course = Course::demo();
        let km = course.length_m() / 1000.0;
        assert!((12.5..13.1).contains(&km), "{km} km");
        assert_eq!(course.points.len(), 988);
    }

    #[test]
    fn positions_interpolate_and_clamp() {
        let a = LatLng::parse(0.0, 0.0).unwrap();
        let b = LatLng::parse(0.0, 0.01).unwrap();
        let course = Course::from_points(vec![a, b]).unwrap();
        let mid = course.position_at(course.length_m() / 2.0);
        assert!((mid.lng() - 0.005).abs() < 1e-9);
        assert_eq!(course.position_at(-5.0), a);
        assert_eq!(course.position_at(1e9), b);
    }

    #[test]
    fn an_out_and_back_course_offers_both_passes_of_a_place() {
        // 0 -> 1 km east -> back to 0: the point 250 m east is passed twice.
        let a = LatLng::parse(0.0, 0.0).unwrap();
        let b = LatLng::parse(0.0, 0.008_983).unwrap();
        let course = Course::from_points(vec![a, b, a]).unwrap();
        let p = LatLng::parse(0.0001, 0.002_246).unwrap();
        let mut found: Vec<f64> = course
            .candidates(p, 50.0)
            .iter()
            .map(|c| c.along_m)
            .collect();
        found.sort_by(f64::total_cmp);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!((found[0] - 250.0).abs() < 3.0, "{found:?}");
        assert!((found[1] - 1750.0).abs() < 3.0, "{found:?}");
        assert!(
            course
                .candidates(LatLng::parse(0.01, 0.0).unwrap(), 50.0)
                .is_empty()
        );
    }

    #[test]
    fn the_grid_finds_exactly_what_a_full_scan_finds() {
        let course = Course::demo();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut near = 0;
        for _ in 0..2000 {
            // Around a random track point, up to ~300 m away.
            let base = course.points[rng.usize(..course.points.len())];
            let p = LatLng::parse(
                base.lat() + (rng.f64() - 0.5) * 0.006,
                base.lng() + (rng.f64() - 0.5) * 0.008,
            )
            .unwrap();
            for max_off in [30.0, 100.0, grid::REACH_M] {
                let fast = course.candidates(p, max_off);
                let full = course.project(p, max_off, 1..course.points.len());
                assert_eq!(fast, full, "at {p:?} within {max_off} m");
                near += usize::from(!full.is_empty());
            }
        }
        // The comparison means something only if many points have candidates.
        assert!(near > 2000, "{near}");
    }

    #[test]
    fn the_length_is_the_haversine_sum_of_the_track_points() {
        // Computed here independently of `LatLng::distance_m`.
        let text = DEMO_GPX;
        let gpx = gpx::read(Cursor::new(text)).unwrap();
        let pts: Vec<(f64, f64)> = gpx.tracks[0]
            .segments
            .iter()
            .flat_map(|s| &s.points)
            .map(|w| (w.point().y().to_radians(), w.point().x().to_radians()))
            .collect();
        let haversine: f64 = pts
            .windows(2)
            .map(|w| {
                let ((la1, lo1), (la2, lo2)) = (w[0], w[1]);
                let h = ((la2 - la1) / 2.0).sin().powi(2)
                    + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
                2.0 * 6_371_008.8 * h.sqrt().asin()
            })
            .sum();
        let length = Course::demo().length_m();
        assert!(
            (length - haversine).abs() / haversine < 0.005,
            "{length} m against {haversine} m"
        );
    }

    #[test]
    fn a_course_across_the_globe_is_read_without_indexing_billions_of_cells() {
        // Found by the `course_gpx` fuzz target: one segment from (-80, -179) to
        // (80, 179) would be listed in 11 billion grid cells (a hang, then out of memory).
        let gpx = r#"<?xml version="1.0"?>
<gpx version="1.1" creator="fuzz"><trk><trkseg>
<trkpt lat="-80" lon="-179"></trkpt><trkpt lat="80" lon="179"></trkpt>
</trkseg></trk></gpx>"#;
        let course = Course::from_gpx(gpx).unwrap();
        assert!(course.grid.is_none());
        let start = course.position_at(0.0);
        assert_eq!(course.candidates(start, 50.0).len(), 1);
        assert_eq!(course.candidates(start, grid::REACH_M).len(), 1);
        // A real course still has its grid.
        assert!(Course::demo().grid.is_some());
    }

    #[test]
    fn rejects_garbage_and_single_points() {
        assert!(matches!(
            Course::from_gpx("<nope"),
            Err(CourseError::Gpx(_))
        ));
        let one = vec![LatLng::parse(1.0, 1.0).unwrap()];
        assert!(matches!(
            Course::from_points(one),
            Err(CourseError::TooShort(1))
        ));
    }
}
