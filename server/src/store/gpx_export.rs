//! A runner's stored track as a GPX 1.1 document, written with the `gpx` crate, for
//! `GET /api/runners/{bib}/track.gpx`.

use gpx::{Gpx, GpxVersion, Track, TrackSegment, Waypoint};

use super::StoredFix;

/// The GPX text of `fixes` (one track, one segment), named `name`.
pub fn to_gpx(name: &str, fixes: &[StoredFix]) -> Result<String, String> {
    let mut segment = TrackSegment::new();
    for fix in fixes {
        let mut point = Waypoint::new(geo_types::Point::new(
            fix.position.lng(),
            fix.position.lat(),
        ));
        point.elevation = fix.altitude_m;
        point.speed = fix.speed_mps;
        point.time =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(fix.taken_ms) * 1_000_000)
                .ok()
                .map(Into::into);
        segment.points.push(point);
    }
    let mut track = Track::new();
    track.name = Some(name.to_owned());
    track.segments.push(segment);
    let document = Gpx {
        version: GpxVersion::Gpx11,
        creator: Some("Spectate".into()),
        tracks: vec![track],
        ..Gpx::default()
    };
    let mut out = Vec::new();
    gpx::write(&document, &mut out).map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}
