//! The organiser's word on runners: DNS (did not start), DNF (did not finish) and
//! DSQ (disqualified), each with a reason, who gave it and when.
//!
//! Kept beside the race, not in the event: the event is what was planned, a verdict
//! is what the organiser decided on the day, and it changes while the event does not.
//! The board ([`super::Race::leaderboard`]) takes a runner with a verdict out of the
//! ranking ([`Verdicts::apply`]): no position, no gap, pace or ETA, listed after every
//! ranked runner. A verdict is made by [`Verdict::parse`] from what the console's form
//! sent; `crate::race_control` is the one way to set one (store, race, publish).

use std::{collections::HashMap, sync::Mutex};

use spectate_app::protocol::{
    RunnerId,
    race::{Ruling, Standing, Status},
};

/// The longest reason, in characters: a line on the board, not a report.
pub(crate) const MAX_REASON_CHARS: usize = 120;

/// One runner taken out of the race.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// DNS, DNF or DSQ (never another status: see [`Verdict::parse`]).
    status: Status,
    /// Why, as the organiser wrote it.
    pub(crate) reason: String,
    /// The organiser who gave it.
    pub(crate) by: String,
    /// When, ms since the Unix epoch.
    pub(crate) at_ms: u64,
}

/// Why a verdict was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum VerdictError {
    /// Not one of the four choices.
    #[error("unknown status {0:?}: choose dns, dnf, dsq or racing")]
    UnknownStatus(String),
    /// DNS, DNF and DSQ need a reason.
    #[error("a reason is needed to set {0}")]
    NoReason(&'static str),
    /// Longer than [`MAX_REASON_CHARS`].
    #[error("the reason is {0} characters long; {MAX_REASON_CHARS} at most")]
    ReasonTooLong(usize),
    /// A line break or another control character.
    #[error("the reason must be one line of plain text")]
    ReasonNotOneLine,
}

impl Verdict {
    /// The organiser's choice: `status` is `dns`, `dnf`, `dsq`, or `racing` (back in
    /// the race: `Ok(None)`, and the reason is not needed).
    pub(crate) fn parse(
        status: &str,
        reason: &str,
        by: &str,
        at_ms: u64,
    ) -> Result<Option<Self>, VerdictError> {
        let status = match status.trim() {
            "racing" => return Ok(None),
            "dns" => Status::Dns,
            "dnf" => Status::Dnf,
            "dsq" => Status::Dsq,
            other => {
                return Err(VerdictError::UnknownStatus(
                    other.chars().take(20).collect(),
                ));
            }
        };
        let reason = reason.trim();
        let chars = reason.chars().count();
        if chars == 0 {
            return Err(VerdictError::NoReason(status.out_of_race().unwrap_or("")));
        }
        if chars > MAX_REASON_CHARS {
            return Err(VerdictError::ReasonTooLong(chars));
        }
        if reason.chars().any(char::is_control) {
            return Err(VerdictError::ReasonNotOneLine);
        }
        Ok(Some(Self {
            status,
            reason: reason.to_owned(),
            by: by.to_owned(),
            at_ms,
        }))
    }

    /// A stored verdict; `None` for a status this server does not know.
    pub(crate) fn stored(status: &str, reason: String, by: String, at_ms: u64) -> Option<Self> {
        let status = [Status::Dns, Status::Dnf, Status::Dsq]
            .into_iter()
            .find(|s| name(*s) == status)?;
        Some(Self {
            status,
            reason,
            by,
            at_ms,
        })
    }

    /// As the nodes of a cluster pass it on: `verdict`, or (`None`) back in the race
    /// in `by`'s name at `at_ms`.
    pub(crate) fn ruling(verdict: Option<&Self>, by: &str, at_ms: u64) -> Ruling {
        match verdict {
            Some(v) => Ruling {
                status: v.status,
                reason: Some(v.reason.clone()),
                by: v.by.clone(),
                at_ms: v.at_ms,
            },
            None => Ruling {
                status: Status::Running,
                reason: None,
                by: by.to_owned(),
                at_ms,
            },
        }
    }

    /// A ruling another node published: `Some(None)` back in the race; `None` for a
    /// status that no organiser sets.
    pub(crate) fn from_ruling(ruling: &Ruling) -> Option<Option<Self>> {
        if ruling.status == Status::Running {
            return Some(None);
        }
        ruling.status.out_of_race()?;
        Some(Some(Self {
            status: ruling.status,
            reason: ruling.reason.clone().unwrap_or_default(),
            by: ruling.by.clone(),
            at_ms: ruling.at_ms,
        }))
    }

    /// DNS, DNF or DSQ.
    pub(crate) fn status(&self) -> Status {
        self.status
    }

    /// The status as the form and the store write it: `dns`, `dnf` or `dsq`.
    pub(crate) fn status_name(&self) -> &'static str {
        name(self.status)
    }
}

fn name(status: Status) -> &'static str {
    match status {
        Status::Dns => "dns",
        Status::Dnf => "dnf",
        _ => "dsq",
    }
}

/// Every runner's verdict. A std mutex: held for a map update or one pass over the
/// board, never across an await.
#[derive(Debug, Default)]
pub(crate) struct Verdicts(Mutex<HashMap<RunnerId, Verdict>>);

impl Verdicts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RunnerId, Verdict>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives `runner` this verdict, or takes theirs back (`None`).
    pub(crate) fn set(&self, runner: RunnerId, verdict: Option<Verdict>) {
        let mut verdicts = self.lock();
        match verdict {
            Some(verdict) => verdicts.insert(runner, verdict),
            None => verdicts.remove(&runner),
        };
    }

    /// `runner`'s verdict, if they have one.
    pub(crate) fn get(&self, runner: &RunnerId) -> Option<Verdict> {
        self.lock().get(runner).cloned()
    }

    /// Every verdict, the newest first.
    pub(crate) fn all(&self) -> Vec<(RunnerId, Verdict)> {
        let mut all: Vec<_> = self
            .lock()
            .iter()
            .map(|(r, v)| (r.clone(), v.clone()))
            .collect();
        all.sort_by(|a, b| b.1.at_ms.cmp(&a.1.at_ms).then(a.0.cmp(&b.0)));
        all
    }

    /// Marks the board's rows of runners with a verdict: their status and reason, and
    /// no pace, ETA or projected time (a runner out of the race is not expected
    /// anywhere). The board then lists them after the ranked runners, unplaced.
    pub(super) fn apply(&self, lines: &mut [Standing]) {
        let verdicts = self.lock();
        if verdicts.is_empty() {
            return;
        }
        for line in lines {
            let Some(verdict) = verdicts.get(&line.bib) else {
                continue;
            };
            line.status = verdict.status;
            line.reason = Some(verdict.reason.clone());
            line.pace_s_per_km = None;
            line.finish.eta_ms = None;
            line.finish_time_ms = None;
            if let Some(next) = &mut line.next_checkpoint {
                next.eta_ms = None;
            }
        }
    }
}
