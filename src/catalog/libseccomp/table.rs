//! The bundled table `data/libseccomp.tsv` (made by tools/libseccomp-table/generate.sh): what
//! each upstream libseccomp release resolves every syscall name to, per architecture.

use super::{Knowledge, Resolved};
use crate::catalog::{Arch, Version};
use std::sync::OnceLock;

pub(super) const DATA: &str = include_str!("../data/libseccomp.tsv");

/// The parsed header of the bundled table; each release's answers are parsed on first use.
pub(super) struct Bundled {
    /// Release labels in file order: `2.4.0` … `2.6.1`, then `main`.
    labels: Vec<&'static str>,
    /// Per [`Arch`] (`arch as usize`), its column among a row's answers.
    columns: [Option<usize>; super::ARCHES],
    /// The data rows: name, first release, last release (`*`: the newest), answers.
    rows: Vec<&'static str>,
    tables: Vec<OnceLock<Knowledge>>,
}

pub(super) fn bundled() -> &'static Bundled {
    static BUNDLED: OnceLock<Bundled> = OnceLock::new();
    BUNDLED.get_or_init(|| Bundled::parse(DATA))
}

impl Bundled {
    fn parse(text: &'static str) -> Bundled {
        let mut labels = Vec::new();
        let mut columns = [None; super::ARCHES];
        let mut rows = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let mut cells = line.split('\t');
            match cells.next() {
                Some("releases") => labels = cells.collect(),
                Some("arches") => columns = parse_columns(cells),
                _ => rows.push(line),
            }
        }
        let tables = labels.iter().map(|_| OnceLock::new()).collect();
        Bundled { labels, columns, rows, tables }
    }

    /// The tagged releases, oldest first (not `main`).
    pub(super) fn releases(&self) -> impl Iterator<Item = (usize, Version)> + '_ {
        self.labels.iter().enumerate().filter_map(|(i, l)| Some((i, Version::parse(l)?)))
    }

    /// The answers of the release at `index` in the file's `releases` line.
    pub(super) fn knowledge(&self, index: usize) -> &Knowledge {
        self.tables[index].get_or_init(|| self.parse_release(index))
    }

    /// Every name some release knows on some architecture.
    pub(super) fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rows.iter().filter_map(|r| r.split('\t').next())
    }

    pub(super) fn parse_release(&self, index: usize) -> Knowledge {
        let mut knowledge = Knowledge::default();
        for row in &self.rows {
            let mut cells = row.split('\t');
            let (Some(name), Some(first), Some(last)) = (cells.next(), cells.next(), cells.next()) else {
                continue;
            };
            if !self.covers(first, last, index) {
                continue;
            }
            let answers: Vec<Resolved> = cells.map(parse_answer).collect();
            let entry = knowledge.entry(name);
            for arch in Arch::all() {
                if let Some(&answer) = self.columns[arch as usize].and_then(|c| answers.get(c)) {
                    entry[arch as usize] = answer;
                }
            }
        }
        knowledge
    }

    /// Whether the run of releases `first`..=`last` includes the release at `index`.
    fn covers(&self, first: &str, last: &str, index: usize) -> bool {
        let position = |label: &str| self.labels.iter().position(|l| *l == label);
        let last = if last == "*" { self.labels.len().checked_sub(1) } else { position(last) };
        matches!((position(first), last), (Some(f), Some(l)) if f <= index && index <= l)
    }
}

/// `x86_64 x86 … ppc64=ppc64le …`: each arch's column; `a=b` answers as b.
fn parse_columns<'a>(names: impl Iterator<Item = &'a str>) -> [Option<usize>; super::ARCHES] {
    let mut columns = [None; super::ARCHES];
    let mut next = 0;
    for name in names {
        let (arch, same_as) = match name.split_once('=') {
            Some((arch, other)) => (arch, Some(other)),
            None => (name, None),
        };
        let column = match same_as {
            Some(other) => Arch::all().find(|a| a.short_name() == other).and_then(|a| columns[a as usize]),
            None => {
                next += 1;
                Some(next - 1)
            }
        };
        if let Some(arch) = Arch::all().find(|a| a.short_name() == arch) {
            columns[arch as usize] = column;
        }
    }
    columns
}

/// `.` unknown, `-` a pseudo-number, else the number.
fn parse_answer(cell: &str) -> Resolved {
    match cell {
        "-" => Resolved::Pseudo,
        _ => cell.parse().map_or(Resolved::Unknown, Resolved::Number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_file_parses_whole() {
        let b = bundled();
        assert_eq!(b.labels.first(), Some(&"2.4.0"));
        assert_eq!(b.labels.last(), Some(&"main"));
        for arch in Arch::all() {
            assert!(b.columns[arch as usize].is_some(), "{arch} has no column");
        }
        let width = b.columns.iter().flatten().max().unwrap() + 1;
        for row in &b.rows {
            let cells: Vec<&str> = row.split('\t').collect();
            assert_eq!(cells.len(), 3 + width, "row {row}");
            assert!(b.labels.contains(&cells[1]), "row {row}");
            assert!(cells[2] == "*" || b.labels.contains(&cells[2]), "row {row}");
            for cell in &cells[3..] {
                assert!(*cell == "." || *cell == "-" || cell.parse::<u32>().is_ok(), "row {row}: {cell}");
            }
        }
    }

    #[test]
    fn aliased_columns_answer_as_their_twin() {
        let columns = parse_columns(["x86_64", "mips", "mipsel=mips", "x86"].into_iter());
        assert_eq!(columns[Arch::Mipsel as usize], Some(1));
        assert_eq!(columns[Arch::X86 as usize], Some(2));
        assert_eq!(columns[Arch::Arm as usize], None);
    }
}
