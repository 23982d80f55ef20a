//! The host's `libseccomp.so.2`, opened at run time (no build-time link) and asked what it
//! resolves every syscall name to on every architecture it supports.

use super::{Knowledge, Resolved};
use crate::catalog::{self, Arch, Version};
use libloading::{Library, Symbol};
use std::collections::BTreeSet;
use std::ffi::{CString, c_char, c_int, c_uint};

/// `struct scmp_version` of `<seccomp.h>`.
#[repr(C)]
struct ScmpVersion {
    major: c_uint,
    minor: c_uint,
    micro: c_uint,
}

type VersionFn = unsafe extern "C" fn() -> *const ScmpVersion;
type ArchResolveFn = unsafe extern "C" fn(*const c_char) -> u32;
type ResolveFn = unsafe extern "C" fn(u32, *const c_char) -> c_int;

/// `__NR_SCMP_ERROR`: the name is unknown. Other negative values are pseudo-numbers.
const NR_SCMP_ERROR: c_int = -1;

/// The version the host library reports and its answers; `None` when there is no
/// `libseccomp.so.2`, a function is missing or the library does not look like libseccomp 2.
pub(super) fn load() -> Option<(Version, Knowledge)> {
    // SAFETY: loading runs the library's initialisers; libseccomp's only set up static tables.
    let lib = unsafe { Library::new("libseccomp.so.2") }.ok()?;
    // SAFETY: the types are those of <seccomp.h> (libseccomp 2.3 and later).
    let (version_fn, arch_fn, resolve_fn): (Symbol<VersionFn>, Symbol<ArchResolveFn>, Symbol<ResolveFn>) = unsafe {
        (
            lib.get(b"seccomp_version\0").ok()?,
            lib.get(b"seccomp_arch_resolve_name\0").ok()?,
            lib.get(b"seccomp_syscall_resolve_name_arch\0").ok()?,
        )
    };
    // SAFETY: seccomp_version takes nothing and returns a pointer to a static struct (or NULL
    // from an odd library, checked before reading).
    let reported = unsafe { version_fn() };
    if reported.is_null() || !reported.is_aligned() {
        return None;
    }
    // SAFETY: non-null and aligned; libseccomp's struct lives as long as the library.
    let (major, minor, micro) = unsafe { ((*reported).major, (*reported).minor, (*reported).micro) };
    if major != 2 || minor > 999 || micro > 999 {
        return None;
    }
    let version = Version::new(major, minor, micro);
    let tokens: Vec<(Arch, u32)> = Arch::all()
        .filter_map(|arch| {
            let name = CString::new(arch.short_name()).ok()?;
            // SAFETY: a NUL-terminated string that outlives the call; returns 0 when unknown.
            let token = unsafe { arch_fn(name.as_ptr()) };
            (token != 0).then_some((arch, token))
        })
        .collect();
    let mut knowledge = Knowledge::default();
    for name in names_to_ask() {
        let Ok(c_name) = CString::new(name) else { continue };
        let entry = knowledge.entry(name);
        for &(arch, token) in &tokens {
            // SAFETY: an arch token the library itself returned and a NUL-terminated name that
            // outlives the call; the function only reads the string.
            let rc = unsafe { resolve_fn(token, c_name.as_ptr()) };
            entry[arch as usize] = answer(rc);
        }
    }
    knowledge.retain_known();
    Some((version, knowledge))
}

fn answer(rc: c_int) -> Resolved {
    match rc {
        NR_SCMP_ERROR => Resolved::Unknown,
        rc if rc < 0 => Resolved::Pseudo,
        rc => Resolved::Number(rc.unsigned_abs()),
    }
}

/// Every name a release in the bundled table or the kernel catalog knows.
fn names_to_ask() -> BTreeSet<&'static str> {
    let mut names: BTreeSet<&'static str> = super::table::bundled().names().collect();
    names.extend(catalog::all().iter().map(|e| e.name));
    for arch in Arch::all() {
        if let Some(table) = catalog::table(arch) {
            names.extend(table.iter().map(|(_, n)| n));
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_codes_map_to_answers() {
        assert_eq!(answer(-1), Resolved::Unknown);
        assert_eq!(answer(-10101), Resolved::Pseudo);
        assert_eq!(answer(0), Resolved::Number(0));
        assert_eq!(answer(0x4000_0200), Resolved::Number(0x4000_0200));
    }

    #[test]
    fn names_include_the_table_and_the_catalog() {
        let names = names_to_ask();
        assert!(names.contains("read") && names.contains("mseal") && names.contains("socketcall"));
        assert!(names.contains("breakpoint"), "arm's private calls come from the bundled table");
    }
}
