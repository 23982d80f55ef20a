//! What the profile targets do with an input: everything a user's command would.

use seccompose::bpf;
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::policy::lint::lint;
use seccompose::profile::Document;

pub fn load_everything(text: &str, name: &str) {
    let Ok(doc) = Document::parse(text, name) else { return };
    let ctx = Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) };
    let findings = lint(&doc, &ctx);
    assert!(findings.len() <= 4 * text.len() + 64, "{} findings for {} bytes", findings.len(), text.len());
    if name.ends_with(".json") {
        assert_eq!(doc.render(), text, "an unedited document renders to its own text");
    }
    if !doc.has_errors() {
        if let Ok(ev) = Evaluator::new(doc.effective_profile(), &ctx) {
            let _ = bpf::compile(&ev);
        }
    }
}
