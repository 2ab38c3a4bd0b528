//! What became of a runner's fix that the server took in: the same four words on
//! every way in (the `X-Spectate-Outcome` header of the tracker endpoints, the
//! `outcomes` of `/api/fixes`, the `outcome` of a v1 `ack`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The outcome of a fix that was taken in (a refused fix gets an error instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixOutcome {
    /// Stored, and published to the runner's followers as their live position.
    Published,
    /// The same fix (time and place) was already taken: nothing was stored again.
    Duplicate,
    /// Older than the runner's latest fix: stored (it belongs to the track) but kept
    /// out of the live position.
    Late,
    /// Would need a speed above the event's limit from the latest fix: a GPS glitch,
    /// dropped (not stored).
    ImpossibleJump,
}

impl FixOutcome {
    /// The snake_case name used on the wire and in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Duplicate => "duplicate",
            Self::Late => "late",
            Self::ImpossibleJump => "impossible_jump",
        }
    }
}

impl fmt::Display for FixOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_name_is_the_serde_name() {
        for outcome in [
            FixOutcome::Published,
            FixOutcome::Duplicate,
            FixOutcome::Late,
            FixOutcome::ImpossibleJump,
        ] {
            let json = serde_json::to_string(&outcome).unwrap();
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
        }
    }
}
