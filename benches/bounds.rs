//! Benchmark: bounded work on large inputs (issue 13). Time and peak memory of the lint, and of
//! `check` as the command line runs it, on 100, 1,000 and 10,000 copies of one rule and on
//! profiles of 1 MiB (the input limit): duplicates, and distinct conditional rules.
//!
//! `cargo bench --bench bounds`. Each figure comes from a fresh child process (this bench run
//! again with `--measure`), so the peak resident memory (VmHWM) is that one measurement's.

use seccompose::catalog::Arch;
use seccompose::cli::{Cli, Command};
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::lint::lint;
use seccompose::profile::Document;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

const BASE: &str = r#"{"names": ["execve", "exit", "exit_group", "read", "write"], "action": "SCMP_ACT_ALLOW"}"#;

fn profile(rules: impl Iterator<Item = Value>) -> String {
    let mut all: Vec<Value> = vec![serde_json::from_str(BASE).unwrap()];
    all.extend(rules);
    serde_json::to_string_pretty(&json!({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": all}))
        .unwrap()
}

fn copies(n: usize) -> String {
    profile(std::iter::repeat_n(json!({"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}), n))
}

fn conditional(i: usize) -> Value {
    let action = if i % 2 == 0 { "SCMP_ACT_ALLOW" } else { "SCMP_ACT_ERRNO" };
    json!({"names": ["read", "write", "getpid"], "action": action, "args": [{"index": i % 6, "value": i, "op": "SCMP_CMP_EQ"}]})
}

/// The most rules of `rule` that fit in 1 MiB.
fn one_mib(rule: impl Fn(usize) -> Value) -> String {
    let (mut low, mut high) = (1, 40_000);
    while low + 1 < high {
        let mid = (low + high) / 2;
        if profile((0..mid).map(&rule)).len() <= 1 << 20 { low = mid } else { high = mid }
    }
    profile((0..low).map(rule))
}

fn inputs(dir: &Path) -> Vec<(String, PathBuf)> {
    let cases = [
        ("100 duplicate rules".to_string(), copies(100)),
        ("1,000 duplicate rules".to_string(), copies(1_000)),
        ("10,000 duplicate rules".to_string(), copies(10_000)),
        ("1 MiB of duplicate rules".to_string(), one_mib(|_| json!({"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}))),
        ("1 MiB of conditional rules".to_string(), one_mib(conditional)),
    ];
    cases
        .into_iter()
        .enumerate()
        .map(|(i, (name, text))| {
            let path = dir.join(format!("case{i}.json"));
            std::fs::write(&path, &text).unwrap();
            let rules = serde_json::from_str::<Value>(&text).unwrap()["syscalls"].as_array().unwrap().len();
            (format!("{name} ({rules} rules, {} KiB)", text.len() >> 10), path)
        })
        .collect()
}

/// Peak resident memory of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Child mode: one measurement, printed as `seconds peak_kib findings`.
fn measure(what: &str, path: &Path) {
    let started = Instant::now();
    let count = match what {
        "lint" => {
            let doc = Document::open(path).unwrap();
            let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) };
            lint(&doc, &ctx).len()
        }
        _ => {
            let cli = <Cli as clap::Parser>::try_parse_from(["seccompose", "check", path.to_str().unwrap()]).unwrap();
            let Some(command @ Command::Check(_)) = cli.command else { unreachable!() };
            seccompose::cli::run(command).map(|c| c as usize).unwrap_or(usize::MAX)
        }
    };
    println!("{} {} {count}", started.elapsed().as_secs_f64(), peak_rss_kib());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--measure") {
        return measure(&args[at + 1], Path::new(&args[at + 2]));
    }
    let dir = std::env::temp_dir().join(format!("seccompose-bench-bounds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "{:<52} {:>14} {:>10} {:>9} {:>14} {:>10}",
        "input", "lint", "peak RSS", "findings", "check (CLI)", "peak RSS"
    );
    for (name, path) in inputs(&dir) {
        let run = |what: &str| -> Vec<String> {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--measure", what, path.to_str().unwrap()])
                .stderr(std::process::Stdio::null())
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            text.lines().last().unwrap_or("").split_whitespace().map(String::from).collect()
        };
        let (lint, check) = (run("lint"), run("check"));
        let secs = |v: &[String]| {
            v.first().and_then(|s| s.parse::<f64>().ok()).map_or("failed".into(), |s| format!("{:.1} ms", s * 1e3))
        };
        let mib = |v: &[String]| {
            v.get(1).and_then(|s| s.parse::<f64>().ok()).map_or("-".into(), |k| format!("{:.0} MiB", k / 1024.0))
        };
        let findings = lint.get(2).cloned().unwrap_or_default();
        println!(
            "{name:<52} {:>14} {:>10} {findings:>9} {:>14} {:>10}",
            secs(&lint),
            mib(&lint),
            secs(&check),
            mib(&check)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
