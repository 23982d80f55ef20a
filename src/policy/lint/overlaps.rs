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
use std::collections::{BTreeMap, HashMap};

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

/// Pairs of rules, each with the names they share.
#[derive(Default)]
struct Pairs<'a> {
    /// (kept rule, later rule with the same action) -> names.
    repeated: BTreeMap<(usize, usize), Vec<&'a str>>,
    /// (kept rule, later rule with another action) -> names.
    conflicting: BTreeMap<(usize, usize), Vec<&'a str>>,
    /// (unconditional rule, earlier conditional rule it overrides) -> names.
    replaced: BTreeMap<(usize, usize), Vec<&'a str>>,
    /// rule -> (name, times listed) for names a rule lists more than once.
    within: BTreeMap<usize, Vec<(&'a str, usize)>>,
}

pub fn overlaps(ev: &Evaluator, out: &mut Out) {
    let default = ev.default_action;
    let mut names: HashMap<&str, NameState> = HashMap::new();
    let mut pairs = Pairs::default();
    let mut actions: HashMap<usize, Action> = HashMap::new();
    let mut own_names: HashMap<usize, Vec<&str>> = HashMap::new();
    for rule in &ev.prepared.spec.rules {
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
        actions.insert(rule.origin, action);
        let unique = unique_names(rule, &mut pairs);
        for &name in &unique {
            record(names.entry(name).or_default(), name, rule.origin, action, !rule.args.is_empty(), &mut pairs);
        }
        own_names.entry(rule.origin).or_insert(unique);
    }
    report_within(&pairs.within, out);
    report_repeated(&pairs.repeated, &actions, &own_names, out);
    report_conflicting(&pairs.conflicting, &actions, out);
    report_replaced(&pairs.replaced, &actions, out);
}

/// The rule's names once each, sorted; names listed twice are noted.
fn unique_names<'a>(rule: &'a SpecRule, pairs: &mut Pairs<'a>) -> Vec<&'a str> {
    let mut sorted: Vec<&str> = rule.names.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let mut unique: Vec<&str> = Vec::with_capacity(sorted.len());
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
    unique
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
        Some((kept, kept_action)) if kept_action == action => {
            pairs.repeated.entry((kept, origin)).or_default().push(name)
        }
        Some((kept, _)) => pairs.conflicting.entry((kept, origin)).or_default().push(name),
        None if conditional => state.conditional.push((origin, action)),
        None => {
            state.first = Some((origin, action));
            let mut overridden: Vec<usize> =
                state.conditional.iter().filter(|(_, a)| *a != action).map(|(o, _)| *o).collect();
            overridden.dedup();
            for earlier in overridden {
                pairs.replaced.entry((origin, earlier)).or_default().push(name);
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
fn report_repeated(
    repeated: &BTreeMap<(usize, usize), Vec<&str>>,
    actions: &HashMap<usize, Action>,
    own_names: &HashMap<usize, Vec<&str>>,
    out: &mut Out,
) {
    let mut groups: BTreeMap<(usize, &[&str]), Vec<usize>> = BTreeMap::new();
    for ((kept, later), names) in repeated {
        groups.entry((*kept, names.as_slice())).or_default().push(*later);
    }
    for ((kept, names), later) in groups {
        let action = actions[&kept];
        let same_rule = own_names.get(&kept).is_some_and(|n| n.as_slice() == names)
            && later.iter().all(|l| own_names.get(l).is_some_and(|n| n.as_slice() == names));
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

fn report_conflicting(
    conflicting: &BTreeMap<(usize, usize), Vec<&str>>,
    actions: &HashMap<usize, Action>,
    out: &mut Out,
) {
    let mut groups: BTreeMap<(usize, &[&str], String), Vec<usize>> = BTreeMap::new();
    for ((kept, later), names) in conflicting {
        groups.entry((*kept, names.as_slice(), actions[later].to_string())).or_default().push(*later);
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
            actions[&kept],
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

fn report_replaced(replaced: &BTreeMap<(usize, usize), Vec<&str>>, actions: &HashMap<usize, Action>, out: &mut Out) {
    let mut groups: BTreeMap<(usize, &[&str]), Vec<usize>> = BTreeMap::new();
    for ((rule, earlier), names) in replaced {
        groups.entry((*rule, names.as_slice())).or_default().push(*earlier);
    }
    for ((rule, names), earlier) in groups {
        let rules = list(earlier.iter().map(|i| format!("syscalls[{i}]")), earlier.len());
        let message = format!(
            "{}: this unconditional {} rule replaces the conditional rule(s) in {rules} entirely",
            list(names.iter().map(|n| n.to_string()), names.len()),
            actions[&rule]
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
