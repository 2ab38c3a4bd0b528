//! Ingestion: every runner's fix, whichever door it comes through, goes through one
//! [`Intake`].
//!
//! The doors parse their format into one [`DeviceFix`] (units normalised: metres per
//! second, milliseconds since the epoch) and check who may publish for whom; the
//! intake does the rest, the same way for all:
//!
//! - [`owntracks`]: OwnTracks in HTTP mode (`POST /api/owntracks`).
//! - [`osmand`]: the OsmAnd protocol as Traccar Client and OsmAnd send it
//!   (`/api/osmand`, query or form parameters, or Traccar Client 9's JSON), with
//!   [`device_lookups`] keeping one address from enumerating device ids.
//! - [`batch`]: a JSON array of fixes (`POST /api/fixes`, bearer token).
//! - the sockets: protocol v1 (`/ws`) and the seed protocol (`/spectate`), in
//!   `crate::sockets`.
//!
//! [`check`] and [`intake`] hold the rules, in order: the readings are finite
//! (non-finite is refused; an impossible speed, accuracy or battery is dropped); not
//! from the far future; an exact duplicate is dropped; a jump faster than the event's
//! speed limit, by the device's own times, is dropped; a fix older than the runner's
//! latest is stored (it belongs to the track) but never replaces the live position.
//! Then the fix is stored, and only once the [`crate::store::Store`] has committed it
//! is it published (`Hub`'s publishing, which feeds the race and the field through
//! `Hub::record_fix`) and acknowledged. What became of it is one [`FixOutcome`], or
//! one [`Refusal`]; each door turns them into its own answer ([`error`] for HTTP,
//! `sockets::publishing` for error frames).
//! Each outcome is counted in `/metrics` (`spectate_ingest_total{outcome}`).

pub mod batch;
pub mod check;
pub mod device_lookups;
pub mod error;
pub mod intake;
pub mod osmand;
pub mod owntracks;

use spectate_app::protocol::LatLng;

pub use check::{CheckedFix, MAX_CLOCK_AHEAD_MS, Refusal};
pub use intake::Intake;
pub use spectate_app::protocol::FixOutcome;

/// A fix as a door received it, in our units, not yet checked.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceFix {
    /// Where.
    pub position: LatLng,
    /// When the device took it, ms since the Unix epoch; `None` if it gave no time
    /// (the time of arrival then stands in).
    pub taken_ms: Option<u64>,
    /// Speed over ground, metres per second.
    pub speed_mps: Option<f64>,
    /// Accuracy radius, metres.
    pub accuracy_m: Option<f64>,
    /// Altitude, metres.
    pub altitude_m: Option<f64>,
    /// Battery, percent.
    pub battery_pct: Option<f64>,
}

impl DeviceFix {
    /// A position and nothing else, as the sockets carry it.
    pub fn at(position: LatLng, taken_ms: Option<u64>) -> Self {
        Self {
            position,
            taken_ms,
            speed_mps: None,
            accuracy_m: None,
            altitude_m: None,
            battery_pct: None,
        }
    }
}
