//! Comparing what two profiles make the kernel do (not their text): per syscall and
//! architecture, each side's behaviour over the argument values that matter, rolled up by
//! category, with the risk that changes.

use super::describe::describe_condition;
use super::evaluator::Evaluator;
use crate::catalog::{self, Arch, RiskLevel, table};
use crate::profile::Action;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

/// What one side does with one syscall.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Behaviour {
    /// With all arguments 0.
    pub action: Action,
    /// "ALLOW", or "ALLOW when arg0 == 0 or arg0 == 0x8; otherwise ERRNO(1)".
    pub words: String,
}

/// How the right side differs from the left for a syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// Lets through (a superset of) what the left denies.
    RightAllowsMore,
    /// Denies some of what the left lets through.
    RightAllowsLess,
    /// Lets through both or neither, differently (another errno, KILL vs ERRNO, …), or mixed.
    Changed,
    /// Only in [`Comparison::equal`]: both sides do the same.
    Same,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub syscall: &'static str,
    /// The architectures where it differs this way.
    pub arches: Vec<Arch>,
    pub left: Behaviour,
    pub right: Behaviour,
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The host's arch: roll-ups and risk speak of it (other arches are in the rows).
    pub native: Arch,
    pub default_left: Action,
    pub default_right: Action,
    pub differences: Vec<Difference>,
    /// With `all`: the syscalls both sides treat alike (left and right are the same).
    pub equal: Vec<Difference>,
    /// Syscalls compared (per arch, summed).
    pub compared: usize,
}

impl Comparison {
    pub fn is_equivalent(&self) -> bool {
        self.differences.is_empty()
    }

    /// Differences in one direction on the host's arch, by browsing category (catalog order).
    pub fn by_category(&self, direction: Direction) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for category in catalog::CATEGORIES {
            let names: Vec<&'static str> = self
                .differences
                .iter()
                .filter(|d| d.direction == direction && d.arches.contains(&self.native))
                .filter(|d| catalog::info(d.syscall).is_some_and(|i| i.category.id == category.id))
                .map(|d| d.syscall)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if !names.is_empty() {
                out.push((category.title, names));
            }
        }
        out
    }

    /// Risky syscalls whose "lets through" changed: (name, level, newly allowed on the right).
    pub fn risk_delta(&self) -> Vec<(&'static str, RiskLevel, bool)> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for d in self.differences.iter().filter(|d| d.arches.contains(&self.native)) {
            let Some(risk) = catalog::info(d.syscall).and_then(|i| i.risk) else { continue };
            let more = match d.direction {
                Direction::RightAllowsMore => true,
                Direction::RightAllowsLess => false,
                Direction::Changed | Direction::Same => continue,
            };
            if seen.insert(d.syscall) {
                out.push((d.syscall, risk.level, more));
            }
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        out
    }
}

/// Compares `left` and `right` on every syscall known on `arches`; with `all`, the syscalls
/// they treat alike are listed too.
pub fn compare(left: &Evaluator, right: &Evaluator, arches: &[Arch], all: bool) -> Comparison {
    let mut differences = Rows::default();
    let mut equal = Rows::default();
    let mut compared = 0;
    for &arch in arches {
        let Some(t) = table(arch) else { continue };
        for (nr, name) in t.iter() {
            compared += 1;
            let (d, list) = match compare_one(left, right, arch, nr, name) {
                Some(d) => (d, &mut differences),
                None if all => {
                    let b = behaviour(left, arch, nr, name, &argument_vectors(left, right, name));
                    let same = Difference {
                        syscall: name,
                        arches: vec![arch],
                        left: b.clone(),
                        right: b,
                        direction: Direction::Same,
                    };
                    (same, &mut equal)
                }
                None => continue,
            };
            list.merge(d, arch);
        }
    }
    let (mut differences, mut equal) = (differences.list, equal.list);
    differences.sort_by(|a, b| a.syscall.cmp(b.syscall));
    equal.sort_by(|a, b| a.syscall.cmp(b.syscall));
    Comparison {
        native: left.context.native,
        default_left: left.default_action,
        default_right: right.default_action,
        differences,
        equal,
        compared,
    }
}

/// The rows of a comparison in the order first met, indexed by (syscall, left, right): a scan
/// of the rows per syscall and arch made a 6-arch comparison quadratic in the rows.
#[derive(Default)]
struct Rows {
    list: Vec<Difference>,
    index: FxHashMap<(&'static str, Behaviour, Behaviour), usize>,
}

impl Rows {
    /// One row for a syscall that differs the same way on several arches.
    fn merge(&mut self, d: Difference, arch: Arch) {
        let Difference { syscall, arches, left, right, direction } = d;
        let key = (syscall, left, right);
        if let Some(&row) = self.index.get(&key) {
            self.list[row].arches.push(arch);
            return;
        }
        let (syscall, left, right) = key;
        self.index.insert((syscall, left.clone(), right.clone()), self.list.len());
        self.list.push(Difference { syscall, arches, left, right, direction });
    }
}

fn compare_one(left: &Evaluator, right: &Evaluator, arch: Arch, nr: u32, name: &'static str) -> Option<Difference> {
    let inputs = argument_vectors(left, right, name);
    let decide = |ev: &Evaluator, args: &[u64; 6]| ev.action(arch, nr, args);
    let pairs: Vec<(Action, Action)> = inputs.iter().map(|a| (decide(left, a), decide(right, a))).collect();
    if pairs.iter().all(|(l, r)| l == r) {
        return None;
    }
    let more = pairs.iter().any(|(l, r)| !l.lets_through() && r.lets_through());
    let less = pairs.iter().any(|(l, r)| l.lets_through() && !r.lets_through());
    let direction = match (more, less) {
        (true, false) => Direction::RightAllowsMore,
        (false, true) => Direction::RightAllowsLess,
        _ => Direction::Changed,
    };
    Some(Difference {
        syscall: name,
        arches: vec![arch],
        left: behaviour(left, arch, nr, name, &inputs),
        right: behaviour(right, arch, nr, name, &inputs),
        direction,
    })
}

/// Argument vectors that tell the two sides apart: all zero, and for every condition either
/// side has on `name`, the compared value, its neighbours and its high-bit variant.
fn argument_vectors(left: &Evaluator, right: &Evaluator, name: &str) -> Vec<[u64; 6]> {
    let mut out: BTreeSet<[u64; 6]> = BTreeSet::from([[0; 6]]);
    for ev in [left, right] {
        for rule in ev.rules_naming(name) {
            for c in &rule.args {
                let v = if c.op == crate::profile::Op::MaskedEq { c.value_two & c.value } else { c.value };
                for candidate in [v, v.wrapping_add(1), v.wrapping_sub(1), v | 1 << 63, !v & c.value] {
                    let mut args = [0; 6];
                    args[(c.index as usize).min(5)] = candidate;
                    out.insert(args);
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Words for one side: its action when the same for every input, else the conditions that let
/// the call through (from the rules that apply under the engine) and what happens otherwise.
fn behaviour(ev: &Evaluator, arch: Arch, nr: u32, name: &str, inputs: &[[u64; 6]]) -> Behaviour {
    let action = ev.action(arch, nr, &[0; 6]);
    let all: BTreeSet<String> = inputs.iter().map(|a| ev.action(arch, nr, a).to_string()).collect();
    if all.len() == 1 {
        return Behaviour { action, words: action.to_string() };
    }
    let rules: Vec<_> = ev.rules_naming(name).filter(|r| !r.args.is_empty()).collect();
    // "Otherwise": an input that no conditional rule matches.
    let unmatched = inputs.iter().find(|a| rules.iter().all(|r| !r.args.iter().all(|c| c.matches(a))));
    let otherwise = unmatched.map_or(ev.default_action, |a| ev.action(arch, nr, a));
    let alternatives: Vec<String> = rules
        .iter()
        .map(|r| {
            let conds: Vec<String> = r.args.iter().map(describe_condition).collect();
            format!("{} when {}", Action::from_name(r.action, r.errno_ret), conds.join(" and "))
        })
        .collect();
    Behaviour { action, words: format!("{}; otherwise {otherwise}", alternatives.join(", ")) }
}
