//! Installing a BPF program as the calling thread's seccomp filter.

use crate::bpf::Insn;
use std::io;

/// A program ready to install: the kernel's `struct sock_filter` array, built before any
/// `fork`, so that a child can install it without allocating.
pub struct PreparedFilter {
    filters: Vec<libc::sock_filter>,
}

/// The argument that marks our own rendezvous call (see [`PreparedFilter::with_rendezvous`]).
pub const RENDEZVOUS_COOKIE: u64 = 0x5ecc_0b05_e5ad_0001;

impl PreparedFilter {
    pub fn new(program: &[Insn]) -> PreparedFilter {
        let filters = program.iter().map(|i| libc::sock_filter { code: i.code, jt: i.jt, jf: i.jf, k: i.k }).collect();
        PreparedFilter { filters }
    }

    /// `program` behind a check that notifies `getppid(RENDEZVOUS_COOKIE)` on the host's arch.
    /// The child makes that call right after installing the filter and before exec: it waits
    /// there until the supervisor, which by then holds the listener, answers. (The listener
    /// fd is close-on-exec, so it must be taken before the exec.)
    pub fn with_rendezvous(program: &[Insn]) -> PreparedFilter {
        use crate::bpf::insn::*;
        use crate::catalog::{Arch, number};
        let host = Arch::host();
        let getppid = number(host, "getppid").unwrap_or(u32::MAX);
        let le = cfg!(target_endian = "little");
        let notify = crate::profile::Action::Notify.ret_value();
        let mut prefix = vec![
            Insn::stmt(LD | W | ABS, OFF_ARCH),
            Insn::jump(JMP | JEQ | K, host.audit_value(), 0, 7),
            Insn::stmt(LD | W | ABS, OFF_NR),
            Insn::jump(JMP | JEQ | K, getppid, 0, 5),
            Insn::stmt(LD | W | ABS, arg_offset(0, false, le)),
            Insn::jump(JMP | JEQ | K, RENDEZVOUS_COOKIE as u32, 0, 3),
            Insn::stmt(LD | W | ABS, arg_offset(0, true, le)),
            Insn::jump(JMP | JEQ | K, (RENDEZVOUS_COOKIE >> 32) as u32, 0, 1),
            Insn::stmt(RET | K, notify),
        ];
        prefix.extend_from_slice(program);
        PreparedFilter::new(&prefix)
    }

    /// The rendezvous call (async-signal-safe).
    pub fn rendezvous() {
        // SAFETY: getppid ignores its arguments.
        unsafe { libc::syscall(libc::SYS_getppid, RENDEZVOUS_COOKIE) };
    }

    /// Whether a notification is the rendezvous call (checked on every notification: cheap).
    pub fn is_rendezvous(nr: u32, arg0: u64) -> bool {
        arg0 == RENDEZVOUS_COOKIE && crate::catalog::number(crate::catalog::Arch::host(), "getppid") == Some(nr)
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
