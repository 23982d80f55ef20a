//! Properties of the profile loaders: any bytes, mutated bundled profiles (JSON), mutated SPO
//! resources (YAML) and random graphs of base profiles load without a panic, within budget,
//! with findings linear in the input, and (JSON) render back to the very same text.

use super::mutate::{self, JSON_TOKENS, YAML_TOKENS};
use super::{config, within_budget};
use crate::support::{TempDir, root};
use proptest::prelude::*;
use seccompose::bpf;
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::policy::lint::lint;
use seccompose::profile::Document;

fn ctx() -> Context {
    Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) }
}

/// Loads, lints and (when usable) compiles `text`; checks what holds for every input.
fn load_everything(text: &str, name: &str) {
    let Ok(doc) = Document::parse(text, name) else { return };
    let findings = lint(&doc, &ctx());
    assert!(findings.len() <= 4 * text.len() + 64, "{} findings for {} bytes", findings.len(), text.len());
    if name.ends_with(".json") {
        assert_eq!(doc.render(), text, "an unedited document renders to its own text");
    }
    if !doc.has_errors() {
        if let Ok(ev) = Evaluator::new(doc.effective_profile(), &ctx()) {
            let _ = bpf::compile(&ev);
        }
    }
}

fn fixtures(dir: &str, ext: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "fixtures in {dir}");
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn json_loader_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        within_budget(&format!("{text:?}"), || load_everything(&text, "bytes.json"));
    }

    #[test]
    fn json_loader_takes_mutated_profiles(which in any::<usize>(), edits in mutate::edits()) {
        let profiles = fixtures("profiles", "json");
        let text = mutate::apply(&profiles[which % profiles.len()], &edits, JSON_TOKENS);
        within_budget(&format!("{edits:?}"), || load_everything(&text, "mutated.json"));
    }

    #[test]
    fn yaml_loader_takes_mutated_spo_resources(which in any::<usize>(), edits in mutate::edits()) {
        let resources = fixtures("tests/fixtures/spo", "yaml");
        let text = mutate::apply(&resources[which % resources.len()], &edits, YAML_TOKENS);
        within_budget(&format!("{text:?}"), || load_everything(&text, "mutated.yaml"));
    }

    /// Up to five SPO files whose bases name each other (cycles included) or nothing: each is
    /// merged at most once per profile of its chain, and a cycle is reported exactly once.
    #[test]
    fn base_profile_graphs_resolve_or_report_their_cycle(bases in proptest::collection::vec(proptest::option::of(0usize..6), 1..6)) {
        let dir = TempDir::new(&format!("fuzz-bases-{:?}", std::thread::current().id()).replace(['(', ')'], ""));
        for (i, base) in bases.iter().enumerate() {
            let base = base.map(|b| format!("  baseProfileName: p{b}\n")).unwrap_or_default();
            let text = format!("apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: p{i}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n{base}  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names:\n    - getpid\n");
            std::fs::write(dir.path().join(format!("p{i}.yaml")), text).unwrap();
        }
        for start in 0..bases.len() {
            let doc = within_budget(&format!("{bases:?} from p{start}"), || Document::open(&dir.path().join(format!("p{start}.yaml"))).unwrap());
            let mut seen = vec![start];
            let mut at = start;
            let cycle = loop {
                match bases[at] {
                    Some(b) if b < bases.len() && seen.contains(&b) => break true,
                    Some(b) if b < bases.len() => { seen.push(b); at = b; }
                    _ => break false,
                }
            };
            let reported = doc.findings.iter().filter(|f| f.id == "base-profile-cycle").count();
            prop_assert_eq!(reported, usize::from(cycle), "{:?} from p{}: {:?}", bases, start, doc.findings);
            let expected = if cycle { 1 } else { seen.len() };
            prop_assert_eq!(doc.effective_profile().rules.len(), expected, "{:?} from p{}", bases, start);
        }
    }
}
