//! From crossterm to messages: a key through the keymap table (by mode), a click or the wheel
//! through the same [`Areas`] the screen is drawn with, and keys typed into the running command.

use super::keymap;
use super::view::Areas;
use super::{App, Focus, Mode, Tab};
use crate::tui::shared::Msg;
use crate::tui::widgets::list_offset;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

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
        Mode::Search | Mode::Prompt { .. } => keymap::typing(key),
        Mode::RunCommand => keymap::command_line(key),
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
            Some(Msg::Type(c @ ('y' | 'n'))) if app.focus == Focus::Run => Some(Msg::Type(c)),
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
        if areas.categories.contains(at) && app.focus != Focus::Categories {
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
    if areas.categories.contains(at) && areas.collapsed {
        return Some(Msg::ClickCategory(app.state.category));
    }
    if areas.categories.contains(at) {
        let height = areas.categories.height.saturating_sub(2) as usize;
        let shown = crate::tui::features::browser::shown_categories(&app.state);
        let at = shown.iter().position(|&i| i == app.state.category).unwrap_or(0);
        let offset = list_offset(at, shown.len(), height);
        return row_in(areas.categories).and_then(|r| shown.get(offset + r)).map(|&i| Msg::ClickCategory(i));
    }
    if areas.syscalls.contains(at) {
        let height = areas.syscalls.height.saturating_sub(2) as usize;
        let offset = list_offset(app.state.cursor, app.state.rows.len(), height);
        return row_in(areas.syscalls).map(|r| Msg::ClickRow(offset + r));
    }
    if areas.tabs.contains(at) {
        return tab_at(mouse.column - areas.tabs.x, app, areas.tabs.width).map(Msg::ClickTab);
    }
    None
}

/// Which tab title covers column `x` of the tab row (titles as `view` draws them).
fn tab_at(x: u16, app: &App, width: u16) -> Option<Tab> {
    let titles = crate::tui::features::detail::view::tab_titles(app.state.lint_count(), app.detail.tab, width);
    let mut start = 0u16;
    for (tab, title) in Tab::ALL.iter().zip(titles) {
        // ratatui's Tabs: one space of padding each side, then a one-column divider.
        let end = start + title.chars().count() as u16 + 2;
        if x < end {
            return Some(*tab);
        }
        start = end + 1;
    }
    None
}

/// In interact mode every key goes to the command, as the bytes a terminal would send;
/// Ctrl-] gives the keys back to the editor.
pub fn interact(app: &App, key: KeyEvent) -> Option<Msg> {
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
