//! The preview tabs' content that is costly to compute (the JSON diff, the compiled program):
//! computed once per edit, and only when its tab is shown.

use crate::bpf::compile::compile;
use crate::bpf::disasm::disassemble;
use crate::bpf::stats::stats;
use crate::policy::evaluator::Evaluator;
use crate::profile::position::LineStarts;
use crate::text::edit_script::{Edit, shortest_script};
use crate::text::{common_prefix, common_suffix};
use std::rc::Rc;

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

/// The saved text against what would be saved now, line by line. The current text and its
/// lines are the document's, shared; an edit changes few lines, so only the lines between the
/// common head and tail are kept as marks (a big profile has tens of thousands of lines, and
/// copying both texts and marking every line took milliseconds per edit).
#[derive(Debug, Clone)]
pub struct JsonDiff {
    current: Rc<String>,
    lines: Rc<LineStarts>,
    /// Lines before the middle: the same in both texts.
    head: usize,
    middle: Vec<Mark>,
    /// Lines after the middle: the same in both texts.
    tail: usize,
    /// The original's lines between the same head and tail, where removed lines' marks point.
    original_middle: String,
}

/// A line of the diff: its kind and its bytes in the original's middle (removed) or the
/// current text.
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
        self.head + self.middle.len() + self.tail
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Line `i` of the diff.
    pub fn line(&self, i: usize) -> DiffLine<'_> {
        let same = |line: usize| {
            let (start, end) = self.lines.range(&self.current, line);
            DiffLine::Same(&self.current[start..end])
        };
        let Some(in_middle) = i.checked_sub(self.head) else { return same(i) };
        let Some(&m) = self.middle.get(in_middle) else {
            // The tail ends where the current text does.
            return same(self.lines.count(&self.current) - (self.len() - i));
        };
        match m.kind {
            Kind::Same => DiffLine::Same(&self.current[m.start..m.end]),
            Kind::Added => DiffLine::Added(&self.current[m.start..m.end]),
            Kind::Removed => DiffLine::Removed(&self.original_middle[m.start..m.end]),
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
        let first = self.middle.iter().position(changed).map(|i| self.head + i);
        (first, self.middle.iter().filter(|m| changed(m)).count())
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
    json_diff_shared(original, Rc::new(current.to_string()), Rc::new(LineStarts::of(current)))
}

/// [`json_diff`] keeping `current` and its lines (`lines`) as they are shared.
pub fn json_diff_shared(original: &str, current: Rc<String>, lines: Rc<LineStarts>) -> JsonDiff {
    let (o, c) = (original.as_bytes(), current.as_bytes());
    // Edits change few lines: the common head and tail are found as bytes (the whole lines
    // there are the same in both, at the same places), and only the lines between are indexed
    // in the original and compared one by one.
    let head = after_last_newline(&c[..common_prefix(o, c)]);
    let suffix = common_suffix(&o[head..], &c[head..]);
    let tail = memchr::memchr(b'\n', &c[c.len() - suffix..]).map_or(0, |nl| suffix - nl - 1);
    let count = lines.count(&current);
    let (head_lines, tail_lines) = (lines.before(head, count), count - lines.before(c.len() - tail, count));
    let new_middle: Vec<(usize, usize)> = (head_lines..count - tail_lines).map(|i| lines.range(&current, i)).collect();
    let original_middle = original[head..o.len() - tail].to_string();
    let old_middle = line_ranges(&original_middle);
    let mark = |kind, (start, end): (usize, usize)| Mark { kind, start, end };
    let middle = diff_lines(&original_middle, &current, &old_middle, &new_middle)
        .into_iter()
        .map(|(kind, i)| match kind {
            Kind::Removed => mark(kind, old_middle[i]),
            _ => mark(kind, new_middle[i]),
        })
        .collect();
    JsonDiff { current, lines, head: head_lines, middle, tail: tail_lines, original_middle }
}

/// Where the line after the last newline of `text` starts (0 without one).
fn after_last_newline(text: &[u8]) -> usize {
    memchr::memrchr(b'\n', text).map_or(0, |nl| nl + 1)
}

/// Lines `old` (of `original`) against lines `new` (of `current`): the same head and tail
/// one line at a time, the middle aligned; kinds and indexes (into `old` for removed lines).
fn diff_lines(original: &str, current: &str, old: &[(usize, usize)], new: &[(usize, usize)]) -> Vec<(Kind, usize)> {
    let same = |i: usize, j: usize| original[old[i].0..old[i].1] == current[new[j].0..new[j].1];
    let head = (0..old.len().min(new.len())).take_while(|&i| same(i, i)).count();
    let tail = (0..old.len().min(new.len()) - head).take_while(|&k| same(old.len() - 1 - k, new.len() - 1 - k)).count();
    let mut out: Vec<(Kind, usize)> = (0..head).map(|j| (Kind::Same, j)).collect();
    let middle = align(&old[head..old.len() - tail], &new[head..new.len() - tail], |i, j| same(head + i, head + j));
    out.extend(middle.into_iter().map(|(kind, i)| (kind, head + i)));
    out.extend((new.len() - tail..new.len()).map(|j| (Kind::Same, j)));
    out
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
        Some(script) => removed_first(script.into_iter().map(|e| match e {
            Edit::Keep(_, j) => (Kind::Same, j),
            Edit::Remove(i) => (Kind::Removed, i),
            Edit::Insert(j) => (Kind::Added, j),
        })),
        None => (0..n).map(|i| (Kind::Removed, i)).chain((0..m).map(|j| (Kind::Added, j))).collect(),
    }
}

/// Each run of changes as its removed lines, then its added ones.
fn removed_first(script: impl Iterator<Item = (Kind, usize)>) -> Vec<(Kind, usize)> {
    let mut out = Vec::new();
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

    #[test]
    fn lines_are_split_as_str_lines_does() {
        for text in ["", "a", "a\n", "a\r\nb", "\n\n", "a\r\n\r\n", "x\ry\n", "\r\n"] {
            let ranges: Vec<&str> = line_ranges(text).into_iter().map(|(a, b)| &text[a..b]).collect();
            assert_eq!(ranges, text.lines().collect::<Vec<_>>(), "{text:?}");
        }
    }

    /// Random texts (few distinct lines, so heads and tails repeat; `\r\n`; no last newline;
    /// long enough for several blocks) and random line edits: the diff found from the common
    /// bytes is the diff of all the lines one by one, and it rebuilds both texts.
    #[test]
    fn the_diff_from_common_bytes_is_the_line_by_line_diff() {
        let mut rng = crate::profile::synth::XorShift::new(7);
        let words = ["{", "}", "  \"a\": 1,", "  \"names\": [\"read\"],", "x", ""];
        for round in 0..400 {
            let n = rng.index(if round % 4 == 0 { 400 } else { 12 });
            let mut lines: Vec<String> = (0..n).map(|_| words[rng.index(words.len())].to_string()).collect();
            let eol = if round % 5 == 0 { "\r\n" } else { "\n" };
            let last = if round % 3 == 0 { "" } else { eol };
            let original = format!("{}{last}", lines.join(eol));
            for _ in 0..1 + rng.index(4) {
                let at = rng.index(lines.len() + 1);
                match rng.index(3) {
                    0 => lines.insert(at, words[rng.index(words.len())].into()),
                    1 if at < lines.len() => drop(lines.remove(at)),
                    _ if at < lines.len() => lines[at] = format!("{}!", lines[at]),
                    _ => {}
                }
            }
            let current = format!("{}{last}", lines.join(eol));
            let d = json_diff(&original, &current);
            let (old, new) = (line_ranges(&original), line_ranges(&current));
            let whole: Vec<DiffLine> = diff_lines(&original, &current, &old, &new)
                .into_iter()
                .map(|(kind, i)| match kind {
                    Kind::Same => DiffLine::Same(&current[new[i].0..new[i].1]),
                    Kind::Added => DiffLine::Added(&current[new[i].0..new[i].1]),
                    Kind::Removed => DiffLine::Removed(&original[old[i].0..old[i].1]),
                })
                .collect();
            assert_eq!(d.iter().collect::<Vec<_>>(), whole, "round {round}: {original:?} -> {current:?}");
            let kept = |keep: fn(&DiffLine) -> bool| -> Vec<String> {
                d.iter()
                    .filter(keep)
                    .map(|l| match l {
                        DiffLine::Same(t) | DiffLine::Added(t) | DiffLine::Removed(t) => t.to_string(),
                    })
                    .collect()
            };
            assert_eq!(kept(|l| !matches!(l, DiffLine::Removed(_))), current.lines().collect::<Vec<_>>());
            assert_eq!(kept(|l| !matches!(l, DiffLine::Added(_))), original.lines().collect::<Vec<_>>());
        }
    }

    #[test]
    fn identical_texts_have_no_change() {
        assert!(changes(&json_diff("{}\n", "{}\n")).is_empty());
    }
}
