//! Revoked runner tokens: an organiser revokes a runner's tokens from the console
//! (`/admin/runners/{bib}`), and every token of that runner issued before that moment
//! stops working at once.
//!
//! Tokens are signed, not stored, so a revocation is a time per runner: a runner
//! token issued (`iat`) before it is refused wherever a token is checked
//! ([`super::access::Access::verify`]), and so is every later publish of a socket
//! that showed one ([`super::access::Access::check_publish`]). The sockets that
//! authenticated with such a token are closed at once ([`Revocations::hold`] keeps
//! them), each in its protocol's way ([`Farewell`]): a v1 socket with 4003 and a
//! reason, a seed-protocol socket with its error frame and then the close. The times
//! are stored ([`crate::store::field`]) and read back at start.
//!
//! The same list of sockets is how a runner's own page is told what is theirs alone
//! ([`Revocations::tell`]: their SOS seen by an organiser), without a topic anyone
//! could ask for; the last thing told is told again to a socket of theirs that
//! authenticates later. Only v1 sockets are told: the seed protocol has no such frame.

use std::{
    collections::HashMap,
    sync::{Mutex, RwLock},
};

use spectate_app::protocol::{CloseCode, ProtocolError, RunnerId, seed::SeedError};

use axum::extract::ws::Utf8Bytes;

use super::{Subject, Verified};
use crate::hub::{ConnId, Outbox, outbox::Pushed};

/// The refusal's words.
const REVOKED: &str = "this token was revoked by the organisers; ask them for a new one";

/// How a socket that holds a revoked token is ended: in its own protocol's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Farewell {
    /// Protocol v1: a close frame, 4003 and the reason (the client's page knows it).
    CloseCode,
    /// The seed protocol, which has no close codes: its error frame
    /// (`{"error":{"code":"token_invalid","message":...}}`), the way it answers every
    /// refusal, then the socket closes once that frame is out, as when a seed room
    /// refuses a member.
    SeedError,
}

impl Farewell {
    /// Ends the socket behind `outbox`.
    fn end(self, outbox: &Outbox) {
        match self {
            Self::CloseCode => outbox.close(CloseCode::TokenRevoked, None),
            Self::SeedError => {
                // Not a close request: that would jump the error frame still queued.
                let refusal = ProtocolError::TokenInvalid(REVOKED.into());
                outbox.push(SeedError::encode(&refusal).into());
                outbox.end();
            }
        }
    }
}

/// An open socket that showed a runner token.
#[derive(Debug)]
struct Holder {
    runner: RunnerId,
    issued: u64,
    outbox: Outbox,
    farewell: Farewell,
}

/// Revocation times, and the sockets that hold runner tokens.
#[derive(Debug, Default)]
pub struct Revocations {
    /// Per runner: tokens issued before this second (Unix time) are refused.
    before: RwLock<HashMap<RunnerId, u64>>,
    /// Open sockets that showed a runner token: runner, its issue time, its outbox
    /// and how it is ended.
    holders: Mutex<HashMap<ConnId, Holder>>,
    /// The last frame each runner was told ([`Revocations::tell`]): sent again to a
    /// socket of theirs that authenticates later (a page reloaded, a phone that was
    /// between networks when the organiser acted). Kept in memory only.
    last_told: Mutex<HashMap<RunnerId, Utf8Bytes>>,
}

impl Revocations {
    /// Refuses `identity` if it is a runner token issued before that runner's
    /// revocation.
    pub fn check(&self, identity: &Verified) -> Result<(), ProtocolError> {
        let Subject::Runner(runner) = &identity.subject else {
            return Ok(());
        };
        let before = self.before.read().unwrap_or_else(|e| e.into_inner());
        match before.get(runner) {
            Some(&at) if identity.issued < at => Err(ProtocolError::TokenInvalid(REVOKED.into())),
            _ => Ok(()),
        }
    }

    /// The issue time (Unix seconds) for a new token of `runner`: now, or the
    /// revocation time if that is later (a token issued in the same second as a
    /// revocation must not be revoked by it).
    pub fn issue_time(&self, runner: &RunnerId, now_s: u64) -> u64 {
        let before = self.before.read().unwrap_or_else(|e| e.into_inner());
        before.get(runner).map_or(now_s, |&at| at.max(now_s))
    }

    /// Refuses `runner`'s tokens issued before `before_s`, and closes the sockets
    /// that hold one; returns how many were closed.
    pub fn revoke(&self, runner: &RunnerId, before_s: u64) -> usize {
        self.restore([(runner.clone(), before_s)]);
        let mut holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        let revoked: Vec<ConnId> = holders
            .iter()
            .filter(|(_, h)| h.runner == *runner && h.issued < before_s)
            .map(|(conn, _)| *conn)
            .collect();
        for conn in &revoked {
            if let Some(holder) = holders.remove(conn) {
                holder.farewell.end(&holder.outbox);
            }
        }
        revoked.len()
    }

    /// Revocation times read back from the store (a later one wins).
    pub fn restore(&self, times: impl IntoIterator<Item = (RunnerId, u64)>) {
        let mut before = self.before.write().unwrap_or_else(|e| e.into_inner());
        for (runner, at) in times {
            let entry = before.entry(runner).or_insert(at);
            *entry = (*entry).max(at);
        }
    }

    /// Socket `conn` now speaks with `identity`: kept to be ended with `farewell` if
    /// its runner token is revoked (nothing kept for other subjects). A runner's v1
    /// socket is also sent the last frame that runner was told, if any.
    pub fn hold(
        &self,
        conn: ConnId,
        identity: Option<&Verified>,
        outbox: &Outbox,
        farewell: Farewell,
    ) {
        let runner = {
            let mut holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
            match identity.map(|v| (&v.subject, v.issued)) {
                Some((Subject::Runner(runner), issued)) => {
                    let holder = Holder {
                        runner: runner.clone(),
                        issued,
                        outbox: outbox.clone(),
                        farewell,
                    };
                    holders.insert(conn, holder);
                    Some(runner)
                }
                _ => {
                    holders.remove(&conn);
                    None
                }
            }
        };
        let last = runner
            .filter(|_| farewell == Farewell::CloseCode)
            .and_then(|runner| {
                let told = self.last_told.lock().unwrap_or_else(|e| e.into_inner());
                told.get(runner).cloned()
            });
        if let Some(frame) = last {
            outbox.push(frame);
        }
    }

    /// Queues `frame` to every open v1 socket that showed a token of `runner` (not
    /// revoked: those were closed): how the server tells a runner's own page
    /// something nobody else may learn (their SOS seen). Returns the sockets told.
    pub fn tell(&self, runner: &RunnerId, frame: &Utf8Bytes) -> usize {
        self.last_told
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(runner.clone(), frame.clone());
        let holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        holders
            .values()
            .filter(|h| h.runner == *runner && h.farewell == Farewell::CloseCode)
            .filter(|h| !matches!(h.outbox.push(frame.clone()), Pushed::Gone))
            .count()
    }

    /// `runner` sent a new SOS: what they were told of the last one is not told again.
    pub fn forget_told(&self, runner: &RunnerId) {
        self.last_told
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(runner);
    }

    /// Socket `conn` closed.
    pub fn release(&self, conn: ConnId) {
        self.holders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&conn);
    }
}
