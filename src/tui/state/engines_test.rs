//! The detail pane's per-engine line, kept up to date across edits, reads as a full build of
//! the edited profile under each engine (or "refused" where that build fails).

use super::{EditingState, Target};
use crate::catalog::Arch;
use crate::policy::context::{Context, Engine};
use crate::policy::evaluator::Evaluator;
use crate::profile::edit::Setting;
use crate::profile::synth::arg_heavy;
use crate::profile::{ActionName, Document};
use serde_json::json;

/// What a full build under `engine` shows for `name`, as [`EditingState::per_engine`] words it.
fn full(state: &EditingState, engine: Engine, name: &str) -> String {
    let ctx = state.ctx.with_engine(engine);
    match Evaluator::new(state.doc.effective_profile(), &ctx) {
        Ok(ev) => ev.decide_name(ctx.native, name, &[0; 6]).map_or_else(|| "-".into(), |d| d.action.to_string()),
        Err(_) => "refused".into(),
    }
}

#[test]
fn the_per_engine_line_equals_full_builds_after_edits() {
    let mut profile = arg_heavy(150, &[Arch::X86_64, Arch::X86, Arch::Arm], 5);
    let rules = profile["syscalls"].as_array_mut().unwrap();
    // Rules docker and podman leave out (the container lacks the capability), containerd not.
    for rule in rules.iter_mut().step_by(9) {
        rule["includes"] = json!({ "caps": ["CAP_SYS_ADMIN"] });
    }
    // crun (podman's runtime) refuses an errno on ALLOW: podman's line says "refused" until
    // an edit of getpid drops that rule. Another rule decides it here.
    rules.push(json!({ "names": ["getpid"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1 }));
    let doc = Document::parse(&profile.to_string(), "generated").unwrap();
    let mut state = EditingState::new(doc, Context::default());
    let mut refused = 0;
    let picks = ["read", "socket", "clone", "openat", "mount", "bpf", "ptrace", "getpid"];
    let actions = [(ActionName::Allow, None), (ActionName::Errno, Some(1)), (ActionName::Log, None)];
    for step in 0..24 {
        state.query = picks[step % picks.len()].to_string();
        state.refresh_rows();
        state.cursor = 0;
        let (action, errno) = actions[step % actions.len()];
        state.set_action(Setting::Action(action, errno), Target::Syscall);
        for name in picks {
            let shown = state.per_engine(name);
            for (engine, text) in &shown {
                assert_eq!(*text, full(&state, *engine, name), "step {step}, {name} under {engine}");
                refused += usize::from(text == "refused");
            }
        }
    }
    assert!(refused > 0, "podman refused the profile before getpid was edited");
}
