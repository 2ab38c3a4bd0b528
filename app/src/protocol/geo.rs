//! Coordinates: a [`LatLng`] can only be built from finite, in-range degrees.

use serde::{Deserialize, Serialize};

use super::errors::ProtocolError;

/// A WGS84 position in degrees, known to be finite with |lat| <= 90 and |lng| <= 180.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawLatLng")]
pub struct LatLng {
    lat: f64,
    lng: f64,
}

/// The unchecked shape on the wire, turned into a [`LatLng`] by [`LatLng::parse`].
#[derive(Deserialize)]
struct RawLatLng {
    lat: f64,
    lng: f64,
}

impl TryFrom<RawLatLng> for LatLng {
    type Error = ProtocolError;
    fn try_from(raw: RawLatLng) -> Result<Self, Self::Error> {
        LatLng::parse(raw.lat, raw.lng)
    }
}

impl LatLng {
    /// Checks both degrees and builds the position, or says which one is wrong.
    pub fn parse(lat: f64, lng: f64) -> Result<Self, ProtocolError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(ProtocolError::BadCoordinates(format!(
                "lat {lat} is outside -90..=90"
            )));
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(ProtocolError::BadCoordinates(format!(
                "lng {lng} is outside -180..=180"
            )));
        }
        Ok(Self { lat, lng })
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lng(&self) -> f64 {
        self.lng
    }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    pub fn distance_m(&self, other: &LatLng) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lng - self.lng).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_edges_and_rejects_beyond() {
        assert!(LatLng::parse(90.0, 180.0).is_ok());
        assert!(LatLng::parse(-90.0, -180.0).is_ok());
        assert!(LatLng::parse(90.0001, 0.0).is_err());
        assert!(LatLng::parse(0.0, -180.5).is_err());
        assert!(LatLng::parse(f64::NAN, 0.0).is_err());
        assert!(LatLng::parse(0.0, f64::INFINITY).is_err());
    }

    #[test]
    fn deserializing_checks_the_range() {
        let err = serde_json::from_str::<LatLng>(r#"{"lat":91,"lng":0}"#).unwrap_err();
        assert!(err.to_string().contains("lat 91"), "{err}");
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let a = LatLng::parse(0.0, 0.0).unwrap();
        let b = LatLng::parse(1.0, 0.0).unwrap();
        assert!((a.distance_m(&b) - 111_195.0).abs() < 10.0);
    }
}
