//! The interactive editor: terminal setup and the event loop. State lives in [`app`], changes
//! in [`update`], drawing in [`view`]; this file only moves events and effects between them.

pub mod app;
pub mod compare;
mod compare_view;
pub mod context;
mod detail;
pub mod history;
pub mod job;
pub mod keymap;
pub mod preview;
pub mod rules;
mod rules_view;
pub mod run_pane;
pub mod run_view;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

use crate::fsutil::write_file;
use crate::policy::convert::{Format, Request, convert};
use crate::profile::Document;
use app::{App, Mode, Tab};
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use std::path::Path;
use std::time::Duration;
use update::{Effect, Msg, update};
use view::{Areas, list_offset};

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
pub fn run(mut app: App) -> std::io::Result<Ending> {
    let signals = terminal::Signals::start()?;
    let mut term = terminal::enter()?;
    let result = event_loop(&mut term, &mut app, &signals);
    if let Ok(Ending::Signal(_)) = result {
        end_run(&mut app);
    }
    terminal::restore();
    result
}

/// While a command runs the screen is redrawn at this pace, so output bursts are coalesced.
const RUN_REFRESH: Duration = Duration::from_millis(40);
/// How often an idle editor looks for a signal (nothing is redrawn then).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

fn event_loop(terminal: &mut DefaultTerminal, app: &mut App, signals: &terminal::Signals) -> std::io::Result<Ending> {
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
            terminal.draw(|frame| view::draw(frame, app))?;
        }
        let running = app.run.as_ref().is_some_and(run_pane::RunPane::is_running);
        if !event::poll(if running { RUN_REFRESH } else { SIGNAL_CHECK })? {
            redraw = running;
            continue;
        }
        redraw = true;
        let size = terminal.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        // Resize events need nothing but the redraw at the top of the loop.
        let msg = match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release && app.mode == Mode::Interact => interact(app, key),
            Event::Key(key) if key.kind != KeyEventKind::Release => key_msg(app, key, area),
            Event::Mouse(mouse) => mouse_msg(app, mouse, area),
            _ => None,
        };
        if let Some(msg) = msg {
            for effect in update(app, msg) {
                perform(app, effect);
            }
        }
    }
    Ok(Ending::Quit)
}

/// Ends the command in the run pane (its whole process group) and waits for it to be reaped.
fn end_run(app: &mut App) {
    if let Some(job) = app.run.as_mut().and_then(|pane| pane.job.as_mut()) {
        job.stop();
        job.wait(Duration::from_secs(5));
    }
}

/// What a key means in the current mode.
pub fn key_msg(app: &App, key: KeyEvent, area: Rect) -> Option<Msg> {
    if Areas::compute(area, app.run.is_some()).is_none() {
        // Only quitting makes sense on the "too small" screen (and answering its question).
        if app.mode == Mode::ConfirmQuit {
            return keymap::typing(key);
        }
        return matches!(keymap::lookup(key), Some(Msg::Quit)).then_some(Msg::Quit);
    }
    match app.mode {
        Mode::Search | Mode::Prompt { .. } | Mode::RunCommand => keymap::typing(key),
        Mode::Interact => None,
        Mode::ConfirmQuit | Mode::ConfirmOverwrite | Mode::Help => keymap::typing(key).map(|m| match m {
            Msg::Type('?') => Msg::Help,
            other => other,
        }),
        // Lists: Enter picks and Esc leaves before the main screen's meaning of the key.
        Mode::Pick { .. } | Mode::PickOp { .. } | Mode::Rules { .. } | Mode::Arches { .. } => keymap::typing(key)
            .filter(|m| matches!(m, Msg::Enter | Msg::Escape | Msg::Up | Msg::Down))
            .or_else(|| keymap::lookup(key)),
        Mode::Normal => keymap::lookup(key).or_else(|| match keymap::typing(key) {
            Some(Msg::Escape) => Some(Msg::Escape),
            // The run pane's answer to a recording.
            Some(Msg::Type(c @ ('y' | 'n'))) if app.focus == app::Focus::Run => Some(Msg::Type(c)),
            _ => None,
        }),
    }
}

/// Clicks select what is under them; the wheel scrolls the pane under the pointer.
pub fn mouse_msg(app: &App, mouse: MouseEvent, area: Rect) -> Option<Msg> {
    let areas = Areas::compute(area, app.run.is_some())?;
    let at = Position::new(mouse.column, mouse.row);
    let wheel = match mouse.kind {
        MouseEventKind::ScrollDown => Some(1),
        MouseEventKind::ScrollUp => Some(-1),
        _ => None,
    };
    if let Some(step) = wheel {
        if areas.detail.contains(at) && app.compare.is_none() {
            return Some(Msg::ScrollDetail(step * 3));
        }
        if areas.categories.contains(at) && app.focus != app::Focus::Categories {
            return Some(Msg::Left);
        }
        return Some(if step > 0 { Msg::Down } else { Msg::Up });
    }
    // The compare view is driven by keys and the wheel.
    if mouse.kind != MouseEventKind::Down(MouseButton::Left) || app.mode != Mode::Normal || app.compare.is_some() {
        return None;
    }
    let row_in =
        |pane: Rect| (mouse.row > pane.y && mouse.row < pane.bottom() - 1).then(|| (mouse.row - pane.y - 1) as usize);
    if areas.categories.contains(at) {
        let height = areas.categories.height.saturating_sub(2) as usize;
        let offset = list_offset(app.category, crate::catalog::CATEGORIES.len(), height);
        return row_in(areas.categories).map(|r| Msg::ClickCategory(offset + r));
    }
    if areas.syscalls.contains(at) {
        let height = areas.syscalls.height.saturating_sub(2) as usize;
        let offset = list_offset(app.cursor, app.rows.len(), height);
        return row_in(areas.syscalls).map(|r| Msg::ClickRow(offset + r));
    }
    if areas.tabs.contains(at) {
        return tab_at(mouse.column - areas.tabs.x, app).map(Msg::ClickTab);
    }
    None
}

/// Which tab title covers column `x` of the tab row (titles as `view` draws them).
fn tab_at(x: u16, app: &App) -> Option<Tab> {
    let mut start = 0u16;
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let title = match tab {
            Tab::Lint => format!("{} {} ({})", i + 1, tab.title(), app.findings.len()),
            _ => format!("{} {}", i + 1, tab.title()),
        };
        // ratatui's Tabs: one space of padding each side, then a one-column divider.
        let end = start + title.chars().count() as u16 + 2;
        if x < end {
            return Some(*tab);
        }
        start = end + 1;
    }
    None
}

/// Carries out what `update` asked for.
pub fn perform(app: &mut App, effect: Effect) {
    match effect {
        Effect::Quit => app.quit = true,
        Effect::Save => match app.doc.save() {
            Ok(saved) => app.message = Some(format!("saved {}", saved.summary())),
            Err(crate::profile::SaveError::ChangedOnDisk { .. }) => app.mode = Mode::ConfirmOverwrite,
            Err(e) => app.message = Some(format!("not saved: {e}")),
        },
        Effect::SaveOverwrite => {
            let path = app.doc.path.clone().expect("only files from disk change on disk");
            save_as(app, &path);
        }
        Effect::SaveAs(path, to) => {
            let path = Path::new(&path);
            if path.exists() {
                app.message =
                    Some(format!("{} exists; not overwriting it (S and choose another name)", path.display()));
            } else if let Some(to) = to {
                save_converted(app, path, to);
            } else {
                save_as(app, path);
            }
        }
    }
}

fn save_as(app: &mut App, path: &Path) {
    match app.doc.save_as(path) {
        Ok(saved) => {
            app.json_view = None;
            app.message = Some(format!("saved {}", saved.summary()));
        }
        Err(e) => app.message = Some(format!("not saved: {e}")),
    }
}

/// Save as another format: converted (conditions resolved for the editing context), written,
/// then opened in place of the old document (its undo history no longer applies).
fn save_converted(app: &mut App, path: &Path, to: Format) {
    let request = Request { to, name: None, resolve: Some(&app.ctx) };
    let converted = match convert(&app.doc, &request) {
        Ok(c) => c,
        Err(refused) => {
            app.message = Some(format!("not saved as {}: {}", to.name(), refused.0.join("; ")));
            return;
        }
    };
    let saved = match write_file(path, converted.text.as_bytes()) {
        Ok(saved) => saved,
        Err(e) => {
            app.message = Some(format!("not saved: {e}"));
            return;
        }
    };
    match Document::open(path) {
        Ok(doc) => {
            app.doc = doc;
            app.undo.clear();
            app.redo.clear();
            app.json_view = None;
            app.refresh();
            let dropped = if converted.dropped.is_empty() {
                "nothing dropped".to_string()
            } else {
                format!("dropped: {}", converted.dropped.join("; "))
            };
            app.message = Some(format!("saved {} as {} ({dropped}); now editing it", saved.summary(), to.name()));
        }
        Err(e) => app.message = Some(format!("saved {}, but it does not read back: {e}", path.display())),
    }
}

/// The pty follows the pane: its size is the terminal area the pane will draw.
fn size_run_pane(app: &mut App, area: Rect) {
    let Some(run) = Areas::compute(area, app.run.is_some()).and_then(|a| a.run) else { return };
    let screen = run_view::terminal_area(run);
    if let Some(pane) = app.run.as_mut() {
        pane.size = (screen.height, screen.width);
        if let Some(job) = &pane.job {
            job.resize(screen.height, screen.width);
        }
    }
}

/// In interact mode every key goes to the command, as the bytes a terminal would send;
/// Ctrl-] gives the keys back to the editor.
fn interact(app: &mut App, key: KeyEvent) -> Option<Msg> {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    // Ctrl-] is byte 0x1d, which terminals without key reporting also spell as Ctrl-5.
    if matches!(key.code, KeyCode::Char(']' | '5')) && key.modifiers.contains(KeyModifiers::CONTROL) {
        return Some(Msg::Escape);
    }
    let bytes: Vec<u8> = match key.code {
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => {
            vec![(c.to_ascii_lowercase() as u8) & 0x1f]
        }
        KeyCode::Char(c) => c.to_string().into_bytes(),
        KeyCode::Enter => b"\r".to_vec(),
        KeyCode::Backspace => vec![0x7f],
        KeyCode::Tab => b"\t".to_vec(),
        KeyCode::Esc => vec![0x1b],
        KeyCode::Up => b"\x1b[A".to_vec(),
        KeyCode::Down => b"\x1b[B".to_vec(),
        KeyCode::Right => b"\x1b[C".to_vec(),
        KeyCode::Left => b"\x1b[D".to_vec(),
        KeyCode::Home => b"\x1b[H".to_vec(),
        KeyCode::End => b"\x1b[F".to_vec(),
        _ => return None,
    };
    if let Some(job) = app.run.as_ref().and_then(|p| p.job.as_ref()) {
        job.send(&bytes);
    }
    None
}
