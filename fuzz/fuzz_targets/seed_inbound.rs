//! The seed spectate protocol (`/` and `/spectate`): one text frame from a seed client.
//!
//! Every frame gets a message or an error frame, never a panic. A fix, sent back in
//! the shape followers receive it (`SeedFix`), parses to the same fix; a hello,
//! written out again, parses to the same hello.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use spectate_app::protocol::seed::{SeedError, SeedFix, SeedInbound};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let msg = match SeedInbound::parse(text) {
        Ok(msg) => msg,
        Err(err) => {
            let _ = SeedError::encode(&err);
            return;
        }
    };
    let encoded = match &msg {
        SeedInbound::Fix { user_id, position } => serde_json::to_string(&SeedFix {
            user_id,
            lat: position.lat(),
            lng: position.lng(),
        })
        .expect("a seed fix serializes"),
        SeedInbound::Hello {
            following,
            user_id,
            token,
        } => json!({
            "initialRequest": true,
            "following": following,
            "userId": user_id,
            "token": token,
        })
        .to_string(),
    };
    match SeedInbound::parse(&encoded) {
        Ok(again) => assert_eq!(again, msg, "{text:?} -> {encoded}"),
        Err(err) => panic!("{text:?} encodes as {encoded}, which does not parse: {err}"),
    }
});
