//! A course: a GPX track as a polyline with the cumulative distance at each point, so
//! "where is a runner who has covered d metres" is a binary search and a lerp, and
//! "how far along is this waypoint" is a nearest-point search. The GPX file's named
//! waypoints come along, for checkpoints defined by name.

use std::io::Cursor;

use spectate_app::protocol::LatLng;

/// The real run bundled for the demo (see `assets/demo/README.md` for its licence).
pub const DEMO_GPX: &str = include_str!("../assets/demo/garmin-activity.gpx");

/// Why a GPX file could not become a course.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// The XML did not parse as GPX.
    #[error("not a readable GPX file: {0}")]
    Gpx(String),
    /// Fewer than two usable points.
    #[error("the track has {0} usable points; a course needs at least 2")]
    TooShort(usize),
}

/// A polyline with distances.
#[derive(Clone, Debug)]
pub struct Course {
    points: Vec<LatLng>,
    /// `distances[i]` is the length in metres from the start to `points[i]`.
    distances: Vec<f64>,
    /// Named waypoints of the GPX file.
    waypoints: Vec<(String, LatLng)>,
}

impl Course {
    /// Reads every track point of a GPX document, in order.
    pub fn from_gpx(text: &str) -> Result<Self, CourseError> {
        let gpx = gpx::read(Cursor::new(text)).map_err(|e| CourseError::Gpx(e.to_string()))?;
        let points: Vec<LatLng> = gpx
            .tracks
            .iter()
            .flat_map(|t| &t.segments)
            .flat_map(|s| &s.points)
            .filter_map(|w| {
                let p = w.point();
                LatLng::parse(p.y(), p.x()).ok()
            })
            .collect();
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
            points,
            distances,
            waypoints: Vec::new(),
        })
    }

    /// The GPX waypoint called `name`, if the file has one.
    pub fn waypoint(&self, name: &str) -> Option<LatLng> {
        self.waypoints
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| *p)
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
