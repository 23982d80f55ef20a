//! The preview tabs' content that is costly to compute (the JSON diff, the compiled program):
//! computed once per edit, and only when its tab is shown.

use crate::bpf::compile::compile;
use crate::bpf::disasm::disassemble;
use crate::bpf::stats::stats;
use crate::policy::evaluator::Evaluator;

/// One line of the JSON tab: unchanged, added by the pending edits, or removed by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLine<'a> {
    Same(&'a str),
    Added(&'a str),
    Removed(&'a str),
}

impl DiffLine<'_> {
    pub fn is_change(&self) -> bool {
        !matches!(self, DiffLine::Same(_))
    }
}

/// The saved text against what would be saved now, line by line. Lines are kept as places
/// in the two texts (a big profile has tens of thousands: one string each cost milliseconds).
#[derive(Debug, Clone)]
pub struct JsonDiff {
    original: String,
    current: String,
    lines: Vec<Mark>,
}

/// A line of the diff: its kind and its bytes in the original (removed) or current text.
#[derive(Debug, Clone, Copy)]
struct Mark {
    kind: Kind,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Same,
    Added,
    Removed,
}

impl JsonDiff {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Line `i` of the diff.
    pub fn line(&self, i: usize) -> DiffLine<'_> {
        let m = self.lines[i];
        match m.kind {
            Kind::Same => DiffLine::Same(&self.current[m.start..m.end]),
            Kind::Added => DiffLine::Added(&self.current[m.start..m.end]),
            Kind::Removed => DiffLine::Removed(&self.original[m.start..m.end]),
        }
    }

    /// Lines `range` of the diff.
    pub fn lines(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = DiffLine<'_>> {
        range.map(|i| self.line(i))
    }

    /// Every line.
    pub fn iter(&self) -> impl Iterator<Item = DiffLine<'_>> {
        self.lines(0..self.len())
    }

    /// Where the first change is, and how many lines change.
    pub fn changes(&self) -> (Option<usize>, usize) {
        let changed = |m: &Mark| m.kind != Kind::Same;
        (self.lines.iter().position(changed), self.lines.iter().filter(|m| changed(m)).count())
    }
}

/// The byte range of every line of `text`, as `str::lines` splits it (without the `\n` or
/// `\r\n`, no empty line after a last newline).
fn line_ranges(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for newline in memchr::memchr_iter(b'\n', bytes) {
        let end = if newline > start && bytes[newline - 1] == b'\r' { newline - 1 } else { newline };
        out.push((start, end));
        start = newline + 1;
    }
    if start < bytes.len() {
        out.push((start, bytes.len()));
    }
    out
}

/// The saved text against what would be saved now, line by line.
pub fn json_diff(original: &str, current: &str) -> JsonDiff {
    let (old, new) = (line_ranges(original), line_ranges(current));
    let same = |i: usize, j: usize| original[old[i].0..old[i].1] == current[new[j].0..new[j].1];
    // Edits change few lines: trim the common head and tail, then align the middle.
    let head = (0..old.len().min(new.len())).take_while(|&i| same(i, i)).count();
    let tail = (0..old.len().min(new.len()) - head).take_while(|&k| same(old.len() - 1 - k, new.len() - 1 - k)).count();
    let mark = |kind, (start, end): (usize, usize)| Mark { kind, start, end };
    let mut lines: Vec<Mark> = new[..head].iter().map(|&r| mark(Kind::Same, r)).collect();
    let middle = align(&old[head..old.len() - tail], &new[head..new.len() - tail], |i, j| same(head + i, head + j));
    lines.extend(middle.into_iter().map(|(kind, i)| match kind {
        Kind::Removed => mark(kind, old[head + i]),
        _ => mark(kind, new[head + i]),
    }));
    lines.extend(new[new.len() - tail..].iter().map(|&r| mark(Kind::Same, r)));
    JsonDiff { original: original.to_string(), current: current.to_string(), lines }
}

/// The middle lines aligned (`same(i, j)`: old line `i` is new line `j`) as kinds and indexes
/// (into old for removed lines, new for the others): a shortest edit script (Myers' greedy
/// algorithm, time (old + new) x changes), each run of changes shown as its removed lines
/// then its added ones. A middle that differs too much shows as removed then added.
fn align<T>(old: &[T], new: &[T], same: impl Fn(usize, usize) -> bool) -> Vec<(Kind, usize)> {
    // Bounds the work (compare calls) of a diff of two unrelated texts.
    const MAX_WORK: usize = 20_000_000;
    let (n, m) = (old.len(), new.len());
    let max_changes = (MAX_WORK / (n + m).max(1)).min(n + m);
    match shortest_script(n, m, max_changes, &same) {
        Some(script) => removed_first(script),
        None => (0..n).map(|i| (Kind::Removed, i)).chain((0..m).map(|j| (Kind::Added, j))).collect(),
    }
}

/// Myers' shortest edit script between sequences of `n` and `m` items, or `None` when it has
/// more than `max_changes` insertions and deletions.
fn shortest_script(
    n: usize,
    m: usize,
    max_changes: usize,
    same: impl Fn(usize, usize) -> bool,
) -> Option<Vec<(Kind, usize)>> {
    let (n_i, m_i) = (n as isize, m as isize);
    let offset = (n + m + 1) as isize;
    // x reached on each diagonal k = x - y, at index k + offset; `trace[d]` keeps the
    // diagonals -(d+1)..=d+1 as they were before step d, to walk back from the end.
    let mut v = vec![0isize; 2 * (n + m) + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    for d in 0..=max_changes as isize {
        trace.push(v[(offset - d - 1) as usize..=(offset + d + 1) as usize].to_vec());
        for k in (-d..=d).step_by(2) {
            let at = |k: isize| (k + offset) as usize;
            let mut x =
                if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) { v[at(k + 1)] } else { v[at(k - 1)] + 1 };
            let mut y = x - k;
            while x < n_i && y < m_i && same(x as usize, y as usize) {
                (x, y) = (x + 1, y + 1);
            }
            v[at(k)] = x;
            if x >= n_i && y >= m_i {
                return Some(walk_back(&trace, n_i, m_i));
            }
        }
    }
    None
}

/// The script from the end back to the start through the diagonals each step reached.
fn walk_back(trace: &[Vec<isize>], n: isize, m: isize) -> Vec<(Kind, usize)> {
    let (mut x, mut y) = (n, m);
    let mut out = Vec::new();
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let at = |k: isize| v[(k + d + 1) as usize];
        let k = x - y;
        let previous = if k == -d || (k != d && at(k - 1) < at(k + 1)) { k + 1 } else { k - 1 };
        let (px, py) = (at(previous), at(previous) - previous);
        while x > px && y > py {
            (x, y) = (x - 1, y - 1);
            out.push((Kind::Same, y as usize));
        }
        if d > 0 {
            out.push(if x == px { (Kind::Added, (y - 1) as usize) } else { (Kind::Removed, (x - 1) as usize) });
        }
        (x, y) = (px, py);
    }
    out.reverse();
    out
}

/// Each run of changes as its removed lines, then its added ones.
fn removed_first(script: Vec<(Kind, usize)>) -> Vec<(Kind, usize)> {
    let mut out = Vec::with_capacity(script.len());
    let mut added = Vec::new();
    for step in script {
        match step.0 {
            Kind::Added => added.push(step),
            Kind::Removed => out.push(step),
            Kind::Same => {
                out.append(&mut added);
                out.push(step);
            }
        }
    }
    out.append(&mut added);
    out
}

/// The BPF tab: figures, then the disassembly.
#[derive(Debug, Clone, PartialEq)]
pub struct BpfView {
    pub summary: String,
    pub listing: String,
}

pub fn bpf_view(ev: &Evaluator) -> Result<BpfView, String> {
    let compiled = compile(ev).map_err(|e| e.to_string())?;
    let native = ev.context.native;
    let s = stats(&compiled.program, compiled.little_endian, native);
    let arches: Vec<&str> = compiled.arches.iter().map(|a| a.short_name()).collect();
    let summary = format!(
        "{} instructions for {}\nexecuted per {native} syscall (args 0): mean {:.1}, max {}\n{} {native} syscall numbers allowed from the kernel's cache",
        s.instructions,
        arches.join(", "),
        s.mean_executed,
        s.max_executed,
        s.cached
    );
    Ok(BpfView { summary, listing: disassemble(&compiled.program, compiled.little_endian) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(d: &JsonDiff) -> Vec<DiffLine<'_>> {
        d.iter().filter(|l| l.is_change()).collect()
    }

    #[test]
    fn an_inserted_line_is_the_only_change() {
        let d = json_diff("a\nb\nc\n", "a\nb\nx\nc\n");
        assert_eq!(changes(&d), vec![DiffLine::Added("x")]);
        assert_eq!(d.len(), 4);
        assert_eq!(d.changes(), (Some(2), 1));
    }

    #[test]
    fn a_changed_line_is_removed_then_added_and_far_edits_stay_apart() {
        let d = json_diff("1\n2\n3\n4\n5\n6\n", "1\nX\n3\n4\n5\nY\n");
        let c = changes(&d);
        assert_eq!(c, [DiffLine::Removed("2"), DiffLine::Added("X"), DiffLine::Removed("6"), DiffLine::Added("Y")]);
        assert!(d.iter().filter(|l| matches!(l, DiffLine::Same(_))).count() == 4, "3, 4, 5 and 1 stay: {d:?}");
    }

    /// Against the longest common subsequence, on random texts: as many lines kept, and the
    /// script turns the old lines into the new ones.
    #[test]
    fn the_script_is_a_shortest_one() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..300 {
            let old: Vec<u64> = (0..next(12)).map(|_| next(4)).collect();
            let new: Vec<u64> = (0..next(12)).map(|_| next(4)).collect();
            let script = align(&old, &new, |i, j| old[i] == new[j]);
            let kept = script.iter().filter(|(k, _)| *k == Kind::Same).count();
            assert_eq!(kept, lcs(&old, &new), "{old:?} {new:?} {script:?}");
            let rebuilt: Vec<u64> = script.iter().filter(|(k, _)| *k != Kind::Removed).map(|&(_, j)| new[j]).collect();
            assert_eq!(rebuilt, new);
            let removed = script.iter().filter(|(k, _)| *k == Kind::Removed).count();
            assert_eq!(removed + kept, old.len());
        }
    }

    fn lcs(a: &[u64], b: &[u64]) -> usize {
        let mut t = vec![vec![0; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                t[i][j] = if a[i] == b[j] { t[i + 1][j + 1] + 1 } else { t[i + 1][j].max(t[i][j + 1]) };
            }
        }
        t[0][0]
    }

    #[test]
    fn lines_are_split_as_str_lines_does() {
        for text in ["", "a", "a\n", "a\r\nb", "\n\n", "a\r\n\r\n", "x\ry\n", "\r\n"] {
            let ranges: Vec<&str> = line_ranges(text).into_iter().map(|(a, b)| &text[a..b]).collect();
            assert_eq!(ranges, text.lines().collect::<Vec<_>>(), "{text:?}");
        }
    }

    #[test]
    fn identical_texts_have_no_change() {
        assert!(changes(&json_diff("{}\n", "{}\n")).is_empty());
    }
}
