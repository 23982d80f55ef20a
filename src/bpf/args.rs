//! Code for one syscall's argument checks: libseccomp's comparison tree as tests.
//!
//! The tree is walked the way libseccomp's program runs it (`seccomp_db::walk`): a branch
//! with no target falls to the next node of its level, and a finished level continues after
//! the node that led into it. A node reached on paths with different continuations is emitted
//! once per continuation (memoised), as libseccomp's generator does.

use super::graph::{Graph, Load, NodeId, TestOp};
use crate::policy::seccomp_db::tree::{Cmp, Id, Tree};
use std::collections::HashMap;

pub struct ArgCode<'a> {
    pub graph: &'a mut Graph,
    pub tree: &'a Tree,
    /// 64-bit arch: nodes compare high or low words; 32-bit: low words only.
    pub is_64: bool,
    memo: HashMap<(Id, NodeId), NodeId>,
}

impl<'a> ArgCode<'a> {
    pub fn new(graph: &'a mut Graph, tree: &'a Tree, is_64: bool) -> ArgCode<'a> {
        ArgCode { graph, tree, is_64, memo: HashMap::new() }
    }

    /// The entry node for the tree; `fallthrough` is where a failed walk goes (the default).
    pub fn build(&mut self, fallthrough: NodeId) -> NodeId {
        match self.tree.root {
            Some(root) => self.level(root, fallthrough),
            None => fallthrough,
        }
    }

    fn level(&mut self, any: Id, cont: NodeId) -> NodeId {
        let start = self.tree.level_start(any);
        if let Some(&id) = self.memo.get(&(start, cont)) {
            return id;
        }
        let mut members = vec![start];
        while let Some(next) = self.tree.node(*members.last().expect("non-empty")).lvl_nxt {
            members.push(next);
        }
        let id = match self.exclusive_equalities(&members) {
            Some(sorted) => self.search(&sorted, cont),
            None => {
                let mut next = cont;
                for &m in members.iter().rev() {
                    next = self.node(m, next);
                }
                next
            }
        };
        self.memo.insert((start, cont), id);
        id
    }

    /// One tree node; `next` is where a branch without a target goes.
    fn node(&mut self, id: Id, next: NodeId) -> NodeId {
        let n = self.tree.node(id).clone();
        let jt = self.branch(n.nxt_t, n.act_t, next);
        let jf = self.branch(n.nxt_f, n.act_f, next);
        let op = match n.op {
            Cmp::Eq | Cmp::MaskedEq => TestOp::Eq,
            Cmp::Gt => TestOp::Gt,
            Cmp::Ge => TestOp::Ge,
        };
        self.graph.test(self.load(n.arg, n.hi), Some(n.mask), op, n.datum, jt, jf)
    }

    fn branch(&mut self, nxt: Option<Id>, act: Option<u32>, next: NodeId) -> NodeId {
        match (nxt, act) {
            (Some(level), _) => self.level(level, next),
            (None, Some(action)) => self.graph.ret(action),
            (None, None) => next,
        }
    }

    fn load(&self, arg: u32, hi: bool) -> Load {
        Load::Arg { index: arg, high: hi && self.is_64 }
    }

    /// A level of plain equality tests on one word with distinct values and nothing on their
    /// false branches: at most one can match, so order does not matter and a binary search
    /// over the values decides in log2(n) steps. Returns the nodes sorted by value.
    fn exclusive_equalities(&self, members: &[Id]) -> Option<Vec<Id>> {
        if members.len() < 4 {
            return None;
        }
        let first = self.tree.node(members[0]);
        let same_word = members.iter().all(|&m| {
            let n = self.tree.node(m);
            n.arg == first.arg
                && n.hi == first.hi
                && n.op == Cmp::Eq
                && n.mask == u32::MAX
                && n.nxt_f.is_none()
                && n.act_f.is_none()
        });
        let mut sorted = members.to_vec();
        sorted.sort_by_key(|&m| self.tree.node(m).datum);
        let distinct = sorted.windows(2).all(|w| self.tree.node(w[0]).datum != self.tree.node(w[1]).datum);
        (same_word && distinct).then_some(sorted)
    }

    fn search(&mut self, sorted: &[Id], cont: NodeId) -> NodeId {
        if sorted.len() == 1 {
            let n = self.tree.node(sorted[0]).clone();
            // After a nested level falls through, the other values cannot match: go to `cont`.
            let jt = self.branch(n.nxt_t, n.act_t, cont);
            return self.graph.test(self.load(n.arg, n.hi), None, TestOp::Eq, n.datum, jt, cont);
        }
        let mid = sorted.len() / 2;
        let pivot = self.tree.node(sorted[mid]).clone();
        let high = self.search(&sorted[mid..], cont);
        let low = self.search(&sorted[..mid], cont);
        self.graph.test(self.load(pivot.arg, pivot.hi), None, TestOp::Ge, pivot.datum, high, low)
    }
}
