//! OwnTracks in HTTP mode (`/api/owntracks`): the body of a POST.
//!
//! Every body decodes to a fix on Earth, to "not a location" (answered `[]`), or to
//! an error with a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectate_server::fuzz_api;

fuzz_target!(|data: &[u8]| {
    match fuzz_api::owntracks(data) {
        Ok(Some(fix)) => {
            let p = fix.position;
            assert!((-90.0..=90.0).contains(&p.lat()) && (-180.0..=180.0).contains(&p.lng()));
        }
        Ok(None) => {}
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
