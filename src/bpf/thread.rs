//! Jump threading: a branch into a test that the branch itself already decides (the same word
//! compared again, as libseccomp's trees do with a 64-bit argument's high word: `hi > 0`, then
//! on its false side `hi == 0`) goes straight to the decided successor. `Graph::test` applies
//! it to every test it builds. Smaller and faster programs, same decisions.

use super::graph::{Graph, Load, Node, NodeId, TestOp};

/// The values the compared word can have on a branch, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    lo: u32,
    hi: u32,
}

const ANY: Span = Span { lo: 0, hi: u32::MAX };

/// What taking (or not taking) `A op k` says about `A`.
pub fn span_after(op: TestOp, k: u32, taken: bool) -> Span {
    match (op, taken) {
        (TestOp::Eq, true) => Span { lo: k, hi: k },
        // Only the ends of the range can be cut off by "not equal".
        (TestOp::Eq, false) if k == 0 => Span { lo: 1, hi: u32::MAX },
        (TestOp::Eq, false) if k == u32::MAX => Span { lo: 0, hi: u32::MAX - 1 },
        (TestOp::Eq, false) => ANY,
        (TestOp::Gt, true) => Span { lo: k.saturating_add(1), hi: u32::MAX },
        (TestOp::Gt, false) => Span { lo: 0, hi: k },
        (TestOp::Ge, true) => Span { lo: k, hi: u32::MAX },
        (TestOp::Ge, false) => Span { lo: 0, hi: k.saturating_sub(1) },
    }
}

/// The outcome of `A op k` when `A` is known to lie in `span`, if that decides it.
fn decided(op: TestOp, k: u32, span: Span) -> Option<bool> {
    let (always, never) = match op {
        TestOp::Eq => (span.lo == k && span.hi == k, k < span.lo || k > span.hi),
        TestOp::Gt => (span.lo > k, span.hi <= k),
        TestOp::Ge => (span.lo >= k, span.hi < k),
    };
    if always {
        Some(true)
    } else if never {
        Some(false)
    } else {
        None
    }
}

/// Where a branch that leaves a test on `word` knowing `span` really goes: past every test of
/// the same word (and mask) that the span decides.
pub fn follow(graph: &Graph, word: (Load, Option<u32>), span: Span, mut to: NodeId) -> NodeId {
    while let Node::Test { load, mask, op, k, jt, jf } = graph.node(to) {
        if (load, mask) != word {
            break;
        }
        match decided(op, k, span) {
            Some(true) => to = jt,
            Some(false) => to = jf,
            None => break,
        }
    }
    to
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::emulator::{SeccompData, run};
    use crate::bpf::layout::layout;

    const HI: Load = Load::Arg { index: 1, high: true };
    const LO: Load = Load::Arg { index: 1, high: false };

    /// `arg1 > 5` as libseccomp writes it: hi > 0 → yes; hi == 0 → lo > 5. On the false side
    /// of `hi > 0` the high word is 0, so `hi == 0` is never built into the program.
    #[test]
    fn a_test_decided_by_the_branch_into_it_is_skipped() {
        let mut g = Graph::default();
        let (allow, deny) = (g.ret(0x7fff_0000), g.ret(0x0005_0001));
        let lo = g.test(LO, None, TestOp::Gt, 5, allow, deny);
        let hi_eq = g.test(HI, None, TestOp::Eq, 0, lo, deny);
        let hi_gt = g.test(HI, None, TestOp::Gt, 0, allow, hi_eq);
        assert_eq!(g.node(hi_gt), Node::Test { load: HI, mask: None, op: TestOp::Gt, k: 0, jt: allow, jf: lo });
        let program = layout(&g, hi_gt, true).unwrap();
        // ld hi; jgt; ld lo; jgt; two returns.
        assert_eq!(program.len(), 6, "{program:?}");
        for a1 in [0, 5, 6, 1 << 32, u64::MAX, 0xffff_ffff] {
            let data = SeccompData::new(0, 0, [0, a1, 0, 0, 0, 0]);
            let want = if a1 > 5 { 0x7fff_0000 } else { 0x0005_0001 };
            assert_eq!(run(&program, &data, true).unwrap().ret, want, "{a1:#x}");
        }
    }

    /// A test on another word, or the same word under another mask, is not decided.
    #[test]
    fn other_words_and_masks_are_left_alone() {
        let mut g = Graph::default();
        let (allow, deny) = (g.ret(0x7fff_0000), g.ret(0x0005_0001));
        let masked = g.test(HI, Some(0xf0), TestOp::Eq, 0, allow, deny);
        let other = g.test(LO, None, TestOp::Eq, 0, masked, deny);
        let top = g.test(HI, None, TestOp::Gt, 0, deny, other);
        assert_eq!(g.node(top), Node::Test { load: HI, mask: None, op: TestOp::Gt, k: 0, jt: deny, jf: other });
        assert_eq!(g.node(other), Node::Test { load: LO, mask: None, op: TestOp::Eq, k: 0, jt: masked, jf: deny });
    }

    #[test]
    fn spans_decide_exactly_the_tests_they_imply() {
        for k in [0u32, 1, 7, u32::MAX - 1, u32::MAX] {
            for op in [TestOp::Eq, TestOp::Gt, TestOp::Ge] {
                for taken in [true, false] {
                    let span = span_after(op, k, taken);
                    for (op2, k2) in
                        [(TestOp::Eq, 0), (TestOp::Eq, k), (TestOp::Gt, k), (TestOp::Ge, 1), (TestOp::Gt, 0)]
                    {
                        let Some(outcome) = decided(op2, k2, span) else { continue };
                        // Every value of the span that the first test sends this way agrees.
                        for a in [0, 1, 2, k.wrapping_sub(1), k, k.wrapping_add(1), u32::MAX - 1, u32::MAX] {
                            let first = match op {
                                TestOp::Eq => a == k,
                                TestOp::Gt => a > k,
                                TestOp::Ge => a >= k,
                            };
                            if first != taken {
                                continue;
                            }
                            let second = match op2 {
                                TestOp::Eq => a == k2,
                                TestOp::Gt => a > k2,
                                TestOp::Ge => a >= k2,
                            };
                            assert_eq!(second, outcome, "{op:?} {k} {taken} then {op2:?} {k2} at {a}");
                        }
                    }
                }
            }
        }
    }
}
