//! The declutter pass's rules, each on a few boxes.
use super::*;

fn runner(at: (f64, f64), rank: Rank) -> Label {
    Label {
        at,
        size: (40.0, 16.0),
        gap: 10.0,
        pointer: 0.0,
        rank,
        was_shown: false,
        sides: RUNNER_SIDES,
    }
}

fn mark(at: (f64, f64)) -> Label {
    Label {
        at,
        size: (60.0, 18.0),
        gap: 10.0,
        pointer: 0.0,
        rank: Rank::Mark,
        was_shown: false,
        sides: MARK_SIDES,
    }
}

fn boxes(labels: &[Label], placed: &[Placement]) -> Vec<Rect> {
    labels
        .iter()
        .zip(placed)
        .filter(|(_, p)| p.shown)
        .map(|(l, p)| {
            let b = body(l, p.side);
            let grow = more_width(p.more);
            match p.side {
                Side::Left => Rect {
                    x0: b.x0 - grow,
                    ..b
                },
                Side::Right => b.widened(grow),
                Side::Top | Side::Bottom => Rect {
                    x0: b.x0 - grow / 2.0,
                    x1: b.x1 + grow / 2.0,
                    ..b
                },
            }
        })
        .collect()
}

fn no_overlap(b: &[Rect]) {
    for (i, a) in b.iter().enumerate() {
        for c in &b[i + 1..] {
            assert!(!a.hits(c), "{a:?} overlaps {c:?}");
        }
    }
}

#[test]
fn labels_apart_are_all_shown_on_their_first_side() {
    let labels = [
        runner((0.0, 0.0), Rank::Field),
        runner((0.0, 100.0), Rank::Field),
    ];
    let placed = declutter(&labels, &[], None);
    assert!(
        placed
            .iter()
            .all(|p| p.shown && p.side == Side::Right && p.more == 0)
    );
}

#[test]
fn a_stack_of_bibs_becomes_one_label_that_counts_the_rest() {
    // Ten runners at one place.
    let labels: Vec<Label> = (0..10)
        .map(|i| runner((100.0 + f64::from(i) * 0.1, 100.0), Rank::Field))
        .collect();
    let placed = declutter(&labels, &[], None);
    let shown: Vec<&Placement> = placed.iter().filter(|p| p.shown).collect();
    // One on each side; the other six are counted by the first, whose right side
    // they all wanted.
    assert_eq!(shown.len(), 4);
    assert_eq!(placed[0].more, 6);
    no_overlap(&boxes(&labels, &placed));
    // Spread along a diagonal, the label above the fourth runner would touch the
    // first's: three show, and seven are counted.
    let diagonal: Vec<Label> = (0..10)
        .map(|i| runner((100.0 + f64::from(i), 100.0 + f64::from(i)), Rank::Field))
        .collect();
    let placed = declutter(&diagonal, &[], None);
    assert_eq!(placed.iter().filter(|p| p.shown).count(), 3);
    assert_eq!(placed.iter().map(|p| p.more).sum::<usize>(), 7);
    no_overlap(&boxes(&diagonal, &placed));
}

#[test]
fn checkpoints_win_then_followed_runners_then_the_field() {
    let right_only = |at, rank| Label {
        sides: &[Side::Right],
        ..runner(at, rank)
    };
    let labels = [
        right_only((0.0, 24.0), Rank::Field),
        right_only((2.0, 24.0), Rank::Followed),
        right_only((4.0, 84.0), Rank::Field),
        right_only((2.0, 84.0), Rank::Followed),
        // Its label sits where the first two runners' labels would go.
        mark((50.0, 50.0)),
    ];
    let placed = declutter(&labels, &[], None);
    assert!(placed[4].shown, "the checkpoint is never covered");
    assert!(
        !placed[0].shown && !placed[1].shown,
        "even a followed runner gives way to it"
    );
    assert!(placed[3].shown, "a followed runner wins over the field");
    assert!(!placed[2].shown);
    assert_eq!(placed[3].more, 1, "and counts the runner it hides");
    no_overlap(&boxes(&labels, &placed));
}

#[test]
fn runners_passing_each_other_take_both_sides() {
    // Outbound and returning at the same place: one label each side.
    let labels = [
        runner((100.0, 100.0), Rank::Field),
        runner((101.0, 102.0), Rank::Field),
    ];
    let placed = declutter(&labels, &[], None);
    assert!(placed.iter().all(|p| p.shown));
    assert_eq!(placed[0].side, Side::Right);
    assert_eq!(placed[1].side, Side::Left);
}

#[test]
fn a_label_never_covers_a_followed_runner_or_a_checkpoint() {
    let labels = [
        runner((0.0, 0.0), Rank::Field),
        runner((30.0, 0.0), Rank::Followed),
    ];
    // The followed runner's dot is right of the first runner's point, inside its
    // label's first place; the followed runner's own label may cover nothing of it.
    let dots = [(Rect::around((30.0, 0.0), 9.0), Some(1))];
    let placed = declutter(&labels, &dots, None);
    assert!(placed[1].shown && placed[1].side == Side::Right);
    assert!(placed[0].shown && placed[0].side == Side::Left);
}

#[test]
fn a_pointer_is_narrow_and_counts_as_part_of_its_label() {
    let label = Label {
        pointer: 6.0,
        ..runner((0.0, 0.0), Rank::Field)
    };
    assert_eq!(
        body(&label, Side::Right),
        Rect {
            x0: 16.0,
            y0: -8.0,
            x1: 56.0,
            y1: 8.0
        }
    );
    assert_eq!(body(&label, Side::Bottom).y0, 16.0);
    // A checkpoint's label above the point leaves room for a runner's label to
    // its right: only the checkpoint's narrow pointer comes down to the point.
    let mark = Label {
        pointer: 6.0,
        ..mark((0.0, 0.0))
    };
    let placed = declutter(&[mark, label], &[], None);
    assert!(placed[0].shown && placed[1].shown);
    assert_eq!(placed[1].side, Side::Right);
    // A label whose pointer would cross another label's body is blocked.
    let under = Label {
        sides: &[Side::Right],
        ..runner((20.0, 0.0), Rank::Field)
    };
    let over = Label {
        sides: &[Side::Right],
        pointer: 6.0,
        ..runner((0.0, 0.0), Rank::Field)
    };
    assert!(!declutter(&[under, over], &[], None)[1].shown);
}

#[test]
fn followed_runners_at_one_place_are_all_labelled() {
    let labels = [
        Label {
            pointer: 6.0,
            ..runner((100.0, 100.0), Rank::Followed)
        },
        Label {
            pointer: 6.0,
            ..runner((101.0, 100.0), Rank::Followed)
        },
    ];
    let dots = [
        (Rect::around((100.0, 100.0), 9.0), Some(0)),
        (Rect::around((101.0, 100.0), 9.0), Some(1)),
    ];
    let placed = declutter(&labels, &dots, None);
    assert!(placed.iter().all(|p| p.shown), "{placed:?}");
}

#[test]
fn labels_on_screen_keep_their_place() {
    let mut labels = [
        runner((100.0, 100.0), Rank::Field),
        runner((100.0, 101.0), Rank::Field),
        runner((100.0, 102.0), Rank::Field),
    ];
    labels[2].was_shown = true;
    let placed = declutter(&labels, &[], None);
    assert!(placed[2].shown && placed[2].side == Side::Right);
}

#[test]
fn a_count_that_would_touch_a_neighbour_is_left_unsaid() {
    // Two labels side by side, 2 px apart; a third hides behind the first.
    let labels = [
        runner((0.0, 0.0), Rank::Field),
        Label {
            sides: &[Side::Right],
            ..runner((52.0, 0.0), Rank::Field)
        },
        Label {
            sides: &[Side::Right],
            ..runner((1.0, 1.0), Rank::Field)
        },
    ];
    let placed = declutter(&labels, &[], None);
    assert!(placed[0].shown && placed[1].shown && !placed[2].shown);
    assert_eq!(placed[0].more, 0);
    no_overlap(&boxes(&labels, &placed));
}

#[test]
fn unmeasured_labels_are_left_alone() {
    let labels = [Label {
        size: (0.0, 0.0),
        ..runner((0.0, 0.0), Rank::Field)
    }];
    assert!(!declutter(&labels, &[], None)[0].shown);
}

#[test]
fn a_side_inside_the_map_is_taken_before_one_off_its_edge() {
    let frame = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: 360.0,
        y1: 300.0,
    };
    // Near the right edge: the right side would run off it, the left is inside.
    let near_edge = runner((330.0, 150.0), Rank::Followed);
    let placed = declutter(&[near_edge], &[], Some(frame));
    assert_eq!(placed[0].side, Side::Left);
    assert!(frame.holds(&body(&near_edge, placed[0].side)));
    // Without a frame, its first side as before.
    assert_eq!(declutter(&[near_edge], &[], None)[0].side, Side::Right);
    // No side inside (a runner off the map): still shown, on its first free side.
    let outside = runner((-100.0, 150.0), Rank::Followed);
    let placed = declutter(&[outside], &[], Some(frame));
    assert!(placed[0].shown);
    assert_eq!(placed[0].side, Side::Right);
}

#[test]
fn a_control_on_the_map_is_not_covered() {
    // Leaflet's zoom buttons, top left; a runner just right of them whose label
    // would rather be on its left.
    const LEFT_FIRST: &[Side] = &[Side::Left, Side::Right];
    let zoom = Rect {
        x0: 10.0,
        y0: 10.0,
        x1: 44.0,
        y1: 74.0,
    };
    let beside = Label {
        sides: LEFT_FIRST,
        ..runner((60.0, 40.0), Rank::Followed)
    };
    assert_eq!(declutter(&[beside], &[], None)[0].side, Side::Left);
    let placed = declutter(&[beside], &[(zoom, None)], None);
    assert!(placed[0].shown);
    assert_eq!(placed[0].side, Side::Right);
    assert!(!zoom.hits(&body(&beside, placed[0].side)));
}
