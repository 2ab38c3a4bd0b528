//! Which pass of the course a fix is on: on loops and out-and-back courses a place
//! is passed more than once, and the runner's progress and pace choose between them.

/// What the runner's history says about a new fix.
#[derive(Clone, Copy, Debug)]
pub(super) struct Expected {
    /// Their progress so far, metres.
    pub(super) progress_m: f64,
    /// Where their pace puts them at the fix's time, metres.
    pub(super) here_m: f64,
}

/// The candidate spot that best explains the fix: close to the line above all (a real
/// course can pass within a hundred metres of itself), then the one nearest to where
/// the runner's pace puts them (at a turnaround, the outward and the return pass are
/// the same place, and only time tells them apart), unless it lies well behind their
/// progress. With no progress yet, the earliest pass of an equally close place wins.
pub(super) fn choose(
    candidates: &[crate::course::Projection],
    expected: Option<Expected>,
) -> Option<f64> {
    let cost = |c: &crate::course::Projection| {
        let along = c.along_m;
        let progress = match expected {
            None => along * 0.01,
            Some(e) if along >= e.progress_m - 50.0 => (along - e.here_m).abs(),
            // Far behind: only if nothing else fits.
            Some(e) => (e.progress_m - along) * 10.0 + (along - e.here_m).abs(),
        };
        c.off_m * 10.0 + progress
    };
    candidates
        .iter()
        .min_by(|a, b| cost(a).total_cmp(&cost(b)))
        .map(|c| c.along_m)
}
