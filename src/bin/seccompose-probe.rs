//! `seccompose-probe`: a tiny program that makes raw syscalls and prints what the kernel did,
//! for checking that `seccompose run` decides exactly as the profile installed as is (`--exact`).
//!
//! Why a binary of its own: the adversarial tests need programs that make calls no shell command
//! makes (a magic argument, a denied call in a worker thread, a SIGSYS handler reading
//! `si_syscall`, an inner filter of the program's own). A C helper would need gcc, which
//! `cargo test` must not (issue 12); re-executing the libtest binary would run the harness's own
//! threads and calls under the profile. A `[[bin]]` is built with the tests and found through
//! `CARGO_BIN_EXE_seccompose-probe`. It uses only libc, so it builds in a second.
//!
//! Usage (one line of output per step, `key=value` pairs):
//!   seccompose-probe call NR [ARG0]          the call on the main thread
//!   seccompose-probe thread NR               the call on a worker thread; the main thread goes on
//!   seccompose-probe trap NR                 the call with a SIGSYS handler installed
//!   seccompose-probe inner ACTION NR         installs its own filter (NR -> ACTION, else ALLOW),
//!                                            then makes the call; ACTION: errno:N, allow, log,
//!                                            notify, trace, trap, kill-thread, kill-process

use seccompose::sandbox::trace::SigsysInfo;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_else(|| usage());
    let number = |i: usize| parse(arg(i));
    match arg(0) {
        "call" => call("main", number(1), args.get(2).map_or(0, |a| parse(a))),
        "thread" => thread(number(1)),
        "trap" => trap(number(1)),
        "inner" => {
            inner(arg(1), number(2) as u32);
            call("main", number(2), 0);
        }
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: seccompose-probe call NR [ARG0] | thread NR | trap NR | inner ACTION NR");
    std::process::exit(2)
}

/// Decimal or 0x-hex.
fn parse(text: &str) -> u64 {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|_| usage())
}

/// Makes the call and prints `WHO: ret=R errno=E`.
fn call(who: &str, nr: u64, arg0: u64) {
    // SAFETY: a raw syscall with integer arguments; the tests pick calls that touch no memory.
    let ret = unsafe { libc::syscall(nr as libc::c_long, arg0, 0u64, 0u64, 0u64, 0u64, 0u64) };
    let errno = if ret < 0 { std::io::Error::last_os_error().raw_os_error().unwrap_or(0) } else { 0 };
    println!("{who}: ret={ret} errno={errno}");
}

/// The call on a worker thread. The main thread waits until the worker is done or gone (a
/// thread killed by KILL_THREAD never returns, and joining it would wait on a result that never
/// comes), then says it is still alive and exits 0.
fn thread(nr: u64) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        call("worker", nr, 0);
        let _ = tx.send(());
    });
    let start = Instant::now();
    let outcome = loop {
        if rx.recv_timeout(Duration::from_millis(20)).is_ok() {
            break "returned";
        }
        if tasks() == 1 {
            break "gone";
        }
        if start.elapsed() > Duration::from_secs(10) {
            break "stuck";
        }
    };
    println!("main: worker {outcome}, main alive");
}

fn tasks() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

static SIG_CODE: AtomicI32 = AtomicI32::new(-1);
static SIG_SYSCALL: AtomicI32 = AtomicI32::new(-1);
static SIG_ARCH: AtomicU32 = AtomicU32::new(0);
static SIG_ERRNO: AtomicI32 = AtomicI32::new(-1);
static SIG_ADDR: AtomicU64 = AtomicU64::new(0);

extern "C" fn on_sigsys(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo; for SIGSYS its union holds `_sigsys`.
    let info = unsafe { &*(info as *const SigsysInfo) };
    SIG_CODE.store(info.code, Ordering::SeqCst);
    SIG_SYSCALL.store(info.syscall, Ordering::SeqCst);
    SIG_ARCH.store(info.arch, Ordering::SeqCst);
    SIG_ERRNO.store(info.errno, Ordering::SeqCst);
    SIG_ADDR.store(info.call_addr, Ordering::SeqCst);
}

/// The call with a SIGSYS handler: prints what the handler saw (`si_code` 1 is SYS_SECCOMP,
/// `si_errno` the filter's data; `addr_ok`: `si_call_addr` is the call's own instruction).
fn trap(nr: u64) {
    // SAFETY: installing a handler that only stores into atomics.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigsys as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGSYS, &sa, std::ptr::null_mut());
    }
    call("main", nr, 0);
    // si_call_addr: just after the syscall instruction, inside libc's syscall().
    let addr = SIG_ADDR.load(Ordering::SeqCst);
    let code_start = libc::syscall as *const () as u64;
    println!(
        "sigsys: code={} syscall={} arch={:#x} errno={} addr_ok={}",
        SIG_CODE.load(Ordering::SeqCst),
        SIG_SYSCALL.load(Ordering::SeqCst),
        SIG_ARCH.load(Ordering::SeqCst),
        SIG_ERRNO.load(Ordering::SeqCst),
        addr > code_start && addr - code_start < 256,
    );
}

/// Installs a filter of our own: `nr` (any arch) gets `action`, everything else is allowed.
fn inner(action: &str, nr: u32) {
    let ret: u32 = match action {
        "allow" => 0x7fff_0000,
        "log" => 0x7ffc_0000,
        "trace" => 0x7ff0_0000,
        "notify" => 0x7fc0_0000,
        "trap" => 0x0003_0000,
        "kill-thread" => 0,
        "kill-process" => 0x8000_0000,
        other => match other.strip_prefix("errno:") {
            Some(e) => 0x0005_0000 | (parse(e) as u32 & 0xffff),
            None => usage(),
        },
    };
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    let program = [
        libc::sock_filter { code: LD_W_ABS, jt: 0, jf: 0, k: 0 }, // seccomp_data.nr
        libc::sock_filter { code: JEQ_K, jt: 0, jf: 1, k: nr },
        libc::sock_filter { code: RET_K, jt: 0, jf: 0, k: ret },
        libc::sock_filter { code: RET_K, jt: 0, jf: 0, k: 0x7fff_0000 },
    ];
    let prog = libc::sock_fprog { len: program.len() as u16, filter: program.as_ptr() as *mut libc::sock_filter };
    // SAFETY: prctl with integers; seccomp reads `prog`, alive for the call.
    let rc = unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, 0, &prog as *const libc::sock_fprog)
    };
    if rc != 0 {
        eprintln!("seccompose-probe: installing the inner filter: {}", std::io::Error::last_os_error());
        std::process::exit(3);
    }
}
