//! The editor's compare view: state, render, and the real binary in a pty.

use crate::support::{TempDir, render, root};
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::profile::{Action, Document, KernelVersion};
use seccompose::tui::app::App;
use seccompose::tui::app::compare;
use seccompose::tui::app::step as update;
use seccompose::tui::app::update::Msg;
use seccompose::tui::theme::Theme;

fn app(left: &std::path::Path, right: &str) -> App {
    let ctx = Context {
        native: Arch::X86_64,
        kernel: KernelVersion { major: 6, minor: 8 },
        ..Context::for_engine(Engine::Docker)
    };
    let mut app = App::new(Document::open(left).unwrap(), ctx, Theme::builtin("dark").unwrap());
    compare::open_named(&mut app, right);
    app
}

fn search(app: &mut App, query: &str) {
    update(app, Msg::StartSearch);
    for c in query.chars() {
        update(app, Msg::Type(c));
    }
    update(app, Msg::Enter);
}

fn selected(app: &App) -> &'static str {
    let view = app.compare.as_ref().unwrap();
    view.rows(&app.query)[view.cursor].syscall
}

#[test]
fn copying_a_decision_left_and_undoing_it() {
    let mut app = app(&root().join("profiles/fine-grained.json"), "runtime-default");
    search(&mut app, "ptrace");
    assert_eq!(selected(&app), "ptrace");
    assert_eq!(app.decide("ptrace"), Action::Errno(1));
    update(&mut app, Msg::CopyLeft);
    assert_eq!(app.decide("ptrace"), Action::Allow, "the right's rules (kernel >= 4.8) now on the left");
    let rows = app.compare.as_ref().unwrap().rows(&app.query);
    assert!(rows.iter().all(|d| !d.arches.contains(&Arch::X86_64)), "no x86_64 difference left for ptrace");
    update(&mut app, Msg::Undo);
    assert_eq!(app.decide("ptrace"), Action::Errno(1));
}

#[test]
fn copying_right_edits_and_saves_the_right_side() {
    let dir = TempDir::new("compare-right");
    let right = dir.path().join("right.json");
    std::fs::copy(root().join("profiles/runtime-default.json"), &right).unwrap();
    let mut app = app(&root().join("profiles/fine-grained.json"), right.to_str().unwrap());
    search(&mut app, "ptrace");
    update(&mut app, Msg::CopyRight);
    let view = app.compare.as_ref().unwrap();
    assert!(view.right.is_modified());
    assert!(!app.doc.is_modified(), "the left is untouched");
    update(&mut app, Msg::SaveRight);
    let saved = Document::open(&right).unwrap();
    assert!(saved.profile.rules.iter().filter(|r| r.all_names().any(|n| n == "ptrace")).all(|r| !r.is_conditional()));
    update(&mut app, Msg::Undo);
    let original = Document::open(&root().join("profiles/runtime-default.json")).unwrap();
    assert_eq!(
        app.compare.as_ref().unwrap().right.profile_value(),
        original.profile_value(),
        "undo restores the right side"
    );
}

#[test]
fn enter_goes_to_the_syscall_in_the_editor() {
    let mut app = app(&root().join("profiles/fine-grained.json"), "runtime-default");
    search(&mut app, "mount");
    let name = selected(&app);
    update(&mut app, Msg::Pick);
    assert!(app.compare.is_none());
    assert_eq!(app.selected().unwrap().name, name);
}

#[test]
fn the_view_shows_both_sides_roll_ups_risk_and_rows() {
    let mut app = app(&root().join("tests/fixtures/reference/moby-default.json"), "runtime-default");
    compare::refresh(&mut app);
    // moby's default and the bundled runtime default are the same profile.
    assert!(app.compare.as_ref().unwrap().result.as_ref().unwrap().is_equivalent());
    let mut app = self::app(&root().join("profiles/fine-grained.json"), "runtime-default");
    let text = render(&mut app, 160, 40);
    for wanted in [
        "Compare",
        "right: (built-in) runtime-default.json",
        "right also allows",
        "risk: newly allowed on the right: ",
        "── Basic I/O: ",
        "+ dup   ",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing:\n{text}");
    }
}
