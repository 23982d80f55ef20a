//! The interactive editor, in three layers, each importing only those below it (see
//! docs/architecture.md):
//!
//! 1. [`state`]: the document being edited and everything derived from it; no ratatui;
//! 2. [`features`]: browser, detail tabs, prompts, rules, context, run pane, compare view; each
//!    its own state, key handling and drawing, none importing another or the app;
//! 3. [`app`]: the composition: which features are open, routing by mode and focus, the keymap,
//!    the layout, effects to I/O.
//!
//! Below all three: [`shared`] (messages, effects, modes), [`theme`], [`widgets`]. This file is
//! on top: the terminal and the event loop, moving events to [`app::step`]: the pure
//! [`app::update::update`] routes a message, [`app::perform`] does the effects it returns.

pub mod app;
pub mod features;
pub mod shared;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod widgets;

pub use app::{key_msg, mouse_msg, perform, step};

use app::view::Areas;
use app::{App, Mode, run_pane};
use features::run::view::terminal_area;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::layout::Rect;
use std::time::Duration;

/// How the editor ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The user quit.
    Quit,
    /// A signal ended it (the shell's exit status is 128 + the signal).
    Signal(i32),
}

impl Ending {
    /// The process's exit status: 0, or 128 + the signal as a shell would report it.
    pub fn status(self) -> i32 {
        match self {
            Ending::Quit => 0,
            Ending::Signal(signal) => 128 + signal,
        }
    }
}

/// Runs the editor until the user quits or a signal ends it. The terminal is restored on
/// every way out: a quit, an error, a panic (a hook restores it before the message is
/// printed), SIGTERM, SIGHUP and SIGINT (which first end the command in the run pane).
/// `signals` are started before any other thread (see [`terminal::Signals::start`]).
pub fn run(mut app: App, signals: terminal::Signals) -> std::io::Result<Ending> {
    let tty = terminal::Tty::open()?;
    let mut term = terminal::enter()?;
    let result = match event_loop(&mut term, &mut app, &signals, &tty) {
        // Drawing on a terminal that went away fails (EIO) before a wait sees the hang-up.
        Err(_) if tty.wait(Duration::ZERO).is_ok_and(|r| r == terminal::Readiness::HungUp) => {
            Ok(Ending::Signal(libc::SIGHUP))
        }
        other => other,
    };
    if let Ok(Ending::Signal(_)) = result {
        end_run(&mut app);
    }
    terminal::restore();
    // Not dropped: ratatui's Terminal shows the cursor on drop and, when that fails (the
    // terminal is gone), reports it with eprintln!, which panics on a gone stderr (exit 101
    // instead of 129). `restore` has shown the cursor already.
    std::mem::forget(term);
    result
}

/// While a command runs the screen is redrawn at this pace, so output bursts are coalesced.
const RUN_REFRESH: Duration = Duration::from_millis(40);
/// How often an idle editor looks for a signal (nothing is redrawn then).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    signals: &terminal::Signals,
    tty: &terminal::Tty,
) -> std::io::Result<Ending> {
    let mut redraw = true;
    while !app.quit {
        if let Some(signal) = signals.received() {
            return Ok(Ending::Signal(signal));
        }
        if redraw {
            app.prepare_view();
            let size = terminal.size()?;
            let area = Rect::new(0, 0, size.width, size.height);
            size_run_pane(app, area);
            run_pane::tick(app);
            terminal.draw(|frame| app::view::draw(frame, app))?;
        }
        // Opened and drawn: the verdicts now, and the frame with them (keys typed meanwhile
        // wait in the terminal).
        if app.state.settle() {
            redraw = true;
            continue;
        }
        let running = app.run.as_ref().is_some_and(features::run::RunPane::is_running);
        match next_input(tty, if running { RUN_REFRESH } else { SIGNAL_CHECK })? {
            terminal::Readiness::HungUp => return Ok(Ending::Signal(libc::SIGHUP)),
            terminal::Readiness::Idle => {
                redraw = running;
                continue;
            }
            terminal::Readiness::Input => {}
        }
        redraw = true;
        let size = terminal.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        // Resize events need nothing but the redraw at the top of the loop.
        let msg = match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release && app.mode == Mode::Interact => {
                app::interact(app, key)
            }
            Event::Key(key) if key.kind != KeyEventKind::Release => key_msg(app, key, area),
            Event::Mouse(mouse) => mouse_msg(app, mouse, area),
            _ => None,
        };
        if let Some(msg) = msg {
            step(app, msg);
        }
    }
    Ok(Ending::Quit)
}

/// Whether an event is there to read within `timeout`. crossterm is asked only while the
/// terminal is alive (see [`terminal::Tty`]): first for events it already holds (one read can
/// bring several keys), then after the terminal has bytes. A resize (SIGWINCH, which crossterm
/// takes) is seen at the next check, within `timeout`.
fn next_input(tty: &terminal::Tty, timeout: Duration) -> std::io::Result<terminal::Readiness> {
    use terminal::Readiness;
    if tty.wait(Duration::ZERO)? == Readiness::HungUp {
        return Ok(Readiness::HungUp);
    }
    if event::poll(Duration::ZERO)? {
        return Ok(Readiness::Input);
    }
    match tty.wait(timeout)? {
        Readiness::Input if !event::poll(Duration::ZERO)? => Ok(Readiness::Idle),
        Readiness::Idle if event::poll(Duration::ZERO)? => Ok(Readiness::Input),
        other => Ok(other),
    }
}

/// Ends the command in the run pane (its whole process group) and waits for it to be reaped.
fn end_run(app: &mut App) {
    if let Some(job) = app.run.as_mut().and_then(|pane| pane.job.as_mut()) {
        job.stop();
        job.wait(Duration::from_secs(5));
    }
}

/// The pty follows the pane: its size is the terminal area the pane will draw.
fn size_run_pane(app: &mut App, area: Rect) {
    let Some(run) = Areas::compute(area, app.run.is_some()).and_then(|a| a.run) else { return };
    let screen = terminal_area(run);
    if let Some(pane) = app.run.as_mut() {
        pane.size = (screen.height, screen.width);
        if let Some(job) = &pane.job {
            job.resize(screen.height, screen.width);
        }
    }
}
