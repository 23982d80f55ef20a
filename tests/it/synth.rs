//! Issue 18's argument-heavy profiles (`profile::synth::arg_heavy`): they compile, the program
//! agrees with the evaluator, and at thousands of rules the evaluator still decides every rule's
//! own arguments with the rule's action (the merged trees lose no rule).

use crate::compiler::disagreements;
use seccompose::bpf;
use seccompose::catalog::{self, Arch};
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::synth::arg_heavy;
use seccompose::profile::{Action, Document, Op};

const ARCHES: [Arch; 6] = [Arch::X86_64, Arch::X86, Arch::X32, Arch::Aarch64, Arch::Arm, Arch::Ppc64le];

fn evaluator(rules: usize, arches: &[Arch], seed: u64) -> (Document, Evaluator) {
    let text = serde_json::to_string(&arg_heavy(rules, arches, seed)).unwrap();
    let doc = Document::parse(&text, "arg-heavy").unwrap();
    assert!(!doc.has_errors(), "{:?}", doc.findings);
    let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) };
    let ev = Evaluator::new(&doc.profile, &ctx).unwrap_or_else(|e| panic!("{rules} rules, {arches:?}: {e}"));
    (doc, ev)
}

#[test]
fn generated_profiles_compile_and_agree_with_the_evaluator() {
    for (rules, arch_count) in [(10, 1), (40, 1), (10, 3), (30, 3), (10, 6), (20, 6)] {
        for seed in 0..3 {
            let (doc, ev) = evaluator(rules, &ARCHES[..arch_count], seed);
            let compiled = bpf::compile(&ev).unwrap_or_else(|e| panic!("{rules} rules × {arch_count}: {e}"));
            let bad = disagreements(&ev, &compiled, &doc.profile, 5);
            assert!(bad.is_empty(), "{rules} rules × {arch_count} arches, seed {seed}:\n{}", bad.join("\n"));
        }
    }
}

/// An argument value that meets the condition, if one exists.
fn witness(op: Op, value: u64, value_two: u64) -> Option<u64> {
    match op {
        Op::Eq | Op::Le | Op::Ge => Some(value),
        Op::Ne => Some(value ^ 1),
        Op::Lt => value.checked_sub(1),
        Op::Gt => value.checked_add(1),
        Op::MaskedEq => Some(value_two & value),
    }
}

/// Every syscall's rules share one action, so whatever libseccomp's merging does, arguments
/// that meet any one rule get that action on x86_64 (64-bit words compared in full).
#[test]
fn thousands_of_rules_keep_every_rule() {
    let (doc, ev) = evaluator(3000, &ARCHES[..3], 18);
    let mut checked = 0;
    for rule in &doc.profile.rules {
        let name = &rule.names[0];
        let Some(nr) = catalog::number(Arch::X86_64, name) else { continue };
        let mut args = [0u64; 6];
        let met =
            rule.args.iter().all(|c| witness(c.op, c.value, c.value_two).map(|v| args[c.index as usize] = v).is_some());
        if !met {
            continue;
        }
        let expected = Action::from_name(rule.action, rule.errno_ret);
        let got = ev.decide(Arch::X86_64, nr, &args).action;
        assert_eq!(got, expected, "{name} {args:x?} ({:?})", rule.args);
        checked += 1;
    }
    assert!(checked > 2500, "only {checked} rules checked");
}
