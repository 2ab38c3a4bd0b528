//! How numbers read on screen: distances, paces, gaps, times. Pure functions, shared
//! by every panel so a pace reads the same in the leaderboard and the runner panel.

use crate::protocol::race::{Standing, Status};

/// "850 m", "3.42 km".
pub fn distance(m: f64) -> String {
    if m < 1000.0 {
        format!("{m:.0} m")
    } else {
        format!("{:.2} km", m / 1000.0)
    }
}

/// "5:07 /km", or "–" when unknown.
pub fn pace(s_per_km: Option<f64>) -> String {
    match s_per_km {
        Some(p) if p.is_finite() && p > 0.0 && p < 3600.0 => {
            let s = p.round() as u64;
            format!("{}:{:02} /km", s / 60, s % 60)
        }
        _ => "–".to_owned(),
    }
}

/// A board row's gap, the same in the board and the runner panel: a finisher's time
/// behind the first finisher ("winner", "+0:42", "+1:02:05"), else the distance
/// behind the leader, else (no fix yet) the runner's status.
pub fn standing_gap(s: &Standing) -> String {
    if let Some(out) = s.status.out_of_race() {
        return out.to_owned();
    }
    match s.gap_s {
        Some(g) if s.finished_ms.is_some() => {
            if g < 1.0 {
                "winner".to_owned()
            } else {
                format!(
                    "+{}",
                    crate::protocol::splits::race_time((g * 1000.0) as u64)
                )
            }
        }
        _ if s.last_seen_ms.is_some() => gap(s.gap_m),
        _ => s.status.label().to_owned(),
    }
}

/// "leader", "+120 m", "+1.3 km".
pub fn gap(m: f64) -> String {
    if m < 1.0 {
        "leader".to_owned()
    } else if m < 1000.0 {
        format!("+{m:.0} m")
    } else {
        format!("+{:.1} km", m / 1000.0)
    }
}

/// "just now", "45 s ago", "3 min ago", "2 h ago".
pub fn ago(now_ms: u64, then_ms: u64) -> String {
    let s = now_ms.saturating_sub(then_ms) / 1000;
    match s {
        0..=4 => "just now".to_owned(),
        5..=59 => format!("{s} s ago"),
        60..=3599 => format!("{} min ago", s / 60),
        _ => format!("{} h ago", s / 3600),
    }
}

/// "09:42": the time of day of `at_ms` (ms since the Unix epoch) at `offset_min`
/// minutes east of UTC (the event's, [`crate::protocol::race::EventInfo::utc_offset_min`]).
pub fn clock(at_ms: u64, offset_min: i32) -> String {
    let s = (at_ms / 1000) as i64 + i64::from(offset_min) * 60;
    let minute_of_day = s.div_euclid(60).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

/// "no signal since 09:42": how the board, the map and the runner panel mark a runner
/// whose last fix (at `last_ms`) is older than
/// [`crate::protocol::race::STALE_AFTER_MS`], in the event's time of day.
pub fn no_signal_since(last_ms: u64, offset_min: i32) -> String {
    format!("no signal since {}", clock(last_ms, offset_min))
}

/// A runner's status as the runner panel reads it: "running", "finished"...,
/// "no signal since 09:42" for one without signal, and "DNF — knee injury" for one
/// the organiser took out of the race.
pub fn status(standing: &Standing, offset_min: i32) -> String {
    match (standing.status, standing.last_seen_ms) {
        (Status::Stale, Some(last)) => no_signal_since(last, offset_min),
        (status, _) => match (status.out_of_race(), &standing.reason) {
            (Some(out), Some(reason)) => format!("{out} — {reason}"),
            (Some(out), None) => out.to_owned(),
            (None, _) => status.label().to_owned(),
        },
    }
}

/// "in 40 s", "in 12 min", "in 1 h 05", or "–".
pub fn eta(now_ms: u64, at_ms: Option<u64>) -> String {
    let Some(at) = at_ms else {
        return "–".to_owned();
    };
    let s = at.saturating_sub(now_ms) / 1000;
    match s {
        0..=59 => format!("in {s} s"),
        60..=3599 => format!("in {} min", s / 60),
        _ => format!("in {} h {:02}", s / 3600, s / 60 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_a_spectator_expects() {
        assert_eq!(distance(850.4), "850 m");
        assert_eq!(distance(3420.0), "3.42 km");
        assert_eq!(pace(Some(307.4)), "5:07 /km");
        assert_eq!(pace(None), "–");
        assert_eq!(pace(Some(f64::INFINITY)), "–");
        assert_eq!(gap(0.0), "leader");
        assert_eq!(gap(120.2), "+120 m");
        assert_eq!(gap(1290.0), "+1.3 km");
        assert_eq!(ago(100_000, 98_000), "just now");
        assert_eq!(ago(100_000, 55_000), "45 s ago");
        assert_eq!(ago(1_000_000, 800_000), "3 min ago");
        assert_eq!(eta(0, Some(40_000)), "in 40 s");
        assert_eq!(eta(0, Some(720_000)), "in 12 min");
        assert_eq!(eta(0, Some(3_900_000)), "in 1 h 05");
        assert_eq!(eta(0, None), "–");
        // 08:42:59 UTC is 09:42 in Paris in November, 03:42 in New York.
        let t = (8 * 3600 + 42 * 60 + 59) * 1000;
        assert_eq!(clock(t, 60), "09:42");
        assert_eq!(clock(t, -300), "03:42");
        assert_eq!(clock(t + 16 * 3600 * 1000, 60), "01:42", "past midnight");
        assert_eq!(no_signal_since(t, 60), "no signal since 09:42");
    }

    #[test]
    fn a_finisher_s_gap_is_time_behind_the_winner_and_the_others_distance() {
        use crate::protocol::race::{Ahead, Standing};
        let row = |gap_m: f64, gap_s: Option<f64>, finished_ms: Option<u64>, seen: bool| Standing {
            position: 1,
            bib: crate::protocol::RunnerId::parse("7").unwrap(),
            name: "Ada".into(),
            category: None,
            status: Status::Running,
            reason: None,
            distance_m: 5000.0,
            gap_m,
            gap_s,
            pace_s_per_km: None,
            last_seen_ms: seen.then_some(1),
            at: None,
            next_checkpoint: None,
            finish: Ahead {
                name: "finish".into(),
                distance_m: 12_800.0,
                eta_ms: None,
            },
            finished_ms,
            finish_time_ms: None,
        };
        assert_eq!(standing_gap(&row(0.0, Some(0.0), Some(5), true)), "winner");
        assert_eq!(standing_gap(&row(0.0, Some(42.0), Some(5), true)), "+0:42");
        assert_eq!(
            standing_gap(&row(0.0, Some(3725.0), Some(5), true)),
            "+1:02:05"
        );
        assert_eq!(standing_gap(&row(2900.0, None, None, true)), "+2.9 km");
        assert_eq!(
            standing_gap(&row(0.0, None, None, false)),
            Status::Running.label()
        );
        // Out of the race: the short verdict in the gap column, with its reason in
        // the panel and under the name.
        let mut out = row(0.0, None, None, true);
        out.status = Status::Dnf;
        assert_eq!(standing_gap(&out), "DNF");
        assert_eq!(status(&out, 0), "DNF");
        out.reason = Some("knee injury".into());
        assert_eq!(status(&out, 0), "DNF — knee injury");
    }
}
