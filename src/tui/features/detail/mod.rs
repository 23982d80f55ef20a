//! The detail pane: the preview tabs (the selected syscall, the profile's JSON with the pending
//! edits, the compiled BPF, the lint findings) and their scrolling.

mod info;
pub mod view;

use crate::tui::shared::Tab;

/// Which tab is shown and how far it is scrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailState {
    pub tab: Tab,
    /// Lines scrolled down from where the tab opens.
    pub scroll: u16,
}

impl Default for DetailState {
    fn default() -> DetailState {
        DetailState { tab: Tab::Info, scroll: 0 }
    }
}

impl DetailState {
    /// `]` and `[`: the tab `step` places on, from the top.
    pub fn cycle_tab(&mut self, step: usize) {
        let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
        self.tab = Tab::ALL[(i + step) % Tab::ALL.len()];
        self.scroll = 0;
    }

    /// The mouse wheel over the pane, or `J`/`K`.
    pub fn scroll_by(&mut self, lines: i16) {
        self.scroll = self.scroll.saturating_add_signed(lines);
    }
}
