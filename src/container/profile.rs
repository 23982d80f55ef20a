//! The `linux.seccomp` seccompose hands runc: the edited profile with every call it must
//! observe turned into `SCMP_ACT_NOTIFY`, within what runc accepts.
//!
//! runc refuses NOTIFY as the default action and on `write` (runc init writes the notify fd's
//! number to its parent after installing the filter: a notified `write` would wait for an
//! agent that has no fd yet). So the syscalls are named one by one, for every architecture of
//! the filter, the default action stays the profile's own (it then only meets numbers this
//! libseccomp does not know), and `write` keeps its real rules: enforced, never observed.

use crate::catalog::Arch;
use crate::policy::evaluator::Evaluator;
use crate::policy::seccomp_db::Lookup;
use crate::profile::{Action, ArgCondition, Op};
use oci_spec::runtime::{
    LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompArgBuilder, LinuxSeccompOperator, LinuxSyscall,
};
use std::collections::BTreeMap;
use std::path::Path;

/// The one syscall runc will not let an agent see.
pub const UNOBSERVABLE: &str = "write";

/// What the kernel is told to do with one syscall in the observing filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Treatment {
    /// Runs at full speed (and is cached by the kernel).
    Allow,
    /// Done by the kernel exactly, not observed: TRAP needs the signal's siginfo from the
    /// kernel, TRACE a tracer; neither can be answered through a notification.
    Keep(Action),
    /// Sent to the agent, which answers as the profile says (with the arguments).
    Notify,
}

/// How the observing filter treats a call the profile decides with `action`.
fn treatment(action: Action) -> Treatment {
    match action {
        Action::Allow => Treatment::Allow,
        Action::Trap | Action::Trace(_) => Treatment::Keep(action),
        Action::Errno(_) | Action::Log | Action::Notify | Action::KillProcess | Action::KillThread => Treatment::Notify,
    }
}

/// The treatment of each syscall name this libseccomp knows on the filter's arches. A name
/// whose decision depends on its arguments is notified (the agent reads them); a name treated
/// differently on two arches takes the most observing treatment (the agent still answers per
/// arch).
pub fn treatments(ev: &Evaluator) -> BTreeMap<&'static str, Treatment> {
    let lib = ev.context.runtime.libseccomp;
    let mut out: BTreeMap<&'static str, Treatment> = BTreeMap::new();
    for arch in ev.arches() {
        for name in lib.names(arch) {
            let Some(nr) = lib.number(arch, name) else { continue };
            let this = match ev.lookup(arch.audit_value(), nr) {
                Lookup::Unconditional(action) => treatment(action),
                Lookup::Default => treatment(ev.default_action),
                Lookup::Tree(..) => Treatment::Notify,
                Lookup::BadArch => continue,
            };
            let entry = out.entry(name).or_insert(this);
            *entry = merge(*entry, this);
        }
    }
    out
}

fn merge(a: Treatment, b: Treatment) -> Treatment {
    match (a, b) {
        (Treatment::Notify, _) | (_, Treatment::Notify) => Treatment::Notify,
        (Treatment::Keep(k), _) | (_, Treatment::Keep(k)) => Treatment::Keep(k),
        _ => Treatment::Allow,
    }
}

/// The filter for `run`: the profile's default action and arches, the rules of [`KEPT`] as
/// written, and every other name the profile does not simply allow notified (the exec calls
/// always: they tell when the program starts). A profile that denies `write`: [`as_written`].
pub fn observing(ev: &Evaluator, listener: &Path) -> LinuxSeccomp {
    if denies_write(ev) {
        return as_written(ev);
    }
    let default = ev.default_action;
    let kept = KEPT;
    let mut by_treatment: BTreeMap<Treatment, Vec<String>> = BTreeMap::new();
    for (name, t) in treatments(ev) {
        // The exec that starts the program is always seen: it tells whether the program ran.
        let t = if EXECS.contains(&name) { Treatment::Notify } else { t };
        if kept.contains(&name) || t == treatment(default) && t != Treatment::Notify {
            continue;
        }
        by_treatment.entry(t).or_default().push(name.to_string());
    }
    let mut rules: Vec<LinuxSyscall> = by_treatment
        .into_iter()
        .map(|(t, names)| {
            let action = match t {
                Treatment::Allow => Action::Allow,
                Treatment::Keep(a) => a,
                Treatment::Notify => Action::Notify,
            };
            syscall_rule(names, action, &[])
        })
        .collect();
    rules.extend(kept.iter().flat_map(|name| rules_as_written(ev, name)));
    filter(default, &ev.arches(), rules, listener)
}

/// The filter for `record`: everything notified (and let through by the agent) except
/// [`KEPT`], which runs; with `base` and `only_new`, what the base allows runs too.
pub fn recording(
    arches: &[Arch],
    base: Option<&Evaluator>,
    lib: &crate::catalog::Libseccomp,
    listener: &Path,
) -> LinuxSeccomp {
    let mut names: Vec<String> = Vec::new();
    let allowed = base.map(treatments).unwrap_or_default();
    for arch in arches {
        for name in lib.names(*arch) {
            let skip = KEPT.contains(&name) || allowed.get(name) == Some(&Treatment::Allow);
            if !skip && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    filter(Action::Allow, arches, vec![syscall_rule(names, Action::Notify, &[])], listener)
}

/// Kept as the profile writes them, never notified: `write` (runc refuses to notify it) and
/// what runc init's Go runtime may do on the thread that hands the fd over, between installing
/// the filter and the agent having the fd: return from a signal handler (`rt_sigreturn`: the
/// scheduler preempts with SIGURG), park or wake a thread (`futex`), spin (`nanosleep`,
/// `sched_yield`). Notified, any of these waits for an agent that has no fd yet, and the
/// container never starts (seen under load, three runc starting at once). All are in
/// [`RUNC_NEEDS`], which every recorded profile allows anyway.
///
/// [`RUNC_NEEDS`]: crate::profile::generate::RUNC_NEEDS
pub const KEPT: &[&str] = &[UNOBSERVABLE, "rt_sigreturn", "futex", "nanosleep", "sched_yield"];

/// Whether the profile denies `write`: then runc init cannot hand the fd over (nor start any
/// program), and anything it notified on its way out would wait forever.
pub fn denies_write(ev: &Evaluator) -> bool {
    ev.decide_name(ev.context.native, UNOBSERVABLE, &[1, 0, 0, 0, 0, 0]).is_some_and(|d| d.action != Action::Allow)
}

/// The profile as written (no notification, no listener): what `run` gives runc when the
/// profile denies `write`, so the container fails as it really would, without hanging.
pub fn as_written(ev: &Evaluator) -> LinuxSeccomp {
    let mut names: Vec<&str> = ev.prepared.spec.rules.iter().flat_map(|r| r.names.iter().map(String::as_str)).collect();
    names.sort_unstable();
    names.dedup();
    let rules = names.into_iter().flat_map(|n| rules_as_written(ev, n)).collect();
    let mut seccomp = filter(ev.default_action, &ev.arches(), rules, Path::new(""));
    seccomp.set_listener_path(None);
    seccomp
}

/// The exec calls runc init starts the program with.
pub const EXECS: &[&str] = &["execve", "execveat"];

/// The profile's own rules for `name`, each narrowed to that one name.
fn rules_as_written(ev: &Evaluator, name: &str) -> Vec<LinuxSyscall> {
    ev.prepared
        .spec
        .rules
        .iter()
        .filter(|r| r.names.iter().any(|n| n == name))
        .map(|r| {
            // No agent answers the profile's own NOTIFY here: the kernel gives ENOSYS.
            let action = match Action::from_name(r.action, r.errno_ret) {
                Action::Notify => Action::Errno(libc::ENOSYS as u32),
                other => other,
            };
            syscall_rule(vec![name.to_string()], action, &r.args)
        })
        .collect()
}

fn filter(default: Action, arches: &[Arch], rules: Vec<LinuxSyscall>, listener: &Path) -> LinuxSeccomp {
    let (action, errno) = oci_action(default);
    let mut seccomp = LinuxSeccomp::default();
    seccomp.set_default_action(action);
    seccomp.set_default_errno_ret(errno);
    seccomp.set_architectures(Some(arches.iter().filter_map(|a| oci_arch(*a)).collect()));
    seccomp.set_listener_path(Some(listener.to_path_buf()));
    seccomp.set_syscalls(Some(rules));
    seccomp
}

fn syscall_rule(names: Vec<String>, action: Action, conds: &[ArgCondition]) -> LinuxSyscall {
    let (oci, errno) = oci_action(action);
    let mut rule = LinuxSyscall::default();
    rule.set_names(names);
    rule.set_action(oci);
    rule.set_errno_ret(errno);
    if !conds.is_empty() {
        rule.set_args(Some(conds.iter().map(oci_arg).collect()));
    }
    rule
}

/// An action as the runtime spec spells it, with its errno.
pub fn oci_action(action: Action) -> (LinuxSeccompAction, Option<u32>) {
    match action {
        Action::KillProcess => (LinuxSeccompAction::ScmpActKillProcess, None),
        Action::KillThread => (LinuxSeccompAction::ScmpActKillThread, None),
        Action::Trap => (LinuxSeccompAction::ScmpActTrap, None),
        Action::Errno(e) => (LinuxSeccompAction::ScmpActErrno, Some(e)),
        Action::Trace(e) => (LinuxSeccompAction::ScmpActTrace, Some(e)),
        Action::Allow => (LinuxSeccompAction::ScmpActAllow, None),
        Action::Log => (LinuxSeccompAction::ScmpActLog, None),
        Action::Notify => (LinuxSeccompAction::ScmpActNotify, None),
    }
}

fn oci_arg(c: &ArgCondition) -> LinuxSeccompArg {
    let op = match c.op {
        Op::Ne => LinuxSeccompOperator::ScmpCmpNe,
        Op::Lt => LinuxSeccompOperator::ScmpCmpLt,
        Op::Le => LinuxSeccompOperator::ScmpCmpLe,
        Op::Eq => LinuxSeccompOperator::ScmpCmpEq,
        Op::Ge => LinuxSeccompOperator::ScmpCmpGe,
        Op::Gt => LinuxSeccompOperator::ScmpCmpGt,
        Op::MaskedEq => LinuxSeccompOperator::ScmpCmpMaskedEq,
    };
    let builder = LinuxSeccompArgBuilder::default().index(c.index as usize).value(c.value).op(op);
    let builder = if c.value_two != 0 || c.op == Op::MaskedEq { builder.value_two(c.value_two) } else { builder };
    builder.build().expect("every field is set")
}

/// The runtime spec's name for an arch (the same `SCMP_ARCH_*` spelling).
fn oci_arch(arch: Arch) -> Option<oci_spec::runtime::Arch> {
    serde_json::from_value(serde_json::Value::String(arch.scmp_name().to_string())).ok()
}

#[cfg(test)]
mod tests;
