//! The event's field (its runners) as the organisers keep it: stored, with the
//! history of every change, and changed while the race runs.
//!
//! [`Roster::apply`] is the one way a change is made, whether it comes from a console
//! form, a CSV import or the event file at start: the new field is checked by the
//! event's rules ([`crate::event::field`]), stored with its history
//! ([`crate::store::field`]), swapped into the race ([`crate::race::Race::replace`],
//! so the board, `/api/entrants`, the search and the tracker device lookup use it at
//! once), and the board is marked out of date so the next read or tick shows it.
//! Changes are made one at a time (an async lock held across the store write), so
//! two organisers' edits never interleave.
//!
//! - [`start`]: the event file given with `--event`, imported into the store at start.
//! - [`history`]: what a change did, in words, for the history.
//! - [`csv`]: participants from a registration system's CSV export.
//! - [`pages`], [`runner_page`], [`import_page`]: the console's pages
//!   (`/admin/runners...`); [`pairing`]: what a runner's phone needs.
//! - [`settings`]: the event's settings (name, start, course, checkpoints, safety)
//!   changed from [`event_page`] (`/admin/event`), the one way they change.
//! - [`export`]: `spectate event export`, the stored event as an event file.
//! - [`cluster`]: a change made on one node applied on every other.

pub mod cluster;
pub(crate) mod csv;
mod event_drawing;
pub(crate) mod event_page;
pub mod export;
pub(crate) mod history;
pub(crate) mod import_page;
pub(crate) mod pages;
pub(crate) mod pairing;
pub(crate) mod runner_page;
pub(crate) mod settings;
pub mod start;

use std::sync::Arc;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use spectate_app::protocol::RunnerId;

use crate::{
    event::Runner,
    hub::{Hub, now_ms},
    state::AppState,
    store::{Store, StoreError, field::FieldChange},
};

/// The console's runner pages; every POST is behind `Organiser` and `SameOrigin`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/runners", get(pages::list).post(pages::add))
        .route(
            "/admin/runners/import",
            get(import_page::form)
                .post(import_page::upload)
                .layer(DefaultBodyLimit::max(import_page::MAX_BODY)),
        )
        .route(
            "/admin/runners/{bib}",
            get(runner_page::show).post(pages::edit),
        )
        .route("/admin/event", get(event_page::show).post(event_page::save))
        .route(
            "/admin/event/course",
            post(event_page::upload_course).layer(DefaultBodyLimit::max(import_page::MAX_BODY)),
        )
        .route(
            "/admin/event/new",
            post(event_page::create).layer(DefaultBodyLimit::max(import_page::MAX_BODY)),
        )
        .route("/admin/runners/{bib}/remove", post(pages::remove))
        .route("/admin/runners/{bib}/revoke", post(pages::revoke))
}

/// The one way the field changes.
#[derive(Debug)]
pub struct Roster {
    hub: Arc<Hub>,
    store: Store,
    /// The cluster this node is in: changes go to the other nodes through it.
    cluster: Option<Arc<crate::cluster::Cluster>>,
    /// Held from reading the field to swapping the new one in.
    changing: tokio::sync::Mutex<()>,
}

/// A change to the field.
#[derive(Clone, Debug)]
pub(crate) enum Change {
    /// A new runner (`was` none), or the runner `was` edited (its bib may change).
    Put {
        /// The bib of the runner edited.
        was: Option<RunnerId>,
        /// The runner as it is to be.
        runner: Runner,
    },
    /// The runner with this bib leaves the field.
    Remove(RunnerId),
    /// An import: each runner replaces the one with its bib, or joins at the end.
    Upsert(Vec<Runner>),
}

/// What a change did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Applied {
    /// Runners added.
    pub(crate) added: usize,
    /// Runners changed.
    pub(crate) updated: usize,
    /// Runners removed.
    pub(crate) removed: usize,
    /// Runners given but already as they were.
    pub(crate) unchanged: usize,
}

/// Why a change was not made (nothing was).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RosterError {
    /// The server tracks no event.
    #[error(
        "this server tracks no event yet (create it at /admin/event, or start it with --event FILE)"
    )]
    NoEvent,
    /// The runner to edit or remove is not in the field.
    #[error("runner {0} is not in the event")]
    NoSuchRunner(RunnerId),
    /// The field would break the event's rules; each problem in words.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    /// The store failed; nothing was swapped in.
    #[error("the server could not write its store")]
    Store(#[from] StoreError),
}

impl Roster {
    /// The roster of `hub`'s race, kept in `store`, shared with `cluster`'s nodes.
    pub fn new(hub: Arc<Hub>, store: Store, cluster: Option<Arc<crate::cluster::Cluster>>) -> Self {
        Self {
            hub,
            store,
            cluster,
            changing: tokio::sync::Mutex::new(()),
        }
    }

    /// Makes `change` on behalf of `who`: checked, stored with its history, raced.
    pub(crate) async fn apply(&self, who: &str, change: Change) -> Result<Applied, RosterError> {
        let race = self.hub.race().ok_or(RosterError::NoEvent)?;
        let _one_at_a_time = self.changing.lock().await;
        let event = race.event();
        let (runners, changes, applied) = changed(&event.runners, change, who, now_ms())?;
        if changes.is_empty() {
            return Ok(applied);
        }
        let next = event
            .with_runners(runners.clone())
            .map_err(RosterError::Invalid)?;
        self.store
            .put_field(runners.clone(), changes.clone(), None)
            .await?;
        self.race_field(race, next);
        self.announce(cluster::News::Field { runners, changes })
            .await;
        tracing::info!(
            who,
            added = applied.added,
            updated = applied.updated,
            removed = applied.removed,
            "field changed"
        );
        Ok(applied)
    }
}

impl Roster {
    /// Revokes every token of runner `bib` issued until now, on behalf of `who`:
    /// stored, then refused everywhere and their sockets closed
    /// ([`crate::auth::revocations`]). Returns the sockets closed.
    pub(crate) async fn revoke_tokens(
        &self,
        who: &str,
        bib: &RunnerId,
    ) -> Result<usize, RosterError> {
        let race = self.hub.race().ok_or(RosterError::NoEvent)?;
        if !race.has_runner(bib) {
            return Err(RosterError::NoSuchRunner(bib.clone()));
        }
        let now = now_ms();
        // From the next second: a token issued in this one is revoked too.
        let before_s = now / 1000 + 1;
        let change = FieldChange {
            at_ms: now,
            who: who.to_owned(),
            bib: bib.clone(),
            what: "revoked the runner's tokens".into(),
        };
        self.store.revoke_tokens(before_s, change.clone()).await?;
        let closed = self.hub.access.revocations.revoke(bib, before_s);
        self.announce(cluster::News::Revoked { change, before_s })
            .await;
        tracing::info!(who, %bib, closed, "runner tokens revoked");
        Ok(closed)
    }
}

/// The field after `change`, the history entries it makes, and its counts.
fn changed(
    field: &[Runner],
    change: Change,
    who: &str,
    at_ms: u64,
) -> Result<(Vec<Runner>, Vec<FieldChange>, Applied), RosterError> {
    let mut runners = field.to_vec();
    let mut changes = Vec::new();
    let mut applied = Applied::default();
    let mut record = |bib: &RunnerId, what: String| {
        changes.push(FieldChange {
            at_ms,
            who: who.to_owned(),
            bib: bib.clone(),
            what,
        });
    };
    let index_of = |runners: &[Runner], bib: &RunnerId| runners.iter().position(|r| &r.bib == bib);
    match change {
        Change::Put { was: None, runner } => {
            record(&runner.bib, history::added(&runner));
            runners.push(runner);
            applied.added = 1;
        }
        Change::Put {
            was: Some(was),
            runner,
        } => {
            let i = index_of(&runners, &was).ok_or(RosterError::NoSuchRunner(was))?;
            match history::edited(&runners[i], &runner) {
                Some(what) => {
                    record(&runner.bib, what);
                    applied.updated = 1;
                }
                None => applied.unchanged = 1,
            }
            runners[i] = runner;
        }
        Change::Remove(bib) => {
            let i = index_of(&runners, &bib).ok_or_else(|| RosterError::NoSuchRunner(bib))?;
            let gone = runners.remove(i);
            record(&gone.bib, history::removed(&gone));
            applied.removed = 1;
        }
        Change::Upsert(incoming) => {
            for runner in incoming {
                match index_of(&runners, &runner.bib) {
                    Some(i) => match history::edited(&runners[i], &runner) {
                        Some(what) => {
                            record(&runner.bib, what);
                            runners[i] = runner;
                            applied.updated += 1;
                        }
                        None => applied.unchanged += 1,
                    },
                    None => {
                        record(&runner.bib, history::added(&runner));
                        runners.push(runner);
                        applied.added += 1;
                    }
                }
            }
        }
    }
    Ok((runners, changes, applied))
}
