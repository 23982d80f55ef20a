//! The compiler: an evaluated profile to a seccomp BPF program.
//!
//! Shape: check `arch` (native first), then per architecture a decision tree over
//! syscall-number *ranges* — adjacent numbers with the same unconditional outcome form one
//! range — built to minimise the longest path, and only then, for syscalls with argument
//! conditions, the argument checks. Unconditional outcomes never load an argument, so every
//! unconditionally allowed syscall stays in the kernel's action cache (Linux >= 5.11).

use super::alphabetic::{build, leaf_depths};
use super::args::ArgCode;
use super::graph::{Graph, Load, Node, NodeId, TestOp};
use super::insn::Insn;
use super::layout::{LayoutError, layout};
use crate::catalog::{self, Arch, X32_SYSCALL_BIT};
use crate::policy::evaluator::Evaluator;
use crate::policy::seccomp_db::Lookup;
use crate::profile::Action;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

/// A compiled filter.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub program: Vec<Insn>,
    /// Byte order of the host the filter is for (decides argument word offsets).
    pub little_endian: bool,
    /// The architectures the filter accepts, native first.
    pub arches: Vec<Arch>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error(transparent)]
    Layout(#[from] LayoutError),
}

/// Big-endian hosts put the high word of an argument first.
pub fn is_little_endian(native: Arch) -> bool {
    !matches!(
        native,
        Arch::S390x
            | Arch::S390
            | Arch::Ppc64
            | Arch::Ppc
            | Arch::Mips
            | Arch::Mips64
            | Arch::Mips64n32
            | Arch::Parisc
            | Arch::Parisc64
    )
}

pub fn compile(ev: &Evaluator) -> Result<Compiled, CompileError> {
    compile_mapped(ev, |a| a)
}

/// Like [`compile`], with every returned action passed through `map` (the sandbox turns
/// denials into user notifications this way, keeping every decision's place).
pub fn compile_mapped(ev: &Evaluator, map: impl Fn(Action) -> Action) -> Result<Compiled, CompileError> {
    let arches = ev.arches();
    let little_endian = is_little_endian(ev.context.native);
    let mut graph = Graph::default();
    let bad_arch = graph.ret(ev.db.bad_arch_action.ret_value());
    let mut audits: Vec<u32> = Vec::new();
    for a in &arches {
        if !audits.contains(&a.audit_value()) {
            audits.push(a.audit_value());
        }
    }
    // Build the arch checks back to front: each one falls through to the next.
    let mut next = bad_arch;
    for &audit in audits.iter().rev() {
        let root = number_dispatch(ev, &mut graph, audit);
        next = graph.test(Load::Arch, None, TestOp::Eq, audit, root, next);
    }
    for node in graph.nodes.iter_mut() {
        if let Node::Ret(v) = node {
            *v = Action::from_ret_value(*v).map_or(*v, |a| map(a).ret_value());
        }
    }
    let program = layout(&graph, next, little_endian)?;
    Ok(Compiled { program, little_endian, arches })
}

/// What a range of syscall numbers leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    first: u32,
    target: NodeId,
    /// The most instructions executed from the range's leaf on.
    cost: u32,
}

/// The decision tree over syscall numbers for one `seccomp_data.arch` value.
fn number_dispatch(ev: &Evaluator, graph: &mut Graph, audit: u32) -> NodeId {
    let default = graph.ret(ev.default_action.ret_value());
    let mut ranges: Vec<Range> = Vec::new();
    let mut tree_code: HashMap<(Arch, u32), NodeId> = HashMap::default();
    let mut longest: HashMap<NodeId, u32> = HashMap::default();
    for first in breakpoints(ev, audit) {
        let target = match ev.lookup(audit, first) {
            Lookup::BadArch => graph.ret(ev.db.bad_arch_action.ret_value()),
            Lookup::Default => default,
            Lookup::Unconditional(action) => graph.ret(action.ret_value()),
            Lookup::Tree(db, entry) => *tree_code
                .entry((db.arch, first))
                .or_insert_with(|| ArgCode::new(graph, &entry.tree, db.arch.is_64bit()).build(default)),
        };
        if ranges.last().is_some_and(|r| r.target == target) {
            continue;
        }
        let cost = *longest.entry(target).or_insert_with(|| graph.longest_executed(target));
        ranges.push(Range { first, target, cost });
    }
    let weights = range_weights(&ranges, audit);
    let (ranges, weights) = absorb_islands(graph, &ranges, &weights);
    weighted_tree(graph, &ranges, &weights)
}

/// How many single numbers one range may carry as exceptions.
const MAX_ISLANDS: usize = 3;

/// A single number with its own outcome between two ranges with the same outcome (an allowed
/// syscall in a denied stretch) costs two splits in a range tree but one `jeq` inside the
/// surrounding range: merge such islands into their surroundings, a few per range.
fn absorb_islands(graph: &mut Graph, ranges: &[Range], weights: &[f64]) -> (Vec<Range>, Vec<f64>) {
    let mut out = Vec::with_capacity(ranges.len());
    let mut out_weights = Vec::with_capacity(ranges.len());
    let mut i = 0;
    while i < ranges.len() {
        let base = ranges[i];
        let mut weight = weights[i];
        let mut islands: Vec<Range> = Vec::new();
        let mut j = i + 1;
        while islands.len() < MAX_ISLANDS
            && j + 1 < ranges.len()
            && ranges[j + 1].first == ranges[j].first.wrapping_add(1)
            && ranges[j + 1].target == base.target
        {
            islands.push(ranges[j]);
            weight += weights[j] + weights[j + 1];
            j += 2;
        }
        if islands.is_empty() {
            out.push(base);
            out_weights.push(weight);
            i += 1;
            continue;
        }
        let mut target = base.target;
        let mut cost = base.cost + islands.len() as u32;
        for (k, island) in islands.iter().enumerate().rev() {
            target = graph.test(Load::Nr, None, TestOp::Eq, island.first, island.target, target);
            cost = cost.max(island.cost + k as u32 + 1);
        }
        out.push(Range { first: base.first, target, cost });
        out_weights.push(weight);
        i = j;
    }
    (out, out_weights)
}

/// How likely each range is: the syscalls known in it (x32's count for little, as x32
/// programs are rare), and a little for ranges with none (unknown numbers, other ABIs).
fn range_weights(ranges: &[Range], audit: u32) -> Vec<f64> {
    let mut known: Vec<(u32, f64)> = Vec::new();
    for arch in Arch::all().filter(|a| a.audit_value() == audit) {
        let share = if arch == Arch::X32 { 0.125 } else { 1.0 };
        if let Some(t) = catalog::table(arch) {
            known.extend(t.iter().map(|(nr, _)| (nr, share)));
        }
    }
    known.sort_by_key(|(nr, _)| *nr);
    ranges
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let end = ranges.get(i + 1).map_or(u64::from(u32::MAX) + 1, |n| u64::from(n.first));
            let lo = known.partition_point(|(nr, _)| *nr < r.first);
            let hi = known.partition_point(|(nr, _)| u64::from(*nr) < end);
            0.05 + known[lo..hi].iter().map(|(_, w)| w).sum::<f64>()
        })
        .collect()
}

/// The most instructions from the number dispatch's root to a return that we aim for: with
/// the arch check and the number load in front, 16 in all.
const PATH_LIMIT: u32 = 13;

/// How much longer than the shortest achievable the longest path may get for a better mean,
/// when the limit cannot be kept.
const LONGEST_SLACK: u32 = 4;

/// Rounds of reweighting per schedule (each a Garsia–Wachs run over the ranges).
const REWEIGHT_ROUNDS: usize = 32;

/// An alphabetic tree over the ranges with the least weighted depth (Garsia–Wachs). Ranges
/// whose path would exceed [`PATH_LIMIT`] (argument checks are long) are made heavier, round
/// by round, so they move up; each round's tree is a candidate, and the one kept has the least
/// weighted depth among those within the limit. Moving long leaves up pushes the common ones
/// down, so the last round is rarely the best.
///
/// Raising each long leaf's weight by its excess at once keeps Docker-style profiles within
/// the limit. When no round gets there (many long argument checks), doubling the weights each
/// round gives finer steps, and the common syscalls' speed counts more than a few instructions
/// on the longest path: the bound is then the shortest longest path plus [`LONGEST_SLACK`].
fn weighted_tree(graph: &mut Graph, ranges: &[Range], weights: &[f64]) -> NodeId {
    let mut candidates = reweighted_trees(ranges, weights, true);
    let mut shortest = candidates.iter().map(|c| c.longest).min().unwrap_or(0);
    let bound = if shortest <= PATH_LIMIT {
        PATH_LIMIT
    } else {
        let fine = reweighted_trees(ranges, weights, false);
        shortest = fine.iter().map(|c| c.longest).min().unwrap_or(0);
        candidates.extend(fine);
        shortest + LONGEST_SLACK
    };
    let depths = candidates
        .into_iter()
        .filter(|c| c.longest <= bound)
        .min_by(|a, b| a.mean_depth.total_cmp(&b.mean_depth))
        .map(|c| c.depths)
        .unwrap_or_default();
    let leaves: Vec<(u32, NodeId)> = ranges.iter().map(|r| (r.first, r.target)).collect();
    build(&leaves, &depths, |(first, low), (split, high)| {
        // One JGE on the number (loaded once; later loads are dropped by layout).
        (first, graph.test(Load::Nr, None, TestOp::Ge, split, high, low))
    })
    .1
}

/// A number-dispatch tree's leaf depths and what they cost.
struct Candidate {
    depths: Vec<u32>,
    /// The most instructions from the root to a return (the leaf's depth and its code).
    longest: u32,
    /// The depth of a leaf on average, by weight.
    mean_depth: f64,
}

/// The tree of every reweighting round (the first with the weights as given): leaves whose
/// path exceeds [`PATH_LIMIT`] get `coarse`ly 2^excess times their weight, or twice it.
fn reweighted_trees(ranges: &[Range], weights: &[f64], coarse: bool) -> Vec<Candidate> {
    let total: f64 = weights.iter().sum();
    let candidate = |depths: Vec<u32>| {
        let longest = (0..ranges.len()).map(|i| depths[i] + ranges[i].cost).max().unwrap_or(0);
        let mean_depth = (0..ranges.len()).map(|i| weights[i] * f64::from(depths[i])).sum::<f64>() / total;
        Candidate { depths, longest, mean_depth }
    };
    let mut adjusted = weights.to_vec();
    let mut depths = leaf_depths(&adjusted);
    let mut out = vec![candidate(depths.clone())];
    for _ in 0..REWEIGHT_ROUNDS {
        // Leaves that are too deep (the cost over-counts loads, so long argument checks are
        // moved up as far as the other leaves allow).
        let over: Vec<usize> =
            (0..ranges.len()).filter(|&i| depths[i] + ranges[i].cost > PATH_LIMIT && depths[i] > 1).collect();
        if over.is_empty() {
            break;
        }
        for i in over {
            // Each level less needs about twice the weight.
            let excess = depths[i] + ranges[i].cost - PATH_LIMIT;
            adjusted[i] *= if coarse { f64::from(2u32.pow(excess.min(20))) } else { 2.0 };
        }
        depths = leaf_depths(&adjusted);
        out.push(candidate(depths.clone()));
    }
    out
}

/// Every number where the outcome may change: each syscall with a rule and the one after it,
/// the stub's thresholds, the x32 boundaries and -1.
fn breakpoints(ev: &Evaluator, audit: u32) -> BTreeSet<u32> {
    let mut points = BTreeSet::from([0u32]);
    for db in ev.db.dbs.iter().filter(|d| d.arch.audit_value() == audit) {
        for &nr in db.syscalls.keys() {
            points.insert(nr);
            points.extend(nr.checked_add(1));
        }
    }
    if let Some(stub) = &ev.stub {
        for (arch, max) in stub.last.iter().filter(|(a, _)| a.audit_value() == audit) {
            points.extend(max.checked_add(1));
            if matches!(arch, Arch::S390 | Arch::S390x) {
                points.insert(1);
            }
        }
    }
    if audit == Arch::X86_64.audit_value() {
        // libseccomp splits at 0x40000000 numerically; runc's stub tests bit 30, which flips
        // at every multiple of 0x40000000; -1 is let through for tracers.
        points.extend([X32_SYSCALL_BIT, 0x8000_0000, 0xc000_0000, u32::MAX]);
    }
    points
}
