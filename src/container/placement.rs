//! The supervisor thread placed in the container's CPU cgroup (cgroup v1) while it serves.
//!
//! A notification is a round trip between the container's task and the supervisor thread,
//! both on one CPU (the sync wake-up). When the two sit in different `cpu` cgroups, every
//! switch between them walks the CFS group hierarchy: measured on Linux 6.18, 2.57 µs per
//! round trip in one group, 2.87 µs across groups (a C probe; the same filter, no container).
//! runc gives each container a cgroup of its own, so the agent path paid that on every call.
//! cgroup v1 lets one thread change cgroup (its tid in `tasks`); v2 does not (a domain
//! cgroup holds whole processes), so there the thread stays put and the cost stays.
//!
//! The thread must leave before runc removes the cgroup: [`Placement::restore`] runs when the
//! container's init exits. Should runc get there first, its `rmdir` fails and it retries
//! 10 ms later (runc's `RemovePaths`), by which time the thread is out.

use std::path::{Path, PathBuf};

/// A thread moved into another `cpu` cgroup; [`Placement::restore`] moves it back.
#[derive(Debug)]
pub struct Placement {
    tid: i32,
    /// The `tasks` file of the cgroup the thread came from.
    home: PathBuf,
}

/// Moves thread `tid` (of this process) into the `cpu` cgroup of process `pid`. `None` when
/// there is nothing to do or it cannot be done: cgroup v2, the same cgroup already, no
/// permission (rootless). The thread then serves from where it is, only slower.
pub fn follow(pid: i32, tid: i32) -> Option<Placement> {
    let theirs = cpu_dir(Path::new(&format!("/proc/{pid}")))?;
    let ours = cpu_dir(Path::new(&format!("/proc/self/task/{tid}")))?;
    if theirs == ours {
        return None;
    }
    write_tid(&theirs.join("tasks"), tid).ok()?;
    Some(Placement { tid, home: ours.join("tasks") })
}

/// The directory of the cgroup v1 `cpu` cgroup of a process or thread (`/proc/PID`,
/// `/proc/PID/task/TID`); `None` on cgroup v2.
pub fn cpu_dir(proc_entry: &Path) -> Option<PathBuf> {
    let cgroup = cpu_cgroup(&std::fs::read_to_string(proc_entry.join("cgroup")).ok()?)?;
    let mount = cpu_mount(&std::fs::read_to_string("/proc/self/mountinfo").ok()?)?;
    Some(mount.join(cgroup.trim_start_matches('/')))
}

impl Placement {
    /// Moves the thread back where it was (nothing if it is gone).
    pub fn restore(self) {
        let _ = write_tid(&self.home, self.tid);
    }
}

fn write_tid(tasks: &Path, tid: i32) -> std::io::Result<()> {
    std::fs::write(tasks, format!("{tid}\n"))
}

/// The path of the cgroup v1 hierarchy with the `cpu` controller, from `/proc/PID/cgroup`
/// (`4:cpu,cpuacct:/path`); `None` on cgroup v2 (`0::/path` only).
fn cpu_cgroup(proc_cgroup: &str) -> Option<String> {
    proc_cgroup.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers.split(',').any(|c| c == "cpu").then(|| path.to_string())
    })
}

/// Where the cgroup v1 `cpu` hierarchy is mounted, from `/proc/self/mountinfo`; only a mount
/// of the hierarchy's root (a mount of a sub-cgroup would need the paths rebased).
fn cpu_mount(mountinfo: &str) -> Option<PathBuf> {
    mountinfo.lines().find_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        let fields: Vec<&str> = before.split(' ').collect();
        let mut after = after.split(' ');
        let (fstype, _source, options) = (after.next()?, after.next()?, after.next()?);
        let is_cpu = fstype == "cgroup" && options.split(',').any(|o| o == "cpu");
        let mount_point = fields.get(4)?;
        (is_cpu && fields.get(3) == Some(&"/")).then(|| PathBuf::from(mount_point))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_hierarchy_is_found_in_v1_lines_and_not_in_v2() {
        let v1 = "9:name=systemd:/\n4:memory:/x\n2:cpuacct:/a\n1:cpu:/seccompose-1\n0::/\n";
        assert_eq!(cpu_cgroup(v1).as_deref(), Some("/seccompose-1"));
        assert_eq!(cpu_cgroup("3:cpu,cpuacct:/docker/abc\n").as_deref(), Some("/docker/abc"));
        assert_eq!(cpu_cgroup("2:cpuacct:/a\n0::/user.slice\n"), None);
    }

    #[test]
    fn the_cpu_mount_is_read_from_mountinfo() {
        let info = "30 25 0:26 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n\
                    31 25 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n";
        assert_eq!(cpu_mount(info), Some(PathBuf::from("/sys/fs/cgroup/cpu")));
        let joint = "31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
        assert_eq!(cpu_mount(joint), Some(PathBuf::from("/sys/fs/cgroup/cpu,cpuacct")));
        let nested = "31 25 0:27 /sub /mnt/cpu rw - cgroup cgroup rw,cpu\n";
        assert_eq!(cpu_mount(nested), None);
        assert_eq!(cpu_mount("32 25 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"), None);
    }
}
