//! A GPX file checked before it becomes a course, so that every problem an organiser
//! must fix comes with its line: the gpx crate stops at the first and names no line
//! ("error while parsing `waypoint event`"). Read as XML (xml-rs, which gpx itself
//! uses): malformed XML (where it breaks), a root that is not `<gpx>`, points with a
//! latitude or longitude missing or out of range, and a file with no track.

use xml::{EventReader, common::Position, reader::XmlEvent};

/// Problems listed at most; the rest are counted.
const MOST: usize = 20;

/// One problem, at a 1-based line of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct GpxProblem {
    /// The line.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for GpxProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The problems found so far, and how many past [`MOST`].
#[derive(Default)]
struct Found {
    problems: Vec<GpxProblem>,
    more: usize,
}

impl Found {
    fn push(&mut self, line: u64, message: String) {
        if self.problems.len() < MOST {
            self.problems.push(GpxProblem { line, message });
        } else {
            self.more += 1;
        }
    }
}

/// Every problem of `text` as a course file (none: gpx can read it).
pub(super) fn check(text: &str) -> Vec<GpxProblem> {
    let mut found = Found::default();
    let mut push = |line: u64, message: String| found.push(line, message);
    let mut reader = EventReader::new(text.as_bytes());
    let (mut root, mut track_points, mut route_points) = (true, 0usize, 0usize);
    loop {
        let event = reader.next();
        let line = reader.position().row + 1;
        match event {
            Ok(XmlEvent::StartElement {
                name, attributes, ..
            }) => {
                let tag = name.local_name.as_str();
                if root {
                    root = false;
                    if tag != "gpx" {
                        push(
                            line,
                            format!("the file is not GPX: it starts with <{tag}>, not <gpx>"),
                        );
                        break;
                    }
                }
                if !matches!(tag, "trkpt" | "rtept" | "wpt") {
                    continue;
                }
                match tag {
                    "trkpt" => track_points += 1,
                    "rtept" => route_points += 1,
                    _ => {}
                }
                for (key, limit) in [("lat", 90.0), ("lon", 180.0)] {
                    let value = attributes
                        .iter()
                        .find(|a| a.name.local_name == key)
                        .map(|a| a.value.trim());
                    match value.map(|v| (v, v.parse::<f64>())) {
                        None => push(line, format!("<{tag}> has no {key}")),
                        Some((_, Ok(v))) if v.is_finite() && v.abs() <= limit => {}
                        Some((v, _)) => push(
                            line,
                            format!("<{tag}> {key}=\"{v}\" is not between -{limit} and {limit}"),
                        ),
                    }
                }
            }
            Ok(XmlEvent::EndDocument) => break,
            Ok(_) => {}
            Err(err) => {
                let at = err.position();
                push(at.row + 1, format!("not well-formed XML: {}", err.msg()));
                break;
            }
        }
    }
    let Found { mut problems, more } = found;
    if problems.is_empty() && track_points == 0 {
        let message = if route_points > 0 {
            "the file has a route (<rte>) but no track: export the course as a track"
        } else {
            "the file has no track points (<trkpt>)"
        };
        problems.push(GpxProblem {
            line: 1,
            message: message.to_owned(),
        });
    }
    if more > 0 {
        let line = problems.last().map_or(1, |p| p.line);
        problems.push(GpxProblem {
            line,
            message: format!("and {more} more problems like these"),
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_comes_with_its_line() {
        let broken = "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\">\n<trk><trkseg>\n\
                      <trkpt lat=\"48.86\" lon=\"2.33\"></trkpt>\n<trkpt lat=\"48.86\" lon=\"2.34\">\n\
                      </trkseg></trk>\n</gpx>\n";
        let found = check(broken);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, 6, "{found:?}");
        assert!(
            found[0].message.starts_with("not well-formed XML"),
            "{found:?}"
        );

        let out_of_range = "<gpx version=\"1.1\">\n<trk><trkseg>\n<trkpt lat=\"148.86\" lon=\"2.33\"/>\n\
                            <trkpt lat=\"48.86\"/>\n</trkseg></trk>\n</gpx>\n";
        let found: Vec<String> = check(out_of_range)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "line 3: <trkpt> lat=\"148.86\" is not between -90 and 90",
                "line 4: <trkpt> has no lon"
            ]
        );

        assert_eq!(check("hello")[0].line, 1);
        assert!(check("<html><body/></html>")[0].message.contains("not GPX"));
        let route = "<gpx><rte><rtept lat=\"1\" lon=\"2\"/></rte></gpx>";
        assert!(
            check(route)[0].message.contains("no track"),
            "{:?}",
            check(route)
        );
        assert_eq!(check(crate::course::DEMO_GPX), []);
    }
}
