//! Drawing the detail pane: the tab titles, then the shown tab's lines.

use super::DetailState;
use crate::tui::shared::Tab;
use crate::tui::state::EditingState;
use crate::tui::state::preview::DiffLine;
use crate::tui::theme::Theme;
use crate::tui::widgets::{pane, selected};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs, Wrap};

pub fn draw(frame: &mut Frame, state: &DetailState, ed: &EditingState, theme: &Theme, area: Rect) {
    let block = pane(theme, " Preview ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [tabs_row, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    let titles = tab_titles(ed.lint_count(), state.tab, tabs_row.width);
    let selected = Tab::ALL.iter().position(|t| *t == state.tab).unwrap_or(0);
    let tabs = Tabs::new(titles).select(selected).style(theme.dim()).highlight_style(theme.accent());
    frame.render_widget(tabs, tabs_row);
    let scrolled = state.scroll as usize;
    let (lines, scroll) = match state.tab {
        Tab::Info => (super::info::info_lines(ed, theme), scrolled),
        // Made from where the view is scrolled to: already in place.
        Tab::Json => (json_lines(ed, theme, scrolled, body.height as usize), 0),
        Tab::Bpf => (bpf_lines(ed, theme), scrolled),
        Tab::Lint => {
            let (lines, offset) = lint_lines(ed, theme);
            (lines, offset + scrolled)
        }
    };
    let scroll = scroll.min(u16::MAX as usize) as u16;
    let wrap = matches!(state.tab, Tab::Info | Tab::Lint);
    let paragraph = Paragraph::new(lines).style(theme.text()).scroll((scroll, 0));
    let paragraph = if wrap { paragraph.wrap(Wrap { trim: false }) } else { paragraph };
    frame.render_widget(paragraph, body);
}

/// The tab titles as drawn in `width` columns: in full when they fit, else the shown tab in
/// full and the others by their number key (so the active tab is always named).
pub fn tab_titles(findings: Option<usize>, shown: Tab, width: u16) -> Vec<String> {
    let findings = findings.map_or_else(|| "…".to_string(), |n| n.to_string());
    let full = |i: usize, t: &Tab| match t {
        Tab::Lint => format!("{} {} ({findings})", i + 1, t.title()),
        _ => format!("{} {}", i + 1, t.title()),
    };
    let titles: Vec<String> = Tab::ALL.iter().enumerate().map(|(i, t)| full(i, t)).collect();
    // ratatui's Tabs: one space of padding each side of a title, a one-column divider between.
    let needed: usize = titles.iter().map(|t| t.chars().count() + 3).sum::<usize>() - 1;
    if needed <= width as usize {
        return titles;
    }
    Tab::ALL.iter().enumerate().map(|(i, t)| if *t == shown { full(i, t) } else { (i + 1).to_string() }).collect()
}

/// The profile as it would be saved, the pending edits marked; opens at the first change.
/// Only the `height` lines in view, `scroll` lines below that opening, are made (a big
/// profile's text has tens of thousands).
fn json_lines(ed: &EditingState, theme: &Theme, scroll: usize, height: usize) -> Vec<Line<'static>> {
    let Some(diff) = &ed.json_view else { return vec![Line::raw("…")] };
    let (first, changed) = diff.changes();
    let header = match first {
        Some(_) => {
            Line::styled(format!("{changed} lines changed since opened; + will be saved, - removed"), theme.accent())
        }
        None => Line::styled("no pending edits", theme.dim()),
    };
    // Line 0 is the header, line k the diff's line k - 1.
    let top = first.map_or(0, |f| f.saturating_sub(4)) + scroll;
    let from = top.saturating_sub(1).min(diff.len());
    let to = (top + height).saturating_sub(1).min(diff.len());
    let header = (top == 0).then_some(header);
    let body = diff.lines(from..to).map(|line| match line {
        // Terminals give a tab no width inside a widget: show the file's tabs as 4 columns.
        DiffLine::Same(t) => Line::raw(format!("  {}", t.replace('\t', "    "))),
        DiffLine::Added(t) => Line::styled(format!("+ {}", t.replace('\t', "    ")), theme.added()),
        DiffLine::Removed(t) => Line::styled(format!("- {}", t.replace('\t', "    ")), theme.removed()),
    });
    header.into_iter().chain(body).collect()
}

fn bpf_lines(ed: &EditingState, theme: &Theme) -> Vec<Line<'static>> {
    match &ed.bpf_view {
        None => vec![Line::raw("…")],
        Some(Err(e)) => vec![Line::styled(format!("cannot compile: {e}"), theme.error())],
        Some(Ok(view)) => {
            let mut lines: Vec<Line> =
                view.summary.lines().map(|l| Line::styled(l.to_string(), theme.accent())).collect();
            lines.extend(view.listing.lines().map(|l| Line::raw(l.to_string())));
            lines
        }
    }
}

fn lint_lines(ed: &EditingState, theme: &Theme) -> (Vec<Line<'static>>, usize) {
    if ed.findings.is_empty() {
        return (vec![Line::styled("no findings", theme.dim())], 0);
    }
    let about = match ed.findings.get(ed.finding).and_then(|f| f.syscall.as_deref()) {
        Some(name) => format!("↑↓ select a finding: the list shows its syscall ({name})"),
        None => "↑↓ select a finding: this one is about the whole profile, no syscall to show".to_string(),
    };
    let mut lines = vec![Line::styled(about, theme.dim())];
    let mut selected_at = 0;
    for (i, f) in ed.findings.iter().enumerate() {
        let style = match f.level {
            crate::profile::finding::Level::Error => theme.error(),
            _ => theme.warning(),
        };
        if i == ed.finding {
            selected_at = lines.len();
        }
        let place = f.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        let head = Line::from(vec![
            Span::styled(format!("{} ", f.level), style),
            Span::styled(f.id.to_string(), theme.accent()),
            Span::raw(format!(" {}{place}", f.path)),
        ]);
        lines.push(if i == ed.finding { selected(head, theme.selection()) } else { head });
        lines.push(Line::raw(format!("  {}", f.message)));
        if let Some(hint) = &f.hint {
            lines.push(Line::styled(format!("  fix: {hint}"), theme.dim()));
        }
    }
    (lines, selected_at.saturating_sub(2))
}
