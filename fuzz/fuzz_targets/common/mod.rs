//! What every tracker door's target asserts of a decoded fix: the intake's rules
//! that need no history (`ingest::check`) either refuse it with a reason, or keep it
//! with every reading finite and possible.

use spectate_server::fuzz_api::{self, DeviceFix, Refusal};

/// The server's clock in these targets: fixed, so that a run is reproducible.
pub const NOW_MS: u64 = 1_764_000_000_000;

/// Runs the intake's checks on `fix` and asserts what they promise.
pub fn assert_checked(fix: &DeviceFix) {
    let p = fix.position;
    assert!((-90.0..=90.0).contains(&p.lat()) && (-180.0..=180.0).contains(&p.lng()));
    match fuzz_api::check(fix, NOW_MS) {
        Ok((kept, taken_ms)) => {
            assert_eq!(kept.position, fix.position);
            assert!(
                kept.speed_mps.is_none_or(|s| s.is_finite() && s >= 0.0),
                "{kept:?}"
            );
            assert!(
                kept.accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0),
                "{kept:?}"
            );
            assert!(kept.altitude_m.is_none_or(f64::is_finite), "{kept:?}");
            assert!(
                kept.battery_pct.is_none_or(|b| (0.0..=100.0).contains(&b)),
                "{kept:?}"
            );
            assert!(taken_ms <= NOW_MS + spectate_server::ingest::MAX_CLOCK_AHEAD_MS);
            assert_eq!(taken_ms, fix.taken_ms.unwrap_or(NOW_MS));
        }
        Err(Refusal::NotFinite { reading }) => {
            let value = match reading {
                "speed" => fix.speed_mps,
                "accuracy" => fix.accuracy_m,
                "altitude" => fix.altitude_m,
                "battery" => fix.battery_pct,
                other => panic!("refused an unknown reading {other}"),
            };
            assert!(value.is_some_and(|v| !v.is_finite()), "{fix:?}");
        }
        Err(Refusal::FromTheFuture { .. }) => {
            assert!(
                fix.taken_ms
                    .is_some_and(|t| t > NOW_MS + spectate_server::ingest::MAX_CLOCK_AHEAD_MS)
            );
        }
        Err(other) => panic!("the checks that need no history refused with {other}"),
    }
}
