//! Benchmark: how compile, check (lint) and diff grow with the size of a profile, on issue 18's
//! argument-heavy family (`profile::synth::arg_heavy`): 500 to 5,000 rules × 1, 3 and 6 arches.
//!
//! `cargo bench --bench scaling` builds the release CLI and times each command as a user runs
//! it (one process, wall time, best of `SCALING_RUNS`, default 3). A command that runs longer
//! than `SCALING_LIMIT` seconds (default 120) is stopped and shown as `> limit`. Prints a table
//! in seconds, and the growth from 500 to 5,000 rules next to n log n's (11.5x).
//! `SCALING_KEEP=DIR` keeps the generated profiles in DIR (to profile one command by hand).

use seccompose::catalog::Arch;
use seccompose::profile::synth::arg_heavy;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SIZES: [usize; 4] = [500, 1000, 2000, 5000];
const ARCHES: [Arch; 6] = [Arch::X86_64, Arch::X86, Arch::X32, Arch::Aarch64, Arch::Arm, Arch::Ppc64le];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Wall time of one run of the CLI and whether compile refused the program as too long for
/// the kernel (it did all the work first), or `None` when it passed `limit` (it is killed then).
fn run_once(args: &[&Path], limit: Duration) -> Option<(Duration, bool)> {
    let bin = env!("CARGO_BIN_EXE_seccompose");
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the seccompose binary runs");
    loop {
        if let Some(status) = child.try_wait().expect("waiting for seccompose") {
            let elapsed = start.elapsed();
            // check exits 1 on findings and diff 1 on differences; 2 and more are failures.
            let mut refused = false;
            if status.code().is_none_or(|c| c > 1) {
                let out = child.wait_with_output().expect("stderr");
                let stderr = String::from_utf8_lossy(&out.stderr);
                // The instruction count is issue 18's other part; the time is still the work.
                refused = stderr.contains("the kernel's limit");
                assert!(refused, "{args:?} failed ({status}): {stderr}");
            }
            return Some((elapsed, refused));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn best_of(runs: u64, args: &[&Path], limit: Duration) -> Option<(Duration, bool)> {
    let mut best: Option<(Duration, bool)> = None;
    for _ in 0..runs {
        let (t, refused) = run_once(args, limit)?;
        best = Some((best.map_or(t, |(b, _)| b.min(t)), refused));
    }
    best
}

fn cell(t: Option<(Duration, bool)>, limit: Duration) -> String {
    match t {
        Some((t, refused)) => format!("{:.3}{}", t.as_secs_f64(), if refused { "*" } else { "" }),
        None => format!("> {}", limit.as_secs()),
    }
}

fn write(dir: &Path, name: &str, value: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(value).expect("json")).expect("writing a profile");
    path
}

pub fn main() {
    let runs = env_number("SCALING_RUNS", 3).max(1);
    let limit = Duration::from_secs(env_number("SCALING_LIMIT", 120));
    let dir = tempfile::tempdir().expect("a temp dir");
    // SCALING_KEEP=DIR keeps the profiles there, to profile a command by hand.
    let kept = std::env::var_os("SCALING_KEEP").map(PathBuf::from);
    let dir_path = kept.as_deref().unwrap_or(dir.path());
    println!("argument-heavy profiles, seconds per command (best of {runs}; limit {} s)", limit.as_secs());
    println!("{:<7} {:>6} {:>10} {:>10} {:>10}", "rules", "arches", "compile", "check", "diff");
    let mut growth = Vec::new();
    for arch_count in [1, 3, 6] {
        let mut first: Option<[Option<(Duration, bool)>; 3]> = None;
        for rules in SIZES {
            let arches = &ARCHES[..arch_count];
            let profile = arg_heavy(rules, arches, 18);
            // The other side of the diff: the same profile less its last 10 rules.
            let mut changed = profile.clone();
            let list = changed["syscalls"].as_array_mut().expect("rules");
            list.truncate(list.len() - 10);
            let a = write(dir_path, &format!("a-{rules}-{arch_count}.json"), &profile);
            let b = write(dir_path, &format!("b-{rules}-{arch_count}.json"), &changed);
            let out = dir_path.join("out.bpf");
            let o = Path::new("-o");
            let compile = best_of(runs, &[Path::new("compile"), &a, o, &out], limit);
            let check = best_of(runs, &[Path::new("check"), &a], limit);
            let diff = best_of(runs, &[Path::new("diff"), &a, &b], limit);
            println!(
                "{rules:<7} {arch_count:>6} {:>10} {:>10} {:>10}",
                cell(compile, limit),
                cell(check, limit),
                cell(diff, limit)
            );
            let now = [compile, check, diff];
            match first {
                None => first = Some(now),
                Some(base) if rules == 5000 => growth.push((arch_count, base, now)),
                Some(_) => {}
            }
        }
    }
    println!("* compile refused the program as longer than the kernel's 4,096 instructions");
    println!("growth 500 -> 5,000 rules (n log n: 11.5x)");
    for (arches, base, now) in growth {
        let ratio = |i: usize| match (base[i], now[i]) {
            (Some((b, _)), Some((n, _))) => format!("{:.1}x", n.as_secs_f64() / b.as_secs_f64()),
            _ => "-".to_string(),
        };
        println!("{arches} arches: compile {}, check {}, diff {}", ratio(0), ratio(1), ratio(2));
    }
}
