//! Oracle: the same profiles built by the system's libseccomp (as runc builds them) decide
//! exactly as our rule-database model does, on every input (feature `oracle`).
//!
//! runc's ENOSYS stub is not part of libseccomp's program, so the comparison is against the
//! evaluator's libseccomp stage (`db.decide`); the stub and the compiled program are compared
//! with the evaluator in `compiler.rs`. Syscalls that the system libseccomp does not know (it
//! is older than our tables) are left out where the profile names them (DESIGN §3).

use crate::compiler::{interesting_args, interesting_numbers};
use crate::random_profile::{Shape, random_profile};
use crate::support::all_profiles;
use seccompose::bpf::{self, SeccompData, reference};
use seccompose::catalog::{self, Arch, X32_SYSCALL_BIT};
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::policy::seccomp_db::{AddError, Cond, SeccompDb, multiplexed_call};
use seccompose::profile::{Action, Document, Op};
use serde_json::json;
use std::collections::HashSet;

/// Compares libseccomp's program at both optimisation levels with the model; returns mismatches.
fn compare(doc: &Document, ctx: &Context, limit: usize) -> Result<Vec<String>, String> {
    let ours = Evaluator::new(&doc.profile, ctx);
    let theirs = ours.as_ref().map_err(|e| e.to_string()).and_then(|ev| reference::build(ev, 2));
    let ev = match (ours, theirs) {
        (Ok(ev), Ok(_)) => ev,
        (Err(_), Err(_)) => return Ok(Vec::new()),
        (Err(e), Ok(_)) => return Err(format!("our model refuses ({e}) but libseccomp accepts")),
        (Ok(_), Err(e)) => return Err(format!("libseccomp refuses ({e}) but our model accepts")),
    };
    let unknown: HashSet<String> = ev
        .prepared
        .spec
        .rules
        .iter()
        .flat_map(|r| r.names.iter())
        .filter(|n| catalog::is_known_anywhere(n) && !reference::knows(n))
        .cloned()
        .collect();
    let args_list = interesting_args(&doc.profile);
    let mut out = Vec::new();
    for optimize in [2, 1] {
        let program = reference::build(&ev, optimize)?;
        let le = cfg!(target_endian = "little");
        let mut arches = ev.arches();
        let others: Vec<Arch> = [Arch::X32, Arch::Aarch64].into_iter().filter(|a| !arches.contains(a)).collect();
        arches.extend(others);
        for arch in arches {
            for nr in interesting_numbers(if arch == Arch::X32 { Arch::X86_64 } else { arch }) {
                let call_nr = if arch == Arch::X32 { nr | X32_SYSCALL_BIT } else { nr };
                let name_arch = if arch == Arch::X86_64 && call_nr & X32_SYSCALL_BIT != 0 { Arch::X32 } else { arch };
                if let Some(name) = catalog::name_of(name_arch, call_nr) {
                    let base = multiplexed_call(name).map(|(mux, _)| mux);
                    if unknown.contains(name)
                        || base.is_some_and(|b| unknown.contains(b))
                        || name == "socketcall" && !unknown.is_empty()
                    {
                        continue;
                    }
                }
                let has_rule =
                    ev.db.dbs.iter().any(|d| d.syscalls.get(&call_nr).is_some_and(|e| e.tree.root.is_some()));
                let arg_sets = if has_rule { &args_list[..] } else { &args_list[..2] };
                for args in arg_sets {
                    let expected = ev.db.decide(arch, call_nr, args).0;
                    let data = SeccompData::new(arch.audit_value(), call_nr, *args);
                    let got = bpf::run(&program, &data, le).map(|r| r.ret);
                    if got != Ok(expected.ret_value()) {
                        out.push(format!("optimize={optimize} {arch} nr {call_nr:#x} args {args:x?}: model {expected}, libseccomp {got:x?}"));
                        if out.len() >= limit {
                            return Ok(out);
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

fn contexts() -> Vec<Context> {
    [Engine::Docker, Engine::Podman, Engine::Containerd]
        .into_iter()
        .map(|e| Context { native: Arch::X86_64, ..Context::for_engine(e) })
        .collect()
}

#[test]
fn libseccomp_agrees_on_bundled_and_reference_profiles() {
    for path in all_profiles() {
        let doc = Document::open(&path).unwrap();
        if doc.has_errors() {
            continue;
        }
        for ctx in contexts() {
            let bad = compare(&doc, &ctx, 5).unwrap_or_else(|e| vec![e]);
            assert!(bad.is_empty(), "{} under {}:\n{}", path.display(), ctx.engine, bad.join("\n"));
        }
    }
}

#[test]
fn libseccomp_agrees_on_random_profiles() {
    let mut compared = 0;
    for seed in 1000..2000u64 {
        let text = serde_json::to_string_pretty(&random_profile(seed, Shape { overlapping_ranges: false })).unwrap();
        let doc = Document::parse(&text, "random").unwrap();
        let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Oci) };
        let bad = compare(&doc, &ctx, 5).unwrap_or_else(|e| vec![e]);
        assert!(bad.is_empty(), "seed {seed}:\n{}\n{text}", bad.join("\n"));
        compared += 1;
    }
    assert_eq!(compared, 1000);
}

/// Issue 18's argument-heavy family at small sizes: many conditional rules per syscall, every
/// op, 32- and 64-bit values, several arches. The model decides as libseccomp's program does.
#[test]
fn libseccomp_agrees_on_generated_argument_heavy_profiles() {
    let arches = [Arch::X86_64, Arch::X86, Arch::X32, Arch::Aarch64, Arch::Arm, Arch::Ppc64le];
    for (rules, arch_count) in [(10, 1), (30, 1), (60, 1), (10, 3), (30, 3), (10, 6), (30, 6)] {
        for seed in [1, 18] {
            let profile = seccompose::profile::synth::arg_heavy(rules, &arches[..arch_count], seed);
            let doc = Document::parse(&serde_json::to_string(&profile).unwrap(), "arg-heavy").unwrap();
            let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) };
            let bad = compare(&doc, &ctx, 5).unwrap_or_else(|e| vec![e]);
            assert!(bad.is_empty(), "{rules} rules × {arch_count} arches, seed {seed}:\n{}", bad.join("\n"));
        }
    }
}

/// On the same family (rules naming syscalls the system libseccomp does not know left out for
/// both), our program is never longer than libseccomp optimize=2's and runs no more x86_64
/// instructions per syscall on average (all arguments 0). Counted, not timed.
#[test]
fn generated_programs_are_no_longer_nor_slower_than_libseccomps() {
    let arches = [Arch::X86_64, Arch::X86, Arch::X32, Arch::Aarch64, Arch::Arm, Arch::Ppc64le];
    let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) };
    let mut failures = Vec::new();
    for (rules, arch_count) in [(10, 1), (30, 1), (100, 1), (10, 3), (30, 3), (100, 3), (10, 6), (30, 6), (100, 6)] {
        for seed in [1, 2, 3, 4, 5, 18] {
            let mut profile = seccompose::profile::synth::arg_heavy(rules, &arches[..arch_count], seed);
            let list = profile["syscalls"].as_array_mut().unwrap();
            list.retain(|r| r["names"].as_array().unwrap().iter().all(|n| reference::knows(n.as_str().unwrap())));
            let doc = Document::parse(&serde_json::to_string(&profile).unwrap(), "arg-heavy").unwrap();
            let ev = Evaluator::new(&doc.profile, &ctx).unwrap();
            let ours = bpf::compile(&ev).unwrap().program;
            let theirs = reference::build(&ev, 2).unwrap();
            let (a, b) = (bpf::stats::stats(&ours, true, Arch::X86_64), bpf::stats::stats(&theirs, true, Arch::X86_64));
            if a.instructions > b.instructions || a.mean_executed > b.mean_executed {
                failures.push(format!("{rules} rules × {arch_count}, seed {seed}: ours {a:?}, libseccomp {b:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Documents a libseccomp 2.5 bug, so that we notice when the system library fixes it: with
/// two conditional rules on one syscall where the first has several conditions, the program it
/// generates falls from the first rule's inner checks into the second rule's first check without
/// reloading the argument that check expects. Our model follows libseccomp's own rule tree.
#[test]
fn libseccomp_miscompiles_a_rule_after_a_multi_condition_rule() {
    let text = r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"], "syscalls": [
        {"names": ["dup3"], "action": "SCMP_ACT_KILL_THREAD", "args": [
            {"index": 0, "value": 8, "op": "SCMP_CMP_NE"}, {"index": 1, "value": 7, "op": "SCMP_CMP_LT"},
            {"index": 2, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
        {"names": ["dup3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [
            {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 5, "value": 24, "op": "SCMP_CMP_EQ"}]}]}"#;
    let doc = Document::parse(text, "repro").unwrap();
    let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Oci) };
    let ev = Evaluator::new(&doc.profile, &ctx).unwrap();
    let args = [0, 13, 1, 0, 0, 24];
    // The rules say: the first does not match (13 < 7 is false), the second does.
    assert_eq!(ev.db.decide(Arch::X86, 330, &args).0.to_string(), "ERRNO(1)");
    let program = reference::build(&ev, 2).unwrap();
    let got = bpf::run(&program, &SeccompData::new(Arch::X86.audit_value(), 330, args), true).unwrap().ret;
    assert_eq!(got, 0x7fff_0000, "libseccomp now gets this right: drop this test and the lint libseccomp-miscompile");
    let findings = seccompose::policy::lint::lint(&doc, &ctx);
    assert!(findings.iter().any(|f| f.id == "libseccomp-miscompile"), "the lint warns about this shape");
}

/// Rules on one syscall drawn from small value pools (every op, 64-bit ranges, three actions):
/// their chains meet, prune each other, and at times make libseccomp relink a node.
fn crowded_rules(seed: u64, rounds: usize) -> Vec<(Action, Vec<Cond>)> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rand = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let wide = [0, 1, 7, 0xffff_ffff, 1 << 32, (2 << 32) | 3, u64::MAX];
    let values: &[u64] = if seed % 2 == 0 { &wide } else { &[0, 1, 2, 3] };
    let ops = [Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::MaskedEq];
    let actions = [Action::Allow, Action::Allow, Action::Log, Action::Errno(13)];
    (0..rounds)
        .map(|_| {
            let action = actions[rand(4) as usize];
            let first = rand(6) as u32;
            let mut conds = Vec::new();
            for arg in 0..6 {
                if (arg == first || rand(4) == 0) && conds.len() < 3 {
                    let op = ops[rand(7) as usize];
                    let mut value = || values[rand(values.len() as u64) as usize];
                    let (mask, datum) = if op == Op::MaskedEq { (value() | 1, value()) } else { (u64::MAX, value()) };
                    conds.push(Cond { arg, op, mask, datum });
                }
            }
            (action, conds)
        })
        .collect()
}

fn rule_json(action: Action, conds: &[Cond]) -> serde_json::Value {
    let args: Vec<_> = conds
        .iter()
        .map(|c| match c.op {
            Op::MaskedEq => json!({"index": c.arg, "op": c.op.spelling(), "value": c.mask, "valueTwo": c.datum}),
            op => json!({"index": c.arg, "op": op.spelling(), "value": c.datum}),
        })
        .collect();
    match action {
        Action::Errno(e) => json!({"names": ["prctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": e, "args": args}),
        Action::Log => json!({"names": ["prctl"], "action": "SCMP_ACT_LOG", "args": args}),
        _ => json!({"names": ["prctl"], "action": "SCMP_ACT_ALLOW", "args": args}),
    }
}

/// libseccomp's answer to each rule, added one by one to its own database (no program built).
fn libseccomp_accepts(rules: &[(Action, Vec<Cond>)]) -> Vec<bool> {
    use libseccomp::{ScmpAction, ScmpArgCompare, ScmpFilterContext, ScmpSyscall};
    let mut ctx = ScmpFilterContext::new(ScmpAction::Errno(1)).unwrap();
    let prctl = ScmpSyscall::from_name("prctl").unwrap();
    let op = |c: &Cond| reference::compare_op(c.op, c.mask);
    rules
        .iter()
        .map(|(action, conds)| {
            let action = match action {
                Action::Errno(e) => ScmpAction::Errno(*e as i32),
                Action::Log => ScmpAction::Log,
                _ => ScmpAction::Allow,
            };
            let cmps: Vec<_> = conds.iter().map(|c| ScmpArgCompare::new(c.arg, op(c), c.datum)).collect();
            ctx.add_rule_conditional(action, prctl, &cmps).is_ok()
        })
        .collect()
}

/// Where libseccomp relinks a node into a level (issue 18: a 50-rule random run hung). A rule
/// that closes a level into a ring is refused by the model and never given to libseccomp:
/// 2.5.4 does not return from it (or from building the program, for a ring that no later rule
/// walks). Before it, libseccomp must accept and refuse the same rules, relinked trees
/// included; and where its program is faithful to its tree, decide alike.
#[test]
fn libseccomp_agrees_on_rules_that_relink_its_tree() {
    let (mut compared, mut relinked, mut rings) = (0, 0, 0);
    let prctl = catalog::number(Arch::X86_64, "prctl").unwrap();
    for seed in 0..1000u64 {
        let mut db = SeccompDb::new(Action::Errno(1), &[Arch::X86_64]);
        let (mut given, mut ours, mut kept) = (Vec::new(), Vec::new(), Vec::new());
        for (action, conds) in crowded_rules(seed, 4 + seed as usize % 20) {
            let accepted = match db.add_rule("prctl", action, &conds) {
                Ok(()) => true,
                Err(AddError::Conflict { .. }) => false, // libseccomp rolls it back too
                Err(AddError::Loops { .. }) => {
                    rings += 1;
                    break;
                }
                Err(e) => panic!("seed {seed}: {e}"),
            };
            if accepted {
                kept.push(rule_json(action, &conds));
            }
            ours.push(accepted);
            given.push((action, conds));
        }
        assert_eq!(ours, libseccomp_accepts(&given), "seed {seed}: accepted rules, ours then libseccomp's");
        relinked += usize::from(db.dbs[0].syscalls.get(&prctl).is_some_and(|e| e.tree.ragged()));
        let profile = json!({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
            "architectures": ["SCMP_ARCH_X86_64"], "syscalls": kept});
        let text = serde_json::to_string_pretty(&profile).unwrap();
        let doc = Document::parse(&text, "crowded").unwrap();
        let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Oci) };
        // libseccomp's program can miss a reload on such trees (the lint names the shape,
        // `libseccomp_miscompiles_a_rule_after_a_multi_condition_rule`): its decisions then
        // differ from its own tree's, which the model follows.
        if seccompose::policy::lint::lint(&doc, &ctx).iter().any(|f| f.id == "libseccomp-miscompile") {
            continue;
        }
        let bad = compare(&doc, &ctx, 5).unwrap_or_else(|e| vec![e]);
        assert!(bad.is_empty(), "seed {seed}:\n{}\n{text}", bad.join("\n"));
        compared += 1;
    }
    eprintln!("decisions compared on {compared} sets; {relinked} relinked; {rings} rings");
    assert!(compared > 0 && relinked > 0 && rings > 0, "{compared} compared, {relinked} relinked, {rings} rings");
}
