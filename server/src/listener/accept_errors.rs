//! What the accept loop does when `accept` fails.
//!
//! Out of file descriptors (EMFILE, ENFILE) or memory, every `accept` fails at once
//! until something closes, and the waiting connection stays in the kernel's queue. A
//! loop that retries at once burns a core; one that logs every failure fills the log
//! (the audit saw both). So the loop pauses, twice as long after each failure in a
//! row (up to a second), and says so once, then at most every ten seconds with the
//! count of failures in between, and once more when accepting works again.
//!
//! A connection reset or aborted before it was accepted is the client's business,
//! not the server's: the loop goes on at once and says nothing.

use std::{
    io,
    time::{Duration, Instant},
};

/// The first pause after a failed accept.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause.
const LONGEST_PAUSE: Duration = Duration::from_secs(1);
/// At most one warning this often.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The state of the accept loop's failures.
#[derive(Debug, Default)]
pub(crate) struct AcceptErrors {
    /// The pause before the next accept, while failures go on.
    pause: Option<Duration>,
    /// When the last warning was written.
    logged: Option<Instant>,
    /// Failures since the last warning.
    unlogged: u64,
    /// Failures in a row.
    in_a_row: u64,
}

impl AcceptErrors {
    /// How long to wait before the next accept (none while accepts succeed).
    pub(crate) fn pause(&self) -> Option<Duration> {
        self.pause
    }

    /// A connection was accepted: full speed again.
    pub(crate) fn succeeded(&mut self) {
        if self.in_a_row == 0 {
            return;
        }
        tracing::info!(
            failed = self.in_a_row,
            "accepting connections again after failed accepts"
        );
        *self = Self {
            logged: self.logged,
            ..Self::default()
        };
    }

    /// `accept` failed with `err`.
    pub(crate) fn failed(&mut self, err: &io::Error) {
        if is_the_clients(err) {
            tracing::debug!(%err, "a connection went away before it was accepted");
            return;
        }
        self.in_a_row += 1;
        self.pause = Some(
            self.pause
                .map_or(FIRST_PAUSE, |p| (p * 2).min(LONGEST_PAUSE)),
        );
        if self.logged.is_some_and(|at| at.elapsed() < LOG_EVERY) {
            self.unlogged += 1;
            return;
        }
        tracing::warn!(
            %err,
            since_last_warning = self.unlogged,
            "accept failed (out of file descriptors? see the open-file limit); pausing accepts"
        );
        self.logged = Some(Instant::now());
        self.unlogged = 0;
    }
}

/// Failures that concern one connection only.
fn is_the_clients(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emfile() -> io::Error {
        io::Error::from_raw_os_error(24)
    }

    #[test]
    fn failures_pause_longer_each_time_up_to_a_second_and_success_resets() {
        let mut errors = AcceptErrors::default();
        assert_eq!(errors.pause(), None);
        errors.failed(&emfile());
        assert_eq!(errors.pause(), Some(FIRST_PAUSE));
        errors.failed(&emfile());
        assert_eq!(errors.pause(), Some(FIRST_PAUSE * 2));
        for _ in 0..20 {
            errors.failed(&emfile());
        }
        assert_eq!(errors.pause(), Some(LONGEST_PAUSE));
        assert_eq!(errors.unlogged, 21, "one warning for 22 failures");
        errors.succeeded();
        assert_eq!(errors.pause(), None);
    }

    #[test]
    fn a_clients_reset_is_not_a_failure() {
        let mut errors = AcceptErrors::default();
        errors.failed(&io::Error::from(io::ErrorKind::ConnectionAborted));
        assert_eq!(errors.pause(), None);
    }
}
