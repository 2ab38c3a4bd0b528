//! The rules a fix must pass before anything else, needing no history: every reading
//! finite (impossible ones dropped), the time not in the far future; and [`Refusal`],
//! every reason the intake refuses a fix, which each door turns into its own answer.

use spectate_app::protocol::ProtocolError;

use super::DeviceFix;

/// How far ahead of the server's clock a device's time may be.
pub const MAX_CLOCK_AHEAD_MS: u64 = 5 * 60 * 1000;

/// Why the intake refused a fix: none of it was stored or published (except after a
/// failed publish, see [`Refusal::NotPublished`]).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The device's clock is ahead of the server's by more than [`MAX_CLOCK_AHEAD_MS`].
    #[error("the fix is timestamped {ahead_s} s in the future; check the device's clock")]
    FromTheFuture {
        /// How far ahead, in seconds.
        ahead_s: u64,
    },
    /// A reading is NaN or infinite.
    #[error("{reading} is not a finite number")]
    NotFinite {
        /// Which reading.
        reading: &'static str,
    },
    /// The store could not commit it (a full disk, a locked database): send it again.
    #[error("the fix could not be stored ({0}); send it again")]
    NotStored(String),
    /// It cannot be published: in a cluster whose Redis is unreachable (refused before
    /// anything is stored), or when the topic table is full.
    #[error("{0}")]
    NotPublished(#[from] ProtocolError),
}

impl Refusal {
    /// The label counted in `spectate_ingest_total{outcome}`.
    pub(super) fn label(&self) -> &'static str {
        match self {
            Self::FromTheFuture { .. } => "far_future",
            Self::NotFinite { .. } => "not_finite",
            Self::NotStored(_) => "store_failed",
            Self::NotPublished(_) => "not_published",
        }
    }
}

/// A fix that passed the rules that need no history: its readings finite (impossible
/// ones dropped), its time not in the future.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedFix {
    pub(crate) fix: DeviceFix,
    pub(crate) taken_ms: u64,
    /// Whether `taken_ms` is the device's own time (else the arrival time).
    pub(super) device_time: bool,
    pub(super) received_ms: u64,
}

impl CheckedFix {
    /// When it was taken, ms since the Unix epoch.
    pub fn taken_ms(&self) -> u64 {
        self.taken_ms
    }
}

/// The rules that need no history, with `now` as the server's time.
pub(crate) fn check_at(fix: &DeviceFix, now: u64) -> Result<CheckedFix, Refusal> {
    let finite = |reading, value: Option<f64>| match value {
        Some(v) if !v.is_finite() => Err(Refusal::NotFinite { reading }),
        other => Ok(other),
    };
    // A negative speed or accuracy and a battery outside 0..=100 are how apps say
    // they do not know (Traccar Client sends a battery of -1): dropped, not refused,
    // so that the position, which is good, is kept.
    let speed_mps = finite("speed", fix.speed_mps)?.filter(|s| *s >= 0.0);
    let accuracy_m = finite("accuracy", fix.accuracy_m)?.filter(|a| *a >= 0.0);
    // Below sea level is real: the shore of the Dead Sea is at -430 m.
    let altitude_m = finite("altitude", fix.altitude_m)?;
    let battery_pct = finite("battery", fix.battery_pct)?.filter(|b| (0.0..=100.0).contains(b));
    let (taken_ms, device_time) = fix.taken_ms.map_or((now, false), |t| (t, true));
    if taken_ms > now + MAX_CLOCK_AHEAD_MS {
        return Err(Refusal::FromTheFuture {
            ahead_s: (taken_ms - now) / 1000,
        });
    }
    Ok(CheckedFix {
        fix: DeviceFix {
            speed_mps,
            accuracy_m,
            altitude_m,
            battery_pct,
            position: fix.position,
            taken_ms: fix.taken_ms,
        },
        taken_ms,
        device_time,
        received_ms: now,
    })
}

#[cfg(test)]
mod tests {
    use spectate_app::protocol::LatLng;

    use super::*;

    #[test]
    fn readings_must_be_finite_and_impossible_ones_are_dropped() {
        let now = 1_700_000_000_000;
        let with = |speed, accuracy, altitude, battery| DeviceFix {
            speed_mps: speed,
            accuracy_m: accuracy,
            altitude_m: altitude,
            battery_pct: battery,
            ..DeviceFix::at(LatLng::parse(1.0, 0.0).unwrap(), Some(now))
        };
        let refused = |f: DeviceFix| check_at(&f, now).unwrap_err().to_string();
        assert!(refused(with(Some(f64::INFINITY), None, None, None)).contains("speed"));
        assert!(refused(with(None, Some(f64::NAN), None, None)).contains("accuracy"));
        assert!(refused(with(None, None, Some(f64::NEG_INFINITY), None)).contains("altitude"));
        assert!(refused(with(None, None, None, Some(f64::NAN))).contains("battery"));
        let kept = check_at(&with(Some(-1.0), Some(-5.0), Some(-12.0), Some(-1.0)), now).unwrap();
        assert_eq!(
            (
                kept.fix.speed_mps,
                kept.fix.accuracy_m,
                kept.fix.altitude_m,
                kept.fix.battery_pct
            ),
            (None, None, Some(-12.0), None)
        );
        let future = check_at(
            &DeviceFix::at(LatLng::parse(1.0, 0.0).unwrap(), Some(now + 3_600_000)),
            now,
        )
        .unwrap_err();
        assert!(matches!(future, Refusal::FromTheFuture { ahead_s: 3600 }));
        let untimed = check_at(&DeviceFix::at(LatLng::parse(1.0, 0.0).unwrap(), None), now);
        assert_eq!(
            untimed.map(|f| (f.taken_ms, f.device_time)).unwrap(),
            (now, false)
        );
    }
}
