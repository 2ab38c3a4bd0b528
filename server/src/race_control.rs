//! Race control (issue 19): the organiser's DNS / DNF / DSQ on runners, and the
//! announcement to spectators and runners.
//!
//! Each change takes one way, whichever form or request asked for it: checked
//! ([`Verdict::parse`], [`check_text`]), stored, then applied and published at once.
//! A verdict goes into the race ([`crate::race::verdicts`]) and the board is computed
//! and pushed on the spot (the `board` top, and the runner's row to the followers of
//! `runner:<bib>`), so open pages show it without waiting for the next tick. An
//! announcement goes to the board's subscribers as one `announcement` frame
//! ([`crate::hub::board::Board::announce`]). [`restore`] puts both back at start.
//!
//! In a cluster each node keeps its own store and race; [`cluster`] carries both kinds
//! of change to the other nodes, which store them too.

pub(crate) mod cluster;

use axum::http::StatusCode;
use spectate_app::protocol::{
    EventData, RunnerId, Topic,
    announcement::{Announcement, Audience},
    race::Ruling,
};

use crate::{
    cluster::Cluster,
    hub::{Hub, now_ms},
    race::verdicts::{Verdict, VerdictError},
    store::{Store, StoreError},
};

/// The longest announcement, in characters: a banner a phone shows in a few lines.
pub(crate) const MAX_ANNOUNCEMENT_CHARS: usize = 280;

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ControlError {
    /// The server tracks no event: there is no race to control.
    #[error("this server tracks no event")]
    NoEvent,
    /// No runner of the event has this bib.
    #[error("no runner has bib {0:?} in this event")]
    UnknownBib(String),
    /// The status or its reason.
    #[error("{0}")]
    Verdict(#[from] VerdictError),
    /// An announcement without text.
    #[error("the announcement is empty")]
    EmptyText,
    /// Longer than [`MAX_ANNOUNCEMENT_CHARS`].
    #[error("the announcement is {0} characters long; {MAX_ANNOUNCEMENT_CHARS} at most")]
    TextTooLong(usize),
    /// A line break or another control character.
    #[error("the announcement must be one line of plain text")]
    TextNotOneLine,
    /// Not spectators, runners or both.
    #[error("unknown audience {0:?}: choose spectators, runners or both")]
    UnknownAudience(String),
    /// The store failed; the details are logged, not shown.
    #[error("the server could not write its store")]
    Store(#[from] StoreError),
}

impl ControlError {
    /// The HTTP status that says it.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::NoEvent | Self::UnknownBib(_) => StatusCode::NOT_FOUND,
            Self::Store(err) => {
                tracing::error!(%err, "race control: store failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// Sets runner `bib`'s status (`dns`, `dnf`, `dsq` with a `reason`, or `racing` to
/// take it back) in `by`'s name: stored, then on the board and pushed. Returns the
/// verdict (`None`: racing).
pub(crate) async fn set_status(
    hub: &Hub,
    store: &Store,
    bib: &str,
    status: &str,
    reason: &str,
    by: &str,
) -> Result<Option<Verdict>, ControlError> {
    let race = hub.race().ok_or(ControlError::NoEvent)?;
    let unknown = || ControlError::UnknownBib(bib.trim().chars().take(20).collect());
    let runner = RunnerId::parse(bib.trim()).map_err(|_| unknown())?;
    if !race.event().runners.iter().any(|r| r.bib == runner) {
        return Err(unknown());
    }
    let at_ms = now_ms();
    let verdict = Verdict::parse(status, reason, by, at_ms)?;
    store.put_verdict(&runner, verdict.clone()).await?;
    race.verdicts().set(runner.clone(), verdict.clone());
    // At once, not at the next tick: the organiser expects the board to say it now.
    hub.board.tick(race, &hub.topics, now_ms());
    tracing::info!(%runner, status = status.trim(), %by, "race control: status set");
    // The other nodes' boards learn it the way they learn fixes and splits: an event
    // on the runner's topic through Redis ([`adopt`]).
    if let Some(relay) = hub.relay() {
        let ruling = Verdict::ruling(verdict.as_ref(), by, at_ms);
        let data = EventData::Ruling {
            ruling,
            ts: now_ms(),
        };
        if let Err(err) = relay.publish(Topic::Runner(runner.clone()), data, None) {
            tracing::warn!(%err, %runner, "race control: status not sent to the other nodes");
        }
    }
    Ok(verdict)
}

/// A status another node of the cluster set (see [`set_status`]): on this node's
/// board at once, then stored ([`cluster::store_rulings`]).
pub(crate) fn adopt(hub: &Hub, runner: &RunnerId, ruling: &Ruling) {
    let Some(race) = hub.race() else {
        return;
    };
    let Some(verdict) = Verdict::from_ruling(ruling) else {
        return;
    };
    // Our own, back from Redis, or one already adopted: nothing changes.
    let known = race.event().runners.iter().any(|r| r.bib == *runner);
    if !known || race.verdicts().get(runner) == verdict {
        return;
    }
    race.verdicts().set(runner.clone(), verdict.clone());
    hub.board.tick(race, &hub.topics, now_ms());
    hub.ruled(cluster::Ruled {
        runner: runner.clone(),
        verdict,
    });
}

/// An announcement's text, trimmed, or why it cannot be one.
pub(crate) fn check_text(text: &str) -> Result<&str, ControlError> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 {
        return Err(ControlError::EmptyText);
    }
    if chars > MAX_ANNOUNCEMENT_CHARS {
        return Err(ControlError::TextTooLong(chars));
    }
    if text.chars().any(char::is_control) {
        return Err(ControlError::TextNotOneLine);
    }
    Ok(text)
}

/// Publishes `text` to `audience` in `by`'s name, replacing any announcement:
/// stored, then pushed to every page, and to the other nodes of `cluster`.
pub(crate) async fn announce(
    hub: &Hub,
    store: &Store,
    cluster: Option<&Cluster>,
    text: &str,
    audience: &str,
    by: &str,
) -> Result<Announcement, ControlError> {
    let text = check_text(text)?;
    let audience = Audience::parse(audience.trim())
        .ok_or_else(|| ControlError::UnknownAudience(audience.chars().take(20).collect()))?;
    let announcement = Announcement {
        text: text.to_owned(),
        audience,
        at_ms: now_ms(),
    };
    put_announcement(hub, store, Some((announcement.clone(), by.to_owned()))).await?;
    tracing::info!(audience = audience.as_str(), %by, "race control: announcement published");
    cluster::share_announcement(hub, cluster, Some(&announcement), by).await;
    Ok(announcement)
}

/// Takes the announcement down, in `by`'s name, here and on the other nodes.
pub(crate) async fn clear_announcement(
    hub: &Hub,
    store: &Store,
    cluster: Option<&Cluster>,
    by: &str,
) -> Result<(), ControlError> {
    put_announcement(hub, store, None).await?;
    tracing::info!(%by, "race control: announcement cleared");
    cluster::share_announcement(hub, cluster, None, by).await;
    Ok(())
}

/// The one way in for the announcement (`None`: cleared), this node's or another's:
/// stored, then on the board and pushed to its subscribers.
pub(crate) async fn put_announcement(
    hub: &Hub,
    store: &Store,
    announcement: Option<(Announcement, String)>,
) -> Result<(), StoreError> {
    let shown = announcement.as_ref().map(|(a, _)| a.clone());
    store.put_announcement(announcement).await?;
    hub.board.announce(shown);
    Ok(())
}

/// Puts the stored verdicts back into the race and the announcement on the board,
/// before any page is served. Returns how many verdicts there were.
pub(crate) async fn restore(hub: &Hub, store: &Store) -> Result<usize, StoreError> {
    let mut restored = 0;
    if let Some(race) = hub.race() {
        for (runner, verdict) in store.verdicts().await? {
            // A runner no longer in the event keeps their row, unused.
            if race.event().runners.iter().any(|r| r.bib == runner) {
                race.verdicts().set(runner, Some(verdict));
                restored += 1;
            }
        }
    }
    if let Some((announcement, _)) = store.announcement().await? {
        hub.board.announce(Some(announcement));
    }
    Ok(restored)
}
