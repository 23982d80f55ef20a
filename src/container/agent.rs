//! The seccomp agent: accepts runc's connections on one socket, serves each container's notify
//! fd on a thread of its own, and writes one profile per workload when its container is gone
//! (or the agent is stopped), merged with what an earlier run of that workload recorded.

use super::listener::{AgentSocket, Limits, ReceiveError, Received, receive};
use super::naming::{previously_allowed, workload_name};
use super::recorder::{self, End, Record};
use crate::catalog::Arch;
use crate::fsutil::beneath::{BeneathError, Dir, Existing, Root};
use crate::policy::evaluator::Evaluator;
use crate::profile::generate::{Dialect, allow_list};
use std::ffi::OsStr;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// How the agent runs.
pub struct Config {
    /// Where profiles are written (none: only the summary lines).
    pub out: Option<PathBuf>,
    /// Enforce this profile (answer as it asks) instead of letting everything through.
    pub policy: Option<Evaluator>,
    /// The architecture written first in profiles.
    pub native: Arch,
    pub limits: Limits,
    /// Stop once this many containers have been served to their end.
    pub exit_after: Option<usize>,
    /// Containers served at once; more connections are closed (their calls then fail ENOSYS).
    pub max_containers: usize,
}

/// What a whole agent run did.
#[derive(Debug, Default)]
pub struct Summary {
    pub containers: usize,
    pub calls: u64,
    pub written: Vec<PathBuf>,
    pub refused: usize,
}

/// One container's outcome, for the log.
#[derive(Debug)]
pub struct Served {
    pub name: String,
    pub id: String,
    pub pid: i32,
    pub record: Record,
    /// The profile written, and how many names an earlier recording contributed.
    pub written: Option<Result<(PathBuf, usize), String>>,
}

struct Shared<'a> {
    config: &'a Config,
    out: Option<Root>,
    stop: &'a AtomicBool,
    active: AtomicUsize,
    finished: AtomicUsize,
    calls: AtomicU64,
    refused: AtomicUsize,
    written: Mutex<Vec<PathBuf>>,
    /// Merges are read-modify-write: one at a time, so two containers of one workload that end
    /// together both count.
    write_lock: Mutex<()>,
    log: &'a (dyn Fn(&str) + Sync),
}

/// Serves until `stop` is set (or `exit_after` containers are done); then every container still
/// running is written as far as it got. `log` hears one line per event.
pub fn serve(
    socket: &AgentSocket,
    config: &Config,
    stop: &AtomicBool,
    log: &(dyn Fn(&str) + Sync),
) -> Result<Summary, BeneathError> {
    let out = config.out.as_deref().map(Root::open).transpose()?;
    let shared = Shared {
        config,
        out,
        stop,
        active: AtomicUsize::new(0),
        finished: AtomicUsize::new(0),
        calls: AtomicU64::new(0),
        refused: AtomicUsize::new(0),
        written: Mutex::new(Vec::new()),
        write_lock: Mutex::new(()),
        log,
    };
    std::thread::scope(|scope| {
        while !stop.load(Ordering::Acquire) && !enough(&shared) {
            let stream = match socket.accept_timeout(Duration::from_millis(100)) {
                Ok(Some(stream)) => stream,
                Ok(None) => continue,
                Err(e) => {
                    log(&format!("accepting a connection: {}", crate::fsutil::reason(&e)));
                    continue;
                }
            };
            if shared.active.load(Ordering::Acquire) >= config.max_containers {
                shared.refused.fetch_add(1, Ordering::Relaxed);
                log(&format!("refused a connection: already serving {} containers", config.max_containers));
                continue;
            }
            shared.active.fetch_add(1, Ordering::AcqRel);
            let shared = &shared;
            let spawned = std::thread::Builder::new().name("seccomp-agent".into()).stack_size(256 * 1024).spawn_scoped(
                scope,
                move || {
                    connection(shared, stream);
                    shared.active.fetch_sub(1, Ordering::AcqRel);
                },
            );
            if let Err(e) = spawned {
                shared.active.fetch_sub(1, Ordering::AcqRel);
                log(&format!("cannot start a thread for a container: {}", crate::fsutil::reason(&e)));
            }
        }
        // Containers still running flush what they have.
        stop.store(true, Ordering::Release);
    });
    Ok(Summary {
        containers: shared.finished.load(Ordering::Acquire),
        calls: shared.calls.load(Ordering::Acquire),
        written: shared.written.into_inner().expect("not poisoned"),
        refused: shared.refused.load(Ordering::Acquire),
    })
}

fn enough(shared: &Shared) -> bool {
    shared.config.exit_after.is_some_and(|n| shared.finished.load(Ordering::Acquire) >= n)
}

/// One runc connection: its state and fd, then the container served to its end.
fn connection(shared: &Shared, stream: UnixStream) {
    let Received { state, fd } = match receive(&stream, shared.config.limits) {
        Ok(received) => received,
        // A connection closed without a byte: another agent checking whether this socket is
        // live before refusing it, not a runtime.
        Err(ReceiveError::Closed(0)) => return,
        Err(e) => {
            (shared.log)(&format!("dropped a connection: {e}"));
            return;
        }
    };
    // runc 1.1 keeps its end open until it exits; nothing more is read from it.
    drop(stream);
    let name = workload_name(&state.state.annotations, &state.state.id);
    (shared.log)(&format!("serving {name} (container {}, pid {})", state.state.id, state.pid));
    let listener = crate::sandbox::notify::Listener::from_fd(fd);
    let record = recorder::serve(listener, shared.config.policy.as_ref(), shared.stop);
    shared.calls.fetch_add(record.total, Ordering::Relaxed);
    let written = shared.out.as_ref().map(|root| {
        let _one_at_a_time = shared.write_lock.lock().expect("not poisoned");
        write_profile(root, &name, &record, shared.config.native)
    });
    if let Some(Ok((path, _))) = &written {
        shared.written.lock().expect("not poisoned").push(path.clone());
    }
    let served = Served { name, id: state.state.id, pid: state.pid, record, written };
    (shared.log)(&served_line(&served));
    shared.finished.fetch_add(1, Ordering::AcqRel);
}

/// Writes `name.json` beneath `root`: the names recorded, with those of an earlier recording
/// in that file. Returns the path and how many names the earlier recording had.
pub fn write_profile(root: &Root, name: &str, record: &Record, native: Arch) -> Result<(PathBuf, usize), String> {
    let dir: Dir = root.dir(&[], false).map_err(|e| e.to_string())?.ok_or("the output directory is gone")?;
    let file = format!("{name}.json");
    let (mut names, mut arches) = record.names();
    let (earlier, existing) = match dir.existing(OsStr::new(&file)).map_err(|e| e.to_string())? {
        Existing::Missing => (0, None),
        Existing::Regular(bytes, meta) => {
            let text = String::from_utf8_lossy(&bytes);
            let (old_names, old_arches) = previously_allowed(&text).map_err(|e| {
                format!("{}: not an earlier recording ({e}); left as it is", dir.path().join(&file).display())
            })?;
            let count = old_names.len();
            names.extend(old_names);
            for arch in old_arches {
                if !arches.contains(&arch) {
                    arches.push(arch);
                }
            }
            (count, Some(meta))
        }
    };
    if !arches.contains(&native) {
        arches.insert(0, native);
    }
    let profile = allow_list(&names, &arches, native, Dialect::Oci);
    let text = serde_json::to_string_pretty(&profile).expect("serializable") + "\n";
    dir.replace(OsStr::new(&file), text.as_bytes(), existing.as_ref()).map_err(|e| e.to_string())?;
    Ok((dir.path().join(file), earlier))
}

/// "shop_web-0_nginx (container c1, pid 42): 1532 calls, 48 syscalls in 0.84 s, gone; wrote …".
pub fn served_line(s: &Served) -> String {
    let r = &s.record;
    let (names, _) = r.names();
    let end = match &r.end {
        End::Gone => "container gone".to_string(),
        End::Stopped => "agent stopped".to_string(),
        End::Failed(why) => format!("notify fd failed: {why}"),
    };
    let mut line = format!(
        "{} (container {}, pid {}): {} calls, {} syscalls in {:.2} s, {end}",
        s.name,
        s.id,
        s.pid,
        r.total,
        names.len(),
        r.duration.as_secs_f64()
    );
    if r.overflow > 0 {
        line += &format!("; {} calls of unknown numbers not kept", r.overflow);
    }
    if !r.denials.is_empty() {
        let denied: Vec<String> = r.denials.iter().map(|((n, a), c)| format!("{n} ×{c} ({a})")).collect();
        line += &format!("; denied: {}", denied.join(", "));
    }
    match &s.written {
        Some(Ok((path, 0))) => line += &format!("; wrote {}", path.display()),
        Some(Ok((path, earlier))) => {
            line += &format!("; wrote {} (merged with {earlier} names recorded earlier)", path.display())
        }
        Some(Err(e)) => line += &format!("; NOT written: {e}"),
        None => {}
    }
    line
}

/// The agent's peak resident memory (VmHWM), in KiB, for the closing summary.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `path` is a directory profiles can go to (made if missing).
pub fn prepare_out(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::FxHashMap;

    fn record_of(names: &[&str]) -> Record {
        let audit = Arch::X86_64.audit_value();
        let mut counts = FxHashMap::default();
        for n in names {
            let nr = crate::catalog::number(Arch::X86_64, n).unwrap();
            counts.insert((audit, nr), 2);
        }
        Record {
            counts,
            total: 2 * names.len() as u64,
            overflow: 0,
            denials: Default::default(),
            duration: Duration::ZERO,
            end: End::Gone,
        }
    }

    fn allowed(path: &Path) -> Vec<String> {
        previously_allowed(&std::fs::read_to_string(path).unwrap()).unwrap().0.into_iter().collect()
    }

    #[test]
    fn a_second_run_of_a_workload_adds_to_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::open(dir.path()).unwrap();
        let (path, earlier) = write_profile(&root, "ns_pod_c", &record_of(&["read", "mount"]), Arch::X86_64).unwrap();
        assert_eq!((path.clone(), earlier), (dir.path().join("ns_pod_c.json"), 0));
        let first = allowed(&path);
        assert!(first.contains(&"mount".to_string()) && first.contains(&"execve".to_string()), "{first:?}");
        let (_, earlier) = write_profile(&root, "ns_pod_c", &record_of(&["read", "chdir"]), Arch::X86_64).unwrap();
        assert_eq!(earlier, first.len());
        let second = allowed(&path);
        assert!(second.contains(&"mount".to_string()) && second.contains(&"chdir".to_string()));
        assert_eq!(second.len(), first.len() + 1, "the union: only chdir is new");
    }

    #[test]
    fn a_file_that_is_not_a_recording_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("w.json"), "hand-written notes").unwrap();
        let root = Root::open(dir.path()).unwrap();
        let err = write_profile(&root, "w", &record_of(&["read"]), Arch::X86_64).unwrap_err();
        assert!(err.contains("not an earlier recording"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.path().join("w.json")).unwrap(), "hand-written notes");
    }

    #[test]
    fn a_symlink_in_the_output_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.json");
        std::fs::write(&elsewhere, "keep").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("w.json")).unwrap();
        let root = Root::open(&out).unwrap();
        let err = write_profile(&root, "w", &record_of(&["read"]), Arch::X86_64).unwrap_err();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep");
    }
}
