//! The organisers' announcement: one message at a time (a course change, the
//! weather) for the spectators' pages, the runners' pages, or both, shown as a
//! banner. It reaches pages in their first paint ([`super::race::RaceView`]) and then
//! live as an `announcement` frame to every subscriber of `board`, a topic that both
//! the map and the runner's page already take.

use serde::{Deserialize, Serialize};

/// Who an announcement is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The spectators' pages (the map).
    Spectators,
    /// The runners' own pages (`/track`).
    Runners,
    /// Both.
    Both,
}

impl Audience {
    /// The name sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spectators => "spectators",
            Self::Runners => "runners",
            Self::Both => "both",
        }
    }

    /// The audience a name stands for.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Spectators, Self::Runners, Self::Both]
            .into_iter()
            .find(|a| a.as_str() == text)
    }

    /// Whether the spectators' pages show it.
    pub fn spectators(self) -> bool {
        matches!(self, Self::Spectators | Self::Both)
    }

    /// Whether the runners' pages show it.
    pub fn runners(self) -> bool {
        matches!(self, Self::Runners | Self::Both)
    }
}

/// The message, as pages receive it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The text, as the organiser wrote it (pages show it as text, never as HTML).
    pub text: String,
    /// Who it is for.
    pub audience: Audience,
    /// When it was published, ms since the Unix epoch (names it: a page that
    /// dismissed this one shows the next).
    pub at_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_read_back_and_say_who_sees_them() {
        for audience in [Audience::Spectators, Audience::Runners, Audience::Both] {
            assert_eq!(Audience::parse(audience.as_str()), Some(audience));
        }
        assert_eq!(Audience::parse("everyone"), None);
        assert!(Audience::Both.spectators() && Audience::Both.runners());
        assert!(!Audience::Runners.spectators() && !Audience::Spectators.runners());
    }
}
