//! The compiled program agrees with the evaluator on every input, for the bundled and
//! reference profiles and for random profiles (all ops and actions, masks, high bits,
//! overlapping rules, several arches).

use crate::random_profile::{Shape, random_profile};
use crate::support::{all_profiles, root};
use seccompose::bpf::{self, SeccompData};
use seccompose::catalog::{Arch, X32_SYSCALL_BIT};
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::{Document, Profile};

/// Argument vectors worth trying for a profile: zeros, and every value in its conditions with
/// its neighbours and high-bit variants, in every argument position.
pub fn interesting_args(profile: &Profile) -> Vec<[u64; 6]> {
    let mut values: Vec<u64> = vec![0, 1, u64::MAX, 0xffff_ffff, 1 << 32];
    for rule in &profile.rules {
        for c in &rule.args {
            for v in [c.value, c.value_two, c.value & c.value_two] {
                values.extend([
                    v,
                    v.wrapping_sub(1),
                    v.wrapping_add(1),
                    v ^ (1 << 32),
                    v | 0xffff_ffff_0000_0000,
                    v & 0xffff_ffff,
                ]);
            }
        }
    }
    values.sort_unstable();
    values.dedup();
    let mut out = vec![[0u64; 6], [u64::MAX; 6]];
    for (i, v) in values.iter().enumerate() {
        let mut a = [0u64; 6];
        for (slot, item) in a.iter_mut().enumerate() {
            *item = values[(i + slot * 7) % values.len()];
        }
        out.push(a);
        out.push([*v; 6]);
        let mut single = [0u64; 6];
        single[i % 6] = *v;
        out.push(single);
    }
    out
}

/// Syscall numbers to try on an arch: 0..1100, the x32 range, and the edges.
pub fn interesting_numbers(arch: Arch) -> Vec<u32> {
    let mut nrs: Vec<u32> = (0..1100).collect();
    if arch == Arch::X86_64 {
        nrs.extend((0..600).map(|n| n | X32_SYSCALL_BIT));
        nrs.extend([0x3fff_ffff, 0x4000_0000, 0x7fff_ffff, 0xffff_fffe, u32::MAX]);
    }
    if arch == Arch::Arm {
        nrs.extend(0xf0000..0xf0008);
    }
    nrs.extend([u32::MAX, 0x8000_0000]);
    nrs
}

/// Runs the compiled program and the evaluator on every input; returns the mismatches.
pub fn disagreements(ev: &Evaluator, compiled: &bpf::Compiled, profile: &Profile, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let args_list = interesting_args(profile);
    // The call ABIs: every arch of the filter, and one it does not cover.
    let mut call_arches: Vec<Arch> = ev.arches();
    let outsider = [Arch::Riscv64, Arch::X86, Arch::Aarch64].into_iter().find(|a| !call_arches.contains(a));
    call_arches.extend(outsider);
    if call_arches.contains(&Arch::X86_64) && !call_arches.contains(&Arch::X32) {
        call_arches.push(Arch::X32);
    }
    for arch in call_arches {
        for nr in interesting_numbers(if arch == Arch::X32 { Arch::X86_64 } else { arch }) {
            let call_nr = if arch == Arch::X32 { nr | X32_SYSCALL_BIT } else { nr };
            // Every argument vector where a rule looks at arguments; two elsewhere.
            let has_rule = ev.db.dbs.iter().any(|d| d.syscalls.get(&call_nr).is_some_and(|e| e.tree.root.is_some()));
            let arg_sets: &[[u64; 6]] = if has_rule { &args_list } else { &args_list[..2] };
            for args in arg_sets {
                let expected = ev.decide(arch, nr, args).action;
                let data = SeccompData::new(arch.audit_value(), call_nr, *args);
                let got = bpf::run(&compiled.program, &data, compiled.little_endian).map(|r| r.ret);
                if got != Ok(expected.ret_value()) {
                    out.push(format!("{arch} nr {call_nr:#x} args {args:x?}: evaluator {expected}, program {got:x?}"));
                    if out.len() >= limit {
                        return out;
                    }
                }
            }
        }
    }
    out
}

fn contexts() -> Vec<Context> {
    let mut out = Vec::new();
    for engine in Engine::ALL {
        for native in [Arch::X86_64, Arch::Aarch64] {
            out.push(Context { native, ..Context::for_engine(engine) });
        }
    }
    out
}

#[test]
fn bundled_and_reference_profiles_compile_to_what_the_evaluator_says() {
    for path in all_profiles() {
        let doc = Document::open(&path).unwrap();
        if doc.has_errors() {
            continue;
        }
        for ctx in contexts() {
            let Ok(ev) = Evaluator::new(&doc.profile, &ctx) else { continue };
            let compiled = bpf::compile(&ev).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let bad = disagreements(&ev, &compiled, &doc.profile, 5);
            assert!(bad.is_empty(), "{} under {} on {}:\n{}", path.display(), ctx.engine, ctx.native, bad.join("\n"));
        }
    }
    let _ = root();
}

#[test]
fn random_profiles_compile_to_what_the_evaluator_says() {
    let mut compared = 0;
    let mut refused = 0;
    for seed in 0..400u64 {
        let value = random_profile(seed, Shape { overlapping_ranges: true });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let doc = Document::parse(&text, "random").unwrap();
        assert!(!doc.has_errors(), "seed {seed}: {:?}", doc.findings);
        for engine in [Engine::Oci, Engine::Podman] {
            let ctx = Context { native: Arch::X86_64, ..Context::for_engine(engine) };
            let ev = match Evaluator::new(&doc.profile, &ctx) {
                Ok(ev) => ev,
                Err(_) => {
                    refused += 1;
                    continue;
                }
            };
            let compiled = bpf::compile(&ev).unwrap();
            let bad = disagreements(&ev, &compiled, &doc.profile, 5);
            assert!(bad.is_empty(), "seed {seed} under {engine}:\n{}\n{text}", bad.join("\n"));
            compared += 1;
        }
    }
    assert!(compared > 600, "only {compared} random profiles compiled ({refused} refused by the runtime model)");
}

/// Issue 18's floor for Docker's default profile on x86_64: no more than 240 instructions, 11.5
/// executed per syscall on average and 15 at most (libseccomp optimize=2: 1,246, 15.3 and 24).
/// Counted by the emulator, not timed.
#[test]
fn dockers_default_profile_stays_small_and_fast() {
    let doc = Document::open(&root().join("tests/fixtures/reference/moby-default.json")).unwrap();
    let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) };
    let program = bpf::compile(&Evaluator::new(&doc.profile, &ctx).unwrap()).unwrap().program;
    let s = bpf::stats::stats(&program, true, Arch::X86_64);
    assert!(s.instructions <= 240, "{s:?}");
    assert!(s.mean_executed <= 11.5, "{s:?}");
    assert!(s.max_executed <= 15, "{s:?}");
}
