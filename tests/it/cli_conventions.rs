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

// ---- numbers ----

#[test]
fn negative_arguments_are_twos_complement_for_the_calls_width() {
    let out = seccompose(&["explain", MOBY, "openat", "-100", "--native", "x86_64", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["args"][0], serde_json::json!(u64::MAX - 99), "AT_FDCWD on 64 bits");
    let out =
        seccompose(&["explain", MOBY, "openat", "-100", "--native", "x86_64", "--arch", "x86", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["args"][0], serde_json::json!(0xffff_ff9c_u64), "AT_FDCWD on 32 bits");
    for typed in ["-99999999999999999999", "0x1_G"] {
        let out = seccompose(&["explain", MOBY, "openat", typed]);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains(&format!("\"{typed}\" is not a number")), "{}", stderr(&out));
    }
}

// ---- several files, standard input ----

#[test]
fn check_takes_several_files_and_exits_with_the_worst() {
    let out = seccompose(&["check", MOBY, "profiles/fine-grained.json"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("moby-default.json") && text.contains("fine-grained.json"), "{text}");
    let out = seccompose(&["check", MOBY, "tests/fixtures/no-such-file.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "the missing file decides");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["schema"], 1);
    assert_eq!(value["files"].as_array().unwrap().len(), 2);
    assert!(value["files"][1]["error"]["message"].as_str().unwrap().contains("no-such-file"), "{value}");
}

#[test]
fn a_dash_reads_the_profile_from_standard_input() {
    let profile = std::fs::read(root().join(MOBY)).unwrap();
    for args in [
        &["check", "-"][..],
        &["explain", "-", "mount"],
        &["compile", "-", "--format", "hex"],
        &["diff", "-", MOBY, "--format", "text"],
        &["convert", "-", "--to", "docker"],
        &["install", "-", "--dry-run", "--root", "/nonexistent-root", "--as", "profiles/x.json"],
    ] {
        let out = with_stdin(args, &profile);
        assert_ne!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = with_stdin(&["check", "-", "--format", "json"], &profile);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["file"], "<stdin>");
    let out = with_stdin(&["diff", "-", "-", "--format", "text"], &profile);
    assert_eq!(out.status.code(), Some(2), "standard input is read once");
    let out = with_stdin(&["check", "-"], &vec![b' '; 2 << 20]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--max-input-size"), "the size limit holds: {}", stderr(&out));
}

// ---- JSON ----

#[test]
fn json_outputs_share_a_schema_and_the_context_object() {
    let runs: [&[&str]; 4] = [
        &["check", MOBY, "--format", "json"],
        &["explain", MOBY, "read", "--format", "json"],
        &["diff", MOBY, "profiles/fine-grained.json", "--format", "json"],
        &["syscalls", "--format", "json"],
    ];
    for args in runs {
        let out = seccompose(args);
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(value["schema"], 1, "{args:?}");
        let contexts = [&value["context"], &value["left"]["context"], &value["right"]["context"]];
        for ctx in contexts.into_iter().filter(|c| !c.is_null()) {
            assert!(ctx["engine"].is_string() && ctx["caps"].is_array(), "{args:?}: {ctx}");
        }
    }
    let out = seccompose(&["diff", MOBY, "profiles/fine-grained.json", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(value["left"]["context"].is_object(), "diff's context is an object: {}", value["left"]);
    let out = seccompose(&["explain", "tests/fixtures/no-such-file.json", "read", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("an error object on stdout");
    assert!(value["error"]["message"].as_str().unwrap().contains("no-such-file"), "{value}");
    assert!(stderr(&out).contains("no-such-file"), "and the message on stderr");
}

// ---- diff ----

#[test]
fn escape_from_a_diff_view_quits() {
    use seccompose::tui::app::update::Effect;
    let mut app = editor(MOBY);
    app.compare_only = true;
    let right = Document::open(&root().join("profiles/fine-grained.json")).unwrap();
    seccompose::tui::app::compare::open(&mut app, right);
    let effects = update(&mut app, Msg::Escape);
    assert!(effects.iter().any(|e| matches!(e, Effect::Quit)), "{effects:?}");
}

// ---- messages ----

#[test]
fn syscalls_without_a_query_are_sorted_by_name() {
    let out = seccompose(&["syscalls"]);
    let names: Vec<String> =
        stdout(&out).lines().skip(1).map(|l| l.split_whitespace().next().unwrap().to_string()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert!(names.len() > 300);
    assert_eq!(names, sorted);
}

#[test]
fn counts_are_pluralised() {
    let out = seccompose(&["check", "profiles/fine-grained.json"]);
    let text = stdout(&out);
    assert!(!text.contains("(s)"), "{text}");
    assert!(text.contains(" error") && text.contains(" warning"), "{text}");
    let path = std::env::temp_dir().join(format!("seccompose-plural-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let out = seccompose(&["run", path.to_str().unwrap(), "--", "mkdir", "/nonexistent-dir/x"]);
    std::fs::remove_file(&path).unwrap();
    let err = stderr(&out);
    assert!(err.contains("1 syscall denied, 1 call:"), "{err}");
}

#[test]
fn tabs_in_yaml_indentation_are_named() {
    let out = with_stdin(&["check", "-"], b"defaultAction: SCMP_ACT_ERRNO\nsyscalls:\n\t- names: [read]\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tabs are not allowed for indentation in YAML"), "{}", stderr(&out));
}

#[test]
fn record_without_a_base_does_not_mention_one() {
    let out = seccompose(&["record", "--", "true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("base"), "{}", stderr(&out));
    let out = seccompose(&["record", "--summary-format", "json", "--", "true"]);
    let last = stderr(&out).lines().rev().find(|l| l.starts_with('{')).unwrap_or_default().to_string();
    let value: serde_json::Value = serde_json::from_str(&last).expect("JSON summary");
    assert_eq!(value["schema"], 1);
}

// ---- help ----

#[test]
fn every_subcommands_help_ends_with_examples() {
    let commands = [
        "edit",
        "check",
        "explain",
        "compile",
        "diff",
        "convert",
        "run",
        "record",
        "import-audit",
        "syscalls",
        "install",
        "check-pod",
        "completions",
        "man",
    ];
    for command in commands {
        let out = seccompose(&[command, "--help"]);
        let text = stdout(&out);
        let examples = text.rsplit_once("Examples:\n").map(|(_, tail)| tail).unwrap_or_default();
        let lines: Vec<&str> = examples
            .lines()
            .filter(|l| l.trim_start().starts_with("seccompose") || l.contains("| seccompose"))
            .collect();
        assert!((2..=3).contains(&lines.len()), "{command}: {text}");
    }
}

// ---- colour ----

const WITH_ERRORS: &str = "tests/fixtures/invalid/07-unknown-action.json";

/// Runs the binary in a pty (stdout and stderr a terminal) and returns all it wrote.
fn in_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    use std::io::Read;
    let (master, slave) = crate::support::openpty(24, 200);
    let mut command = Command::new(env!("CARGO_BIN_EXE_seccompose"));
    command.args(args).current_dir(root()).env_remove("NO_COLOR").envs(env.iter().copied());
    crate::support::in_pty(&mut command, slave);
    let mut child = command.spawn().expect("binary runs");
    // The command holds the slave's copies: drop it so the master reads EOF (EIO) at the end.
    drop(command);
    let mut output = std::fs::File::from(master);
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = output.read(&mut buf) {
        bytes.extend_from_slice(&buf[..n]);
    }
    child.wait().expect("binary ends");
    String::from_utf8_lossy(&bytes).into_owned()
}

fn coloured(text: &str, label: &str) -> bool {
    text.lines().any(|l| l.contains(&format!("m{label}\x1b[")) && l.contains("\x1b["))
}

#[test]
fn color_always_paints_the_finding_labels_and_never_does_not() {
    for command in ["check", "install"] {
        let mut args = vec![command, WITH_ERRORS, "--color", "always"];
        if command == "install" {
            args.extend(["--dry-run", "--root", "/nonexistent-root"]);
        }
        let text = stdout(&seccompose(&args));
        assert!(coloured(&text, "error") && coloured(&text, "warning"), "{command}: {text:?}");
        let text = stdout(&seccompose(&[command, WITH_ERRORS, "--color", "never"]));
        assert!(text.contains("error[") && !text.contains('\x1b'), "{command}: {text:?}");
    }
    // Not a terminal: auto (the default) writes no escape codes.
    let text = stdout(&seccompose(&["check", WITH_ERRORS]));
    assert!(text.contains("error[") && !text.contains('\x1b'), "{text:?}");
    let out = seccompose(&["explain", WITH_ERRORS, "mount", "--color", "always"]);
    assert!(coloured(&stderr(&out), "error"), "{}", stderr(&out));
    let manifest = "tests/fixtures/k8s/deploy-missing.yaml";
    let text = stdout(&seccompose(&["check-pod", manifest, "--root", "/nonexistent-root", "--color", "always"]));
    assert!(coloured(&text, "error"), "{text:?}");
}

#[test]
fn color_auto_paints_on_a_terminal_unless_no_color_is_set() {
    let text = in_terminal(&["check", WITH_ERRORS], &[]);
    assert!(coloured(&text, "error"), "{text:?}");
    let text = in_terminal(&["check", WITH_ERRORS], &[("NO_COLOR", "1")]);
    assert!(text.contains("error[") && !text.contains('\x1b'), "{text:?}");
    let text = in_terminal(&["check", WITH_ERRORS, "--color", "never"], &[]);
    assert!(text.contains("error[") && !text.contains('\x1b'), "{text:?}");
    let text = in_terminal(&["check", WITH_ERRORS, "--color", "always"], &[("NO_COLOR", "1")]);
    assert!(coloured(&text, "error"), "always wins over NO_COLOR: {text:?}");
}
