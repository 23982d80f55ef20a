//! Which syscall names a libseccomp knows, per architecture, and the numbers it gives them.
//!
//! runc and crun resolve every profile name with the libseccomp they link; a name it does not
//! know is skipped without error, so the same profile enforces different things on nodes with
//! different libseccomp releases. Three sources answer: the host's `libseccomp.so.2` asked at run
//! time (exact, distribution patches included), a bundled table of every upstream release
//! (2.4.0 and later; tools/libseccomp-table/ makes it), and `latest` (the newest tagged release
//! in that table; the table also holds libseccomp's `main` branch, which no runtime links).

mod host;
mod table;

use super::{Arch, Version};
use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// How many [`Arch`] variants there are: answers are stored per `arch as usize`.
const ARCHES: usize = 20;

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

/// What `seccomp_syscall_resolve_name_arch` returns for a name on one architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Resolved {
    /// `__NR_SCMP_ERROR`: runc and crun skip a rule naming it.
    #[default]
    Unknown,
    /// A negative pseudo-number: the name is known (its rule is added) but matches nothing here.
    Pseudo,
    /// The syscall number (x32 numbers carry the x32 bit, as libseccomp returns them).
    Number(u32),
}

/// The answers of one libseccomp, per name and architecture.
#[derive(Default)]
struct Knowledge {
    names: HashMap<&'static str, [Resolved; ARCHES]>,
}

impl Knowledge {
    fn entry(&mut self, name: &'static str) -> &mut [Resolved; ARCHES] {
        self.names.entry(name).or_insert([Resolved::Unknown; ARCHES])
    }

    fn resolve(&self, arch: Arch, name: &str) -> Resolved {
        self.names.get(name).map_or(Resolved::Unknown, |answers| answers[arch as usize])
    }

    /// Drops the names unknown on every architecture (the host was asked about all names).
    fn retain_known(&mut self) {
        self.names.retain(|_, answers| answers.iter().any(|a| *a != Resolved::Unknown));
    }
}

/// One libseccomp's syscall-name knowledge.
pub struct Libseccomp {
    origin: Origin,
    version: Option<Version>,
    /// The release whose table answers when `version` is not in the table (the nearest lower).
    answered_as: Option<Version>,
    knowledge: &'static Knowledge,
}

impl fmt::Debug for Libseccomp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Libseccomp")
            .field("origin", &self.origin)
            .field("version", &self.version)
            .field("answered_as", &self.answered_as)
            .field("names", &self.knowledge.names.len())
            .finish()
    }
}

impl PartialEq for Libseccomp {
    fn eq(&self, other: &Libseccomp) -> bool {
        (self.origin, self.version, self.answered_as) == (other.origin, other.version, other.answered_as)
    }
}

impl Eq for Libseccomp {}

/// The oldest release the bundled table has.
const OLDEST: Version = Version::new(2, 4, 0);

impl Libseccomp {
    /// The newest behaviour: the newest tagged release in the bundled table (`latest (2.6.1)`).
    pub fn latest() -> &'static Libseccomp {
        static LATEST: OnceLock<Libseccomp> = OnceLock::new();
        LATEST.get_or_init(|| {
            let bundled = table::bundled();
            let (index, version) = bundled.releases().last().expect("the bundled table has releases");
            Libseccomp {
                origin: Origin::Latest,
                version: Some(version),
                answered_as: None,
                knowledge: bundled.knowledge(index),
            }
        })
    }

    /// An upstream release from the bundled table. A version the table lacks (`2.5.7`, `2.7.0`)
    /// answers as the nearest lower release, and says so (`2.5.7 (as 2.5.6)`).
    pub fn release(version: Version) -> Result<&'static Libseccomp, String> {
        static ASKED: Mutex<Vec<&'static Libseccomp>> = Mutex::new(Vec::new());
        let bundled = table::bundled();
        let Some((index, found)) = bundled.releases().filter(|(_, v)| *v <= version).last() else {
            return Err(format!(
                "libseccomp {version} is older than {OLDEST}, the oldest release seccompose has a table for"
            ));
        };
        let mut asked = ASKED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = asked.iter().find(|l| l.version == Some(version)) {
            return Ok(known);
        }
        let lib: &'static Libseccomp = Box::leak(Box::new(Libseccomp {
            origin: Origin::Release,
            version: Some(version),
            answered_as: (found != version).then_some(found),
            knowledge: bundled.knowledge(index),
        }));
        asked.push(lib);
        Ok(lib)
    }

    /// The tagged releases the bundled table has, oldest first.
    pub fn releases() -> Vec<Version> {
        table::bundled().releases().map(|(_, v)| v).collect()
    }

    /// `--libseccomp VERSION|host|latest`.
    pub fn parse(text: &str) -> Result<&'static Libseccomp, String> {
        match text.trim() {
            "latest" => Ok(Libseccomp::latest()),
            "host" => Libseccomp::host().ok_or_else(|| {
                "libseccomp host: this host's libseccomp.so.2 cannot be loaded (install libseccomp2, or name a \
                 version such as 2.5.4)"
                    .to_string()
            }),
            t => match Version::parse(t) {
                Some(v) => Libseccomp::release(v),
                None => Err(format!("libseccomp {t:?}: expected a version such as 2.5.4, host or latest")),
            },
        }
    }

    /// The host's `libseccomp.so.2`, when it can be loaded (asked once per process).
    pub fn host() -> Option<&'static Libseccomp> {
        static HOST: OnceLock<Option<Libseccomp>> = OnceLock::new();
        HOST.get_or_init(|| {
            let (version, knowledge) = host::load()?;
            Some(Libseccomp {
                origin: Origin::Host,
                version: Some(version),
                answered_as: None,
                knowledge: Box::leak(Box::new(knowledge)),
            })
        })
        .as_ref()
    }

    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The release (for the host: the version the library reports).
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// The release whose table answers for a version the table lacks (`2.5.7` answers as 2.5.6).
    pub fn answered_as(&self) -> Option<Version> {
        self.answered_as
    }

    /// Whether `seccomp_syscall_resolve_name` on the `native` arch resolves `name` (to a number
    /// or a pseudo-number): what runc and crun check before adding a rule.
    pub fn knows(&self, native: Arch, name: &str) -> bool {
        self.resolve(native, name) != Resolved::Unknown
    }

    /// The number this libseccomp gives `name` on `arch` (x32 numbers carry the x32 bit);
    /// `None` when it does not know the name there or has only a pseudo-number for it.
    pub fn number(&self, arch: Arch, name: &str) -> Option<u32> {
        match self.resolve(arch, name) {
            Resolved::Number(n) => Some(n),
            _ => None,
        }
    }

    /// What `seccomp_syscall_resolve_name_arch(arch, name)` returns.
    pub fn resolve(&self, arch: Arch, name: &str) -> Resolved {
        self.knowledge.resolve(arch, name)
    }

    /// The names this libseccomp knows on `arch`, sorted.
    pub fn names(&self, arch: Arch) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .knowledge
            .names
            .iter()
            .filter(|(_, a)| a[arch as usize] != Resolved::Unknown)
            .map(|(n, _)| *n)
            .collect();
        names.sort_unstable();
        names
    }

    /// The upstream release of the host library's version (the nearest lower one the table has);
    /// `None` for a table entry.
    pub fn upstream(&self) -> Option<&'static Libseccomp> {
        match (self.origin, self.version) {
            (Origin::Host, Some(v)) => Libseccomp::release(v).ok(),
            _ => None,
        }
    }

    /// The names the host library knows on `arch` that its upstream release does not (a
    /// distribution's patch: Debian's 2.5.4 knows `cachestat`, `fchmodat2`, …), sorted.
    pub fn beyond_upstream(&self, arch: Arch) -> Vec<&'static str> {
        let Some(upstream) = self.upstream() else { return Vec::new() };
        self.names(arch).into_iter().filter(|n| !upstream.knows(arch, n)).collect()
    }

    /// Every name whose answer on `arch` differs between `self` and `other`:
    /// (name, self's answer, other's answer), sorted by name.
    pub fn differences(&self, other: &Libseccomp, arch: Arch) -> Vec<(&'static str, Resolved, Resolved)> {
        let mut names: Vec<&'static str> =
            self.knowledge.names.keys().chain(other.knowledge.names.keys()).copied().collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|n| (n, self.resolve(arch, n), other.resolve(arch, n)))
            .filter(|(_, a, b)| a != b)
            .collect()
    }
}

impl fmt::Display for Libseccomp {
    /// `2.5.4 (host)`, `2.5.5`, `2.5.7 (as 2.5.6)`, `latest (2.6.1)`. The alternate form (`{:#}`)
    /// names a host library's patch: `2.5.4 (host, patched: knows cachestat, fchmodat2, …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.origin, self.version) {
            (Origin::Host, Some(v)) if f.alternate() => {
                let extra = self.beyond_upstream(Arch::host());
                match extra.len() {
                    0 => write!(f, "{v} (host)"),
                    1..=4 => write!(f, "{v} (host, patched: knows {})", extra.join(", ")),
                    _ => write!(f, "{v} (host, patched: knows {}, …)", extra[..3].join(", ")),
                }
            }
            (Origin::Host, Some(v)) => write!(f, "{v} (host)"),
            (Origin::Host, None) => f.write_str("host"),
            (Origin::Release, Some(v)) => match self.answered_as {
                Some(table) => write!(f, "{v} (as {table})"),
                None => write!(f, "{v}"),
            },
            (_, Some(v)) => write!(f, "latest ({v})"),
            (_, None) => f.write_str("latest"),
        }
    }
}

#[cfg(test)]
mod tests;

/// Uncached entry points for `benches/libseccomp.rs` (the public API caches every answer).
#[doc(hidden)]
pub mod measure {
    use super::{Version, host, table};

    /// The bundled data file's size in bytes.
    pub fn data_bytes() -> usize {
        table::DATA.len()
    }

    /// Parses the bundled rows of release `version` anew; returns how many names it knows.
    pub fn parse_release(version: Version) -> Option<usize> {
        let bundled = table::bundled();
        let (index, _) = bundled.releases().find(|(_, v)| *v == version)?;
        Some(bundled.parse_release(index).names.len())
    }

    /// Opens the host's library and asks it about every name anew; returns how many it knows.
    pub fn load_host() -> Option<usize> {
        host::load().map(|(_, knowledge)| knowledge.names.len())
    }
}
