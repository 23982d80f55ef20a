//! The evaluator: what the kernel does for (arch, syscall, args) under (profile, context).
//!
//! It runs the same stages as a real container start: the engine prepares the profile
//! (`prepare.rs`), the runtime (runc or crun) feeds each rule to libseccomp (`seccomp_db`),
//! and runc prepends its ENOSYS stub. Every view, lint and diff asks this one place.

use super::context::Context;
use super::prepare::{PrepareError, Prepared, Spec, SpecRule, prepare};
use super::runtime::{RuntimeKind, StubCoverage};
use super::seccomp_db::{AddError, Cond, Lookup, Path, SeccompDb, multiplexed_call, multiplexes};
use crate::catalog::{self, Arch, X32_SYSCALL_BIT};
use crate::profile::{Action, ActionName, Profile};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

mod splice;
mod update;

/// Why the runtime would refuse to install the profile (the container does not start).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    #[error("{0}")]
    Engine(#[from] PrepareError),
    #[error("SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)")]
    NotifyDefault,
    #[error("rule {origin} ({name}): {source}")]
    Rule { origin: usize, name: String, source: AddError },
    #[error("rule {0} has an empty syscall name (runc: \"empty string is not a valid syscall\")")]
    EmptyName(usize),
    #[error("{runtime} refuses the profile: {reason}")]
    Runtime { runtime: String, reason: String },
    #[error("{0} is not an architecture runc accepts")]
    ArchNotInRunc(Arch),
    #[error(
        "rule {0} sets an errno for an action that takes none; crun refuses that (\"errno value specified for action\")"
    )]
    CrunErrnoOnAction(usize),
}

/// Where a decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A profile rule (index into the profile's `syscalls`).
    Rule(usize),
    /// Overlapping conditional rules, merged by libseccomp, gave this action.
    MergedConditions,
    /// No rule applies: the default action.
    Default,
    /// The call's architecture is not in the filter.
    BadArch,
    /// runc's stub: the syscall is newer than every syscall the profile names.
    EnosysStub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub source: Source,
}

/// runc's ENOSYS stub: per audit arch, the largest syscall number the profile names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnosysStub {
    pub last: BTreeMap<Arch, u32>,
    /// Whether `setup` (nr 0) on s390(x) also gets ENOSYS (runc 1.1.3 on).
    pub s390_setup: bool,
}

/// A profile compiled for one context, ready to answer questions.
#[derive(Debug, Clone)]
pub struct Evaluator {
    pub context: Context,
    pub prepared: Prepared,
    pub default_action: Action,
    pub db: SeccompDb,
    pub stub: Option<EnosysStub>,
    /// Syscall names the rules mention that libseccomp does not know (runc skips them).
    pub unknown_names: Vec<(usize, String)>,
    /// For each syscall name, the rules (indexes into `prepared.spec.rules`, in order) that
    /// name it or a socket/IPC call it multiplexes: asking about one syscall reads its rules,
    /// not the whole profile (a scan per decision made diff quadratic in the rules).
    rules_by_name: FxHashMap<String, Vec<usize>>,
}

impl Evaluator {
    pub fn new(profile: &Profile, context: &Context) -> Result<Evaluator, BuildError> {
        Evaluator::with_arches(profile, context, None)
    }

    /// Like [`Evaluator::new`], but the filter covers exactly `arches` (when given) instead of
    /// the host's arch plus the profile's.
    pub fn with_arches(profile: &Profile, context: &Context, arches: Option<&[Arch]>) -> Result<Evaluator, BuildError> {
        let prepared = prepare(profile, context)?;
        let spec = &prepared.spec;
        let default_action = Action::from_name(spec.default_action, spec.default_errno_ret);
        if default_action == Action::Notify {
            return Err(BuildError::NotifyDefault);
        }
        let arches: Vec<Arch> = match arches {
            Some(list) => list.to_vec(),
            None => std::iter::once(context.native).chain(spec.architectures.iter().copied()).collect(),
        };
        check_runtime(spec, context, &arches)?;
        let runtime = &context.runtime;
        let db = SeccompDb::with_libseccomp(default_action, &arches, runtime.libseccomp);
        let db = add_spec_rules(db, &spec.rules, default_action, context)?;
        Ok(Evaluator::assemble(prepared, context, default_action, db))
    }

    /// The evaluator of a prepared spec whose rules are all in `db`.
    fn assemble(prepared: Prepared, context: &Context, default_action: Action, db: SeccompDb) -> Evaluator {
        let index = index_rules(&prepared.spec.rules);
        Evaluator::assemble_indexed(prepared, context, default_action, db, index)
    }

    /// [`Evaluator::assemble`] with the rules' index by name already made.
    fn assemble_indexed(
        prepared: Prepared,
        context: &Context,
        default_action: Action,
        db: SeccompDb,
        rules_by_name: FxHashMap<String, Vec<usize>>,
    ) -> Evaluator {
        let spec = &prepared.spec;
        let stub = match context.runtime.stub_coverage(spec.default_action, spec.default_errno_ret) {
            StubCoverage::None => None,
            coverage => {
                let names = spec.rules.iter().flat_map(|r| r.names.iter().map(String::as_str));
                Some(enosys_stub(&db, names, spec, context, coverage))
            }
        };
        let unknown_names = unknown_names(spec, default_action, context);
        Evaluator { context: context.clone(), prepared, default_action, db, stub, unknown_names, rules_by_name }
    }

    /// The rules that name `name`, in profile order.
    pub fn rules_naming<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a SpecRule> + 'a {
        self.rules_for(name).filter(move |r| r.names.iter().any(|n| n == name))
    }

    /// The rules that name `name` or a call multiplexed through it, in profile order.
    fn rules_for<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a SpecRule> + 'a {
        let indexes = self.rules_by_name.get(name).map_or(&[][..], |v| v.as_slice());
        indexes.iter().map(|&i| &self.prepared.spec.rules[i])
    }

    /// The action of [`Evaluator::decide`], without looking for the rule that gave it.
    pub fn action(&self, arch: Arch, nr: u32, args: &[u64; 6]) -> Action {
        let nr = if arch == Arch::X32 { nr | X32_SYSCALL_BIT } else { nr };
        if self.stub.as_ref().is_some_and(|s| s.applies(arch.audit_value(), nr)) {
            return Action::Errno(38);
        }
        self.db.decide(arch, nr, args).0
    }

    /// The architectures the installed filter accepts.
    pub fn arches(&self) -> Vec<Arch> {
        self.db.arches().collect()
    }

    /// What happens to syscall number `nr` called with the `arch` ABI.
    pub fn decide(&self, arch: Arch, nr: u32, args: &[u64; 6]) -> Decision {
        let nr = if arch == Arch::X32 { nr | X32_SYSCALL_BIT } else { nr };
        if self.stub.as_ref().is_some_and(|s| s.applies(arch.audit_value(), nr)) {
            return Decision { action: Action::Errno(38), source: Source::EnosysStub };
        }
        let (action, path) = self.db.decide(arch, nr, args);
        let source = match path {
            Path::BadArch => Source::BadArch,
            Path::Default | Path::ConditionsFellThrough => Source::Default,
            Path::Unconditional | Path::Conditions => {
                self.deciding_rule(arch, nr, args, action).map_or(Source::MergedConditions, Source::Rule)
            }
        };
        Decision { action, source }
    }

    /// What decides a call before its arguments are read: the stub, the arch check, or the
    /// rule database. The compiler builds its number dispatch from this.
    pub fn lookup(&self, audit: u32, nr: u32) -> Lookup<'_> {
        if self.stub.as_ref().is_some_and(|s| s.applies(audit, nr)) {
            return Lookup::Unconditional(Action::Errno(38));
        }
        self.db.lookup(audit, nr)
    }

    /// Like [`Evaluator::decide`] by name; `None` when the syscall does not exist on `arch`.
    pub fn decide_name(&self, arch: Arch, name: &str, args: &[u64; 6]) -> Option<Decision> {
        catalog::number(arch, name).map(|nr| self.decide(arch, nr, args))
    }

    /// The first rule, in profile order, that names this call, matches its arguments and has
    /// the action that was decided.
    fn deciding_rule(&self, arch: Arch, nr: u32, args: &[u64; 6], action: Action) -> Option<usize> {
        let name = catalog::name_of(arch, nr)?;
        let word = |v: u64| if arch.is_64bit() { v } else { v & 0xffff_ffff };
        let args = args.map(word);
        self.rules_for(name).find_map(|rule| {
            let rule_action = Action::from_name(rule.action, rule.errno_ret);
            if rule_action != action {
                return None;
            }
            let conds_match = |skip_arg0: bool| {
                rule.args.iter().filter(|c| !(skip_arg0 && c.index == 0)).all(|c| {
                    let (value, value_two) = (word(c.value), word(c.value_two));
                    c.op.matches(args[c.index as usize], value, value_two)
                })
            };
            let direct = rule.names.iter().any(|n| n == name) && conds_match(false);
            let muxed =
                rule.names.iter().any(|n| multiplexed_call(n).is_some_and(|(mux, sub)| mux == name && args[0] == sub))
                    && conds_match(true);
            (direct || muxed).then_some(rule.origin)
        })
    }
}

impl EnosysStub {
    /// Whether runc's stub answers ENOSYS before the filter runs (`audit` is `seccomp_data.arch`).
    pub fn applies(&self, audit: u32, nr: u32) -> bool {
        let last = |a: Arch| self.last.get(&a).copied();
        if audit == Arch::X86_64.audit_value() {
            let x32_call = nr & X32_SYSCALL_BIT != 0;
            return match (x32_call, last(Arch::X86_64), last(Arch::X32)) {
                (true, _, Some(max)) => nr > max,
                (false, Some(max), _) => nr > max,
                _ => false,
            };
        }
        let Some((&a, &max)) = self.last.iter().find(|(a, _)| a.audit_value() == audit) else { return false };
        if self.s390_setup && matches!(a, Arch::S390 | Arch::S390x) && nr == 0 {
            return true;
        }
        nr > max
    }
}

/// What the runtime refuses before any rule is added: arches it does not know, errno values
/// on actions that take none (crun), and what its version does not support yet.
fn check_runtime(spec: &Spec, context: &Context, arches: &[Arch]) -> Result<(), BuildError> {
    let runtime = &context.runtime;
    if runtime.kind == RuntimeKind::Runc {
        if let Some(a) = arches.iter().find(|a| matches!(a, Arch::Parisc | Arch::Parisc64)) {
            return Err(BuildError::ArchNotInRunc(*a));
        }
    }
    if runtime.kind == RuntimeKind::Crun {
        let takes_errno = |a: ActionName| matches!(a, ActionName::Errno | ActionName::Trace);
        if let Some(rule) = spec.rules.iter().find(|r| r.errno_ret.is_some() && !takes_errno(r.action)) {
            return Err(BuildError::CrunErrnoOnAction(rule.origin));
        }
    }
    match runtime.refusal(spec) {
        Some(reason) => Err(BuildError::Runtime { runtime: runtime.program_label(), reason }),
        None => Ok(()),
    }
}

/// Rule indexes by each name they mention and by the multiplexer of each socket/IPC name.
fn index_rules(rules: &[SpecRule]) -> FxHashMap<String, Vec<usize>> {
    let mut by_name: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, rule) in rules.iter().enumerate() {
        for name in &rule.names {
            let mux = multiplexed_call(name).map(|(mux, _)| mux);
            for key in std::iter::once(name.as_str()).chain(mux) {
                let list = by_name.entry(key.to_string()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
    }
    by_name
}

/// The names of rules runc feeds to libseccomp that the linked libseccomp does not know (runc
/// skips them), with their rules' indexes.
fn unknown_names(spec: &Spec, default: Action, context: &Context) -> Vec<(usize, String)> {
    let mut unknown = Vec::new();
    for rule in &spec.rules {
        unknown_names_of(rule, default, context, &mut unknown);
    }
    unknown
}

/// [`unknown_names`] for one rule, appended to `out`.
fn unknown_names_of(rule: &SpecRule, default: Action, context: &Context, out: &mut Vec<(usize, String)>) {
    if Action::from_name(rule.action, rule.errno_ret) == default {
        return;
    }
    for name in rule.names.iter().filter(|n| !n.is_empty()) {
        if !context.runtime.libseccomp.knows(context.native, name) {
            out.push((rule.origin, name.clone()));
        }
    }
}

/// A name of a rule that reaches libseccomp, and the conditions of each `seccomp_rule_add`.
type Attempts<'a> = (&'a str, Vec<Vec<Cond>>);

/// The names of `rule` that reach libseccomp and the attempts runc makes for each: one with
/// all its conditions, or one per condition when an argument index repeats. An empty name
/// ends the list with the error runc stops at (after adding the names before it).
fn rule_attempts<'a>(
    rule: &'a SpecRule,
    default: Action,
    context: &'a Context,
) -> Vec<Result<Attempts<'a>, BuildError>> {
    let action = Action::from_name(rule.action, rule.errno_ret);
    let mut out = Vec::new();
    for name in &rule.names {
        if name.is_empty() {
            out.push(Err(BuildError::EmptyName(rule.origin)));
            break;
        }
        // runc skips rules whose action is the default (libseccomp would refuse them).
        if action == default {
            continue;
        }
        // runc and crun resolve the name on the host's arch with the libseccomp they link and
        // skip the rule name when it does not know it (see `unknown_names`).
        if !context.runtime.libseccomp.knows(context.native, name) {
            continue;
        }
        let conds: Vec<Cond> = rule.args.iter().map(Cond::from_condition).collect();
        let repeated_index = (0..6).any(|i| rule.args.iter().filter(|c| c.index == i).count() > 1);
        let attempts: Vec<Vec<Cond>> =
            if repeated_index { conds.iter().map(|c| vec![*c]).collect() } else { vec![conds] };
        out.push(Ok((name.as_str(), attempts)));
    }
    out
}

/// Adds every rule to `db`, each arch on a thread of its own (a big profile's build is most of
/// the time it takes to open it). The result, or the error, is the one adding the rules in
/// order to all arches at once gives: a rule refused on one arch stops that build, so the
/// error is the first rule any arch refuses, on the first such arch.
fn add_spec_rules(
    db: SeccompDb,
    rules: &[SpecRule],
    default: Action,
    context: &Context,
) -> Result<SeccompDb, BuildError> {
    let add_all = |mut db: SeccompDb| -> Result<SeccompDb, (usize, BuildError)> {
        for (i, rule) in rules.iter().enumerate() {
            add_spec_rule(&mut db, rule, default, context).map_err(|e| (i, e))?;
        }
        Ok(db)
    };
    // Threads pay off from a few hundred rules; below, one arch's build takes microseconds.
    const PARALLEL_FROM: usize = 200;
    if db.dbs.len() < 2 || rules.len() < PARALLEL_FROM {
        return add_all(db).map_err(|(_, e)| e);
    }
    let parts: Vec<Result<SeccompDb, (usize, BuildError)>> = std::thread::scope(|scope| {
        let builds: Vec<_> = db.split().into_iter().map(|part| scope.spawn(move || add_all(part))).collect();
        builds.into_iter().map(|b| b.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    // min_by_key keeps the first of equal keys: the first arch refusing the first refused rule.
    let refused = parts.iter().filter_map(|p| p.as_ref().err()).min_by_key(|(i, _)| *i);
    if let Some((_, error)) = refused {
        return Err(error.clone());
    }
    let parts = parts.into_iter().map(|p| p.expect("no part was refused")).collect();
    Ok(SeccompDb::joined(parts).expect("two arches or more"))
}

fn add_spec_rule(db: &mut SeccompDb, rule: &SpecRule, default: Action, context: &Context) -> Result<(), BuildError> {
    let action = Action::from_name(rule.action, rule.errno_ret);
    for attempt in rule_attempts(rule, default, context) {
        let (name, attempts) = attempt?;
        for conds in attempts {
            db.add_rule(name, action, &conds).map_err(|source| BuildError::Rule {
                origin: rule.origin,
                name: name.to_string(),
                source,
            })?;
        }
    }
    Ok(())
}

/// runc's stub thresholds: per covered arch, the largest number the linked libseccomp gives any
/// of `names`, the names of every rule (socket and IPC names on multiplexing arches resolve to libseccomp
/// pseudo-numbers and do not count). An arch with no number gets no stub (runc warns).
fn enosys_stub<'a>(
    db: &SeccompDb,
    names: impl Iterator<Item = &'a str> + Clone,
    spec: &Spec,
    context: &Context,
    coverage: StubCoverage,
) -> EnosysStub {
    let libseccomp = context.runtime.libseccomp;
    let mut covered: Vec<Arch> = spec.architectures.clone();
    if coverage == StubCoverage::ListedAndNative {
        covered.push(context.native);
    }
    let mut last = BTreeMap::new();
    for arch in db.arches().filter(|a| covered.contains(a)) {
        let multiplexing = multiplexes(arch);
        let max = names
            .clone()
            .filter(|n| !(multiplexing && multiplexed_call(n).is_some()))
            .filter_map(|n| libseccomp.number(arch, n))
            .max();
        if let Some(max) = max.filter(|m| *m != 0) {
            last.insert(arch, max);
        }
    }
    let s390_setup = context.runtime.stub_covers_s390_setup();
    EnosysStub { last, s390_setup }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Document;
    use crate::profile::synth::arg_heavy;
    use serde_json::json;

    /// Built an arch per thread, the filter (or the refusal) is the one adding the rules in
    /// order to every arch at once gives.
    #[test]
    fn building_arches_apart_gives_the_same_filter_and_refusal() {
        let ctx = Context::default();
        for seed in 1..=6 {
            let mut value = arg_heavy(300, &[Arch::X86_64, Arch::X86, Arch::Aarch64], seed);
            let refused = seed % 2 == 0;
            if refused {
                // A copy of a conditional rule with another action: libseccomp refuses it.
                let rules = value["syscalls"].as_array_mut().unwrap();
                let mut copy = rules.iter().find(|r| r.get("args").is_some()).cloned().unwrap();
                let other = if copy["action"] == "SCMP_ACT_LOG" { "SCMP_ACT_TRAP" } else { "SCMP_ACT_LOG" };
                copy["action"] = json!(other);
                rules.insert(250, copy);
            }
            let profile = Document::parse(&value.to_string(), "t.json").unwrap().profile;
            let spec = prepare(&profile, &ctx).unwrap().spec;
            let default = Action::from_name(spec.default_action, spec.default_errno_ret);
            let arches: Vec<Arch> = std::iter::once(ctx.native).chain(spec.architectures.iter().copied()).collect();
            let empty = || SeccompDb::with_libseccomp(default, &arches, ctx.runtime.libseccomp);
            let apart = add_spec_rules(empty(), &spec.rules, default, &ctx).map(|db| format!("{db:?}"));
            let mut at_once = empty();
            let in_order = spec.rules.iter().try_for_each(|r| add_spec_rule(&mut at_once, r, default, &ctx));
            assert_eq!(apart.is_err(), refused, "seed {seed}: {apart:?}");
            assert_eq!(apart, in_order.map(|()| format!("{at_once:?}")), "seed {seed}");
        }
    }
}
