//! The re-read after an edit of a few rules: only the `syscalls[]` elements whose text changed
//! are parsed and read again, the rest of the tree, the model, the findings and the rule lines
//! are kept (shifted past the change). On a 5,000-rule profile a full re-read parses and reads
//! a megabyte per keystroke; this reads the edited rule. Changes far apart (a syscall named by
//! many rules, toggled) are taken as runs: the elements between them are kept, not re-read.
//!
//! It applies to a JSON document whose edit changed text only between the array's first and
//! last element (the patcher keeps everything else byte for byte); anything else (YAML, a base
//! profile, a finding outside the rules placed after them, an emptied array) is re-read whole.
//! The result equals the whole re-read's (a property test in `tests` checks it).

use super::{Document, Rendered, Revert, Source};
use crate::profile::Finding;
use crate::profile::json::{self, Node, NodeKind};
use crate::profile::load::{RuleFindings, Schema, read_rules};
use crate::profile::model::Rule;
use crate::profile::position::LineIndex;
use crate::text::edit_script::{Edit, shortest_script};
use crate::text::{common_prefix, common_suffix};
use std::rc::Rc;

/// What `reread_rules` gives back when it cannot take an edit: the new text, and the last read.
pub(super) type Unspliced = (String, Rendered);

/// What changed in the `syscalls` array between two texts of the document: old elements
/// `first..old_end` became `items` (parsed from the new text, at their new offsets).
struct Window {
    first: usize,
    old_end: usize,
    items: Vec<Node>,
    /// New length minus old length, in bytes.
    delta: isize,
    /// New newlines minus old ones.
    line_delta: isize,
}

impl Document {
    /// Re-reads the document from `text` (the new rendering) reusing `previous` (the text,
    /// tree and lines of the last read), and says what takes the edit back; gives both back
    /// when the edit is not one it can take (nothing changed then).
    pub(super) fn reread_rules(&mut self, previous: Rendered, text: String) -> Result<Revert, Unspliced> {
        let simple = matches!(self.source, Source::Json)
            && self.profile_at.is_empty()
            && self.chain.is_empty()
            && self.profile.base_profile_name.is_none()
            && self.base.is_none()
            && self.base_cycle.is_none();
        let Some(block) = self.rule_findings.clone().filter(|_| simple) else { return Err((text, previous)) };
        let Some(window) = changed_elements(&previous.text, &previous.root, &text) else {
            return Err((text, previous));
        };
        if !self.others_precede(&block, &previous) {
            return Err((text, previous));
        }
        let changed = window.changed.clone();
        let Some(parts) = parts(window, &previous.text, &previous.root, &text) else { return Err((text, previous)) };
        let lines = previous.lines.replaced(&text, changed.head, changed.old_end, changed.new_end);
        let Rendered { mut root, .. } = previous;
        // The tree is shared with the document as read until the first edit, which takes the
        // copy made at opening (or copies it now).
        if Rc::ptr_eq(&root, &self.original_root) {
            if let Some(spare) = self.current.get_mut().spare_tree.take() {
                root = Rc::new(spare);
            }
        }
        let tree = Rc::make_mut(&mut root);
        let mut reverts = splice_tree(tree, &parts);
        self.splice_model(tree, &lines.index(&text), &block, &parts);
        #[cfg(test)]
        tests::IN_RUNS.with(|n| n.set(n.get() + usize::from(parts.len() > 1)));
        let revert = if reverts.len() == 1 { reverts.remove(0) } else { Revert::Steps(reverts) };
        self.modified = text != self.original;
        self.rendered = Some(Rendered::new(text, root, lines));
        #[cfg(test)]
        tests::SPLICED.with(|n| n.set(n.get() + 1));
        Ok(revert)
    }

    /// Whether every finding that is not about a rule sits before the `syscalls` array (so
    /// its line and column stay as they are).
    fn others_precede(&self, block: &RuleFindings, previous: &Rendered) -> bool {
        let end = block.start + block.counts.iter().sum::<usize>();
        let mut outside = self.findings[..block.start].iter().chain(&self.findings[end..]).peekable();
        if outside.peek().is_none() {
            return true;
        }
        let Some(array) = previous.root.member("syscalls") else { return false };
        let (line, column) = previous.lines.index(&previous.text).line_col(array.value.span.start);
        outside.all(|f| match (f.line, f.column) {
            (Some(l), Some(c)) => (l, c) < (line, column),
            _ => true,
        })
    }

    /// The rules, their findings and lines after the edit: the `parts`' new elements are read,
    /// the elements between and after them keep their rule (renumbered) unless they had
    /// findings (their paths, positions and messages name places that moved: they are read
    /// again, where they are now).
    fn splice_model(&mut self, root: &Node, lines: &LineIndex, block: &RuleFindings, parts: &[Window]) {
        let old_rules = std::mem::take(&mut self.profile.rules);
        // Grown from empty, the thousands of rules kept were copied at each doubling.
        let added: usize = parts.iter().map(|p| p.items.len()).sum();
        let rules = Vec::with_capacity(old_rules.len() + added);
        let mut out = Model {
            root,
            lines,
            old_rules: old_rules.into_iter().peekable(),
            rules,
            findings: self.findings[..block.start].to_vec(),
            counts: Vec::with_capacity(block.counts.len()),
            rule_lines: Vec::with_capacity(self.rule_lines.len()),
        };
        // Old elements are moved by `moved` places and `line_delta` lines past the parts before.
        let (mut next_old, mut moved, mut line_delta) = (0, 0isize, 0isize);
        for part in parts {
            out.keep(next_old..part.first, moved, line_delta, block, &self.rule_lines);
            out.read_new(part, part.first.saturating_add_signed(moved));
            moved += part.items.len() as isize - (part.old_end - part.first) as isize;
            line_delta += part.line_delta;
            next_old = part.old_end;
            // The old rules of the part's elements are gone.
            while out.old_rules.next_if(|r| r.index < part.old_end).is_some() {}
        }
        out.keep(next_old..block.counts.len(), moved, line_delta, block, &self.rule_lines);
        let block_end = block.start + block.counts.iter().sum::<usize>();
        out.findings.extend_from_slice(&self.findings[block_end..]);
        self.profile.rules = out.rules;
        self.findings = out.findings;
        self.rule_findings = Some(RuleFindings { start: block.start, counts: out.counts });
        self.rule_lines = out.rule_lines;
    }
}

/// The model being spliced: the old rules not passed yet, and what is made of them.
struct Model<'a, I: Iterator<Item = Rule>> {
    root: &'a Node,
    lines: &'a LineIndex<'a>,
    old_rules: std::iter::Peekable<I>,
    rules: Vec<Rule>,
    findings: Vec<Finding>,
    counts: Vec<usize>,
    rule_lines: Vec<usize>,
}

impl<I: Iterator<Item = Rule>> Model<'_, I> {
    /// Old elements `old`, kept: element `i` is now `i + moved`, on its line + `line_delta`.
    fn keep(
        &mut self,
        old: std::ops::Range<usize>,
        moved: isize,
        line_delta: isize,
        block: &RuleFindings,
        lines: &[usize],
    ) {
        for i in old {
            let rule = self.old_rules.next_if(|r| r.index == i);
            let at = i.saturating_add_signed(moved);
            self.rule_lines.push(lines[i].saturating_add_signed(line_delta));
            if block.counts[i] == 0 {
                self.rules.extend(rule.map(|r| Rule { index: at, ..r }));
                self.counts.push(0);
            } else {
                self.read(at..at + 1);
            }
        }
    }

    /// The part's new elements, now at `at..`.
    fn read_new(&mut self, part: &Window, at: usize) {
        self.rule_lines.extend(part.items.iter().map(|n| self.lines.line(n.span.start)));
        self.read(at..at + part.items.len());
    }

    fn read(&mut self, at: std::ops::Range<usize>) {
        let (mut rules, mut findings, mut counts) = read_rules(self.root, self.lines, &[], Schema::Json, at);
        self.rules.append(&mut rules);
        self.findings.append(&mut findings);
        self.counts.append(&mut counts);
    }
}

/// The `syscalls` elements between `old` and `new` (texts of the same document, the first
/// parsed as `root`) that may differ: old elements `first..old_end` and where the new ones are;
/// `None` when the difference reaches outside the array's elements.
fn changed_elements(old: &str, root: &Node, new: &str) -> Option<Found> {
    let array = syscalls_array(root)?;
    let NodeKind::Array(items) = &array.kind else { return None };
    if items.is_empty() {
        return None;
    }
    let same_head = common_prefix(old.as_bytes(), new.as_bytes());
    let same_tail = common_suffix(&old.as_bytes()[same_head..], &new.as_bytes()[same_head..]);
    let changed_end = old.len() - same_tail;
    // One more element each side: a comma before or after the change belongs to them.
    let first = items.partition_point(|n| n.span.end <= same_head).saturating_sub(1);
    let old_end = (items.partition_point(|n| n.span.start < changed_end) + 1).min(items.len());
    let (start, end) = (items[first].span.start, items[old_end - 1].span.end);
    if same_head < start || changed_end > end {
        return None;
    }
    let delta = new.len() as isize - old.len() as isize;
    let new_end = end.checked_add_signed(delta).filter(|e| *e >= start)?;
    let changed = Changed { head: same_head, old_end: changed_end, new_end: new.len() - same_tail };
    let spans = element_spans(new.as_bytes(), start, new_end)?;
    let newlines = |t: &str| memchr::memchr_iter(b'\n', t.as_bytes()).count() as isize;
    let line_delta = newlines(new.get(start..new_end)?) - newlines(&old[start..end]);
    Some(Found { first, old_end, spans, delta, line_delta, changed })
}

/// Where the elements of an array's inside (`text[start..end]`, elements and the commas
/// between them) are: found by skipping strings and brackets, without parsing (a window of
/// thousands of rules, most of them as they were, is only parsed where it changed).
fn element_spans(text: &[u8], start: usize, end: usize) -> Option<Vec<json::Span>> {
    let skip_space = |mut i: usize| {
        while i < end && text[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut spans = Vec::new();
    let mut i = skip_space(start);
    while i < end {
        let value_end = skip_value(text, i, end)?;
        spans.push(json::Span { start: i, end: value_end });
        i = skip_space(value_end);
        if i < end {
            (text[i] == b',').then_some(())?;
            i = skip_space(i + 1);
        }
    }
    Some(spans)
}

/// The end of the JSON value starting at `i` (before `end`).
fn skip_value(text: &[u8], mut i: usize, end: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match *text.get(i).filter(|_| i < end)? {
            b'"' => {
                i += 1;
                loop {
                    match *text.get(i).filter(|_| i < end)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            _ if depth == 0 => {
                // A scalar: up to the next delimiter.
                while i < end && !matches!(text[i], b',' | b']' | b'}') && !text[i].is_ascii_whitespace() {
                    i += 1;
                }
                return Some(i);
            }
            _ => i += 1,
        }
        if depth == 0 {
            return Some(i);
        }
    }
}

/// The elements at `spans` of `text`, parsed, at their offsets.
fn parse_elements(text: &str, spans: &[json::Span]) -> Option<Vec<Node>> {
    spans
        .iter()
        .map(|span| {
            let mut node = json::parse(text.get(span.start..span.end)?).ok()?;
            shift(&mut node, span.start as isize);
            Some(node)
        })
        .collect()
}

/// What changed in the `syscalls` array, before the new elements are parsed.
struct Found {
    first: usize,
    old_end: usize,
    /// The new elements' places in the new text.
    spans: Vec<json::Span>,
    delta: isize,
    line_delta: isize,
    changed: Changed,
}

/// The bytes that differ: old `head..old_end` became new `head..new_end`.
#[derive(Debug, Clone)]
struct Changed {
    head: usize,
    old_end: usize,
    new_end: usize,
}

/// At most this many separate runs of changed elements are spliced apart; more are spliced as
/// one window.
const MAX_RUNS: usize = 64;

/// `window` as the runs of its elements whose text changed (old indexes, new elements at their
/// new offsets), in order. Elements kept byte for byte between the runs are not read again: a
/// syscall named by rules far apart, toggled, changes those rules, not the thousands between.
fn parts(window: Found, old: &str, root: &Node, new: &str) -> Option<Vec<Window>> {
    let Some(NodeKind::Array(old_items)) = syscalls_array(root).map(|a| &a.kind) else { unreachable!("a window") };
    let old_items = &old_items[window.first..window.old_end];
    let spans = &window.spans;
    let whole = |window: &Found| {
        let items = parse_elements(new, spans)?;
        let Found { first, old_end, delta, line_delta, .. } = *window;
        Some(vec![Window { first, old_end, items, delta, line_delta }])
    };
    let script = shortest_script(old_items.len(), spans.len(), 4 * MAX_RUNS, |i, j| {
        old[text_range(&old_items[i])] == new[spans[j].start..spans[j].end]
    });
    let Some(script) = script else { return whole(&window) };
    // Runs of changes, each as (old items, new items) relative to the window, between kept ones.
    let mut runs: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    let (mut i, mut j) = (0, 0);
    for edit in script {
        match edit {
            Edit::Keep(..) => {
                if let Some((i0, j0)) = open.take() {
                    runs.push((i0..i, j0..j));
                }
                (i, j) = (i + 1, j + 1);
            }
            Edit::Remove(_) => {
                open.get_or_insert((i, j));
                i += 1;
            }
            Edit::Insert(_) => {
                open.get_or_insert((i, j));
                j += 1;
            }
        }
    }
    if let Some((i0, j0)) = open {
        runs.push((i0..i, j0..j));
    }
    if runs.len() <= 1 || runs.len() > MAX_RUNS {
        return whole(&window);
    }
    let (window_start, old_end) = (old_items[0].span.start, old_items[old_items.len() - 1].span.end);
    let mut out = Vec::with_capacity(runs.len());
    // Each run's bytes: from the end of the kept element before it to the start of the kept one
    // after it, in both texts (the window's edges where there is none).
    let (mut old_from, mut new_from) = (window_start, window_start);
    for (olds, news) in runs {
        if olds.start > 0 {
            old_from = old_items[olds.start - 1].span.end;
        }
        if news.start > 0 {
            new_from = spans[news.start - 1].end;
        }
        let old_to = old_items.get(olds.end).map_or(old_end, |n| n.span.start);
        let new_to = match spans.get(news.end) {
            Some(n) => n.start,
            None => (old_end as isize + window.delta) as usize,
        };
        let newlines = |t: &str| memchr::memchr_iter(b'\n', t.as_bytes()).count() as isize;
        out.push(Window {
            first: window.first + olds.start,
            old_end: window.first + olds.end,
            items: parse_elements(new, &spans[news])?,
            delta: (new_to - new_from) as isize - (old_to - old_from) as isize,
            line_delta: newlines(&new[new_from..new_to]) - newlines(&old[old_from..old_to]),
        });
    }
    Some(out)
}

fn text_range(node: &Node) -> std::ops::Range<usize> {
    node.span.start..node.span.end
}

fn syscalls_array(root: &Node) -> Option<&Node> {
    let NodeKind::Object(members) = &root.kind else { return None };
    let mut named = members.iter().filter(|m| m.key == "syscalls");
    let array = named.next()?;
    // A repeated key: which one counts is the reader's business; read it all.
    named.next().is_none().then_some(&array.value)
}

/// `root` with each part's elements in place of the old ones, and everything after a part
/// moved by its change in length; what puts the old elements back, part by part (each relative
/// to the array with the parts before it applied).
fn splice_tree(root: &mut Node, parts: &[Window]) -> Vec<Revert> {
    let delta: isize = parts.iter().map(|p| p.delta).sum();
    let NodeKind::Object(members) = &mut root.kind else { unreachable!("changed_elements found the array") };
    let at = members.iter().position(|m| m.key == "syscalls").expect("changed_elements found the array");
    for member in &mut members[at + 1..] {
        member.key_span = moved(member.key_span, delta);
        shift(&mut member.value, delta);
    }
    let array = &mut members[at].value;
    array.span.end = array.span.end.saturating_add_signed(delta);
    let NodeKind::Array(items) = &mut array.kind else { unreachable!("changed_elements found the array") };
    let old = std::mem::take(items);
    let mut reverts = Vec::with_capacity(parts.len());
    let (mut next_old, mut shifted) = (0, 0isize);
    let mut old = old.into_iter();
    for part in parts {
        items.extend(old.by_ref().take(part.first - next_old).map(|mut n| {
            shift(&mut n, shifted);
            n
        }));
        let removed = old.by_ref().take(part.old_end - part.first).map(|n| n.to_value()).collect();
        reverts.push(Revert::Rules { at: items.len(), old: removed, count: part.items.len() });
        items.extend(part.items.iter().cloned());
        shifted += part.delta;
        next_old = part.old_end;
    }
    items.extend(old.map(|mut n| {
        shift(&mut n, shifted);
        n
    }));
    root.span.end = root.span.end.saturating_add_signed(delta);
    reverts
}

/// Moves a node and everything in it by `delta` bytes.
fn shift(node: &mut Node, delta: isize) {
    // The elements before the first change stay: their subtrees are not walked.
    if delta == 0 {
        return;
    }
    node.span = moved(node.span, delta);
    match &mut node.kind {
        NodeKind::Array(items) => items.iter_mut().for_each(|n| shift(n, delta)),
        NodeKind::Object(members) => {
            for m in members {
                m.key_span = moved(m.key_span, delta);
                shift(&mut m.value, delta);
            }
        }
        _ => {}
    }
}

fn moved(span: json::Span, delta: isize) -> json::Span {
    json::Span { start: span.start.saturating_add_signed(delta), end: span.end.saturating_add_signed(delta) }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::profile::synth::XorShift;
    use serde_json::{Value, json};
    use std::cell::Cell;

    thread_local! {
        /// Re-reads this thread's documents took by splicing (the test checks it did, often).
        pub static SPLICED: Cell<usize> = const { Cell::new(0) };
        /// Of those, the ones spliced as several runs of changed elements.
        pub static IN_RUNS: Cell<usize> = const { Cell::new(0) };
    }

    const NAMES: [&str; 6] = ["read", "write", "openat", "mmap", "socket", "ioctl"];

    /// A rule, now and then one the reader has something to say about.
    fn rule(rng: &mut XorShift) -> Value {
        let name = NAMES[rng.index(NAMES.len())];
        match rng.index(10) {
            0 => json!({"names": [name], "action": "SCMP_ACT_BOGUS"}),
            1 => json!({"Names": [name], "action": "SCMP_ACT_LOG"}),
            2 => json!({"names": [name], "action": "SCMP_ACT_ALLOW", "zz": 1}),
            3 => json!(7),
            4 => json!({"names": [], "action": "SCMP_ACT_ALLOW"}),
            5 => json!({"names": [name]}),
            6 => json!({"names": [name, "close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                        "args": [{"index": rng.index(8), "value": rng.index(3), "op": "SCMP_CMP_EQ"}]}),
            // Brackets, commas, quotes and backslashes in a string: the element scanner skips them.
            7 => json!({"names": [name], "action": "SCMP_ACT_ALLOW", "comment": "a \"[x], {y}\" \\ \\\" ]"}),
            _ => json!({"names": [name], "action": "SCMP_ACT_ALLOW"}),
        }
    }

    /// Elements one to a line, some spread over lines, one with a repeated key; `extra` top
    /// keys before the array, `after` ones behind it.
    fn profile_text(rng: &mut XorShift, rules: usize, extra: &str, after: &str) -> String {
        let mut items: Vec<String> = (0..rules)
            .map(|_| {
                let r = rule(rng);
                if rng.index(4) == 0 { serde_json::to_string_pretty(&r) } else { serde_json::to_string(&r) }.unwrap()
            })
            .collect();
        items.insert(
            rng.index(rules),
            r#"{"names": ["dup"], "action": "SCMP_ACT_LOG", "action": "SCMP_ACT_ALLOW"}"#.into(),
        );
        let head = format!("{{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",{extra}\n  \"syscalls\": [\n    ");
        format!("{head}{}\n  ]{after}\n}}\n", items.join(",\n    "))
    }

    fn edit(value: &mut Value, original: &Value, rng: &mut XorShift) {
        let rules = value["syscalls"].as_array_mut().unwrap();
        if rules.is_empty() {
            rules.push(rule(rng));
            return;
        }
        let at = rng.index(rules.len());
        match rng.index(12) {
            0 | 1 => rules[at] = rule(rng),
            2 | 3 => rules.insert(at, rule(rng)),
            4 | 5 if rules.len() > 1 => drop(rules.remove(at)),
            6 => {
                let far = rng.index(rules.len());
                rules[at] = rule(rng);
                rules[far] = rule(rng);
            }
            7 => rules.push(rule(rng)),
            8 => rules.insert(0, rule(rng)),
            9 => value["defaultAction"] = json!(["SCMP_ACT_LOG", "SCMP_ACT_ERRNO"][rng.index(2)]),
            10 => *value = original.clone(),
            _ if rules.len() > 1 => drop(rules.remove(rules.len() - 1)),
            _ => rules.clear(),
        }
    }

    /// The element scanner finds the elements the parser finds, strings with brackets,
    /// commas, quotes and backslashes, nesting and scalars included.
    #[test]
    fn elements_are_found_where_the_parser_puts_them() {
        let inside = r#" {"a": "x\"]}, {[\\"}, [1, [2, {"b": "]"}]] ,"s\\" ,-1.5e3, true,null , {}"#;
        let text = format!("[{inside}]");
        let NodeKind::Array(items) = json::parse(&text).unwrap().kind else { unreachable!("an array") };
        let expected: Vec<json::Span> = items.iter().map(|n| n.span).collect();
        assert_eq!(element_spans(text.as_bytes(), 1, text.len() - 1), Some(expected));
        assert_eq!(element_spans(b"[1 2]", 1, 4), None, "no comma between elements");
    }

    /// What the document holds after an edit is what reading its text afresh gives.
    fn check(doc: &Document, step: usize) {
        let text = doc.render();
        let fresh = Document::parse(&text, "t.json").unwrap();
        assert_eq!(doc.profile, fresh.profile, "step {step}:\n{text}");
        assert_eq!(doc.findings, fresh.findings, "step {step}:\n{text}");
        assert_eq!(doc.rule_lines, fresh.rule_lines, "step {step}");
        assert_eq!(doc.rule_findings, fresh.rule_findings, "step {step}");
        let rendered = doc.rendered.as_ref().expect("a JSON document keeps its text");
        assert_eq!(*rendered.text, text);
        assert_eq!(*rendered.root, json::parse(&text).unwrap(), "step {step}");
        let fresh_lines = crate::profile::position::LineStarts::of(&text);
        assert_eq!(rendered.lines.starts(), fresh_lines.starts(), "step {step}: the lines moved with the edit");
        assert_eq!(doc.is_modified(), text != doc.original, "step {step}");
    }

    #[test]
    fn a_spliced_reread_equals_reading_the_text_afresh() {
        let layouts = [("", ""), ("\n  \"zzTop\": 1,", ""), ("", ",\n  \"listenerMetadata\": \"m\"")];
        let mut edits = 0;
        let (spliced_before, in_runs_before) = (SPLICED.with(Cell::get), IN_RUNS.with(Cell::get));
        for seed in 1..=40u64 {
            let mut rng = XorShift::new(seed);
            let (extra, after) = layouts[seed as usize % layouts.len()];
            let rules = 2 + rng.index(12);
            let text = profile_text(&mut rng, rules, extra, after);
            let mut doc = Document::parse(&text, "t.json").unwrap();
            let original = doc.profile_value().clone();
            // Odd seeds edit in place and then take every edit back, checking each step.
            let in_place = seed % 2 == 1;
            let mut taken_back = Vec::new();
            for step in 0..25 {
                let before = doc.render();
                if in_place {
                    let revert = doc.edit_profile(|value| edit(value, &original, &mut rng));
                    taken_back.extend(revert.map(|r| (r, before)));
                } else {
                    let mut value = doc.profile_value().clone();
                    edit(&mut value, &original, &mut rng);
                    doc.set_profile_value(value);
                }
                check(&doc, step);
                edits += 1;
            }
            let edited = doc.render();
            let mut redo = Vec::new();
            while let Some((revert, before)) = taken_back.pop() {
                let after = doc.render();
                redo.push((doc.revert(revert).expect("the edit's rules are there"), after));
                check(&doc, 100 + taken_back.len());
                assert_eq!(doc.render(), before, "seed {seed}: taking an edit back restores the text");
                edits += 1;
            }
            if in_place {
                assert_eq!(doc.render(), text, "seed {seed}: all taken back");
            }
            while let Some((reverse, after)) = redo.pop() {
                doc.revert(reverse).expect("the undone edit's rules are there");
                check(&doc, 200 + redo.len());
                assert_eq!(doc.render(), after, "seed {seed}: redoing an edit gives its text again");
            }
            assert_eq!(doc.render(), edited, "seed {seed}: all redone");
        }
        let spliced = SPLICED.with(Cell::get) - spliced_before;
        assert!(spliced * 2 > edits, "only {spliced} of {edits} edits were spliced");
        let in_runs = IN_RUNS.with(Cell::get) - in_runs_before;
        assert!(in_runs * 20 > edits, "only {in_runs} of {edits} edits were spliced in several runs");
    }
}
