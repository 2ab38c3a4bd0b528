//! The open-file limit: every socket is a file descriptor.
//!
//! Many systems start a process with a soft limit of 1,024 open files and a much
//! higher hard limit. At 1,024, a few hundred slow clients and the spectators of one
//! race leave no descriptor for the next connection (the audit's 1,100 half-sent
//! POSTs kept `/healthz` unanswered for 30 s). The soft limit may be raised up to the
//! hard one without privileges, so the server does that at start and says what it
//! has.

/// Raises the soft open-file limit to the hard limit; returns the limit in force.
#[cfg(unix)]
pub fn raise_to_hard_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    if current.is_some() && current == maximum {
        return current;
    }
    match setrlimit(
        Resource::Nofile,
        Rlimit {
            current: maximum,
            maximum,
        },
    ) {
        Ok(()) => {
            tracing::info!(
                from = ?current,
                to = ?maximum,
                "raised the open-file limit to the hard limit"
            );
            maximum
        }
        Err(err) => {
            tracing::warn!(%err, limit = ?current, "could not raise the open-file limit");
            current
        }
    }
}

/// Raises the soft open-file limit to the hard limit; returns the limit in force.
#[cfg(not(unix))]
pub fn raise_to_hard_limit() -> Option<u64> {
    None
}
