//! Syscall name <-> number per architecture.
//!
//! Most tables come from the `syscalls` crate (generated from kernel sources); x32 comes from
//! `data/x32.tsv` (as libseccomp 2.5.4 resolves it). A few corrections make the names match
//! libseccomp's, which is what runtimes resolve profile names with.

use super::arch::{Arch, X32_SYSCALL_BIT};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One architecture's syscall table.
pub struct Table {
    by_name: HashMap<&'static str, u32>,
    by_number: BTreeMap<u32, &'static str>,
    /// Numbers with more than one name: every name after the first (`by_number`'s).
    aliases: HashMap<u32, Vec<&'static str>>,
}

impl Table {
    fn from_pairs(pairs: impl IntoIterator<Item = (&'static str, u32)>) -> Table {
        let mut by_name = HashMap::default();
        let mut by_number = BTreeMap::new();
        let mut aliases: HashMap<u32, Vec<&'static str>> = HashMap::default();
        for (name, nr) in pairs {
            by_name.insert(name, nr);
            let first = *by_number.entry(nr).or_insert(name);
            if first != name {
                aliases.entry(nr).or_default().push(name);
            }
        }
        // A name given twice keeps its last number: drop aliases it no longer has.
        for (nr, names) in aliases.iter_mut() {
            names.retain(|n| by_name.get(n) == Some(nr));
        }
        Table { by_name, by_number, aliases }
    }

    pub fn number(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    pub fn name(&self, number: u32) -> Option<&'static str> {
        self.by_number.get(&number).copied()
    }

    /// Every name whose number is `number` (aliases too).
    pub fn names(&self, number: u32) -> impl Iterator<Item = &'static str> + '_ {
        let first = self.name(number).filter(|n| self.by_name.get(n) == Some(&number));
        first.into_iter().chain(self.aliases.get(&number).into_iter().flatten().copied())
    }

    /// (number, name) in ascending number order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &'static str)> + '_ {
        self.by_number.iter().map(|(n, s)| (*n, *s))
    }

    pub fn len(&self) -> usize {
        self.by_number.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_number.is_empty()
    }
}

/// The table of an architecture, or `None` where seccompose has no table (mips n32, s390 31-bit,
/// parisc): rules then cannot be resolved for that arch.
pub fn table(arch: Arch) -> Option<&'static Table> {
    macro_rules! cached {
        ($build:expr) => {{
            static CELL: OnceLock<Table> = OnceLock::new();
            Some(CELL.get_or_init(|| $build))
        }};
    }
    match arch {
        Arch::X86_64 => cached!(crate_table(syscalls::x86_64::Sysno::iter().map(|s| (s.name(), s.id())), &[])),
        Arch::X86 => cached!(crate_table(syscalls::x86::Sysno::iter().map(|s| (s.name(), s.id())), &[])),
        Arch::X32 => cached!(x32_table()),
        Arch::Aarch64 => cached!(generic_64(syscalls::aarch64::Sysno::iter().map(|s| (s.name(), s.id())))),
        Arch::Arm => cached!(crate_table(syscalls::arm::Sysno::iter().map(|s| (s.name(), s.id())), ARM_PRIVATE)),
        Arch::Riscv64 => cached!(generic_64(syscalls::riscv64::Sysno::iter().map(|s| (s.name(), s.id())))),
        Arch::Loongarch64 => cached!(generic_64(syscalls::loongarch64::Sysno::iter().map(|s| (s.name(), s.id())))),
        Arch::Ppc64le | Arch::Ppc64 => {
            cached!(crate_table(syscalls::powerpc64::Sysno::iter().map(|s| (s.name(), s.id())), &[]))
        }
        Arch::S390x => cached!(crate_table(syscalls::s390x::Sysno::iter().map(|s| (s.name(), s.id())), &[])),
        Arch::Mips64 | Arch::Mipsel64 => {
            cached!(crate_table(syscalls::mips64::Sysno::iter().map(|s| (s.name(), s.id())), &[]))
        }
        Arch::Mips | Arch::Mipsel => {
            cached!(crate_table(syscalls::mips::Sysno::iter().map(|s| (s.name(), s.id())), &[]))
        }
        Arch::Ppc => cached!(crate_table(syscalls::powerpc::Sysno::iter().map(|s| (s.name(), s.id())), &[])),
        Arch::S390 | Arch::Mips64n32 | Arch::Mipsel64n32 => None,
        Arch::Parisc | Arch::Parisc64 => None,
    }
}

/// ARM's private syscalls (`__ARM_NR_BASE` + n), which the crate does not list.
const ARM_PRIVATE: &[(&str, u32)] =
    &[("breakpoint", 0xf0001), ("cacheflush", 0xf0002), ("usr26", 0xf0003), ("usr32", 0xf0004), ("set_tls", 0xf0005)];

/// The crate spells keyword-named syscalls as raw identifiers (`r#break`).
fn crate_table(pairs: impl Iterator<Item = (&'static str, i32)>, extra: &[(&'static str, u32)]) -> Table {
    let pairs = pairs.map(|(n, id)| (n.strip_prefix("r#").unwrap_or(n), id as u32));
    Table::from_pairs(pairs.chain(extra.iter().copied()))
}

/// asm-generic 64-bit tables: the crate lists 32-bit-only `*_time64` calls and spells
/// `newfstatat` as `fstatat`; the kernel and libseccomp do neither.
fn generic_64(pairs: impl Iterator<Item = (&'static str, i32)>) -> Table {
    let pairs = pairs
        .filter(|(name, _)| !is_time64_only(name))
        .map(|(name, id)| (if name == "fstatat" { "newfstatat" } else { name }, id));
    crate_table(pairs, &[])
}

fn is_time64_only(name: &str) -> bool {
    name.ends_with("_time64")
        || matches!(name, "clock_gettime64" | "clock_settime64" | "clock_adjtime64")
        || matches!(name, "timer_gettime64" | "timer_settime64" | "timerfd_gettime64" | "timerfd_settime64")
}

fn x32_table() -> Table {
    let data = include_str!("data/x32.tsv");
    let pairs = data.lines().filter(|l| !l.starts_with('#') && !l.starts_with("nr\t")).filter_map(|line| {
        let mut cols = line.split('\t');
        let nr: u32 = cols.next()?.parse().ok()?;
        let _hex = cols.next()?;
        Some((cols.next()?, nr))
    });
    let mut table = Table::from_pairs(pairs);
    // Syscalls newer than the file's table are common to x86_64 and x32 (see the file's header).
    if let Some(x86_64) = self::table(Arch::X86_64) {
        for (nr, name) in x86_64.iter().filter(|(nr, _)| *nr >= 454) {
            table.by_name.entry(name).or_insert(nr | X32_SYSCALL_BIT);
            table.by_number.entry(nr | X32_SYSCALL_BIT).or_insert(name);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        let t = table(Arch::X86_64).unwrap();
        assert_eq!(t.number("read"), Some(0));
        assert_eq!(t.number("clone3"), Some(435));
        assert_eq!(t.name(165), Some("mount"));
        assert_eq!(table(Arch::X86).unwrap().number("socketcall"), Some(102));
        assert_eq!(table(Arch::X86).unwrap().number("break"), Some(17));
        assert_eq!(table(Arch::Aarch64).unwrap().number("newfstatat"), Some(79));
        assert_eq!(table(Arch::Aarch64).unwrap().number("clock_gettime64"), None);
        assert_eq!(table(Arch::Aarch64).unwrap().number("open"), None);
        assert_eq!(table(Arch::Arm).unwrap().number("cacheflush"), Some(0xf0002));
        assert_eq!(table(Arch::Riscv64).unwrap().number("mount"), Some(40));
    }

    #[test]
    fn x32_numbers_carry_the_x32_bit() {
        let t = table(Arch::X32).unwrap();
        assert_eq!(t.number("read"), Some(0x4000_0000));
        assert_eq!(t.number("execve"), Some(0x4000_0000 | 520));
        assert_eq!(t.number("clone3"), Some(0x4000_0000 | 435));
        assert_eq!(t.number("mseal"), Some(0x4000_0000 | 462));
        assert!(t.iter().all(|(nr, _)| nr & X32_SYSCALL_BIT != 0));
    }

    /// `names` is the inverse of `number`, aliases included (the evaluator's update finds the
    /// rules of a syscall number through it).
    #[test]
    fn every_name_of_a_number_is_listed() {
        for arch in Arch::all() {
            let Some(t) = table(arch) else { continue };
            for (&name, &nr) in &t.by_name {
                assert!(t.names(nr).any(|n| n == name), "{arch} {name} {nr}");
                assert!(t.names(nr).all(|n| t.number(n) == Some(nr)), "{arch} {nr}");
            }
        }
    }
}
