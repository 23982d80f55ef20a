//! Routing: a message in, to the feature that owns it in the current mode and focus; the
//! effects out. No I/O here (no file, process or clock): saving, loading a profile to compare
//! with, reading the run history, starting and stopping a command and quitting are effects
//! the loop performs ([`super::step`] routes and performs one message).

pub use crate::tui::shared::{Effect, Msg};

use super::{App, Focus, Mode, Prompt, Tab, Target, run_pane};
use crate::tui::features::compare::{self, Outcome};
use crate::tui::features::{browser, context, prompt, rules, run};

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    // A key never acts on a profile whose verdicts are not known yet.
    app.state.settle();
    app.state.message = None;
    let effects = route(app, msg);
    app.sync_compare();
    effects
}

/// Popups first: while one is up its feature has the keys.
fn route(app: &mut App, msg: Msg) -> Vec<Effect> {
    let (ed, mode) = (&mut app.state, &mut app.mode);
    match mode.clone() {
        Mode::Normal => return normal_key(app, msg),
        Mode::Search => browser::search_key(ed, mode, msg),
        Mode::Help => help_key(app, msg),
        Mode::Pick { target, cursor } => prompt::pick_key(ed, mode, msg, target, cursor),
        Mode::Prompt { purpose, input } => {
            if let Some((purpose, input)) = prompt::prompt_key(mode, msg, purpose, input) {
                return submit(app, purpose, input.trim());
            }
        }
        Mode::Rules { cursor } => rules::rules_key(ed, mode, msg, cursor),
        Mode::PickOp { at, cursor } => rules::pick_op_key(ed, mode, msg, at, cursor),
        Mode::Arches { cursor } => rules::arches_key(ed, mode, msg, cursor),
        Mode::RunCommand => match app.run.as_mut() {
            Some(pane) => return run::command_key(pane, ed, mode, msg),
            None => *mode = Mode::Normal,
        },
        Mode::Interact => {
            if msg == Msg::Escape {
                *mode = Mode::Normal;
            }
        }
        Mode::ConfirmQuit => return confirm(app, msg, vec![Effect::Quit]),
        Mode::ConfirmOverwrite => return confirm(app, msg, vec![Effect::SaveOverwrite]),
    }
    Vec::new()
}

fn help_key(app: &mut App, msg: Msg) {
    match msg {
        Msg::Escape | Msg::Help | Msg::Quit | Msg::Enter => app.mode = Mode::Normal,
        Msg::Down | Msg::ScrollDetail(1..) | Msg::PageDown => {
            app.help_scroll = (app.help_scroll + 3).min(super::view::help_last_scroll());
        }
        Msg::Up | Msg::ScrollDetail(i16::MIN..=-1) | Msg::PageUp => app.help_scroll = app.help_scroll.saturating_sub(3),
        _ => {}
    }
}

fn confirm(app: &mut App, msg: Msg, yes: Vec<Effect>) -> Vec<Effect> {
    app.mode = Mode::Normal;
    match msg {
        Msg::Type('y') | Msg::Type('Y') => yes,
        _ => {
            app.state.message = Some("cancelled".into());
            Vec::new()
        }
    }
}

/// The main screen: the compare view and the focused run pane take their keys first.
fn normal_key(app: &mut App, msg: Msg) -> Vec<Effect> {
    if let Some(view) = app.compare.as_mut() {
        match compare::key(view, &mut app.state, &mut app.focus, msg) {
            Outcome::Handled => return Vec::new(),
            Outcome::Perform(effect) => return vec![effect],
            Outcome::Close => {
                app.compare = None;
                if app.compare_only {
                    return normal_key(app, Msg::Quit);
                }
                return Vec::new();
            }
            Outcome::Unhandled => {}
        }
    }
    if app.focus == Focus::Run {
        if let Some(pane) = app.run.as_mut() {
            if let Some(effects) = run::key(pane, &mut app.state, &mut app.mode, msg) {
                return effects;
            }
        }
    }
    let ed = &mut app.state;
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
        Msg::RunPane => return run_pane::toggle(app),
        Msg::Compare => app.mode = Mode::Prompt { purpose: Prompt::CompareWith, input: "runtime-default".into() },
        // From the editor panes too: allow something, then re-run at once.
        Msg::Rerun if app.run.is_some() => {
            let pane = app.run.as_ref().expect("checked above");
            return run::start(pane, ed, &mut app.mode);
        }
        Msg::Stop if app.run.is_some() => return vec![Effect::StopRun],
        Msg::StartSearch => browser::start_search(ed, &mut app.mode, &mut app.focus),
        Msg::Escape if !ed.query.is_empty() => browser::clear_search(ed),
        Msg::Toggle | Msg::Type(' ') => browser::toggle(ed, app.focus),
        Msg::Pick | Msg::Enter => app.mode = Mode::Pick { target: browser::pick_target(ed, app.focus), cursor: 0 },
        Msg::PickCategory => app.mode = Mode::Pick { target: Target::Category, cursor: 0 },
        Msg::PickDefault => app.mode = Mode::Pick { target: Target::Default, cursor: 0 },
        Msg::Undo => ed.undo(true),
        Msg::Redo => ed.undo(false),
        Msg::Save => return save(app),
        Msg::SaveAs => app.mode = Mode::Prompt { purpose: Prompt::SavePath { to: None }, input: String::new() },
        Msg::Quit if ed.doc.is_modified() || app.run.as_ref().is_some_and(|p| p.is_running()) => {
            app.mode = Mode::ConfirmQuit
        }
        Msg::Quit => return vec![Effect::Quit],
        Msg::Help => {
            app.help_scroll = 0;
            app.mode = Mode::Help;
        }
        Msg::NextTab => app.detail.cycle_tab(1),
        Msg::PrevTab => app.detail.cycle_tab(Tab::ALL.len() - 1),
        Msg::NextEngine => context::next_engine(ed),
        Msg::NextArch => context::next_arch(ed),
        Msg::Rules if ed.selected().is_some() => app.mode = Mode::Rules { cursor: 0 },
        Msg::Arches => app.mode = Mode::Arches { cursor: 0 },
        Msg::EditCaps => {
            let input = ed.ctx.caps.iter().cloned().collect::<Vec<_>>().join(",");
            app.mode = Mode::Prompt { purpose: Prompt::Caps, input }
        }
        Msg::EditKernel => app.mode = Mode::Prompt { purpose: Prompt::Kernel, input: ed.ctx.kernel.to_string() },
        Msg::EditRuntime => {
            app.mode = Mode::Prompt { purpose: Prompt::Runtime, input: context::runtime_spelling(&ed.ctx.runtime) }
        }
        Msg::ClickCategory(i) => browser::click_category(ed, &mut app.focus, i),
        Msg::ClickRow(i) => {
            let selected = browser::click_row(ed, &mut app.focus, i);
            if selected {
                app.detail.scroll = 0;
            }
        }
        Msg::ClickTab(t) => app.detail.tab = t,
        Msg::ScrollDetail(d) => app.detail.scroll_by(d),
        _ => {}
    }
    Vec::new()
}

fn move_cursor(app: &mut App, delta: isize) {
    let lint = app.detail.tab == Tab::Lint;
    if browser::move_cursor(&mut app.state, app.focus, lint, delta) {
        app.detail.scroll = 0;
    }
}

/// A prompt's text goes to the feature that asked for it.
fn submit(app: &mut App, purpose: Prompt, input: &str) -> Vec<Effect> {
    let ed = &mut app.state;
    match purpose {
        Prompt::SavePath { to } if !input.is_empty() => return vec![Effect::SaveAs(input.to_string(), to)],
        Prompt::SavePath { .. } => {}
        Prompt::Errno(target) => prompt::submit_errno(ed, target, input),
        // A misspelt capability would silently drop out of the context: say so, keep the old set.
        Prompt::Caps => match crate::policy::caps::parse_caps(input) {
            Ok(_) => context::set_caps(ed, input),
            Err(why) => ed.message = Some(why),
        },
        Prompt::Kernel => context::set_kernel(ed, input),
        Prompt::Runtime => context::set_runtime(ed, input),
        Prompt::Condition { at, op } => rules::submit_condition(ed, &mut app.mode, at, op, input),
        Prompt::Comment { rule } => rules::submit_comment(ed, &mut app.mode, rule, input),
        Prompt::CompareWith => return vec![Effect::OpenCompare(input.to_string())],
    }
    Vec::new()
}

fn save(app: &mut App) -> Vec<Effect> {
    if app.state.doc.path.is_none() {
        app.mode = Mode::Prompt { purpose: Prompt::SavePath { to: None }, input: String::new() };
        return Vec::new();
    }
    vec![Effect::Save]
}
