//! Decoding a notified syscall's arguments for people: paths, socket families, clone flags,
//! ioctl requests, personality values.

use super::notify::{Listener, read_c_string};
use crate::catalog::constants::{CLONE_FLAGS, value_text};

/// Which arguments of a syscall are paths.
fn path_args(name: &str) -> &'static [usize] {
    match name {
        "open" | "creat" | "stat" | "lstat" | "access" | "readlink" | "mkdir" | "rmdir" | "unlink" | "chdir"
        | "chroot" | "truncate" | "chmod" | "chown" | "lchown" | "mknod" | "statfs" | "getxattr" | "setxattr"
        | "listxattr" | "lgetxattr" | "lsetxattr" | "removexattr" | "execve" | "swapon" | "swapoff" | "acct"
        | "umount2" | "utime" | "utimes" | "uselib" => &[0],
        "openat" | "openat2" | "newfstatat" | "fstatat64" | "statx" | "faccessat" | "faccessat2" | "readlinkat"
        | "mkdirat" | "unlinkat" | "fchmodat" | "fchmodat2" | "fchownat" | "mknodat" | "utimensat" | "execveat"
        | "inotify_add_watch" | "name_to_handle_at" | "futimesat" => &[1],
        "rename" | "link" | "symlink" | "mount" | "pivot_root" => &[0, 1],
        "renameat" | "renameat2" | "linkat" => &[1, 3],
        "symlinkat" => &[0, 2],
        _ => &[],
    }
}

fn flags(table: &[(u64, &str)], value: u64) -> String {
    let mut parts: Vec<String> = table.iter().filter(|(bit, _)| value & bit != 0).map(|(_, n)| n.to_string()).collect();
    let known: u64 = table.iter().map(|(b, _)| b).fold(0, |a, b| a | b);
    let rest = value & !known;
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() { "0".into() } else { parts.join("|") }
}

fn personality(value: u64) -> String {
    match value {
        0xffff_ffff => "0xffffffff (query)".into(),
        0 => "PER_LINUX".into(),
        8 => "PER_LINUX32".into(),
        v => {
            let mut parts = vec![match v & 0xff {
                0 => "PER_LINUX".to_string(),
                8 => "PER_LINUX32".to_string(),
                p => format!("{p:#x}"),
            }];
            for (bit, n) in [(0x0040000, "ADDR_NO_RANDOMIZE"), (0x0400000, "READ_IMPLIES_EXEC"), (0x0020000, "UNAME26")]
            {
                if v & bit != 0 {
                    parts.push(n.to_string());
                }
            }
            parts.join("|")
        }
    }
}

/// The interesting arguments of a call, decoded, e.g. `"/etc/passwd", O_RDONLY` is shown as
/// `path="/etc/passwd"`. Paths are read from the caller's memory and only trusted if the
/// notification is still pending afterwards (else the caller may have changed them).
pub fn describe(name: &str, args: &[u64; 6], pid: u32, listener: Option<(&Listener, u64)>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for &i in path_args(name) {
        if let Some(path) = read_c_string(pid, args[i], 4096) {
            parts.push(format!(
                "path{}={path:?}",
                if path_args(name).len() > 1 { (i + 1).to_string() } else { String::new() }
            ));
        }
    }
    if !parts.is_empty() {
        if let Some((l, id)) = listener {
            if !l.id_valid(id) {
                return "(arguments changed while being read)".into();
            }
        }
    }
    match name {
        "socket" | "socketpair" => {
            parts.push(format!("family={} type={}", value_text(name, 0, args[0]), value_text(name, 1, args[1])))
        }
        "clone" => parts.push(format!("flags={}", flags(CLONE_FLAGS, args[0] & !0xff))),
        "unshare" | "setns" => {
            parts.push(format!("flags={}", flags(CLONE_FLAGS, args[if name == "setns" { 1 } else { 0 }])))
        }
        "ioctl" => parts.push(format!("fd={} request={}", args[0] as i64, value_text(name, 1, args[1] & 0xffff_ffff))),
        "personality" => parts.push(format!("persona={}", personality(args[0]))),
        "kill" | "tgkill" | "tkill" => parts.push(format!("signal={}", args[if name == "tgkill" { 2 } else { 1 }])),
        "prctl" => parts.push(format!("option={}", value_text(name, 0, args[0]))),
        _ => {}
    }
    if parts.is_empty() {
        let shown: Vec<String> = args.iter().map(|a| if *a > 9 { format!("{a:#x}") } else { a.to_string() }).collect();
        parts.push(format!("args=[{}]", shown.join(", ")));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_common_arguments() {
        assert_eq!(describe("socket", &[40, 1, 0, 0, 0, 0], 0, None), "family=AF_VSOCK (0x28) type=SOCK_STREAM (1)");
        assert_eq!(
            describe("socket", &[1, 0x80001, 0, 0, 0, 0], 0, None),
            "family=AF_UNIX (1) type=SOCK_STREAM|SOCK_CLOEXEC (0x80001)"
        );
        assert_eq!(describe("prctl", &[38, 1, 0, 0, 0, 0], 0, None), "option=PR_SET_NO_NEW_PRIVS (0x26)");
        assert_eq!(describe("clone", &[0x10000011, 0, 0, 0, 0, 0], 0, None), "flags=CLONE_NEWUSER");
        assert_eq!(describe("ioctl", &[1, 0x5413, 0, 0, 0, 0], 0, None), "fd=1 request=TIOCGWINSZ (0x5413)");
        assert_eq!(
            describe("personality", &[0x0040008, 0, 0, 0, 0, 0], 0, None),
            "persona=PER_LINUX32|ADDR_NO_RANDOMIZE"
        );
        assert_eq!(describe("getpid", &[0, 1, 16, 0, 0, 0], 0, None), "args=[0, 1, 0x10, 0, 0, 0]");
    }

    #[test]
    fn reads_paths_from_the_callers_memory() {
        let path = std::ffi::CString::new("/etc/hostname").unwrap();
        let args = [libc::AT_FDCWD as u64, path.as_ptr() as u64, 0, 0, 0, 0];
        assert_eq!(describe("openat", &args, std::process::id(), None), "path=\"/etc/hostname\"");
    }
}
