//! Protocol v1 (`/ws`): one text frame from a client.
//!
//! Every frame gets a message or an error frame, never a panic; a parsed message
//! survives encode -> parse unchanged (topics too, through their text); a publish's
//! data is checked against its topic without a panic, and a checked publication goes
//! to the topic it was sent on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectate_app::protocol::{ClientMsg, Publication, ServerMsg, Topic};

fuzz_target!(|data: &[u8]| {
    // The socket hands the parser text frames only, and text frames are UTF-8.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let msg = match ClientMsg::parse(text) {
        Ok(msg) => msg,
        Err(err) => {
            // What the client is told.
            let _ = ServerMsg::error(None, &err).encode();
            return;
        }
    };
    let encoded = msg.encode();
    match ClientMsg::parse(&encoded) {
        Ok(again) => assert_eq!(again, msg, "{text:?} -> {encoded}"),
        Err(err) => panic!("{text:?} encodes as {encoded}, which does not parse: {err}"),
    }
    match &msg {
        ClientMsg::Publish { topic, data, .. } => {
            if let Ok(publication) = Publication::parse(topic, data.clone()) {
                assert_eq!(&publication.topic(), topic);
            }
        }
        ClientMsg::Subscribe { topics, resume, .. } => {
            let resumed = resume.iter().flat_map(|r| r.since.keys());
            for topic in topics.iter().chain(resumed) {
                assert_round_trip(topic);
            }
        }
        ClientMsg::Unsubscribe { topics, .. } => topics.iter().for_each(assert_round_trip),
        ClientMsg::Auth { .. } | ClientMsg::Ping { .. } => {}
    }
});

fn assert_round_trip(topic: &Topic) {
    let text = topic.to_string();
    assert_eq!(Topic::parse(&text).ok().as_ref(), Some(topic), "{text}");
}
