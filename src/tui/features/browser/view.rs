//! Drawing the browser: the categories with their counts, the syscall list with action badges,
//! conditional markers and the search's matched characters.

use crate::catalog::CATEGORIES;
use crate::tui::shared::Focus;
use crate::tui::state::{Count, EditingState};
use crate::tui::theme::Theme;
use crate::tui::widgets::{fit, list_offset, pane, selected};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Shown for a verdict or count not computed yet (the first frame of a big profile).
const PENDING: &str = "…";

/// A category's box: all, some or none of its syscalls allowed.
fn mark(count: &Count) -> &'static str {
    match count.allowed {
        None => "[…]",
        Some(0) => "[ ]",
        Some(n) if n == count.total => "[x]",
        Some(_) => "[~]",
    }
}

fn allowed(count: &Count) -> String {
    count.allowed.map_or_else(|| PENDING.to_string(), |n| n.to_string())
}

pub fn categories(frame: &mut Frame, ed: &EditingState, theme: &Theme, focus: Focus, area: Rect) {
    let focused = focus == Focus::Categories && ed.query.is_empty();
    let block = pane(theme, " Categories ", focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    let shown = super::shown_categories(ed);
    let at = shown.iter().position(|&i| i == ed.category).unwrap_or(0);
    let offset = list_offset(at, shown.len(), height);
    let lines: Vec<Line> = shown
        .iter()
        .skip(offset)
        .take(height)
        .map(|&i| {
            let (category, count) = (&CATEGORIES[i], &ed.counts[i]);
            let (mark, allowed) = (mark(count), allowed(count));
            let figures = format!("{allowed:>3}/{:<3}", count.total);
            let width = inner.width as usize;
            let used = mark.chars().count() + figures.chars().count() + 2;
            let title = fit(category.title, width.saturating_sub(used));
            let text = format!("{mark} {title:<w$} {figures}", w = width.saturating_sub(used));
            let selected = i == ed.category && ed.query.is_empty();
            let style = if selected && focused {
                theme.selection()
            } else if selected {
                theme.accent()
            } else {
                theme.text()
            };
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The categories as one line over the syscall list (narrow screens): the selected one with
/// its counts; ← focuses it and ↑↓ change it, as in the categories pane.
pub fn category_selector(frame: &mut Frame, ed: &EditingState, theme: &Theme, focus: Focus, area: Rect) {
    let focused = focus == Focus::Categories && ed.query.is_empty();
    let count = ed.counts[ed.category];
    let mark = mark(&count);
    let title = CATEGORIES[ed.category].title;
    let figures = format!("{}/{}", allowed(&count), count.total);
    let width = area.width as usize;
    // The hint only when the name fits whole beside it.
    let hint = if focused { " ↑↓ change" } else { " ← choose" };
    let (mark_width, figures_width) = (mark.chars().count(), figures.chars().count());
    let plain = mark_width + title.chars().count() + figures_width + 4;
    let hint = if plain + hint.chars().count() <= width { hint } else { "" };
    let room = width.saturating_sub(mark_width + figures_width + hint.chars().count() + 4);
    let text = format!(" {mark} {:<room$} {figures}{hint} ", fit(title, room));
    let style = if focused { theme.selection() } else { theme.accent() };
    frame.render_widget(Paragraph::new(Line::styled(text, style)), area);
}

/// The syscall list; `searching`: the search is being typed (its cursor shows).
pub fn syscalls(frame: &mut Frame, ed: &EditingState, theme: &Theme, focus: Focus, searching: bool, area: Rect) {
    let focused = focus == Focus::Syscalls || !ed.query.is_empty();
    let title = if ed.query.is_empty() && !searching {
        format!(" {} ({}) ", CATEGORIES[ed.category].title, ed.rows.len())
    } else {
        let cursor = if searching { "▏" } else { "" };
        format!(" /{}{cursor} ({} found) ", ed.query, ed.rows.len())
    };
    let block = pane(theme, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    if ed.rows.is_empty() {
        let text = if ed.query.is_empty() { "no syscalls on this arch" } else { "no match; Esc clears the search" };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), inner);
        return;
    }
    let offset = list_offset(ed.cursor, ed.rows.len(), height);
    let lines: Vec<Line> = ed
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            let badge = format!(" {}", row.action.map_or_else(|| PENDING.to_string(), |a| a.to_string()));
            let marker = if row.conditional { "◆" } else { " " };
            let room = (inner.width as usize).saturating_sub(badge.chars().count() + 2);
            let mut spans = vec![Span::styled(marker, theme.warning()), Span::raw(" ")];
            for (ci, ch) in row.name.chars().take(room).enumerate() {
                let style = if row.matched.contains(&ci) { theme.matched() } else { theme.text() };
                spans.push(Span::styled(ch.to_string(), style));
            }
            let pad = room.saturating_sub(row.name.chars().count());
            spans.push(Span::raw(" ".repeat(pad)));
            spans.push(Span::styled(badge, row.action.map_or_else(|| theme.dim(), |a| theme.action(a))));
            let line = Line::from(spans);
            if i == ed.cursor { selected(line, cursor_style(theme, focused)) } else { line }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn cursor_style(theme: &Theme, focused: bool) -> Style {
    if focused { theme.selection() } else { Style::new().add_modifier(Modifier::BOLD) }
}
