//! Properties of the other readers of outside data: Kubernetes manifests and audit logs.

use super::mutate::{self, LOG_TOKENS, YAML_TOKENS};
use super::{config, within_budget};
use crate::support::root;
use proptest::prelude::*;
use seccompose::kube::manifest::read_manifest;
use seccompose::profile::audit_import::{Filter, Import, KEPT};

fn fixture(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

const MANIFESTS: &[&str] = &[
    "tests/fixtures/k8s/multi.yaml",
    "tests/fixtures/k8s/list.yaml",
    "tests/fixtures/k8s/pod-override.yaml",
    "tests/fixtures/k8s/cronjob-unconfined.yaml",
];

const LOGS: &[&str] =
    &["tests/fixtures/audit/audit.log", "tests/fixtures/audit/kern.log", "tests/fixtures/audit/journal.txt"];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn manifests_take_mutations(which in any::<usize>(), edits in mutate::edits()) {
        let text = mutate::apply(&fixture(MANIFESTS[which % MANIFESTS.len()]), &edits, YAML_TOKENS);
        within_budget(&format!("{text:?}"), || { let _ = read_manifest(&text, "mutated.yaml"); });
    }

    #[test]
    fn manifests_take_any_text(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        within_budget(&format!("{text:?}"), || { let _ = read_manifest(&text, "bytes.yaml"); });
    }

    /// Every line is read, malformed ones are counted, and what is kept stays bounded.
    #[test]
    fn audit_logs_take_mutations(which in any::<usize>(), edits in mutate::edits(), copies in 1usize..40) {
        let text = mutate::apply(&fixture(LOGS[which % LOGS.len()]), &edits, LOG_TOKENS).repeat(copies);
        let import = within_budget(&format!("{edits:?}"), || {
            let mut import = Import::new(Filter::default());
            import.add_text("mutated.log", &text);
            import
        });
        let lines = text.lines().count() as u64;
        prop_assert!(import.records + import.filtered_out + import.problems.len() as u64 + import.more_problems <= lines);
        prop_assert!(import.problems.len() <= KEPT);
        let _ = import.profile(seccompose::catalog::Arch::X86_64, seccompose::profile::generate::Dialect::Oci);
    }
}
