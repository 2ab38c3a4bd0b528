//! OwnTracks in HTTP mode (`/api/owntracks`): the body of a POST.
//!
//! Every body decodes to a fix on Earth, to "not a location" (answered `[]`), or to
//! an error with a message, never a panic; the intake's checks then refuse the fix
//! with a reason or keep only finite, possible readings.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use spectate_server::fuzz_api;

fuzz_target!(|data: &[u8]| {
    match fuzz_api::owntracks(data) {
        Ok(Some(fix)) => common::assert_checked(&fix),
        Ok(None) => {}
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
