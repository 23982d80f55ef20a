//! The compiler's intermediate form: a DAG of tests and returns, shared where identical.

use super::thread::{follow, span_after};
use rustc_hash::FxHashMap as HashMap;

pub type NodeId = usize;

/// What a test reads into the accumulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Load {
    Arch,
    Nr,
    /// One 32-bit word of an argument.
    Arg {
        index: u32,
        high: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestOp {
    Eq,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// `A = load [& mask]; if A op k goto jt else goto jf`
    Test { load: Load, mask: Option<u32>, op: TestOp, k: u32, jt: NodeId, jf: NodeId },
    /// Return a `SECCOMP_RET_*` value.
    Ret(u32),
}

/// Nodes, hash-consed: building the same node twice gives the same id, so identical code
/// (the same argument check on two arches, the same return) is emitted once.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    index: HashMap<Node, NodeId>,
}

impl Graph {
    pub fn add(&mut self, node: Node) -> NodeId {
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(node);
        self.index.insert(node, id);
        id
    }

    pub fn ret(&mut self, value: u32) -> NodeId {
        self.add(Node::Ret(value))
    }

    /// A test, or directly its only target when both branches agree.
    pub fn test(&mut self, load: Load, mask: Option<u32>, op: TestOp, k: u32, jt: NodeId, jf: NodeId) -> NodeId {
        if jt == jf {
            return jt;
        }
        let mask = mask.filter(|m| *m != u32::MAX);
        // A zero mask makes the comparison constant: (A & 0) compared with k.
        if mask == Some(0) {
            let holds = match op {
                TestOp::Eq => k == 0,
                TestOp::Gt => false,
                TestOp::Ge => k == 0,
            };
            return if holds { jt } else { jf };
        }
        // Threaded at birth: a branch into a test it already decides goes past it, so every
        // figure taken from the graph (path lengths) is the final program's.
        let jt = follow(self, (load, mask), span_after(op, k, true), jt);
        let jf = follow(self, (load, mask), span_after(op, k, false), jf);
        if jt == jf {
            return jt;
        }
        self.add(Node::Test { load, mask, op, k, jt, jf })
    }

    pub fn node(&self, id: NodeId) -> Node {
        self.nodes[id]
    }

    /// Successors of a node.
    pub fn successors(&self, id: NodeId) -> impl Iterator<Item = NodeId> {
        let (a, b) = match self.nodes[id] {
            Node::Test { jt, jf, .. } => (Some(jt), Some(jf)),
            Node::Ret(_) => (None, None),
        };
        a.into_iter().chain(b)
    }

    /// The most instructions any path from `root` executes, counting loads and masks the way
    /// layout emits them: a test whose every way in (from within the code under `root`, or
    /// from the number dispatch above it) already holds its word needs no load. Code shared
    /// with other roots may need a reload this does not see, so it is an estimate, not a bound.
    pub fn longest_executed(&self, root: NodeId) -> u32 {
        // Reachable tests; successors have smaller ids, so descending ids visit parents first.
        let mut reach: Vec<NodeId> = Vec::new();
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if matches!(self.nodes[n], Node::Test { .. }) && seen.insert(n) {
                reach.push(n);
                stack.extend(self.successors(n));
            }
        }
        reach.sort_unstable_by(|a, b| b.cmp(a));
        // What the accumulator holds on the way into each test: Some(word) if the same on all.
        type Word = Option<(Load, Option<u32>)>;
        let mut incoming: HashMap<NodeId, Word> = HashMap::default();
        incoming.insert(root, Some((Load::Nr, None)));
        for &n in &reach {
            let Node::Test { load, mask, jt, jf, .. } = self.nodes[n] else { continue };
            for succ in [jt, jf] {
                let word = Some((load, mask));
                let merged = match incoming.get(&succ) {
                    None => word,
                    Some(prev) if *prev == word => word,
                    Some(_) => None,
                };
                incoming.insert(succ, merged);
            }
        }
        let mut longest: HashMap<NodeId, u32> = HashMap::default();
        let of = |id: NodeId, longest: &HashMap<NodeId, u32>| longest.get(&id).copied().unwrap_or(1);
        for &n in reach.iter().rev() {
            let Node::Test { load, mask, jt, jf, .. } = self.nodes[n] else { continue };
            let held = incoming.get(&n).copied().flatten();
            let holds_all = held == Some((load, mask));
            let load_cost = u32::from(!holds_all && held != Some((load, None)));
            let own = 1 + load_cost + u32::from(mask.is_some() && !holds_all);
            longest.insert(n, own + of(jt, &longest).max(of(jf, &longest)));
        }
        of(root, &longest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::emulator::{SeccompData, run};
    use crate::bpf::layout::layout;

    /// A word tested twice in a row is loaded once, as layout emits it; another word is loaded
    /// again. The estimate is the program's own longest run.
    #[test]
    fn longest_executed_counts_the_loads_layout_keeps() {
        let mut g = Graph::default();
        let (allow, deny) = (g.ret(0x7fff_0000), g.ret(0x0005_0001));
        let a1 = Load::Arg { index: 1, high: false };
        let a2 = Load::Arg { index: 2, high: false };
        let second_word = g.test(a2, Some(0xff), TestOp::Eq, 3, allow, deny);
        let again = g.test(a1, None, TestOp::Ge, 10, second_word, deny);
        let first = g.test(a1, None, TestOp::Gt, 5, again, deny);
        let root = g.test(Load::Nr, None, TestOp::Eq, 7, first, deny);
        // nr test (nr held) 1; ld a1 + jgt 2; jge 1; ld a2 + and + jeq 3; ret 1.
        assert_eq!(g.longest_executed(root), 8);
        // Laid out alone, the program loads the number first (the dispatch above does that).
        let program = layout(&g, root, true).unwrap();
        let steps = run(&program, &SeccompData::new(0, 7, [0, 11, 3, 0, 0, 0]), true).unwrap().steps;
        assert_eq!(steps, 1 + 8);
    }
}
