//! The screen's layout and drawing: three columns (categories | syscalls | preview) over a
//! status bar, the run pane under them when open, the compare view in the columns' place, and
//! the popup of the current mode on top. Pure: reads the [`App`], never changes it. The same
//! [`Areas`] serve mouse hit-testing.

use super::keymap::help_lines;
use super::{App, Focus, Mode};
use crate::tui::features::{browser, compare, detail, prompt, rules, run};
use crate::tui::widgets::{fit_items, popup, wrap_words};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Below this the three columns cannot show a syscall name, its badge and a preview.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 16;
/// Below this the categories are a one-line selector over the syscall list (← focuses it,
/// ↑↓ change the category), so the preview keeps room for its text.
pub const COLLAPSE_WIDTH: u16 = 120;

/// The key hints under the status bar, with a rank: when the line is too narrow the highest
/// ranks are left out whole (help and quit stay).
pub const HINTS: &[(&str, u8)] = &[
    ("↑↓ move", 1),
    ("←→/Tab pane", 3),
    ("/ search", 2),
    ("Space allow⇄default", 2),
    ("Enter action", 2),
    ("d default", 4),
    ("u undo", 3),
    ("Ctrl-s save", 2),
    ("? help", 0),
    ("q quit", 0),
];

/// Where each part of the main screen is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The categories pane, or the one-line selector when `collapsed`.
    pub categories: Rect,
    pub collapsed: bool,
    pub syscalls: Rect,
    pub detail: Rect,
    /// The tab titles' row inside the detail pane.
    pub tabs: Rect,
    pub status: Rect,
    /// The run pane, under the editor, when it is open.
    pub run: Option<Rect>,
}

impl Areas {
    /// `None` when the terminal is too small to draw the editor.
    pub fn compute(size: Rect, with_run: bool) -> Option<Areas> {
        let min_height = if with_run { MIN_HEIGHT + 8 } else { MIN_HEIGHT };
        if size.width < MIN_WIDTH || size.height < min_height {
            return None;
        }
        let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(size);
        let (main, run) = if with_run {
            let [editor, run] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
            (editor, Some(run))
        } else {
            (main, None)
        };
        let collapsed = size.width < COLLAPSE_WIDTH;
        let (categories, syscalls, detail) = if collapsed {
            let list = (size.width * 45 / 100).clamp(34, 44);
            let [left, detail] = Layout::horizontal([Constraint::Length(list), Constraint::Min(10)]).areas(main);
            let [selector, syscalls] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(left);
            (selector, syscalls, detail)
        } else {
            let [categories, syscalls, detail] =
                Layout::horizontal([Constraint::Length(34), Constraint::Length(34), Constraint::Min(10)]).areas(main);
            (categories, syscalls, detail)
        };
        let tabs = Rect { x: detail.x + 1, y: detail.y + 1, width: detail.width.saturating_sub(2), height: 1 };
        Some(Areas { categories, collapsed, syscalls, detail, tabs, status, run })
    }
}

pub fn draw(frame: &mut Frame, app: &App) {
    let Some(areas) = Areas::compute(frame.area(), app.run.is_some()) else {
        return too_small(frame, app);
    };
    let (ed, theme) = (&app.state, &app.theme);
    if let Some(view) = &app.compare {
        let c = areas.categories;
        let main = Rect { width: areas.detail.right() - c.x, ..c };
        compare::view::draw(frame, view, ed, theme, main);
    } else {
        if areas.collapsed {
            browser::view::category_selector(frame, ed, theme, app.focus, areas.categories);
        } else {
            browser::view::categories(frame, ed, theme, app.focus, areas.categories);
        }
        browser::view::syscalls(frame, ed, theme, app.focus, app.mode == Mode::Search, areas.syscalls);
        detail::view::draw(frame, &app.detail, ed, theme, areas.detail);
    }
    status(frame, app, areas.status);
    if let (Some(area), Some(pane)) = (areas.run, &app.run) {
        run::view::draw(frame, pane, theme, app.focus == Focus::Run, &app.mode, area);
    }
    match &app.mode {
        Mode::Help => help(frame, app),
        Mode::Pick { target, cursor } => prompt::view::picker(frame, ed, theme, *target, *cursor),
        Mode::Prompt { purpose, input } => prompt::view::prompt(frame, ed, theme, *purpose, input),
        Mode::Rules { cursor } => rules::view::rules(frame, ed, theme, *cursor),
        Mode::PickOp { cursor, .. } => rules::view::ops(frame, theme, *cursor),
        Mode::Arches { cursor } => rules::view::arches(frame, ed, theme, *cursor),
        Mode::ConfirmQuit => prompt::view::confirm(frame, theme, quit_question(app)),
        Mode::ConfirmOverwrite => {
            prompt::view::confirm(frame, theme, "The file changed on disk since it was opened. Overwrite it? (y/n)")
        }
        Mode::Normal | Mode::Search | Mode::RunCommand | Mode::Interact => {}
    }
}

/// Why `q` asks: unsaved edits, a running command, or both.
fn quit_question(app: &App) -> &'static str {
    let running = app.run.as_ref().is_some_and(|p| p.is_running());
    match (app.state.doc.is_modified(), running) {
        (true, true) => "Unsaved edits, and a command is running: stop it and quit without saving? (y/n)",
        (true, false) => "Unsaved edits. Quit without saving? (y/n)",
        _ => "A command is running: stop it and quit? (y/n)",
    }
}

fn too_small(frame: &mut Frame, app: &App) {
    let size = frame.area();
    let text = vec![
        Line::styled("Terminal too small", app.theme.accent()),
        Line::raw(format!(
            "{}×{}: seccompose needs at least {MIN_WIDTH}×{} here.",
            size.width,
            size.height,
            if app.run.is_some() { MIN_HEIGHT + 8 } else { MIN_HEIGHT }
        )),
        Line::raw("Enlarge the window, or press q to quit."),
    ];
    let text = if app.mode == Mode::ConfirmQuit {
        let mut t = text;
        t.push(Line::styled("Unsaved edits or a running command: quit anyway? (y/n)", app.theme.warning()));
        t
    } else {
        text
    };
    frame.render_widget(Paragraph::new(text).style(app.theme.text()).wrap(Wrap { trim: true }), size);
}

/// " [new file]" until a new file's first save, " [modified]" with unsaved edits.
fn modified_mark(app: &App) -> &'static str {
    match (app.state.doc.new_file, app.state.doc.is_modified()) {
        (true, _) => " [new file]",
        (false, true) => " [modified]",
        (false, false) => "",
    }
}

/// The status bar's items, in order, with a rank: the file's name first, then what decides
/// (default action, context); the undo count and the file's kind go first when room is short.
pub fn status_items(app: &App) -> Vec<(String, u8)> {
    let modified = modified_mark(app);
    let p = &app.state.doc.profile;
    let default = crate::profile::Action::from_name(
        p.default_action.unwrap_or(crate::profile::ActionName::Errno),
        p.default_errno_ret,
    );
    let mut items = vec![(format!("{}{modified}", app.state.doc.display_name()), 0)];
    if let Some(kind) = app.state.doc.kind_text() {
        items.push((kind.to_string(), 4));
    }
    items.push((format!("default {default}"), 1));
    items.push((app.state.ctx.node_summary(), 3));
    let runtime = &app.state.ctx.runtime;
    let runtime = if app.state.is_finding_context() { format!("{} …", runtime.kind) } else { runtime.to_string() };
    items.push((runtime, 3));
    items.push((format!("undo {}", app.state.undo.len()), 2));
    items
}

fn status(frame: &mut Frame, app: &App, area: Rect) {
    let width = (area.width as usize).saturating_sub(1);
    let mut items = status_items(app);
    let full: usize = items.iter().map(|(t, _)| t.chars().count() + 3).sum();
    if full > width {
        // A long path would push the rest off the screen: its file name is enough there.
        if let Some(name) = app.state.doc.path.as_ref().and_then(|p| p.file_name()) {
            let modified = modified_mark(app);
            items[0].0 = format!("{}{modified}", name.to_string_lossy());
        }
    }
    let ranked: Vec<(&str, u8)> = items.iter().map(|(t, r)| (t.as_str(), *r)).collect();
    let first = format!(" {}", fit_items(&ranked, " │ ", width));
    let second = match (&app.state.message, &app.mode) {
        (Some(m), _) => Line::styled(format!(" {m}"), app.theme.accent()),
        (None, Mode::Search) => Line::styled(
            format!(
                " {}",
                fit_items(&[("type to filter", 0), ("↑↓/Enter: back to the list", 1), ("Esc: clear", 0)], " · ", width)
            ),
            app.theme.dim(),
        ),
        (None, _) => Line::styled(format!(" {}", fit_items(HINTS, " · ", width)), app.theme.dim()),
    };
    let lines = vec![Line::styled(first, app.theme.status()), second];
    frame.render_widget(Paragraph::new(lines), area);
}

/// The help's lines at a width: each key's description wraps under itself.
pub fn help_text(app: &App, width: u16) -> Vec<Line<'static>> {
    const KEYS: usize = 18;
    let room = (width as usize).saturating_sub(KEYS + 2).max(10);
    let mut lines = Vec::new();
    for (keys, what) in help_lines() {
        for (i, part) in wrap_words(what, room).into_iter().enumerate() {
            let keys = if i == 0 { format!("{keys:>KEYS$}  ") } else { " ".repeat(KEYS + 2) };
            lines.push(Line::from(vec![Span::styled(keys, app.theme.accent()), Span::raw(part)]));
        }
    }
    lines.push(Line::raw(""));
    for note in [
        "badges: the action with all arguments 0 on the host arch · ◆ a conditional rule (args, caps) also names it",
        "categories: [x] all allowed · [~] some · [ ] none",
    ] {
        for part in wrap_words(note, (width as usize).saturating_sub(2)) {
            lines.push(Line::styled(format!("  {part}"), app.theme.dim()));
        }
    }
    lines
}

/// The help's last useful scroll position on the narrowest screen the editor draws (where it
/// wraps most): scrolling stops there.
pub fn help_last_scroll() -> u16 {
    let app_width = MIN_WIDTH.saturating_sub(4).min(120) - 2;
    let lines = help_lines().iter().map(|(_, what)| wrap_words(what, (app_width as usize) - 20).len()).sum::<usize>();
    (lines as u16 + 4).saturating_sub(MIN_HEIGHT - 6)
}

fn help(frame: &mut Frame, app: &App) {
    let width = frame.area().width.saturating_sub(4).min(120);
    let lines = help_text(app, width.saturating_sub(2));
    let inner = popup(frame, &app.theme, "Keys (↑↓ scroll, Esc closes)", width, lines.len() as u16 + 2);
    let last_page = (lines.len() as u16).saturating_sub(inner.height);
    frame.render_widget(Paragraph::new(lines).scroll((app.help_scroll.min(last_page), 0)), inner);
}
