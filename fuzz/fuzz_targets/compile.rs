//! Profiles built from the bytes (every 8 bytes a rule: syscall, action, condition): the
//! compiled program must decide as the evaluator does for every syscall and argument tried.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seccompose::bpf::{self, SeccompData};
use seccompose::catalog::{self, Arch};
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::Document;
use serde_json::{Value, json};

const ACTIONS: &[&str] =
    &["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"];
const OPS: &[&str] =
    &["SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ"];
const VALUES: &[u64] = &[0, 1, 2, 0xff, 0xffff_ffff, 1 << 32, u64::MAX, 0x7e02_0000];

fuzz_target!(|data: &[u8]| {
    let names: Vec<&str> = catalog::table(Arch::X86_64).unwrap().iter().map(|(_, n)| n).collect();
    let rules: Vec<Value> = data
        .chunks_exact(8)
        .take(64)
        .map(|b| {
            let mut rule = json!({"names": [names[usize::from(b[0]) * 2 % names.len()]], "action": ACTIONS[usize::from(b[1]) % ACTIONS.len()]});
            if b[2] % 2 == 1 {
                let args: Vec<Value> = b[3..5]
                    .iter()
                    .map(|c| json!({"index": c % 6, "value": VALUES[usize::from(b[5]) % VALUES.len()], "valueTwo": VALUES[usize::from(b[6]) % VALUES.len()], "op": OPS[usize::from(c >> 3) % OPS.len()]}))
                    .collect();
                rule["args"] = json!(args);
            }
            rule
        })
        .collect();
    let default = ACTIONS[usize::from(data.first().copied().unwrap_or(1)) % ACTIONS.len()];
    let text = json!({"defaultAction": default, "syscalls": rules}).to_string();
    let doc = Document::parse(&text, "fuzz.json").unwrap();
    let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Oci) };
    let Ok(ev) = Evaluator::new(&doc.profile, &ctx) else { return };
    let compiled = bpf::compile(&ev).expect("a usable profile compiles");
    for (nr, _) in catalog::table(Arch::X86_64).unwrap().iter().step_by(3) {
        for value in VALUES {
            let args = [*value, value.rotate_left(8), *value ^ 1, 0, *value, 1];
            let expected = ev.decide(Arch::X86_64, nr, &args).action;
            let call = SeccompData::new(Arch::X86_64.audit_value(), nr, args);
            let got = bpf::run(&compiled.program, &call, compiled.little_endian).map(|r| r.ret);
            assert_eq!(got, Ok(expected.ret_value()), "nr {nr} args {args:x?}: {text}");
        }
    }
});
