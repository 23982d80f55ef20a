//! The routing is pure: every key that needs a file or a process (`W` in the compare view,
//! the `D` prompt, `t`, a run, a recording, stopping) comes back from `update` as an effect
//! and nothing has happened yet; `perform` (what the loop calls) does it.

use crate::support::{TempDir, root};
use seccompose::policy::context::{Context, Engine};
use seccompose::profile::Document;
use seccompose::tui::app::update::{Effect, Msg, update};
use seccompose::tui::app::{App, Focus, Mode, Prompt, compare, run_pane};
use seccompose::tui::features::run::RunPane;
use seccompose::tui::features::run::history::History;
use seccompose::tui::perform;
use seccompose::tui::shared::Launch;
use seccompose::tui::theme::Theme;
use std::time::{Duration, Instant};

fn app(profile: &std::path::Path) -> App {
    App::new(Document::open(profile).unwrap(), Context::for_engine(Engine::Docker), Theme::builtin("dark").unwrap())
}

/// Sends messages through the pure routing; none of them may ask for I/O.
fn route(app: &mut App, msgs: &[Msg]) {
    for msg in msgs {
        assert_eq!(update(app, *msg), [], "{msg:?} asked for an effect");
    }
}

/// An app with the run pane open on `command`, its history kept in `dir`/data.
fn app_with_pane(dir: &TempDir, command: &str) -> App {
    let mut app = app(&root().join("profiles/runtime-default.json"));
    let history = History::load(&dir.path().join("data"));
    app.run = Some(RunPane { input: command.to_string(), history, size: (20, 80), ..RunPane::default() });
    app.focus = Focus::Run;
    app
}

fn launch(command: &str, record: bool) -> Effect {
    let argv = command.split(' ').map(str::to_string).collect();
    Effect::Run(Launch { command: command.to_string(), argv, record, target: None })
}

/// Waits for the pane's command to end (following it as the loop does).
fn wait_for_end(app: &mut App) {
    let start = Instant::now();
    while app.run.as_ref().unwrap().is_running() {
        run_pane::tick(app);
        assert!(start.elapsed() < Duration::from_secs(30), "the command did not end");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn saving_the_right_side_writes_nothing_until_performed() {
    let dir = TempDir::new("effects-save-right");
    let right = dir.path().join("right.json");
    std::fs::copy(root().join("profiles/runtime-default.json"), &right).unwrap();
    let before = std::fs::read(&right).unwrap();
    let mut app = app(&root().join("profiles/fine-grained.json"));
    compare::open_named(&mut app, right.to_str().unwrap());
    route(&mut app, &[Msg::StartSearch, Msg::Type('p'), Msg::Type('t'), Msg::Type('r'), Msg::Enter, Msg::CopyRight]);
    assert!(app.compare.as_ref().unwrap().right.is_modified());
    assert_eq!(update(&mut app, Msg::SaveRight), [Effect::SaveRight]);
    assert_eq!(std::fs::read(&right).unwrap(), before, "update wrote the right file");
    perform(&mut app, Effect::SaveRight);
    assert_ne!(std::fs::read(&right).unwrap(), before, "perform saves it");
    assert!(!app.compare.as_ref().unwrap().right.is_modified());
}

#[test]
fn the_profile_to_compare_with_is_loaded_when_performed() {
    let dir = TempDir::new("effects-compare-with");
    let right = dir.path().join("right.json");
    std::fs::copy(root().join("profiles/runtime-default.json"), &right).unwrap();
    let mut app = app(&root().join("profiles/fine-grained.json"));
    route(&mut app, &[Msg::Compare]);
    assert!(matches!(&app.mode, Mode::Prompt { purpose: Prompt::CompareWith, .. }));
    let typed: Vec<Msg> = "runtime-default".chars().map(|_| Msg::Backspace).collect();
    route(&mut app, &typed);
    route(&mut app, &right.to_str().unwrap().chars().map(Msg::Type).collect::<Vec<_>>());
    let name = right.to_str().unwrap().to_string();
    assert_eq!(update(&mut app, Msg::Enter), [Effect::OpenCompare(name.clone())]);
    assert!(app.compare.is_none(), "update opened the file");
    perform(&mut app, Effect::OpenCompare(name));
    assert_eq!(app.compare.as_ref().unwrap().right.path.as_deref(), Some(right.as_path()));
    // A name that is neither a file nor a built-in is reported by perform, not by update.
    route(&mut app, &[Msg::Escape]);
    assert_eq!(update(&mut app, Msg::Compare), []);
    route(&mut app, &[Msg::Type('x')]);
    assert_eq!(update(&mut app, Msg::Enter), [Effect::OpenCompare("runtime-defaultx".into())]);
    assert_eq!(app.message, None);
    perform(&mut app, Effect::OpenCompare("runtime-defaultx".into()));
    assert!(app.message.as_deref().unwrap().contains("no such file or built-in profile"), "{:?}", app.message);
}

#[test]
fn opening_the_run_pane_reads_the_history_when_performed() {
    let mut app = app(&root().join("profiles/runtime-default.json"));
    assert_eq!(update(&mut app, Msg::RunPane), [Effect::OpenRunPane]);
    assert!(app.run.is_none(), "update opened the pane (and read the history)");
    assert_eq!(app.mode, Mode::Normal);
    perform(&mut app, Effect::OpenRunPane);
    assert!(app.run.is_some());
    assert_eq!((app.mode.clone(), app.focus), (Mode::RunCommand, Focus::Run));
    // Open already: `t` again from the editor's panes only moves the focus back.
    route(&mut app, &[Msg::Escape, Msg::NextPane]);
    assert_eq!(update(&mut app, Msg::RunPane), []);
    assert_eq!((app.mode.clone(), app.focus), (Mode::RunCommand, Focus::Run));
}

#[test]
fn a_run_starts_and_is_remembered_only_when_performed() {
    let dir = TempDir::new("effects-run");
    let history = dir.path().join("data/history");
    let mut app = app_with_pane(&dir, "/bin/true");
    for (msg, record) in [(Msg::Rerun, false), (Msg::Record, true)] {
        assert_eq!(update(&mut app, msg), [launch("/bin/true", record)]);
        let pane = app.run.as_ref().unwrap();
        assert!(pane.job.is_none() && pane.runs == 0, "{msg:?}: update started the command");
        assert!(!history.exists(), "{msg:?}: update wrote the history");
    }
    // Enter on the command line, too.
    route(&mut app, &[Msg::EditCommand]);
    assert_eq!(app.mode, Mode::RunCommand);
    assert_eq!(update(&mut app, Msg::Enter), [launch("/bin/true", false)]);
    assert!(app.run.as_ref().unwrap().job.is_none());
    perform(&mut app, launch("/bin/true", false));
    assert!(app.run.as_ref().unwrap().job.is_some(), "perform starts it");
    assert_eq!(std::fs::read_to_string(&history).unwrap(), "/bin/true\n", "and remembers it");
    wait_for_end(&mut app);
}

#[test]
fn a_command_that_cannot_run_asks_for_no_effect() {
    let dir = TempDir::new("effects-no-run");
    let mut app = app_with_pane(&dir, "echo 'unclosed");
    route(&mut app, &[Msg::Rerun]);
    assert!(app.message.as_deref().unwrap().starts_with("cannot split the command line"), "{:?}", app.message);
    app.run.as_mut().unwrap().input.clear();
    route(&mut app, &[Msg::Rerun]);
    assert_eq!(app.mode, Mode::RunCommand, "an empty command line is edited, not run");
}

#[test]
fn stopping_a_command_signals_it_only_when_performed() {
    let dir = TempDir::new("effects-stop");
    let mut app = app_with_pane(&dir, "sleep 30");
    seccompose::tui::step(&mut app, Msg::Rerun);
    let start = Instant::now();
    let pid = loop {
        let pid = app.run.as_ref().unwrap().job.as_ref().unwrap().pid();
        if pid != 0 {
            break pid;
        }
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(update(&mut app, Msg::Stop), [Effect::StopRun]);
    std::thread::sleep(Duration::from_millis(50));
    run_pane::tick(&mut app);
    assert!(app.run.as_ref().unwrap().is_running(), "update stopped the command");
    // SAFETY: probing a pid with signal 0.
    assert_eq!(unsafe { libc::kill(pid, 0) }, 0, "the command is still there");
    perform(&mut app, Effect::StopRun);
    wait_for_end(&mut app);
    // SAFETY: as above.
    assert_ne!(unsafe { libc::kill(pid, 0) }, 0, "perform ended it");
}
