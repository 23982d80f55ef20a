//! Lays the node graph out as a linear program: forward jumps only, loads the accumulator
//! already holds dropped, jumps beyond 255 instructions bridged, the 4096 limit checked.

use super::graph::{Graph, Load, Node, NodeId, TestOp};
use super::insn::{self, Insn, MAX_INSNS};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error(
        "the filter needs {len} instructions, {over} more than the kernel's limit of {MAX_INSNS}; \
         reduce the argument conditions, merge rules with the same action, or filter fewer architectures (--arch)"
    )]
    TooLong { len: usize, over: usize },
}

/// The accumulator's known content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acc {
    Unknown,
    Holds(Load, Option<u32>),
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Node(NodeId),
    Item(usize),
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Load(u32),
    And(u32),
    Jump { op: TestOp, k: u32, jt: Target, jf: Target },
    Always(Target),
    Ret(u32),
}

pub fn layout(graph: &Graph, entry: NodeId, little_endian: bool) -> Result<Vec<Insn>, LayoutError> {
    if let Node::Ret(v) = graph.node(entry) {
        return Ok(vec![Insn::stmt(insn::RET | insn::K, v)]);
    }
    let order = reverse_postorder(graph, entry);
    let entry_state = accumulator_states(graph, &order, entry);
    // Items with stable ids (their index at creation); `head[node]` is a test's first item.
    // Returns are not laid out here: `pool_returns` places copies where the jumps reach them.
    let mut items: Vec<(usize, Item)> = Vec::with_capacity(order.len() * 2);
    let mut head: Vec<usize> = vec![usize::MAX; graph.nodes.len()];
    for &n in &order {
        let Node::Test { load, mask, op, k, jt, jf } = graph.node(n) else { continue };
        head[n] = items.len();
        let state = entry_state[n].unwrap_or(Acc::Unknown);
        let holds_all = state == Acc::Holds(load, mask);
        if !holds_all && state != Acc::Holds(load, None) {
            items.push((items.len(), Item::Load(offset(load, little_endian))));
        }
        if let Some(m) = mask.filter(|_| !holds_all) {
            items.push((items.len(), Item::And(m)));
        }
        items.push((items.len(), Item::Jump { op, k, jt: Target::Node(jt), jf: Target::Node(jf) }));
    }
    let items = pool_returns(items, &head, graph);
    let items = bridge_far_jumps(items, &head);
    let len = items.len();
    if len > MAX_INSNS {
        return Err(LayoutError::TooLong { len, over: len - MAX_INSNS });
    }
    Ok(emit(&items, &head))
}

/// The farthest a conditional jump reaches: 8-bit offsets.
const REACH: usize = 255;

/// What a stretch of jumps may share, placed between tests: a copy of a return, or a hop
/// (`ja`) to a test farther than a conditional jump reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stop {
    Ret(u32),
    Hop(NodeId),
}

/// Places copies of the returns between tests, where nothing falls through, as late as the
/// first jump that needs one still reaches, so one copy serves every jump of a stretch
/// (libseccomp lays its returns out the same way). Jumps to a test certainly out of reach
/// share a hop the same way. Every branch to a return then targets a copy; returns left at the
/// end close the program.
fn pool_returns(items: Vec<(usize, Item)>, head: &[usize], graph: &Graph) -> Vec<(usize, Item)> {
    // The stop a branch from item `i` needs, if any.
    let stop_for = |i: usize, t: Target| match t {
        Target::Node(n) => match graph.node(n) {
            Node::Ret(v) => Some(Stop::Ret(v)),
            // Code only gets longer from here, so this is far for sure.
            Node::Test { .. } => (head[n] > i && head[n] - i - 1 > REACH).then_some(Stop::Hop(n)),
        },
        Target::Item(_) => None,
    };
    let falls_into = |i: usize, t: Target| matches!(t, Target::Node(n) if head[n] == i + 1);
    // free[i]: nothing runs on from item i into item i + 1, so copies may go between them.
    let free: Vec<bool> = items
        .iter()
        .enumerate()
        .map(|(i, (_, item))| match *item {
            Item::Jump { jt, jf, .. } => !falls_into(i, jt) && !falls_into(i, jf),
            Item::Load(_) | Item::And(_) => false,
            Item::Always(_) | Item::Ret(_) => true,
        })
        .collect();
    let mut next_free = vec![items.len(); items.len() + 1];
    for i in (0..items.len()).rev() {
        next_free[i] = if free[i] { i } else { next_free[i + 1] };
    }
    let mut next_id = items.len();
    let mut out: Vec<(usize, Item)> = Vec::with_capacity(items.len() + 64);
    // Per stop: the position of the first jump waiting for it, and every waiting (position,
    // branch taken) pair.
    let mut waiting: std::collections::BTreeMap<Stop, (usize, Vec<(usize, bool)>)> = Default::default();
    let count = items.len();
    for (i, (id, item)) in items.into_iter().enumerate() {
        if let Item::Jump { jt, jf, .. } = item {
            for (taken, t) in [(true, jt), (false, jf)] {
                if let Some(stop) = stop_for(i, t) {
                    let at = out.len();
                    waiting.entry(stop).or_insert_with(|| (at, Vec::new())).1.push((at, taken));
                }
            }
        }
        out.push((id, item));
        if !free[i] {
            continue;
        }
        // The latest the next chance to place copies could put one.
        let last = i + 1 == count;
        let next_chance = out.len() + (next_free[(i + 1).min(count)] - i) + waiting.len();
        let mut due: Vec<(usize, Stop)> = waiting
            .iter()
            .filter(|(_, (first, _))| last || next_chance - first - 1 > REACH)
            .map(|(&stop, &(first, _))| (first, stop))
            .collect();
        due.sort_unstable();
        for (_, stop) in due {
            let mut jumps = waiting.remove(&stop).map(|w| w.1).unwrap_or_default();
            let target = match stop {
                Stop::Ret(v) => Item::Ret(v),
                Stop::Hop(n) => {
                    // A hop out of a jump's reach, or past its test (jumps go forward only),
                    // is no use: those jumps keep their test, and get a bridge of their own.
                    let here = out.len();
                    jumps.retain(|&(at, _)| head[n] > i && here - at - 1 <= REACH);
                    if jumps.is_empty() {
                        continue;
                    }
                    Item::Always(Target::Node(n))
                }
            };
            let copy = next_id;
            next_id += 1;
            out.push((copy, target));
            for (at, taken) in jumps {
                if let Item::Jump { jt, jf, .. } = &mut out[at].1 {
                    *(if taken { jt } else { jf }) = Target::Item(copy);
                }
            }
        }
    }
    out
}

fn offset(load: Load, little_endian: bool) -> u32 {
    match load {
        Load::Arch => insn::OFF_ARCH,
        Load::Nr => insn::OFF_NR,
        Load::Arg { index, high } => insn::arg_offset(index, high, little_endian),
    }
}

/// Nodes in an order where every node comes before its successors: after a test its false
/// branch where possible (it falls through), except after an architecture check, which is
/// followed by that architecture's code, so the native one (checked first) needs no jump.
fn reverse_postorder(graph: &Graph, entry: NodeId) -> Vec<NodeId> {
    let mut post = Vec::with_capacity(graph.nodes.len());
    let mut seen = vec![false; graph.nodes.len()];
    let mut stack: Vec<(NodeId, bool)> = vec![(entry, false)];
    while let Some((n, children_done)) = stack.pop() {
        if children_done {
            post.push(n);
            continue;
        }
        if seen[n] {
            continue;
        }
        seen[n] = true;
        stack.push((n, true));
        if let Node::Test { load, jt, jf, .. } = graph.node(n) {
            // The child visited last (pushed first) ends up right after `n` once reversed.
            let true_next = load == Load::Arch;
            let (next, other) = if true_next { (jt, jf) } else { (jf, jt) };
            stack.push((next, false));
            stack.push((other, false));
        }
    }
    post.reverse();
    post
}

/// What the accumulator holds on entry to each node, over all paths into it.
fn accumulator_states(graph: &Graph, order: &[NodeId], entry: NodeId) -> Vec<Option<Acc>> {
    let mut incoming: Vec<Option<Acc>> = vec![None; graph.nodes.len()];
    incoming[entry] = Some(Acc::Unknown);
    for &n in order {
        if let Node::Test { load, mask, .. } = graph.node(n) {
            let out = Acc::Holds(load, mask);
            for succ in graph.successors(n) {
                incoming[succ] = match incoming[succ] {
                    None => Some(out),
                    Some(prev) if prev == out => Some(out),
                    Some(_) => Some(Acc::Unknown),
                };
            }
        }
    }
    incoming
}

/// Position of every item id.
fn positions(items: &[(usize, Item)]) -> Vec<usize> {
    let mut pos = vec![0; items.iter().map(|(id, _)| id + 1).max().unwrap_or(0)];
    for (p, (id, _)) in items.iter().enumerate() {
        pos[*id] = p;
    }
    pos
}

fn resolve(t: Target, head: &[usize]) -> usize {
    match t {
        Target::Node(n) => head[n],
        Target::Item(id) => id,
    }
}

/// Conditional jumps reach at most 255 instructions ahead: a branch that goes farther gets a
/// stop right after the jump — a copy of the return it leads to, or an unconditional jump.
/// Inserting stops moves code, so repeat until every jump is in reach.
fn bridge_far_jumps(mut items: Vec<(usize, Item)>, head: &[usize]) -> Vec<(usize, Item)> {
    let mut next_id = items.iter().map(|(id, _)| id + 1).max().unwrap_or(0);
    // The returns and hops placed between tests, by id: a bridge to one is a copy of it.
    let mut stops: std::collections::HashMap<usize, Item> =
        items.iter().filter(|(_, item)| matches!(item, Item::Ret(_) | Item::Always(_))).copied().collect();
    loop {
        let pos = positions(&items);
        let far = |from: usize, t: Target| pos[resolve(t, head)] - from - 1 > REACH;
        let mut changed = false;
        let mut out = Vec::with_capacity(items.len() + 16);
        for (p, (id, item)) in items.iter().enumerate() {
            let Item::Jump { op, k, jt, jf } = *item else {
                out.push((*id, *item));
                continue;
            };
            let mut added = Vec::new();
            let mut stop_for = |t: Target| -> Target {
                if !far(p, t) {
                    return t;
                }
                let stop = match t {
                    Target::Item(other) => stops.get(&other).copied().unwrap_or(Item::Always(t)),
                    Target::Node(_) => Item::Always(t),
                };
                stops.insert(next_id, stop);
                added.push((next_id, stop));
                next_id += 1;
                Target::Item(next_id - 1)
            };
            let (jt, jf) = (stop_for(jt), stop_for(jf));
            changed |= !added.is_empty();
            out.push((*id, Item::Jump { op, k, jt, jf }));
            out.extend(added);
        }
        items = out;
        if !changed {
            return drop_unused_stops(items, &stops);
        }
    }
}

/// A pooled return or hop whose jumps all got bridges of their own is never reached (nothing
/// falls into a stop): leave it out. Jumps only get shorter.
fn drop_unused_stops(items: Vec<(usize, Item)>, stops: &std::collections::HashMap<usize, Item>) -> Vec<(usize, Item)> {
    let mut used = std::collections::HashSet::new();
    for (_, item) in &items {
        match *item {
            Item::Jump { jt, jf, .. } => used.extend([jt, jf].into_iter().filter_map(item_id)),
            Item::Always(t) => used.extend(item_id(t)),
            _ => {}
        }
    }
    items.into_iter().filter(|(id, _)| !stops.contains_key(id) || used.contains(id)).collect()
}

fn item_id(t: Target) -> Option<usize> {
    match t {
        Target::Item(id) => Some(id),
        Target::Node(_) => None,
    }
}

fn emit(items: &[(usize, Item)], head: &[usize]) -> Vec<Insn> {
    use insn::*;
    let pos = positions(items);
    let rel = |from: usize, t: Target| (pos[resolve(t, head)] - from - 1) as u32;
    items
        .iter()
        .enumerate()
        .map(|(p, (_, item))| match *item {
            Item::Load(off) => Insn::stmt(LD | W | ABS, off),
            Item::And(m) => Insn::stmt(ALU | AND | K, m),
            Item::Ret(v) => Insn::stmt(RET | K, v),
            Item::Always(t) => Insn::stmt(JMP | JA, rel(p, t)),
            Item::Jump { op, k, jt, jf } => {
                let code = JMP
                    | K
                    | match op {
                        TestOp::Eq => JEQ,
                        TestOp::Gt => JGT,
                        TestOp::Ge => JGE,
                    };
                Insn::jump(code, k, rel(p, jt) as u8, rel(p, jf) as u8)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::emulator::{SeccompData, run};
    use crate::bpf::graph::Graph;

    /// A chain of 300 tests on the syscall number where the first test's true branch skips to
    /// the last test: the jump is too far for 8 bits and needs a bridge.
    #[test]
    fn far_jumps_are_bridged_and_keep_their_meaning() {
        let mut g = Graph::default();
        let allow = g.ret(0x7fff_0000);
        let deny = g.ret(0x0005_0001);
        let last = g.test(Load::Arg { index: 0, high: false }, None, TestOp::Eq, 7, allow, deny);
        let mut next = last;
        for k in (1..300).rev() {
            next = g.test(Load::Nr, None, TestOp::Eq, k, deny, next);
        }
        let first = g.test(Load::Nr, None, TestOp::Eq, 1000, last, next);
        let prog = layout(&g, first, true).unwrap();
        assert!(prog.iter().any(|i| i.code == (insn::JMP | insn::JA)), "a bridge was needed");
        let ret = |nr, a0| run(&prog, &SeccompData::new(0, nr, [a0, 0, 0, 0, 0, 0]), true).unwrap().ret;
        assert_eq!(ret(1000, 7), 0x7fff_0000);
        assert_eq!(ret(1000, 8), 0x0005_0001);
        assert_eq!(ret(150, 7), 0x0005_0001);
        assert_eq!(ret(999, 7), 0x7fff_0000);
    }

    #[test]
    fn programs_over_the_kernel_limit_are_refused_with_the_numbers() {
        let mut g = Graph::default();
        let allow = g.ret(0x7fff_0000);
        let deny = g.ret(0x0005_0001);
        let mut next = deny;
        for k in 0..5000 {
            next = g.test(Load::Nr, None, TestOp::Eq, k, allow, next);
        }
        let err = layout(&g, next, true).unwrap_err();
        // 5000 tests, a load, the returns, and copies of the far returns.
        let LayoutError::TooLong { len, over } = err.clone();
        assert!(len > 5002 && over == len - MAX_INSNS, "{err:?}");
        assert!(err.to_string().contains(&format!("{over} more than the kernel's limit of 4096")), "{err}");
    }

    /// 600 tests on the number, each allowing one syscall: the jumps to ALLOW and to the
    /// default share copies of the returns placed between tests (a few per 255 instructions),
    /// not one copy per jump.
    #[test]
    fn returns_are_pooled_within_reach_and_shared() {
        let mut g = Graph::default();
        let allow = g.ret(0x7fff_0000);
        let deny = g.ret(0x0005_0001);
        let mut next = deny;
        for k in (0..600).rev() {
            let arg = g.test(Load::Arg { index: 0, high: false }, None, TestOp::Eq, k, allow, deny);
            next = g.test(Load::Nr, None, TestOp::Eq, k, arg, next);
        }
        let prog = layout(&g, next, true).unwrap();
        let rets = prog.iter().filter(|i| i.code == insn::RET | insn::K).count();
        let tests = 1200;
        assert!(rets <= 2 * (prog.len() / 200 + 2), "{rets} returns in {} instructions", prog.len());
        // Each test: its jump, and loads of the number or the argument; nothing else but returns.
        assert!(prog.len() < tests * 2 + rets + 10, "{}", prog.len());
        for (nr, a0, want) in
            [(0, 0, 0x7fff_0000), (599, 599, 0x7fff_0000), (300, 1, 0x0005_0001), (700, 0, 0x0005_0001)]
        {
            let got = run(&prog, &SeccompData::new(0, nr, [a0, 0, 0, 0, 0, 0]), true).unwrap().ret;
            assert_eq!(got, want, "nr {nr} arg {a0}");
        }
    }

    #[test]
    fn a_load_the_accumulator_already_holds_is_dropped() {
        let mut g = Graph::default();
        let allow = g.ret(0x7fff_0000);
        let deny = g.ret(0);
        let b = g.test(Load::Nr, None, TestOp::Ge, 10, allow, deny);
        let a = g.test(Load::Nr, None, TestOp::Ge, 5, b, deny);
        let prog = layout(&g, a, true).unwrap();
        let loads = prog.iter().filter(|i| i.code == insn::LD | insn::W | insn::ABS).count();
        assert_eq!(loads, 1, "{prog:?}");
    }
}
