//! Opening the compare view and keeping it current: from the `D` prompt, from `seccompose diff
//! --tui`, and after edits.

use super::App;
use crate::profile::Document;
use crate::tui::features::compare::{CompareView, load_right};

/// Opens the view comparing the edited profile with `right`. The editor's search is cleared:
/// the view lists every difference (its own `/` filters them and says so in its header).
pub fn open(app: &mut App, right: Document) {
    app.state.query.clear();
    app.state.refresh_rows();
    app.compare = Some(CompareView::new(right, app.state.ctx.clone()));
    refresh(app);
}

/// Opens the view against a file, or a built-in profile by name.
pub fn open_named(app: &mut App, name: &str) {
    match load_right(name) {
        Ok(doc) => open(app, doc),
        Err(e) => app.state.message = Some(e),
    }
}

/// Recomputes the comparison (after its sides or contexts were changed from outside).
pub fn refresh(app: &mut App) {
    if let Some(view) = app.compare.as_mut() {
        view.refresh(&app.state);
    }
}
