//! Drawing: three columns (categories | syscalls | preview) over a status bar, and the popups.
//! Pure: reads the [`App`], never changes it. The same [`Areas`] serve mouse hit-testing.

use super::app::{App, Focus, Mode, Prompt, Tab, Target};
use super::keymap::help_lines;
use super::preview::DiffLine;
use super::update::choices;
use crate::catalog::CATEGORIES;
use crate::policy::convert::Format;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};

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

/// The first visible row of a list of `len` rows in `height` lines with `cursor` selected:
/// the cursor stays in the middle once the list scrolls. Stateless, so clicks map back.
pub fn list_offset(cursor: usize, len: usize, height: usize) -> usize {
    if len <= height {
        return 0;
    }
    cursor.saturating_sub(height / 2).min(len - height)
}

pub fn draw(frame: &mut Frame, app: &App) {
    let Some(areas) = Areas::compute(frame.area(), app.run.is_some()) else {
        return too_small(frame, app);
    };
    if app.compare.is_some() {
        let c = areas.categories;
        let main = Rect { width: areas.detail.right() - c.x, ..c };
        super::compare_view::draw(frame, app, main);
    } else {
        categories(frame, app, areas.categories);
        syscalls(frame, app, areas.syscalls);
        detail(frame, app, areas.detail);
    }
    status(frame, app, areas.status);
    if let Some(run) = areas.run {
        super::run_view::draw(frame, app, run);
    }
    match &app.mode {
        Mode::Help => help(frame, app),
        Mode::Pick { target, cursor } => picker(frame, app, *target, *cursor),
        Mode::Prompt { purpose, input } => prompt(frame, app, *purpose, input),
        Mode::Rules { cursor } => super::rules_view::rules(frame, app, *cursor),
        Mode::PickOp { cursor, .. } => super::rules_view::ops(frame, app, *cursor),
        Mode::Arches { cursor } => super::rules_view::arches(frame, app, *cursor),
        Mode::ConfirmQuit => confirm(frame, app, "Unsaved edits. Quit without saving? (y/n)"),
        Mode::ConfirmOverwrite => {
            confirm(frame, app, "The file changed on disk since it was opened. Overwrite it? (y/n)")
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

fn pane<'a>(app: &App, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_style(app.theme.border(focused)).title(title)
}

fn categories(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Categories && app.query.is_empty();
    let block = pane(app, " Categories ", focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    let offset = list_offset(app.category, CATEGORIES.len(), height);
    let lines: Vec<Line> = CATEGORIES
        .iter()
        .zip(&app.counts)
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, (category, count))| {
            let mark = match count.allowed {
                0 => "[ ]",
                n if n == count.total => "[x]",
                _ => "[~]",
            };
            let figures = format!("{:>3}/{:<3}", count.allowed, count.total);
            let width = inner.width as usize;
            let title = fit(category.title, width.saturating_sub(mark.len() + figures.len() + 2));
            let text =
                format!("{mark} {title:<w$} {figures}", w = width.saturating_sub(mark.len() + figures.len() + 2));
            let selected = i == app.category && app.query.is_empty();
            let style = if selected && focused {
                app.theme.selection()
            } else if selected {
                app.theme.accent()
            } else {
                app.theme.text()
            };
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn syscalls(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Syscalls || !app.query.is_empty();
    let title = if app.query.is_empty() && app.mode != Mode::Search {
        format!(" {} ({}) ", CATEGORIES[app.category].title, app.rows.len())
    } else {
        let cursor = if app.mode == Mode::Search { "▏" } else { "" };
        format!(" /{}{cursor} ({} found) ", app.query, app.rows.len())
    };
    let block = pane(app, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    if app.rows.is_empty() {
        let text = if app.query.is_empty() { "no syscalls on this arch" } else { "no match; Esc clears the search" };
        frame.render_widget(Paragraph::new(Line::styled(text, app.theme.dim())), inner);
        return;
    }
    let offset = list_offset(app.cursor, app.rows.len(), height);
    let lines: Vec<Line> = app
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            let badge = format!(" {}", row.action);
            let marker = if row.conditional { "◆" } else { " " };
            let room = (inner.width as usize).saturating_sub(badge.chars().count() + 2);
            let mut spans = vec![Span::styled(marker, app.theme.warning()), Span::raw(" ")];
            for (ci, ch) in row.name.chars().take(room).enumerate() {
                let style = if row.matched.contains(&ci) { app.theme.matched() } else { app.theme.text() };
                spans.push(Span::styled(ch.to_string(), style));
            }
            let pad = room.saturating_sub(row.name.chars().count());
            spans.push(Span::raw(" ".repeat(pad)));
            spans.push(Span::styled(badge, app.theme.action(row.action)));
            let line = Line::from(spans);
            if i == app.cursor { line.patch_style(cursor_style(app, focused)) } else { line }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn cursor_style(app: &App, focused: bool) -> Style {
    if focused { app.theme.selection() } else { Style::new().add_modifier(Modifier::BOLD) }
}

fn detail(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane(app, " Preview ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [tabs_row, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    let titles: Vec<String> = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            Tab::Lint => format!("{} {} ({})", i + 1, t.title(), app.findings.len()),
            _ => format!("{} {}", i + 1, t.title()),
        })
        .collect();
    let selected = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
    let tabs = Tabs::new(titles).select(selected).style(app.theme.dim()).highlight_style(app.theme.accent());
    frame.render_widget(tabs, tabs_row);
    let (lines, offset) = match app.tab {
        Tab::Info => (super::detail::info_lines(app), 0),
        Tab::Json => json_lines(app),
        Tab::Bpf => (bpf_lines(app), 0),
        Tab::Lint => lint_lines(app),
    };
    let scroll = (offset + app.detail_scroll as usize).min(u16::MAX as usize) as u16;
    let wrap = matches!(app.tab, Tab::Info | Tab::Lint);
    let paragraph = Paragraph::new(lines).style(app.theme.text()).scroll((scroll, 0));
    let paragraph = if wrap { paragraph.wrap(Wrap { trim: false }) } else { paragraph };
    frame.render_widget(paragraph, body);
}

/// The profile as it would be saved, the pending edits marked; opens at the first change.
fn json_lines(app: &App) -> (Vec<Line<'static>>, usize) {
    let Some(diff) = &app.json_view else { return (vec![Line::raw("…")], 0) };
    let first = diff.iter().position(DiffLine::is_change);
    let mut lines = Vec::with_capacity(diff.len() + 1);
    lines.push(match first {
        Some(_) => Line::styled(
            format!(
                "{} lines changed since opened; + will be saved, - removed",
                diff.iter().filter(|l| l.is_change()).count()
            ),
            app.theme.accent(),
        ),
        None => Line::styled("no pending edits", app.theme.dim()),
    });
    for line in diff {
        lines.push(match line {
            // Terminals give a tab no width inside a widget: show the file's tabs as 4 columns.
            DiffLine::Same(t) => Line::raw(format!("  {}", t.replace('\t', "    "))),
            DiffLine::Added(t) => Line::styled(format!("+ {}", t.replace('\t', "    ")), app.theme.added()),
            DiffLine::Removed(t) => Line::styled(format!("- {}", t.replace('\t', "    ")), app.theme.removed()),
        });
    }
    (lines, first.map_or(0, |f| f.saturating_sub(4)))
}

fn bpf_lines(app: &App) -> Vec<Line<'static>> {
    match &app.bpf_view {
        None => vec![Line::raw("…")],
        Some(Err(e)) => vec![Line::styled(format!("cannot compile: {e}"), app.theme.error())],
        Some(Ok(view)) => {
            let mut lines: Vec<Line> =
                view.summary.lines().map(|l| Line::styled(l.to_string(), app.theme.accent())).collect();
            lines.extend(view.listing.lines().map(|l| Line::raw(l.to_string())));
            lines
        }
    }
}

fn lint_lines(app: &App) -> (Vec<Line<'static>>, usize) {
    if app.findings.is_empty() {
        return (vec![Line::styled("no findings", app.theme.dim())], 0);
    }
    let mut lines = vec![Line::styled("↑↓ select a finding: the list jumps to its syscall", app.theme.dim())];
    let mut selected_at = 0;
    for (i, f) in app.findings.iter().enumerate() {
        let style = match f.level {
            crate::profile::finding::Level::Error => app.theme.error(),
            _ => app.theme.warning(),
        };
        if i == app.finding {
            selected_at = lines.len();
        }
        let place = f.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        let head = Line::from(vec![
            Span::styled(format!("{} ", f.level), style),
            Span::styled(f.id.to_string(), app.theme.accent()),
            Span::raw(format!(" {}{place}", f.path)),
        ]);
        lines.push(if i == app.finding { head.patch_style(app.theme.selection()) } else { head });
        lines.push(Line::raw(format!("  {}", f.message)));
        if let Some(hint) = &f.hint {
            lines.push(Line::styled(format!("  fix: {hint}"), app.theme.dim()));
        }
    }
    (lines, selected_at.saturating_sub(2))
}

fn status(frame: &mut Frame, app: &App, area: Rect) {
    let modified = if app.doc.is_modified() { " [modified]" } else { "" };
    let p = &app.doc.profile;
    let default = crate::profile::Action::from_name(
        p.default_action.unwrap_or(crate::profile::ActionName::Errno),
        p.default_errno_ret,
    );
    let kind = app.doc.kind_text().map(|k| format!(" │ {k}")).unwrap_or_default();
    let line = |name: &str| {
        format!(" {name}{modified}{kind} │ default {default} │ {} │ undo {}", app.ctx.summary(), app.undo.len())
    };
    let mut first = line(&app.doc.display_name());
    if first.chars().count() > area.width as usize {
        // A long path would push the rest off the screen: its file name is enough there.
        let short = app.doc.path.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().to_string());
        first = line(&short.unwrap_or_else(|| app.doc.display_name()));
    }
    let second = match (&app.message, &app.mode) {
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

/// A centred popup of `width`×`height` (clipped to the screen).
pub fn popup(frame: &mut Frame, app: &App, title: &str, width: u16, height: u16) -> Rect {
    let size = frame.area();
    let (w, h) = (width.min(size.width), height.min(size.height));
    let area = Rect { x: size.x + (size.width - w) / 2, y: size.y + (size.height - h) / 2, width: w, height: h };
    frame.render_widget(Clear, area);
    let block = pane(app, format!(" {title} "), true).style(app.theme.text());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

fn help(frame: &mut Frame, app: &App) {
    let entries = help_lines();
    let width = frame.area().width.saturating_sub(4).min(120);
    let inner = popup(frame, app, "Keys (↑↓ scroll, Esc closes)", width, entries.len() as u16 + 6);
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

fn picker(frame: &mut Frame, app: &App, target: Target, cursor: usize) {
    let subject = match target {
        Target::Syscall => app.selected().map_or("syscall".to_string(), |r| r.name.to_string()),
        Target::Category => format!("all of {}", CATEGORIES[app.category].title),
        Target::Default => "the default action".to_string(),
    };
    let options = choices(target);
    let inner = popup(frame, app, &format!("Action for {subject}"), 48, options.len() as u16 + 2);
    let lines: Vec<Line> = options
        .iter()
        .enumerate()
        .map(|(i, (label, _))| {
            let line = Line::raw(format!(" {label}"));
            if i == cursor { line.patch_style(app.theme.selection()) } else { line }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn prompt(frame: &mut Frame, app: &App, purpose: Prompt, input: &str) {
    let save_question;
    let question = match purpose {
        Prompt::Errno(_) => "Errno to return (a number 0..4094 or a name like EACCES):",
        Prompt::SavePath { to } => {
            let format =
                to.map_or_else(|| format!("as it is ({})", Format::of(&app.doc).name()), |f| f.name().to_string());
            save_question = format!("Save as (path) · format: {format} · Tab changes the format:");
            &save_question
        }
        Prompt::Caps => "Capabilities of the container (comma-separated, or none):",
        Prompt::Kernel => "Kernel version of the host (X.Y):",
        Prompt::Condition { op: crate::profile::Op::MaskedEq, .. } => {
            "ARG MASK VALUE (arg & MASK == VALUE); numbers, 0x hex or names like CLONE_NEWUSER|CLONE_NEWNS:"
        }
        Prompt::Condition { .. } => {
            "ARG VALUE; ARG is 0..5, VALUE a number, 0x hex or a name (AF_INET, PER_LINUX, PR_SET_NAME):"
        }
        Prompt::Comment { .. } => "Comment for the rule (empty removes it):",
        Prompt::CompareWith => "Compare with (a file, or runtime-default, audit, violation, fine-grained, …):",
    };
    let inner = popup(frame, app, "Enter confirms · Esc cancels", 72, 5);
    let lines = vec![Line::raw(question), Line::styled(format!("> {input}▏"), app.theme.accent())];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn confirm(frame: &mut Frame, app: &App, question: &str) {
    let inner = popup(frame, app, "Confirm", question.chars().count() as u16 + 4, 3);
    frame.render_widget(Paragraph::new(Line::styled(question.to_string(), app.theme.warning())), inner);
}

/// Cuts `text` to `width` characters, marking the cut with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}
