//! The typed profile: every field of the OCI, Docker/moby and Podman formats.
//!
//! The model is read from the document and is what every view and the evaluator use. Unknown
//! keys are not kept here: the document keeps the whole original value, so saving never
//! loses them (see `document.rs`).

use super::action::{ActionName, Op};

/// A seccomp profile as written (before any engine has prepared it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    pub default_action: Option<ActionName>,
    /// `defaultErrnoRet` (OCI, moby).
    pub default_errno_ret: Option<u32>,
    /// `defaultErrno`, an errno name (containers/common).
    pub default_errno: Option<String>,
    /// `architectures`, as written (`SCMP_ARCH_*`).
    pub architectures: Vec<String>,
    pub arch_map: Vec<ArchMapEntry>,
    pub flags: Vec<String>,
    pub listener_path: Option<String>,
    pub listener_metadata: Option<String>,
    pub rules: Vec<Rule>,
    /// `baseProfileName` (SPO): another profile whose rules are merged into this one.
    pub base_profile_name: Option<String>,
}

/// `archMap[]`: the sub-architectures a native architecture brings along (moby, podman).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArchMapEntry {
    pub architecture: String,
    pub sub_architectures: Vec<String>,
}

/// One entry of `syscalls[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Position in the profile's `syscalls` array.
    pub index: usize,
    pub names: Vec<String>,
    /// The deprecated single `name` (moby's old format).
    pub name: Option<String>,
    pub action: ActionName,
    pub errno_ret: Option<u32>,
    /// `errno`, an errno name (containers/common).
    pub errno: Option<String>,
    pub args: Vec<ArgCondition>,
    pub comment: Option<String>,
    pub includes: Filter,
    pub excludes: Filter,
}

impl Rule {
    /// Every syscall name the rule mentions: `names` plus the deprecated `name`.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str).chain(self.name.as_deref())
    }

    pub fn is_conditional(&self) -> bool {
        !self.args.is_empty() || !self.includes.is_empty() || !self.excludes.is_empty()
    }
}

/// `args[]`: a comparison on one syscall argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArgCondition {
    pub index: u32,
    pub value: u64,
    pub value_two: u64,
    pub op: Op,
}

impl ArgCondition {
    pub fn matches(&self, args: &[u64; 6]) -> bool {
        let arg = args.get(self.index as usize).copied().unwrap_or(0);
        self.op.matches(arg, self.value, self.value_two)
    }
}

/// `includes` / `excludes`: when a rule applies (moby and containers/common only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub caps: Vec<String>,
    pub arches: Vec<String>,
    pub min_kernel: Option<KernelVersion>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.caps.is_empty() && self.arches.is_empty() && self.min_kernel.is_none()
    }
}

/// A kernel version as `major.minor` (moby's `minKernel`, the context's kernel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KernelVersion {
    pub major: u32,
    pub minor: u32,
}

impl KernelVersion {
    /// Parses `5.8`, `6.18.44-fc`, … (the parts after minor are ignored, as moby does).
    pub fn parse(text: &str) -> Option<KernelVersion> {
        let mut parts = text.trim().split(['.', '-', '+']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
        Some(KernelVersion { major, minor })
    }
}

impl std::fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_versions_parse_and_order() {
        assert_eq!(KernelVersion::parse("6.18.44-fc-v857"), Some(KernelVersion { major: 6, minor: 18 }));
        assert_eq!(KernelVersion::parse("4.8"), Some(KernelVersion { major: 4, minor: 8 }));
        assert!(KernelVersion::parse("5.10").unwrap() > KernelVersion::parse("5.8").unwrap());
        assert_eq!(KernelVersion::parse("x.y"), None);
    }
}
