//! Installing a BPF program as the calling thread's seccomp filter.

use crate::bpf::Insn;
use std::io;

/// A program ready to install: the kernel's `struct sock_filter` array, built before any
/// `fork`, so that a child can install it without allocating.
pub struct PreparedFilter {
    filters: Vec<libc::sock_filter>,
}

impl PreparedFilter {
    pub fn new(program: &[Insn]) -> PreparedFilter {
        let filters = program.iter().map(|i| libc::sock_filter { code: i.code, jt: i.jt, jf: i.jf, k: i.k }).collect();
        PreparedFilter { filters }
    }

    /// Sets `PR_SET_NO_NEW_PRIVS` and installs the filter with `flags`; returns what
    /// seccomp(2) returns (a listener fd with `SECCOMP_FILTER_FLAG_NEW_LISTENER`, else 0).
    /// Async-signal-safe: only two syscalls, no allocation, so it may run in a forked child.
    pub fn install(&self, flags: libc::c_ulong) -> io::Result<i32> {
        let prog = libc::sock_fprog {
            len: self.filters.len() as u16,
            filter: self.filters.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: prctl with integer arguments.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `prog` points at `self.filters`, alive for the call; the kernel copies it.
        let rc = unsafe {
            libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, flags, &prog as *const libc::sock_fprog)
        };
        if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(rc as i32) }
    }
}
