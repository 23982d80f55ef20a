//! Rebuilding an evaluator after an edit: only the rule-database entries whose rules changed
//! are replayed, the others are taken from the evaluator of the profile before the edit.
//!
//! An entry (one syscall number on one arch) depends only on the rules that reach it, in
//! profile order: each rule name touches the entries of its own numbers (and, on multiplexing
//! arches, its multiplexer's). So when the host's arch, the libseccomp, the default action and
//! the arches are the same (the engine may differ: the per-engine evaluators start from the
//! editor's), an entry whose rules read the same before and after the edit is the same, and the
//! others are rebuilt by replaying their rules. The result equals [`Evaluator::new`]'s; when a
//! replayed rule is refused, or anything else differs, the full build runs (it says which rule).

use super::{Attempts, BuildError, Evaluator, check_runtime, index_rules, rule_attempts, splice};
use crate::catalog::Arch;
use crate::policy::context::Context;
use crate::policy::prepare::{SpecRule, prepare};
use crate::policy::seccomp_db::SeccompDb;
use crate::profile::{Action, Profile};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// Rule indexes by name (and multiplexer), as [`index_rules`] gives them.
type Index = FxHashMap<String, Vec<usize>>;

impl Evaluator {
    /// [`Evaluator::new`] for `profile`, reusing what it can of `previous` (an evaluator built
    /// by `new` or `updated` for an earlier version of the profile). An edit that touches one
    /// syscall's rules costs that syscall's rules, not the profile's.
    pub fn updated(previous: Option<Evaluator>, profile: &Profile, context: &Context) -> Result<Evaluator, BuildError> {
        // In the same context, an edit of a few rules costs those rules (see `splice`).
        let previous = match previous.map(|p| (splice::plan(&p, profile, context), p)) {
            Some((Some(plan), p)) => {
                return splice::apply(p, plan, context).map_or_else(|| Evaluator::new(profile, context), Ok);
            }
            Some((None, p)) => Some(p),
            None => None,
        };
        match previous.and_then(|p| update(p, profile, context)) {
            Some(evaluator) => Ok(evaluator),
            None => Evaluator::new(profile, context),
        }
    }
}

/// The evaluator of `profile` from `old`'s database, or `None` when only a full build can say.
fn update(old: Evaluator, profile: &Profile, context: &Context) -> Option<Evaluator> {
    // The database depends on the context only through the host's arch and the libseccomp
    // that resolves names (the engine's part is in the prepared rules, compared below; the
    // runtime's checks and stub are made afresh).
    if old.context.native != context.native || old.context.runtime.libseccomp != context.runtime.libseccomp {
        return None;
    }
    let prepared = prepare(profile, context).ok()?;
    let spec = &prepared.spec;
    let default_action = Action::from_name(spec.default_action, spec.default_errno_ret);
    let arches: Vec<Arch> = std::iter::once(context.native).chain(spec.architectures.iter().copied()).collect();
    if default_action != old.default_action || check_runtime(spec, context, &arches).is_err() {
        return None;
    }
    let mut unique: Vec<Arch> = Vec::new();
    for arch in arches {
        if !unique.contains(&arch) {
            unique.push(arch);
        }
    }
    // An empty name stops the full build wherever it is.
    if unique != old.arches() || spec.rules.iter().any(|r| r.names.iter().any(String::is_empty)) {
        return None;
    }
    let index = index_rules(&spec.rules);
    let mut diff = Diff { before: &old.prepared.spec.rules, after: &spec.rules, same: FxHashMap::default() };
    let changed = diff.changed_keys(&old.rules_by_name, &index);
    let mut db = old.db;
    for d in 0..db.dbs.len() {
        let numbers: FxHashMap<&str, Vec<u32>> =
            old.rules_by_name.keys().chain(index.keys()).map(|name| (name.as_str(), db.numbers_for(d, name))).collect();
        let affected = diff.affected(&numbers, &changed, &old.rules_by_name, &index);
        if affected.is_empty() {
            continue;
        }
        for &nr in &affected {
            db.clear_entry(d, nr);
        }
        let reaching = |name: &String| numbers[name.as_str()].iter().any(|nr| affected.contains(nr));
        let mut rules: Vec<usize> =
            index.iter().filter(|(name, _)| reaching(name)).flat_map(|(_, r)| r).copied().collect();
        rules.sort_unstable();
        rules.dedup();
        // Entries are independent: replaying rule by rule keeps each entry's order.
        for rule in rules.iter().map(|&i| &spec.rules[i]) {
            replay(&mut db, d, &numbers, &affected, rule, default_action, context)?;
        }
    }
    Some(Evaluator::assemble_indexed(prepared, context, default_action, db, index))
}

/// Compares the rules before and after the edit, by name and by entry.
struct Diff<'a> {
    before: &'a [SpecRule],
    after: &'a [SpecRule],
    /// Rule pairs compared so far (a rule naming many syscalls is in many lists).
    same: FxHashMap<(usize, usize), bool>,
}

impl Diff<'_> {
    /// Whether two rule lists (before, after) feed libseccomp the same rules in the same order.
    fn same_list(&mut self, was: &[usize], is: &[usize]) -> bool {
        was.len() == is.len()
            && was
                .iter()
                .zip(is)
                .all(|(&a, &b)| *self.same.entry((a, b)).or_insert_with(|| same_rule(&self.before[a], &self.after[b])))
    }

    /// The names (and multiplexers) whose rules differ.
    fn changed_keys<'k>(&mut self, before: &'k Index, after: &'k Index) -> FxHashSet<&'k str> {
        let none: Vec<usize> = Vec::new();
        let mut changed = FxHashSet::default();
        for name in before.keys().chain(after.keys()) {
            let was = before.get(name).unwrap_or(&none);
            let is = after.get(name).unwrap_or(&none);
            if !self.same_list(was, is) {
                changed.insert(name.as_str());
            }
        }
        changed
    }

    /// The entries of one database (numbers) whose rules differ: those a changed name reaches,
    /// and those several names reach (aliases, multiplexers) where the rules of all of them,
    /// merged in profile order, differ (two rules may trade places without either name's list
    /// changing).
    fn affected(
        &mut self,
        numbers: &FxHashMap<&str, Vec<u32>>,
        changed: &FxHashSet<&str>,
        before: &Index,
        after: &Index,
    ) -> FxHashSet<u32> {
        let mut affected: FxHashSet<u32> = changed.iter().flat_map(|name| numbers[name].iter().copied()).collect();
        let mut names_of: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for (&name, nrs) in numbers {
            for &nr in nrs {
                names_of.entry(nr).or_default().push(name);
            }
        }
        let shared: Vec<(u32, Vec<&str>)> =
            names_of.into_iter().filter(|(nr, names)| names.len() > 1 && !affected.contains(nr)).collect();
        for (nr, names) in shared {
            let merged = |index: &Index| {
                let mut rules: Vec<usize> = names.iter().filter_map(|n| index.get(*n)).flatten().copied().collect();
                rules.sort_unstable();
                rules.dedup();
                rules
            };
            if !self.same_list(&merged(before), &merged(after)) {
                affected.insert(nr);
            }
        }
        affected
    }
}

/// Whether two rules feed libseccomp the same (where they sit in the profile does not matter).
fn same_rule(a: &SpecRule, b: &SpecRule) -> bool {
    a.names == b.names && a.action == b.action && a.errno_ret == b.errno_ret && a.args == b.args
}

/// Adds what `rule` adds to the `affected` entries of database `d`; `None` when libseccomp
/// refuses it.
fn replay(
    db: &mut SeccompDb,
    d: usize,
    numbers: &FxHashMap<&str, Vec<u32>>,
    affected: &FxHashSet<u32>,
    rule: &SpecRule,
    default: Action,
    context: &Context,
) -> Option<()> {
    let action = Action::from_name(rule.action, rule.errno_ret);
    for attempt in rule_attempts(rule, default, context) {
        let (name, attempts): Attempts = attempt.ok()?;
        for &nr in numbers[name].iter().filter(|nr| affected.contains(nr)) {
            for conds in &attempts {
                db.add_rule_at(d, nr, name, action, conds).ok()?;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::synth::{XorShift, arg_heavy};
    use crate::profile::{ActionName, Document, Rule};

    fn profile(rules: usize, arches: &[Arch], seed: u64) -> Profile {
        let text = serde_json::to_string(&arg_heavy(rules, arches, seed)).unwrap();
        Document::parse(&text, "generated").unwrap().profile
    }

    /// Names an edit may give a rule: socket and IPC calls (multiplexed on x86 and ppc64le),
    /// the multiplexers themselves, a name unknown to libseccomp, and ordinary syscalls.
    const NAMES: [&str; 14] = [
        "socket",
        "bind",
        "sendmsg",
        "socketcall",
        "ipc",
        "semop",
        "shmat",
        "read",
        "write",
        "openat",
        "umount2",
        "fadvise64",
        "no_such_call",
        "clone",
    ];

    /// One random edit of the kinds the editor makes (and a few it never makes). Rule indexes
    /// are positions again afterwards, as in a loaded profile.
    fn edit(p: &mut Profile, rng: &mut XorShift) {
        edit_once(p, rng);
        for (k, rule) in p.rules.iter_mut().enumerate() {
            rule.index = k;
        }
    }

    fn edit_once(p: &mut Profile, rng: &mut XorShift) {
        let n = p.rules.len();
        let i = rng.index(n);
        match rng.index(12) {
            0 => {
                p.rules.remove(i);
            }
            1 => {
                let rule = p.rules[i].clone();
                p.rules.insert(rng.index(n), rule);
            }
            2 => p.rules.swap(i, rng.index(n)),
            3 => {
                let (action, errno) =
                    [(ActionName::Allow, None), (ActionName::Errno, Some(1)), (ActionName::Log, None)][rng.index(3)];
                p.rules[i].action = action;
                p.rules[i].errno_ret = errno;
            }
            4 => p.rules[i].names = vec![NAMES[rng.index(NAMES.len())].to_string()],
            5 => p.rules[i].names.push(NAMES[rng.index(NAMES.len())].to_string()),
            6 => match p.rules[i].args.first_mut() {
                Some(c) => c.value ^= 1 << rng.index(64),
                None => p.rules[i].args.clear(),
            },
            7 => {
                // A copy of a conditional rule with another action: libseccomp may refuse it.
                let mut rule: Rule = p.rules[i].clone();
                rule.action = if rule.action == ActionName::Log { ActionName::Allow } else { ActionName::Log };
                p.rules.insert(rng.index(n), rule);
            }
            8 => {
                // A toggle: a name leaves its rule (the rule goes when it was the last) and gets
                // a rule of its own at the end.
                let name = p.rules[i].names.pop().unwrap_or_else(|| NAMES[0].to_string());
                if p.rules[i].names.is_empty() {
                    p.rules.remove(i);
                }
                let mut rule = Rule { names: vec![name], args: Vec::new(), ..p.rules[0].clone() };
                rule.action = [ActionName::Allow, ActionName::Log][rng.index(2)];
                rule.errno_ret = None;
                p.rules.push(rule);
            }
            9 => {
                // Two edits far apart in one step (a category toggle).
                edit_once(p, rng);
                edit_once(p, rng);
            }
            10 => {
                // Only with a capability: docker and podman leave the rule out, containerd not.
                let caps = &mut p.rules[i].includes.caps;
                if caps.is_empty() { caps.push("CAP_SYS_ADMIN".into()) } else { caps.clear() }
            }
            _ => {
                // A block of rules reversed: too scattered to align.
                let end = (i + 9).min(n);
                p.rules[i..end].reverse();
            }
        }
    }

    /// An evaluator as text, its rule index in name order (a map's order depends on how it
    /// was filled).
    fn canonical(ev: &Result<Evaluator, BuildError>) -> String {
        match ev {
            Ok(ev) => {
                let mut ev = ev.clone();
                let index: BTreeMap<String, Vec<usize>> = std::mem::take(&mut ev.rules_by_name).into_iter().collect();
                format!("{ev:?} {index:?}")
            }
            Err(e) => format!("{e:?}"),
        }
    }

    /// Random edits of `seeds` profiles; after each, the evaluator of every context, updated
    /// from its own of before the edit, reads exactly as a full build. Returns how many
    /// updated evaluators were built (not refused).
    fn random_edits(contexts: &[Context], seeds: u64, steps: usize) -> usize {
        let arches = [Arch::X86_64, Arch::X86, Arch::X32, Arch::Ppc64le, Arch::Arm];
        let mut replayed = 0;
        for seed in 1..=seeds {
            let mut p = profile(120, &arches, seed);
            let mut rng = XorShift::new(seed * 7919);
            let mut previous: Vec<Option<Evaluator>> = contexts.iter().map(|c| Evaluator::new(&p, c).ok()).collect();
            for step in 0..steps {
                let before = p.clone();
                edit(&mut p, &mut rng);
                for (ctx, previous) in contexts.iter().zip(previous.iter_mut()) {
                    let full = Evaluator::new(&p, ctx);
                    // A copy of the evaluator before the edit shares its rule trees with the
                    // one updated from it: it must still read as before (copy on write).
                    let kept = previous.clone().filter(|_| step % 5 == 0);
                    let updated = Evaluator::updated(previous.take(), &p, ctx);
                    assert_eq!(canonical(&updated), canonical(&full), "seed {seed}, step {step}, {}", ctx.engine);
                    if let Some(kept) = kept {
                        let unchanged = canonical(&Evaluator::new(&before, ctx));
                        assert_eq!(canonical(&Ok(kept)), unchanged, "seed {seed}, step {step}: the copy changed");
                    }
                    replayed += usize::from(updated.is_ok());
                    // A refused profile: the next edit starts from the full build (the editor
                    // keeps no evaluator then).
                    *previous = updated.ok();
                }
                // Go back from a profile the first context refuses to the one before (the
                // editor's undo).
                if previous[0].is_none() {
                    p = before;
                    previous = contexts.iter().map(|c| Evaluator::new(&p, c).ok()).collect();
                }
            }
        }
        replayed
    }

    /// After each of many random edits, the updated evaluator (database, stub, index, unknown
    /// names, or the error) reads exactly as a full build of the edited profile.
    #[test]
    fn an_updated_evaluator_equals_a_full_build_after_random_edits() {
        let replayed = random_edits(&[Context::default()], 4, 150);
        assert!(replayed > 300, "most edits keep the profile installable ({replayed})");
    }

    /// The same under each engine, each evaluator updated from its own (the editor's
    /// per-engine line): podman (crun, errno names, its caps) and containerd (no conditions).
    #[test]
    fn per_engine_evaluators_equal_full_builds_after_random_edits() {
        use crate::policy::context::Engine;
        let ctx = Context::default();
        let contexts: Vec<Context> = Engine::ALL.iter().map(|e| ctx.with_engine(*e)).collect();
        let replayed = random_edits(&contexts, 2, 120);
        assert!(replayed > 400, "most edits keep the profile installable ({replayed})");
    }

    /// An evaluator updated for another engine (its rules prepared differently, its runtime
    /// another) reads as that engine's full build.
    #[test]
    fn an_evaluator_updated_for_another_engine_equals_its_full_build() {
        use crate::policy::context::Engine;
        let mut p = profile(200, &[Arch::X86_64, Arch::X86, Arch::Arm], 3);
        // Rules that only some engines keep: by capability and by arch.
        for (i, rule) in p.rules.iter_mut().enumerate().filter(|(i, _)| i % 7 == 0) {
            rule.includes.caps = vec!["CAP_SYS_ADMIN".into()];
            if i % 2 == 0 {
                rule.excludes.arches = vec!["x86".into()];
            }
        }
        let ctx = Context::default();
        for engine in [Engine::Docker, Engine::Podman, Engine::Containerd] {
            let other = ctx.with_engine(engine);
            let before = Evaluator::new(&p, &ctx).unwrap();
            let full = Evaluator::new(&p, &other);
            assert_eq!(format!("{:?}", Evaluator::updated(Some(before), &p, &other)), format!("{full:?}"), "{engine}");
        }
    }
}
