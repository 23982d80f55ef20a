//! The browser: the categories (tri-state counts), the syscall list and its fuzzy search, and
//! Space's allow ⇄ default. Its selection (category, cursor, query) lives in the editing state,
//! because every other feature acts on the selected syscall.

pub mod view;

use crate::catalog::{self, CATEGORIES};
use crate::profile::edit::Setting;
use crate::profile::{Action, ActionName};
use crate::tui::shared::{Focus, Mode, Msg};
use crate::tui::state::{EditingState, Target};

/// Moves the focused list's cursor by `delta`; `lint`: the Lint tab is shown, so ↑↓ walk its
/// findings. True when the syscall cursor was set (the preview then starts at its top).
pub fn move_cursor(ed: &mut EditingState, focus: Focus, lint: bool, delta: isize) -> bool {
    match focus {
        Focus::Run => false,
        Focus::Categories => {
            let shown = shown_categories(ed);
            let at = shown.iter().position(|&i| i == ed.category).unwrap_or(0);
            let to = (at as isize + delta).clamp(0, shown.len() as isize - 1) as usize;
            ed.select_category(shown[to]);
            false
        }
        Focus::Syscalls if lint && delta.abs() == 1 && !ed.findings.is_empty() => {
            ed.finding = (ed.finding as isize + delta).clamp(0, ed.findings.len() as isize - 1) as usize;
            jump_to_finding(ed);
            false
        }
        Focus::Syscalls => {
            let last = ed.rows.len().saturating_sub(1) as isize;
            ed.cursor = (ed.cursor as isize + delta).clamp(0, last.max(0)) as usize;
            true
        }
    }
}

/// The categories listed (indices into [`CATEGORIES`]): those with syscalls on the host arch,
/// and the selected one, so no "Other 0/0" is offered.
pub fn shown_categories(ed: &EditingState) -> Vec<usize> {
    (0..CATEGORIES.len()).filter(|&i| ed.counts.get(i).is_some_and(|c| c.total > 0) || i == ed.category).collect()
}

/// Selecting a lint finding shows its syscall in the list.
fn jump_to_finding(ed: &mut EditingState) {
    let Some(name) = ed.findings.get(ed.finding).and_then(|f| f.syscall.clone()) else { return };
    if let Some(info) = catalog::info(&name) {
        ed.query.clear();
        if let Some(i) = CATEGORIES.iter().position(|c| c.id == info.category.id) {
            ed.category = i;
        }
        ed.refresh_rows();
        if let Some(i) = ed.rows.iter().position(|r| r.name == name) {
            ed.cursor = i;
        }
    }
}

/// `/`: a new search, as in less and vim: the previous query is gone.
pub fn start_search(ed: &mut EditingState, mode: &mut Mode, focus: &mut Focus) {
    ed.query.clear();
    ed.refresh_rows();
    *mode = Mode::Search;
    *focus = Focus::Syscalls;
}

/// Esc on the main screen: the list shows the category again.
pub fn clear_search(ed: &mut EditingState) {
    ed.query.clear();
    ed.refresh_rows();
}

/// Keys while typing the search.
pub fn search_key(ed: &mut EditingState, mode: &mut Mode, msg: Msg) {
    match msg {
        Msg::Type(c) => ed.query.push(c),
        Msg::Backspace => {
            ed.query.pop();
        }
        Msg::Escape => {
            ed.query.clear();
            *mode = Mode::Normal;
        }
        Msg::Enter | Msg::Down | Msg::Up => *mode = Mode::Normal,
        _ => return,
    }
    ed.cursor = 0;
    ed.refresh_rows();
}

/// What Enter's action picker applies to: the category in the categories pane, else the syscall.
pub fn pick_target(ed: &EditingState, focus: Focus) -> Target {
    if focus == Focus::Categories && ed.query.is_empty() { Target::Category } else { Target::Syscall }
}

/// Space: an allowed syscall goes back to the default, anything else becomes allowed.
pub fn toggle(ed: &mut EditingState, focus: Focus) {
    if focus == Focus::Categories && ed.query.is_empty() {
        let count = ed.counts[ed.category];
        let setting = if count.allowed == Some(count.total) {
            Setting::Default
        } else {
            Setting::Action(ActionName::Allow, None)
        };
        return ed.set_action(setting, Target::Category);
    }
    let Some(row) = ed.selected() else { return };
    let setting =
        if row.action == Some(Action::Allow) { Setting::Default } else { Setting::Action(ActionName::Allow, None) };
    ed.set_action(setting, Target::Syscall);
}

/// A click on a category row.
pub fn click_category(ed: &mut EditingState, focus: &mut Focus, i: usize) {
    if i < CATEGORIES.len() {
        *focus = Focus::Categories;
        ed.select_category(i);
    }
}

/// A click on a syscall row; true when it selected one.
pub fn click_row(ed: &mut EditingState, focus: &mut Focus, i: usize) -> bool {
    if i >= ed.rows.len() {
        return false;
    }
    *focus = Focus::Syscalls;
    ed.cursor = i;
    true
}
