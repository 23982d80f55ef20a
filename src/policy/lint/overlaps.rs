//! Duplicate, conflicting and redundant rules, per syscall name, in the prepared spec.
//!
//! One pass over every (rule, name) with a hash map per name, then the pairs found are grouped:
//! 200 copies of a rule make one finding, not 19,900. Work and output are O(n log n) in
//! rules × names.

use super::Out;
use super::level_of;
use crate::policy::evaluator::Evaluator;
use crate::policy::prepare::SpecRule;
use crate::profile::Action;
use crate::profile::finding::Finding;
use crate::profile::json::PathStep;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::ops::Range;

/// Longest list shown in a message; the rest is counted.
const SHOWN: usize = 8;

fn rule_path(i: usize) -> Vec<PathStep> {
    vec![PathStep::Key("syscalls".into()), PathStep::Index(i)]
}

/// What is known of one syscall name so far, in rule order.
#[derive(Default)]
struct NameState {
    /// The first unconditional rule: the one libseccomp keeps.
    first: Option<(usize, Action)>,
    /// Conditional rules before it.
    conditional: Vec<(usize, Action)>,
}

/// Pairs of rules, each with a name they share, in the order found (grouped by [`by_pair`]).
#[derive(Default)]
struct Pairs<'a> {
    /// (kept rule, later rule with the same action, name).
    repeated: Vec<(usize, usize, &'a str)>,
    /// (kept rule, later rule with another action, name).
    conflicting: Vec<(usize, usize, &'a str)>,
    /// (unconditional rule, earlier conditional rule it overrides, name).
    replaced: Vec<(usize, usize, &'a str)>,
    /// rule -> (name, times listed) for names a rule lists more than once.
    within: BTreeMap<usize, Vec<(&'a str, usize)>>,
}

/// Per rule (by origin): its action and its names once each, sorted (a range of `names`).
/// Vectors indexed by origin, not maps: this runs after every edit of a 5,000-rule profile.
struct Rules<'a> {
    actions: Vec<Option<Action>>,
    own: Vec<Option<Range<usize>>>,
    names: Vec<&'a str>,
}

impl<'a> Rules<'a> {
    fn own_names(&self, origin: usize) -> Option<&[&'a str]> {
        self.own.get(origin)?.clone().map(|r| &self.names[r])
    }

    fn action(&self, origin: usize) -> Action {
        self.actions[origin].expect("a rule in a pair has an action")
    }
}

pub fn overlaps(ev: &Evaluator, out: &mut Out) {
    let default = ev.default_action;
    let spec_rules = &ev.prepared.spec.rules;
    let size = spec_rules.iter().map(|r| r.origin + 1).max().unwrap_or(0);
    let mut names: FxHashMap<&str, NameState> = FxHashMap::with_capacity_and_hasher(512, Default::default());
    let mut pairs = Pairs::default();
    let mut rules = Rules { actions: vec![None; size], own: vec![None; size], names: Vec::with_capacity(size) };
    let mut scratch = Vec::new();
    for rule in spec_rules {
        let action = Action::from_name(rule.action, rule.errno_ret);
        if action == default {
            push(
                out,
                "rule-equals-default",
                rule.origin,
                format!("the rule's action {action} is the default action: runc drops it"),
                "remove the rule, or give it a different action",
                None,
            );
            continue;
        }
        rules.actions[rule.origin] = Some(action);
        let start = rules.names.len();
        unique_names(rule, &mut scratch, &mut rules.names, &mut pairs);
        for &name in &rules.names[start..] {
            record(names.entry(name).or_default(), name, rule.origin, action, !rule.args.is_empty(), &mut pairs);
        }
        // A rule split into several (same origin) keeps the names of its first part.
        match &rules.own[rule.origin] {
            Some(_) => rules.names.truncate(start),
            None => rules.own[rule.origin] = Some(start..rules.names.len()),
        }
    }
    report_within(&pairs.within, out);
    report_repeated(&by_pair(pairs.repeated), &rules, out);
    report_conflicting(&by_pair(pairs.conflicting), &rules, out);
    report_replaced(&by_pair(pairs.replaced), &rules, out);
}

/// Pairs of rules in (first, second) order, each with its names in the order found: one
/// list of names for all (a big profile has thousands of pairs, most with one name).
struct Grouped<'a> {
    pairs: Vec<((usize, usize), Range<usize>)>,
    names: Vec<&'a str>,
}

impl<'a> Grouped<'a> {
    fn iter(&self) -> impl Iterator<Item = ((usize, usize), &[&'a str])> {
        self.pairs.iter().map(|(pair, range)| (*pair, &self.names[range.clone()]))
    }
}

fn by_pair(mut found: Vec<(usize, usize, &str)>) -> Grouped<'_> {
    // Stable: a pair's names stay in the order they were found.
    found.sort_by_key(|&(a, b, _)| (a, b));
    let mut pairs: Vec<((usize, usize), Range<usize>)> = Vec::new();
    for (i, &(a, b, _)) in found.iter().enumerate() {
        match pairs.last_mut() {
            Some((pair, range)) if *pair == (a, b) => range.end = i + 1,
            _ => pairs.push(((a, b), i..i + 1)),
        }
    }
    Grouped { pairs, names: found.into_iter().map(|(_, _, name)| name).collect() }
}

/// Appends the rule's names once each, sorted, to `unique`; names listed twice are noted.
fn unique_names<'a>(rule: &'a SpecRule, sorted: &mut Vec<&'a str>, unique: &mut Vec<&'a str>, pairs: &mut Pairs<'a>) {
    sorted.clear();
    sorted.extend(rule.names.iter().map(String::as_str));
    sorted.sort_unstable();
    let mut run = 1;
    for (i, name) in sorted.iter().enumerate() {
        if sorted.get(i + 1) == Some(name) {
            run += 1;
            continue;
        }
        if run > 1 {
            let within = pairs.within.entry(rule.origin).or_default();
            if !within.iter().any(|(n, _)| n == name) {
                within.push((name, run));
            }
        }
        run = 1;
        unique.push(name);
    }
}

fn record<'a>(
    state: &mut NameState,
    name: &'a str,
    origin: usize,
    action: Action,
    conditional: bool,
    pairs: &mut Pairs<'a>,
) {
    match state.first {
        // Conditional rules after an unconditional one: the evaluator's concern, not a lint.
        Some(_) if conditional => {}
        Some((kept, _)) if kept == origin => {}
        Some((kept, kept_action)) if kept_action == action => pairs.repeated.push((kept, origin, name)),
        Some((kept, _)) => pairs.conflicting.push((kept, origin, name)),
        None if conditional => state.conditional.push((origin, action)),
        None => {
            state.first = Some((origin, action));
            let mut overridden: Vec<usize> =
                state.conditional.iter().filter(|(_, a)| *a != action).map(|(o, _)| *o).collect();
            overridden.dedup();
            for earlier in overridden {
                pairs.replaced.push((origin, earlier, name));
            }
            state.conditional = Vec::new();
        }
    }
}

fn report_within(within: &BTreeMap<usize, Vec<(&str, usize)>>, out: &mut Out) {
    for (&origin, names) in within {
        let shown = list(names.iter().map(|(n, times)| format!("{n} ({times}×)")), names.len());
        push(
            out,
            "duplicate-rule",
            origin,
            format!(
                "syscalls[{origin}] lists {} name(s) more than once: {shown}; the repeats have no effect",
                names.len()
            ),
            "list each name once",
            names.first().map(|(n, _)| *n),
        );
    }
}

/// One finding per kept rule and set of names, naming every rule that repeats them.
fn report_repeated(repeated: &Grouped, rules: &Rules, out: &mut Out) {
    let mut groups: BTreeMap<(usize, &[&str]), Vec<usize>> = BTreeMap::new();
    for ((kept, later), names) in repeated.iter() {
        groups.entry((kept, names)).or_default().push(later);
    }
    for ((kept, names), later) in groups {
        let action = rules.action(kept);
        let same_rule =
            rules.own_names(kept) == Some(names) && later.iter().all(|&l| rules.own_names(l) == Some(names));
        let rules =
            list(std::iter::once(kept).chain(later.iter().copied()).map(|i| format!("syscalls[{i}]")), later.len() + 1);
        let message = if same_rule {
            format!(
                "{rules} are the same rule ({} copies: {action} for {}); only the first has an effect",
                later.len() + 1,
                list(names.iter().map(|n| n.to_string()), names.len())
            )
        } else {
            let later_rules = list(later.iter().map(|i| format!("syscalls[{i}]")), later.len());
            format!(
                "{} already {action} in syscalls[{kept}]; listing {} again in {later_rules} has no effect",
                list(names.iter().map(|n| n.to_string()), names.len()),
                if names.len() == 1 { "it" } else { "them" },
            )
        };
        push(out, "duplicate-rule", later[0], message, "remove the repeats", names.first().copied());
    }
}

fn report_conflicting(conflicting: &Grouped, rules: &Rules, out: &mut Out) {
    let mut groups: BTreeMap<(usize, &[&str], String), Vec<usize>> = BTreeMap::new();
    for ((kept, later), names) in conflicting.iter() {
        groups.entry((kept, names, rules.action(later).to_string())).or_default().push(later);
    }
    for ((kept, names, later_action), later) in groups {
        let shown = list(names.iter().map(|n| n.to_string()), names.len());
        let which = if later.len() == 1 {
            "this rule".to_string()
        } else {
            format!("{} ({} rules)", list(later.iter().map(|i| format!("syscalls[{i}]")), later.len()), later.len())
        };
        let message = format!(
            "{shown}: syscalls[{kept}] makes {} {} and {which} {later_action}; libseccomp keeps the first, so {which} does nothing for {}",
            if names.len() == 1 { "it" } else { "them" },
            rules.action(kept),
            if names.len() == 1 { "it" } else { "them" },
        );
        push(
            out,
            "conflicting-rules",
            later[0],
            message,
            "remove the rule that should not apply, or make them conditional",
            names.first().copied(),
        );
    }
}

fn report_replaced(replaced: &Grouped, rules: &Rules, out: &mut Out) {
    let mut groups: BTreeMap<(usize, &[&str]), Vec<usize>> = BTreeMap::new();
    for ((rule, earlier), names) in replaced.iter() {
        groups.entry((rule, names)).or_default().push(earlier);
    }
    for ((rule, names), earlier) in groups {
        let earlier_rules = list(earlier.iter().map(|i| format!("syscalls[{i}]")), earlier.len());
        let message = format!(
            "{}: this unconditional {} rule replaces the conditional rule(s) in {earlier_rules} entirely",
            list(names.iter().map(|n| n.to_string()), names.len()),
            rules.action(rule)
        );
        push(out, "conflicting-rules", rule, message, "drop one of them", names.first().copied());
    }
}

/// `a, b, c` or `a, b, … (40 in all)`.
fn list(items: impl Iterator<Item = String>, count: usize) -> String {
    let shown: Vec<String> = items.take(SHOWN).collect();
    if count > SHOWN { format!("{}, … ({count} in all)", shown.join(", ")) } else { shown.join(", ") }
}

fn push(out: &mut Out, id: &'static str, origin: usize, message: String, hint: &str, about: Option<&str>) {
    let path = rule_path(origin);
    let mut finding = Finding::new(id, level_of(id), &path, message).hint(hint);
    if let Some(name) = about {
        finding = finding.about(name);
    }
    out.push((finding, path));
}
