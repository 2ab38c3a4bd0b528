//! The OsmAnd protocol (`/api/osmand`): query parameters, a form body, or Traccar
//! Client's JSON body.
//!
//! Input: one byte whose lowest bit says whether the request was sent as
//! `application/json`; then, for JSON, the body; otherwise the query string, a
//! newline, and the form body. A query string that is not a valid URI is skipped: the
//! HTTP layer refuses it before the handler runs. Every request decodes to a device
//! id and a fix on Earth, or to an error with a message, never a panic; the intake's
//! checks then refuse the fix with a reason or keep only finite, possible readings.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use spectate_server::fuzz_api;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let is_json = flags & 1 == 1;
    let (query, body) = if is_json {
        (None, rest)
    } else {
        let cut = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let Ok(query) = std::str::from_utf8(&rest[..cut]) else {
            return;
        };
        let Ok(uri) = format!("/api/osmand?{query}").parse::<http::Uri>() else {
            return;
        };
        (
            uri.query().map(str::to_owned),
            rest.get(cut + 1..).unwrap_or_default(),
        )
    };
    match fuzz_api::osmand(is_json, query.as_deref(), body) {
        Ok((_device, fix)) => common::assert_checked(&fix),
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
