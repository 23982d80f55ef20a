//! Actions in, state changed, effects out. No I/O here: saving and quitting are effects the
//! loop performs.

use super::app::{App, Focus, Mode, Prompt, Tab, Target};
use crate::catalog::{self, CATEGORIES};
use crate::policy::convert::Format;
use crate::profile::edit::{Setting, set_default_action, set_syscall};
use crate::profile::errno::errno_number;
use crate::profile::{Action, ActionName};

/// Everything a key, a click or the loop can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    Up,
    Down,
    PageUp,
    PageDown,
    Left,
    Right,
    NextPane,
    StartSearch,
    Type(char),
    Backspace,
    Escape,
    Enter,
    /// Allow the selected syscall, or set it back to the default.
    Toggle,
    /// Choose an action for the selected syscall.
    Pick,
    /// Choose an action for every syscall of the category.
    PickCategory,
    /// Choose the profile's default action.
    PickDefault,
    Undo,
    Redo,
    Save,
    /// Save to a new file, in a format picked in the prompt.
    SaveAs,
    Quit,
    Help,
    NextTab,
    PrevTab,
    /// Cycle the engine of the context.
    NextEngine,
    NextArch,
    /// Open the rules editor (conditions, comments) for the selected syscall.
    Rules,
    /// Open the profile's architectures.
    Arches,
    /// Rules editor: remove the selected condition, or the syscall from the selected rule.
    Remove,
    /// Rules editor: edit the selected rule's comment.
    Comment,
    /// Open or close the run pane.
    RunPane,
    /// Run the command line's command again under the profile as edited now.
    Rerun,
    /// Allow the selected denial only with its flag/family argument values.
    AllowArgs,
    /// Allow every denial of the last run.
    AllowAll,
    /// Stop the running command.
    Stop,
    /// Send keys to the running command (Ctrl-] ends).
    Interact,
    /// Edit the run pane's command line.
    EditCommand,
    /// Run the command recording every syscall.
    Record,
    /// Compare the edited profile with a file or built-in.
    Compare,
    /// Compare view: make the right side do what the left does for the selected syscall.
    CopyRight,
    /// Compare view: make the left side do what the right does.
    CopyLeft,
    /// Compare view: show every syscall, not only differences.
    ToggleAll,
    /// Compare view: save the right side.
    SaveRight,
    EditCaps,
    EditKernel,
    /// Mouse: a click on a category row, a syscall row, a tab.
    ClickCategory(usize),
    ClickRow(usize),
    ClickTab(Tab),
    ScrollDetail(i16),
}

/// What the loop has to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Save to the document's file (refusing if it changed on disk).
    Save,
    /// Save even though the file changed on disk.
    SaveOverwrite,
    SaveAs(String, Option<Format>),
    Quit,
}

/// The choices of the action picker, in order.
pub const CHOICES: &[(&str, Option<Setting>)] = &[
    ("allow", Some(Setting::Action(ActionName::Allow, None))),
    ("errno EPERM (1)", Some(Setting::Action(ActionName::Errno, Some(1)))),
    ("errno ENOSYS (38)", Some(Setting::Action(ActionName::Errno, Some(38)))),
    ("errno … (type a number or name)", None),
    ("log", Some(Setting::Action(ActionName::Log, None))),
    ("kill thread", Some(Setting::Action(ActionName::KillThread, None))),
    ("kill process", Some(Setting::Action(ActionName::KillProcess, None))),
    ("trap", Some(Setting::Action(ActionName::Trap, None))),
    ("notify", Some(Setting::Action(ActionName::Notify, None))),
    ("trace", Some(Setting::Action(ActionName::Trace, None))),
    ("default action", Some(Setting::Default)),
];

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    app.message = None;
    match app.mode.clone() {
        Mode::Search => search_key(app, msg),
        Mode::Help => {
            match msg {
                Msg::Escape | Msg::Help | Msg::Quit | Msg::Enter => app.mode = Mode::Normal,
                Msg::Down | Msg::ScrollDetail(1..) | Msg::PageDown => {
                    let rows = super::keymap::help_lines().len() as u16;
                    app.help_scroll = (app.help_scroll + 3).min(rows);
                }
                Msg::Up | Msg::ScrollDetail(i16::MIN..=-1) | Msg::PageUp => {
                    app.help_scroll = app.help_scroll.saturating_sub(3)
                }
                _ => {}
            }
            Vec::new()
        }
        Mode::Pick { target, cursor } => pick_key(app, msg, target, cursor),
        Mode::Prompt { purpose, input } => prompt_key(app, msg, purpose, input),
        Mode::Rules { cursor } => super::rules::rules_key(app, msg, cursor),
        Mode::PickOp { at, cursor } => super::rules::pick_op_key(app, msg, at, cursor),
        Mode::Arches { cursor } => super::rules::arches_key(app, msg, cursor),
        Mode::RunCommand => super::run_pane::command_key(app, msg),
        Mode::Interact => {
            if msg == Msg::Escape {
                app.mode = Mode::Normal;
            }
            Vec::new()
        }
        Mode::ConfirmQuit => confirm(app, msg, vec![Effect::Quit]),
        Mode::ConfirmOverwrite => confirm(app, msg, vec![Effect::SaveOverwrite]),
        Mode::Normal => normal_key(app, msg),
    }
}

fn confirm(app: &mut App, msg: Msg, yes: Vec<Effect>) -> Vec<Effect> {
    app.mode = Mode::Normal;
    match msg {
        Msg::Type('y') | Msg::Type('Y') => yes,
        _ => {
            app.message = Some("cancelled".into());
            Vec::new()
        }
    }
}

fn normal_key(app: &mut App, msg: Msg) -> Vec<Effect> {
    if app.compare.is_some() {
        if let Some(effects) = super::compare::key(app, msg) {
            return effects;
        }
    }
    if app.focus == Focus::Run {
        if let Some(effects) = super::run_pane::key(app, msg) {
            return effects;
        }
    }
    match msg {
        Msg::Up => move_cursor(app, -1),
        Msg::Down => move_cursor(app, 1),
        Msg::PageUp => move_cursor(app, -15),
        Msg::PageDown => move_cursor(app, 15),
        Msg::Left => app.focus = Focus::Categories,
        Msg::Right => app.focus = Focus::Syscalls,
        Msg::NextPane => {
            app.focus = match app.focus {
                Focus::Categories => Focus::Syscalls,
                Focus::Syscalls if app.run.is_some() => Focus::Run,
                _ => Focus::Categories,
            }
        }
        Msg::RunPane => super::run_pane::toggle(app),
        Msg::Compare => app.mode = Mode::Prompt { purpose: Prompt::CompareWith, input: "runtime-default".into() },
        // From the editor panes too: allow something, then re-run at once.
        Msg::Rerun if app.run.is_some() => super::run_pane::start(app),
        Msg::Stop => super::run_pane::stop(app),
        Msg::StartSearch => {
            // A new search, as in less and vim: the previous query is gone.
            app.query.clear();
            app.refresh_rows();
            app.mode = Mode::Search;
            app.focus = Focus::Syscalls;
        }
        Msg::Escape if !app.query.is_empty() => {
            app.query.clear();
            app.refresh_rows();
        }
        Msg::Toggle | Msg::Type(' ') => toggle(app),
        Msg::Pick | Msg::Enter => {
            let target =
                if app.focus == Focus::Categories && app.query.is_empty() { Target::Category } else { Target::Syscall };
            app.mode = Mode::Pick { target, cursor: 0 }
        }
        Msg::PickCategory => app.mode = Mode::Pick { target: Target::Category, cursor: 0 },
        Msg::PickDefault => app.mode = Mode::Pick { target: Target::Default, cursor: 0 },
        Msg::Undo => undo(app, true),
        Msg::Redo => undo(app, false),
        Msg::Save => return save(app),
        Msg::SaveAs => app.mode = Mode::Prompt { purpose: Prompt::SavePath { to: None }, input: String::new() },
        Msg::Quit if app.doc.is_modified() || app.run.as_ref().is_some_and(|p| p.is_running()) => {
            app.mode = Mode::ConfirmQuit
        }
        Msg::Quit => return vec![Effect::Quit],
        Msg::Help => {
            app.help_scroll = 0;
            app.mode = Mode::Help;
        }
        Msg::NextTab => cycle_tab(app, 1),
        Msg::PrevTab => cycle_tab(app, Tab::ALL.len() - 1),
        Msg::NextEngine => super::context::next_engine(app),
        Msg::NextArch => super::context::next_arch(app),
        Msg::Rules if app.selected().is_some() => app.mode = Mode::Rules { cursor: 0 },
        Msg::Arches => app.mode = Mode::Arches { cursor: 0 },
        Msg::EditCaps => {
            app.mode = Mode::Prompt {
                purpose: Prompt::Caps,
                input: app.ctx.caps.iter().cloned().collect::<Vec<_>>().join(","),
            }
        }
        Msg::EditKernel => app.mode = Mode::Prompt { purpose: Prompt::Kernel, input: app.ctx.kernel.to_string() },
        Msg::ClickCategory(i) if i < CATEGORIES.len() => {
            app.focus = Focus::Categories;
            select_category(app, i);
        }
        Msg::ClickRow(i) if i < app.rows.len() => {
            app.focus = Focus::Syscalls;
            app.cursor = i;
            app.detail_scroll = 0;
        }
        Msg::ClickTab(t) => app.tab = t,
        Msg::ScrollDetail(d) => app.detail_scroll = app.detail_scroll.saturating_add_signed(d),
        _ => {}
    }
    Vec::new()
}

fn cycle_tab(app: &mut App, step: usize) {
    let i = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
    app.tab = Tab::ALL[(i + step) % Tab::ALL.len()];
    app.detail_scroll = 0;
}

fn move_cursor(app: &mut App, delta: isize) {
    match app.focus {
        Focus::Run => {}
        Focus::Categories => {
            let i = (app.category as isize + delta).clamp(0, CATEGORIES.len() as isize - 1) as usize;
            select_category(app, i);
        }
        Focus::Syscalls if app.tab == Tab::Lint && delta.abs() == 1 && !app.findings.is_empty() => {
            app.finding = (app.finding as isize + delta).clamp(0, app.findings.len() as isize - 1) as usize;
            jump_to_finding(app);
        }
        Focus::Syscalls => {
            let last = app.rows.len().saturating_sub(1) as isize;
            app.cursor = (app.cursor as isize + delta).clamp(0, last.max(0)) as usize;
            app.detail_scroll = 0;
        }
    }
}

/// Selecting a lint finding shows its syscall in the list.
fn jump_to_finding(app: &mut App) {
    let Some(name) = app.findings.get(app.finding).and_then(|f| f.syscall.clone()) else { return };
    if let Some(info) = catalog::info(&name) {
        app.query.clear();
        if let Some(i) = CATEGORIES.iter().position(|c| c.id == info.category.id) {
            app.category = i;
        }
        app.refresh_rows();
        if let Some(i) = app.rows.iter().position(|r| r.name == name) {
            app.cursor = i;
        }
    }
}

fn select_category(app: &mut App, i: usize) {
    app.category = i;
    app.query.clear();
    app.cursor = 0;
    app.refresh_rows();
}

fn search_key(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Type(c) => app.query.push(c),
        Msg::Backspace => {
            app.query.pop();
        }
        Msg::Escape => {
            app.query.clear();
            app.mode = Mode::Normal;
        }
        Msg::Enter | Msg::Down | Msg::Up => app.mode = Mode::Normal,
        _ => return Vec::new(),
    }
    app.cursor = 0;
    app.refresh_rows();
    Vec::new()
}

fn pick_key(app: &mut App, msg: Msg, target: Target, cursor: usize) -> Vec<Effect> {
    let choices = choices(target);
    match msg {
        Msg::Up => app.mode = Mode::Pick { target, cursor: cursor.saturating_sub(1) },
        Msg::Down => app.mode = Mode::Pick { target, cursor: (cursor + 1).min(choices.len() - 1) },
        Msg::Escape | Msg::Quit => app.mode = Mode::Normal,
        Msg::ClickRow(i) if i < choices.len() => app.mode = Mode::Pick { target, cursor: i },
        Msg::Enter | Msg::Toggle | Msg::Type(' ') => {
            app.mode = Mode::Normal;
            match choices[cursor].1 {
                Some(setting) => apply_setting(app, setting, target),
                None => app.mode = Mode::Prompt { purpose: Prompt::Errno(target), input: String::new() },
            }
        }
        _ => {}
    }
    Vec::new()
}

/// The picker's choices: the default action cannot be "the default".
pub fn choices(target: Target) -> &'static [(&'static str, Option<Setting>)] {
    if target == Target::Default { &CHOICES[..CHOICES.len() - 1] } else { CHOICES }
}

fn prompt_key(app: &mut App, msg: Msg, purpose: Prompt, mut input: String) -> Vec<Effect> {
    match msg {
        Msg::Type(c) => input.push(c),
        Msg::Backspace => {
            input.pop();
        }
        Msg::Escape => {
            app.mode = match purpose {
                Prompt::Condition { .. } | Prompt::Comment { .. } => Mode::Rules { cursor: 0 },
                _ => Mode::Normal,
            };
            return Vec::new();
        }
        Msg::Enter => {
            app.mode = Mode::Normal;
            return submit(app, purpose, input.trim());
        }
        Msg::NextPane => {
            if let Prompt::SavePath { to } = purpose {
                app.mode = Mode::Prompt { purpose: Prompt::SavePath { to: next_format(to) }, input };
                return Vec::new();
            }
        }
        _ => {}
    }
    app.mode = Mode::Prompt { purpose, input };
    Vec::new()
}

fn submit(app: &mut App, purpose: Prompt, input: &str) -> Vec<Effect> {
    match purpose {
        Prompt::SavePath { to } if !input.is_empty() => return vec![Effect::SaveAs(input.to_string(), to)],
        Prompt::SavePath { .. } => {}
        Prompt::Errno(target) => match parse_errno(input) {
            Some(e) => apply_setting(app, Setting::Action(ActionName::Errno, Some(e)), target),
            None => app.message = Some(format!("\"{input}\" is not an errno (0..4094 or a name like EACCES)")),
        },
        Prompt::Caps => super::context::set_caps(app, input),
        Prompt::Kernel => super::context::set_kernel(app, input),
        Prompt::Condition { at, op } => super::rules::submit_condition(app, at, op, input),
        Prompt::Comment { rule } => super::rules::submit_comment(app, rule, input),
        Prompt::CompareWith => super::compare::open_named(app, input),
    }
    Vec::new()
}

fn parse_errno(text: &str) -> Option<u32> {
    let t = text.trim();
    errno_number(&t.to_ascii_uppercase()).or_else(|| t.parse().ok()).filter(|e| *e <= crate::profile::load::MAX_ERRNO)
}

/// Space: an allowed syscall goes back to the default, anything else becomes allowed.
fn toggle(app: &mut App) {
    if app.focus == Focus::Categories && app.query.is_empty() {
        let count = app.counts[app.category];
        let setting =
            if count.allowed == count.total { Setting::Default } else { Setting::Action(ActionName::Allow, None) };
        return apply_setting(app, setting, Target::Category);
    }
    let Some(row) = app.selected() else { return };
    let setting = if row.action == Action::Allow { Setting::Default } else { Setting::Action(ActionName::Allow, None) };
    apply_setting(app, setting, Target::Syscall);
}

fn apply_setting(app: &mut App, setting: Setting, target: Target) {
    if target == Target::Default {
        return set_default(app, setting);
    }
    let names: Vec<&'static str> = if target == Target::Category {
        let id = CATEGORIES[app.category].id;
        catalog::all()
            .iter()
            .filter(|i| i.category.id == id && catalog::number(app.ctx.native, i.name).is_some())
            .map(|i| i.name)
            .collect()
    } else {
        app.selected().map(|r| vec![r.name]).unwrap_or_default()
    };
    if names.is_empty() {
        return;
    }
    let default = (app.doc.profile.default_action.unwrap_or(ActionName::Errno), app.doc.profile.default_errno_ret);
    let mut value = app.doc.profile_value().clone();
    for name in &names {
        set_syscall(&mut value, name, setting, default);
    }
    let what = match setting {
        Setting::Default => "the default action".to_string(),
        Setting::Action(a, e) => Action::from_name(a, e).to_string(),
    };
    let subject = if target == Target::Category {
        format!("{} syscalls of {}", names.len(), CATEGORIES[app.category].title)
    } else {
        names[0].to_string()
    };
    app.apply(value, format!("{subject} → {what}"));
}

fn set_default(app: &mut App, setting: Setting) {
    let Setting::Action(action, errno) = setting else { return };
    let mut value = app.doc.profile_value().clone();
    set_default_action(&mut value, action, errno.filter(|_| action.takes_errno()));
    app.apply(value, format!("default action → {}", Action::from_name(action, errno)));
}

fn undo(app: &mut App, backwards: bool) {
    let (from, to) = if backwards { (&mut app.undo, &mut app.redo) } else { (&mut app.redo, &mut app.undo) };
    let Some(value) = from.pop() else {
        app.message = Some(if backwards { "nothing to undo" } else { "nothing to redo" }.into());
        return;
    };
    to.push(app.doc.profile_value().clone());
    app.doc.set_profile_value(value);
    app.refresh();
    app.message = Some(if backwards { "undone" } else { "redone" }.into());
}

/// The save prompt's format choices, in Tab order.
fn next_format(to: Option<Format>) -> Option<Format> {
    match to {
        None => Some(Format::Oci),
        Some(Format::Oci) => Some(Format::Docker),
        Some(Format::Docker) => Some(Format::Podman),
        Some(Format::Podman) => Some(Format::Spo),
        Some(Format::Spo) => None,
    }
}

fn save(app: &mut App) -> Vec<Effect> {
    if app.doc.path.is_none() {
        app.mode = Mode::Prompt { purpose: Prompt::SavePath { to: None }, input: String::new() };
        return Vec::new();
    }
    vec![Effect::Save]
}
