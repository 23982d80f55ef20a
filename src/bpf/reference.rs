//! The same filter built by the system's libseccomp, the way runc builds it: the reference the
//! oracle test and the benchmark compare against (only with the `oracle` feature).

use super::insn::{Insn, decode_program};
use crate::catalog::Arch;
use crate::policy::evaluator::Evaluator;
use crate::profile::Action;
use libseccomp::{ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall};
use std::io::{Read, Seek};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};

fn scmp_action(a: Action) -> ScmpAction {
    match a {
        Action::KillProcess => ScmpAction::KillProcess,
        Action::KillThread => ScmpAction::KillThread,
        Action::Trap => ScmpAction::Trap,
        Action::Errno(e) => ScmpAction::Errno(e as i32),
        Action::Trace(e) => ScmpAction::Trace(e as u16),
        Action::Allow => ScmpAction::Allow,
        Action::Log => ScmpAction::Log,
        Action::Notify => ScmpAction::Notify,
    }
}

fn scmp_arch(a: Arch) -> Result<ScmpArch, String> {
    a.scmp_name().parse::<ScmpArch>().map_err(|e| format!("{a}: {e}"))
}

/// Whether libseccomp knows `name` at all (runc skips names it does not).
pub fn knows(name: &str) -> bool {
    ScmpSyscall::from_name(name).is_ok()
}

/// Builds `ev`'s profile with libseccomp, following runc's `InitSeccomp`/`matchCall`, at the
/// given optimisation level (1: syscalls in a list, 2: a binary tree; runc uses 2 for more
/// than 32 rules). runc's ENOSYS stub is not part of it. Returns the exported program.
pub fn build(ev: &Evaluator, optimize: u32) -> Result<Vec<Insn>, String> {
    let err = |e: libseccomp::error::SeccompError| e.to_string();
    let default = ev.default_action;
    let mut ctx = ScmpFilterContext::new(scmp_action(default)).map_err(err)?;
    let arches = ev.arches();
    for &arch in &arches {
        let token = scmp_arch(arch)?;
        if !ctx.is_arch_present(token).map_err(err)? {
            ctx.add_arch(token).map_err(err)?;
        }
    }
    if !arches.contains(&Arch::host()) {
        ctx.remove_arch(ScmpArch::Native).map_err(err)?;
    }
    ctx.set_ctl_optimize(optimize).map_err(err)?;
    for rule in &ev.prepared.spec.rules {
        let action = Action::from_name(rule.action, rule.errno_ret);
        if action == default {
            continue;
        }
        let conds: Vec<ScmpArgCompare> = rule
            .args
            .iter()
            .map(|c| match c.op {
                crate::profile::Op::MaskedEq => ScmpArgCompare::new(c.index, compare_op(c.op, c.value), c.value_two),
                op => ScmpArgCompare::new(c.index, compare_op(op, 0), c.value),
            })
            .collect();
        let repeated = (0..6).any(|i| rule.args.iter().filter(|c| c.index == i).count() > 1);
        for name in &rule.names {
            let Ok(syscall) = ScmpSyscall::from_name(name) else { continue };
            if repeated {
                for c in &conds {
                    ctx.add_rule_conditional(scmp_action(action), syscall, std::slice::from_ref(c)).map_err(err)?;
                }
            } else {
                ctx.add_rule_conditional(scmp_action(action), syscall, &conds).map_err(err)?;
            }
        }
    }
    export(&ctx)
}

/// libseccomp's comparison for `op` (`mask` is MASKED_EQ's mask; the others ignore it).
pub fn compare_op(op: crate::profile::Op, mask: u64) -> ScmpCompareOp {
    use crate::profile::Op;
    match op {
        Op::Ne => ScmpCompareOp::NotEqual,
        Op::Lt => ScmpCompareOp::Less,
        Op::Le => ScmpCompareOp::LessOrEqual,
        Op::Eq => ScmpCompareOp::Equal,
        Op::Ge => ScmpCompareOp::GreaterEqual,
        Op::Gt => ScmpCompareOp::Greater,
        Op::MaskedEq => ScmpCompareOp::MaskedEqual(mask),
    }
}

/// libseccomp 2.5 can only export to a file descriptor: use an anonymous memory file.
fn export(ctx: &ScmpFilterContext) -> Result<Vec<Insn>, String> {
    // SAFETY: memfd_create with a static name; the fd is owned below.
    let fd = unsafe { libc::memfd_create(c"seccompose-reference".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    // SAFETY: a fresh fd that nothing else owns.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    ctx.export_bpf(owned.as_fd()).map_err(|e| e.to_string())?;
    let mut file = std::fs::File::from(owned);
    file.rewind().map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    decode_program(&bytes, cfg!(target_endian = "little"))
        .ok_or_else(|| "libseccomp exported a partial program".to_string())
}
