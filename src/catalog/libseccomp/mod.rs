//! Which syscall names a libseccomp knows, per architecture, and the numbers it gives them.
//!
//! runc and crun resolve every profile name with the libseccomp they link; a name it does not
//! know is skipped without error, so the same profile enforces different things on nodes with
//! different libseccomp releases. Three sources answer: the host's `libseccomp.so.2` asked at run
//! time (exact, distribution patches included), a bundled table of every upstream release, and
//! `latest` (the newest release in that table).

use super::{Arch, Version};
use std::fmt;

/// Where a [`Libseccomp`]'s knowledge comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The host's `libseccomp.so.2`, asked at run time.
    Host,
    /// An upstream release, from the bundled table.
    Release,
    /// The newest release in the bundled table (nothing detected or asked for).
    Latest,
}

/// One libseccomp's syscall-name knowledge.
#[derive(Debug)]
pub struct Libseccomp {
    origin: Origin,
    version: Option<Version>,
}

impl PartialEq for Libseccomp {
    fn eq(&self, other: &Libseccomp) -> bool {
        (self.origin, self.version) == (other.origin, other.version)
    }
}

impl Eq for Libseccomp {}

impl Libseccomp {
    /// The newest behaviour: every name of the newest release in the bundled table.
    pub fn latest() -> &'static Libseccomp {
        static LATEST: Libseccomp = Libseccomp { origin: Origin::Latest, version: None };
        &LATEST
    }

    /// An upstream release from the bundled table.
    pub fn release(version: Version) -> Result<&'static Libseccomp, String> {
        // Placeholder until the bundled table lands: every release knows every name.
        Ok(Box::leak(Box::new(Libseccomp { origin: Origin::Release, version: Some(version) })))
    }

    /// The host's `libseccomp.so.2`, when it can be loaded (asked once per process).
    pub fn host() -> Option<&'static Libseccomp> {
        None
    }

    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The release (for the host: the version the library reports).
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// Whether `seccomp_syscall_resolve_name` on the `native` arch resolves `name` (to a number
    /// or a pseudo-number): what runc and crun check before adding a rule.
    pub fn knows(&self, native: Arch, name: &str) -> bool {
        let _ = native;
        super::is_known_anywhere(name)
    }

    /// The number this libseccomp gives `name` on `arch` (x32 numbers carry the x32 bit);
    /// `None` when it does not know the name there or has only a pseudo-number for it.
    pub fn number(&self, arch: Arch, name: &str) -> Option<u32> {
        super::number(arch, name)
    }
}

impl fmt::Display for Libseccomp {
    /// `2.5.4 (host)`, `2.5.5`, `latest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.origin, self.version) {
            (Origin::Host, Some(v)) => write!(f, "{v} (host)"),
            (Origin::Host, None) => f.write_str("host"),
            (Origin::Release, Some(v)) => write!(f, "{v}"),
            (_, Some(v)) => write!(f, "latest ({v})"),
            (_, None) => f.write_str("latest"),
        }
    }
}
