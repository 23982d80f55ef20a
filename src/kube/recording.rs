//! The recording profile `install --record-via` puts on nodes: every syscall the catalog knows
//! is `SCMP_ACT_NOTIFY` to the seccomp agent's socket, within runc's rules.
//!
//! runc refuses NOTIFY as the default action and on `write` (its init writes the notify fd's
//! number to its parent after the filter is in: notifying that write would hang the start;
//! libcontainer/seccomp/seccomp_linux.go, `InitSeccomp`), and its Go runtime may park, spin or
//! return from a signal on that thread before the agent has the fd. So the default is ALLOW,
//! every name but those ([`KEPT`]) is listed, and the profile the agent writes adds them back.

use crate::catalog::{self, Arch};
use crate::container::profile::KEPT;
use serde_json::{Value, json};
use std::path::Path;

/// What the agent finds in `listenerMetadata`: a recording, not a profile to enforce.
pub const METADATA: &str = "seccompose-record";

/// Findings that are true of NOTIFY without an agent, and the point of the recording profile
/// with one: the agent lets every notified call run (execve, exit, runc's own), and a default
/// of ALLOW is what keeps unnamed calls and `write` running.
pub const EXPECTED_FINDINGS: &[&str] = &["exec-denied", "exit-denied", "runtime-syscalls-denied", "allow-by-default"];

/// Why a socket path cannot be a `listenerPath`.
pub fn check_socket_path(socket: &Path) -> Result<String, String> {
    let text = socket.to_str().ok_or("the socket path is not UTF-8")?;
    if !socket.is_absolute() {
        return Err(format!(
            "\"{text}\" is relative: runc connects to it from its own working directory; give the absolute path on the node"
        ));
    }
    // sockaddr_un.sun_path is 108 bytes with the NUL.
    if text.len() > 107 {
        return Err(format!("\"{text}\" is {} bytes; a unix socket path has at most 107", text.len()));
    }
    Ok(text.to_string())
}

/// The recording profile for nodes of `native` (and its compat ABIs).
pub fn recording_profile(socket: &str, native: Arch) -> Value {
    let arches = native.compat_arches();
    let names: Vec<&str> = catalog::all()
        .iter()
        .map(|s| s.name)
        .filter(|n| !KEPT.contains(n) && arches.iter().any(|a| catalog::number(*a, n).is_some()))
        .collect();
    json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": arches.iter().map(|a| a.scmp_name()).collect::<Vec<_>>(),
        "listenerPath": socket,
        "listenerMetadata": METADATA,
        "syscalls": [{"names": names, "action": "SCMP_ACT_NOTIFY"}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_but_the_kept_ones_notifies_and_the_default_allows() {
        let p = recording_profile("/run/seccompose/agent.sock", Arch::X86_64);
        assert_eq!(p["defaultAction"], "SCMP_ACT_ALLOW");
        assert_eq!(p["listenerPath"], "/run/seccompose/agent.sock");
        assert_eq!(p["architectures"], json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]));
        let names: Vec<&str> =
            p["syscalls"][0]["names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for kept in ["write", "rt_sigreturn", "futex", "nanosleep", "sched_yield"] {
            assert!(!names.contains(&kept), "{kept} is notified");
        }
        for n in ["read", "execve", "openat", "socketcall", "exit_group", "writev"] {
            assert!(names.contains(&n), "{n}");
        }
    }

    #[test]
    fn socket_paths_must_be_absolute_and_fit() {
        assert!(check_socket_path(Path::new("agent.sock")).unwrap_err().contains("relative"));
        let long = format!("/{}", "a".repeat(120));
        assert!(check_socket_path(Path::new(&long)).unwrap_err().contains("at most 107"));
        assert_eq!(check_socket_path(Path::new("/run/a.sock")).unwrap(), "/run/a.sock");
    }
}
