//! The static probe (tests/data/syscall-probe.c): compiled once per test run, its output parsed.

use crate::support::{TempDir, require, root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What the kernel answered one call, as the probe printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The call returned this non-error value.
    Returned(i64),
    Errno(u32),
    /// SIGSYS caught by the probe's handler: `SCMP_ACT_TRAP`.
    Trap,
    /// The child died of this signal (SIGSYS, 31, for the KILL actions).
    Signal(i32),
    /// Anything else the probe printed (exit, fork or wait failures): never expected.
    Odd(String),
}

impl Outcome {
    fn parse(text: &str) -> Outcome {
        let mut words = text.split_whitespace();
        let (kind, value) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        match (kind, value.parse::<i64>()) {
            ("ok", Ok(v)) => Outcome::Returned(v),
            ("errno", Ok(v)) => Outcome::Errno(v as u32),
            ("signal", Ok(v)) => Outcome::Signal(v as i32),
            ("trap", _) => Outcome::Trap,
            _ => Outcome::Odd(text.to_string()),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Returned(_) => write!(f, "returns"),
            Outcome::Errno(n) => write!(f, "errno {n}"),
            Outcome::Trap => write!(f, "SIGSYS caught"),
            Outcome::Signal(n) => write!(f, "killed ({n})"),
            Outcome::Odd(s) => write!(f, "?{s}"),
        }
    }
}

/// The probe binary, built static into a temp dir kept for the whole test run.
pub struct ProbeBinary {
    _dir: TempDir,
    pub path: PathBuf,
    pub build_time: Duration,
}

/// Compiles tests/data/syscall-probe.c with `cc -static -O2`; fails naming the package when the
/// compiler or the static libc is missing.
pub fn build() -> ProbeBinary {
    require("cc", "gcc libc6-dev");
    let dir = TempDir::new("syscall-probe");
    let path = dir.path().join("syscall-probe");
    let source = root().join("tests/data/syscall-probe.c");
    let started = Instant::now();
    let out = Command::new("cc")
        .args(["-static", "-O2", "-Wall", "-Werror", "-o"])
        .arg(&path)
        .arg(&source)
        .output()
        .expect("cc runs");
    let build_time = started.elapsed();
    assert!(
        out.status.success(),
        "cc -static -O2 {} failed (a static libc needs `apt-get install -y libc6-dev`):\n{}",
        source.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    ProbeBinary { _dir: dir, path, build_time }
}

/// The probe's command-line word for one call: `64:NR[:ARGS]` or `32:NR[:ARGS]`.
pub fn spec(int80: bool, nr: u64, args: &[i64]) -> String {
    let abi = if int80 { 32 } else { 64 };
    let mut word = format!("{abi}:{nr:#x}");
    if !args.is_empty() {
        let shown: Vec<String> = args.iter().map(i64::to_string).collect();
        word.push(':');
        word.push_str(&shown.join(","));
    }
    word
}

/// The outcome of each call, by the probe word it was asked with, from the probe's stdout.
pub fn parse_output(stdout: &str, asked: &[String]) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::with_capacity(asked.len());
    let mut lines = stdout.lines();
    for word in asked {
        let line = lines.next().ok_or_else(|| format!("the probe stopped before `{word}`:\n{stdout}"))?;
        let rest = line
            .strip_prefix(word.as_str())
            .and_then(|r| r.strip_prefix(' '))
            .ok_or_else(|| format!("expected a line for `{word}`, got `{line}`"))?;
        outcomes.push(Outcome::parse(rest));
    }
    Ok(outcomes)
}

/// Runs the probe on this host without a filter (a check that it works before any container).
pub fn run_here(probe: &Path, words: &[String]) -> Vec<Outcome> {
    let out = Command::new(probe).args(words).output().expect("the probe runs");
    assert!(out.status.success(), "the probe failed on the host: {}", String::from_utf8_lossy(&out.stderr));
    parse_output(&String::from_utf8_lossy(&out.stdout), words).unwrap_or_else(|e| panic!("{e}"))
}
