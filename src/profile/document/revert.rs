//! Edits that can be taken back: what an edit changed, kept as the few rules it replaced
//! rather than a copy of the whole profile (a 5,000-rule profile is megabytes per undo step,
//! and copying it costs more than the rest of a keystroke).

use super::{Document, Source};
use crate::profile::json::patch::node_equals;
use crate::profile::json::{Node, NodeKind};
use serde_json::{Map, Value};

/// How to take an edit back: put `old` in place of the `count` rules at `at`, or the whole
/// profile object back.
#[derive(Debug, Clone, PartialEq)]
pub enum Revert {
    Rules {
        at: usize,
        old: Vec<Value>,
        count: usize,
    },
    Whole(Value),
    /// Several runs of rules, each relative to the profile with the runs before it applied:
    /// taken back last first.
    Steps(Vec<Revert>),
}

impl Document {
    /// Edits the profile object in place with `change`: what takes it back, or `None` (and no
    /// re-read) when it changed nothing.
    pub fn edit_profile(&mut self, change: impl FnOnce(&mut Value)) -> Option<Revert> {
        // The last read's tree holds the profile as it was: the edit needs no copy of it.
        let tree_is_current = matches!(self.source, Source::Json) && self.profile_at.is_empty();
        let before = match (&self.rendered, tree_is_current) {
            (Some(_), true) => None,
            _ => Some(self.profile_value().clone()),
        };
        let slot = self.profile_mut()?;
        change(slot);
        match before {
            Some(before) => {
                let revert = compact(before, slot)?;
                self.reread();
                Some(revert)
            }
            None => self.reread_after_edit(),
        }
    }

    /// The re-read after an edit in place of a JSON profile, whose state before the edit is
    /// the last read's text and tree: the splice gives the rules it replaced, else the tree.
    fn reread_after_edit(&mut self) -> Option<Revert> {
        let previous = self.rendered.take().expect("edit_profile made no copy: the tree is there");
        let text = self.patched();
        if text == *previous.text {
            self.rendered = Some(previous);
            return None;
        }
        match self.reread_rules(previous, text) {
            Ok(revert) => Some(revert),
            Err((text, previous)) => {
                let revert = from_tree(&previous.root, self.profile_value());
                self.read_json(text);
                revert
            }
        }
    }

    /// Replaces the profile object with `new`: what takes it back, or `None` when it is the same.
    pub fn replace_profile(&mut self, new: Value) -> Option<Revert> {
        let slot = self.profile_mut()?;
        let old = std::mem::replace(slot, new);
        let revert = compact(old, slot)?;
        self.reread();
        Some(revert)
    }

    /// Takes an edit back; gives what takes the taking-back back (redo), or `None` (and
    /// changes nothing) when the profile no longer has the rules the edit left.
    pub fn revert(&mut self, revert: Revert) -> Option<Revert> {
        if let Revert::Whole(value) = revert {
            return Some(Revert::Whole(self.replace_profile_value(value)));
        }
        let rules = self
            .profile_mut()
            .and_then(|p| p.get_mut("syscalls"))
            .and_then(Value::as_array_mut)
            .filter(|rules| applies(&revert, rules.len()).is_some())?;
        let reverse = revert_rules(rules, revert);
        self.reread();
        Some(reverse)
    }
}

/// The length of the rule list after `revert`, if it applies to a list of `len` rules.
fn applies(revert: &Revert, len: usize) -> Option<usize> {
    match revert {
        Revert::Rules { at, old, count } => (at + count <= len).then(|| len - count + old.len()),
        Revert::Steps(steps) => steps.iter().rev().try_fold(len, |len, step| applies(step, len)),
        Revert::Whole(_) => None,
    }
}

/// Puts `revert`'s rules back in `rules` (it applies: see [`applies`]); what takes that back.
fn revert_rules(rules: &mut Vec<Value>, revert: Revert) -> Revert {
    match revert {
        Revert::Rules { at, old, count } => {
            let restored = old.len();
            let removed: Vec<Value> = rules.splice(at..at + count, old).collect();
            Revert::Rules { at, old: removed, count: restored }
        }
        // Last first; the reverse steps, gathered in that order, are themselves taken back
        // last first.
        Revert::Steps(steps) => Revert::Steps(steps.into_iter().rev().map(|step| revert_rules(rules, step)).collect()),
        Revert::Whole(_) => unreachable!("`applies` refuses a whole profile among rules"),
    }
}

/// The revert from `old` to `new` (both values), or `None` when they are equal.
fn compact(mut old: Value, new: &Value) -> Option<Revert> {
    let (Some(old_map), Some(new_map)) = (old.as_object(), new.as_object()) else {
        return (old != *new).then_some(Revert::Whole(old));
    };
    let rules_only = same_but_rules(old_map.iter().map(|(k, v)| (k.as_str(), v)), new_map, |a, b| a == b);
    let (Some(Value::Array(before)), Some(Value::Array(after))) = (old_map.get("syscalls"), new_map.get("syscalls"))
    else {
        return (old != *new).then_some(Revert::Whole(old));
    };
    if !rules_only {
        return Some(Revert::Whole(old));
    }
    let (at, end, count) = window(before.len(), after.len(), |i, j| before[i] == after[j])?;
    let Some(Value::Array(before)) = old.get_mut("syscalls") else { unreachable!("checked above") };
    Some(Revert::Rules { at, old: before.drain(at..end).collect(), count })
}

/// The revert from the profile `root` was read as to `new`, or `None` when they are equal.
fn from_tree(root: &Node, new: &Value) -> Option<Revert> {
    let whole = || (!node_equals(root, new)).then(|| Revert::Whole(root.to_value()));
    let (NodeKind::Object(members), Some(new_map)) = (&root.kind, new.as_object()) else { return whole() };
    let pairs = members.iter().map(|m| (m.key.as_str(), &m.value));
    if !same_but_rules(pairs, new_map, node_equals) {
        return whole();
    }
    let rules = members.iter().find(|m| m.key == "syscalls").map(|m| &m.value.kind);
    let (Some(NodeKind::Array(before)), Some(Value::Array(after))) = (rules, new_map.get("syscalls")) else {
        return whole();
    };
    let (at, end, count) = window(before.len(), after.len(), |i, j| node_equals(&before[i], &after[j]))?;
    Some(Revert::Rules { at, old: before[at..end].iter().map(Node::to_value).collect(), count })
}

/// Whether the members `old` and the object `new` have the same keys in the same order (so no
/// key repeats) and equal values, except perhaps `syscalls`.
fn same_but_rules<'a, T: 'a>(
    old: impl ExactSizeIterator<Item = (&'a str, &'a T)>,
    new: &Map<String, Value>,
    equal: impl Fn(&T, &Value) -> bool,
) -> bool {
    old.len() == new.len() && old.zip(new).all(|((k, a), (key, b))| k == key && (k == "syscalls" || equal(a, b)))
}

/// The changed stretch between arrays of `old` and `new` elements (`same(i, j)`: old element
/// `i` equals new element `j`): old `at..end` became `count` new ones; `None` when none changed.
fn window(old: usize, new: usize, same: impl Fn(usize, usize) -> bool) -> Option<(usize, usize, usize)> {
    let head = (0..old.min(new)).take_while(|&i| same(i, i)).count();
    if head == old && head == new {
        return None;
    }
    let tail = (0..old.min(new) - head).take_while(|&k| same(old - 1 - k, new - 1 - k)).count();
    Some((head, old - tail, new - tail - head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEXT: &str = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
  {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["write"], "action": "SCMP_ACT_ALLOW"},
  {"names": ["close"], "action": "SCMP_ACT_ALLOW"}
]}
"#;

    type Edit = Box<dyn Fn(&mut Value)>;

    fn edits() -> Vec<Edit> {
        vec![
            Box::new(|v| v["syscalls"][1]["action"] = json!("SCMP_ACT_LOG")),
            Box::new(|v| {
                v["syscalls"].as_array_mut().unwrap().insert(0, json!({"names": ["a"], "action": "SCMP_ACT_LOG"}))
            }),
            Box::new(|v| drop(v["syscalls"].as_array_mut().unwrap().pop())),
            Box::new(|v| v["defaultAction"] = json!("SCMP_ACT_LOG")),
            Box::new(|v| v["syscalls"] = json!([])),
            Box::new(|v| v["syscalls"].as_array_mut().unwrap().push(json!({"names": ["b"], "action": "SCMP_ACT_LOG"}))),
            Box::new(|v| drop(v.as_object_mut().unwrap().shift_remove("syscalls"))),
        ]
    }

    /// Every edit, made in place and by replacement, taken back and redone, leaves the text
    /// as it was at each point; an edit that changes nothing gives nothing to take back.
    #[test]
    fn edits_are_taken_back_and_redone_exactly() {
        for in_place in [true, false] {
            let mut doc = Document::parse(TEXT, "t.json").unwrap();
            let mut undo = Vec::new();
            let mut texts = vec![doc.render()];
            for edit in edits() {
                let revert = if in_place {
                    doc.edit_profile(|v| edit(v))
                } else {
                    let mut value = doc.profile_value().clone();
                    edit(&mut value);
                    doc.replace_profile(value)
                };
                undo.push(revert.expect("each edit changes the profile"));
                texts.push(doc.render());
            }
            assert!(doc.edit_profile(|_| {}).is_none());
            assert!(doc.replace_profile(doc.profile_value().clone()).is_none());
            let mut redo = Vec::new();
            while let Some(revert) = undo.pop() {
                texts.pop();
                redo.push(doc.revert(revert).expect("the edit's rules are there"));
                assert_eq!(&doc.render(), texts.last().unwrap());
            }
            assert_eq!(doc.render(), TEXT);
            assert!(!doc.is_modified());
            while let Some(revert) = redo.pop() {
                doc.revert(revert).expect("the undone edit's rules are there");
            }
            let gone = Revert::Rules { at: 40, old: Vec::new(), count: 1 };
            assert_eq!(doc.revert(gone), None, "a revert past the rules changes nothing");
            let mut value = Document::parse(TEXT, "t.json").unwrap().profile_value().clone();
            edits().iter().for_each(|edit| edit(&mut value));
            assert_eq!(doc.profile_value(), &value);
        }
    }

    #[test]
    fn a_rule_edit_keeps_only_the_rules_around_it() {
        let rules: Vec<String> =
            (0..10).map(|i| format!("{{\"names\": [\"s{i}\"], \"action\": \"SCMP_ACT_ALLOW\"}}")).collect();
        let text = format!("{{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n{}\n]}}", rules.join(",\n"));
        let mut doc = Document::parse(&text, "t.json").unwrap();
        let revert = doc.edit_profile(|v| v["syscalls"][5]["action"] = json!("SCMP_ACT_LOG"));
        let Some(Revert::Rules { at, old, count }) = revert else { panic!("a rule edit: {revert:?}") };
        assert!(at <= 5 && at + old.len() > 5 && old.len() <= 3 && count == old.len(), "{at} {old:?} {count}");
        assert_eq!(old[5 - at], json!({"names": ["s5"], "action": "SCMP_ACT_ALLOW"}));
        let revert = doc.edit_profile(|v| v["defaultAction"] = json!("SCMP_ACT_LOG"));
        assert!(matches!(revert, Some(Revert::Whole(_))));
    }
}
