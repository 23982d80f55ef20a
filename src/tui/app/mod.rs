//! Layer 3 of the editor: the app, the composition of the features. It holds which features
//! are open (the run pane, the compare view) and the editing state they share, routes each
//! message by mode and focus to the feature it belongs to ([`update`]), translates keys with
//! the keymap table ([`keymap`], [`input`]), lays out and draws the screen ([`view`]), and
//! performs the effects an update asks for ([`effects`]). Features never import it.

pub mod compare;
mod effects;
mod input;
pub mod keymap;
pub mod run_pane;
pub mod update;
pub mod view;

pub use crate::tui::shared::{CondAt, Focus, Mode, Prompt, Tab};
pub use crate::tui::state::{Count, Row, Target};
pub use effects::{perform, step};
pub use input::{interact, key_msg, mouse_msg};

use crate::policy::context::Context;
use crate::profile::Document;
use crate::tui::features::compare::CompareView;
use crate::tui::features::detail::DetailState;
use crate::tui::features::run::RunPane;
use crate::tui::state::EditingState;
use crate::tui::theme::Theme;
use std::ops::{Deref, DerefMut};

pub struct App {
    /// The document and everything derived from it, shared by every feature.
    pub state: EditingState,
    pub theme: Theme,
    pub focus: Focus,
    pub mode: Mode,
    pub quit: bool,
    /// `seccompose diff` on a terminal: the compare view is the whole program, and leaving
    /// it quits instead of showing the editor underneath.
    pub compare_only: bool,
    /// Lines scrolled in the help.
    pub help_scroll: u16,
    /// The preview tabs.
    pub detail: DetailState,
    /// The run pane, when open.
    pub run: Option<RunPane>,
    /// The compare view, when open (it takes the editor's place).
    pub compare: Option<CompareView>,
    /// The editing state's revision the comparison was computed for.
    compared_at: u64,
}

/// The app reads as its editing state (`app.state.doc`, `app.state.rows`, `app.decide(…)`): the state is
/// what callers of the app (the CLI, tests, benches) look at, and the features it is lent to
/// get `&mut app.state` itself.
impl Deref for App {
    type Target = EditingState;
    fn deref(&self) -> &EditingState {
        &self.state
    }
}

impl DerefMut for App {
    fn deref_mut(&mut self) -> &mut EditingState {
        &mut self.state
    }
}

impl App {
    pub fn new(doc: Document, ctx: Context, theme: Theme) -> App {
        App::with_state(EditingState::new(doc, ctx), theme)
    }

    /// The app as it opens on a terminal: drawn before the profile is evaluated (see
    /// [`EditingState::opening`]); the event loop settles it after the first frame.
    pub fn opening(doc: Document, ctx: Context, theme: Theme) -> App {
        App::with_state(EditingState::opening(doc, ctx), theme)
    }

    fn with_state(state: EditingState, theme: Theme) -> App {
        let compared_at = state.revision();
        App {
            state,
            theme,
            focus: Focus::Syscalls,
            mode: Mode::Normal,
            quit: false,
            compare_only: false,
            help_scroll: 0,
            detail: DetailState::default(),
            run: None,
            compare: None,
            compared_at,
        }
    }

    /// Computes what the shown tab needs and does not have yet (call before drawing).
    pub fn prepare_view(&mut self) {
        match self.detail.tab {
            Tab::Json => self.state.prepare_json(),
            Tab::Bpf => self.state.prepare_bpf(),
            _ => {}
        }
    }

    /// Recomputes the comparison when the editing state changed since it was computed.
    fn sync_compare(&mut self) {
        if self.compared_at != self.state.revision() {
            self.compared_at = self.state.revision();
            if let Some(view) = self.compare.as_mut() {
                view.refresh(&self.state);
            }
        }
    }
}
