//! The field stream (`field` topic): where every runner of the event is, at a cost per
//! spectator that does not grow with the field.
//!
//! A spectator's map shows the whole field, but follows only a few runners closely.
//! Sending every fix of every runner to every spectator costs each of them (and the
//! server) as much as the field is large: 5,000 runners at a fix every 5 s is 1,000
//! messages a second per spectator. The field stream instead carries, once every
//! cadence (1 s by default), one frame with the latest position of each runner that
//! moved since the previous frame. The server encodes each frame once for all its
//! spectators; a new subscriber gets one `full` frame of every runner's latest
//! position (no histories), then the deltas.
//!
//! A frame is compact JSON: positions are whole numbers of 1e-5 degree (about a metre)
//! from the frame's origin, and the age of each fix is in tenths of a second before the
//! frame's time, so a row of bib 1234 reads `[1234,-1520,2311,4]` (a numeric bib is a
//! number on the wire, as everywhere in the protocol; other bibs are strings).

use serde::{Deserialize, Serialize};

use super::RunnerId;

/// Position units per degree in a [`FieldRow`] (1e-5 degree is about 1.1 m).
pub const FIELD_SCALE: f64 = 1e5;

/// One runner in a field frame: `[bib, lat, lng, age]`, where `lat` and `lng` are
/// whole [`FIELD_SCALE`] units from the frame's origin and `age` is how long before
/// the frame's time the fix was taken, in tenths of a second.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRow(pub RunnerId, pub i32, pub i32, pub u32);

impl FieldRow {
    /// The row of `runner` at `(lat, lng)`, taken at `taken_ms`, in a frame made at
    /// `frame_ms` around `origin`.
    pub fn new(
        runner: RunnerId,
        (lat, lng): (f64, f64),
        taken_ms: u64,
        origin: [f64; 2],
        frame_ms: u64,
    ) -> Self {
        let unit = |x: f64, o: f64| ((x - o) * FIELD_SCALE).round() as i32;
        let age = frame_ms.saturating_sub(taken_ms) / 100;
        Self(
            runner,
            unit(lat, origin[0]),
            unit(lng, origin[1]),
            u32::try_from(age).unwrap_or(u32::MAX),
        )
    }

    /// The runner.
    pub fn runner(&self) -> &RunnerId {
        &self.0
    }

    /// The position, `(lat, lng)` in degrees, given the frame's origin.
    pub fn position(&self, origin: [f64; 2]) -> (f64, f64) {
        (
            origin[0] + f64::from(self.1) / FIELD_SCALE,
            origin[1] + f64::from(self.2) / FIELD_SCALE,
        )
    }

    /// When the fix was taken, ms since the Unix epoch, given the frame's time.
    pub fn taken_ms(&self, frame_ms: u64) -> u64 {
        frame_ms.saturating_sub(u64::from(self.3) * 100)
    }
}

/// An origin near `(lat, lng)`, rounded so that frames of one event share it.
pub fn origin_near(lat: f64, lng: f64) -> [f64; 2] {
    [(lat * 100.0).round() / 100.0, (lng * 100.0).round() / 100.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_round_trips_its_position_and_time_to_a_metre_and_a_tenth() {
        let origin = origin_near(48.8566, 2.3522);
        let bib = RunnerId::parse("1234").unwrap();
        let row = FieldRow::new(bib.clone(), (48.87012, 2.33311), 9_500, origin, 10_000);
        let (lat, lng) = row.position(origin);
        assert!((lat - 48.87012).abs() < 1e-5 && (lng - 2.33311).abs() < 1e-5);
        assert_eq!(row.taken_ms(10_000), 9_500);
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(json, r#"[1234,1012,-1689,5]"#);
        assert_eq!(serde_json::from_str::<FieldRow>(&json).unwrap(), row);
    }
}
