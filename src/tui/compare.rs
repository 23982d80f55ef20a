//! The compare view: the edited profile (left) against another (right), a row per syscall
//! where the kernel's behaviour differs, decisions copied across as undoable edits.

use super::app::App;
use super::update::{Effect, Msg};
use crate::catalog::Arch;
use crate::policy::compare::{Comparison, Difference, compare};
use crate::policy::context::Context;
use crate::policy::evaluator::Evaluator;
use crate::profile::Document;
use crate::profile::edit::{Setting, remove_name, set_syscall};
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

/// Opens the view comparing the edited profile with `right`.
pub fn open(app: &mut App, right: Document) {
    let view = CompareView::new(right, app.ctx.clone());
    app.compare = Some(view);
    refresh(app);
}

/// Recomputes the comparison (after an edit on either side or a context change).
pub fn refresh(app: &mut App) {
    let Some(view) = app.compare.as_mut() else { return };
    view.right_ctx.native = app.ctx.native;
    let left = app.evaluator.clone();
    let right = Evaluator::new(view.right.effective_profile(), &view.right_ctx).map_err(|e| e.to_string());
    view.result = match (left, right) {
        (Ok(l), Ok(r)) => {
            let arches: std::collections::BTreeSet<Arch> = l.arches().into_iter().chain(r.arches()).collect();
            Ok(compare(&l, &r, &arches.into_iter().collect::<Vec<_>>(), view.show_all))
        }
        (Err(e), _) => Err(format!("left: {e}")),
        (_, Err(e)) => Err(format!("right: {e}")),
    };
    let len = view.rows(&app.query).len();
    view.cursor = view.cursor.min(len.saturating_sub(1));
}

/// Makes `to` treat the selected syscall as `from` does: its rules naming the syscall are
/// replaced by copies of `from`'s (conditions, filters and comments included).
pub fn copy(app: &mut App, to: Side) {
    let Some(view) = app.compare.as_ref() else { return };
    let Some(name) = view.rows(&app.query).get(view.cursor).map(|d| d.syscall) else { return };
    let (source, target) = match to {
        Side::Right => (app.doc.profile_value().clone(), view.right.profile_value().clone()),
        Side::Left => (view.right.profile_value().clone(), app.doc.profile_value().clone()),
    };
    let edited = copy_rules(&source, target, name);
    let what = format!("{name}: copied the {} side's rules", if to == Side::Right { "left" } else { "right" });
    match to {
        Side::Left => app.apply(edited, what),
        Side::Right => {
            let view = app.compare.as_mut().expect("checked above");
            view.right_undo.push(view.right.profile_value().clone());
            view.right.set_profile_value(edited);
            app.message = Some(what);
        }
    }
    if let Some(view) = app.compare.as_mut() {
        view.edits.push(to);
    }
    refresh(app);
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
pub fn undo(app: &mut App) -> bool {
    let Some(side) = app.compare.as_mut().and_then(|v| v.edits.pop()) else { return false };
    if side == Side::Right {
        let view = app.compare.as_mut().expect("checked above");
        if let Some(previous) = view.right_undo.pop() {
            view.right.set_profile_value(previous);
        }
        app.message = Some("undone on the right".into());
        refresh(app);
        return true;
    }
    false
}

/// Keys of the compare view; `None` leaves the key to the editor (search, context, save, help).
pub fn key(app: &mut App, msg: Msg) -> Option<Vec<Effect>> {
    let query = app.query.clone();
    let view = app.compare.as_mut()?;
    let last = view.rows(&query).len().saturating_sub(1);
    match msg {
        Msg::Up => view.cursor = view.cursor.saturating_sub(1),
        Msg::Down => view.cursor = (view.cursor + 1).min(last),
        Msg::PageUp => view.cursor = view.cursor.saturating_sub(15),
        Msg::PageDown => view.cursor = (view.cursor + 15).min(last),
        Msg::ClickRow(i) => view.cursor = i.min(last),
        Msg::ToggleAll => {
            view.show_all = !view.show_all;
            refresh(app);
        }
        Msg::CopyRight => copy(app, Side::Right),
        Msg::CopyLeft => copy(app, Side::Left),
        Msg::Undo if undo(app) => {}
        Msg::SaveRight => save_right(app),
        Msg::Escape if app.query.is_empty() => app.compare = None,
        Msg::Pick => jump(app),
        _ => return None,
    }
    Some(Vec::new())
}

/// Enter: back to the editor on the selected syscall.
fn jump(app: &mut App) {
    let Some(name) = app.compare.as_ref().and_then(|v| v.rows(&app.query).get(v.cursor).map(|d| d.syscall)) else {
        return;
    };
    app.compare = None;
    app.query = name.to_string();
    app.refresh_rows();
    app.cursor = app.rows.iter().position(|r| r.name == name).unwrap_or(0);
    app.focus = super::app::Focus::Syscalls;
}

fn save_right(app: &mut App) {
    let Some(view) = app.compare.as_mut() else { return };
    app.message = Some(match view.right.save() {
        Ok(saved) => format!("saved {}", saved.summary()),
        Err(e) => format!("right side not saved: {e}"),
    });
}

/// Opens the view against a file, or a built-in profile by name.
pub fn open_named(app: &mut App, name: &str) {
    let path = std::path::Path::new(name);
    let doc = if path.exists() {
        Document::open(path).map_err(|e| e.to_string())
    } else {
        crate::profile::bundled::open(name).ok_or_else(|| format!("{name}: no such file or built-in profile"))
    };
    match doc {
        Ok(doc) => open(app, doc),
        Err(e) => app.message = Some(e),
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
