//! Split times: when a runner passed each checkpoint of the event and the finish, as
//! chip timing records them. Served by `GET /api/runners/{bib}/splits` and
//! `GET /api/splits.csv`, and published live on the runner's topic as an `event` whose
//! `data` is `{"split":{...},"ts":ms}` (see [`super::EventData::Split`]).
//!
//! A split is recorded once per runner and timing point (each checkpoint, then the
//! finish), at the time interpolated between the two fixes around the point's
//! distance along the course, not at the time of the first fix past it.

use serde::{Deserialize, Serialize};

use super::RunnerId;

/// One runner passing one timing point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Whose.
    pub bib: RunnerId,
    /// Which timing point: the event's checkpoints in course order from 0, then the
    /// finish (so the finish's index is the number of checkpoints).
    pub point: usize,
    /// The checkpoint's name, or "Finish".
    pub name: String,
    /// True for the finish.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub finish: bool,
    /// Metres from the start.
    pub distance_m: f64,
    /// When the runner passed, ms since the Unix epoch (interpolated between fixes).
    pub at_ms: u64,
    /// The time of day of `at_ms`, `HH:MM:SS`, at the UTC offset of the event's start.
    pub time: String,
    /// Time since the start of the race (the gun), ms; absent for a split before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
    /// Pace over the section since the runner's previous split (or the start), seconds
    /// per kilometre; absent when there is no earlier time to measure from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pace_s_per_km: Option<f64>,
    /// The order in which runners crossed this point, from 1 (by the crossing times
    /// known: a phone that was offline and crossed earlier moves ahead when it reports).
    pub rank: usize,
}

/// `GET /api/runners/{bib}/splits`: a runner's splits, first point first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunnerSplits {
    /// Whose.
    pub bib: RunnerId,
    /// Their name.
    pub name: String,
    /// Timing points of the event (checkpoints and the finish).
    pub points: usize,
    /// What they have passed so far.
    pub splits: Vec<Split>,
}

/// Merges `split` into `splits` (kept in point order): a newer word on the same point
/// replaces the old one.
pub fn merge(splits: &mut Vec<Split>, split: Split) {
    match splits.binary_search_by_key(&split.point, |s| s.point) {
        Ok(i) => splits[i] = split,
        Err(i) => splits.insert(i, split),
    }
}

/// A race time: "4:07", "58:40", "1:02:30".
pub fn race_time(ms: u64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// "1st", "2nd", "3rd", "11th", "22nd".
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EventData;

    fn split(point: usize, at_ms: u64) -> Split {
        Split {
            bib: RunnerId::parse("7").unwrap(),
            point,
            name: format!("cp {point}"),
            finish: false,
            distance_m: 1000.0 * point as f64,
            at_ms,
            time: "09:00:00".into(),
            elapsed_ms: Some(at_ms),
            pace_s_per_km: Some(300.0),
            rank: 1,
        }
    }

    /// The event data a client knew before splits: a split must read as none of it,
    /// so such a client skips the event instead of taking it for a fix.
    #[test]
    fn a_client_that_predates_splits_cannot_mistake_one_for_anything_it_knows() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(untagged)]
        #[allow(dead_code)]
        enum OldData {
            Fix { lat: f64, lng: f64, ts: u64 },
            Point { t: u64, value: f64 },
            Say { text: String, ts: u64 },
        }
        let frame = crate::protocol::ServerMsg::Event {
            topic: crate::protocol::Topic::parse("runner:a").unwrap(),
            seq: 3,
            data: EventData::Split {
                split: Box::new(split(0, 1_000)),
                ts: 2_000,
            },
        }
        .encode();
        let value: serde_json::Value = serde_json::from_str(&frame).unwrap();
        assert!(serde_json::from_value::<OldData>(value["data"].clone()).is_err());
        // And a fix never reads as a split.
        let fix = r#"{"lat":1,"lng":2,"ts":3,"t":2}"#;
        assert!(matches!(
            serde_json::from_str::<EventData>(fix).unwrap(),
            EventData::Fix { .. }
        ));
    }

    #[test]
    fn merging_keeps_point_order_and_replaces_the_same_point() {
        let mut splits = vec![split(0, 1), split(2, 3)];
        merge(&mut splits, split(1, 2));
        merge(&mut splits, split(2, 4));
        let seen: Vec<(usize, u64)> = splits.iter().map(|s| (s.point, s.at_ms)).collect();
        assert_eq!(seen, [(0, 1), (1, 2), (2, 4)]);
    }

    #[test]
    fn race_times_and_ranks_read_as_people_write_them() {
        assert_eq!(race_time(247_900), "4:07");
        assert_eq!(race_time(3_520_000), "58:40");
        assert_eq!(race_time(3_750_000), "1:02:30");
        assert_eq!(race_time(100 * 3_600_000), "100:00:00");
        let ranks: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            ranks,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }

    #[test]
    fn a_split_round_trips_and_leaves_out_what_it_lacks() {
        let mut s = split(1, 5);
        s.elapsed_ms = None;
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            !json.contains("elapsed_ms") && !json.contains("finish"),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Split>(&json).unwrap(), s);
    }
}
