//! The screen's layout and drawing: three columns (categories | syscalls | preview) over a
//! status bar, the run pane under them when open, the compare view in the columns' place, and
//! the popup of the current mode on top. Pure: reads the [`App`], never changes it. The same
//! [`Areas`] serve mouse hit-testing.

use super::keymap::help_lines;
use super::{App, Focus, Mode};
use crate::tui::features::{browser, compare, detail, prompt, rules, run};
use crate::tui::widgets::popup;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Below this the three columns cannot show a syscall name, its badge and a preview.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 16;

/// Where each part of the main screen is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub categories: Rect,
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
        let [categories, syscalls, detail] =
            Layout::horizontal([Constraint::Length(34), Constraint::Length(34), Constraint::Min(10)]).areas(main);
        let tabs = Rect { x: detail.x + 1, y: detail.y + 1, width: detail.width.saturating_sub(2), height: 1 };
        Some(Areas { categories, syscalls, detail, tabs, status, run })
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
        browser::view::categories(frame, ed, theme, app.focus, areas.categories);
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
        Mode::ConfirmQuit => prompt::view::confirm(frame, theme, "Unsaved edits. Quit without saving? (y/n)"),
        Mode::ConfirmOverwrite => {
            prompt::view::confirm(frame, theme, "The file changed on disk since it was opened. Overwrite it? (y/n)")
        }
        Mode::Normal | Mode::Search | Mode::RunCommand | Mode::Interact => {}
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

fn status(frame: &mut Frame, app: &App, area: Rect) {
    let modified = match (app.state.doc.new_file, app.state.doc.is_modified()) {
        (true, _) => " [new file]",
        (false, true) => " [modified]",
        (false, false) => "",
    };
    let p = &app.state.doc.profile;
    let default = crate::profile::Action::from_name(
        p.default_action.unwrap_or(crate::profile::ActionName::Errno),
        p.default_errno_ret,
    );
    let kind = app.state.doc.kind_text().map(|k| format!(" │ {k}")).unwrap_or_default();
    let line = |name: &str| {
        format!(
            " {name}{modified}{kind} │ default {default} │ {} │ undo {}",
            app.state.ctx.summary(),
            app.state.undo.len()
        )
    };
    let mut first = line(&app.state.doc.display_name());
    if first.chars().count() > area.width as usize {
        // A long path would push the rest off the screen: its file name is enough there.
        let short = app.state.doc.path.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().to_string());
        first = line(&short.unwrap_or_else(|| app.state.doc.display_name()));
    }
    let second = match (&app.state.message, &app.mode) {
        (Some(m), _) => Line::styled(format!(" {m}"), app.theme.accent()),
        (None, Mode::Search) => {
            Line::styled(" type to filter · ↑↓/Enter: back to the list · Esc: clear", app.theme.dim())
        }
        (None, _) => Line::styled(
            " ↑↓ move · ←→/Tab pane · / search · Space allow⇄default · Enter action · d default · u undo · Ctrl-s save · ? help · q quit",
            app.theme.dim(),
        ),
    };
    let lines = vec![Line::styled(first, app.theme.status()), second];
    frame.render_widget(Paragraph::new(lines), area);
}

fn help(frame: &mut Frame, app: &App) {
    let entries = help_lines();
    let width = frame.area().width.saturating_sub(4).min(120);
    let inner = popup(frame, &app.theme, "Keys (↑↓ scroll, Esc closes)", width, entries.len() as u16 + 6);
    let mut lines: Vec<Line> = entries
        .into_iter()
        .map(|(keys, what)| {
            Line::from(vec![Span::styled(format!("{keys:>18}  "), app.theme.accent()), Span::raw(what)])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "  badges: the action with all arguments 0 on the host arch · ◆ a conditional rule (args, caps) also names it",
        app.theme.dim(),
    ));
    lines.push(Line::styled("  categories: [x] all allowed · [~] some · [ ] none", app.theme.dim()));
    let last_page = (lines.len() as u16).saturating_sub(inner.height);
    frame.render_widget(Paragraph::new(lines).scroll((app.help_scroll.min(last_page), 0)), inner);
}
