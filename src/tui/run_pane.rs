//! The run pane: a command line, the command's terminal, the denials it met, and the one-key
//! edits that allow them. Runs use the edited (unsaved) profile.

use super::app::{App, Focus, Mode};
use super::history::History;
use super::job::Job;
use super::update::{Effect, Msg};
use crate::profile::edit::{Setting, set_syscall};
use crate::profile::edit_rule::append_conditional_rule;
use crate::profile::{Action, ActionName, ArgCondition, Op};
use crate::sandbox::observe::Denial;

#[derive(Default)]
pub struct RunPane {
    /// The command line, as typed.
    pub input: String,
    pub job: Option<Job>,
    /// Selected denial.
    pub cursor: usize,
    /// Lines scrolled back in the output.
    pub scroll: usize,
    /// The terminal's size inside the pane, set when drawn.
    pub size: (u16, u16),
    /// The last recording's additions were applied (or discarded).
    pub record_applied: bool,
    pub history: History,
    /// Runs started in this session (the status line numbers them).
    pub runs: usize,
    /// How far back the command line is in the history while browsing it (0: not browsing).
    pub history_back: usize,
}

impl RunPane {
    pub fn denials(&self) -> Vec<Denial> {
        self.job.as_ref().map(|j| j.denials.lock().expect("not poisoned").clone()).unwrap_or_default()
    }

    pub fn is_running(&self) -> bool {
        self.job.as_ref().is_some_and(Job::is_running)
    }
}

/// `t`: opens the pane at its command line, or closes it.
pub fn toggle(app: &mut App) {
    if app.run.as_ref().is_some_and(|p| !p.is_running()) && app.focus == Focus::Run {
        app.run = None;
        app.focus = Focus::Syscalls;
        return;
    }
    let profile = profile_key(app);
    app.run.get_or_insert_with(|| {
        let history = History::load_default();
        let input = history.last_for.get(&profile).cloned().unwrap_or_default();
        RunPane { history, input, ..RunPane::default() }
    });
    app.focus = Focus::Run;
    // The command line, with this profile's last command ready: Enter runs it.
    app.mode = Mode::RunCommand;
}

/// Starts the command line's command under the profile as edited now.
pub fn start(app: &mut App) {
    launch(app, false);
}

/// Runs the command line's command recording every syscall it makes.
pub fn record(app: &mut App) {
    launch(app, true);
}

/// Applies what the finished recording needs, as one undoable edit.
pub fn apply_recording(app: &mut App) {
    let Some(pane) = app.run.as_ref() else { return };
    let names = super::run_view::pending_names(pane);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    allow_names(app, &refs);
    if let Some(pane) = app.run.as_mut() {
        pane.record_applied = true;
    }
}

pub fn discard_recording(app: &mut App) {
    if let Some(pane) = app.run.as_mut() {
        pane.record_applied = true;
        pane.job = None;
    }
    app.message = Some("recording discarded".into());
}

fn launch(app: &mut App, recording: bool) {
    let Some(pane) = app.run.as_mut() else { return };
    let argv = match shell_words::split(&pane.input) {
        Ok(argv) => argv,
        Err(e) => {
            app.message = Some(format!("cannot split the command line: {e}"));
            return;
        }
    };
    if argv.is_empty() {
        app.mode = Mode::RunCommand;
        return;
    }
    if pane.is_running() {
        app.message = Some("a command is running; Ctrl-c stops it".into());
        return;
    }
    let ev = match &app.evaluator {
        Ok(ev) => ev.clone(),
        Err(e) => {
            app.message = Some(format!("cannot run: {e}"));
            return;
        }
    };
    let (rows, cols) = if pane.size.0 > 0 { pane.size } else { (12, 80) };
    let profile = profile_key_of(&app.doc);
    if let Err(e) = pane.history.add(&profile, &pane.input) {
        app.message = Some(e);
    }
    pane.history_back = 0;
    pane.runs += 1;
    pane.job = Some(Job::start(ev, argv, rows, cols, recording));
    pane.cursor = 0;
    pane.scroll = 0;
    pane.record_applied = false;
    let how = if recording { "recording every syscall of" } else { "running" };
    app.message = Some(format!("{how} {} under the edited profile", pane.input));
}

pub fn stop(app: &mut App) {
    if let Some(job) = app.run.as_ref().and_then(|p| p.job.as_ref()) {
        job.stop();
    }
}

fn selected_denial(app: &App) -> Option<Denial> {
    let pane = app.run.as_ref()?;
    pane.denials().into_iter().nth(pane.cursor)
}

/// Allows the selected denial's syscall (one undoable edit).
pub fn allow_selected(app: &mut App) {
    let Some(d) = selected_denial(app) else { return };
    allow_names(app, &[d.name.as_str()]);
}

/// Allows every denial seen in the last run (one undoable edit).
pub fn allow_all(app: &mut App) {
    let denials = app.run.as_ref().map(RunPane::denials).unwrap_or_default();
    let names: Vec<&str> = denials.iter().filter(|d| !d.action.lets_through()).map(|d| d.name.as_str()).collect();
    allow_names(app, &names);
}

fn allow_names(app: &mut App, names: &[&str]) {
    if names.is_empty() {
        return;
    }
    let default = (app.doc.profile.default_action.unwrap_or(ActionName::Errno), app.doc.profile.default_errno_ret);
    let mut value = app.doc.profile_value().clone();
    for name in names {
        if crate::catalog::is_known_anywhere(name) {
            set_syscall(&mut value, name, Setting::Action(ActionName::Allow, None), default);
        }
    }
    app.apply(value, format!("allowed {} (r re-runs)", names.join(", ")));
}

/// The arguments worth matching on, per syscall: flags and families, not pointers.
pub fn significant_args(name: &str) -> &'static [usize] {
    match name {
        "socket" | "socketpair" | "clone" | "unshare" | "personality" | "prctl" => &[0],
        "ioctl" | "fcntl" | "setns" | "kill" | "tkill" => &[1],
        "mprotect" | "pkey_mprotect" => &[2],
        _ => &[],
    }
}

/// Allows the selected denial only with the argument value of its first call: the syscall
/// leaves its unconditional rules, then (default deny) a rule allows it when the argument is
/// that value, or (default allow) a rule keeps denying it when the argument is anything else.
pub fn allow_with_args(app: &mut App) {
    let Some(d) = selected_denial(app) else { return };
    let Some(&index) = significant_args(&d.name).first() else {
        app.message = Some(format!("{}: no flag or family argument to match; a allows the syscall", d.name));
        return;
    };
    let wanted = d.first_args[index];
    let default = (app.doc.profile.default_action.unwrap_or(ActionName::Errno), app.doc.profile.default_errno_ret);
    let default_allows = Action::from_name(default.0, default.1).lets_through();
    let mut value = app.doc.profile_value().clone();
    set_syscall(&mut value, &d.name, Setting::Default, default);
    let (action, errno, op) = if default_allows {
        let (name, errno) = action_name(d.action);
        (name, errno, Op::Ne)
    } else {
        (ActionName::Allow, None, Op::Eq)
    };
    let condition = ArgCondition { index: index as u32, value: wanted, value_two: 0, op };
    append_conditional_rule(&mut value, &d.name, action, errno, &condition);
    app.apply(value, format!("allowed {} only when arg{index} == {wanted:#x} (r re-runs)", d.name));
}

/// The profile spelling of a decided action.
fn action_name(action: Action) -> (ActionName, Option<u32>) {
    match action {
        Action::Errno(e) => (ActionName::Errno, Some(e)),
        Action::Trace(e) => (ActionName::Trace, Some(e)),
        Action::KillProcess => (ActionName::KillProcess, None),
        Action::KillThread => (ActionName::KillThread, None),
        Action::Trap => (ActionName::Trap, None),
        Action::Notify => (ActionName::Notify, None),
        Action::Log => (ActionName::Log, None),
        Action::Allow => (ActionName::Allow, None),
    }
}

/// Keeps the selection inside the list and notices the end of a run.
pub fn tick(app: &mut App) -> bool {
    let Some(pane) = app.run.as_mut() else { return false };
    let Some(job) = pane.job.as_mut() else { return false };
    let ended = job.poll();
    let count = job.denials.lock().expect("not poisoned").len();
    pane.cursor = pane.cursor.min(count.saturating_sub(1));
    if ended {
        app.message = Some(super::run_view::status_text(pane));
        if app.mode == Mode::Interact {
            app.mode = Mode::Normal;
        }
    }
    ended
}

/// The profile a command is remembered for: its file, or its built-in name.
fn profile_key(app: &App) -> String {
    profile_key_of(&app.doc)
}

fn profile_key_of(doc: &crate::profile::Document) -> String {
    match &doc.path {
        Some(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()).display().to_string(),
        None => doc.name.clone(),
    }
}

/// Up/Down on the command line: older and newer commands.
pub fn browse_history(app: &mut App, older: bool) {
    let Some(pane) = app.run.as_mut() else { return };
    let back = if older { pane.history_back + 1 } else { pane.history_back.saturating_sub(1) };
    if back == 0 {
        pane.history_back = 0;
        return;
    }
    if let Some(command) = pane.history.back(back) {
        pane.input = command.to_string();
        pane.history_back = back;
    }
}

/// Keys of the run pane when it has the focus; `None` leaves the key to the editor.
pub fn key(app: &mut App, msg: Msg) -> Option<Vec<Effect>> {
    let p = app.run.as_mut()?;
    let count = p.denials().len();
    match msg {
        Msg::Up => p.cursor = p.cursor.saturating_sub(1),
        Msg::Down => p.cursor = (p.cursor + 1).min(count.saturating_sub(1)),
        Msg::PageUp => p.scroll += 10,
        Msg::PageDown => p.scroll = p.scroll.saturating_sub(10),
        Msg::Pick => allow_selected(app),
        Msg::AllowArgs => allow_with_args(app),
        Msg::AllowAll => allow_all(app),
        Msg::Rerun => start(app),
        Msg::EditCommand => app.mode = Mode::RunCommand,
        Msg::Record => record(app),
        Msg::Type('y') if !super::run_view::pending_names(p).is_empty() => apply_recording(app),
        Msg::Type('n') if !super::run_view::pending_names(p).is_empty() => discard_recording(app),
        Msg::Interact if p.is_running() => {
            p.scroll = 0;
            app.mode = Mode::Interact;
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Typing the command line: Enter runs it.
pub fn command_key(app: &mut App, msg: Msg) -> Vec<Effect> {
    let Some(p) = app.run.as_mut() else {
        app.mode = Mode::Normal;
        return Vec::new();
    };
    match msg {
        Msg::Type(c) => p.input.push(c),
        Msg::Backspace => {
            p.input.pop();
        }
        Msg::Escape => app.mode = Mode::Normal,
        Msg::Up => browse_history(app, true),
        Msg::Down => browse_history(app, false),
        Msg::Enter => {
            app.mode = Mode::Normal;
            start(app);
        }
        _ => {}
    }
    Vec::new()
}
