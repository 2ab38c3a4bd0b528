//! The alerts an organiser's monitor holds: the list read at start (and again after
//! the live stream said `reload`), updated by every alert the stream pushes. Plain
//! Rust, no Leptos, so it is unit-tested.
//!
//! The list and the stream can cross: an alert acknowledged while the list was being
//! read may arrive by the stream as raised, after the list that has it acknowledged.
//! An alert never goes back a stage, so the later stage always wins.

use crate::protocol::console::{Alert, Stage};

/// Every alert the page knows, newest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertList {
    alerts: Vec<Alert>,
}

fn rank(stage: Stage) -> u8 {
    match stage {
        Stage::Raised => 0,
        Stage::Acknowledged => 1,
        Stage::Resolved => 2,
    }
}

impl AlertList {
    /// The server's whole list, in place of ours (what the stream brought meanwhile
    /// and the list does not have yet is kept).
    pub fn replace(&mut self, all: Vec<Alert>) {
        let known = std::mem::take(&mut self.alerts);
        self.alerts = all;
        for alert in known {
            self.upsert(alert);
        }
        self.alerts.sort_by_key(|a| std::cmp::Reverse(a.id));
    }

    /// One alert raised or moved on; true if it is new to this page.
    pub fn upsert(&mut self, alert: Alert) -> bool {
        match self.alerts.iter_mut().find(|a| a.id == alert.id) {
            Some(known) => {
                if rank(alert.stage) >= rank(known.stage) {
                    *known = alert;
                }
                false
            }
            None => {
                let at = self.alerts.partition_point(|a| a.id > alert.id);
                self.alerts.insert(at, alert);
                true
            }
        }
    }

    /// The alerts not yet resolved, newest first.
    pub fn open(&self) -> Vec<Alert> {
        self.alerts
            .iter()
            .filter(|a| a.stage != Stage::Resolved)
            .cloned()
            .collect()
    }

    /// Alerts resolved so far.
    pub fn resolved(&self) -> usize {
        self.alerts
            .iter()
            .filter(|a| a.stage == Stage::Resolved)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{
        LatLng, RunnerId,
        console::{Kind, Step},
    };

    fn alert(id: i64, stage: Stage) -> Alert {
        let step = Step {
            by: "ana".into(),
            at_ms: 2,
        };
        Alert {
            id,
            runner: RunnerId::parse("7").unwrap(),
            kind: Kind::Sos,
            position: LatLng::parse(1.0, 2.0).unwrap(),
            raised_ms: 1,
            stage,
            acknowledged: (stage != Stage::Raised).then(|| step.clone()),
            resolved: (stage == Stage::Resolved).then_some(step),
        }
    }

    #[test]
    fn newest_first_and_a_stage_never_goes_back() {
        let mut list = AlertList::default();
        list.replace(vec![alert(2, Stage::Acknowledged), alert(1, Stage::Raised)]);
        assert!(list.upsert(alert(3, Stage::Raised)), "new");
        assert!(!list.upsert(alert(2, Stage::Raised)), "known");
        let ids: Vec<(i64, Stage)> = list.open().iter().map(|a| (a.id, a.stage)).collect();
        assert_eq!(
            ids,
            [
                (3, Stage::Raised),
                (2, Stage::Acknowledged),
                (1, Stage::Raised)
            ]
        );
        list.upsert(alert(1, Stage::Resolved));
        assert_eq!(list.open().len(), 2);
        assert_eq!(list.resolved(), 1);
        // A reload that crossed the stream keeps the later stage.
        list.replace(vec![alert(1, Stage::Raised), alert(2, Stage::Raised)]);
        assert_eq!(list.resolved(), 1);
        assert_eq!(list.open().len(), 2, "3 (from the stream) and 2");
    }
}
