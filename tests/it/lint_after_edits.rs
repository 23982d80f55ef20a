//! The editor's findings after each of many random edits (and undos) of generated profiles
//! equal a full lint of the edited text read afresh: same findings, same order, same lines.
//! The editor re-lints with an evaluator updated in place and a document re-read in place;
//! this is what says those shortcuts change nothing.

use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::lint::lint;
use seccompose::profile::Document;
use seccompose::profile::synth::{XorShift, arg_heavy};
use seccompose::tui::state::EditingState;
use serde_json::{Value, json};

const ACTIONS: [&str; 4] = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_LOG", "SCMP_ACT_KILL_PROCESS"];

/// One random edit of the kinds that make or end duplicates, conflicts, shadowing, defaults,
/// unknown names and miscompiled trees. Returns what it did, for the failure message.
fn random_edit(rng: &mut XorShift, value: &mut Value) -> String {
    let rules = value["syscalls"].as_array_mut().expect("generated profiles have syscalls");
    let n = rules.len();
    let (i, j) = (rng.index(n), rng.index(n));
    match rng.index(9) {
        0 => {
            rules[i]["action"] = json!(ACTIONS[rng.index(ACTIONS.len())]);
            format!("syscalls[{i}] action")
        }
        1 => {
            let copy = rules[j].clone();
            rules.insert(i, copy);
            format!("syscalls[{j}] copied to {i}")
        }
        2 => {
            rules.remove(i);
            format!("syscalls[{i}] removed")
        }
        3 => {
            let name = rules[j]["names"][0].clone();
            rules[i]["names"].as_array_mut().expect("names").push(name);
            format!("a name of syscalls[{j}] added to syscalls[{i}]")
        }
        4 => {
            rules[i].as_object_mut().expect("a rule").remove("args");
            format!("syscalls[{i}] made unconditional")
        }
        5 => {
            let args = rules[j].get("args").cloned().unwrap_or(json!([{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]));
            rules[i]["args"] = args;
            format!("syscalls[{i}] given the conditions of syscalls[{j}]")
        }
        6 => {
            let name = ["execve", "exit_group", "ptrace", "not_a_syscall", "bpf"][rng.index(5)];
            rules[i]["names"] = json!([name]);
            format!("syscalls[{i}] renamed")
        }
        7 => {
            let action = ["SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"][rng.index(3)];
            value["defaultAction"] = json!(action);
            "default action".into()
        }
        _ => {
            let name = rules[i]["names"][0].clone();
            rules.push(json!({"names": [name], "action": ACTIONS[rng.index(ACTIONS.len())]}));
            format!("an unconditional rule for the name of syscalls[{i}] appended")
        }
    }
}

fn full_lint(state: &EditingState) -> Vec<seccompose::profile::finding::Finding> {
    let fresh = Document::parse(&state.doc.render(), "edited.json").expect("the edited profile reads back");
    lint(&fresh, &state.ctx)
}

fn check_edits(seed: u64, engine: Engine, pretty: bool, steps: usize) {
    let profile = arg_heavy(300, &[Arch::X86_64, Arch::X86, Arch::Aarch64], seed);
    let text = if pretty { serde_json::to_string_pretty(&profile) } else { serde_json::to_string(&profile) };
    let doc = Document::parse(&text.expect("serializes"), "p.json").expect("parses");
    let mut state = EditingState::new(doc, Context::for_engine(engine));
    assert_eq!(state.findings, full_lint(&state), "seed {seed}: as opened");
    let mut rng = XorShift::new(seed);
    for step in 0..steps {
        let what = if rng.index(5) == 0 {
            state.undo(true);
            "undo".to_string()
        } else {
            let mut what = String::new();
            state.edit("random edit", |v| what = random_edit(&mut rng, v));
            what
        };
        assert_eq!(state.findings, full_lint(&state), "seed {seed}, {engine:?}, step {step}: {what}");
    }
}

#[test]
fn findings_after_random_edits_equal_a_full_lint() {
    for seed in 1..=3 {
        check_edits(seed, Engine::Docker, seed % 2 == 0, 40);
    }
}

#[test]
fn findings_after_random_edits_equal_a_full_lint_under_containerd() {
    check_edits(11, Engine::Containerd, true, 30);
}
