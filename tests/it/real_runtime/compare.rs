//! `seccompose explain` asked about each call, and its answer held against what the probe saw.

use super::cases::Call;
use super::probe::Outcome;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// SIGSYS: what the KILL actions end a process with.
const SIGSYS: i32 = 31;

/// What explain's `action` means the probe will see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// ALLOW or LOG: whatever the kernel answers without a filter (the unfiltered run shows it).
    Unfiltered,
    Filtered(Outcome),
}

/// explain's action for a call, and what it expects the probe to see.
pub struct Explained {
    pub action: String,
    pub expect: Expect,
}

/// Runs `seccompose explain FILE SYSCALL ARGS --arch A CONTEXT --format json`. Err: explain
/// refused the profile under that context (its message).
pub fn explain(file: &Path, call: &Call, context: &[&str]) -> Result<Explained, String> {
    let args: Vec<String> = call.args.iter().map(i64::to_string).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .arg("explain")
        .arg(file)
        .arg(call.explain_word())
        .args(&args)
        .args(["--arch", call.abi.arch(), "--format", "json"])
        .args(context)
        .output()
        .expect("seccompose runs");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let json: Value = serde_json::from_slice(&out.stdout).expect("explain --format json prints JSON");
    let nr = json["nr"].as_u64().expect("explain's JSON has nr");
    assert_eq!(
        nr,
        call.nr,
        "explain resolves {} on {} to {nr}, the probe calls {}: fix the test's table or the catalog",
        call.explain_word(),
        call.abi.arch(),
        call.nr
    );
    let action = json["action"].as_str().expect("explain's JSON has action").to_string();
    let expect = expectation(&action);
    Ok(Explained { action, expect })
}

/// The outcome an action gives a call in the probe's forked child.
fn expectation(action: &str) -> Expect {
    let errno = |inner: &str| inner.parse::<u32>().unwrap_or_else(|_| panic!("explain's action {action}"));
    match action {
        "ALLOW" | "LOG" => Expect::Unfiltered,
        "KILL_THREAD" | "KILL_PROCESS" => Expect::Filtered(Outcome::Signal(SIGSYS)),
        "TRAP" => Expect::Filtered(Outcome::Trap),
        // No tracer is attached: the kernel fails the call with ENOSYS.
        a if a.starts_with("TRACE") => Expect::Filtered(Outcome::Errno(38)),
        a if a.starts_with("ERRNO(") => Expect::Filtered(Outcome::Errno(errno(&a[6..a.len() - 1]))),
        other => panic!("explain's action {other} is not one the probe can observe"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Agree,
    /// Agrees, but a filter and the bare kernel give the same answer here (ENOSYS for an
    /// unimplemented number, say), so the probe cannot tell ALLOW from this action.
    Indistinct,
    Disagree,
}

/// Two outcomes are the same answer (success values such as pids differ between runs).
fn same(a: &Outcome, b: &Outcome) -> bool {
    matches!((a, b), (Outcome::Returned(_), Outcome::Returned(_))) || a == b
}

pub fn verdict(expect: &Expect, real: &Outcome, unfiltered: &Outcome) -> Verdict {
    match expect {
        Expect::Unfiltered if same(real, unfiltered) => Verdict::Agree,
        Expect::Filtered(want) if same(real, want) && same(want, unfiltered) => Verdict::Indistinct,
        Expect::Filtered(want) if same(real, want) => Verdict::Agree,
        _ => Verdict::Disagree,
    }
}
