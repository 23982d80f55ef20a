//! Compiled filters installed in the real kernel (in forked children) do what the evaluator
//! says: errno values, kills, traps, logging, and the architecture checks.

use seccompose::bpf;
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::Document;
use seccompose::sandbox::filter::PreparedFilter;

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Exited(i32),
    Signaled(i32),
}

/// Compiles `profile` for exactly `arches`, installs it in a forked child, runs `body` there
/// and reports how the child ended (`body`'s value is the exit code).
fn run_under(profile: &str, arches: &[Arch], body: fn() -> i32) -> Outcome {
    let doc = Document::parse(profile, "test").unwrap();
    assert!(!doc.has_errors(), "{:?}", doc.findings);
    let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Oci) };
    let ev = Evaluator::with_arches(&doc.profile, &ctx, Some(arches)).unwrap();
    let filter = PreparedFilter::new(&bpf::compile(&ev).unwrap().program);
    // SAFETY: the child only makes raw syscalls and exits (async-signal-safe).
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = match filter.install(0) {
            Ok(_) => body(),
            Err(_) => 250,
        };
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    if libc::WIFSIGNALED(status) {
        Outcome::Signaled(libc::WTERMSIG(status))
    } else {
        Outcome::Exited(libc::WEXITSTATUS(status))
    }
}

const PROFILE: &str = r#"{
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
        {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        {"names": ["getpgrp"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["getuid"], "action": "SCMP_ACT_LOG"},
        {"names": ["uname"], "action": "SCMP_ACT_KILL_PROCESS"},
        {"names": ["gettid"], "action": "SCMP_ACT_KILL_THREAD"},
        {"names": ["getsid"], "action": "SCMP_ACT_TRAP"},
        {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95,
         "args": [{"index": 1, "value": 4294967296, "op": "SCMP_CMP_GE"}]}
    ]
}"#;

/// The errno of a raw syscall, or 0 when it succeeded.
fn errno_of(ret: libc::c_long) -> i32 {
    if ret < 0 { std::io::Error::last_os_error().raw_os_error().unwrap_or(255) } else { 0 }
}

#[test]
fn errno_values_reach_the_program() {
    assert_eq!(
        run_under(PROFILE, &[Arch::X86_64], || errno_of(unsafe { libc::syscall(libc::SYS_getppid) })),
        Outcome::Exited(13)
    );
    assert_eq!(
        run_under(PROFILE, &[Arch::X86_64], || errno_of(unsafe { libc::syscall(libc::SYS_getpgrp) })),
        Outcome::Exited(1)
    );
}

#[test]
fn allow_and_log_let_the_call_run() {
    assert_eq!(
        run_under(PROFILE, &[Arch::X86_64], || errno_of(unsafe { libc::syscall(libc::SYS_getpid) })),
        Outcome::Exited(0)
    );
    assert_eq!(
        run_under(PROFILE, &[Arch::X86_64], || errno_of(unsafe { libc::syscall(libc::SYS_getuid) })),
        Outcome::Exited(0)
    );
}

#[test]
fn kills_end_the_process_with_sigsys() {
    let uname = || {
        let mut buf: libc::utsname = unsafe { std::mem::zeroed() };
        errno_of(unsafe { libc::syscall(libc::SYS_uname, &mut buf) })
    };
    assert_eq!(run_under(PROFILE, &[Arch::X86_64], uname), Outcome::Signaled(libc::SIGSYS));
    assert_eq!(
        run_under(PROFILE, &[Arch::X86_64], || errno_of(unsafe { libc::syscall(libc::SYS_gettid) })),
        Outcome::Signaled(libc::SIGSYS)
    );
}

extern "C" fn on_sigsys(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SIGSYS siginfo (x86_64): si_code at 8, then the union at 16: _call_addr, _syscall, _arch.
    let base = info as *const u8;
    // SAFETY: the kernel passes a valid siginfo_t; offsets per the x86_64 layout above.
    let (code, syscall) = unsafe { (*(base.add(8) as *const i32), *(base.add(24) as *const i32)) };
    let result = if code == 1 { syscall } else { 255 };
    unsafe { libc::_exit(result) };
}

#[test]
fn trap_delivers_sigsys_with_the_syscall_number() {
    let body = || {
        // SAFETY: installing a handler in the single-threaded child.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigsys as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigaction(libc::SIGSYS, &sa, std::ptr::null_mut());
            libc::syscall(libc::SYS_getsid, 0);
        }
        254
    };
    assert_eq!(run_under(PROFILE, &[Arch::X86_64], body), Outcome::Exited(libc::SYS_getsid as i32));
}

#[test]
fn argument_checks_use_all_64_bits() {
    let high = || errno_of(unsafe { libc::syscall(libc::SYS_getpriority, 0, 1u64 << 32) });
    let low = || errno_of(unsafe { libc::syscall(libc::SYS_getpriority, 0, 0xffff_ffffu64) });
    assert_eq!(run_under(PROFILE, &[Arch::X86_64], high), Outcome::Exited(95));
    // `who` = 0xffffffff is no process: the call ran and failed on its own (ESRCH), not EOPNOTSUPP.
    assert_ne!(run_under(PROFILE, &[Arch::X86_64], low), Outcome::Exited(95));
}

/// getpid through the i386 `int 0x80` entry (i386 number 20).
fn int80_getpid() -> i32 {
    let ret: i64;
    // SAFETY: int 0x80 with eax = 20 (getpid) touches no memory.
    unsafe { std::arch::asm!("int 0x80", inlateout("rax") 20i64 => ret, options(nostack)) };
    if ret > 0 { 0 } else { 1 }
}

#[test]
fn int80_calls_are_killed_unless_x86_is_in_the_filter() {
    assert_eq!(run_under(PROFILE, &[Arch::X86_64], int80_getpid), Outcome::Signaled(libc::SIGSYS));
    assert_eq!(run_under(PROFILE, &[Arch::X86_64, Arch::X86], int80_getpid), Outcome::Exited(0));
}

/// getpid with the x32 bit: the kernel here has no x32 ABI, so it fails with ENOSYS once the
/// filter lets it through.
fn x32_getpid() -> i32 {
    errno_of(unsafe { libc::syscall(0x4000_0000 | libc::SYS_getpid) })
}

#[test]
fn x32_calls_are_killed_unless_x32_is_in_the_filter() {
    assert_eq!(run_under(PROFILE, &[Arch::X86_64], x32_getpid), Outcome::Signaled(libc::SIGSYS));
    assert_eq!(run_under(PROFILE, &[Arch::X86_64, Arch::X32], x32_getpid), Outcome::Exited(libc::ENOSYS));
}
