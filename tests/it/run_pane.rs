//! The run pane on the real kernel: runs under the edited profile, the denials, the allow
//! keys, recording, and stopping (state and render), without a terminal.

use crate::support::{TempDir, render, root};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::profile::{Action, Document, KernelVersion};
use seccompose::tui::app::step as update;
use seccompose::tui::app::update::Msg;
use seccompose::tui::app::{App, Focus, Mode};
use seccompose::tui::features::run::RunPane;
use seccompose::tui::features::run::history::History;
use seccompose::tui::features::run::job::{Report, State};
use seccompose::tui::theme::Theme;
use std::time::{Duration, Instant};

fn app_with_pane(profile: &str, dir: &TempDir, command: &str) -> App {
    let doc = Document::open(&root().join(profile)).unwrap();
    let ctx = Context {
        native: Arch::X86_64,
        kernel: KernelVersion { major: 6, minor: 8 },
        ..Context::for_engine(Engine::Docker)
    };
    let mut app = App::new(doc, ctx, Theme::builtin("dark").unwrap());
    let history = History::load(&dir.path().join("data"));
    app.run = Some(RunPane { input: command.to_string(), history, size: (20, 80), ..RunPane::default() });
    app.focus = Focus::Run;
    app
}

/// Sends `msg`, then waits for a started command to end.
fn run(app: &mut App, msg: Msg) {
    update(app, msg);
    let start = Instant::now();
    while app.run.as_ref().unwrap().is_running() {
        seccompose::tui::app::run_pane::tick(app);
        assert!(start.elapsed() < Duration::from_secs(30), "the command did not end");
        std::thread::sleep(Duration::from_millis(5));
    }
    seccompose::tui::app::run_pane::tick(app);
}

fn screen_text(app: &App) -> String {
    let job = app.run.as_ref().unwrap().job.as_ref().unwrap();
    job.screen.lock().unwrap().screen().contents()
}

fn exit_code(app: &App) -> Option<i32> {
    match &app.run.as_ref()?.job.as_ref()?.state {
        State::Ended(Ok(Report::Run(r))) => Some(r.exit.status_code()),
        _ => None,
    }
}

#[test]
fn allowing_what_is_shown_reaches_a_profile_that_runs_echo() {
    let dir = TempDir::new("pane-echo");
    let mut app = app_with_pane("profiles/violation.json", &dir, "/bin/echo hi");
    run(&mut app, Msg::Rerun);
    let denials = app.run.as_ref().unwrap().denials();
    assert_eq!(denials[0].name, "execve", "{denials:?}");
    assert!(denials[0].samples[0].contains("/bin/echo"), "{:?}", denials[0].samples);
    update(&mut app, Msg::Pick);
    assert_eq!(app.decide("execve"), Action::Allow, "Enter allows the selected denial");
    let mut rounds = 0;
    loop {
        run(&mut app, Msg::Rerun);
        if exit_code(&app) == Some(0) && app.run.as_ref().unwrap().denials().is_empty() {
            break;
        }
        update(&mut app, Msg::AllowAll);
        rounds += 1;
        assert!(rounds < 20, "never converged");
    }
    assert!(screen_text(&app).contains("hi"));
    assert_eq!(app.undo.len(), rounds + 1, "each allow is one undoable edit");
    let saved = app.run.as_ref().unwrap().history.clone();
    assert_eq!(History::load(&dir.path().join("data")).commands, saved.commands, "the command is remembered");
}

#[test]
fn allow_with_these_values_adds_a_conditional_rule() {
    let dir = TempDir::new("pane-args");
    let profile = dir.path().join("p.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let doc = Document::open(&profile).unwrap();
    let mut app = App::new(doc, Context::for_engine(Engine::Docker), Theme::builtin("dark").unwrap());
    app.run = Some(RunPane {
        input: "setarch x86_64 -R true".into(),
        history: History::load(&dir.path().join("data")),
        ..RunPane::default()
    });
    app.focus = Focus::Run;
    run(&mut app, Msg::Rerun);
    let denial = app.run.as_ref().unwrap().denials().into_iter().find(|d| d.name == "personality").unwrap();
    update(&mut app, Msg::AllowArgs);
    let rule = app.doc.profile.rules.iter().find(|r| r.is_conditional()).expect("a conditional rule");
    assert_eq!(rule.args[0].value, denial.first_args[0]);
    run(&mut app, Msg::Rerun);
    assert!(
        app.run
            .as_ref()
            .unwrap()
            .denials()
            .iter()
            .all(|d| d.name != "personality" || d.first_args[0] != denial.first_args[0])
    );
}

/// Issue 15: `=` and the denial list name the socket's family and type, and keep the numbers.
#[test]
fn allow_with_these_values_names_the_family() {
    let dir = TempDir::new("pane-family");
    let profile = dir.path().join("p.json");
    std::fs::write(
        &profile,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let doc = Document::open(&profile).unwrap();
    let mut app = App::new(doc, Context::for_engine(Engine::Docker), Theme::builtin("dark").unwrap());
    // logger(1) (util-linux, in every base system) opens AF_UNIX sockets for the `-u` socket.
    app.run = Some(RunPane {
        input: "logger -u /dev/null seccompose-test".into(),
        history: History::load(&dir.path().join("data")),
        ..RunPane::default()
    });
    app.focus = Focus::Run;
    run(&mut app, Msg::Rerun);
    let denials = app.run.as_ref().unwrap().denials();
    let socket = denials.iter().find(|d| d.name == "socket").expect("socket was denied");
    assert!(socket.samples[0].starts_with("family=AF_UNIX (1) type=SOCK_"), "{:?}", socket.samples);
    app.run.as_mut().unwrap().cursor = denials.iter().position(|d| d.name == "socket").unwrap();
    update(&mut app, Msg::AllowArgs);
    let message = app.message.clone().unwrap_or_default();
    assert!(message.contains("allowed socket only when arg0 == AF_UNIX (1)"), "{message}");
}

#[test]
fn recording_adds_what_the_command_needs_in_one_step() {
    let dir = TempDir::new("pane-record");
    let mut app = app_with_pane("profiles/violation.json", &dir, "ls /");
    run(&mut app, Msg::Record);
    let pending = seccompose::tui::features::run::view::pending_names(app.run.as_ref().unwrap());
    assert!(pending.contains(&"execve".to_string()) && pending.contains(&"getdents64".to_string()), "{pending:?}");
    update(&mut app, Msg::Type('y'));
    assert_eq!(app.undo.len(), 1);
    run(&mut app, Msg::Rerun);
    assert_eq!(exit_code(&app), Some(0));
    assert!(app.run.as_ref().unwrap().denials().is_empty(), "{:?}", app.run.as_ref().unwrap().denials());
}

#[test]
fn quitting_while_a_command_runs_asks_and_leaves_nothing_behind() {
    let dir = TempDir::new("pane-quit");
    let mut app = app_with_pane("profiles/runtime-default.json", &dir, "sleep 30");
    update(&mut app, Msg::Rerun);
    let start = Instant::now();
    let job = app.run.as_ref().unwrap().job.as_ref().unwrap();
    while job.pid() == 0 {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = job.pid();
    update(&mut app, Msg::Quit);
    assert_eq!(app.mode, Mode::ConfirmQuit, "a running command makes quit ask");
    update(&mut app, Msg::Type('n'));
    run(&mut app, Msg::Stop);
    // SAFETY: probing a pid with signal 0.
    assert_ne!(unsafe { libc::kill(pid, 0) }, 0, "the command is gone");
    let status = seccompose::tui::features::run::view::status_text(app.run.as_ref().unwrap());
    assert!(status.contains("killed by signal 9"), "{status}");
}

#[test]
fn the_pane_shows_the_command_its_output_denials_and_status() {
    let dir = TempDir::new("pane-render");
    let mut app = app_with_pane("profiles/fine-grained.json", &dir, "ls /proc/self/fd");
    run(&mut app, Msg::Rerun);
    let text = render(&mut app, 150, 50);
    assert!(text.contains("$ ls /proc/self/fd"), "{text}");
    assert!(text.contains("Categories"), "the editor stays above:\n{text}");
    let first = &app.run.as_ref().unwrap().denials()[0];
    assert!(text.contains(&first.name), "{text}");
    assert!(text.contains("syscalls denied"), "{text}");
}

#[test]
fn the_status_line_says_when_descendants_were_killed() {
    let dir = TempDir::new("pane-descendants");
    let marker = format!("{}.{}", 1000 + std::process::id() % 1000, 4242);
    // The pty's session leader (sh) hangs up its terminal when it exits, which would kill the
    // sleep with SIGHUP before the end-of-run walk finds it: ignore SIGHUP (inherited by sleep).
    let command = format!("sh -c 'trap \"\" HUP; sleep {marker} & echo started'");
    let mut app = app_with_pane("profiles/runtime-default.json", &dir, &command);
    run(&mut app, Msg::Rerun);
    let status = seccompose::tui::features::run::view::status_text(app.run.as_ref().unwrap());
    assert!(status.contains("1 descendant still running was killed"), "{status}");
    let left = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.unwrap().path().join("cmdline")).ok())
        .filter(|cmdline| String::from_utf8_lossy(cmdline).contains(&marker))
        .count();
    assert_eq!(left, 0, "the background sleep is gone");
}

fn status(app: &App) -> String {
    seccompose::tui::features::run::view::status_text(app.run.as_ref().unwrap())
}

fn runc_warnings(app: &App) -> usize {
    app.findings.iter().filter(|f| f.id == "runtime-syscalls-denied").count()
}

/// Issue 15: the README's violation.json journey ends with a question about what runc needs;
/// `n` dismisses it, `y` allows them as one undo step and the lint stops warning.
#[test]
fn a_run_that_works_on_the_host_asks_for_what_runc_needs() {
    let dir = TempDir::new("pane-runc");
    let mut app = app_with_pane("profiles/violation.json", &dir, "ls -la /");
    let mut rounds = 0;
    loop {
        run(&mut app, Msg::Rerun);
        if exit_code(&app) == Some(0) && app.run.as_ref().unwrap().denials().is_empty() {
            break;
        }
        assert!(!status(&app).contains("runc itself"), "no question while the run fails: {}", status(&app));
        update(&mut app, Msg::AllowAll);
        rounds += 1;
        assert!(rounds < 20, "never converged");
    }
    assert!(runc_warnings(&app) > 0, "the journey's profile still denies what runc needs");
    let text = status(&app);
    assert!(text.contains("works on the host; runc itself also needs ") && text.contains("allow them? y/n"), "{text}");
    assert!(text.contains("fstatfs") && text.contains("rt_sigreturn"), "{text}");
    let question = &text[text.find("works on the host").unwrap()..];
    assert_eq!(app.message.as_deref(), Some(question), "the status bar asks it alone");
    let screen = render(&mut app, 160, 45);
    let last = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
    assert!(last.trim_end().ends_with("allow them? y/n"), "the whole question at 160 columns:\n{screen}");
    assert!(
        screen.lines().filter(|l| l.contains("runc itself also needs")).count() >= 3,
        "the pane's status line and its denial list say it too:\n{screen}"
    );
    let edits = app.undo.len();
    update(&mut app, Msg::Type('n'));
    assert!(!status(&app).contains("runc itself"), "n dismisses: {}", status(&app));
    assert_eq!(app.undo.len(), edits, "n changes nothing");
    run(&mut app, Msg::Rerun);
    assert!(status(&app).contains("runc itself also needs"), "asked again after the next run");
    update(&mut app, Msg::Type('y'));
    assert_eq!(app.undo.len(), edits + 1, "one undo step");
    assert_eq!(runc_warnings(&app), 0, "{:?}", app.findings);
    assert_eq!(app.decide("fstatfs"), Action::Allow);
    assert!(!status(&app).contains("runc itself"), "answered: {}", status(&app));
    run(&mut app, Msg::Rerun);
    assert!(!status(&app).contains("runc itself"), "nothing left to ask: {}", status(&app));
}

fn key(app: &App, code: KeyCode, modifiers: KeyModifiers) -> Msg {
    let area = ratatui::layout::Rect::new(0, 0, 160, 45);
    seccompose::tui::key_msg(app, KeyEvent::new(code, modifiers), area).expect("the key means something")
}

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    let msg = key(app, code, modifiers);
    update(app, msg);
}

fn type_keys(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn input(app: &App) -> &str {
    &app.run.as_ref().unwrap().input
}

/// Issue 15: opening a profile again, `t` and typing a command replaces the remembered one
/// (it is shown selected); cursor keys keep it for editing; Ctrl-u clears the line as in a
/// shell; PgUp/PgDn still scroll the output.
#[test]
fn typing_replaces_the_remembered_command() {
    let dir = TempDir::new("pane-remembered");
    let profile = "profiles/runtime-default.json";
    let key_of = std::fs::canonicalize(root().join(profile)).unwrap().display().to_string();
    History::load(&dir.path().join("data")).add(&key_of, "sleep 100").unwrap();
    let mut app = app_with_pane(profile, &dir, "");
    app.run = None;
    app.focus = Focus::Syscalls;
    // `t` asks the loop to read the history; the loop's part, with this test's history:
    let t = key(&app, KeyCode::Char('t'), KeyModifiers::NONE);
    let effects = seccompose::tui::app::update::update(&mut app, t);
    assert_eq!(effects, [seccompose::tui::shared::Effect::OpenRunPane]);
    app.run = Some(RunPane::open(&app.state, History::load(&dir.path().join("data"))));
    seccompose::tui::app::run_pane::focus_command_line(&mut app);
    assert_eq!(input(&app), "sleep 100", "the last command for this profile is ready");
    let text = render(&mut app, 160, 45);
    assert!(text.contains("$ sleep 100"), "{text}");
    type_keys(&mut app, "ls -la /");
    assert_eq!(input(&app), "ls -la /", "typing replaced the selected command");
    let enter = key(&app, KeyCode::Enter, KeyModifiers::NONE);
    run(&mut app, enter);
    assert!(screen_text(&app).contains("bin"), "{}", screen_text(&app));
    let history = History::load(&dir.path().join("data"));
    assert_eq!(history.last_for[&key_of], "ls -la /");
    assert!(!history.commands.iter().any(|c| c.contains("100ls")), "{:?}", history.commands);

    // The pane is open with the focus elsewhere: `t` selects the command line again.
    app.focus = Focus::Syscalls;
    press(&mut app, KeyCode::Char('t'), KeyModifiers::NONE);
    assert_eq!(app.mode, Mode::RunCommand);
    type_keys(&mut app, "pwd");
    assert_eq!(input(&app), "pwd");
    // End keeps the command for editing; ← moves inside it.
    update(&mut app, Msg::Escape);
    press(&mut app, KeyCode::Char(':'), KeyModifiers::NONE);
    press(&mut app, KeyCode::End, KeyModifiers::NONE);
    type_keys(&mut app, " -P");
    assert_eq!(input(&app), "pwd -P");
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    press(&mut app, KeyCode::Left, KeyModifiers::NONE);
    type_keys(&mut app, "L ");
    assert_eq!(input(&app), "pwd L -P");
    press(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    assert_eq!(input(&app), "pwd L-P");
    // Ctrl-u: what is before the cursor goes, as in a shell (all of it at the end).
    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert_eq!(input(&app), "-P");
    press(&mut app, KeyCode::End, KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert_eq!(input(&app), "");
    // PgUp/PgDn scroll the command's output while the command line has the keys.
    press(&mut app, KeyCode::PageUp, KeyModifiers::NONE);
    assert_eq!(app.run.as_ref().unwrap().scroll, 10);
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    assert_eq!(app.run.as_ref().unwrap().scroll, 0);
    assert_eq!(app.mode, Mode::RunCommand, "still typing");
}

#[test]
fn the_help_lists_the_command_line_keys() {
    let help = seccompose::tui::app::keymap::help_lines();
    let has = |k: &str, what: &str| help.iter().any(|(keys, h)| keys.contains(k) && h.contains(what));
    assert!(has("Ctrl-u", "command line: clear"), "{help:?}");
    assert!(has("End", "command line"), "{help:?}");
    assert!(help.iter().any(|(_, h)| h.contains("typing replaces")), "{help:?}");
}
