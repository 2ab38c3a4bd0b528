//! The field's rules, one set for every way runners arrive: the event file, the CSV
//! import, the console's forms. A bib is used once, every runner has a name, a device
//! id is not empty and belongs to one runner.
//!
//! [`problems`] says what is wrong and with whom (by index), and each caller places
//! it: the event file by line, the CSV import by row, a form by field.
//! [`Event::with_runners`] is the one way to a new field for a running event: the
//! checks above, then the same event with the new runners.

use std::collections::HashMap;

use spectate_app::protocol::RunnerId;

use super::{Event, Runner};

/// One thing wrong with a field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldProblem {
    /// The runner (index in the field) it is about.
    pub(crate) runner: usize,
    /// The device (index in the runner's devices), when it is about one.
    pub(crate) device: Option<usize>,
    /// What is wrong.
    pub(crate) kind: ProblemKind,
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ProblemKind {
    /// The bib is used by an earlier runner (its index).
    BibTwice {
        /// The earlier runner's index.
        first: usize,
    },
    /// The name is empty.
    NoName,
    /// A device id is empty.
    EmptyDevice,
    /// A device id is an earlier runner's too.
    DeviceTwice {
        /// The bib of the runner that has it already.
        other: RunnerId,
    },
}

impl FieldProblem {
    /// The problem in words; `first` names where an earlier runner is (a line, a row).
    pub(crate) fn message(&self, runners: &[Runner], first: impl Fn(usize) -> String) -> String {
        let Some(runner) = runners.get(self.runner) else {
            return "a runner that is not in the field".into();
        };
        let bib = &runner.bib;
        let device = self
            .device
            .and_then(|d| runner.devices.get(d))
            .map_or("", String::as_str);
        match &self.kind {
            ProblemKind::BibTwice { first: at } => {
                format!("bib {bib} is used twice ({})", first(*at))
            }
            ProblemKind::NoName => format!("runner {bib} has no name"),
            ProblemKind::EmptyDevice => format!("runner {bib} has an empty device id"),
            ProblemKind::DeviceTwice { other } => {
                format!("device {device:?} is given to runners {other} and {bib}")
            }
        }
    }
}

/// Everything wrong with `runners`, in field order.
pub(crate) fn problems(runners: &[Runner]) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    let mut bibs: HashMap<&RunnerId, usize> = HashMap::new();
    let mut devices: HashMap<&str, &RunnerId> = HashMap::new();
    for (i, runner) in runners.iter().enumerate() {
        let problem = |device, kind| FieldProblem {
            runner: i,
            device,
            kind,
        };
        if let Some(&first) = bibs.get(&runner.bib) {
            found.push(problem(None, ProblemKind::BibTwice { first }));
        } else {
            bibs.insert(&runner.bib, i);
        }
        if runner.name.trim().is_empty() {
            found.push(problem(None, ProblemKind::NoName));
        }
        for (d, device) in runner.devices.iter().enumerate() {
            if device.trim().is_empty() {
                found.push(problem(Some(d), ProblemKind::EmptyDevice));
            } else if let Some(other) = devices.insert(device.as_str(), &runner.bib) {
                found.push(problem(
                    Some(d),
                    ProblemKind::DeviceTwice {
                        other: other.clone(),
                    },
                ));
            }
        }
    }
    found
}

/// Each device id's runner.
pub(super) fn devices_of(runners: &[Runner]) -> HashMap<String, RunnerId> {
    runners
        .iter()
        .flat_map(|r| r.devices.iter().map(|d| (d.clone(), r.bib.clone())))
        .collect()
}

impl Event {
    /// This event with `runners` as its field, if they pass [`problems`]; else every
    /// problem in words (an earlier runner named by its bib).
    pub(crate) fn with_runners(&self, runners: Vec<Runner>) -> Result<Self, Vec<String>> {
        let found = problems(&runners);
        if !found.is_empty() {
            return Err(found
                .iter()
                .map(|p| {
                    p.message(&runners, |i| {
                        runners
                            .get(i)
                            .map_or_else(String::new, |r| format!("also by {}", r.name))
                    })
                })
                .collect());
        }
        Ok(Self {
            name: self.name.clone(),
            start: self.start,
            timezone: self.timezone.clone(),
            course: self.course.clone(),
            course_path: self.course_path.clone(),
            course_gpx: self.course_gpx.clone(),
            checkpoints: self.checkpoints.clone(),
            devices: devices_of(&runners),
            runners,
            safety: self.safety,
            private: self.private,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runner(bib: &str, name: &str, devices: &[&str]) -> Runner {
        Runner {
            bib: RunnerId::parse(bib).unwrap(),
            name: name.into(),
            category: None,
            devices: devices.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn every_rule_is_checked_and_a_good_field_replaces_the_old() {
        let event = Event::demo();
        let bad = vec![runner("1", "A", &["p"]), runner("1", " ", &["p", ""])];
        let said = event.with_runners(bad).unwrap_err();
        assert_eq!(
            said,
            [
                "bib 1 is used twice (also by A)",
                "runner 1 has no name",
                "device \"p\" is given to runners 1 and 1",
                "runner 1 has an empty device id",
            ]
        );
        let good = event
            .with_runners(vec![runner("9", "Nine", &["nine-phone"])])
            .unwrap();
        assert_eq!(good.runners.len(), 1);
        assert_eq!(
            good.runner_for_device("nine-phone"),
            Some(&RunnerId::parse("9").unwrap())
        );
        assert!(good.runner_for_device("demo-3").is_none());
    }
}
