//! The split book's unit tests: interpolation, once only, ranks, the finish, adoption.

use std::sync::Arc;

use super::super::Race;
use super::*;

fn bib(n: &str) -> RunnerId {
    RunnerId::parse(n).unwrap()
}

/// The demo race, and a clock 30 minutes after its start.
fn race() -> (Race, u64) {
    let event = Arc::new(Event::demo());
    let start = unix_ms(event.start);
    (Race::new(event), start + 30 * 60_000)
}

/// `runner` at `metres` along the demo course at `t`; the splits it recorded.
fn at(race: &Race, runner: &str, metres: f64, t: u64) -> Vec<Split> {
    let p = race.event().course.position_at(metres);
    race.record_splits(&bib(runner), p, t).unwrap()
}

#[test]
fn a_split_is_timed_between_the_fixes_around_the_checkpoint_and_taken_once() {
    let (race, t) = race();
    assert!(at(&race, "1", 2_900.0, t).is_empty());
    // 3 km lies halfway between 2.9 km at t and 3.1 km at t + 40 s.
    let splits = at(&race, "1", 3_100.0, t + 40_000);
    assert_eq!(splits.len(), 1, "{splits:?}");
    let split = &splits[0];
    assert_eq!((split.point, split.name.as_str()), (0, "3 km"));
    assert!(split.at_ms.abs_diff(t + 20_000) < 1_000, "{split:?}");
    assert_eq!(split.elapsed_ms, Some(split.at_ms - race.start_ms()));
    // 3 km in 30 min 20 s from the gun: 10:07 per km.
    let pace = split.pace_s_per_km.unwrap();
    assert!((pace - 606.7).abs() < 1.0, "{pace}");
    assert_eq!(split.rank, 1);
    // The time of day at the event's offset (+01:00): 09:30:20.
    assert_eq!(split.time, "09:30:20");
    // GPS noise back across the line and forward again records nothing more.
    assert!(at(&race, "1", 2_990.0, t + 50_000).is_empty());
    assert!(at(&race, "1", 3_200.0, t + 60_000).is_empty());
    assert_eq!(race.book().of(&bib("1")).len(), 1);
}

#[test]
fn several_points_between_two_fixes_each_get_their_own_time() {
    let (race, t) = race();
    // At 10 m/s, so the race expects the runner where the next fix puts them.
    at(&race, "2", 1_500.0, t - 50_000);
    at(&race, "2", 2_000.0, t);
    // 2 km to 10.4 km in 840 s: 3 km after 100 s, 6.4 km after 440 s, 10 km after 800 s.
    let splits = at(&race, "2", 10_400.0, t + 840_000);
    let got: Vec<(usize, u64)> = splits
        .iter()
        .map(|s| (s.point, (s.at_ms - t + 500) / 1000))
        .collect();
    assert_eq!(got, [(0, 100), (1, 440), (2, 800)], "{splits:?}");
    // The section pace of the second: 3.4 km in 340 s.
    let pace = splits[1].pace_s_per_km.unwrap();
    assert!((pace - 100.0).abs() < 1.0, "{pace}");
    // Running (with a pace: 10 s more at 10 m/s), the projected finish time is the
    // finish ETA from the gun.
    at(&race, "2", 10_500.0, t + 850_000);
    let board = race.leaderboard(t + 850_000);
    let row = board.standings.iter().find(|s| s.bib == bib("2")).unwrap();
    let eta = row.finish.eta_ms.unwrap();
    assert_eq!(row.finish_time_ms, Some(eta - race.start_ms()));
}

#[test]
fn a_runner_first_seen_past_a_checkpoint_gets_no_time_there() {
    let (race, t) = race();
    assert!(at(&race, "3", 3_500.0, t).is_empty());
    let splits = at(&race, "3", 6_500.0, t + 600_000);
    assert_eq!(splits.len(), 1);
    assert_eq!(splits[0].name, "Halfway");
    // Measured from the start: nothing earlier to measure from.
    let book = race.book();
    assert_eq!(book.of(&bib("3")).len(), 1);
}

#[test]
fn ranks_follow_the_crossing_times_and_the_finish_is_a_split() {
    let (race, t) = race();
    let length = race.event().course.length_m();
    at(&race, "4", 2_900.0, t);
    let first = at(&race, "4", 3_100.0, t + 40_000);
    assert_eq!(first[0].rank, 1);
    // Runner 5's phone was offline: it reports later that it crossed earlier.
    at(&race, "5", 2_950.0, t - 10_000);
    let late = at(&race, "5", 3_050.0, t + 10_000);
    assert_eq!(late[0].rank, 1, "crossed first");
    let ranks: Vec<(String, usize)> = race
        .book()
        .all()
        .into_iter()
        .map(|s| (s.bib.to_string(), s.rank))
        .collect();
    assert_eq!(ranks, [("5".into(), 1), ("4".into(), 2)]);
    // The finish: GPS stops 10 m short of the line; that fix's time is the finish.
    at(&race, "4", length - 200.0, t + 4_000_000);
    let finish = at(&race, "4", length - 10.0, t + 4_060_000);
    let last = finish.last().unwrap();
    assert!(last.finish && last.name == "Finish", "{finish:?}");
    assert_eq!(last.at_ms, t + 4_060_000);
    let board = race.leaderboard(t + 4_100_000);
    let row = board.standings.iter().find(|s| s.bib == bib("4")).unwrap();
    assert_eq!(row.finish_time_ms, last.elapsed_ms);
}

#[test]
fn an_adopted_split_replaces_the_own_and_a_restart_forgets_them() {
    let (race, t) = race();
    at(&race, "6", 2_900.0, t);
    let mine = at(&race, "6", 3_100.0, t + 40_000).remove(0);
    let theirs = Split {
        at_ms: mine.at_ms + 1_500,
        ..mine.clone()
    };
    assert!(race.book().adopt(theirs.clone()));
    assert!(
        !race.book().adopt(theirs.clone()),
        "the same again changes nothing"
    );
    assert_eq!(race.book().of(&bib("6")), std::slice::from_ref(&theirs));
    // A point the event does not have is refused.
    let stranger = Split {
        name: "Somewhere else".into(),
        ..theirs
    };
    assert!(!race.book().adopt(stranger));
    race.restart_at(t + 60_000);
    assert!(race.book().all().is_empty());
    assert_eq!(race.start_ms(), t + 60_000);
}
