//! The batch endpoint (`/api/fixes`): the JSON body of a POST.
//!
//! Every body decodes to at most `MAX_BATCH` fixes or to one error with a message,
//! never a panic; the fixes, written out again in the documented format, decode to
//! the same fixes in the same order; the intake's checks refuse each with a reason or
//! keep only finite, possible readings.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use spectate_server::{fuzz_api, ingest::batch::MAX_BATCH};

fuzz_target!(|data: &[u8]| {
    let fixes = match fuzz_api::batch(data) {
        Ok(fixes) => fixes,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    assert!(fixes.len() <= MAX_BATCH);
    for (_, fix) in &fixes {
        common::assert_checked(fix);
    }
    let written: Vec<serde_json::Value> = fixes
        .iter()
        .map(|(runner, fix)| {
            json!({
                "runner": runner,
                "lat": fix.position.lat(),
                "lng": fix.position.lng(),
                "t": fix.taken_ms,
                "speed": fix.speed_mps,
                "accuracy": fix.accuracy_m,
                "altitude": fix.altitude_m,
                "battery": fix.battery_pct,
            })
        })
        .collect();
    let encoded = serde_json::to_string(&written).expect("fixes serialize");
    match fuzz_api::batch(encoded.as_bytes()) {
        Ok(again) => assert_eq!(again, fixes, "{encoded}"),
        Err(err) => panic!("{encoded} does not decode: {err}"),
    }
});
