//! OCI bundles: a busybox-static root filesystem with the probe, and a config.json around a
//! `linux.seccomp` object.

use crate::support::{TempDir, require};
use serde_json::{Value, json};
use std::path::Path;

/// Where the probe sits inside the container.
const PROBE_IN_ROOTFS: &str = "/syscall-probe";

/// A bundle directory (config.json + rootfs/), removed on drop.
pub struct Bundle {
    pub dir: TempDir,
}

/// Makes `rootfs/` with /bin/busybox, /bin/sh and the probe, and a config.json that starts
/// `sh -c 'exec /syscall-probe "$@"' CALLS…` under `seccomp` (none: no filter).
pub fn make(name: &str, probe: &Path, words: &[String], seccomp: Option<&Value>) -> Bundle {
    let dir = TempDir::new(&format!("bundle-{name}"));
    let rootfs = dir.path().join("rootfs");
    std::fs::create_dir_all(rootfs.join("bin")).unwrap();
    std::fs::copy(static_busybox(), rootfs.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", rootfs.join("bin/sh")).unwrap();
    std::fs::copy(probe, rootfs.join(PROBE_IN_ROOTFS.trim_start_matches('/'))).unwrap();
    let config = config(words, seccomp);
    std::fs::write(dir.path().join("config.json"), serde_json::to_string_pretty(&config).unwrap()).unwrap();
    Bundle { dir }
}

/// The OCI config: runc's `runc spec` defaults (root, three capabilities, no new privileges,
/// private namespaces, read-only root) without a terminal, so the probe's stdout is a pipe.
fn config(words: &[String], seccomp: Option<&Value>) -> Value {
    let mut args = vec!["/bin/sh".to_string(), "-c".into(), format!("exec {PROBE_IN_ROOTFS} \"$@\""), "sh".into()];
    args.extend(words.iter().cloned());
    let caps = json!(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    let mut linux = json!({
        "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
        "maskedPaths": ["/proc/kcore", "/proc/keys", "/sys/firmware"],
        "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"],
    });
    if let Some(seccomp) = seccomp {
        linux["seccomp"] = seccomp.clone();
    }
    json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": false,
            "user": {"uid": 0, "gid": 0},
            "args": args,
            "env": ["PATH=/bin"],
            "cwd": "/",
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
            "noNewPrivileges": true,
        },
        "root": {"path": "rootfs", "readonly": true},
        "hostname": "probe",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=1m"]},
        ],
        "linux": linux,
    })
}

/// The busybox on PATH, checked to be the static one (a dynamic busybox cannot run in a root
/// filesystem without a libc).
pub fn static_busybox() -> std::path::PathBuf {
    require("busybox", "busybox-static");
    let out = std::process::Command::new("sh").args(["-c", "command -v busybox"]).output().unwrap();
    let path = std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        !has_interpreter(&bytes),
        "{} is dynamically linked: run `apt-get install -y busybox-static` (it replaces busybox)",
        path.display()
    );
    path
}

/// Whether a 64-bit little-endian ELF file names a program interpreter (PT_INTERP).
fn has_interpreter(elf: &[u8]) -> bool {
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap()) as usize;
    assert!(elf.len() > 64 && elf.starts_with(b"\x7fELF\x02\x01"), "not a 64-bit little-endian ELF file");
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    (0..phnum).any(|i| {
        let at = phoff + i * phentsize;
        u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) == 3 // PT_INTERP
    })
}
