//! Drawing the compare view: both sides' names and defaults, the roll-ups by category and the
//! risk delta (host arch), then a row per syscall coloured by direction.

use super::{CompareView, category_index};
use crate::policy::compare::{Comparison, Direction};
use crate::profile::Action;
use crate::tui::state::EditingState;
use crate::tui::theme::Theme;
use crate::tui::widgets::{fit, list_offset, selected};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

const TITLE: &str = " Compare · > copy to right · < copy to left · * all/differences · / search · Enter go to · W save right · Esc close ";

pub fn draw(frame: &mut Frame, view: &CompareView, ed: &EditingState, theme: &Theme, area: Rect) {
    let block = Block::default().borders(Borders::ALL).border_style(theme.border(true)).title(TITLE);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let c = match &view.result {
        Ok(c) => c,
        Err(e) => {
            frame.render_widget(Paragraph::new(Line::styled(format!("cannot compare: {e}"), theme.error())), inner);
            return;
        }
    };
    let mut lines = header(view, ed, theme, c);
    let rows = view.rows(&ed.query);
    let width = inner.width as usize;
    let column = width.saturating_sub(46) / 2;
    lines.push(Line::styled(format!("  {:<22} {:<18} {:<column$} right", "syscall", "arch", "left"), theme.dim()));
    // Display lines: a header per category, then its rows; the cursor's line stays visible.
    let mut display: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    let mut current = usize::MAX - 1;
    for (i, d) in rows.iter().enumerate() {
        let category = category_index(d.syscall);
        if category != current {
            current = category;
            display.push(category_header(theme, &rows, category));
        }
        if i == view.cursor {
            cursor_line = display.len();
        }
        let line = row_line(theme, d, column);
        display.push(if i == view.cursor { selected(line, theme.selection()) } else { line });
    }
    let height = (inner.height as usize).saturating_sub(lines.len());
    let offset = list_offset(cursor_line, display.len(), height.max(1));
    lines.extend(display.into_iter().skip(offset).take(height));
    if rows.is_empty() {
        lines.push(Line::styled("no differences here (* shows every syscall)", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn header(view: &CompareView, ed: &EditingState, theme: &Theme, c: &Comparison) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(vec![
            Span::styled("left:  ", theme.dim()),
            Span::raw(format!("{} · default {} · {}", ed.doc.display_name(), c.default_left, ed.ctx.summary())),
        ]),
        Line::from(vec![
            Span::styled("right: ", theme.dim()),
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
            let list = fit(&names.join(", "), 90);
            lines.push(Line::styled(format!("{category}: {verb} {list}"), theme.text()));
        }
    }
    let risky: Vec<String> =
        c.risk_delta().iter().filter(|r| r.2).map(|(n, level, _)| format!("{n} ({level:?})")).collect();
    if !risky.is_empty() {
        lines.push(Line::styled(format!("risk: newly allowed on the right: {}", risky.join(", ")), theme.warning()));
    }
    let shown = if ed.query.is_empty() {
        String::new()
    } else {
        format!(" · showing {} matching /{} (Esc shows all)", view.rows(&ed.query).len(), ed.query)
    };
    lines.push(Line::styled(
        format!("{} differences ({} syscalls × arches compared){shown}", c.differences.len(), c.compared),
        theme.accent(),
    ));
    lines
}

/// "Mounts — 9 differ: 7 more on the right, 2 less".
fn category_header(theme: &Theme, rows: &[&crate::policy::compare::Difference], category: usize) -> Line<'static> {
    let title = crate::catalog::CATEGORIES.get(category).map_or("Other", |c| c.title);
    let in_group: Vec<_> = rows.iter().filter(|d| category_index(d.syscall) == category).collect();
    let count = |dir| in_group.iter().filter(|d| d.direction == dir).count();
    Line::styled(
        format!(
            "── {title}: {} rows · {} more on the right · {} less · {} changed",
            in_group.len(),
            count(Direction::RightAllowsMore),
            count(Direction::RightAllowsLess),
            count(Direction::Changed)
        ),
        theme.accent(),
    )
}

fn row_line(theme: &Theme, d: &crate::policy::compare::Difference, column: usize) -> Line<'static> {
    let (mark, style) = match d.direction {
        Direction::RightAllowsMore => ("+", theme.action(Action::Allow)),
        Direction::RightAllowsLess => ("-", theme.action(Action::KillThread)),
        Direction::Changed => ("~", theme.action(Action::Errno(1))),
        Direction::Same => ("=", theme.dim()),
    };
    let arches: Vec<&str> = d.arches.iter().map(|a| a.short_name()).collect();
    let text = format!(
        "{mark} {:<22} {:<18} {:<column$} {}",
        d.syscall,
        fit(&arches.join(","), 18),
        fit(&d.left.words, column),
        d.right.words
    );
    Line::styled(text, style)
}
