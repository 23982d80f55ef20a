//! Benchmark: the cost of a notified syscall when seccompose is runc's seccomp agent
//! (`record --rootfs`), against the host sandbox (`record` on the host) and an unconfined
//! container, on `find` over 20,000 files in a busybox root filesystem and a static loop of
//! 10^5 `getppid` calls. Target: the agent path within 1.2x of the host's cost per syscall.
//!
//! The cost per call is a difference (the workload's run less the empty run's, the fastest of
//! 9 each), so the signal must stand well above runc's start-up jitter (±10 ms and more on a
//! busy machine): hence 20,000 files (about 21,000 calls) rather than 2,000. The getppid loop
//! also times itself ("in loop"): the cost of a call with nothing of the start-up in it.
//!
//! `cargo bench --features runtime-tests --bench container` (root; runc, busybox-static, gcc,
//! libc6-dev). Prints a table; fails saying what to install when something is missing.

use seccompose::catalog::{Arch, Libseccomp};
use seccompose::container::bundle::{Target, config};
use seccompose::container::observe::record as record_in_container;
use seccompose::container::session::ContainerOptions;
use seccompose::sandbox::observe::{RunOptions, record as record_on_host};
use seccompose::sandbox::spawn::Stdio;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio as PStdio};
use std::time::{Duration, Instant};

const RUNS: usize = 9;

/// `getppid-loop N`: N getppid calls (0: the fixed cost of starting a program); tells on
/// stderr the µs a call took inside the loop (its own clock: the vDSO, no syscall), a figure
/// free of anything a mode pays once.
const GETPPID_LOOP: &str = r#"#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) syscall(SYS_getppid);
  clock_gettime(CLOCK_MONOTONIC, &b);
  if (n > 0) fprintf(stderr, "loop %.4f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
  return 0;
}
"#;

fn require(tool: &str, package: &str) {
    let found =
        Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success());
    assert!(found, "`{tool}` is not installed: run `apt-get install -y {package}`");
}

/// The fastest of the runs: what the machine adds (other builds, runc's start-up jitter) only
/// ever makes a run slower, so the minimum is the steadiest estimate of each mode's cost.
fn fastest(v: Vec<Duration>) -> Duration {
    v.into_iter().min().expect("RUNS > 0")
}

/// Runs `f` with our stdout on /dev/null and stderr in a file (the workload inherits them);
/// gives back the loop's own figure from that stderr, if it told one.
fn quietly<T>(f: impl FnOnce() -> T) -> (T, Option<f64>) {
    use std::io::{Read, Seek};
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null").unwrap();
    let mut captured = tempfile::tempfile().unwrap();
    // SAFETY: saving and restoring our own fds 1 and 2.
    let (out, err) = unsafe { (libc::dup(1), libc::dup(2)) };
    unsafe {
        libc::dup2(null.as_raw_fd(), 1);
        libc::dup2(captured.as_raw_fd(), 2);
    }
    let result = f();
    unsafe {
        libc::dup2(out, 1);
        libc::dup2(err, 2);
        libc::close(out);
        libc::close(err);
    }
    let mut text = String::new();
    captured.rewind().unwrap();
    captured.read_to_string(&mut text).unwrap();
    let figure = text.lines().find_map(|l| l.strip_prefix("loop ")).and_then(|v| v.trim().parse().ok());
    (result, figure)
}

/// The lowest of the loop's own figures, when it told them.
fn lowest(figures: &[Option<f64>]) -> Option<f64> {
    figures.iter().flatten().copied().reduce(f64::min)
}

/// `dir/rootfs`: static busybox (as /bin/find), the getppid loop, and /data with 20,000 files.
fn make_rootfs(dir: &Path) -> PathBuf {
    let rootfs = dir.join("rootfs");
    for sub in ["bin", "proc", "dev", "sys", "tmp", "data"] {
        std::fs::create_dir_all(rootfs.join(sub)).unwrap();
    }
    let busybox = Command::new("sh").args(["-c", "command -v busybox"]).output().unwrap();
    let busybox = PathBuf::from(String::from_utf8_lossy(&busybox.stdout).trim());
    std::fs::copy(&busybox, rootfs.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", rootfs.join("bin/find")).unwrap();
    for d in 0..100 {
        let sub = rootfs.join(format!("data/d{d:03}"));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..200 {
            std::fs::write(sub.join(format!("f{f:03}")), b"x").unwrap();
        }
    }
    let source = dir.join("getppid-loop.c");
    std::fs::write(&source, GETPPID_LOOP).unwrap();
    let built =
        Command::new("cc").args(["-static", "-O2", "-o"]).arg(rootfs.join("getppid-loop")).arg(&source).status();
    assert!(built.is_ok_and(|s| s.success()), "cc -static failed: `apt-get install -y gcc libc6-dev`");
    rootfs
}

/// The command without seccomp, in the same container config seccompose writes.
fn unconfined(dir: &Path, rootfs: &Path, command: &[String]) -> Duration {
    let mut c = config(&Target::Rootfs(rootfs.to_path_buf()), command, &Default::default(), false).unwrap();
    c["linux"].as_object_mut().unwrap().remove("seccomp");
    let bundle = dir.join("unconfined");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("config.json"), c.to_string()).unwrap();
    let state = dir.join("state");
    fastest(
        (0..RUNS)
            .map(|i| {
                let t = Instant::now();
                let status = Command::new("runc")
                    .arg("--root")
                    .arg(&state)
                    .args(["run", "--bundle"])
                    .arg(&bundle)
                    .arg(format!("bench-{}-{i}", std::process::id()))
                    .stdin(PStdio::null())
                    .stdout(PStdio::null())
                    .stderr(PStdio::null())
                    .status()
                    .unwrap();
                assert!(status.success(), "runc run {command:?}");
                t.elapsed()
            })
            .collect(),
    )
}

fn plain(argv: &[String]) -> Duration {
    fastest(
        (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                let status = Command::new(&argv[0])
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

/// (fastest time, calls notified) of the host sandbox recording `argv`, and the loop's own
/// lowest µs per call.
fn host(argv: &[String]) -> ((Duration, u64), Option<f64>) {
    let opts = RunOptions { exact: false, timeout: None, stdio: Stdio::Inherit };
    let (mut calls, mut figures) = (0, Vec::new());
    let times = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let (r, figure) = quietly(|| record_on_host(None, false, argv, opts, |_| {}));
            let elapsed = t.elapsed();
            calls = r.unwrap().recording.total;
            figures.push(figure);
            elapsed
        })
        .collect();
    ((fastest(times), calls), lowest(&figures))
}

/// (fastest time, calls notified) of seccompose as runc's agent recording `command`, and the
/// loop's own lowest µs per call.
fn agent(rootfs: &Path, command: &[String]) -> ((Duration, u64), Option<f64>) {
    let native = Arch::host();
    let arches: Vec<Arch> = std::iter::once(native).chain(native.compat_arches().iter().copied()).collect();
    let lib = Libseccomp::host().unwrap_or_else(Libseccomp::latest);
    let target = Target::Rootfs(rootfs.to_path_buf());
    let options = ContainerOptions::default();
    let (mut calls, mut figures) = (0, Vec::new());
    let times = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let (r, figure) = quietly(|| record_in_container(None, false, &arches, lib, &target, command, &options));
            let elapsed = t.elapsed();
            let r = r.unwrap();
            assert!(r.program_started && r.ended.exit.status_code() == 0, "the container failed: {:?}", r.ended);
            calls = r.program.total + r.runtime.total;
            figures.push(figure);
            elapsed
        })
        .collect();
    ((fastest(times), calls), lowest(&figures))
}

/// The cost of one more notified call: (time − the empty run's) / (calls − the empty run's),
/// so that what a mode pays once (writing a bundle, starting runc, loading a filter) is not
/// spread over the calls.
fn per_call((t, calls): (Duration, u64), (t0, calls0): (Duration, u64)) -> f64 {
    (t.as_secs_f64() - t0.as_secs_f64()) * 1e6 / calls.saturating_sub(calls0).max(1) as f64
}

fn main() {
    assert!(rustix::process::geteuid().is_root(), "this benchmark runs containers: run it as root");
    require("runc", "runc");
    require("busybox", "busybox-static");
    require("cc", "gcc libc6-dev");
    let dir = tempfile::tempdir().unwrap();
    let rootfs = make_rootfs(dir.path());
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let workloads: Vec<(&str, Vec<String>, Vec<String>)> = vec![
        (
            "find (20000 files)",
            words(&[rootfs.join("bin/busybox").to_str().unwrap(), "find", rootfs.join("data").to_str().unwrap()]),
            words(&["find", "/data"]),
        ),
        (
            "10^5 getppid (static)",
            words(&[rootfs.join("getppid-loop").to_str().unwrap(), "100000"]),
            words(&["/getppid-loop", "100000"]),
        ),
    ];
    let (empty_host, _) = host(&words(&[rootfs.join("getppid-loop").to_str().unwrap(), "0"]));
    let (empty_agent, _) = agent(&rootfs, &words(&["/getppid-loop", "0"]));
    println!(
        "fixed cost (getppid-loop 0): host sandbox {:.1} ms ({} calls), agent {:.1} ms ({} calls, runc init's included)",
        empty_host.0.as_secs_f64() * 1e3,
        empty_host.1,
        empty_agent.0.as_secs_f64() * 1e3,
        empty_agent.1
    );
    println!("{:<22} {:<34} {:>10} {:>12} {:>9}", "workload", "mode", "time", "µs/syscall", "(in loop)");
    for (name, on_host, in_container) in workloads {
        let host_plain = plain(&on_host);
        let (host_rec, host_loop) = host(&on_host);
        let bare = unconfined(dir.path(), &rootfs, &in_container);
        let (agent_rec, agent_loop) = agent(&rootfs, &in_container);
        let (host_cost, agent_cost) = (per_call(host_rec, empty_host), per_call(agent_rec, empty_agent));
        let ((host_rec, host_calls), (agent_rec, agent_calls)) = (host_rec, agent_rec);
        let row = |mode: String, t: Duration, cost: Option<f64>, in_loop: Option<f64>| {
            let cost = cost.map_or_else(|| "-".to_string(), |c| format!("{c:.2}"));
            let in_loop = in_loop.map_or_else(|| "-".to_string(), |c| format!("{c:.2}"));
            println!("{name:<22} {mode:<34} {:>7.1} ms {cost:>12} {in_loop:>9}", t.as_secs_f64() * 1e3);
        };
        row("host, plain".into(), host_plain, None, None);
        row(format!("host sandbox, record ({host_calls} calls)"), host_rec, Some(host_cost), host_loop);
        row("container, unconfined (runc)".into(), bare, None, None);
        row(format!("container, agent record ({agent_calls})"), agent_rec, Some(agent_cost), agent_loop);
        let ratio = agent_cost / host_cost;
        let verdict = if ratio <= 1.2 { "within" } else { "OVER" };
        let in_loop = match (agent_loop, host_loop) {
            (Some(a), Some(h)) => format!("; in the loop's own clock {:.2}x", a / h),
            _ => String::new(),
        };
        println!("{name:<22} agent/host per syscall: {ratio:.2}x ({verdict} the 1.2x target){in_loop}");
    }
}
