//! What is wrong with an event file: every problem, with its line when known.

use std::{
    fmt,
    path::{Path, PathBuf},
};

/// Everything wrong with an event file.
#[derive(Debug)]
pub struct EventErrors {
    /// Which file.
    pub file: PathBuf,
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

/// One problem, with its line when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based line.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl EventErrors {
    pub(super) fn single(file: &Path, line: Option<usize>, message: String) -> Self {
        Self {
            file: file.to_owned(),
            problems: vec![Problem { line, message }],
        }
    }
}

impl fmt::Display for EventErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match p.line {
                Some(line) => write!(f, "{}:{line}: {}", self.file.display(), p.message)?,
                None => write!(f, "{}: {}", self.file.display(), p.message)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for EventErrors {}

/// 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
