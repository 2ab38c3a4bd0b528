//! The organiser's console frame: its links, in one list that both kinds of console
//! page draw their header from, so the two cannot drift apart.
//!
//! - The plain server-rendered pages (`/admin`, `/admin/runners...`, `/admin/race`, ...)
//!   get theirs from the server (`console::frame::header`).
//! - The Leptos pages (`/admin/monitor`) from `pages::console::header::ConsoleHeader`.
//!
//! Always compiled (no Leptos here): the server builds its HTML from the same list.

use serde::{Deserialize, Serialize};

/// One link of the console's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsoleLink {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
}

/// The console's pages, in the order of a race day's work.
pub const CONSOLE_LINKS: &[ConsoleLink] = &[
    ConsoleLink {
        href: "/admin/monitor",
        label: "Monitor",
    },
    ConsoleLink {
        href: "/admin/runners",
        label: "Runners",
    },
    ConsoleLink {
        href: "/admin/runners/import",
        label: "Import",
    },
    ConsoleLink {
        href: "/admin/race",
        label: "Race control",
    },
    ConsoleLink {
        href: "/admin/event",
        label: "Event",
    },
];

/// The link of the page at `path` (marked `aria-current="page"`): the longest one
/// whose address `path` is or is under, so `/admin/runners/7` is Runners' and
/// `/admin/runners/import` Import's.
pub fn current_link(path: &str) -> Option<&'static ConsoleLink> {
    CONSOLE_LINKS
        .iter()
        .filter(|link| {
            path.strip_prefix(link.href)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .max_by_key(|link| link.href.len())
}

/// What the header says besides its links: who is signed in, and the event's name.
/// Put in the request by the server's guard of the console's pages; the Leptos
/// header carries it from the server's render into the browser.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleFrame {
    /// The signed-in organiser's name.
    pub organiser: String,
    /// The event's name, if the server tracks one.
    pub event: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::current_link;

    #[test]
    fn the_current_link_is_the_longest_that_the_path_is_under() {
        let label = |path| current_link(path).map(|l| l.label);
        assert_eq!(label("/admin/monitor"), Some("Monitor"));
        assert_eq!(label("/admin/runners"), Some("Runners"));
        assert_eq!(label("/admin/runners/7"), Some("Runners"));
        assert_eq!(label("/admin/runners/import"), Some("Import"));
        assert_eq!(label("/admin/race"), Some("Race control"));
        assert_eq!(label("/admin/racetrack"), None);
        assert_eq!(label("/admin"), None);
    }
}
