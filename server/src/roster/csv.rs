//! Participants from a CSV file, as registration systems export them: a header row
//! naming the columns (bib, first name, last name, category, and optionally a device
//! id; common spellings in English, French and German are understood), `,` or `;`
//! between cells, quotes around cells that need them, UTF-8 with or without a BOM.
//!
//! [`read`] turns the file into rows, each with its problems. It refuses a whole file
//! that is not text (a NUL byte), not UTF-8, or longer than [`MAX_ROWS`], with a
//! message that says what to do. The rows are checked against the field they would
//! join by [`super::import_page`].

use spectate_app::protocol::RunnerId;

use crate::event::Runner;

/// Most runners one file may bring.
pub(crate) const MAX_ROWS: usize = 20_000;

/// Why a whole file was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum CsvError {
    /// A NUL byte: a spreadsheet or another binary file, not CSV text.
    #[error("this is not a CSV text file (it holds binary data); export the sheet as CSV")]
    Binary,
    /// Not UTF-8.
    #[error("the file is not UTF-8 text (byte {0} is not); export it as \"CSV UTF-8\"")]
    NotUtf8(usize),
    /// Nothing in it.
    #[error("the file is empty")]
    Empty,
    /// Too many rows.
    #[error("the file has more than {MAX_ROWS} runners; split it into several files")]
    TooManyRows,
    /// The header row does not name the columns needed.
    #[error(
        "the first row must name the columns: bib, first name and last name (or name), and optionally category and device id; it has {0}"
    )]
    Header(String),
}

/// One row of the file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    /// Its line in the file (1-based; the header is line 1).
    pub(crate) line: usize,
    /// The bib as written.
    pub(crate) bib: String,
    /// The runner it makes, if its bib is valid.
    pub(crate) runner: Option<Runner>,
    /// What is wrong with it.
    pub(crate) problems: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
enum Column {
    Bib,
    First,
    Last,
    Name,
    Category,
    Device,
}

/// The column a header cell names, if any.
fn column(header: &str) -> Option<Column> {
    let key: String = header
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if matches!(c, '_' | '-' | '.') { ' ' } else { c })
        .filter(|c| *c != '#')
        .collect();
    let key = key.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match key.as_str() {
        "bib" | "bib number" | "bib no" | "bibnumber" | "number" | "no" | "race number"
        | "dossard" | "startnummer" | "start number" => Column::Bib,
        "first name" | "firstname" | "first" | "given name" | "forename" | "prénom" | "prenom"
        | "vorname" => Column::First,
        "last name" | "lastname" | "last" | "surname" | "family name" | "nom"
        | "nom de famille" | "nachname" => Column::Last,
        "name" | "full name" | "runner" | "participant" => Column::Name,
        "category" | "cat" | "catégorie" | "categorie" | "age group" | "class" | "kategorie"
        | "division" => Column::Category,
        "device" | "device id" | "deviceid" | "tracker" | "tracker id" | "device ids" => {
            Column::Device
        }
        _ => return None,
    })
}

/// The file's rows, each with its own problems (a bad bib, a bib the file uses
/// twice, no name); the field's rules are checked later, on the field it makes.
pub(crate) fn read(bytes: &[u8]) -> Result<Vec<Row>, CsvError> {
    if bytes.contains(&0) {
        return Err(CsvError::Binary);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| CsvError::NotUtf8(e.valid_up_to() + 1))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(CsvError::Empty)?;
    let separator = if first_line.matches(';').count() > first_line.matches(',').count() {
        ';'
    } else {
        ','
    };
    let mut records =
        records(text, separator).filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let (_, header) = records.next().ok_or(CsvError::Empty)?;
    let columns: Vec<Option<Column>> = header.iter().map(|h| column(h)).collect();
    let find =
        |wanted: fn(&Column) -> bool| columns.iter().position(|c| c.as_ref().is_some_and(wanted));
    let bib = find(|c| matches!(c, Column::Bib));
    let first = find(|c| matches!(c, Column::First));
    let last = find(|c| matches!(c, Column::Last));
    let name = find(|c| matches!(c, Column::Name));
    let category = find(|c| matches!(c, Column::Category));
    let device = find(|c| matches!(c, Column::Device));
    let Some(bib) = bib.filter(|_| first.is_some() || last.is_some() || name.is_some()) else {
        let shown: Vec<String> = header.iter().map(|h| format!("{:?}", h.trim())).collect();
        return Err(CsvError::Header(shown.join(", ")));
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (line, cells) in records {
        if rows.len() >= MAX_ROWS {
            return Err(CsvError::TooManyRows);
        }
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map_or("", |c| c.trim())
                .to_owned()
        };
        let full_name = match (cell(first), cell(last), cell(name)) {
            (f, l, _) if !(f.is_empty() && l.is_empty()) => format!("{f} {l}").trim().to_owned(),
            (_, _, n) => n,
        };
        let written_bib = cell(Some(bib));
        let mut problems = Vec::new();
        if full_name.is_empty() {
            problems.push("the name is empty".to_owned());
        }
        if !written_bib.is_empty() {
            match seen.get(&written_bib) {
                Some(earlier) => problems.push(format!(
                    "bib {written_bib} is used twice (also on line {earlier})"
                )),
                None => {
                    seen.insert(written_bib.clone(), line);
                }
            }
        }
        let runner = match RunnerId::parse(&written_bib) {
            Ok(bib) => Some(Runner {
                bib,
                name: full_name,
                category: Some(cell(category)).filter(|c| !c.is_empty()),
                devices: cell(device)
                    .split([' ', '|'])
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }),
            Err(_) if written_bib.is_empty() => {
                problems.push("the bib is empty".to_owned());
                None
            }
            Err(e) => {
                problems.push(format!("bib {written_bib:?}: {e}"));
                None
            }
        };
        rows.push(Row {
            line,
            bib: written_bib,
            runner,
            problems,
        });
    }
    Ok(rows)
}

/// The records of `text` with the line each starts on: cells split at `separator`,
/// quoted cells may hold the separator, quotes (doubled) and line breaks.
fn records(text: &str, separator: char) -> impl Iterator<Item = (usize, Vec<String>)> + '_ {
    let mut chars = text.chars().peekable();
    let mut line = 1;
    std::iter::from_fn(move || {
        chars.peek()?;
        let start = line;
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' if quoted => quoted = false,
                '"' if cell.trim().is_empty() => {
                    cell.clear();
                    quoted = true;
                }
                c if c == separator && !quoted => cells.push(std::mem::take(&mut cell)),
                '\n' if !quoted => {
                    line += 1;
                    break;
                }
                '\r' if !quoted && chars.peek() == Some(&'\n') => {}
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    cell.push(c);
                }
            }
        }
        cells.push(cell);
        Some((start, cells))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_headers_semicolons_quotes_and_a_bom_are_understood() {
        let file = "\u{feff}Dossard;Prénom;Nom;Catégorie;Device ID\r\n\
                    7;Ada;\"Love; lace\";F40;ada-phone\r\n\
                    \r\n\
                    8;\"Bob \"\"B\"\"\";Smith;;\r\n";
        let rows = read(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        let ada = rows[0].runner.clone().unwrap();
        assert_eq!(ada.name, "Ada Love; lace");
        assert_eq!(ada.category.as_deref(), Some("F40"));
        assert_eq!(ada.devices, ["ada-phone"]);
        let bob = rows[1].runner.clone().unwrap();
        assert_eq!((bob.name.as_str(), bob.category), ("Bob \"B\" Smith", None));
        assert_eq!(rows[1].line, 4);
        assert!(rows.iter().all(|r| r.problems.is_empty()));
    }

    #[test]
    fn each_bad_row_says_what_is_wrong() {
        let rows = read(b"bib,first name,last name\n1,A,B\n1,C,D\n,E,F\n2,,\nx y,G,H\n").unwrap();
        let problems: Vec<Vec<String>> = rows.iter().map(|r| r.problems.clone()).collect();
        assert!(problems[0].is_empty());
        assert_eq!(problems[1], ["bib 1 is used twice (also on line 2)"]);
        assert_eq!(problems[2], ["the bib is empty"]);
        assert_eq!(problems[3], ["the name is empty"]);
        assert!(problems[4][0].starts_with("bib \"x y\""), "{problems:?}");
    }

    #[test]
    fn files_that_are_not_csv_text_are_refused_whole() {
        assert_eq!(read(b"PK\x03\x04\0\0binary"), Err(CsvError::Binary));
        assert_eq!(read(b"bib,name\n1,Ren\xe9\n"), Err(CsvError::NotUtf8(15)));
        assert_eq!(read(b"  \n"), Err(CsvError::Empty));
        assert!(matches!(read(b"id,who\n1,A\n"), Err(CsvError::Header(_))));
        let mut big = String::from("bib,name\n");
        for i in 0..=MAX_ROWS {
            big.push_str(&format!("{i},R{i}\n"));
        }
        assert_eq!(read(big.as_bytes()), Err(CsvError::TooManyRows));
    }
}
