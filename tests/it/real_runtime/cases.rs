//! What is probed: the profiles, the calls, and the runtime columns each profile runs in.

use crate::support::{TempDir, root};
use serde_json::Value;
use std::path::PathBuf;

/// The ABI a call is made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abi {
    X86_64,
    /// `int $0x80` from the 64-bit probe.
    X86,
    /// The `syscall` instruction with bit 30 set in the number.
    X32,
}

impl Abi {
    /// The name `seccompose explain --arch` takes.
    pub fn arch(self) -> &'static str {
        match self {
            Abi::X86_64 => "x86_64",
            Abi::X86 => "x86",
            Abi::X32 => "x32",
        }
    }
}

const X32_BIT: u64 = 0x4000_0000;

/// One call: a name explain resolves (checked against `nr`) or, when None, the bare number.
pub struct Call {
    pub abi: Abi,
    pub name: Option<&'static str>,
    /// The number the probe puts in the register (x32: with bit 30).
    pub nr: u64,
    /// Chosen so that, when allowed, the call fails harmlessly with an errno other than EPERM
    /// (or succeeds without effect outside the probe's throw-away child).
    pub args: &'static [i64],
}

impl Call {
    pub fn label(&self) -> String {
        let name = self.name.map_or_else(|| format!("#{}", self.nr & !X32_BIT), str::to_string);
        let args: Vec<String> =
            self.args.iter().map(|a| if *a > 9 { format!("{a:#x}") } else { a.to_string() }).collect();
        let args = if args.is_empty() { String::new() } else { format!("({})", args.join(",")) };
        format!("{} {name}{args}", self.abi.arch())
    }

    /// What `seccompose explain` is given as SYSCALL.
    pub fn explain_word(&self) -> String {
        self.name.map_or_else(|| self.nr.to_string(), str::to_string)
    }

    pub fn probe_word(&self) -> String {
        super::probe::spec(self.abi == Abi::X86, self.nr, self.args)
    }
}

const fn c(abi: Abi, name: &'static str, nr: u64, args: &'static [i64]) -> Call {
    let nr = if matches!(abi, Abi::X32) { nr | X32_BIT } else { nr };
    Call { abi, name: Some(name), nr, args }
}

const fn n(abi: Abi, nr: u64) -> Call {
    let nr = if matches!(abi, Abi::X32) { nr | X32_BIT } else { nr };
    Call { abi, name: None, nr, args: &[] }
}

use Abi::{X32, X86, X86_64};

/// The calls, the same in every container. Numbers are the kernel's (checked against explain's
/// catalog on every run).
pub const CALLS: &[Call] = &[
    // Ordinary calls.
    c(X86_64, "getpid", 39, &[]),
    // Calls neither the runtimes nor busybox sh make before the probe runs (conditions.json
    // traps or kills them): NULL buffers, so EFAULT when allowed.
    c(X86_64, "getitimer", 36, &[0, 0]),
    c(X86_64, "sysinfo", 99, &[0]),
    c(X86_64, "times", 100, &[0]),
    c(X86_64, "getrusage", 98, &[0, 0]),
    c(X86_64, "getpriority", 140, &[0, 0]),
    // NULL paths and invalid flags: EFAULT / EINVAL when allowed, before any capability check.
    c(X86_64, "mount", 165, &[0, 0, 0, 0, 0]),
    c(X86_64, "unshare", 272, &[-1]),
    // Conditions: personality (moby allows 0, 8, 0x20008, 0xffffffff), clone flags (CLONE_THREAD
    // alone and CLONE_NEWUSER|CLONE_FS are both EINVAL), socket families (AF_UNIX, AF_VSOCK).
    c(X86_64, "personality", 135, &[0xffff_ffff]),
    c(X86_64, "personality", 135, &[8]),
    c(X86_64, "personality", 135, &[5]),
    c(X86_64, "clone", 56, &[0x1_0000]),
    c(X86_64, "clone", 56, &[0x1000_0200]),
    c(X86_64, "socket", 41, &[1, 1, 0]),
    c(X86_64, "socket", 41, &[40, 1, 0]),
    // Syscalls newer than libseccomp 2.5.4 upstream (Linux 5.17): Debian's 2.5.4 knows some.
    c(X86_64, "set_mempolicy_home_node", 450, &[0, 0, 0, 0]),
    c(X86_64, "cachestat", 451, &[-1, 0, 0, 0]),
    c(X86_64, "fchmodat2", 452, &[-1, 0, 0, 0]),
    c(X86_64, "futex_wake", 454, &[0, 0, 0, 0]),
    c(X86_64, "statmount", 457, &[0, 0, 0, 0]),
    c(X86_64, "listmount", 458, &[0, 0, 0, 0]),
    c(X86_64, "mseal", 462, &[0, 0, 0]),
    c(X86_64, "setxattrat", 463, &[-1, 0, 0, 0, 0, 0]),
    // Above every known number: the ENOSYS stub's range.
    n(X86_64, 470),
    n(X86_64, 999),
    n(X86_64, 9999),
    // int 0x80 (i386 numbers).
    c(X86, "getpid", 20, &[]),
    c(X86, "personality", 136, &[0xffff_ffff]),
    c(X86, "personality", 136, &[5]),
    c(X86, "socketcall", 102, &[1, 0]),
    c(X86, "socket", 359, &[40, 1, 0]),
    c(X86, "mseal", 462, &[0, 0, 0]),
    n(X86, 470),
    n(X86, 9999),
    // x32 (this kernel has no x32 ABI: unfiltered, these are ENOSYS).
    c(X32, "getpid", 39, &[]),
    c(X32, "mseal", 462, &[0, 0, 0]),
    n(X32, 9999),
];

/// How a column's container gets its `linux.seccomp`.
#[derive(Clone, Copy)]
pub enum Prepare {
    /// The profile file's object as it is: containerd (Kubernetes Localhost) and raw OCI.
    AsIs,
    /// `seccompose convert --to oci --resolve --engine E`: what the engine hands its runtime.
    Engine(&'static str),
}

/// A runtime column: which runtime runs the container, what it is given, and the context
/// `seccompose explain` is asked under.
pub struct Column {
    pub label: &'static str,
    pub runtime: super::runtime::Runtime,
    pub prepare: Prepare,
    pub explain: &'static [&'static str],
}

use super::runtime::Runtime;

/// runc as containerd and Docker drive it, crun as podman does, and crun given the file as-is
/// (`--runtime crun`). explain runs with no runtime flags: the runtime, its version and its
/// libseccomp are detected on this host, as a user would get them.
pub const COLUMNS: &[Column] = &[
    Column {
        label: "runc/containerd",
        runtime: Runtime::Runc,
        prepare: Prepare::AsIs,
        explain: &["--engine", "containerd"],
    },
    Column {
        label: "runc/docker",
        runtime: Runtime::Runc,
        prepare: Prepare::Engine("docker"),
        explain: &["--engine", "docker"],
    },
    Column {
        label: "crun/podman",
        runtime: Runtime::Crun,
        prepare: Prepare::Engine("podman"),
        explain: &["--engine", "podman"],
    },
    Column {
        label: "crun/raw",
        runtime: Runtime::Crun,
        prepare: Prepare::AsIs,
        explain: &["--engine", "containerd", "--runtime", "crun"],
    },
];

/// A profile file under test (in a temp dir kept for the run).
pub struct ProfileCase {
    pub label: &'static str,
    pub path: PathBuf,
}

/// Writes the profiles: moby's default as the raw file has it (no `architectures`, an archMap),
/// the same with `architectures` and no archMap, the same with `defaultErrnoRet: 38`, the
/// tutorial's violation.json, and tests/data/real-runtime/conditions.json.
pub fn profiles(dir: &TempDir) -> Vec<ProfileCase> {
    let moby_path = root().join("tests/fixtures/reference/moby-default.json");
    let moby: Value = serde_json::from_str(&std::fs::read_to_string(&moby_path).unwrap()).unwrap();
    assert!(moby.get("architectures").is_none(), "moby's default as shipped lists no architectures");
    let mut with_arches = moby.clone();
    let object = with_arches.as_object_mut().unwrap();
    object.remove("archMap");
    object.insert("architectures".into(), serde_json::json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]));
    let mut enosys = moby.clone();
    enosys["defaultErrnoRet"] = 38.into();
    let write = |name: &str, value: &Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
        path
    };
    vec![
        ProfileCase { label: "moby default (no architectures)", path: moby_path.clone() },
        ProfileCase {
            label: "moby default + architectures x86_64,x86,x32",
            path: write("moby-arches.json", &with_arches),
        },
        ProfileCase { label: "moby default + defaultErrnoRet 38", path: write("moby-enosys.json", &enosys) },
        ProfileCase {
            label: "k8s tutorial violation.json",
            path: root().join("tests/fixtures/reference/k8s-tutorial/violation.json"),
        },
        ProfileCase {
            label: "conditions.json (allow default)",
            path: root().join("tests/data/real-runtime/conditions.json"),
        },
    ]
}
