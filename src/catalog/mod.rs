//! The syscall catalog: numbers per architecture, one-line summaries, browsing categories,
//! systemd groups and risk notes.

pub mod arch;
pub mod constants;
pub mod groups;
pub mod libseccomp;
pub mod search;
pub mod tables;
pub mod version;

pub use arch::{Arch, X32_SYSCALL_BIT};
pub use groups::{Group, group, groups, groups_of};
pub use libseccomp::Libseccomp;
pub use tables::{Table, table};
pub use version::Version;

use std::collections::HashMap;
use std::sync::OnceLock;

/// What we know about one syscall name, across architectures.
#[derive(Debug, Clone)]
pub struct SyscallInfo {
    pub name: &'static str,
    pub category: &'static Category,
    pub summary: &'static str,
    pub risk: Option<Risk>,
}

/// Why a syscall is dangerous to allow, and how much.
#[derive(Debug, Clone, Copy)]
pub struct Risk {
    pub level: RiskLevel,
    pub note: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskLevel {
    Medium,
    High,
}

/// A primary browsing category: every syscall has exactly one.
#[derive(Debug, PartialEq, Eq)]
pub struct Category {
    pub id: &'static str,
    pub title: &'static str,
}

pub const CATEGORIES: &[Category] = &[
    Category { id: "basic-io", title: "Basic I/O" },
    Category { id: "file-system", title: "Files and directories" },
    Category { id: "process", title: "Processes and threads" },
    Category { id: "namespace", title: "Namespaces" },
    Category { id: "signal", title: "Signals" },
    Category { id: "memory", title: "Memory" },
    Category { id: "network", title: "Network and sockets" },
    Category { id: "ipc", title: "Inter-process communication" },
    Category { id: "io-event", title: "Event loops" },
    Category { id: "aio", title: "Asynchronous I/O" },
    Category { id: "time", title: "Time and timers" },
    Category { id: "clock", title: "Setting the clock" },
    Category { id: "credentials", title: "Users, groups, credentials" },
    Category { id: "scheduling", title: "Scheduling and resources" },
    Category { id: "sync", title: "Syncing to storage" },
    Category { id: "mount", title: "Mounts" },
    Category { id: "module", title: "Kernel modules" },
    Category { id: "keyring", title: "Kernel keyring" },
    Category { id: "debug", title: "Debugging and tracing" },
    Category { id: "system", title: "Host administration" },
    Category { id: "system-info", title: "System information" },
    Category { id: "sandbox", title: "Sandboxing and LSM" },
    Category { id: "raw-io", title: "Raw hardware I/O" },
    Category { id: "arch-specific", title: "Architecture-specific" },
    Category { id: "obsolete", title: "Obsolete and unimplemented" },
    Category { id: "other", title: "Other" },
];

pub fn category(id: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.id == id)
}

struct Catalog {
    entries: Vec<SyscallInfo>,
    index: HashMap<&'static str, usize>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let risks = parse_risks(include_str!("data/risk.tsv"));
        let entries: Vec<SyscallInfo> = data_rows(include_str!("data/syscalls.tsv"))
            .map(|[name, cat, summary]| SyscallInfo {
                name,
                category: category(cat).unwrap_or(&CATEGORIES[CATEGORIES.len() - 1]),
                summary,
                risk: risks.get(name).copied(),
            })
            .collect();
        let index = entries.iter().enumerate().map(|(i, e)| (e.name, i)).collect();
        Catalog { entries, index }
    })
}

/// Rows of a bundled TSV file: comment lines skipped, exactly three columns.
fn data_rows(text: &'static str) -> impl Iterator<Item = [&'static str; 3]> {
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).filter_map(|line| {
        let mut cols = line.splitn(3, '\t');
        Some([cols.next()?, cols.next()?, cols.next()?])
    })
}

fn parse_risks(text: &'static str) -> HashMap<&'static str, Risk> {
    data_rows(text)
        .map(|[name, level, note]| {
            let level = if level == "high" { RiskLevel::High } else { RiskLevel::Medium };
            (name, Risk { level, note })
        })
        .collect()
}

/// Every syscall the catalog knows, sorted by name.
pub fn all() -> &'static [SyscallInfo] {
    &catalog().entries
}

/// The catalog entry of a syscall name.
pub fn info(name: &str) -> Option<&'static SyscallInfo> {
    let c = catalog();
    c.index.get(name).map(|&i| &c.entries[i])
}

/// The syscall number of `name` on `arch`.
pub fn number(arch: Arch, name: &str) -> Option<u32> {
    table(arch)?.number(name)
}

/// The syscall name of `number` on `arch`.
pub fn name_of(arch: Arch, number: u32) -> Option<&'static str> {
    table(arch)?.name(number)
}

/// Whether any supported architecture knows this syscall name.
pub fn is_known_anywhere(name: &str) -> bool {
    info(name).is_some() || Arch::all().any(|a| number(a, name).is_some())
}

/// Closest known syscall names to a misspelled one (edit distance 1-2).
pub fn suggest(name: &str) -> Option<&'static str> {
    // The distance is at least the difference in length: most names need no computing (a
    // 100 KiB name no longer costs seconds).
    all()
        .iter()
        .filter(|e| e.name.len().abs_diff(name.len()) <= 2)
        .map(|e| (crate::text::edit_distance(name, e.name), e.name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_x86_64_and_aarch64_syscall_has_a_summary_and_category() {
        for arch in [Arch::X86_64, Arch::Aarch64, Arch::X86, Arch::Arm, Arch::Riscv64, Arch::X32] {
            for (_, name) in table(arch).unwrap().iter() {
                let entry = info(name).unwrap_or_else(|| panic!("{name} ({arch}) has no catalog entry"));
                assert!(entry.summary.len() >= 20, "{name}: summary too short");
            }
        }
    }

    #[test]
    fn other_bucket_is_at_most_five_percent() {
        let other = all().iter().filter(|e| e.category.id == "other").count();
        assert!(other * 20 <= all().len(), "{other} of {} in other", all().len());
        assert!(all().iter().all(|e| category(e.category.id).is_some()));
    }

    #[test]
    fn dangerous_syscalls_have_risk_notes() {
        for name in ["ptrace", "bpf", "mount", "kexec_load", "init_module", "finit_module", "open_by_handle_at"] {
            assert!(info(name).and_then(|e| e.risk).is_some(), "{name}");
        }
        for name in ["perf_event_open", "userfaultfd", "keyctl", "add_key", "unshare", "setns", "pivot_root"] {
            assert!(info(name).and_then(|e| e.risk).is_some(), "{name}");
        }
        for name in ["process_vm_writev", "iopl", "ioperm", "swapon", "reboot", "io_uring_setup"] {
            assert!(info(name).and_then(|e| e.risk).is_some(), "{name}");
        }
        assert_eq!(info("ptrace").unwrap().risk.unwrap().level, RiskLevel::High);
        assert!(info("read").unwrap().risk.is_none());
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(suggest("opnat"), Some("openat"));
        assert_eq!(suggest("xyzzy_frobnicate"), None);
    }
}
