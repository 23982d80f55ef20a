//! Opening and closing the run pane, and following its command between key presses.

use super::{App, Focus, Mode};
use crate::tui::features::run::history::History;
use crate::tui::features::run::{self, RunPane};
use crate::tui::shared::Effect;

/// `t`: opens the pane at its command line, or closes it. Opening a closed pane reads the
/// command history, so that is an effect ([`open`]).
pub fn toggle(app: &mut App) -> Vec<Effect> {
    if app.run.as_ref().is_some_and(|p| !p.is_running()) && app.focus == Focus::Run {
        app.run = None;
        app.focus = Focus::Syscalls;
        return Vec::new();
    }
    if app.run.is_none() {
        return vec![Effect::OpenRunPane];
    }
    focus_command_line(app);
    Vec::new()
}

/// The loop's part of opening the pane: reads the history, then shows the command line.
pub fn open(app: &mut App) {
    if app.run.is_none() {
        app.run = Some(RunPane::open(&app.state, History::load_default()));
    }
    focus_command_line(app);
}

/// The command line, with this profile's last command ready and selected: Enter runs it,
/// typing replaces it.
pub fn focus_command_line(app: &mut App) {
    app.focus = Focus::Run;
    app.mode = Mode::RunCommand;
    if let Some(pane) = app.run.as_mut() {
        run::command_line::select_all(pane);
    }
}

/// Keeps the selection inside the list and notices the end of a run (true: it ended).
pub fn tick(app: &mut App) -> bool {
    let Some(pane) = app.run.as_mut() else { return false };
    run::tick(pane, &mut app.state, &mut app.mode)
}
