//! Seccomp audit records gathered from log files: counts per program and syscall, what was
//! malformed or unknown, signs that the kernel dropped records, and the allow-list they imply.

use super::audit_log::{Line, Loss, Record, parse_line};
use super::generate::{Dialect, allow_list};
use crate::catalog::Arch;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Which records to keep: empty lists keep all.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub comms: Vec<String>,
    pub pids: Vec<u32>,
}

/// The kernel keeps 15 bytes of a task name (TASK_COMM_LEN 16 with the NUL), so a longer
/// `--comm` matches its truncated form.
const COMM_KEPT: usize = 15;

impl Filter {
    pub fn keeps(&self, r: &Record) -> bool {
        let comm_ok = self.comms.is_empty()
            || self.comms.iter().any(|c| *c == r.comm || (r.comm.len() == COMM_KEPT && c.starts_with(&r.comm)));
        let pid_ok = self.pids.is_empty() || r.pid.is_some_and(|p| self.pids.contains(&p));
        comm_ok && pid_ok
    }
}

/// A line that could not be used, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub source: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.line, self.message)
    }
}

/// Where a sign of lost records was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossSeen {
    pub source: String,
    pub line: usize,
    pub loss: Loss,
}

/// How often one syscall was seen, and under which ABIs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub arches: BTreeSet<Arch>,
}

/// One program: a comm and exe pair (pids change between runs, the program does not).
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub comm: String,
    pub exe: String,
    pub pids: BTreeSet<u32>,
    pub records: u64,
    pub syscalls: BTreeMap<&'static str, Tally>,
    /// Numbers the catalog has no name for: (arch, number) -> count.
    pub unknown: BTreeMap<(Arch, u32), u64>,
    /// `LOG`, `ERRNO(1)`, … -> count.
    pub actions: BTreeMap<String, u64>,
}

impl Program {
    /// Syscalls, most seen first (ties by name).
    pub fn by_count(&self) -> Vec<(&'static str, &Tally)> {
        let mut rows: Vec<_> = self.syscalls.iter().map(|(n, t)| (*n, t)).collect();
        rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        rows
    }

    fn add(&mut self, r: &Record) {
        self.records += 1;
        self.pids.extend(r.pid);
        *self.actions.entry(r.action_label()).or_default() += 1;
        match r.name {
            Some(name) => {
                let tally = self.syscalls.entry(name).or_default();
                tally.count += 1;
                tally.arches.insert(r.arch);
            }
            None => *self.unknown.entry((r.arch, r.number)).or_default() += 1,
        }
    }
}

/// Everything read from the logs.
#[derive(Debug, Clone, Default)]
pub struct Import {
    pub filter: Filter,
    /// Programs by (comm, exe).
    pub programs: BTreeMap<(String, String), Program>,
    /// Records kept (after the filter).
    pub records: u64,
    /// Records of other programs, left out by the filter.
    pub filtered_out: u64,
    /// The first [`KEPT`] malformed records (a log of junk must not fill memory).
    pub problems: Vec<Problem>,
    /// Malformed records past those.
    pub more_problems: u64,
    /// The first [`KEPT`] signs of lost records; their totals are kept apart.
    pub losses: Vec<LossSeen>,
    suppressed_sum: u64,
    lost_max: Option<u64>,
}

/// How many problems and loss signs are kept to show.
pub const KEPT: usize = 1000;

impl Import {
    pub fn new(filter: Filter) -> Import {
        Import { filter, ..Import::default() }
    }

    /// Takes one log line (`line` counts from 1).
    pub fn add_line(&mut self, source: &str, line: usize, text: &str) {
        match parse_line(text) {
            Line::Seccomp(Ok(r)) if self.filter.keeps(&r) => self.add_record(&r),
            Line::Seccomp(Ok(_)) => self.filtered_out += 1,
            Line::Seccomp(Err(_)) if self.problems.len() >= KEPT => self.more_problems += 1,
            Line::Seccomp(Err(why)) => self.problems.push(Problem {
                source: source.into(),
                line,
                message: format!("seccomp record skipped: {why}"),
            }),
            Line::Loss(loss) => {
                match loss {
                    Loss::Suppressed(n) => self.suppressed_sum = self.suppressed_sum.saturating_add(n),
                    Loss::Lost(n) => self.lost_max = self.lost_max.max(Some(n)),
                    _ => {}
                }
                if self.losses.len() < KEPT {
                    self.losses.push(LossSeen { source: source.into(), line, loss });
                }
            }
            Line::Other => {}
        }
    }

    /// Takes every line of a text.
    pub fn add_text(&mut self, source: &str, text: &str) {
        for (i, line) in text.lines().enumerate() {
            self.add_line(source, i + 1, line);
        }
    }

    fn add_record(&mut self, r: &Record) {
        self.records += 1;
        let key = (r.comm.clone(), r.exe.clone());
        let program = self.programs.entry(key).or_insert_with(|| Program {
            comm: r.comm.clone(),
            exe: r.exe.clone(),
            ..Program::default()
        });
        program.add(r);
    }

    /// Every syscall name seen, over all programs.
    pub fn names(&self) -> BTreeSet<String> {
        self.programs.values().flat_map(|p| p.syscalls.keys().map(|n| n.to_string())).collect()
    }

    /// Every ABI a call was seen under (named or not).
    pub fn arches(&self) -> BTreeSet<Arch> {
        let named = self.programs.values().flat_map(|p| p.syscalls.values().flat_map(|t| t.arches.iter().copied()));
        let unknown = self.programs.values().flat_map(|p| p.unknown.keys().map(|(a, _)| *a));
        named.chain(unknown).collect()
    }

    /// Records the printk rate limit is known to have dropped (sum of `callbacks suppressed`).
    pub fn suppressed(&self) -> u64 {
        self.suppressed_sum
    }

    /// The highest `audit_lost=` count seen (the kernel's counter only grows).
    pub fn audit_lost(&self) -> Option<u64> {
        self.lost_max
    }

    /// The allow-list profile of every named syscall seen, for `native` and the ABIs seen.
    pub fn profile(&self, native: Arch, dialect: Dialect) -> Value {
        let mut arches = vec![native];
        arches.extend(self.arches().into_iter().filter(|a| *a != native));
        allow_list(&self.names(), &arches, native, dialect)
    }
}

/// The native architecture the logs came from: the first 64-bit arch (in catalog order,
/// x86_64 first) whose kernel runs every ABI seen, as an i386 or x32 call on x86_64 is
/// logged under its own arch. Falls back to the most seen arch.
pub fn native_for(arches: &BTreeSet<Arch>) -> Arch {
    let runs_all = |n: Arch| arches.iter().all(|a| n.compat_arches().contains(a));
    Arch::all()
        .filter(|n| n.is_64bit())
        .find(|n| runs_all(*n))
        .or_else(|| Arch::all().find(|n| arches.contains(n) && runs_all(*n)))
        .or_else(|| arches.iter().next().copied())
        .unwrap_or_else(Arch::host)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
type=SECCOMP msg=audit(1.0:1): pid=10 comm=\"web\" exe=\"/srv/web\" arch=c000003e syscall=0 code=0x7ffc0000
type=SECCOMP msg=audit(1.0:2): pid=10 comm=\"web\" exe=\"/srv/web\" arch=c000003e syscall=0 code=0x7ffc0000
type=SECCOMP msg=audit(1.0:3): pid=11 comm=\"web\" exe=\"/srv/web\" arch=40000003 syscall=4 code=0x50001
type=SECCOMP msg=audit(1.0:4): pid=12 comm=\"job\" exe=\"/bin/job\" arch=c000003e syscall=999 code=0x7ffc0000
type=SECCOMP msg=audit(1.0:5): pid=12 comm=\"job\" exe=\"/bin/job\" arch=c000003e code=0x7ffc0000
Nov 29 10:00:05 node1 kernel: kauditd_printk_skb: 23 callbacks suppressed
Nov 29 10:00:06 node1 kernel: kauditd_printk_skb: 4 callbacks suppressed
";

    #[test]
    fn counts_per_program_and_syscall() {
        let mut import = Import::new(Filter::default());
        import.add_text("audit.log", LOG);
        assert_eq!((import.records, import.programs.len()), (4, 2));
        let web = &import.programs[&("web".to_string(), "/srv/web".to_string())];
        assert_eq!(web.pids.iter().copied().collect::<Vec<_>>(), [10, 11]);
        assert_eq!(web.by_count().iter().map(|(n, t)| (*n, t.count)).collect::<Vec<_>>(), [("read", 2), ("write", 1)]);
        assert_eq!(web.actions.get("ERRNO(1)"), Some(&1));
        let job = &import.programs[&("job".to_string(), "/bin/job".to_string())];
        assert_eq!(job.unknown.get(&(Arch::X86_64, 999)), Some(&1));
        assert_eq!(import.problems.len(), 1);
        assert_eq!(import.problems[0].to_string(), "audit.log:5: seccomp record skipped: no syscall= field");
        assert_eq!(import.suppressed(), 27);
        assert_eq!(import.names(), ["read", "write"].iter().map(|s| s.to_string()).collect());
        assert_eq!(import.arches(), [Arch::X86_64, Arch::X86].into_iter().collect());
    }

    #[test]
    fn filters_by_comm_and_pid() {
        let mut by_pid = Import::new(Filter { comms: vec![], pids: vec![11, 12] });
        by_pid.add_text("a", LOG);
        assert_eq!((by_pid.records, by_pid.filtered_out), (2, 2));
        let mut by_comm = Import::new(Filter { comms: vec!["job".into()], pids: vec![] });
        by_comm.add_text("a", LOG);
        assert_eq!((by_comm.records, by_comm.programs.len()), (1, 1));
        let long = "type=1326 audit(1.0:1): pid=1 comm=\"kube-controller\" arch=c000003e syscall=0";
        let mut truncated = Import::new(Filter { comms: vec!["kube-controller-manager".into()], pids: vec![] });
        truncated.add_text("a", long);
        assert_eq!(truncated.records, 1, "a comm the kernel truncated still matches");
    }

    #[test]
    fn picks_the_native_arch_that_runs_every_abi_seen() {
        let set = |a: &[Arch]| a.iter().copied().collect::<BTreeSet<_>>();
        assert_eq!(native_for(&set(&[Arch::X86])), Arch::X86_64);
        assert_eq!(native_for(&set(&[Arch::X86_64, Arch::X32])), Arch::X86_64);
        assert_eq!(native_for(&set(&[Arch::Arm, Arch::Aarch64])), Arch::Aarch64);
        assert_eq!(native_for(&set(&[Arch::Riscv64])), Arch::Riscv64);
        assert_eq!(native_for(&set(&[Arch::X86_64, Arch::Aarch64])), Arch::X86_64);
        assert_eq!(native_for(&set(&[])), Arch::X86_64);
    }
}
