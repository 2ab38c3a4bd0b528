//! `/embed`: the live map and the leaderboard for an iframe on the race's own site
//! (issue 19). The same page as `/`, without the site's header, the search and the
//! cheers, with its options in the query:
//!
//! - `follow=12,57`: the runners highlighted (as on `/`);
//! - `height=480`: the map's height in CSS pixels ([`MIN_HEIGHT`] to [`MAX_HEIGHT`];
//!   the race site sizes its iframe to match);
//! - `board=0`: no leaderboard (the default shows it).
//!
//! Which sites may frame it is the server's `--embed-origin` option: its answer says
//! `Content-Security-Policy: frame-ancestors 'self' <origins>`, and every other page
//! `frame-ancestors 'self'`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{pages::runner_map::MapPage, protocol::RunnerId};

/// The map's height when the query gives none, CSS pixels.
pub const DEFAULT_HEIGHT: u32 = 480;
/// The smallest map height: below it the course does not fit with its labels.
pub const MIN_HEIGHT: u32 = 200;
/// The tallest map height.
pub const MAX_HEIGHT: u32 = 2000;

/// How the embedded page is laid out, from its query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbedView {
    /// The map's height, CSS pixels.
    pub height: u32,
    /// Whether the leaderboard is shown.
    pub board: bool,
}

impl EmbedView {
    /// The view a query asks for: a missing or unreadable height is the default, one
    /// out of range is brought into it; `board` is off only for `0`, `false` or `no`.
    pub fn parse(height: Option<&str>, board: Option<&str>) -> Self {
        let height = height
            .and_then(|h| h.trim().trim_end_matches("px").parse::<u32>().ok())
            .map_or(DEFAULT_HEIGHT, |h| h.clamp(MIN_HEIGHT, MAX_HEIGHT));
        let board = !matches!(
            board.map(str::trim).map(str::to_ascii_lowercase).as_deref(),
            Some("0" | "false" | "no")
        );
        Self { height, board }
    }

    /// This view's address with `ids` followed: following from the board stays in
    /// the frame, with the same options.
    pub fn href(&self, ids: &[RunnerId]) -> String {
        let mut href = format!("/embed?height={}", self.height);
        if !self.board {
            href.push_str("&board=0");
        }
        if !ids.is_empty() {
            let joined: Vec<&str> = ids.iter().map(RunnerId::as_str).collect();
            href.push_str("&follow=");
            href.push_str(&joined.join(","));
        }
        href
    }
}

/// The embedded map page.
#[component]
pub fn EmbedPage() -> impl IntoView {
    let query = use_query_map();
    // Read once: following from the board changes only `follow`.
    let view = query.with_untracked(|q| EmbedView::parse(q.get_str("height"), q.get_str("board")));
    view! { <MapPage embed=view/> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_sets_the_height_within_bounds_and_the_board() {
        assert_eq!(
            EmbedView::parse(None, None),
            EmbedView {
                height: DEFAULT_HEIGHT,
                board: true
            }
        );
        assert_eq!(EmbedView::parse(Some("640"), Some("0")).height, 640);
        assert!(!EmbedView::parse(Some("640"), Some("0")).board);
        assert!(!EmbedView::parse(None, Some("No")).board);
        assert!(EmbedView::parse(None, Some("1")).board);
        assert_eq!(EmbedView::parse(Some("320px"), None).height, 320);
        assert_eq!(EmbedView::parse(Some("10"), None).height, MIN_HEIGHT);
        assert_eq!(EmbedView::parse(Some("99999"), None).height, MAX_HEIGHT);
        assert_eq!(EmbedView::parse(Some("tall"), None).height, DEFAULT_HEIGHT);
    }

    #[test]
    fn following_keeps_the_frames_options() {
        let view = EmbedView::parse(Some("300"), Some("0"));
        let ids = [
            RunnerId::parse("7").unwrap(),
            RunnerId::parse("12").unwrap(),
        ];
        assert_eq!(view.href(&ids), "/embed?height=300&board=0&follow=7,12");
        assert_eq!(EmbedView::parse(None, None).href(&[]), "/embed?height=480");
    }
}
