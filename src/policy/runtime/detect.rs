//! Finds the node's runtimes: the version `runc --version` / `crun --version` on `PATH` prints,
//! the libseccomp runc reports linking, and the host's `libseccomp.so.2`. Asked once per process.

use super::{Provenance, Runtime, RuntimeKind};
use crate::catalog::{Libseccomp, Version, libseccomp::Origin};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What `<runtime> --version` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub version: Version,
    /// The libseccomp runc says it links (`libseccomp: 2.5.4`); crun does not print it.
    pub libseccomp: Option<Version>,
}

/// A runtime that hangs or floods its output must not hold seccompose up.
const VERSION_TIMEOUT: Duration = Duration::from_secs(3);
const VERSION_OUTPUT_LIMIT: u64 = 64 * 1024;

/// The runtime of `kind` as found on this host (cached per process).
pub fn found(kind: RuntimeKind) -> Option<&'static Found> {
    static RUNC: OnceLock<Option<Found>> = OnceLock::new();
    static CRUN: OnceLock<Option<Found>> = OnceLock::new();
    let cell = match kind {
        RuntimeKind::Runc => &RUNC,
        RuntimeKind::Crun => &CRUN,
    };
    cell.get_or_init(|| ask_version(kind.name()).as_deref().and_then(parse_version_output)).as_ref()
}

/// The runtime of `kind` on this host: its version, and the libseccomp it links — the host's
/// library when it can be loaded and the runtime does not report another release (a statically
/// linked runc carries its own), else the release the runtime reports, else the newest.
pub fn detected(kind: RuntimeKind) -> Runtime {
    let found = found(kind);
    let reported = found.and_then(|f| f.libseccomp);
    let host = Libseccomp::host().filter(|h| reported.is_none() || h.version() == reported);
    let libseccomp = match (host, reported) {
        (Some(h), _) => h,
        (None, Some(v)) => Libseccomp::release(v).unwrap_or_else(|_| Libseccomp::latest()),
        (None, None) => Libseccomp::latest(),
    };
    match found {
        Some(f) => Runtime { kind, version: Some(f.version), libseccomp, provenance: Provenance::Detected },
        None => Runtime { kind, version: None, libseccomp, provenance: Provenance::Newest },
    }
}

/// Whether the libseccomp of a detected runtime is the host's library.
pub fn is_host(lib: &Libseccomp) -> bool {
    lib.origin() == Origin::Host
}

/// Runs `<program> --version` from `PATH`; `None` when it is missing, fails or hangs.
fn ask_version(program: &str) -> Option<String> {
    let mut child = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    // The output is read on a thread of its own: a grandchild that keeps the pipe open must
    // not block us past the timeout.
    let (sender, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = sender.send(stdout.take(VERSION_OUTPUT_LIMIT).read_to_string(&mut text).ok().map(|_| text));
    });
    // The output ends when the program does (or closes it): wait for that, not in steps of a
    // poll (a 5 ms step was most of the time the editor took to show its first frame).
    let deadline = Instant::now() + VERSION_TIMEOUT;
    let text = output.recv_timeout(VERSION_TIMEOUT).ok().flatten();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return text,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if text.is_none() || Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// Reads `runc version 1.1.5+ds1` / `crun version 1.8.1` and `libseccomp: 2.5.4`.
pub fn parse_version_output(text: &str) -> Option<Found> {
    let mut lines = text.lines();
    let first = lines.next()?;
    let version = first.split_whitespace().find_map(|w| Version::parse(w).filter(|_| w.contains('.')))?;
    let libseccomp =
        text.lines().find_map(|l| l.trim().strip_prefix("libseccomp:")).and_then(|v| Version::parse(v.trim()));
    Some(Found { version, libseccomp })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_runc_and_crun_version_output() {
        let runc =
            "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n";
        assert_eq!(
            parse_version_output(runc),
            Some(Found { version: Version::new(1, 1, 5), libseccomp: Some(Version::new(2, 5, 4)) })
        );
        let crun = "crun version 1.8.1\ncommit: f8a096be\nrundir: /run/crun\nspec: 1.0.0\n+SYSTEMD +SELINUX +APPARMOR +CAP +SECCOMP +EBPF +YAJL\n";
        assert_eq!(parse_version_output(crun), Some(Found { version: Version::new(1, 8, 1), libseccomp: None }));
        assert_eq!(parse_version_output("no version here\n"), None);
        assert_eq!(parse_version_output(""), None);
    }
}
