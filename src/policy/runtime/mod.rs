//! The OCI runtime that installs the filter (runc or crun), its version and the libseccomp it
//! links, and the version rules that change what it installs.
//!
//! The rules come from the runtimes' own history (runc `libcontainer/seccomp`, `specconv`,
//! `patchbpf/enosys_linux.go` across tags; crun `src/libcrun/seccomp.c`). The evaluator, lint,
//! the compiler and `run` ask this one place, so a rule changed here changes every view.

pub mod detect;
pub mod matrix;
pub mod spelling;

use super::prepare::Spec;
use crate::catalog::{Arch, Libseccomp, Version};
use crate::profile::ActionName;
use std::fmt;

/// The runtime program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuntimeKind {
    /// runc: libseccomp plus an ENOSYS stub for syscalls newer than the profile knows.
    Runc,
    /// crun: libseccomp only.
    Crun,
}

impl RuntimeKind {
    pub const ALL: [RuntimeKind; 2] = [RuntimeKind::Runc, RuntimeKind::Crun];

    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Runc => "runc",
            RuntimeKind::Crun => "crun",
        }
    }

    pub fn parse(text: &str) -> Option<RuntimeKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "runc" => Some(RuntimeKind::Runc),
            "crun" => Some(RuntimeKind::Crun),
            _ => None,
        }
    }
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the runtime's version in a context was chosen (said wherever the context is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Found on this host (`runc --version` on `PATH`).
    Detected,
    /// Given on the command line or in the editor.
    Given,
    /// Nothing found or given: the newest behaviour.
    Newest,
}

/// The runtime of a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    pub kind: RuntimeKind,
    /// `None`: the newest release's behaviour.
    pub version: Option<Version>,
    /// The libseccomp the runtime links: it decides which syscall names exist.
    pub libseccomp: &'static Libseccomp,
    pub provenance: Provenance,
}

/// Which arches runc's ENOSYS stub covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StubCoverage {
    /// No stub: crun, runc before 1.0.0-rc93, or a default that lets calls through / is ENOSYS.
    None,
    /// Only the arches listed in `architectures` (runc 1.0.0-rc93 to 1.1.14): a profile that
    /// lists none gets no stub at all.
    Listed,
    /// The listed arches and always the native one (runc 1.1.15 and 1.2.0 on).
    ListedAndNative,
}

/// runc 1.0.0-rc93 (2021) prepended the stub; earlier runc had none.
const RUNC_STUB: Version = Version::new(1, 0, 0);
/// runc 1.1.15 and 1.2.0 always add the native arch to the stub (commit "always include native
/// architecture in stub", backported to 1.1.15).
const RUNC_STUB_NATIVE: Version = Version::new(1, 1, 15);
/// runc 1.1.3 answers ENOSYS for `setup` (nr 0, the s390 multiplexer of unknown calls).
const RUNC_S390_SETUP: Version = Version::new(1, 1, 3);
/// runc 1.1.0 accepts `SCMP_ACT_NOTIFY`; 1.1.3 `SCMP_ACT_KILL_PROCESS` and `SCMP_ACT_KILL_THREAD`.
const RUNC_NOTIFY: Version = Version::new(1, 1, 0);
const RUNC_KILL_PROCESS: Version = Version::new(1, 1, 3);
/// runc before 1.2.0 refuses any `flags` ("seccomp flags are not yet supported by runc").
const RUNC_FLAGS: Version = Version::new(1, 2, 0);
/// `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`: runc 1.5.0.
const RUNC_WAIT_KILLABLE: Version = Version::new(1, 5, 0);
/// Architectures runc learnt late: riscv64 in 1.1.8 (and 1.2.0), loongarch64 in 1.4.1.
const RUNC_RISCV64: Version = Version::new(1, 1, 8);
const RUNC_LOONGARCH64: Version = Version::new(1, 4, 1);

/// The filter flags each runtime knows (runc 1.2+ `config.go`, crun `seccomp.c`).
const KNOWN_FLAGS: [&str; 4] = [
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
];

impl Runtime {
    /// The newest release's behaviour with the newest libseccomp: what seccompose assumes when
    /// nothing is detected or given.
    pub fn newest(kind: RuntimeKind) -> Runtime {
        Runtime { kind, version: None, libseccomp: Libseccomp::latest(), provenance: Provenance::Newest }
    }

    /// A runtime given by the user.
    pub fn given(kind: RuntimeKind, version: Option<Version>, libseccomp: &'static Libseccomp) -> Runtime {
        let provenance = if version.is_some() { Provenance::Given } else { Provenance::Newest };
        Runtime { kind, version, libseccomp, provenance }
    }

    /// Whether this runtime is `version` or newer (an unknown version is the newest).
    pub fn at_least(&self, version: Version) -> bool {
        self.version.is_none_or(|v| v >= version)
    }

    fn is_runc_before(&self, version: Version) -> bool {
        self.kind == RuntimeKind::Runc && !self.at_least(version)
    }

    /// Which arches runc's ENOSYS stub covers for a profile with this default action and errno.
    pub fn stub_coverage(&self, default_action: ActionName, default_errno: Option<u32>) -> StubCoverage {
        let lets_through = matches!(default_action, ActionName::Allow | ActionName::Log | ActionName::Trace);
        if self.kind != RuntimeKind::Runc || self.is_runc_before(RUNC_STUB) || lets_through {
            return StubCoverage::None;
        }
        if default_errno == Some(ENOSYS) {
            return StubCoverage::None;
        }
        if self.at_least(RUNC_STUB_NATIVE) { StubCoverage::ListedAndNative } else { StubCoverage::Listed }
    }

    /// Whether the stub answers ENOSYS for `setup` (nr 0) on s390 and s390x.
    pub fn stub_covers_s390_setup(&self) -> bool {
        self.at_least(RUNC_S390_SETUP)
    }

    /// Why this runtime refuses the spec (the container does not start), if it does.
    pub fn refusal(&self, spec: &Spec) -> Option<String> {
        self.refused_flag(spec).or_else(|| self.refused_action(spec)).or_else(|| self.refused_arch(spec))
    }

    fn refused_flag(&self, spec: &Spec) -> Option<String> {
        let first = spec.flags.first()?;
        if self.is_runc_before(RUNC_FLAGS) {
            return Some(format!(
                "it does not support \"flags\" (\"seccomp flags are not yet supported by runc\"; runc reads them from {RUNC_FLAGS}); remove {first}"
            ));
        }
        if let Some(flag) = spec.flags.iter().find(|f| !KNOWN_FLAGS.contains(&f.as_str())) {
            return Some(format!("unknown seccomp flag {flag}"));
        }
        let killable = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";
        if self.is_runc_before(RUNC_WAIT_KILLABLE) && spec.flags.iter().any(|f| f == killable) {
            return Some(format!("{killable} needs runc {RUNC_WAIT_KILLABLE}"));
        }
        None
    }

    fn refused_action(&self, spec: &Spec) -> Option<String> {
        let actions = std::iter::once(spec.default_action).chain(spec.rules.iter().map(|r| r.action));
        for action in actions {
            let needs = match action {
                ActionName::KillProcess | ActionName::KillThread => RUNC_KILL_PROCESS,
                ActionName::Notify => RUNC_NOTIFY,
                _ => continue,
            };
            if self.is_runc_before(needs) {
                return Some(format!(
                    "\"{} is not a valid action for seccomp\" before runc {needs}",
                    action.spelling()
                ));
            }
        }
        None
    }

    fn refused_arch(&self, spec: &Spec) -> Option<String> {
        for &arch in &spec.architectures {
            let needs = match arch {
                Arch::Riscv64 => RUNC_RISCV64,
                Arch::Loongarch64 => RUNC_LOONGARCH64,
                _ => continue,
            };
            if self.is_runc_before(needs) {
                return Some(format!("\"{} is not a valid arch for seccomp\" before runc {needs}", arch.scmp_name()));
            }
        }
        None
    }

    /// `runc 1.1.5`, `crun 1.8.1`, `runc (newest)`.
    pub fn program_label(&self) -> String {
        match self.version {
            Some(v) => format!("{} {v}", self.kind),
            None => format!("{} (newest)", self.kind),
        }
    }
}

const ENOSYS: u32 = 38;

impl fmt::Display for Runtime {
    /// `runc 1.1.5 · libseccomp 2.5.4 (host)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} · libseccomp {}", self.program_label(), self.libseccomp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runc(v: &str) -> Runtime {
        Runtime::given(RuntimeKind::Runc, Version::parse(v), Libseccomp::latest())
    }

    #[test]
    fn stub_coverage_follows_runc_history() {
        let errno = ActionName::Errno;
        assert_eq!(runc("0.1.1").stub_coverage(errno, None), StubCoverage::None);
        assert_eq!(runc("1.0.0").stub_coverage(errno, None), StubCoverage::Listed);
        assert_eq!(runc("1.1.5").stub_coverage(errno, None), StubCoverage::Listed);
        assert_eq!(runc("1.1.14").stub_coverage(errno, None), StubCoverage::Listed);
        assert_eq!(runc("1.1.15").stub_coverage(errno, None), StubCoverage::ListedAndNative);
        assert_eq!(runc("1.2.0").stub_coverage(errno, None), StubCoverage::ListedAndNative);
        assert_eq!(Runtime::newest(RuntimeKind::Runc).stub_coverage(errno, None), StubCoverage::ListedAndNative);
        assert_eq!(runc("1.3.0").stub_coverage(errno, Some(38)), StubCoverage::None);
        assert_eq!(runc("1.3.0").stub_coverage(ActionName::Log, None), StubCoverage::None);
        assert_eq!(runc("1.3.0").stub_coverage(ActionName::KillProcess, Some(1)), StubCoverage::ListedAndNative);
        assert_eq!(Runtime::newest(RuntimeKind::Crun).stub_coverage(errno, None), StubCoverage::None);
        assert!(!runc("1.1.2").stub_covers_s390_setup());
        assert!(runc("1.1.3").stub_covers_s390_setup());
    }
}
