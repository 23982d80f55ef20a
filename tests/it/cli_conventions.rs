//! Script conventions of the CLI (issue 15): validated capabilities, negative numbers, several
//! files and `-` for standard input, one JSON schema, exit codes, help examples, colour, and
//! the messages people read.

use crate::support::root;
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::profile::{Document, KernelVersion};
use seccompose::tui::app::update::{Msg, update};
use seccompose::tui::app::{App, Mode};
use seccompose::tui::theme::Theme;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const MOBY: &str = "tests/fixtures/reference/moby-default.json";

fn seccompose(args: &[&str]) -> Output {
    crate::cli::seccompose(args)
}

/// Runs the binary with `input` on standard input.
fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    // The binary may refuse before reading: a closed pipe is not a test failure.
    let _ = child.stdin.take().expect("piped").write_all(input);
    child.wait_with_output().expect("binary ends")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn editor(path: &str) -> App {
    let ctx = Context {
        native: Arch::X86_64,
        kernel: KernelVersion { major: 6, minor: 8 },
        ..Context::for_engine(Engine::Docker)
    };
    App::new(Document::open(&root().join(path)).unwrap(), ctx, Theme::builtin("dark").unwrap())
}

fn send(app: &mut App, msgs: &[Msg]) {
    for m in msgs {
        update(app, *m);
    }
}

// ---- capabilities ----

#[test]
fn a_misspelt_capability_is_an_error_with_a_suggestion() {
    for command in [&["check", MOBY][..], &["explain", MOBY, "mount"], &["diff", MOBY, MOBY, "--format", "text"]] {
        let mut args = command.to_vec();
        args.extend(["--cap", "CAP_SYS_ADMN"]);
        let out = seccompose(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("did you mean CAP_SYS_ADMIN?"), "{args:?}: {}", stderr(&out));
    }
    let out = seccompose(&["explain", MOBY, "mount", "--cap", "sys_admin,kill", "--native", "x86_64"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(seccompose(&["check", MOBY, "--cap", "none"]).status.code() != Some(2));
}

#[test]
fn the_capabilities_prompt_refuses_a_misspelt_capability() {
    let mut app = editor(MOBY);
    let before = app.ctx.caps.clone();
    send(&mut app, &[Msg::EditCaps]);
    let Mode::Prompt { input, .. } = &app.mode else { panic!("{:?}", app.mode) };
    let len = input.chars().count();
    send(&mut app, &vec![Msg::Backspace; len]);
    let typed: Vec<Msg> = "CAP_SYS_ADMN".chars().map(Msg::Type).collect();
    send(&mut app, &typed);
    send(&mut app, &[Msg::Enter]);
    assert_eq!(app.ctx.caps, before, "the context keeps its capabilities");
    let message = app.message.clone().unwrap_or_default();
    assert!(message.contains("did you mean CAP_SYS_ADMIN?"), "{message}");
}
