//! The compiler on random profiles (the generator of `random_profile.rs`, seeds chosen and
//! shrunk by proptest): what it compiles agrees with the evaluator, within budget. The kernel's
//! own acceptance of such programs is tested in `kernel.rs` and `compiler.rs`, kept as they are.

use super::{config, within_budget};
use crate::compiler::disagreements;
use crate::random_profile::{Shape, random_profile};
use proptest::prelude::*;
use seccompose::bpf;
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::Document;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_profiles_compile_within_budget_and_agree(seed in any::<u64>(), overlapping in any::<bool>(), engine in 0usize..3) {
        let value = random_profile(seed, Shape { overlapping_ranges: overlapping });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let engine = [Engine::Oci, Engine::Podman, Engine::Docker][engine];
        let ctx = Context { native: Arch::X86_64, ..Context::for_engine(engine) };
        let bad = within_budget(&format!("seed {seed}"), || {
            let doc = Document::parse(&text, "random").unwrap();
            let Ok(ev) = Evaluator::new(&doc.profile, &ctx) else { return Vec::new() };
            match bpf::compile(&ev) {
                Ok(compiled) => disagreements(&ev, &compiled, &doc.profile, 5),
                Err(e) => vec![format!("does not compile: {e}")],
            }
        });
        prop_assert!(bad.is_empty(), "seed {} under {}:\n{}", seed, engine, bad.join("\n"));
    }
}
