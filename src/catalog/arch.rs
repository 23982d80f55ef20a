//! Architectures as libseccomp and the kernel name them (`SCMP_ARCH_*`, `AUDIT_ARCH_*`).

use std::fmt;

/// A seccomp architecture token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    X86_64,
    X86,
    X32,
    Aarch64,
    Arm,
    Riscv64,
    Ppc64le,
    Ppc64,
    Ppc,
    S390x,
    S390,
    Mips,
    Mipsel,
    Mips64,
    Mipsel64,
    Mips64n32,
    Mipsel64n32,
    Loongarch64,
    Parisc,
    Parisc64,
}

/// The x32 ABI marks its syscall numbers with this bit.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

struct ArchFacts {
    arch: Arch,
    scmp: &'static str,
    short: &'static str,
    /// Other spellings people use (uname -m, Go's GOARCH).
    aliases: &'static [&'static str],
    audit: u32,
    bits: u8,
}

const FACTS: &[ArchFacts] = &[
    ArchFacts {
        arch: Arch::X86_64,
        scmp: "SCMP_ARCH_X86_64",
        short: "x86_64",
        aliases: &["amd64", "x86-64"],
        audit: 0xC000_003E,
        bits: 64,
    },
    ArchFacts {
        arch: Arch::X86,
        scmp: "SCMP_ARCH_X86",
        short: "x86",
        aliases: &["i386", "i686", "386", "ia32"],
        audit: 0x4000_0003,
        bits: 32,
    },
    ArchFacts { arch: Arch::X32, scmp: "SCMP_ARCH_X32", short: "x32", aliases: &[], audit: 0xC000_003E, bits: 32 },
    ArchFacts {
        arch: Arch::Aarch64,
        scmp: "SCMP_ARCH_AARCH64",
        short: "aarch64",
        aliases: &["arm64"],
        audit: 0xC000_00B7,
        bits: 64,
    },
    ArchFacts {
        arch: Arch::Arm,
        scmp: "SCMP_ARCH_ARM",
        short: "arm",
        aliases: &["armv7l", "armhf", "armel"],
        audit: 0x4000_0028,
        bits: 32,
    },
    ArchFacts {
        arch: Arch::Riscv64,
        scmp: "SCMP_ARCH_RISCV64",
        short: "riscv64",
        aliases: &[],
        audit: 0xC000_00F3,
        bits: 64,
    },
    ArchFacts {
        arch: Arch::Ppc64le,
        scmp: "SCMP_ARCH_PPC64LE",
        short: "ppc64le",
        aliases: &[],
        audit: 0xC000_0015,
        bits: 64,
    },
    ArchFacts {
        arch: Arch::Ppc64,
        scmp: "SCMP_ARCH_PPC64",
        short: "ppc64",
        aliases: &[],
        audit: 0x8000_0015,
        bits: 64,
    },
    ArchFacts { arch: Arch::Ppc, scmp: "SCMP_ARCH_PPC", short: "ppc", aliases: &[], audit: 0x0000_0014, bits: 32 },
    ArchFacts {
        arch: Arch::S390x,
        scmp: "SCMP_ARCH_S390X",
        short: "s390x",
        aliases: &[],
        audit: 0x8000_0016,
        bits: 64,
    },
    ArchFacts { arch: Arch::S390, scmp: "SCMP_ARCH_S390", short: "s390", aliases: &[], audit: 0x0000_0016, bits: 32 },
    ArchFacts { arch: Arch::Mips, scmp: "SCMP_ARCH_MIPS", short: "mips", aliases: &[], audit: 0x0000_0008, bits: 32 },
    ArchFacts {
        arch: Arch::Mipsel,
        scmp: "SCMP_ARCH_MIPSEL",
        short: "mipsel",
        aliases: &["mipsle"],
        audit: 0x4000_0008,
        bits: 32,
    },
    ArchFacts {
        arch: Arch::Mips64,
        scmp: "SCMP_ARCH_MIPS64",
        short: "mips64",
        aliases: &[],
        audit: 0x8000_0008,
        bits: 64,
    },
    ArchFacts {
        arch: Arch::Mipsel64,
        scmp: "SCMP_ARCH_MIPSEL64",
        short: "mipsel64",
        aliases: &["mips64le"],
        audit: 0xC000_0008,
        bits: 64,
    },
    ArchFacts {
        arch: Arch::Mips64n32,
        scmp: "SCMP_ARCH_MIPS64N32",
        short: "mips64n32",
        aliases: &[],
        audit: 0xA000_0008,
        bits: 32,
    },
    ArchFacts {
        arch: Arch::Mipsel64n32,
        scmp: "SCMP_ARCH_MIPSEL64N32",
        short: "mipsel64n32",
        aliases: &[],
        audit: 0xE000_0008,
        bits: 32,
    },
    ArchFacts {
        arch: Arch::Loongarch64,
        scmp: "SCMP_ARCH_LOONGARCH64",
        short: "loongarch64",
        aliases: &["loong64"],
        audit: 0xC000_0102,
        bits: 64,
    },
    ArchFacts {
        arch: Arch::Parisc,
        scmp: "SCMP_ARCH_PARISC",
        short: "parisc",
        aliases: &[],
        audit: 0x0000_000F,
        bits: 32,
    },
    ArchFacts {
        arch: Arch::Parisc64,
        scmp: "SCMP_ARCH_PARISC64",
        short: "parisc64",
        aliases: &[],
        audit: 0x8000_000F,
        bits: 64,
    },
];

impl Arch {
    pub fn all() -> impl Iterator<Item = Arch> {
        FACTS.iter().map(|f| f.arch)
    }

    fn facts(self) -> &'static ArchFacts {
        FACTS.iter().find(|f| f.arch == self).expect("every Arch has facts")
    }

    /// `SCMP_ARCH_X86_64`.
    pub fn scmp_name(self) -> &'static str {
        self.facts().scmp
    }

    /// `x86_64`.
    pub fn short_name(self) -> &'static str {
        self.facts().short
    }

    /// The `AUDIT_ARCH_*` value the kernel puts in `seccomp_data.arch`.
    pub fn audit_value(self) -> u32 {
        self.facts().audit
    }

    /// 32-bit ABIs compare only the low word of arguments.
    pub fn is_64bit(self) -> bool {
        self.facts().bits == 64
    }

    /// Parses `SCMP_ARCH_X86_64`, `x86_64`, `amd64`, … (case-insensitive).
    pub fn parse(text: &str) -> Option<Arch> {
        let t = text.trim();
        FACTS
            .iter()
            .find(|f| {
                f.scmp.eq_ignore_ascii_case(t)
                    || f.short.eq_ignore_ascii_case(t)
                    || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(t))
            })
            .map(|f| f.arch)
    }

    /// Only the exact `SCMP_ARCH_*` spelling, as the engines accept it in profiles.
    pub fn from_scmp(text: &str) -> Option<Arch> {
        FACTS.iter().find(|f| f.scmp == text).map(|f| f.arch)
    }

    /// The architecture this program runs on.
    pub fn host() -> Arch {
        Arch::parse(std::env::consts::ARCH).unwrap_or(Arch::X86_64)
    }

    /// The architectures a seccomp filter installed on this native arch can meet:
    /// the ABIs the kernel runs natively on such a host.
    pub fn compat_arches(self) -> &'static [Arch] {
        match self {
            Arch::X86_64 => &[Arch::X86_64, Arch::X86, Arch::X32],
            Arch::Aarch64 => &[Arch::Aarch64, Arch::Arm],
            Arch::Ppc64 => &[Arch::Ppc64, Arch::Ppc],
            Arch::S390x => &[Arch::S390x, Arch::S390],
            Arch::Mips64 => &[Arch::Mips64, Arch::Mips, Arch::Mips64n32],
            Arch::Mipsel64 => &[Arch::Mipsel64, Arch::Mipsel, Arch::Mipsel64n32],
            Arch::Parisc64 => &[Arch::Parisc64, Arch::Parisc],
            Arch::X86 => &[Arch::X86],
            Arch::X32 => &[Arch::X32],
            Arch::Arm => &[Arch::Arm],
            Arch::Riscv64 => &[Arch::Riscv64],
            Arch::Ppc64le => &[Arch::Ppc64le],
            Arch::Ppc => &[Arch::Ppc],
            Arch::S390 => &[Arch::S390],
            Arch::Mips => &[Arch::Mips],
            Arch::Mipsel => &[Arch::Mipsel],
            Arch::Mips64n32 => &[Arch::Mips64n32],
            Arch::Mipsel64n32 => &[Arch::Mipsel64n32],
            Arch::Loongarch64 => &[Arch::Loongarch64],
            Arch::Parisc => &[Arch::Parisc],
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        for a in Arch::all() {
            assert_eq!(Arch::parse(a.scmp_name()), Some(a));
            assert_eq!(Arch::parse(a.short_name()), Some(a));
            assert_eq!(Arch::from_scmp(a.scmp_name()), Some(a));
        }
        assert_eq!(Arch::parse("amd64"), Some(Arch::X86_64));
        assert_eq!(Arch::parse("arm64"), Some(Arch::Aarch64));
        assert_eq!(Arch::from_scmp("x86_64"), None);
        assert_eq!(Arch::parse("vax"), None);
    }

    #[test]
    fn audit_values_match_the_kernel() {
        assert_eq!(Arch::X86_64.audit_value(), 0xC000003E);
        assert_eq!(Arch::X86.audit_value(), 0x40000003);
        assert_eq!(Arch::Aarch64.audit_value(), 0xC00000B7);
        assert!(!Arch::X32.is_64bit());
    }
}
