//! The user guide's commands run as written and print what the guide shows.
//!
//! Every `$ command` line of `docs/guide.md` runs, in order, in one bash session started at the
//! repository's root (so `export` and `cd` carry over), with this build's `seccompose` first on
//! `PATH`. The lines the guide shows under a command must appear in its output in that order; a
//! line that is only `…` skips any number of lines, and `…` inside a line matches anything.
//! `[exit status N]` is the status the command must end with (0 when absent).

use crate::support::{TempDir, root};
use std::path::Path;
use std::process::Command;

struct Step {
    command: String,
    shown: Vec<String>,
    status: i32,
}

fn steps(guide: &str) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut in_block = false;
    for line in guide.lines() {
        match (in_block, line) {
            (false, "```console") => in_block = true,
            (true, "```") => in_block = false,
            (true, l) if l.starts_with("$ ") => {
                out.push(Step { command: l[2..].to_string(), shown: Vec::new(), status: 0 })
            }
            (true, l) => {
                let step = out.last_mut().expect("output before any command");
                match l.strip_prefix("[exit status ").and_then(|r| r.strip_suffix(']')) {
                    Some(code) => step.status = code.parse().expect("a number"),
                    None => step.shown.push(l.to_string()),
                }
            }
            _ => {}
        }
    }
    out
}

/// The kernel version differs from machine to machine; nothing else should.
fn normalize(line: &str) -> String {
    normalize_runtime(&normalize_kernel(line))
}

/// `runc 1.1.5 · libseccomp 2.5.4 (host)` depends on the machine: shown as `RUNTIME`.
fn normalize_runtime(line: &str) -> String {
    let Some(at) = line.find("runc ").or_else(|| line.find("crun ")) else { return line.to_string() };
    let Some(lib) = line[at..].find("libseccomp ").map(|i| at + i + "libseccomp ".len()) else {
        return line.to_string();
    };
    let mut end = lib + line[lib..].find(' ').unwrap_or(line.len() - lib);
    // A trailing `)` closes the context's own bracket, not the label's.
    if line[lib..end].ends_with(')') && !line[lib..end].contains('(') {
        end -= 1;
    }
    if line[end..].starts_with(" (") {
        let mut depth = 0;
        for (i, c) in line[end + 1..].char_indices() {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            if depth == 0 {
                end = end + 1 + i + 1;
                break;
            }
        }
    }
    format!("{}RUNTIME{}", &line[..at], normalize_runtime(&line[end..]))
}

fn normalize_kernel(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("kernel ") {
        let (before, after) = rest.split_at(at + "kernel ".len());
        out.push_str(before);
        let version_len = after.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(after.len());
        out.push_str(if version_len > 0 { "X.Y" } else { "" });
        rest = &after[version_len..];
    }
    out + rest
}

fn line_matches(shown: &str, actual: &str) -> bool {
    if shown == actual {
        return true;
    }
    let parts: Vec<&str> = shown.split('…').collect();
    if parts.len() == 1 {
        return false;
    }
    let mut at = 0;
    for (i, part) in parts.iter().enumerate() {
        match actual[at..].find(part) {
            Some(found) if i > 0 || found == 0 => at += found + part.len(),
            _ => return false,
        }
    }
    parts.last().is_some_and(|p| p.is_empty()) || at == actual.len()
}

/// Whether the shown lines appear in the actual output, in order.
fn shown_in(shown: &[String], actual: &[String]) -> Result<(), String> {
    let mut next = 0;
    for line in shown.iter().filter(|l| l.as_str() != "…") {
        let line = normalize(line);
        match actual[next..].iter().position(|a| line_matches(&line, a)) {
            Some(found) => next += found + 1,
            None => return Err(format!("not printed (in this order): {line}")),
        }
    }
    Ok(())
}

#[test]
fn the_guides_commands_run_as_written() {
    let guide = std::fs::read_to_string(root().join("docs/guide.md")).unwrap();
    let steps = steps(&guide);
    assert!(steps.len() >= 15, "the guide has its commands ({})", steps.len());
    let mut script = String::new();
    for (i, step) in steps.iter().enumerate() {
        script.push_str(&format!("echo '@@begin {i}'\n{{ {} ; }} 2>&1\necho \"@@end {i} $?\"\n", step.command));
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_seccompose")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    // `mktemp -d` in the guide makes its scratch directory inside one removed after the test.
    let scratch = TempDir::new("guide");
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(root())
        .env("PATH", path)
        .env("TMPDIR", scratch.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace(&root().join("docs/guide").display().to_string(), "$GUIDE");
    let mut outputs: Vec<(Vec<String>, i32)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("@@begin ") {
            outputs.push((Vec::new(), -1));
        } else if let Some(end) = line.strip_prefix("@@end ") {
            outputs.last_mut().unwrap().1 = end.split(' ').nth(1).unwrap().parse().unwrap();
        } else if let Some(current) = outputs.last_mut() {
            current.0.push(normalize(line));
        }
    }
    assert_eq!(outputs.len(), steps.len(), "every command ran: {}", String::from_utf8_lossy(&out.stderr));
    for (step, (actual, status)) in steps.iter().zip(&outputs) {
        let context = format!("`{}` printed:\n{}", step.command, actual.join("\n"));
        assert_eq!(*status, step.status, "exit status of {context}");
        if let Err(why) = shown_in(&step.shown, actual) {
            panic!("{why}\n{context}");
        }
    }
}

#[test]
fn lines_with_ellipses_match_only_what_they_say() {
    assert!(line_matches("after … s", "after 0.01 s"));
    assert!(!line_matches("after … s", "before 0.01 s"));
    assert!(line_matches("most called: openat …", "most called: openat 30, mmap 21"));
    assert!(!line_matches("exact", "exactly"));
    assert_eq!(normalize("containerd · kernel 6.18 · x"), "containerd · kernel X.Y · x");
}
