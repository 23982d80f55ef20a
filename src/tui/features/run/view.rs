//! Drawing the run pane: command line, the command's screen (a vt100 model drawn cell by
//! cell, so colours and full-screen programs look right), the denials, the status line.

use super::RunPane;
use super::job::{Report, State};
use crate::container::observe::ContainerRunReport;
use crate::sandbox::observe::{Denial, Recording};
use crate::tui::shared::Mode;
use crate::tui::theme::Theme;
use crate::tui::widgets::{fit_items, list_offset, selected};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

/// "running 1.2 s", "exited with status 0 after 0.31 s", …
pub fn status_text(pane: &RunPane) -> String {
    let mut text = job_status(pane);
    if let Some(question) = super::runtime::question(pane) {
        text = format!("{text} — {question}");
    }
    if pane.runs == 0 { text } else { format!("run {}: {text}", pane.runs) }
}

fn job_status(pane: &RunPane) -> String {
    match pane.job.as_ref().map(|j| &j.state) {
        None => {
            "no command run yet: type one and press Enter (--rootfs DIR COMMAND runs it in a runc container)".into()
        }
        Some(State::Running { since }) => format!("running for {:.1} s", since.elapsed().as_secs_f64()),
        Some(State::Ended(Ok(Report::Run(report)))) => {
            let n = report.denials.iter().filter(|d| !d.action.lets_through()).count();
            let mut text = format!("{} — {n} syscalls denied", report.exit_text());
            text.push_str(&descendants_note(report.descendants_killed));
            if let Some(why) = &report.unwatched {
                text.push_str(&format!(" — {why}"));
            }
            text
        }
        Some(State::Ended(Ok(Report::Record(report)))) => {
            format!(
                "recorded {} calls of {} syscalls in {:.2} s; {} not allowed yet — y adds them (one undo step), n discards",
                report.recording.total,
                report.recording.seen.len(),
                report.duration.as_secs_f64(),
                pending_names(pane).len()
            ) + &descendants_note(report.descendants_killed)
        }
        Some(State::Ended(Ok(Report::ContainerRun(report)))) => container_run_status(report),
        Some(State::Ended(Ok(Report::ContainerRecord(report, _)))) => format!(
            "in a runc container: recorded {} calls of the program and {} of runc init in {:.2} s; {} not allowed yet — y adds them (one undo step), n discards",
            report.program.total,
            report.runtime.total,
            report.ended.duration.as_secs_f64(),
            pending_names(pane).len()
        ),
        Some(State::Ended(Err(e))) => format!("could not run: {e}"),
    }
}

/// "in a runc container: exited with status 0 after 0.31 s — runtime 2 denied, program 1".
fn container_run_status(r: &ContainerRunReport) -> String {
    use crate::sandbox::session::Exit;
    let how = if r.as_written {
        "did not start: the profile denies write, which runc init needs to start any program".to_string()
    } else if r.execve_denied().is_some() {
        "did not start: the profile denies runc init's execve of the program".to_string()
    } else if r.not_started() {
        match r.ended.runc_errors.first() {
            Some(error) => format!("did not start: runc: {error}"),
            None => "did not start".to_string(),
        }
    } else {
        match r.exit() {
            Exit::Code(c) => format!("exited with status {c}"),
            Exit::Signal(s) => format!("was killed by signal {s}"),
        }
    };
    let denied = |d: &[Denial]| d.iter().filter(|d| !d.action.lets_through()).count();
    let mut text = format!(
        "in a runc container: {how} after {:.2} s — {} denied for runc init, {} for the program",
        r.ended.duration.as_secs_f64(),
        denied(&r.runtime),
        denied(&r.program)
    );
    if !r.unobserved.is_empty() {
        let names: Vec<&str> = r.unobserved.iter().map(|(n, _)| *n).collect();
        text.push_str(&format!(" — {} denied but never observed (runc init makes them first)", names.join(", ")));
    }
    text
}

/// " — 2 descendants killed": what the command left running when it ended, which the sandbox
/// killed (the CLI says the same on stderr).
fn descendants_note(count: usize) -> String {
    match count {
        0 => String::new(),
        1 => " — 1 descendant still running was killed".into(),
        n => format!(" — {n} descendants still running were killed"),
    }
}

/// The terminal area of the pane inside `area` (for sizing the pty before the first draw).
pub fn terminal_area(area: Rect) -> Rect {
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let [_, body, _] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    split(body)[0]
}

/// The pane's keys in its title, ranked: the lowest ranks stay when the width is short.
const KEYS: &[(&str, u8)] = &[
    ("Run", 0),
    (": command", 1),
    ("r re-run", 1),
    ("Enter/a allow", 1),
    ("= allow these values", 2),
    ("+ allow all", 2),
    ("i type", 3),
    ("Ctrl-c stop", 1),
    ("t close", 0),
];

/// The command's screen and the denials side by side: the denials get 38% of the width, half
/// on wide screens (up to 84 columns) so a denial's decoded arguments are not cut.
fn split(body: Rect) -> [Rect; 2] {
    let denials = if body.width >= 140 { (body.width / 2).min(84) } else { body.width * 38 / 100 };
    Layout::horizontal([Constraint::Min(1), Constraint::Length(denials)]).areas(body)
}

/// The pane in `area`; `focused`: its denial list has the keys.
pub fn draw(frame: &mut Frame, pane: &RunPane, theme: &Theme, focused: bool, mode: &Mode, area: Rect) {
    let items: &[(&str, u8)] = match mode {
        Mode::Interact => &[("Run", 0), ("keys go to the command", 0), ("Ctrl-] gives them back", 0)],
        _ => KEYS,
    };
    let title = format!(" {} ", fit_items(items, " · ", area.width.saturating_sub(4) as usize));
    let block = Block::default().borders(Borders::ALL).border_style(theme.border(focused)).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [command, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(command_line(pane, theme, mode)), command);
    let [screen, denials] = split(body);
    draw_screen(frame.buffer_mut(), pane, screen);
    draw_denials(frame, theme, focused, pane, denials);
    // A question waiting for y/n stands out like a running command.
    let style = if pane.is_running() || !pane.runtime_question.is_empty() { theme.accent() } else { theme.dim() };
    frame.render_widget(Paragraph::new(Line::styled(status_text(pane), style)), status);
}

/// "$ " and the command line: selected (typing replaces it), or with the cursor while typing.
fn command_line<'a>(pane: &'a RunPane, theme: &Theme, mode: &Mode) -> Line<'a> {
    use ratatui::text::Span;
    let prompt = Span::styled("$ ", theme.accent());
    if *mode != Mode::RunCommand {
        return Line::from(vec![prompt, Span::raw(pane.input.as_str())]);
    }
    if pane.input_selected {
        return Line::from(vec![prompt, Span::styled(pane.input.as_str(), theme.selection())]);
    }
    let (before, after) = super::command_line::parts(pane);
    Line::from(vec![prompt, Span::raw(before), Span::styled("▏", theme.accent()), Span::raw(after)])
}

fn draw_denials(frame: &mut Frame, theme: &Theme, focused: bool, pane: &RunPane, area: Rect) {
    let block = Block::default().borders(Borders::LEFT).border_style(theme.border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match pane.job.as_ref().map(|j| &j.state) {
        Some(State::Ended(Ok(Report::Record(report)))) => {
            return draw_additions(frame, theme, pane.record_applied, &[("", &report.recording, &[])], inner);
        }
        Some(State::Ended(Ok(Report::ContainerRecord(report, unseen)))) => {
            // runc init's share first: it is short, and without it the container never starts.
            let groups = [
                ("for runc init (the runtime)", &report.runtime, unseen.as_slice()),
                ("for the program", &report.program, &[][..]),
            ];
            return draw_additions(frame, theme, pane.record_applied, &groups, inner);
        }
        _ => {}
    }
    let (denials, runtime) = pane.denials_split();
    if denials.is_empty() {
        let mut lines = vec![Line::styled("no denials", theme.dim())];
        if let Some(question) = super::runtime::question(pane) {
            lines.extend([Line::raw(""), Line::styled(question, theme.accent())]);
        }
        let text = Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false });
        frame.render_widget(text, inner);
        return;
    }
    let rows = denial_rows(pane, (&denials, runtime), theme, focused);
    let height = inner.height as usize;
    let cursor_row = rows.iter().position(|(i, _)| *i == Some(pane.cursor)).unwrap_or(0);
    let offset = list_offset(cursor_row, rows.len(), height.max(1));
    let lines: Vec<Line> = rows.into_iter().skip(offset).take(height).map(|(_, line)| line).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One row per denial (with its index in [`RunPane::denials`]); in a container, under a
/// heading per group: runc init's calls first, then the program's.
fn denial_rows<'a>(
    pane: &RunPane,
    (denials, runtime): (&[Denial], usize),
    theme: &Theme,
    focused: bool,
) -> Vec<(Option<usize>, Line<'a>)> {
    let row = |i: usize, d: &Denial| {
        let sample = d.samples.first().map(|s| format!(" {s}")).unwrap_or_default();
        let text = format!("{:<14} ×{:<4} {}{sample}", d.name, d.count, d.action);
        let line = Line::styled(text, theme.action(d.action));
        (Some(i), if i == pane.cursor && focused { selected(line, theme.selection()) } else { line })
    };
    if !pane.job.as_ref().is_some_and(|j| j.in_container) {
        return denials.iter().enumerate().map(|(i, d)| row(i, d)).collect();
    }
    let mut rows =
        vec![(None, Line::styled(format!("runtime (runc init, before the program): {runtime}"), theme.dim()))];
    rows.extend(denials[..runtime].iter().enumerate().map(|(i, d)| row(i, d)));
    rows.push((None, Line::styled(format!("program: {}", denials.len() - runtime), theme.dim())));
    rows.extend(denials[runtime..].iter().enumerate().map(|(i, d)| row(runtime + i, d)));
    rows
}

/// Copies the command's screen (scrolled back `pane.scroll` lines) into the buffer.
fn draw_screen(buf: &mut Buffer, pane: &RunPane, area: Rect) {
    let Some(job) = pane.job.as_ref() else { return };
    let mut parser = job.screen.lock().expect("not poisoned");
    parser.screen_mut().set_scrollback(pane.scroll);
    let screen = parser.screen();
    for row in 0..area.height {
        for col in 0..area.width {
            let Some(cell) = screen.cell(row, col) else { continue };
            let target = &mut buf[(area.x + col, area.y + row)];
            let text = cell.contents();
            target.set_symbol(if text.is_empty() { " " } else { text });
            target.set_style(cell_style(cell));
        }
    }
    parser.screen_mut().set_scrollback(0);
}

fn cell_style(cell: &vt100::Cell) -> Style {
    let mut style = Style::new().fg(color(cell.fgcolor())).bg(color(cell.bgcolor()));
    for (on, m) in [
        (cell.bold(), Modifier::BOLD),
        (cell.italic(), Modifier::ITALIC),
        (cell.underline(), Modifier::UNDERLINED),
        (cell.inverse(), Modifier::REVERSED),
    ] {
        if on {
            style = style.add_modifier(m);
        }
    }
    style
}

fn color(c: vt100::Color) -> Color {
    match c {
        vt100::Color::Default => Color::Reset,
        vt100::Color::Idx(i) => Color::Indexed(i),
        vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

/// Syscall names a finished recording needs that the profile does not allow yet.
pub fn pending_names(pane: &RunPane) -> Vec<String> {
    if pane.record_applied {
        return Vec::new();
    }
    let names: std::collections::BTreeSet<String> = match pane.job.as_ref().map(|j| &j.state) {
        Some(State::Ended(Ok(Report::Record(r)))) => needed(&r.recording).collect(),
        Some(State::Ended(Ok(Report::ContainerRecord(r, unseen)))) => {
            needed(&r.program).chain(needed(&r.runtime)).chain(unseen.iter().map(|n| n.to_string())).collect()
        }
        _ => return Vec::new(),
    };
    names.into_iter().filter(|n| crate::catalog::is_known_anywhere(n)).collect()
}

fn needed(r: &Recording) -> impl Iterator<Item = String> + '_ {
    r.needed.keys().map(|(_, n)| n.clone())
}

/// A group of additions: its heading (none on the host), the recording, and names that were
/// not seen but are needed (runc init's never-notified calls the profile denies).
type Additions<'a> = (&'a str, &'a Recording, &'a [&'static str]);

/// What a recording would add, by group, then by category with call counts.
fn draw_additions(frame: &mut Frame, theme: &Theme, applied: bool, groups: &[Additions], area: Rect) {
    let mut lines = vec![Line::styled(
        if applied { "added to the profile" } else { "would add (y applies, n discards):" },
        theme.accent(),
    )];
    for (heading, recording, unseen) in groups {
        if !heading.is_empty() {
            let count = recording.needed.len() + unseen.len();
            lines.push(Line::styled(format!("{heading} ({count}):"), theme.accent()));
        }
        if heading.contains("runc") {
            // One line: what runc needs is the same for every program.
            let mut list: Vec<String> = recording.needed.iter().map(|((_, n), c)| format!("{n} ×{c}")).collect();
            list.extend(unseen.iter().map(|n| format!("{n} (never observed)")));
            lines.push(Line::raw(format!("  {}", list.join(", "))));
            continue;
        }
        let mut by_category: std::collections::BTreeMap<&str, Vec<(String, u64)>> = Default::default();
        for ((_, name), count) in &recording.needed {
            let category = crate::catalog::info(name).map_or("Other", |i| i.category.title);
            by_category.entry(category).or_default().push((name.clone(), *count));
        }
        for (category, names) in by_category {
            let list: Vec<String> = names.iter().map(|(n, c)| format!("{n} ×{c}")).collect();
            lines.push(Line::styled(format!("{category}:"), theme.dim()));
            lines.push(Line::raw(format!("  {}", list.join(", "))));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }), area);
}
