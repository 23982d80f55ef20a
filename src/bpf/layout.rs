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
    let order = reverse_postorder(graph, entry);
    let entry_state = accumulator_states(graph, &order, entry);
    // Items with stable ids (their index at creation); `head[node]` is a node's first item.
    let mut items: Vec<(usize, Item)> = Vec::with_capacity(order.len() * 2);
    let mut head: Vec<usize> = vec![usize::MAX; graph.nodes.len()];
    let (tests, rets): (Vec<NodeId>, Vec<NodeId>) =
        order.iter().partition(|&&n| matches!(graph.node(n), Node::Test { .. }));
    for &n in tests.iter().chain(&rets) {
        head[n] = items.len();
        match graph.node(n) {
            Node::Ret(v) => items.push((items.len(), Item::Ret(v))),
            Node::Test { load, mask, op, k, jt, jf } => {
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
        }
    }
    let items = bridge_far_jumps(items, &head, graph);
    let len = items.len();
    if len > MAX_INSNS {
        return Err(LayoutError::TooLong { len, over: len - MAX_INSNS });
    }
    Ok(emit(&items, &head))
}

fn offset(load: Load, little_endian: bool) -> u32 {
    match load {
        Load::Arch => insn::OFF_ARCH,
        Load::Nr => insn::OFF_NR,
        Load::Arg { index, high } => insn::arg_offset(index, high, little_endian),
    }
}

/// Nodes in an order where every node comes before its successors, a test's false branch
/// right after it where possible (so it falls through).
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
        if let Node::Test { jt, jf, .. } = graph.node(n) {
            // Visited in this order, the false branch ends up first after `n` once reversed.
            stack.push((jf, false));
            stack.push((jt, false));
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
fn bridge_far_jumps(mut items: Vec<(usize, Item)>, head: &[usize], graph: &Graph) -> Vec<(usize, Item)> {
    let mut next_id = items.len();
    loop {
        let pos = positions(&items);
        let far = |from: usize, t: Target| pos[resolve(t, head)] - from - 1 > 255;
        let mut changed = false;
        let mut out = Vec::with_capacity(items.len() + 16);
        for (p, (id, item)) in items.iter().enumerate() {
            let Item::Jump { op, k, jt, jf } = *item else {
                out.push((*id, *item));
                continue;
            };
            let mut stops = Vec::new();
            let mut stop_for = |t: Target| -> Target {
                if !far(p, t) {
                    return t;
                }
                let stop = match t {
                    Target::Node(n) => match graph.node(n) {
                        Node::Ret(v) => Item::Ret(v),
                        Node::Test { .. } => Item::Always(t),
                    },
                    Target::Item(_) => Item::Always(t),
                };
                stops.push((next_id, stop));
                next_id += 1;
                Target::Item(next_id - 1)
            };
            let (jt, jf) = (stop_for(jt), stop_for(jf));
            changed |= !stops.is_empty();
            out.push((*id, Item::Jump { op, k, jt, jf }));
            out.extend(stops);
        }
        items = out;
        if !changed {
            return items;
        }
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
