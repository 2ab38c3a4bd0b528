//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off in every
//! normal build): each runs one decoder of outside input as its handler does, with no
//! server, socket or store around it. The decoders that are public anyway (the
//! protocol's `parse`, [`crate::auth::TokenKeys::verify`], [`crate::course::Course::from_gpx`])
//! are fuzzed directly; this module reaches only the ones the handlers keep to
//! themselves.

use std::path::Path;

use spectate_app::protocol::RunnerId;

pub use crate::ingest::{DeviceFix, Refusal, error::IngestError};
use crate::{
    event::{Event, EventErrors},
    ingest::{batch, check, osmand, owntracks},
};

/// `/api/osmand`: the device id and fix of a request with this query string and
/// body; `is_json` says whether its `Content-Type` was `application/json`.
pub fn osmand(
    is_json: bool,
    query: Option<&str>,
    body: &[u8],
) -> Result<(String, DeviceFix), IngestError> {
    osmand::decode(is_json, query, body)
}

/// `/api/owntracks`: the fix a body carries, `None` for a message that is not a
/// location (answered `[]` and ignored). The handler identifies the sender between
/// the two steps.
pub fn owntracks(body: &[u8]) -> Result<Option<DeviceFix>, IngestError> {
    let message = owntracks::Message::parse(body)?;
    if !message.is_location() {
        return Ok(None);
    }
    message.fix().map(Some)
}

/// `/api/fixes`: every runner and fix of a batch, in request order (the handler checks
/// each runner's token before its fix).
pub fn batch(body: &[u8]) -> Result<Vec<(RunnerId, DeviceFix)>, IngestError> {
    batch::parse(body)?
        .into_iter()
        .enumerate()
        .map(|(i, fix)| fix.into_device_fix(i))
        .collect()
}

/// An event file's text, checked against the course `course_gpx` (whatever path the
/// file names), as `spectate serve --event` and `spectate event check` read it.
pub fn event(text: &str, course_gpx: &str) -> Result<Event, EventErrors> {
    Event::parse_with(text, Path::new("event.toml"), |_| Ok(course_gpx.to_owned()))
}

/// The intake's rules that need no history, which every door runs on a decoded fix
/// with `now_ms` as the server's time: the fix as it would be stored (impossible
/// readings dropped) and the time it is stored under, or why it is refused.
pub fn check(fix: &DeviceFix, now_ms: u64) -> Result<(DeviceFix, u64), Refusal> {
    check::check_at(fix, now_ms).map(|checked| (checked.fix, checked.taken_ms))
}
