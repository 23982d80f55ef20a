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

    /// The most instructions any path from `id` executes (a load and a mask count as one each).
    pub fn longest_path(&self, id: NodeId, memo: &mut HashMap<NodeId, u32>) -> u32 {
        if let Some(&v) = memo.get(&id) {
            return v;
        }
        let v = match self.nodes[id] {
            Node::Ret(_) => 1,
            Node::Test { mask, jt, jf, .. } => {
                let own = 2 + u32::from(mask.is_some());
                own + self.longest_path(jt, memo).max(self.longest_path(jf, memo))
            }
        };
        memo.insert(id, v);
        v
    }
}
