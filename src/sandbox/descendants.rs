//! Ending everything a command started: processes that left its process group or session
//! (`setsid cmd &`) and those orphaned to us (we are a child subreaper while a session runs).
//!
//! A descendant is any process below us in the parent tree that started no earlier than the
//! command did, other than processes we name (the guard). Found by walking `/proc`, killed
//! with SIGKILL, walked again until none is left: a process that forks meanwhile leaves
//! orphans, which come to us and are found in the next walk.

use rustix::process::{Pid, Signal, WaitOptions, kill_process, waitpid};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One line of `/proc/PID/stat`, the fields we need.
#[derive(Debug, Clone, Copy)]
struct Stat {
    ppid: i32,
    zombie: bool,
    /// Clock ticks after boot.
    start: u64,
}

fn stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name in parentheses may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state): ppid is field 4, starttime field 22.
    Some(Stat {
        ppid: fields.get(1)?.parse().ok()?,
        zombie: fields.first()? == &"Z",
        start: fields.get(19)?.parse().ok()?,
    })
}

/// The start time of `pid` (clock ticks after boot), if it exists.
pub fn start_time(pid: i32) -> Option<u64> {
    stat(pid).map(|s| s.start)
}

fn all_processes() -> HashMap<i32, Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return HashMap::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, stat(pid)?)))
        .collect()
}

/// Processes below `me` started at or after `since`, except `spare` (and their subtrees).
fn below(me: i32, since: u64, spare: &[i32]) -> Vec<(i32, Stat)> {
    let procs = all_processes();
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for (&pid, s) in &procs {
        children.entry(s.ppid).or_default().push(pid);
    }
    let mut found = Vec::new();
    let mut todo: Vec<i32> =
        children.get(&me).into_iter().flatten().copied().filter(|p| procs[p].start >= since).collect();
    while let Some(pid) = todo.pop() {
        if spare.contains(&pid) {
            continue;
        }
        found.push((pid, procs[&pid]));
        todo.extend(children.get(&pid).into_iter().flatten());
    }
    found
}

/// Kills every descendant (see the module doc) and reaps those that end up our children.
/// Returns how many were still running.
pub fn kill_all(since: u64, spare: &[i32]) -> usize {
    let me = std::process::id() as i32;
    let mut killed = std::collections::HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let found = below(me, since, spare);
        let mut pending = false;
        for (pid, s) in &found {
            if s.zombie {
                if s.ppid == me {
                    let _ = waitpid(Pid::from_raw(*pid), WaitOptions::NOHANG);
                }
                pending = true;
            } else {
                if let Some(p) = Pid::from_raw(*pid) {
                    let _ = kill_process(p, Signal::KILL);
                }
                killed.insert(*pid);
                pending = true;
            }
        }
        if !pending || Instant::now() > deadline {
            return killed.len();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
