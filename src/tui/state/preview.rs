//! The preview tabs' content that is costly to compute (the JSON diff, the compiled program):
//! computed once per edit, and only when its tab is shown.

use crate::bpf::compile::compile;
use crate::bpf::disasm::disassemble;
use crate::bpf::stats::stats;
use crate::policy::evaluator::Evaluator;

/// One line of the JSON tab: unchanged, added by the pending edits, or removed by them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
}

impl DiffLine {
    pub fn is_change(&self) -> bool {
        !matches!(self, DiffLine::Same(_))
    }
}

/// The saved text against what would be saved now, line by line.
pub fn json_diff(original: &str, current: &str) -> Vec<DiffLine> {
    let old: Vec<&str> = original.lines().collect();
    let new: Vec<&str> = current.lines().collect();
    // Edits change few lines: trim the common head and tail, then align the middle.
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..].iter().rev().zip(new[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    let mut out: Vec<DiffLine> = old[..head].iter().map(|l| DiffLine::Same(l.to_string())).collect();
    out.extend(align(&old[head..old.len() - tail], &new[head..new.len() - tail]));
    out.extend(old[old.len() - tail..].iter().map(|l| DiffLine::Same(l.to_string())));
    out
}

/// Longest-common-subsequence alignment; a middle too big for it shows as removed then added.
fn align(old: &[&str], new: &[&str]) -> Vec<DiffLine> {
    const MAX_CELLS: usize = 4_000_000;
    if old.len().saturating_mul(new.len()) > MAX_CELLS {
        let removed = old.iter().map(|l| DiffLine::Removed(l.to_string()));
        return removed.chain(new.iter().map(|l| DiffLine::Added(l.to_string()))).collect();
    }
    let width = new.len() + 1;
    // lcs[i * width + j]: common lines of old[i..] and new[j..].
    let mut lcs = vec![0u32; (old.len() + 1) * width];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            lcs[i * width + j] = if old[i] == new[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            out.push(DiffLine::Same(old[i].to_string()));
            (i, j) = (i + 1, j + 1);
        } else if j < new.len() && (i == old.len() || lcs[i * width + j + 1] > lcs[(i + 1) * width + j]) {
            out.push(DiffLine::Added(new[j].to_string()));
            j += 1;
        } else {
            out.push(DiffLine::Removed(old[i].to_string()));
            i += 1;
        }
    }
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

    fn changes(d: &[DiffLine]) -> Vec<&DiffLine> {
        d.iter().filter(|l| l.is_change()).collect()
    }

    #[test]
    fn an_inserted_line_is_the_only_change() {
        let d = json_diff("a\nb\nc\n", "a\nb\nx\nc\n");
        assert_eq!(changes(&d), vec![&DiffLine::Added("x".into())]);
        assert_eq!(d.len(), 4);
    }

    #[test]
    fn a_changed_line_is_removed_then_added_and_far_edits_stay_apart() {
        let d = json_diff("1\n2\n3\n4\n5\n6\n", "1\nX\n3\n4\n5\nY\n");
        let c = changes(&d);
        assert_eq!(c.len(), 4, "{d:?}");
        assert!(d.iter().filter(|l| matches!(l, DiffLine::Same(_))).count() == 4, "3, 4, 5 and 1 stay: {d:?}");
    }

    #[test]
    fn identical_texts_have_no_change() {
        assert!(changes(&json_diff("{}\n", "{}\n")).is_empty());
    }
}
