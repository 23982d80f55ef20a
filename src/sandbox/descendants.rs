//! Ending everything a command started: processes that left its process group or session
//! (`setsid cmd &`) and those orphaned to us (we are a child subreaper while a session runs).
//!
//! A descendant is a process below us in the parent tree that started no earlier than the
//! command did and comes from it: the command's own tree, and orphans that came to us. An
//! orphan keeps the command's process group or session unless it left them (`setsid`); one
//! that left them looks like any other child of ours, so it is taken for the command's only in
//! a process that starts no child of its own while a session runs: the `seccompose` binary
//! says so with [`claim_every_orphan`]; a library user (or the test harness) that spawns other
//! children concurrently does not, and there a `setsid` orphan survives. Never taken: other
//! sessions running in this process at the same time (the editor's run pane, tests), their
//! commands, guards, groups and sessions.
//!
//! Found by walking `/proc`, killed with SIGKILL, walked again until none is left: a process
//! that forks meanwhile leaves orphans, which come to us and are found in the next walk.

use rustix::process::{Pid, Signal, WaitOptions, kill_process, waitpid};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by [`claim_every_orphan`].
static EVERY_ORPHAN: AtomicBool = AtomicBool::new(false);

/// Declares that this process starts no child of its own while a session runs, so every
/// process orphaned to it during a session is that session's (see the module doc).
pub fn claim_every_orphan() {
    EVERY_ORPHAN.store(true, Ordering::Relaxed);
}
use std::time::{Duration, Instant};

/// The processes of every session running in this process: (command pid = its group, guard).
static LIVE: Mutex<Vec<(i32, i32)>> = Mutex::new(Vec::new());

/// A session's entry in [`LIVE`], removed on drop.
pub struct Registration {
    entry: (i32, i32),
}

/// Marks `group` (a command's pid and process group) and its `guard` as a running session's.
pub fn register(group: i32, guard: i32) -> Registration {
    LIVE.lock().unwrap_or_else(|e| e.into_inner()).push((group, guard));
    Registration { entry: (group, guard) }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = live.iter().position(|e| *e == self.entry) {
            live.remove(i);
        }
    }
}

/// One line of `/proc/PID/stat`, the fields we need.
#[derive(Debug, Clone, Copy)]
struct Stat {
    ppid: i32,
    pgrp: i32,
    session: i32,
    zombie: bool,
    /// Clock ticks after boot.
    start: u64,
}

fn stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name in parentheses may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state): then ppid, pgrp, session; starttime is field 22.
    let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(Stat {
        ppid: number(1)? as i32,
        pgrp: number(2)? as i32,
        session: number(3)? as i32,
        zombie: fields.first()? == &"Z",
        start: number(19)?,
    })
}

/// The start time of `pid` (clock ticks after boot), if it exists.
pub fn start_time(pid: i32) -> Option<u64> {
    stat(pid).map(|s| s.start)
}

/// Who is whose child: from `/proc/PID/task/*/children` (a few small files per process in the
/// tree), or, on kernels without them, from every process's `stat`.
enum Tree {
    Children,
    Walked(HashMap<i32, Vec<i32>>),
}

impl Tree {
    fn new() -> Tree {
        if std::path::Path::new(&format!("/proc/self/task/{}/children", rustix::thread::gettid().as_raw_nonzero()))
            .exists()
        {
            return Tree::Children;
        }
        let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
        let dir = std::fs::read_dir("/proc").into_iter().flatten().flatten();
        for pid in dir.filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok()) {
            if let Some(s) = stat(pid) {
                children.entry(s.ppid).or_default().push(pid);
            }
        }
        Tree::Walked(children)
    }

    fn children(&self, pid: i32) -> Vec<i32> {
        match self {
            Tree::Walked(map) => map.get(&pid).cloned().unwrap_or_default(),
            Tree::Children => {
                let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
                tasks
                    .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
                    .flat_map(|text| text.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<i32>>())
                    .collect()
            }
        }
    }
}

/// The command `group`'s processes below `me` started at or after `since`, except other
/// sessions' (and their subtrees).
fn below(me: i32, group: i32, since: u64, others: &[(i32, i32)]) -> Vec<(i32, Stat)> {
    let tree = Tree::new();
    let every_orphan = EVERY_ORPHAN.load(Ordering::Relaxed);
    let ours = |s: &Stat, pid: i32| {
        s.start >= since && (pid == group || s.pgrp == group || s.session == group || every_orphan)
    };
    let theirs = |s: &Stat, pid: i32| {
        others.iter().any(|&(group, guard)| [group, guard].contains(&pid) || [s.pgrp, s.session].contains(&group))
    };
    let mut found = Vec::new();
    let mut todo: Vec<(i32, bool)> = tree.children(me).into_iter().map(|p| (p, true)).collect();
    while let Some((pid, direct)) = todo.pop() {
        let Some(s) = stat(pid) else { continue };
        if (direct && !ours(&s, pid)) || theirs(&s, pid) {
            continue;
        }
        found.push((pid, s));
        todo.extend(tree.children(pid).into_iter().map(|p| (p, false)));
    }
    found
}

/// Kills every descendant of the session `own` (see the module doc) and reaps those that end
/// up our children. Returns how many were still running.
pub fn kill_all(since: u64, own: &Registration) -> usize {
    let me = std::process::id() as i32;
    let mut others: Vec<(i32, i32)> =
        LIVE.lock().unwrap_or_else(|e| e.into_inner()).iter().copied().filter(|e| *e != own.entry).collect();
    // Our own guard too: it leads a process group of its own.
    let guard = own.entry.1;
    others.push((guard, guard));
    let mut killed = std::collections::HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let found = below(me, own.entry.0, since, &others);
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
