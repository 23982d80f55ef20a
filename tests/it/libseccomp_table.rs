//! The bundled libseccomp table against the host's `libseccomp.so.2` (feature `oracle`, which
//! installs libseccomp): the host answers as upstream `<host version>` does on every arch, but
//! where the distribution patched it, and `host()` reports those names.

use seccompose::catalog::libseccomp::{Libseccomp, Resolved};
use seccompose::catalog::{Arch, Version};

fn host() -> &'static Libseccomp {
    Libseccomp::host().expect(
        "the host's libseccomp.so.2 cannot be loaded: run `apt-get install -y libseccomp-dev` (the oracle \
         feature's package; .ci/run installs it)",
    )
}

/// Debian 12's libseccomp2 2.5.4-1+deb12u1 carries a patch updating the syscall table to
/// Linux 6.7 (upstream did the same in 2.5.5): these are its names beyond upstream 2.5.4.
const DEBIAN_12_EXTRAS: &[&str] =
    &["cachestat", "fchmodat2", "futex_requeue", "futex_wait", "futex_wake", "map_shadow_stack"];

#[test]
fn the_host_answers_as_its_upstream_release_but_for_debians_patch() {
    let host = host();
    let upstream = host.upstream().expect("the bundled table has the host's release");
    assert_eq!(upstream.answered_as(), None, "the table lacks the host's release {upstream}");
    // Debian's patch is upstream 2.5.5's table update (Linux 6.7): where the host differs from
    // upstream 2.5.4, it must answer as 2.5.5 does.
    let patched = Libseccomp::release(Version::new(2, 5, 5)).unwrap();
    let (mut unexplained, mut renumbered, mut arches) = (Vec::new(), Vec::new(), 0);
    for arch in Arch::all() {
        arches += usize::from(!upstream.names(arch).is_empty());
        for (name, theirs, ours) in host.differences(upstream, arch) {
            if theirs != patched.resolve(arch, name) {
                unexplained.push(format!("{arch} {name}: host {theirs:?}, table {ours:?}"));
            } else if ours != Resolved::Unknown {
                renumbered.push(format!("{arch} {name}: {ours:?} -> {theirs:?}"));
            }
        }
    }
    assert!(unexplained.is_empty(), "the table disagrees with the host's {host}:\n{}", unexplained.join("\n"));
    assert!(arches >= 18, "only {arches} arches compared");
    // Names upstream 2.5.4 knows with a pseudo-number that the patch numbers (known either way,
    // so no rule is skipped differently; only the number changes).
    assert_eq!(
        renumbered,
        [
            "riscv64 memfd_secret: Pseudo -> Number(447)",
            "s390x memfd_secret: Pseudo -> Number(447)",
            "s390 memfd_secret: Pseudo -> Number(447)",
            "parisc cacheflush: Pseudo -> Number(356)",
            "parisc64 cacheflush: Pseudo -> Number(356)",
        ]
    );
}

#[test]
fn the_host_knows_debians_extras_beyond_upstream() {
    let host = host();
    assert_eq!(host.version(), Some(Version::new(2, 5, 4)), "not Debian 12's libseccomp: update this test");
    let upstream = host.upstream().unwrap();
    for arch in Arch::all() {
        let extras = host.beyond_upstream(arch);
        println!("{arch}: {}", extras.join(" "));
        // Where upstream has the arch, the extras are the patch's six names.
        if !upstream.names(arch).is_empty() {
            assert_eq!(extras, DEBIAN_12_EXTRAS, "{arch}");
        }
        // Nothing upstream knows is lost, and the extras answer as upstream 2.5.5 does.
        let later = Libseccomp::release(Version::new(2, 5, 5)).unwrap();
        for name in &extras {
            assert_eq!(host.resolve(arch, name), later.resolve(arch, name), "{arch} {name}");
        }
    }
    assert!(host.beyond_upstream(Arch::Loongarch64).is_empty(), "2.5.4 has no loongarch64");
}

#[test]
fn host_reports_2_5_4_knowing_fchmodat2_but_not_mseal() {
    let host = host();
    assert_eq!(host.to_string(), "2.5.4 (host)");
    assert_eq!(format!("{host:#}"), "2.5.4 (host, patched: knows cachestat, fchmodat2, futex_requeue, …)");
    assert!(host.knows(Arch::X86_64, "fchmodat2"));
    assert_eq!(host.number(Arch::X86_64, "fchmodat2"), Some(452));
    assert!(!host.knows(Arch::X86_64, "mseal"));
    assert_eq!(host.resolve(Arch::X86, "socket"), Resolved::Pseudo);
    assert_eq!(host.number(Arch::X32, "rt_sigaction"), Some(0x4000_0200));
    assert!(std::ptr::eq(host, Libseccomp::host().unwrap()), "asked once per process");
}
