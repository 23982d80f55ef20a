//! Drawing the compare view: both sides' names and defaults, the roll-ups by category and the
//! risk delta (host arch), then a row per syscall coloured by direction.

use super::app::App;
use crate::policy::compare::{Comparison, Direction};
use crate::profile::Action;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

const TITLE: &str = " Compare · > copy to right · < copy to left · * all/differences · / search · Enter go to · W save right · Esc close ";

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(view) = app.compare.as_ref() else { return };
    let block = Block::default().borders(Borders::ALL).border_style(app.theme.border(true)).title(TITLE);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let c = match &view.result {
        Ok(c) => c,
        Err(e) => {
            frame.render_widget(Paragraph::new(Line::styled(format!("cannot compare: {e}"), app.theme.error())), inner);
            return;
        }
    };
    let mut lines = header(app, c);
    let rows = view.rows(&app.query);
    let width = inner.width as usize;
    let column = width.saturating_sub(46) / 2;
    lines.push(Line::styled(format!("  {:<22} {:<18} {:<column$} right", "syscall", "arch", "left"), app.theme.dim()));
    // Display lines: a header per category, then its rows; the cursor's line stays visible.
    let mut display: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    let mut current = usize::MAX - 1;
    for (i, d) in rows.iter().enumerate() {
        let category = super::compare::category_index(d.syscall);
        if category != current {
            current = category;
            display.push(category_header(app, &rows, category));
        }
        if i == view.cursor {
            cursor_line = display.len();
        }
        let line = row_line(app, d, column);
        display.push(if i == view.cursor { line.patch_style(app.theme.selection()) } else { line });
    }
    let height = (inner.height as usize).saturating_sub(lines.len());
    let offset = super::view::list_offset(cursor_line, display.len(), height.max(1));
    lines.extend(display.into_iter().skip(offset).take(height));
    if rows.is_empty() {
        lines.push(Line::styled("no differences here (* shows every syscall)", app.theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn header(app: &App, c: &Comparison) -> Vec<Line<'static>> {
    let Some(view) = app.compare.as_ref() else { return Vec::new() };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("left:  ", app.theme.dim()),
            Span::raw(format!("{} · default {} · {}", app.doc.display_name(), c.default_left, app.ctx.summary())),
        ]),
        Line::from(vec![
            Span::styled("right: ", app.theme.dim()),
            Span::raw(format!(
                "{}{} · default {} · {}",
                view.right.display_name(),
                if view.right.is_modified() { " [modified]" } else { "" },
                c.default_right,
                view.right_ctx.summary()
            )),
        ]),
    ];
    for (direction, verb) in
        [(Direction::RightAllowsMore, "right also allows"), (Direction::RightAllowsLess, "right no longer allows")]
    {
        for (category, names) in c.by_category(direction).into_iter().take(4) {
            let list = super::view::fit(&names.join(", "), 90);
            lines.push(Line::styled(format!("{category}: {verb} {list}"), app.theme.text()));
        }
    }
    let risky: Vec<String> =
        c.risk_delta().iter().filter(|r| r.2).map(|(n, level, _)| format!("{n} ({level:?})")).collect();
    if !risky.is_empty() {
        lines
            .push(Line::styled(format!("risk: newly allowed on the right: {}", risky.join(", ")), app.theme.warning()));
    }
    lines.push(Line::styled(
        format!("{} differences ({} syscalls × arches compared)", c.differences.len(), c.compared),
        app.theme.accent(),
    ));
    lines
}

/// "Mounts — 9 differ: 7 more on the right, 2 less".
fn category_header(app: &App, rows: &[&crate::policy::compare::Difference], category: usize) -> Line<'static> {
    let title = crate::catalog::CATEGORIES.get(category).map_or("Other", |c| c.title);
    let in_group: Vec<_> = rows.iter().filter(|d| super::compare::category_index(d.syscall) == category).collect();
    let count = |dir| in_group.iter().filter(|d| d.direction == dir).count();
    Line::styled(
        format!(
            "── {title}: {} rows · {} more on the right · {} less · {} changed",
            in_group.len(),
            count(Direction::RightAllowsMore),
            count(Direction::RightAllowsLess),
            count(Direction::Changed)
        ),
        app.theme.accent(),
    )
}

fn row_line(app: &App, d: &crate::policy::compare::Difference, column: usize) -> Line<'static> {
    let (mark, style) = match d.direction {
        Direction::RightAllowsMore => ("+", app.theme.action(Action::Allow)),
        Direction::RightAllowsLess => ("-", app.theme.action(Action::KillThread)),
        Direction::Changed => ("~", app.theme.action(Action::Errno(1))),
        Direction::Same => ("=", app.theme.dim()),
    };
    let arches: Vec<&str> = d.arches.iter().map(|a| a.short_name()).collect();
    let text = format!(
        "{mark} {:<22} {:<18} {:<column$} {}",
        d.syscall,
        super::view::fit(&arches.join(","), 18),
        super::view::fit(&d.left.words, column),
        d.right.words
    );
    Line::styled(text, style)
}
