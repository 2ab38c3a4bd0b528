//! What the runner page says about its link and a refused token: the truth, in plain
//! words ("Offline, 3 fixes waiting"), from the socket's state, the browser's word on
//! the network and the fixes still queued.

use crate::{live::LinkStatus, protocol::ErrorCode};

/// What the runner sees about their link: the truth, in a few words.
pub(super) fn link_text(
    status: LinkStatus,
    online: bool,
    tracking: bool,
    waiting: usize,
) -> (&'static str, String) {
    let fixes = |n: usize| {
        if n == 1 {
            "1 fix".to_owned()
        } else {
            format!("{n} fixes")
        }
    };
    match (status, online) {
        (LinkStatus::Live, true) if waiting > 0 => (
            "live",
            format!("Live, sending {} that waited", fixes(waiting)),
        ),
        (LinkStatus::Live, true) if tracking => ("live", "Live: sharing your position".to_owned()),
        (LinkStatus::Live, true) => (
            "live",
            "Live: press Start to share your position".to_owned(),
        ),
        (LinkStatus::Connecting, true) if waiting == 0 => ("connecting", "Connecting…".to_owned()),
        _ if waiting > 0 => ("offline", format!("Offline, {} waiting", fixes(waiting))),
        _ if tracking => (
            "offline",
            "Offline: your next positions will wait on this phone".to_owned(),
        ),
        _ => ("offline", "Offline".to_owned()),
    }
}

/// What a refused link means, in plain words.
pub(super) fn refusal(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::TokenExpired => Some("This tracking link has expired."),
        ErrorCode::TokenInvalid => {
            Some("This tracking link is not valid: it may be cut short, or be for another race.")
        }
        ErrorCode::TokenWrongSubject => Some("This link is not a runner's tracking link."),
        ErrorCode::TokenMissing => Some("This page needs your personal tracking link."),
        ErrorCode::OriginForbidden => Some("This link was opened from another site."),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_status_tells_the_truth() {
        let down = LinkStatus::Reconnecting {
            attempt: 1,
            retry_in_s: 2,
        };
        assert_eq!(link_text(down, true, true, 3).1, "Offline, 3 fixes waiting");
        assert_eq!(
            link_text(LinkStatus::Live, false, true, 1).1,
            "Offline, 1 fix waiting"
        );
        assert_eq!(
            link_text(LinkStatus::Connecting, true, true, 2).0,
            "offline"
        );
        assert_eq!(
            link_text(LinkStatus::Connecting, true, false, 0).1,
            "Connecting…"
        );
        assert_eq!(link_text(LinkStatus::Live, true, true, 0).0, "live");
        assert_eq!(link_text(LinkStatus::Live, false, false, 0).1, "Offline");
    }
}
