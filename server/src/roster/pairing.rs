//! Pairing a runner's phone: what each way in needs, made from the runner and a fresh
//! token of theirs.
//!
//! - The runner page: `/track?token=…`, as a link and a QR code.
//! - OwnTracks (HTTP mode): its settings as an `owntracks:///config?inline=` link, the
//!   base64 of a `configuration` message, which the app offers to load when opened
//!   (from a tap or a scanned QR code). The app posts to `url` with Basic auth when
//!   both `username` and `password` are set (user = bib, password = token, as
//!   [`crate::ingest::owntracks`] expects), and names `deviceId` in `X-Limit-D`.
//!   The query is percent-decoded by the app before the base64 is read, so the
//!   base64's `+`, `/` and `=` are percent-encoded.
//! - Traccar Client (the OsmAnd protocol): the server URL and the device id, which
//!   must be one of the runner's devices (the protocol has no other credential).

use std::time::Duration;

use base64::Engine;
use serde_json::json;

use crate::event::Runner;

/// How long a token made for pairing stays valid: a multi-day race and the days
/// before it.
pub(crate) const PAIRING_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// What a runner's phone needs.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pairing {
    /// The runner page with the token.
    pub(crate) track_link: String,
    /// The OwnTracks endpoint.
    pub(crate) owntracks_url: String,
    /// OwnTracks' user: the bib.
    pub(crate) owntracks_user: String,
    /// OwnTracks' password: the token.
    pub(crate) owntracks_password: String,
    /// The one-tap OwnTracks configuration link.
    pub(crate) owntracks_link: String,
    /// Traccar Client's server URL.
    pub(crate) traccar_url: String,
    /// Traccar Client's device id: the runner's first device, if they have one.
    pub(crate) traccar_device: Option<String>,
}

/// The pairing of `runner` on the server at `origin` (`https://host`), with `token`.
pub(crate) fn pairing(origin: &str, runner: &Runner, token: &str) -> Pairing {
    let owntracks_url = format!("{origin}/api/owntracks");
    let bib = runner.bib.to_string();
    let device_id = runner
        .devices
        .first()
        .cloned()
        .unwrap_or_else(|| bib.clone());
    // The tracker id on the app's map: two letters or digits.
    let tid: String = bib
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .rev()
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let config = json!({
        "_type": "configuration",
        "mode": 3,
        "url": owntracks_url,
        "username": bib,
        "password": token,
        "deviceId": device_id,
        "tid": tid,
    });
    let encoded = base64::engine::general_purpose::STANDARD.encode(config.to_string());
    let owntracks_link = format!(
        "owntracks:///config?inline={}",
        super::pages::url_part(&encoded)
    );
    Pairing {
        track_link: format!("{origin}/track?token={token}"),
        owntracks_user: bib,
        owntracks_password: token.to_owned(),
        owntracks_link,
        owntracks_url,
        traccar_url: format!("{origin}/api/osmand"),
        traccar_device: runner.devices.first().cloned(),
    }
}

#[cfg(test)]
mod tests {
    use spectate_app::protocol::RunnerId;

    use super::*;

    #[test]
    fn the_owntracks_link_decodes_to_the_runners_http_settings() {
        let runner = Runner {
            bib: RunnerId::parse("A-17").unwrap(),
            name: "Ada".into(),
            category: None,
            devices: vec!["ada-phone".into()],
        };
        let paired = pairing("https://race.example", &runner, "t0k+/=");
        let query = paired
            .owntracks_link
            .strip_prefix("owntracks:///config?inline=")
            .unwrap();
        assert!(!query.contains(['+', '/', '=']), "{query}");
        let base64: String = percent_decode(query);
        let json = base64::engine::general_purpose::STANDARD
            .decode(base64)
            .unwrap();
        let config: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(config["_type"], "configuration");
        assert_eq!(config["mode"], 3);
        assert_eq!(config["url"], "https://race.example/api/owntracks");
        assert_eq!(config["username"], "A-17");
        assert_eq!(config["password"], "t0k+/=");
        assert_eq!(config["deviceId"], "ada-phone");
        assert_eq!(config["tid"], "17");
        assert_eq!(paired.track_link, "https://race.example/track?token=t0k+/=");
        assert_eq!(paired.traccar_device.as_deref(), Some("ada-phone"));
    }

    fn percent_decode(text: &str) -> String {
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
