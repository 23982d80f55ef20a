//! Benchmark: the cost of watching every syscall. One run times each workload plain, under
//! `strace -f -c`, under `record` (every syscall notified) and under `record --only-new` with
//! a base that already allows everything (nothing notified).
//!
//! `cargo bench --bench record` (needs strace and python3). Prints a table.

use seccompose::catalog::Arch;
use seccompose::policy::context::Context;
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::Document;
use seccompose::profile::generate::{Dialect, allow_list};
use seccompose::sandbox::observe::{RunOptions, record};
use seccompose::sandbox::spawn::Stdio;
use std::collections::BTreeSet;
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio as PStdio};
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_command(argv: &[&str]) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                let status = Command::new(argv[0])
                    .args(&argv[1..])
                    .stdout(PStdio::null())
                    .stderr(PStdio::null())
                    .status()
                    .unwrap();
                assert!(status.success(), "{argv:?}");
                t.elapsed()
            })
            .collect(),
    )
}

/// Runs `f` with our stdout and stderr pointing at /dev/null (the workload inherits them).
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null").unwrap();
    // SAFETY: saving and restoring our own fds 1 and 2.
    let (out, err) = unsafe { (libc::dup(1), libc::dup(2)) };
    unsafe {
        libc::dup2(null.as_raw_fd(), 1);
        libc::dup2(null.as_raw_fd(), 2);
    }
    let result = f();
    unsafe {
        libc::dup2(out, 1);
        libc::dup2(err, 2);
        libc::close(out);
        libc::close(err);
    }
    result
}

fn make_tree() -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("seccompose-bench-tree-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for d in 0..100 {
        let dir = root.join(format!("d{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..20 {
            std::fs::write(dir.join(format!("f{f:02}")), b"x").unwrap();
        }
    }
    root
}

fn main() {
    let tree = make_tree();
    let tree_s = tree.to_str().unwrap().to_string();
    let workloads: Vec<(&str, Vec<String>)> = vec![
        ("find -ls (2000 files)", vec!["find".into(), tree_s.clone(), "-ls".into()]),
        ("python3 -c 'import json'", vec!["/usr/bin/python3".into(), "-c".into(), "import json".into()]),
        ("find /usr/lib", vec!["find".into(), "/usr/lib".into()]),
    ];
    let opts = RunOptions { exact: false, timeout: None, stdio: Stdio::Inherit };
    println!("{:<26} {:<24} {:>10} {:>8} {:>12}", "workload", "mode", "time", "ratio", "µs/syscall");
    for (name, argv) in workloads {
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let plain = time_command(&args);
        let mut strace = vec!["strace", "-f", "-c", "-o", "/dev/null"];
        strace.extend(&args);
        let traced = time_command(&strace);
        let mut calls = 0u64;
        let mut seen = BTreeSet::new();
        let recorded = median(
            (0..RUNS)
                .map(|_| {
                    let t = Instant::now();
                    let r = quietly(|| record(None, false, &argv, opts, |_| {})).unwrap();
                    let d = t.elapsed();
                    calls = r.recording.total;
                    seen = r.recording.seen.keys().map(|(_, n)| n.clone()).collect();
                    d
                })
                .collect(),
        );
        // A base allowing everything the workload needs: --only-new notifies nothing.
        let base_text = serde_json::to_string(&allow_list(&seen, &[Arch::host()], Arch::host(), Dialect::Oci)).unwrap();
        let doc = Document::parse(&base_text, "base").unwrap();
        let ev = Evaluator::new(&doc.profile, &Context::default()).unwrap();
        let mut new_calls = 0;
        let only_new = median(
            (0..RUNS)
                .map(|_| {
                    let t = Instant::now();
                    let r = quietly(|| record(Some(&ev), true, &argv, opts, |_| {})).unwrap();
                    new_calls = r.recording.total;
                    t.elapsed()
                })
                .collect(),
        );
        let per_call = |t: Duration| (t.as_secs_f64() - plain.as_secs_f64()) * 1e6 / calls.max(1) as f64;
        let row = |mode: &str, t: Duration, per: Option<f64>| {
            println!(
                "{:<26} {:<24} {:>7.1} ms {:>7.2}x {:>12}",
                name,
                mode,
                t.as_secs_f64() * 1e3,
                t.as_secs_f64() / plain.as_secs_f64(),
                per.map_or_else(|| "-".to_string(), |p| format!("{p:.2}"))
            )
        };
        row("plain", plain, None);
        row("strace -f -c", traced, Some(per_call(traced)));
        row(&format!("record ({calls} calls)"), recorded, Some(per_call(recorded)));
        row(&format!("record --only-new ({new_calls})"), only_new, None);
    }
    let _ = std::fs::remove_dir_all(&tree);
}
