//! Lint that depends on the context's runtime: names its libseccomp does not know, and runc's
//! ENOSYS stub missing for a profile that lists no `architectures`.

use super::checks::Out;
use super::level_of;
use crate::catalog;
use crate::policy::evaluator::Evaluator;
use crate::policy::runtime::StubCoverage;
use crate::profile::Document;
use crate::profile::finding::Finding;
use crate::profile::json::PathStep;
use std::collections::BTreeMap;

pub fn run(doc: &Document, ev: &Evaluator, out: &mut Out) {
    unknown_to_libseccomp(ev, out);
    no_enosys_stub(doc, ev, out);
}

/// Names the kernel has but the runtime's libseccomp does not know: skipped without a word.
/// (Names no kernel has are `unknown-syscall`.)
fn unknown_to_libseccomp(ev: &Evaluator, out: &mut Out) {
    let runtime = &ev.context.runtime;
    let mut by_rule: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (origin, name) in ev.unknown_names.iter().filter(|(_, n)| catalog::is_known_anywhere(n)) {
        by_rule.entry(*origin).or_default().push(name);
    }
    for (origin, names) in by_rule {
        let outcomes = outcomes(ev, &names);
        let path = vec![PathStep::Key("syscalls".into()), PathStep::Index(origin), PathStep::Key("names".into())];
        let message = format!(
            "{} with libseccomp {} does not know {} ({} name{}): it skips them, so the kernel gives them {outcomes}",
            runtime.program_label(),
            runtime.libseccomp,
            names.join(", "),
            names.len(),
            if names.len() == 1 { "" } else { "s" },
        );
        let finding = Finding::new("unknown-to-libseccomp", level_of("unknown-to-libseccomp"), &path, message).hint(
            "nodes with a newer libseccomp apply the rule; `seccompose check --all-runtimes` shows where they differ",
        );
        out.push((finding, path));
    }
}

/// What the filter does for the skipped names on the host's arch: `ERRNO(1)`, or per action
/// when they differ (`ERRNO(1) (statmount), ERRNO(38) (mseal)`); names that are no syscall on
/// the host's arch are said apart.
fn outcomes(ev: &Evaluator, names: &[&str]) -> String {
    let native = ev.context.native;
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut absent = Vec::new();
    for name in names {
        match ev.decide_name(native, name, &[0; 6]) {
            Some(d) => groups.entry(d.action.to_string()).or_default().push(name),
            None => absent.push(*name),
        }
    }
    let mut text = if groups.len() == 1 {
        groups.into_keys().next().unwrap_or_default()
    } else {
        groups.into_iter().map(|(a, n)| format!("{a} ({})", n.join(", "))).collect::<Vec<_>>().join(", ")
    };
    if !absent.is_empty() {
        text.push_str(&format!(
            " ({} {} no syscall on {native})",
            absent.join(", "),
            if absent.len() == 1 { "is" } else { "are" }
        ));
    }
    text
}

/// runc before 1.1.15 builds its ENOSYS stub only for the listed arches: a profile listing
/// none gets no stub, and syscalls newer than the profile get the default errno.
fn no_enosys_stub(doc: &Document, ev: &Evaluator, out: &mut Out) {
    let spec = &ev.prepared.spec;
    let runtime = &ev.context.runtime;
    let coverage = runtime.stub_coverage(spec.default_action, spec.default_errno_ret);
    if coverage != StubCoverage::Listed || !spec.architectures.is_empty() {
        return;
    }
    let default = ev.default_action;
    let path = if doc.profile.arch_map.is_empty() { Vec::new() } else { vec![PathStep::Key("archMap".into())] };
    let message = format!(
        "{} adds its ENOSYS stub only for the arches in \"architectures\", and the profile lists none{}: syscalls newer than the profile get {default}, not ENOSYS (runc 1.1.15 and 1.2 add the host's arch)",
        runtime.program_label(),
        if doc.profile.arch_map.is_empty() { "" } else { " (archMap is ignored by this engine)" },
    );
    let hint = format!("add \"architectures\": [\"{}\"] (and its compat arches)", ev.context.native.scmp_name());
    out.push((Finding::new("no-enosys-stub", level_of("no-enosys-stub"), &path, message).hint(hint), path));
}
