//! The update of an evaluator after an edit in the same context: the edited rules are found by
//! aligning the profile's rules with the prepared ones (an edit removes, inserts or rewrites a
//! few rules here and there), and only those are prepared, indexed and replayed.
//!
//! Cost: one cheap comparison per rule (no allocation), a pass over the rule index to renumber
//! it, and the replay of the syscall entries the edited rules reach. Everything else (the
//! prepared spec, the index, the unknown names, the stub) is carried over from the evaluator
//! before the edit. The result equals [`Evaluator::new`]'s; `None` when only a full build can
//! say (another default action or arches, a refusal, an edit too scattered to align).

use super::{Evaluator, check_runtime, enosys_stub, multiplexed_call, rule_attempts, unknown_names_of};
use crate::catalog;
use crate::policy::context::Context;
use crate::policy::prepare::{Prepared, Prepared1, Skipped, Spec, SpecRule, prepare_header, prepare_rule, prepares_to};
use crate::policy::runtime::StubCoverage;
use crate::policy::seccomp_db::SeccompDb;
use crate::profile::{Action, Profile, Rule};
use rustc_hash::{FxHashMap, FxHashSet};

/// How far past a difference the alignment looks for the rules to agree again.
const LOOKAHEAD: usize = 3;
/// More edited rules than this: the general update (or a full build) is as quick.
const MAX_EDITED: usize = 256;

/// A rule of the profile before the edit, as the engine prepared it.
#[derive(Clone, Copy)]
enum Old<'a> {
    Rule(&'a SpecRule),
    Skipped(&'a Skipped),
}

/// One step of the alignment of the rules before and after the edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The next old rule is the next new one (prepared the same).
    Keep,
    /// The next old rule is gone.
    Remove,
    /// The next new rule is new (or rewritten).
    Add,
}

/// What the edit changed, worked out without touching the evaluator.
pub(super) struct Plan {
    header: Spec,
    steps: Vec<Step>,
    /// The prepared form of each added rule, in order.
    added: Vec<Prepared1>,
}

/// The plan for updating `old` to `profile`, or `None` when the edit is not a local one.
pub(super) fn plan(old: &Evaluator, profile: &Profile, context: &Context) -> Option<Plan> {
    if old.context != *context {
        return None;
    }
    let header = prepare_header(profile, context).ok()?;
    let was = &old.prepared.spec;
    let default = Action::from_name(header.default_action, header.default_errno_ret);
    if default != old.default_action || header.architectures != was.architectures {
        return None;
    }
    // Origins are positions (as a loaded profile has them): the alignment renumbers by position.
    let olds = old_rules(&old.prepared)?;
    if profile.rules.iter().enumerate().any(|(k, r)| r.index != k) {
        return None;
    }
    let steps = align(&olds, &profile.rules, context)?;
    let mut added = Vec::new();
    let mut j = 0;
    for step in &steps {
        if *step != Step::Remove {
            if *step == Step::Add {
                let prepared = prepare_rule(&profile.rules[j], context).ok()?;
                // An empty name stops the full build wherever it is: let it say where.
                if matches!(&prepared, Prepared1::Rule(r) if r.names.iter().any(String::is_empty)) {
                    return None;
                }
                added.push(prepared);
            }
            j += 1;
        }
    }
    Some(Plan { header, steps, added })
}

/// The rules before the edit in profile order (sent to the runtime or left out); `None` unless
/// each one's origin is its position.
fn old_rules(prepared: &Prepared) -> Option<Vec<Old<'_>>> {
    let (mut rules, mut skipped) = (prepared.spec.rules.iter().peekable(), prepared.skipped.iter().peekable());
    let mut out = Vec::with_capacity(prepared.spec.rules.len() + prepared.skipped.len());
    loop {
        let next = match (rules.peek(), skipped.peek()) {
            (Some(r), Some(s)) if s.origin < r.origin => Old::Skipped(skipped.next().expect("peeked")),
            (Some(_), _) => Old::Rule(rules.next().expect("peeked")),
            (None, Some(_)) => Old::Skipped(skipped.next().expect("peeked")),
            (None, None) => return Some(out),
        };
        let origin = match next {
            Old::Rule(r) => r.origin,
            Old::Skipped(s) => s.origin,
        };
        if origin != out.len() {
            return None;
        }
        out.push(next);
    }
}

/// Whether `rule` prepares as `old` did (wherever either sits).
fn same(rule: &Rule, old: Old, context: &Context) -> bool {
    if let Old::Rule(spec) = old {
        if prepares_to(rule, context, spec) {
            return true;
        }
    }
    match (prepare_rule(rule, context), old) {
        (Ok(Prepared1::Rule(r)), Old::Rule(o)) => SpecRule { origin: o.origin, ..r } == *o,
        (Ok(Prepared1::Skipped(s)), Old::Skipped(o)) => s.reason == o.reason,
        _ => false,
    }
}

/// A monotone alignment of the old rules with the new ones: kept pairs prepare the same, the
/// others are removed or added. Greedy, looking `LOOKAHEAD` rules past each difference.
fn align(olds: &[Old], news: &[Rule], context: &Context) -> Option<Vec<Step>> {
    let (n, m) = (olds.len(), news.len());
    let mut steps = Vec::with_capacity(n.max(m) + 2 * LOOKAHEAD);
    let (mut i, mut j, mut edited) = (0, 0, 0);
    let same_at = |i: usize, j: usize| i < n && j < m && same(&news[j], olds[i], context);
    while i < n && j < m {
        if same_at(i, j) {
            steps.push(Step::Keep);
            (i, j) = (i + 1, j + 1);
            continue;
        }
        let skips = (1..=2 * LOOKAHEAD).flat_map(|s| (0..=s).map(move |di| (di, s - di)));
        let resync =
            skips.filter(|&(di, dj)| di <= LOOKAHEAD && dj <= LOOKAHEAD).find(|&(di, dj)| same_at(i + di, j + dj));
        let (di, dj) = match resync {
            Some(skip) => skip,
            // The rules differ to the end (an edit of the last few rules).
            None if n - i <= LOOKAHEAD && m - j <= LOOKAHEAD => (n - i, m - j),
            None => return None,
        };
        steps.extend(std::iter::repeat_n(Step::Remove, di).chain(std::iter::repeat_n(Step::Add, dj)));
        (i, j, edited) = (i + di, j + dj, edited + di + dj);
    }
    steps.extend(std::iter::repeat_n(Step::Remove, n - i).chain(std::iter::repeat_n(Step::Add, m - j)));
    edited += (n - i) + (m - j);
    (edited <= MAX_EDITED).then_some(steps)
}

/// The keys a rule is indexed under: its names and the multiplexers of its socket/IPC names.
fn keys(rule: &SpecRule) -> impl Iterator<Item = &str> {
    rule.names.iter().flat_map(|n| std::iter::once(n.as_str()).chain(multiplexed_call(n).map(|(mux, _)| mux)))
}

/// `old` updated by `plan` to the profile it was made for; `None` when a full build must say
/// why the runtime refuses the result.
pub(super) fn apply(old: Evaluator, plan: Plan, context: &Context) -> Option<Evaluator> {
    let Evaluator { prepared, default_action, mut db, stub, unknown_names, mut rules_by_name, .. } = old;
    let Plan { header, steps, added } = plan;
    let old_count = prepared.spec.rules.len() + prepared.skipped.len();
    let mut rules_in = prepared.spec.rules.into_iter().peekable();
    let mut skipped_in = prepared.skipped.into_iter().peekable();
    let mut added = added.into_iter();
    let mut spec = Spec { rules: Vec::with_capacity(rules_in.len() + 1), ..header };
    let mut skipped = Vec::with_capacity(skipped_in.len());
    // Old spec position -> new one (`usize::MAX`: removed), old origin -> new origin.
    let mut position = Vec::with_capacity(rules_in.len());
    let mut origin = vec![usize::MAX; old_count];
    let (mut removed, mut new_positions) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    for step in steps {
        let mut take_old = |i: usize| match rules_in.peek() {
            Some(r) if r.origin == i => Old1::Rule(rules_in.next().expect("peeked")),
            _ => Old1::Skipped(skipped_in.next().expect("an old rule is prepared or skipped")),
        };
        match (step, if step == Step::Add { None } else { Some(take_old(i)) }) {
            (Step::Keep, Some(Old1::Rule(rule))) => {
                position.push(spec.rules.len());
                spec.rules.push(SpecRule { origin: j, ..rule });
            }
            (Step::Keep, Some(Old1::Skipped(s))) => skipped.push(Skipped { origin: j, ..s }),
            (Step::Remove, Some(Old1::Rule(rule))) => {
                position.push(usize::MAX);
                removed.push(rule);
            }
            (Step::Remove, Some(Old1::Skipped(_))) => {}
            (_, _) => match added.next().expect("one prepared rule per added one") {
                Prepared1::Rule(rule) => {
                    new_positions.push(spec.rules.len());
                    spec.rules.push(SpecRule { origin: j, ..rule });
                }
                Prepared1::Skipped(s) => skipped.push(Skipped { origin: j, ..s }),
            },
        }
        if step != Step::Add {
            origin[i] = if step == Step::Keep { j } else { usize::MAX };
            i += 1;
        }
        if step != Step::Remove {
            j += 1;
        }
    }
    let arches: Vec<_> = db.arches().collect();
    check_runtime(&spec, context, &arches).ok()?;
    reindex(&mut rules_by_name, &position, &spec.rules, &new_positions);
    let added_rules: Vec<&SpecRule> = new_positions.iter().map(|&p| &spec.rules[p]).collect();
    let edited: FxHashSet<&str> =
        removed.iter().chain(added_rules.iter().copied()).flat_map(|r| r.names.iter().map(String::as_str)).collect();
    replay_entries(&mut db, &edited, &rules_by_name, &spec.rules, default_action, context)?;
    let removed_names: FxHashSet<&str> = removed.iter().flat_map(|r| r.names.iter().map(String::as_str)).collect();
    let added_names: FxHashSet<&str> = added_rules.iter().flat_map(|r| r.names.iter().map(String::as_str)).collect();
    let stub = match stub {
        // The same names in and out: every name the profile names is still named.
        Some(stub) if removed_names == added_names => Some(stub),
        _ => match context.runtime.stub_coverage(spec.default_action, spec.default_errno_ret) {
            StubCoverage::None => None,
            coverage => Some(enosys_stub(&db, named(&rules_by_name, &spec.rules), &spec, context, coverage)),
        },
    };
    let mut unknown: Vec<(usize, String)> = unknown_names
        .into_iter()
        .filter_map(|(o, name)| (origin[o] != usize::MAX).then(|| (origin[o], name)))
        .collect();
    for rule in added_rules {
        unknown_names_of(rule, default_action, context, &mut unknown);
    }
    unknown.sort_by_key(|(o, _)| *o);
    Some(Evaluator {
        context: context.clone(),
        prepared: Prepared { spec, skipped },
        default_action,
        db,
        stub,
        unknown_names: unknown,
        rules_by_name,
    })
}

/// An old rule taken out of the evaluator.
enum Old1 {
    Rule(SpecRule),
    Skipped(Skipped),
}

/// Renumbers the index for the new spec positions and adds the added rules.
fn reindex(index: &mut FxHashMap<String, Vec<usize>>, position: &[usize], rules: &[SpecRule], added: &[usize]) {
    let moved = position.iter().enumerate().any(|(old, &new)| old != new);
    if moved {
        for list in index.values_mut() {
            list.retain_mut(|p| {
                *p = position[*p];
                *p != usize::MAX
            });
        }
    }
    for &p in added {
        for key in keys(&rules[p]) {
            let list = index.entry(key.to_string()).or_default();
            if let Err(at) = list.binary_search(&p) {
                list.insert(at, p);
            }
        }
    }
    index.retain(|_, list| !list.is_empty());
}

/// The distinct names the rules name (not the multiplexers they are only indexed under).
fn named<'a>(
    index: &'a FxHashMap<String, Vec<usize>>,
    rules: &'a [SpecRule],
) -> impl Iterator<Item = &'a str> + Clone + 'a {
    index.iter().filter(|(key, list)| list.iter().any(|&p| rules[p].names.contains(key))).map(|(key, _)| key.as_str())
}

/// Rebuilds, in every database, the entries the `edited` names reach from the rules that
/// reach them now; `None` when libseccomp refuses one.
fn replay_entries(
    db: &mut SeccompDb,
    edited: &FxHashSet<&str>,
    index: &FxHashMap<String, Vec<usize>>,
    rules: &[SpecRule],
    default: Action,
    context: &Context,
) -> Option<()> {
    for d in 0..db.dbs.len() {
        let mut affected: Vec<u32> = edited.iter().flat_map(|name| db.numbers_for(d, name)).collect();
        affected.sort_unstable();
        affected.dedup();
        if affected.is_empty() {
            continue;
        }
        let Some(table) = catalog::table(db.dbs[d].arch) else { continue };
        let mut reaching: Vec<usize> = Vec::new();
        for &nr in &affected {
            db.clear_entry(d, nr);
            reaching.extend(table.names(nr).filter_map(|name| index.get(name)).flatten());
        }
        reaching.sort_unstable();
        reaching.dedup();
        // Entries are independent: replaying rule by rule keeps each entry's order.
        for rule in reaching.iter().map(|&p| &rules[p]) {
            let action = Action::from_name(rule.action, rule.errno_ret);
            for attempt in rule_attempts(rule, default, context) {
                let (name, attempts) = attempt.ok()?;
                for nr in db.numbers_for(d, name).into_iter().filter(|nr| affected.binary_search(nr).is_ok()) {
                    for conds in &attempts {
                        db.add_rule_at(d, nr, name, action, conds).ok()?;
                    }
                }
            }
        }
    }
    Some(())
}
