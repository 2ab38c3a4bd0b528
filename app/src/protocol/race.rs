//! The race as spectators read it over HTTP: the event (course line, checkpoints,
//! runners) and the leaderboard, from `GET /api/race` and `GET /api/leaderboard`.
//!
//! The server computes these (its `race` module owns progress, pace and ETAs); they
//! live here so the page that renders them on the server, the browser that refreshes
//! them, and any tool share one definition, like every other message.

use serde::{Deserialize, Serialize};

use super::RunnerId;

/// With no fix for this long, a runner has no signal: the board says `stale` and gives
/// them no pace or ETA, the board, the map and the runner panel say "no signal since
/// 09:42". Two minutes: trackers send a fix every 1 to 10 s, and even a phone that
/// batches them in the background (OwnTracks, OsmAnd on a saving plan) sends at least
/// one a minute, so two minutes without any is a dozen fixes or more lost, not a slow
/// upload; and a runner covers 300 to 700 m in that time, so a position older than
/// that misleads a spectator waiting by the course.
pub const STALE_AFTER_MS: u64 = 2 * 60 * 1000;

/// Where a runner stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No fix yet.
    NotStarted,
    /// Moving along the course.
    Running,
    /// Reached the end of the course.
    Finished,
    /// No fix for a while; the position shown is old.
    Stale,
    /// The latest fix is far from the course line.
    OffCourse,
    /// Did not start: the organiser says so (with a reason, [`Standing::reason`]).
    Dns,
    /// Did not finish: out of the race on the organiser's word.
    Dnf,
    /// Disqualified by the organiser.
    Dsq,
}

impl Status {
    /// How the status reads on screen.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "not started",
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Stale => "no signal",
            Self::OffCourse => "off course",
            Self::Dns => "did not start",
            Self::Dnf => "did not finish",
            Self::Dsq => "disqualified",
        }
    }

    /// "DNS", "DNF" or "DSQ" for a runner the organiser took out of the race (who
    /// has no place in the ranking); `None` for every other status.
    pub fn out_of_race(self) -> Option<&'static str> {
        match self {
            Self::Dns => Some("DNS"),
            Self::Dnf => Some("DNF"),
            Self::Dsq => Some("DSQ"),
            _ => None,
        }
    }
}

/// The organiser's status for a runner, as the nodes of a cluster pass it on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ruling {
    /// `dns`, `dnf` or `dsq`; `running` takes the runner back into the race.
    pub status: Status,
    /// Why (for `dns`, `dnf`, `dsq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The organiser who set it.
    pub by: String,
    /// When, ms since the Unix epoch.
    pub at_ms: u64,
}

/// A checkpoint ahead of a runner, and when they should reach it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ahead {
    /// Its name ("finish" for the end of the course).
    pub name: String,
    /// Metres from the start.
    pub distance_m: f64,
    /// Expected arrival, ms since the Unix epoch (needs a pace).
    pub eta_ms: Option<u64>,
}

/// One line of the leaderboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// 1 for the leader; 0 for a runner out of the race (DNS, DNF, DSQ), who has no
    /// place and is listed after every ranked runner.
    pub position: usize,
    /// The runner's bib (their id).
    pub bib: RunnerId,
    /// Name from the event file.
    pub name: String,
    /// Category, if any.
    pub category: Option<String>,
    /// Where they stand.
    pub status: Status,
    /// Why the organiser took them out of the race (DNS, DNF, DSQ): "knee injury".
    /// Absent otherwise (and from servers that predate it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Metres along the course.
    pub distance_m: f64,
    /// Metres behind the leader.
    pub gap_m: f64,
    /// For a runner who finished: seconds behind the first finisher (0 for them).
    /// Finishers are all at the line, so their distance gap says nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap_s: Option<f64>,
    /// Seconds per kilometre over the recent past.
    pub pace_s_per_km: Option<f64>,
    /// When their latest fix arrived, ms since the Unix epoch.
    pub last_seen_ms: Option<u64>,
    /// Their latest position on the course, `[lat, lng]`.
    #[serde(default)]
    pub at: Option<[f64; 2]>,
    /// The next checkpoint, if any is left.
    pub next_checkpoint: Option<Ahead>,
    /// The finish.
    pub finish: Ahead,
    /// When they finished, ms since the Unix epoch.
    pub finished_ms: Option<u64>,
    /// Their race time at the finish, ms from the start: projected from their current
    /// pace while they run (absent without a pace), their split time once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_time_ms: Option<u64>,
}

/// The whole board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    /// The event's name.
    pub event: String,
    /// Course length, metres.
    pub course_m: f64,
    /// Leader first; runners without a fix last, in bib order. Possibly only part
    /// of the board (the top and followed runners, or one page of it).
    pub standings: Vec<Standing>,
    /// Runners on the whole board, when `standings` may be only part of it.
    #[serde(default)]
    pub runners: usize,
}

/// Metres between two points of [`EventInfo::profile`].
pub const PROFILE_STEP_M: f64 = 100.0;

/// A named place on the course.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// "Start", "Finish" or the checkpoint's name.
    pub name: String,
    /// Metres from the start.
    pub distance_m: f64,
    /// Where, `[lat, lng]`.
    pub at: [f64; 2],
}

/// A runner of the event, as listed for search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entrant {
    /// Bib (their id on every topic).
    pub bib: RunnerId,
    /// Name.
    pub name: String,
    /// Category, if any.
    pub category: Option<String>,
}

/// The event: what does not change during the race.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventInfo {
    /// Its name.
    pub name: String,
    /// Course length, metres.
    pub course_m: f64,
    /// The course line, `[lat, lng]` points, thinned for drawing.
    pub line: Vec<[f64; 2]>,
    /// Start, checkpoints and finish, in course order.
    pub marks: Vec<Mark>,
    /// Elevation profile, `[metres along, metres above sea level]`, every
    /// [`PROFILE_STEP_M`]; empty when the course file has no elevations.
    #[serde(default)]
    pub profile: Vec<[f64; 2]>,
    /// Every runner, in bib order; in a page rendered by the server, only those it
    /// shows (the rest are fetched from `/api/entrants`).
    pub entrants: Vec<Entrant>,
    /// How many runners the event has (`entrants` may list only some).
    #[serde(default)]
    pub runners: usize,
    /// The event's local time, in minutes east of UTC (the offset its start is written
    /// with): clock times shown to spectators ("no signal since 09:42") are the
    /// event's, wherever the spectator is.
    #[serde(default)]
    pub utc_offset_min: i32,
    /// The field's version: changes whenever a runner is added, renamed or removed
    /// (a digest of every entrant, the same on every node). The `board` frame carries
    /// it too, so an open page knows when to read `/api/entrants` again.
    #[serde(default)]
    pub field: String,
    /// The event's own version: changes when the organisers change its name, start,
    /// course or checkpoints in the console (a digest of what pages draw of them).
    /// The `board` frame carries it too: a page drawn from another one is out of date.
    #[serde(default)]
    pub settings: String,
}

/// What a spectator's page starts from: `GET /api/race`, and the data the server
/// renders the first paint with.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RaceView {
    /// The event, if the server tracks one.
    pub event: Option<EventInfo>,
    /// Its leaderboard as of now.
    pub board: Option<Leaderboard>,
    /// Map tiles: a URL template with `{z}/{x}/{y}`, or none (plain background).
    pub tiles: Option<String>,
    /// The server's clock when the view was taken, ms since the Unix epoch: the
    /// first paint's "2 min ago" is computed from it, on the server and in the
    /// browser alike, so hydration finds the same text.
    #[serde(default)]
    pub now_ms: u64,
    /// The organisers' announcement, if one is up (see [`super::announcement`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<super::announcement::Announcement>,
}

impl EventInfo {
    /// Entrants whose bib starts with, or whose name contains, `query` (case
    /// insensitive), exact bib first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Entrant> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(u8, &Entrant)> = self
            .entrants
            .iter()
            .filter_map(|e| {
                let bib = e.bib.as_str().to_lowercase();
                let name = e.name.to_lowercase();
                let rank = if bib == q {
                    0
                } else if bib.starts_with(&q) {
                    1
                } else if name.split_whitespace().any(|w| w.starts_with(&q)) {
                    2
                } else if name.contains(&q) {
                    3
                } else {
                    return None;
                };
                Some((rank, e))
            })
            .collect();
        hits.sort_by_key(|&(rank, _)| rank);
        hits.into_iter().take(limit).map(|(_, e)| e).collect()
    }

    /// The entrant with this bib.
    pub fn entrant(&self, bib: &RunnerId) -> Option<&Entrant> {
        self.entrants.iter().find(|e| &e.bib == bib)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> EventInfo {
        let e = |bib: &str, name: &str| Entrant {
            bib: RunnerId::parse(bib).unwrap(),
            name: name.into(),
            category: None,
        };
        EventInfo {
            name: "t".into(),
            course_m: 1.0,
            line: vec![],
            marks: vec![],
            profile: vec![],
            runners: 4,
            utc_offset_min: 0,
            field: String::new(),
            settings: String::new(),
            entrants: vec![
                e("1", "Ada Lovelace"),
                e("12", "Grace Hopper"),
                e("121", "Alan Turing"),
                e("7", "Adele Goldberg"),
            ],
        }
    }

    #[test]
    fn search_ranks_exact_bib_then_prefix_then_names() {
        let info = info();
        let bibs = |q: &str| {
            info.search(q, 10)
                .iter()
                .map(|e| e.bib.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(bibs("12"), ["12", "121"]);
        assert_eq!(bibs("ad"), ["1", "7"], "word starts in names");
        assert_eq!(bibs("TURING"), ["121"], "case insensitive");
        assert_eq!(bibs("  "), Vec::<String>::new());
        assert_eq!(info.search("a", 2).len(), 2, "limited");
        assert!(bibs("zz").is_empty());
    }
}
