//! The race's unit tests: progress, pace, ETAs and the board from fixes.

use super::*;
use crate::event::Event;

#[test]
fn a_crawl_has_no_eta_rather_than_one_that_wraps() {
    assert_eq!(eta_ms(1_000, 5_000.0, 5.0), Some(1_001_000));
    assert_eq!(eta_ms(1_000, -3.0, 5.0), Some(1_000));
    assert_eq!(eta_ms(1_000, 5_000.0, 1e-20), None);
    assert_eq!(eta_ms(u64::MAX - 10, 5_000.0, 5.0), None);
}

fn race() -> Race {
    Race::new(Arc::new(Event::demo()))
}

fn bib(n: &str) -> RunnerId {
    RunnerId::parse(n).unwrap()
}

#[test]
fn progress_pace_eta_and_order_follow_the_fixes() {
    let race = race();
    let course = &Event::demo().course;
    let t0 = 1_000_000;
    // Runner 1 covers 2 km in 10 min (5:00 per km); runner 2 covers 1 km.
    for i in 0..=10u64 {
        let t = t0 + i * 60_000;
        race.record(&bib("1"), course.position_at(200.0 * i as f64), t);
        race.record(&bib("2"), course.position_at(100.0 * i as f64), t);
    }
    let now = t0 + 600_000;
    let board = race.leaderboard(now);
    let first = &board.standings[0];
    assert_eq!(
        (first.bib.as_str(), first.position, first.status),
        ("1", 1, Status::Running)
    );
    assert!((first.distance_m - 2000.0).abs() < 5.0, "{first:?}");
    let pace = first.pace_s_per_km.unwrap();
    assert!((pace - 300.0).abs() < 5.0, "{pace}");
    let cp = first.next_checkpoint.as_ref().unwrap();
    assert_eq!(cp.name, "3 km");
    // 1 km to go at 5:00/km: five minutes from now.
    let eta = cp.eta_ms.unwrap();
    assert!(eta.abs_diff(now + 300_000) < 5_000, "{eta}");
    let second = &board.standings[1];
    assert_eq!(second.bib.as_str(), "2");
    assert!((second.gap_m - 1000.0).abs() < 10.0, "{second:?}");
    // Runners without a fix come last, not started.
    assert_eq!(board.standings[11].status, Status::NotStarted);
    // And a runner not heard from for long goes stale.
    let later = race.leaderboard(now + STALE_AFTER_MS + 1);
    let silent = &later.standings[0];
    assert_eq!(silent.status, Status::Stale);
    // Keeping their place, without a live pace or an ETA made from an old one.
    assert_eq!((silent.bib.as_str(), silent.position), ("1", 1));
    assert_eq!(silent.pace_s_per_km, None);
    assert_eq!(silent.finish.eta_ms, None);
    assert!(silent.next_checkpoint.as_ref().unwrap().eta_ms.is_none());
}

#[test]
fn progress_never_goes_back_and_off_course_is_said() {
    let race = race();
    let course = &Event::demo().course;
    race.record(&bib("3"), course.position_at(1500.0), 1);
    race.record(&bib("3"), course.position_at(1480.0), 2);
    assert!((race.leaderboard(3).standings[0].distance_m - 1500.0).abs() < 5.0);
    race.record(&bib("3"), LatLng::parse(0.0, 0.0).unwrap(), 4);
    let line = race
        .leaderboard(5)
        .standings
        .into_iter()
        .find(|s| s.bib.as_str() == "3")
        .unwrap();
    assert_eq!(line.status, Status::OffCourse);
    assert!((line.distance_m - 1500.0).abs() < 5.0);
    // Strangers are not on the board.
    race.record(&bib("999"), course.position_at(10.0), 6);
    assert_eq!(race.leaderboard(7).standings.len(), 12);
}

/// 4 and 5 run the whole loop, a fix every 400 m `every_ms` apart (5 100 m behind,
/// 6 at half their distance); 4 reaches the line the step after, 5 `behind_ms`
/// later. The board at `at_ms`.
fn two_finish(every_ms: u64, behind_ms: u64, at_ms: u64) -> Leaderboard {
    let race = race();
    let course = &Event::demo().course;
    let end = course.length_m();
    let steps = (end / 400.0) as u64;
    for i in 0..steps {
        let d = (400 * i) as f64;
        let t = i * every_ms;
        race.record(&bib("4"), course.position_at(d), t);
        race.record(&bib("5"), course.position_at(d - 100.0), t);
        race.record(&bib("6"), course.position_at(d / 2.0), t);
    }
    let last = steps * every_ms;
    race.record(&bib("4"), course.position_at(end), last);
    race.record(&bib("5"), course.position_at(end), last + behind_ms);
    race.leaderboard(at_ms)
}

#[test]
fn finishing_is_recorded_once_and_finishers_lead_in_order() {
    // Both run the whole loop (its last metres pass the start again), 5 finishing
    // ten milliseconds after 4.
    let board = two_finish(1, 10, 1_040);
    let order: Vec<&str> = board
        .standings
        .iter()
        .take(2)
        .map(|s| s.bib.as_str())
        .collect();
    assert_eq!(order, ["4", "5"]);
    let last = (Event::demo().course.length_m() / 400.0) as u64;
    assert_eq!(board.standings[0].finished_ms, Some(last));
    assert_eq!(board.standings[1].finished_ms, Some(last + 10));
    assert!(board.standings[0].finish.eta_ms.is_none());
    assert_eq!(board.standings[0].status, Status::Finished);
}

#[test]
fn points_sampled_from_the_real_course_project_to_their_own_distance() {
    // A runner at 3.7 m/s on the bundled real course (which passes within 100 m of
    // itself, and turns back on itself), with a fix every 10 s: its progress is
    // where each fix was taken, all the way round.
    let event = Arc::new(Event::demo());
    let race = Race::new(event.clone());
    let bib = RunnerId::parse("1").unwrap();
    let mut checked = 0;
    for k in 0.. {
        let d = k as f64 * 37.0;
        if d > event.course.length_m() - 2.0 * FINISH_WITHIN_M {
            break;
        }
        let t = 1_000_000 + k * 10_000;
        race.record(&bib, event.course.position_at(d), t);
        let board = race.leaderboard(t);
        let along = board
            .standings
            .iter()
            .find(|s| s.bib == bib)
            .unwrap()
            .distance_m;
        assert!(
            (along - d).abs() < 5.0,
            "the point {d:.0} m along projects to {along:.0} m"
        );
        checked += 1;
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn on_an_out_and_back_course_the_return_leg_is_chosen_from_progress() {
    let a = LatLng::parse(0.0, 0.0).unwrap();
    let b = LatLng::parse(0.0, 0.008_983).unwrap();
    let course = crate::course::Course::from_points(vec![a, b, a]).unwrap();
    let place = LatLng::parse(0.0, 0.002_246).unwrap();
    let candidates = course.candidates(place, 50.0);
    // Fresh: the outward pass. Past the turn (1.2 km): the return pass.
    assert!((choose(&candidates, None).unwrap() - 250.0).abs() < 3.0);
    let past_the_turn = Expected {
        progress_m: 1200.0,
        here_m: 1200.0,
    };
    assert!((choose(&candidates, Some(past_the_turn)).unwrap() - 1750.0).abs() < 3.0);
}

#[test]
fn the_speed_chart_agrees_with_the_pace_on_a_noisy_track() {
    // A runner at 3.5 m/s on the real course, a fix every 5 s for four minutes, each
    // off by GPS noise of about 6 m: the board's pace (progress along the course) and
    // the runner panel's speed (the same fixes as the browser gets them) agree.
    let race = race();
    let course = &Event::demo().course;
    let mut seed = 7u64;
    let mut noise = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Uniform in ±10.4 m: a standard deviation of 6 m.
        ((seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 20.8
    };
    let mut track = spectate_app::components::track_map::Track::default();
    let t0 = 1_000_000;
    for k in 0..=48u64 {
        let p = course.position_at(2000.0 + 17.5 * k as f64);
        let (lat, lng) = (
            p.lat() + noise() / 111_320.0,
            p.lng() + noise() / (111_320.0 * p.lat().to_radians().cos()),
        );
        let t = t0 + k * 5_000;
        race.record(&bib("7"), LatLng::parse(lat, lng).unwrap(), t);
        track.push(lat, lng, t);
    }
    let board = race.leaderboard(t0 + 240_000);
    let row = board
        .standings
        .iter()
        .find(|s| s.bib.as_str() == "7")
        .unwrap();
    let pace_kmh = 3600.0 / row.pace_s_per_km.unwrap();
    let (_, chart_kmh) = *track.speeds().last().unwrap();
    assert!(
        (chart_kmh - pace_kmh).abs() / pace_kmh < 0.05,
        "chart {chart_kmh:.2} km/h, pace {pace_kmh:.2} km/h"
    );
    assert!((pace_kmh - 12.6).abs() < 0.6, "{pace_kmh}");
}

#[test]
fn finishers_are_timed_behind_the_first_finisher() {
    // Everyone at the line is 0 m behind: the gap of a finisher is time, from the same
    // board the order comes from. 5 finishes 42 s after 4; 6 is still running.
    let steps = (Event::demo().course.length_m() / 400.0) as u64;
    let board = two_finish(100_000, 42_000, steps * 100_000 + 50_000);
    let gap = |b: &str| {
        let s = board
            .standings
            .iter()
            .find(|s| s.bib.as_str() == b)
            .unwrap();
        (s.gap_s, s.gap_m)
    };
    assert_eq!(gap("4"), (Some(0.0), 0.0));
    assert_eq!(gap("5"), (Some(42.0), 0.0));
    let (running_s, running_m) = gap("6");
    assert_eq!(running_s, None);
    assert!(running_m > 1000.0, "{running_m}");
}

#[test]
fn new_settings_keep_progress_on_the_same_course_and_place_runners_again_on_a_new_one() {
    let race = race();
    let demo = Event::demo();
    let path = std::path::Path::new("assets/demo/event.toml");
    let t0 = 1_000_000;
    for i in 0..=10u64 {
        let at = demo.course.position_at(500.0 * i as f64);
        race.record(&bib("1"), at, t0 + i * 60_000);
    }
    let runner_1 = |race: &Race, now: u64| {
        let board = race.leaderboard(now);
        board
            .standings
            .into_iter()
            .find(|s| s.bib == bib("1"))
            .unwrap()
    };
    assert!((runner_1(&race, t0 + 600_000).distance_m - 5000.0).abs() < 10.0);

    // Renamed, same course: the progress and the 3 km split stay.
    let text = Event::demo_text().replace("Spectate demo run", "Renamed");
    let renamed =
        Event::parse_with(&text, path, |_| Ok(crate::course::DEMO_GPX.to_owned())).unwrap();
    race.replace_settings(Arc::new(renamed), race.start_ms());
    assert!((runner_1(&race, t0 + 600_000).distance_m - 5000.0).abs() < 10.0);
    assert_eq!(race.book().of(&bib("1")).len(), 1);

    // A new course, straight east for 14.6 km: placed again by the next fix.
    let points: String = (0..200)
        .map(|i| {
            format!(
                "<trkpt lat=\"48.86\" lon=\"{:.3}\"/>",
                2.33 + 0.001 * f64::from(i)
            )
        })
        .collect();
    let gpx = format!("<gpx version=\"1.1\"><trk><trkseg>{points}</trkseg></trk></gpx>");
    let moved = Event::parse_with(Event::demo_text(), path, |_| Ok(gpx.clone())).unwrap();
    let course = moved.course.clone();
    race.replace_settings(Arc::new(moved), race.start_ms());
    assert_eq!(runner_1(&race, t0 + 600_000).status, Status::NotStarted);
    race.record(&bib("1"), course.position_at(700.0), t0 + 660_000);
    let placed = runner_1(&race, t0 + 660_000);
    assert!((placed.distance_m - 700.0).abs() < 10.0, "{placed:?}");
}
