//! The bundled table against what each release's sources say, and against the kernel catalog.

use super::*;
use crate::catalog;

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

fn rel(text: &str) -> &'static Libseccomp {
    Libseccomp::release(v(text)).unwrap()
}

const X86_64: Arch = Arch::X86_64;

#[test]
fn arches_fit_the_answer_arrays() {
    assert_eq!(Arch::all().count(), ARCHES);
    assert!(Arch::all().enumerate().all(|(i, a)| a as usize == i));
}

#[test]
fn upstream_2_5_4_knows_set_mempolicy_home_node_but_no_linux_6_call() {
    let lib = rel("2.5.4");
    assert!(lib.knows(X86_64, "set_mempolicy_home_node"));
    assert_eq!(lib.number(X86_64, "set_mempolicy_home_node"), Some(450));
    for name in ["cachestat", "fchmodat2", "futex_wake", "mseal", "statmount", "listmount", "map_shadow_stack"] {
        assert!(!lib.knows(X86_64, name), "{name}");
        assert_eq!(lib.resolve(X86_64, name), Resolved::Unknown);
    }
    assert!(!rel("2.5.3").knows(X86_64, "set_mempolicy_home_node"), "added in 2.5.4 (Linux 5.17)");
}

#[test]
fn release_2_5_5_adds_the_linux_6_7_calls_and_2_5_6_the_6_10_ones() {
    // 2.5.5's syscalls.csv is from Linux 6.7-rc3, 2.5.6's from 6.13 (read at the tags).
    let linux_6_7 = ["cachestat", "fchmodat2", "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue"];
    let linux_6_8_on = ["statmount", "listmount", "mseal", "lsm_get_self_attr", "setxattrat", "uretprobe"];
    for name in linux_6_7 {
        assert!(rel("2.5.5").knows(X86_64, name), "2.5.5 {name}");
    }
    for name in linux_6_8_on {
        assert!(!rel("2.5.5").knows(X86_64, name), "2.5.5 {name}");
        assert!(rel("2.5.6").knows(X86_64, name), "2.5.6 {name}");
    }
    for name in linux_6_7.iter().chain(&linux_6_8_on) {
        assert!(rel("2.6.0").knows(X86_64, name), "2.6.0 {name}");
    }
    assert!(!rel("2.6.0").knows(X86_64, "open_tree_attr") && rel("2.6.1").knows(X86_64, "open_tree_attr"));
    assert_eq!(rel("2.5.5").number(X86_64, "fchmodat2"), Some(452));
}

#[test]
fn releases_2_4_0_to_2_4_4_differ() {
    for name in ["clone3", "openat2", "pidfd_getfd", "faccessat2"] {
        assert!(!rel("2.4.0").knows(X86_64, name), "2.4.0 {name}");
        assert!(rel("2.4.4").knows(X86_64, name), "2.4.4 {name}");
    }
    assert!(!rel("2.4.1").knows(X86_64, "clone3") && rel("2.4.2").knows(X86_64, "clone3"));
    assert!(!rel("2.4.3").knows(X86_64, "openat2"), "openat2 came with 2.4.4");
    assert!(!rel("2.4.4").knows(X86_64, "close_range"), "close_range came with 2.5.2");
    assert!(rel("2.4.0").knows(X86_64, "read") && rel("2.4.0").knows(Arch::Aarch64, "openat"));
}

#[test]
fn each_arch_resolves_as_libseccomp_does() {
    let lib = rel("2.5.4");
    // x32: the x32 resolver adds the x32 bit; its own calls (rt_sigaction = 512) keep theirs.
    assert_eq!(lib.number(Arch::X32, "read"), Some(0x4000_0000));
    assert_eq!(lib.number(Arch::X32, "rt_sigaction"), Some(0x4000_0200));
    // arm's private calls (__ARM_NR_BASE 0xf0000) are known by name on arm only.
    assert_eq!(lib.number(Arch::Arm, "breakpoint"), Some(0xf_0001));
    assert_eq!(lib.number(Arch::Arm, "set_tls"), Some(0xf_0005));
    assert_eq!(lib.resolve(X86_64, "set_tls"), Resolved::Pseudo);
    // MIPS numbers carry the ABI's base.
    assert_eq!(lib.number(Arch::Mips, "read"), Some(4003));
    assert_eq!(lib.number(Arch::Mipsel64, "read"), Some(5000));
    assert_eq!(lib.number(Arch::Mips64n32, "read"), Some(6000));
    // Multiplexed calls resolve to pseudo-numbers where socketcall/ipc exist (x86, ppc, s390,
    // mips o32): the rule is added, libseccomp writes it for both entry points itself.
    for arch in [Arch::X86, Arch::Ppc64le, Arch::S390x, Arch::Mips] {
        assert_eq!(lib.resolve(arch, "socket"), Resolved::Pseudo, "{arch}");
        assert!(lib.knows(arch, "socket") && lib.number(arch, "socket").is_none());
    }
    assert_eq!(lib.number(X86_64, "socket"), Some(41));
    // A name absent on an arch is a pseudo-number there, not unknown.
    assert_eq!(lib.resolve(Arch::Aarch64, "open"), Resolved::Pseudo);
    assert_eq!(lib.resolve(X86_64, "no_such_call"), Resolved::Unknown);
}

#[test]
fn upstream_bugs_are_kept() {
    // 2.5.2 forgot the o32 base (its raw resolver was the bare table); 2.5.3 fixed it.
    assert_eq!(rel("2.5.2").number(Arch::Mips, "_llseek"), Some(140));
    assert_eq!(rel("2.5.3").number(Arch::Mips, "_llseek"), Some(4140));
}

#[test]
fn an_arch_a_release_lacks_knows_nothing() {
    assert!(rel("2.4.4").names(Arch::Riscv64).is_empty(), "riscv64 came with 2.5.0");
    assert!(rel("2.5.0").knows(Arch::Riscv64, "read"));
    assert!(rel("2.5.6").names(Arch::Loongarch64).is_empty(), "loongarch64 came with 2.6.0");
    assert_eq!(rel("2.6.0").number(Arch::Loongarch64, "read"), Some(63));
}

#[test]
fn unknown_versions_answer_as_the_nearest_lower_release() {
    let lib = rel("2.5.7");
    assert_eq!(lib.to_string(), "2.5.7 (as 2.5.6)");
    assert_eq!((lib.origin(), lib.version(), lib.answered_as()), (Origin::Release, Some(v("2.5.7")), Some(v("2.5.6"))));
    assert!(lib.knows(X86_64, "mseal") && !lib.knows(X86_64, "open_tree_attr"));
    assert_eq!(rel("3.0").to_string(), "3.0.0 (as 2.6.1)");
    assert_eq!(rel("2.5.4").to_string(), "2.5.4");
    assert!(std::ptr::eq(rel("2.5.4"), rel("2.5.4")), "one table per version");
    let err = Libseccomp::release(v("2.3.3")).unwrap_err();
    assert!(err.contains("2.3.3") && err.contains("2.4.0"), "{err}");
}

#[test]
fn latest_is_the_newest_tagged_release() {
    let releases = Libseccomp::releases();
    assert_eq!(releases.first(), Some(&v("2.4.0")));
    assert_eq!(releases.len(), 14, "{releases:?}");
    let latest = Libseccomp::latest();
    assert_eq!(latest.version(), releases.last().copied());
    assert_eq!(latest.to_string(), format!("latest ({})", releases.last().unwrap()));
    assert_eq!(latest.origin(), Origin::Latest);
    assert!(latest.differences(Libseccomp::release(latest.version().unwrap()).unwrap(), X86_64).is_empty());
}

#[test]
fn parses_the_flag_values() {
    assert_eq!(Libseccomp::parse("latest").unwrap(), Libseccomp::latest());
    assert_eq!(Libseccomp::parse(" 2.5.4 ").unwrap().to_string(), "2.5.4");
    let err = Libseccomp::parse("two").unwrap_err();
    assert!(err.contains("\"two\"") && err.contains("host"), "{err}");
    assert!(Libseccomp::parse("2.2.0").is_err());
}

/// The kernel catalog's numbers and libseccomp's agree, but where libseccomp deliberately has
/// no number (multiplexed calls), the crate's table lists placeholders, or the two sources
/// disagree on loongarch64.
#[test]
fn numbers_agree_with_the_kernel_catalog_but_for_explained_exceptions() {
    const MULTIPLEXED: &[&str] = &[
        "socket",
        "bind",
        "connect",
        "listen",
        "accept",
        "accept4",
        "getsockname",
        "getpeername",
        "socketpair",
        "send",
        "recv",
        "sendto",
        "recvfrom",
        "shutdown",
        "setsockopt",
        "getsockopt",
        "sendmsg",
        "recvmsg",
        "recvmmsg",
        "sendmmsg",
        "semop",
        "semget",
        "semctl",
        "semtimedop",
        "msgsnd",
        "msgrcv",
        "msgget",
        "msgctl",
        "shmat",
        "shmdt",
        "shmget",
        "shmctl",
    ];
    let socketcall_arches = [Arch::X86, Arch::Ppc, Arch::Ppc64, Arch::Ppc64le, Arch::S390x, Arch::Mips, Arch::Mipsel];
    // Linux's loongarch64 table and the `syscalls` crate's differ from libseccomp 2.6's here.
    const LOONGARCH: &[&str] = &["renameat", "getrlimit", "setrlimit", "memfd_secret"];
    for text in ["2.5.4", "2.6.1"] {
        let lib = rel(text);
        let mut unexplained = Vec::new();
        for arch in Arch::all() {
            let Some(table) = catalog::table(arch) else { continue };
            for (nr, name) in table.iter() {
                let answer = lib.resolve(arch, name);
                let explained = match answer {
                    Resolved::Number(n) => n == nr,
                    // The crate's placeholders for unused slots are no syscalls.
                    Resolved::Unknown if name.starts_with("unused") || name.starts_with("reserved") => true,
                    // A call or an arch newer than the release.
                    Resolved::Unknown => lib.names(arch).is_empty() || !Arch::all().any(|a| lib.knows(a, name)),
                    // The release's kernel table predates the call on this arch (2.5.4: memfd_secret
                    // on riscv64 and s390x); a later release has the number.
                    Resolved::Pseudo if Libseccomp::latest().number(arch, name) == Some(nr) => true,
                    Resolved::Pseudo => {
                        (socketcall_arches.contains(&arch) && MULTIPLEXED.contains(&name))
                            || (arch == Arch::Loongarch64 && LOONGARCH.contains(&name))
                    }
                };
                if !explained {
                    unexplained.push(format!("{arch} {name}: kernel {nr}, libseccomp {answer:?}"));
                }
            }
        }
        assert!(unexplained.is_empty(), "libseccomp {text}:\n{}", unexplained.join("\n"));
    }
}
