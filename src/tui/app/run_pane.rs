//! Opening and closing the run pane, and following its command between key presses.

use super::{App, Focus, Mode};
use crate::tui::features::run::{self, RunPane};

/// `t`: opens the pane at its command line, or closes it.
pub fn toggle(app: &mut App) {
    if app.run.as_ref().is_some_and(|p| !p.is_running()) && app.focus == Focus::Run {
        app.run = None;
        app.focus = Focus::Syscalls;
        return;
    }
    let state = &app.state;
    app.run.get_or_insert_with(|| RunPane::open(state));
    app.focus = Focus::Run;
    // The command line, with this profile's last command ready: Enter runs it.
    app.mode = Mode::RunCommand;
}

/// Keeps the selection inside the list and notices the end of a run (true: it ended).
pub fn tick(app: &mut App) -> bool {
    let Some(pane) = app.run.as_mut() else { return false };
    run::tick(pane, &mut app.state, &mut app.mode)
}
