//! The run pane: a command line, the command's terminal, the denials it met, and the one-key
//! edits that allow them. Runs use the edited (unsaved) profile.
//!
//! Key handling is pure: starting or stopping the command and reading the history are
//! [`Effect`]s the loop performs through [`launch`], [`stop`] and [`RunPane::open`].

pub mod command_line;
pub mod history;
pub mod job;
pub mod runtime;
pub mod view;

use crate::profile::edit::{Setting, set_syscall};
use crate::profile::edit_rule::append_conditional_rule;
use crate::profile::{Action, ActionName, ArgCondition, Op};
use crate::sandbox::observe::Denial;
use crate::tui::shared::{Effect, Launch, Mode, Msg};
use crate::tui::state::EditingState;
use history::History;
use job::Job;

#[derive(Default)]
pub struct RunPane {
    /// The command line, as typed.
    pub input: String,
    /// The command line's cursor, in characters before its end (0: at the end).
    pub input_back: usize,
    /// The command line is selected (the remembered command): typing replaces it.
    pub input_selected: bool,
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
    /// After a run that worked: what runc needs that the profile denies, until answered.
    pub runtime_question: Vec<&'static str>,
}

impl RunPane {
    /// The last run's denials: in a container, runc init's first, then the program's.
    pub fn denials(&self) -> Vec<Denial> {
        self.denials_split().0
    }

    /// [`RunPane::denials`] and how many of them, at the front, are runc init's (0 on the host),
    /// read at once.
    pub fn denials_split(&self) -> (Vec<Denial>, usize) {
        let Some(job) = self.job.as_ref() else { return (Vec::new(), 0) };
        let mut all = job.runtime_denials.lock().expect("not poisoned").clone();
        let runtime = all.len();
        all.extend(job.denials.lock().expect("not poisoned").iter().cloned());
        (all, runtime)
    }

    pub fn is_running(&self) -> bool {
        self.job.as_ref().is_some_and(Job::is_running)
    }
}

impl RunPane {
    /// A new pane with `history` (read by the loop), its command line holding the last
    /// command run under this profile.
    pub fn open(ed: &EditingState, history: History) -> RunPane {
        let input = history.last_for.get(&profile_key(&ed.doc)).cloned().unwrap_or_default();
        RunPane { history, input, ..RunPane::default() }
    }
}

/// Starts the command line's command under the profile as edited now (the effect that does).
pub fn start(pane: &RunPane, ed: &mut EditingState, mode: &mut Mode) -> Vec<Effect> {
    check(pane, ed, mode, false)
}

/// Runs the command line's command recording every syscall it makes (the effect that does).
pub fn record(pane: &RunPane, ed: &mut EditingState, mode: &mut Mode) -> Vec<Effect> {
    check(pane, ed, mode, true)
}

/// Applies what the finished recording needs, as one undoable edit.
pub fn apply_recording(pane: &mut RunPane, ed: &mut EditingState) {
    let names = view::pending_names(pane);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    allow_names(ed, &refs);
    pane.record_applied = true;
}

pub fn discard_recording(pane: &mut RunPane, ed: &mut EditingState) {
    pane.record_applied = true;
    pane.job = None;
    ed.message = Some("recording discarded".into());
}

/// Whether the command line can run now: the [`Effect::Run`] that starts it, or (nothing
/// and) a message saying why not.
fn check(pane: &RunPane, ed: &mut EditingState, mode: &mut Mode, record: bool) -> Vec<Effect> {
    let argv = match shell_words::split(&pane.input) {
        Ok(argv) => argv,
        Err(e) => {
            ed.message = Some(format!("cannot split the command line: {e}"));
            return Vec::new();
        }
    };
    if argv.is_empty() {
        *mode = Mode::RunCommand;
        return Vec::new();
    }
    let (target, argv) = match command_line::split_target(argv) {
        Ok(split) => split,
        Err(e) => {
            ed.message = Some(e);
            return Vec::new();
        }
    };
    if pane.is_running() {
        ed.message = Some("a command is running; Ctrl-c stops it".into());
        return Vec::new();
    }
    if let Err(e) = &ed.evaluator {
        ed.message = Some(format!("cannot run: {e}"));
        return Vec::new();
    }
    vec![Effect::Run(Launch { command: pane.input.clone(), argv, record, target })]
}

/// The loop's part of a run: remembers the command in the history and starts the job.
pub fn launch(pane: &mut RunPane, ed: &mut EditingState, launch: Launch) {
    // Checked by the routing; the state cannot have changed since, but a refusal beats a panic.
    let ev = match &ed.evaluator {
        Ok(ev) if !pane.is_running() => ev.clone(),
        Ok(_) => return,
        Err(e) => {
            ed.message = Some(format!("cannot run: {e}"));
            return;
        }
    };
    let Launch { command, argv, record, target } = launch;
    let (rows, cols) = if pane.size.0 > 0 { pane.size } else { (12, 80) };
    let profile = profile_key(&ed.doc);
    if let Err(e) = pane.history.add(&profile, &command) {
        ed.message = Some(e);
    }
    pane.history_back = 0;
    pane.runs += 1;
    let place = if target.is_some() { " in a runc container" } else { "" };
    pane.job = Some(Job::start(ev, argv, (rows, cols), record, target));
    pane.cursor = 0;
    pane.scroll = 0;
    pane.record_applied = false;
    pane.runtime_question.clear();
    let how = if record { "recording every syscall of" } else { "running" };
    ed.message = Some(format!("{how} {command}{place} under the edited profile"));
}

/// Ends the running command (the loop's part of [`Effect::StopRun`]).
pub fn stop(pane: &RunPane) {
    if let Some(job) = &pane.job {
        job.stop();
    }
}

fn selected_denial(pane: &RunPane) -> Option<Denial> {
    pane.denials().into_iter().nth(pane.cursor)
}

/// Allows the selected denial's syscall (one undoable edit).
pub fn allow_selected(pane: &RunPane, ed: &mut EditingState) {
    let Some(d) = selected_denial(pane) else { return };
    allow_names(ed, &[d.name.as_str()]);
}

/// Allows every denial seen in the last run (one undoable edit).
pub fn allow_all(pane: &RunPane, ed: &mut EditingState) {
    let denials = pane.denials();
    let names: Vec<&str> = denials.iter().filter(|d| !d.action.lets_through()).map(|d| d.name.as_str()).collect();
    allow_names(ed, &names);
}

fn allow_names(ed: &mut EditingState, names: &[&str]) {
    if names.is_empty() {
        return;
    }
    let default = (ed.doc.profile.default_action.unwrap_or(ActionName::Errno), ed.doc.profile.default_errno_ret);
    let mut value = ed.doc.profile_value().clone();
    for name in names {
        if crate::catalog::is_known_anywhere(name) {
            set_syscall(&mut value, name, Setting::Action(ActionName::Allow, None), default);
        }
    }
    ed.apply(value, format!("allowed {} (r re-runs)", names.join(", ")));
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
pub fn allow_with_args(pane: &RunPane, ed: &mut EditingState) {
    let Some(d) = selected_denial(pane) else { return };
    let Some(&index) = significant_args(&d.name).first() else {
        ed.message = Some(format!("{}: no flag or family argument to match; a allows the syscall", d.name));
        return;
    };
    let wanted = d.first_args[index];
    let default = (ed.doc.profile.default_action.unwrap_or(ActionName::Errno), ed.doc.profile.default_errno_ret);
    let default_allows = Action::from_name(default.0, default.1).lets_through();
    let mut value = ed.doc.profile_value().clone();
    set_syscall(&mut value, &d.name, Setting::Default, default);
    let (action, errno, op) = if default_allows {
        let (name, errno) = action_name(d.action);
        (name, errno, Op::Ne)
    } else {
        (ActionName::Allow, None, Op::Eq)
    };
    let condition = ArgCondition { index: index as u32, value: wanted, value_two: 0, op };
    append_conditional_rule(&mut value, &d.name, action, errno, &condition);
    let shown = crate::catalog::constants::value_text(&d.name, index, wanted);
    ed.apply(value, format!("allowed {} only when arg{index} == {shown} (r re-runs)", d.name));
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
pub fn tick(pane: &mut RunPane, ed: &mut EditingState, mode: &mut Mode) -> bool {
    let Some(job) = pane.job.as_mut() else { return false };
    let ended = job.poll();
    let count = job.denials.lock().expect("not poisoned").len();
    pane.cursor = pane.cursor.min(count.saturating_sub(1));
    if ended {
        runtime::ask_after_run(pane, ed);
        // The question alone on the status bar: the run's status is in the pane, and a
        // narrow status bar would cut the y/n off the end of both.
        ed.message = Some(runtime::question(pane).unwrap_or_else(|| view::status_text(pane)));
        if *mode == Mode::Interact {
            *mode = Mode::Normal;
        }
    }
    ended
}

/// The profile a command is remembered for: its file, or its built-in name.
fn profile_key(doc: &crate::profile::Document) -> String {
    match &doc.path {
        Some(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()).display().to_string(),
        None => doc.name.clone(),
    }
}

/// Up/Down on the command line: older and newer commands.
pub fn browse_history(pane: &mut RunPane, older: bool) {
    let back = if older { pane.history_back + 1 } else { pane.history_back.saturating_sub(1) };
    if back == 0 {
        pane.history_back = 0;
        return;
    }
    if let Some(command) = pane.history.back(back).map(str::to_string) {
        command_line::set(pane, &command);
        pane.history_back = back;
    }
}

/// Keys of the run pane when it has the focus: the effects to perform, or `None` to leave
/// the key to the editor.
pub fn key(p: &mut RunPane, ed: &mut EditingState, mode: &mut Mode, msg: Msg) -> Option<Vec<Effect>> {
    let count = p.denials().len();
    match msg {
        Msg::Up => p.cursor = p.cursor.saturating_sub(1),
        Msg::Down => p.cursor = (p.cursor + 1).min(count.saturating_sub(1)),
        Msg::PageUp => p.scroll += 10,
        Msg::PageDown => p.scroll = p.scroll.saturating_sub(10),
        Msg::Pick => allow_selected(p, ed),
        Msg::AllowArgs => allow_with_args(p, ed),
        Msg::AllowAll => allow_all(p, ed),
        Msg::Rerun => return Some(start(p, ed, mode)),
        Msg::EditCommand => *mode = Mode::RunCommand,
        Msg::Record => return Some(record(p, ed, mode)),
        Msg::Type('y') if !view::pending_names(p).is_empty() => apply_recording(p, ed),
        Msg::Type('n') if !view::pending_names(p).is_empty() => discard_recording(p, ed),
        Msg::Type(c @ ('y' | 'n')) if !p.runtime_question.is_empty() => runtime::answer(p, ed, c == 'y'),
        Msg::Interact if p.is_running() => {
            p.scroll = 0;
            *mode = Mode::Interact;
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Typing the command line: Enter runs it (the effect that does).
pub fn command_key(p: &mut RunPane, ed: &mut EditingState, mode: &mut Mode, msg: Msg) -> Vec<Effect> {
    use command_line::Move;
    match msg {
        Msg::Type(c) => command_line::type_char(p, c),
        Msg::Backspace => command_line::backspace(p),
        Msg::ClearLine => command_line::clear_before_cursor(p),
        Msg::Left => command_line::move_cursor(p, Move::Left),
        Msg::Right => command_line::move_cursor(p, Move::Right),
        Msg::Home => command_line::move_cursor(p, Move::Home),
        Msg::End => command_line::move_cursor(p, Move::End),
        Msg::PageUp => p.scroll += 10,
        Msg::PageDown => p.scroll = p.scroll.saturating_sub(10),
        Msg::Escape => {
            p.input_selected = false;
            *mode = Mode::Normal;
        }
        Msg::Up => browse_history(p, true),
        Msg::Down => browse_history(p, false),
        Msg::Enter => {
            p.input_selected = false;
            *mode = Mode::Normal;
            return start(p, ed, mode);
        }
        _ => {}
    }
    Vec::new()
}
