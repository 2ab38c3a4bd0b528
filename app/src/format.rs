//! How numbers read on screen: distances, paces, gaps, times. Pure functions, shared
//! by every panel so a pace reads the same in the leaderboard and the runner panel.

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
    }
}
