//! The compile benchmark's second table: issue 18's argument-heavy family
//! (`profile::synth::arg_heavy`), ours next to libseccomp optimize=1 and 2 from the same run.
//! libseccomp is slow on these (minutes from 2,000 rules): it runs up to `GEN_LIBSECCOMP_MAX`
//! rules (default 1,000) and shows `-` above. Rules naming syscalls the system libseccomp does
//! not know (newer than it) are left out for both builders: libseccomp, like runc, skips them,
//! and its program would be smaller for doing less.

use super::time;
use seccompose::bpf::{self, Insn, compile::is_little_endian, reference, stats};
use seccompose::catalog::{self, Arch};
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::{Document, Op, synth::arg_heavy};
use std::time::{Duration, Instant};

const SIZES: [usize; 7] = [10, 30, 100, 300, 1000, 2000, 5000];
const ARCHES: [Arch; 6] = [Arch::X86_64, Arch::X86, Arch::X32, Arch::Aarch64, Arch::Arm, Arch::Ppc64le];

/// x86_64 calls with the argument values the profile's rules name (each rule's values, the
/// other arguments 0): the paths the all-zero figures do not walk.
fn rule_valued_calls(ev: &Evaluator) -> Vec<(u32, [u64; 6])> {
    let mut calls = Vec::new();
    for rule in ev.prepared.spec.rules.iter().filter(|r| !r.args.is_empty()) {
        let mut args = [0u64; 6];
        for c in &rule.args {
            if let Some(slot) = args.get_mut(c.index as usize) {
                *slot = if c.op == Op::MaskedEq { c.value_two } else { c.value };
            }
        }
        calls.extend(rule.names.iter().filter_map(|n| catalog::number(Arch::X86_64, n)).map(|nr| (nr, args)));
    }
    calls
}

struct Figures {
    insns: String,
    mean: f64,
    max: u32,
    cached: usize,
    compile: Duration,
}

fn figures(program: Result<Vec<Insn>, String>, compile: Duration, calls: &[(u32, [u64; 6])]) -> Figures {
    match program {
        Ok(p) => {
            let s = stats::stats(&p, true, Arch::X86_64);
            let max = s.max_executed.max(stats::max_executed_on(&p, true, Arch::X86_64.audit_value(), calls));
            // A program past the kernel's limit would not load (libseccomp exports it anyway).
            let mark = if p.len() > 4096 { " (too long)" } else { "" };
            Figures { insns: format!("{}{mark}", p.len()), mean: s.mean_executed, max, cached: s.cached, compile }
        }
        Err(e) => {
            let needed = e.split_whitespace().nth(3).unwrap_or("?").to_string();
            Figures { insns: format!("refused ({needed})"), mean: 0.0, max: 0, cached: 0, compile }
        }
    }
}

fn row(rules: usize, arches: usize, builder: &str, f: &Figures) {
    println!(
        "{rules:>6} {arches:>3} {builder:<14} {:>15} {:>6.1} {:>5} {:>7} {:>12.3} ms",
        f.insns,
        f.mean,
        f.max,
        f.cached,
        f.compile.as_secs_f64() * 1e3
    );
}

pub fn family() {
    let libseccomp_max: usize = std::env::var("GEN_LIBSECCOMP_MAX").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    println!();
    println!("argument-heavy family (seed 18), x86_64 figures: mean over every syscall with zero arguments,");
    println!("max over zero and rule-valued arguments; libseccomp up to {libseccomp_max} rules");
    println!(
        "{:>6} {:>3} {:<14} {:>15} {:>6} {:>5} {:>7} {:>15}",
        "rules", "ar", "builder", "insns", "mean", "max", "cached", "compile"
    );
    let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) };
    for arch_count in [1, 3, 6] {
        for rules in SIZES {
            let mut profile = arg_heavy(rules, &ARCHES[..arch_count], 18);
            let list = profile["syscalls"].as_array_mut().expect("rules");
            list.retain(|r| {
                r["names"].as_array().is_some_and(|n| n.iter().all(|n| n.as_str().is_some_and(reference::knows)))
            });
            let text = serde_json::to_string(&profile).expect("json");
            let doc = Document::parse(&text, "generated").expect("the generated profile parses");
            let ev = Evaluator::new(&doc.profile, &ctx).expect("the generated profile builds");
            assert!(is_little_endian(ctx.native));
            let calls = rule_valued_calls(&ev);
            let ours = bpf::compile(&ev).map(|c| c.program).map_err(|e| e.to_string());
            let took = time(|| bpf::compile(&Evaluator::new(&doc.profile, &ctx).unwrap()).is_ok());
            row(rules, arch_count, "seccompose", &figures(ours, took, &calls));
            if rules > libseccomp_max {
                continue;
            }
            for (builder, level) in [("libseccomp O1", 1), ("libseccomp O2", 2)] {
                let start = Instant::now();
                let program = reference::build(&ev, level);
                let mut took = start.elapsed();
                if took < Duration::from_millis(50) {
                    took = time(|| reference::build(&ev, level).is_ok());
                }
                row(rules, arch_count, builder, &figures(program, took, &calls));
            }
        }
    }
}
