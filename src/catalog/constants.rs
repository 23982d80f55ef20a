//! Names of common argument values (socket families, clone flags, ioctl requests, personality
//! and prctl options): decoding denials, and typing condition values by name in the editor.

pub const FAMILIES: &[(u64, &str)] = &[
    (0, "AF_UNSPEC"),
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (4, "AF_IPX"),
    (5, "AF_APPLETALK"),
    (9, "AF_X25"),
    (10, "AF_INET6"),
    (15, "AF_KEY"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (29, "AF_CAN"),
    (31, "AF_BLUETOOTH"),
    (38, "AF_ALG"),
    (40, "AF_VSOCK"),
    (44, "AF_XDP"),
];

pub const CLONE_FLAGS: &[(u64, &str)] = &[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"),
    (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80000, "CLONE_SETTLS"),
    (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"),
    (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
];

pub const IOCTLS: &[(u64, &str)] = &[
    (0x5401, "TCGETS"),
    (0x5402, "TCSETS"),
    (0x5403, "TCSETSW"),
    (0x5404, "TCSETSF"),
    (0x540e, "TIOCSCTTY"),
    (0x540f, "TIOCGPGRP"),
    (0x5410, "TIOCSPGRP"),
    (0x5413, "TIOCGWINSZ"),
    (0x5414, "TIOCSWINSZ"),
    (0x541b, "FIONREAD"),
    (0x5421, "FIONBIO"),
    (0x5451, "FIOCLEX"),
    (0x5450, "FIONCLEX"),
    (0x80045430, "TIOCGPTN"),
    (0x40045431, "TIOCSPTLCK"),
    (0x8912, "SIOCGIFCONF"),
    (0x8933, "SIOCGIFINDEX"),
];

pub const PERSONALITY: &[(u64, &str)] = &[
    (0, "PER_LINUX"),
    (8, "PER_LINUX32"),
    (0x20000, "UNAME26"),
    (0x40000, "ADDR_NO_RANDOMIZE"),
    (0x400000, "READ_IMPLIES_EXEC"),
];

pub const PRCTL_OPTIONS: &[(u64, &str)] = &[
    (1, "PR_SET_PDEATHSIG"),
    (2, "PR_GET_PDEATHSIG"),
    (3, "PR_GET_DUMPABLE"),
    (4, "PR_SET_DUMPABLE"),
    (8, "PR_SET_KEEPCAPS"),
    (15, "PR_SET_NAME"),
    (16, "PR_GET_NAME"),
    (21, "PR_GET_SECCOMP"),
    (22, "PR_SET_SECCOMP"),
    (23, "PR_CAPBSET_READ"),
    (24, "PR_CAPBSET_DROP"),
    (28, "PR_SET_SECUREBITS"),
    (29, "PR_SET_TIMERSLACK"),
    (35, "PR_SET_MM"),
    (36, "PR_SET_CHILD_SUBREAPER"),
    (38, "PR_SET_NO_NEW_PRIVS"),
    (39, "PR_GET_NO_NEW_PRIVS"),
    (47, "PR_CAP_AMBIENT"),
    (0x5356_4d41, "PR_SET_VMA"),
];

/// Every table, for looking a name up.
const ALL: [&[(u64, &str)]; 6] = [FAMILIES, CLONE_FLAGS, IOCTLS, PERSONALITY, PRCTL_OPTIONS, SOCKET_TYPES];

pub const SOCKET_TYPES: &[(u64, &str)] = &[
    (1, "SOCK_STREAM"),
    (2, "SOCK_DGRAM"),
    (3, "SOCK_RAW"),
    (5, "SOCK_SEQPACKET"),
    (0x80000, "SOCK_CLOEXEC"),
    (0x800, "SOCK_NONBLOCK"),
];

/// How an argument's values are named: one name for the whole value, a set of flag bits, or a
/// socket type (a type in the low 4 bits, flags above).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    One(&'static [(u64, &'static str)]),
    Flags(&'static [(u64, &'static str)]),
    SocketType,
}

/// How argument `index` of `syscall` is named, if its values have names in these tables.
pub fn naming(syscall: &str, index: usize) -> Option<Naming> {
    Some(match (syscall, index) {
        ("socket" | "socketpair", 0) => Naming::One(FAMILIES),
        ("socket" | "socketpair", 1) => Naming::SocketType,
        ("clone" | "unshare", 0) | ("setns", 1) => Naming::Flags(CLONE_FLAGS),
        ("ioctl", 1) => Naming::One(IOCTLS),
        ("personality", 0) => Naming::One(PERSONALITY),
        ("prctl", 0) => Naming::One(PRCTL_OPTIONS),
        _ => return None,
    })
}

/// The names in `value` (`AF_UNIX`, `CLONE_NEWUSER|CLONE_NEWNS`, `SOCK_STREAM|SOCK_CLOEXEC`),
/// or `None` when some part of it has no name.
pub fn names_of(naming: Naming, value: u64) -> Option<String> {
    let one = |table: &[(u64, &'static str)], v: u64| table.iter().find(|(n, _)| *n == v).map(|(_, name)| *name);
    let flags = |table: &[(u64, &'static str)], v: u64| -> Option<Vec<&'static str>> {
        let known = table.iter().fold(0, |all, (bit, _)| all | bit);
        (v != 0 && v & !known == 0).then(|| table.iter().filter(|(bit, _)| v & bit != 0).map(|(_, n)| *n).collect())
    };
    match naming {
        Naming::One(table) => one(table, value).map(str::to_string),
        Naming::Flags(table) => flags(table, value).map(|names| names.join("|")),
        Naming::SocketType => {
            let kind = one(&SOCKET_TYPES[..4], value & 0xf)?;
            let rest = value & !0xf;
            let extra = if rest == 0 { Vec::new() } else { flags(&SOCKET_TYPES[4..], rest)? };
            Some(std::iter::once(kind).chain(extra).collect::<Vec<_>>().join("|"))
        }
    }
}

/// A number as conditions write it: decimal up to 9, hex above.
pub fn number_text(value: u64) -> String {
    if value > 9 { format!("{value:#x}") } else { value.to_string() }
}

/// An argument value for people: `AF_UNIX (1)` where the catalog names it, else the number.
pub fn value_text(syscall: &str, index: usize, value: u64) -> String {
    match naming(syscall, index).and_then(|n| names_of(n, value)) {
        Some(names) => format!("{names} ({})", number_text(value)),
        None => number_text(value),
    }
}

/// The value of a constant's name (`CLONE_NEWUSER`, `af_inet`), if it is one we know.
pub fn value_of(name: &str) -> Option<u64> {
    let upper = name.trim().to_ascii_uppercase();
    ALL.iter().flat_map(|t| t.iter()).find(|(_, n)| *n == upper).map(|(v, _)| *v)
}

/// Parses a condition value: decimal, `0x` hex, a known name, or several joined by `|`
/// (`CLONE_NEWUSER|CLONE_NEWNS`).
pub fn parse_value(text: &str) -> Result<u64, String> {
    let mut total = 0u64;
    for part in text.split('|').map(str::trim) {
        let value = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            u64::from_str_radix(hex, 16).ok()
        } else if part.starts_with(|c: char| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            value_of(part)
        };
        total |= value.ok_or_else(|| {
            format!(
                "\"{part}\" is not a number (decimal or 0x hex) or a known name (CLONE_*, AF_*, SOCK_*, PER_*, PR_*)"
            )
        })?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_named_where_the_catalog_has_a_name() {
        assert_eq!(value_text("socket", 0, 1), "AF_UNIX (1)");
        assert_eq!(value_text("socket", 0, 2), "AF_INET (2)");
        assert_eq!(value_text("socket", 1, 0x80001), "SOCK_STREAM|SOCK_CLOEXEC (0x80001)");
        assert_eq!(value_text("socket", 1, 4), "4", "no name: the number alone");
        assert_eq!(value_text("clone", 0, 0x1002_0000), "CLONE_NEWNS|CLONE_NEWUSER (0x10020000)");
        assert_eq!(value_text("clone", 0, 0x11), "0x11", "the signal bits have no name");
        assert_eq!(value_text("ioctl", 1, 0x5413), "TIOCGWINSZ (0x5413)");
        assert_eq!(value_text("ioctl", 0, 1), "1", "an fd is a number");
        assert_eq!(value_text("read", 0, 1), "1");
    }

    #[test]
    fn values_by_number_or_name() {
        assert_eq!(parse_value("42"), Ok(42));
        assert_eq!(parse_value("0x7E020000"), Ok(0x7e02_0000));
        assert_eq!(parse_value("af_inet6"), Ok(10));
        assert_eq!(parse_value("CLONE_NEWUSER | CLONE_NEWNS"), Ok(0x1002_0000));
        assert_eq!(parse_value("PR_SET_NO_NEW_PRIVS"), Ok(38));
        let err = parse_value("CLONE_NEWFOO").unwrap_err();
        assert!(err.contains("CLONE_NEWFOO"), "{err}");
        assert!(parse_value("").is_err());
    }
}
