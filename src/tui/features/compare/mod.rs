//! The compare view: the edited profile (left) against another (right), a row per syscall
//! where the kernel's behaviour differs, decisions copied across as undoable edits.

pub mod view;

use crate::catalog::Arch;
use crate::policy::compare::{Comparison, Difference, compare};
use crate::policy::context::Context;
use crate::policy::evaluator::Evaluator;
use crate::profile::Document;
use crate::profile::edit::{Setting, remove_name, set_syscall};
use crate::tui::shared::{Effect, Focus, Msg};
use crate::tui::state::EditingState;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

pub struct CompareView {
    pub right: Document,
    pub right_ctx: Context,
    pub result: Result<Comparison, String>,
    pub show_all: bool,
    pub cursor: usize,
    /// Earlier right-side profiles, for undo.
    pub right_undo: Vec<Value>,
    /// Which side each copy edited, newest last (`u` undoes the newest).
    pub edits: Vec<Side>,
}

impl CompareView {
    pub fn new(right: Document, right_ctx: Context) -> CompareView {
        CompareView {
            right,
            right_ctx,
            result: Err(String::new()),
            show_all: false,
            cursor: 0,
            right_undo: Vec::new(),
            edits: Vec::new(),
        }
    }

    /// Recomputes the comparison (after an edit on either side or a context change).
    pub fn refresh(&mut self, ed: &EditingState) {
        self.right_ctx.native = ed.ctx.native;
        let left = ed.evaluator.clone();
        let right = Evaluator::new(self.right.effective_profile(), &self.right_ctx).map_err(|e| e.to_string());
        self.result = match (left, right) {
            (Ok(l), Ok(r)) => {
                let arches: std::collections::BTreeSet<Arch> = l.arches().into_iter().chain(r.arches()).collect();
                Ok(compare(&l, &r, &arches.into_iter().collect::<Vec<_>>(), self.show_all))
            }
            (Err(e), _) => Err(format!("left: {e}")),
            (_, Err(e)) => Err(format!("right: {e}")),
        };
        let len = self.rows(&ed.query).len();
        self.cursor = self.cursor.min(len.saturating_sub(1));
    }

    /// The rows shown: differences (every syscall with `show_all`) matching the fuzzy `query`.
    pub fn rows(&self, query: &str) -> Vec<&Difference> {
        let Ok(c) = &self.result else { return Vec::new() };
        let mut rows: Vec<&Difference> = c.differences.iter().collect();
        if self.show_all {
            rows.extend(&c.equal);
            rows.sort_by(|a, b| a.syscall.cmp(b.syscall));
        }
        // Grouped by browsing category (catalog order), then by name: the view draws a header
        // above each group.
        rows.sort_by_key(|d| (category_index(d.syscall), d.syscall));
        if !query.trim().is_empty() {
            let hits: std::collections::HashSet<&str> =
                crate::catalog::search::search(query).into_iter().map(|h| h.info.name).collect();
            rows.retain(|d| hits.contains(d.syscall));
        }
        rows
    }
}

/// Position of the syscall's category in the catalog (unknown ones last).
pub fn category_index(name: &str) -> usize {
    let id = crate::catalog::info(name).map(|i| i.category.id);
    crate::catalog::CATEGORIES.iter().position(|c| Some(c.id) == id).unwrap_or(usize::MAX)
}

/// Makes `to` treat the selected syscall as `from` does: its rules naming the syscall are
/// replaced by copies of `from`'s (conditions, filters and comments included).
pub fn copy(view: &mut CompareView, ed: &mut EditingState, to: Side) {
    let Some(name) = view.rows(&ed.query).get(view.cursor).map(|d| d.syscall) else { return };
    let (source, target) = match to {
        Side::Right => (ed.doc.profile_value().clone(), view.right.profile_value().clone()),
        Side::Left => (view.right.profile_value().clone(), ed.doc.profile_value().clone()),
    };
    let edited = copy_rules(&source, target, name);
    let what = format!("{name}: copied the {} side's rules", if to == Side::Right { "left" } else { "right" });
    match to {
        Side::Left => ed.apply(edited, what),
        Side::Right => {
            view.right_undo.push(view.right.profile_value().clone());
            view.right.set_profile_value(edited);
            ed.message = Some(what);
        }
    }
    view.edits.push(to);
    view.refresh(ed);
}

/// `target` with every rule naming `name` removed (the name only, for shared rules), then the
/// default action of `source` where it differs, and copies of `source`'s rules for `name`.
fn copy_rules(source: &Value, mut target: Value, name: &str) -> Value {
    let names = |r: &Value| {
        r.get("names").and_then(Value::as_array).is_some_and(|ns| ns.iter().any(|n| n.as_str() == Some(name)))
            || r.get("name").and_then(Value::as_str) == Some(name)
    };
    let count = target.get("syscalls").and_then(Value::as_array).map_or(0, Vec::len);
    for i in (0..count).rev() {
        if names(&target["syscalls"][i]) {
            remove_name(&mut target, i, name);
        }
    }
    let copies: Vec<Value> = source
        .get("syscalls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| names(r))
        .map(|r| {
            let mut copy = r.clone();
            if let Some(obj) = copy.as_object_mut() {
                obj.shift_remove("name");
                obj.insert("names".into(), serde_json::json!([name]));
            }
            copy
        })
        .collect();
    let source_default = default_of(source);
    let target_default = default_of(&target);
    if copies.is_empty() && source_default != target_default {
        // The source leaves it to its default: say that explicitly on the target.
        set_syscall(&mut target, name, Setting::Action(source_default.0, source_default.1), target_default);
    }
    if let Some(rules) = target.get_mut("syscalls").and_then(Value::as_array_mut) {
        rules.extend(copies);
    } else if !copies.is_empty() {
        target["syscalls"] = Value::Array(copies);
    }
    target
}

fn default_of(profile: &Value) -> (crate::profile::ActionName, Option<u32>) {
    let action = profile
        .get("defaultAction")
        .and_then(Value::as_str)
        .and_then(crate::profile::ActionName::parse)
        .unwrap_or(crate::profile::ActionName::Errno);
    let errno = profile.get("defaultErrnoRet").and_then(Value::as_u64).map(|e| e as u32);
    (action, errno)
}

/// `u` in the view: undoes the newest copy, on whichever side it was.
pub fn undo(view: &mut CompareView, ed: &mut EditingState) -> bool {
    let Some(side) = view.edits.pop() else { return false };
    if side == Side::Right {
        if let Some(previous) = view.right_undo.pop() {
            view.right.set_profile_value(previous);
        }
        ed.message = Some("undone on the right".into());
        view.refresh(ed);
        return true;
    }
    false
}

/// What a key did in the compare view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not a key of the view: the editor's meaning applies (search, context, save, help).
    Unhandled,
    Handled,
    /// Handled, and the loop has I/O to do (saving the right side).
    Perform(Effect),
    /// The view is done (Esc, or Enter went to the syscall in the editor).
    Close,
}

/// Keys of the compare view.
pub fn key(view: &mut CompareView, ed: &mut EditingState, focus: &mut Focus, msg: Msg) -> Outcome {
    let last = view.rows(&ed.query).len().saturating_sub(1);
    match msg {
        Msg::Up => view.cursor = view.cursor.saturating_sub(1),
        Msg::Down => view.cursor = (view.cursor + 1).min(last),
        Msg::PageUp => view.cursor = view.cursor.saturating_sub(15),
        Msg::PageDown => view.cursor = (view.cursor + 15).min(last),
        Msg::ClickRow(i) => view.cursor = i.min(last),
        Msg::ToggleAll => {
            view.show_all = !view.show_all;
            view.refresh(ed);
        }
        Msg::CopyRight => copy(view, ed, Side::Right),
        Msg::CopyLeft => copy(view, ed, Side::Left),
        Msg::Undo if undo(view, ed) => {}
        Msg::SaveRight => return Outcome::Perform(Effect::SaveRight),
        Msg::Escape if ed.query.is_empty() => return Outcome::Close,
        Msg::Pick if jump(view, ed, focus) => return Outcome::Close,
        Msg::Pick => {}
        _ => return Outcome::Unhandled,
    }
    Outcome::Handled
}

/// Enter: back to the editor on the selected syscall (false: no row is selected).
fn jump(view: &CompareView, ed: &mut EditingState, focus: &mut Focus) -> bool {
    let Some(name) = view.rows(&ed.query).get(view.cursor).map(|d| d.syscall) else {
        return false;
    };
    ed.query = name.to_string();
    ed.refresh_rows();
    ed.cursor = ed.rows.iter().position(|r| r.name == name).unwrap_or(0);
    *focus = Focus::Syscalls;
    true
}

/// Saves the right side to its file (the loop's part of `W`).
pub fn save_right(view: &mut CompareView, ed: &mut EditingState) {
    ed.message = Some(match view.right.save() {
        Ok(saved) => format!("saved {}", saved.summary()),
        Err(e) => format!("right side not saved: {e}"),
    });
}

/// A file, or a built-in profile by name, to compare with.
pub fn load_right(name: &str) -> Result<Document, String> {
    let path = std::path::Path::new(name);
    if path.exists() {
        Document::open(path).map_err(|e| e.to_string())
    } else {
        crate::profile::bundled::open(name).ok_or_else(|| format!("{name}: no such file or built-in profile"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn copying_replaces_the_targets_rules_for_that_syscall_only() {
        let source = json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
            {"names": ["read", "personality"], "action": "SCMP_ACT_LOG"}]});
        let target = json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["personality", "write"], "action": "SCMP_ACT_ALLOW"}]});
        let out = copy_rules(&source, target, "personality");
        assert_eq!(out["syscalls"][0]["names"], json!(["write"]), "write keeps its rule");
        assert_eq!(out["syscalls"][1]["args"][0]["value"], json!(8));
        assert_eq!(out["syscalls"][2], json!({"names": ["personality"], "action": "SCMP_ACT_LOG"}));
    }

    #[test]
    fn copying_a_default_makes_it_explicit_when_the_defaults_differ() {
        let source = json!({"defaultAction": "SCMP_ACT_ALLOW"});
        let target = json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []});
        let out = copy_rules(&source, target, "mount");
        assert_eq!(out["syscalls"][0], json!({"names": ["mount"], "action": "SCMP_ACT_ALLOW"}));
    }
}
