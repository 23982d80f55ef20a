//! Lint: findings about what a profile will do under a context, each with a stable id, a
//! level, a one-line why and a fix hint. Load-time findings (syntax of fields, unknown keys)
//! come from the document; these come from the evaluator.

mod checks;
mod overlaps;
mod runtime;

use checks::Out;

use super::context::Context;
use super::evaluator::{BuildError, Evaluator};
use crate::profile::Document;
use crate::profile::finding::{Finding, Level};

/// Every lint id with its level and what it means (for docs, `--explain` and the editor).
pub const LINTS: &[(&str, Level, &str)] = &[
    ("runtime-refuses", Level::Error, "the engine or runtime refuses the profile: the container does not start"),
    ("exec-denied", Level::Error, "execve is not allowed: no program can start"),
    ("exit-denied", Level::Error, "exit_group is not allowed: programs cannot end cleanly"),
    ("thread-exit-denied", Level::Warning, "exit is not allowed: threads of multi-threaded programs cannot end"),
    ("notify-without-listener", Level::Error, "SCMP_ACT_NOTIFY needs listenerPath (an agent to answer)"),
    ("runtime-syscalls-denied", Level::Warning, "runc makes these syscalls after installing the filter"),
    ("unknown-syscall", Level::Warning, "a name no architecture knows: runc skips it silently"),
    (
        "unknown-to-libseccomp",
        Level::Info,
        "syscalls the runtime's libseccomp does not know: it skips them, the kernel gives them the default",
    ),
    (
        "no-enosys-stub",
        Level::Warning,
        "no \"architectures\" under runc before 1.1.15: no ENOSYS stub, new syscalls get the default errno",
    ),
    ("not-on-arch", Level::Info, "names that are not syscalls on the filter's architectures"),
    ("duplicate-rule", Level::Warning, "the same syscall, action and conditions twice"),
    ("conflicting-rules", Level::Warning, "rules that give one syscall different actions; libseccomp picks one"),
    (
        "libseccomp-miscompile",
        Level::Warning,
        "several conditional rules with !=/</>/… on one syscall, which libseccomp 2.5 can miscompile",
    ),
    ("rule-equals-default", Level::Info, "a rule whose action is the default: runc drops it"),
    ("dangerous-allow", Level::Warning, "a syscall with a known container-escape or kernel-attack risk is allowed"),
    ("allow-by-default", Level::Warning, "everything not listed runs: the profile blocks little"),
    ("eperm-default", Level::Warning, "denials answer EPERM; ENOSYS lets newer libcs fall back"),
    ("ignored-conditions", Level::Warning, "includes/excludes/archMap the engine ignores: the rule applies to all"),
    ("deprecated-name", Level::Warning, "the deprecated single \"name\" field"),
    ("too-many-rules", Level::Warning, "more rule entries than runtimes and operators handle well"),
    ("too-large", Level::Warning, "larger than the 1 MiB that Kubernetes objects and some runtimes accept"),
];

/// All findings for a document under a context: load findings first, then lint, by line.
pub fn lint(doc: &Document, ctx: &Context) -> Vec<Finding> {
    let evaluator = Evaluator::new(doc.effective_profile(), ctx);
    lint_with(doc, ctx, evaluator.as_ref())
}

/// [`lint`] with the document's evaluator under `ctx` already built (the editor has it: building
/// it again was most of a lint of a big profile).
pub fn lint_with(doc: &Document, ctx: &Context, evaluator: Result<&Evaluator, &BuildError>) -> Vec<Finding> {
    let mut out = doc.findings.clone();
    let mut raw = Vec::new();
    checks::run(doc, ctx, evaluator, &mut raw);
    out.extend(doc.locate_all(raw));
    out.sort_by_key(|f| (f.line.unwrap_or(0), std::cmp::Reverse(f.level)));
    out
}

/// What runc calls after installing the filter (`RUNC_NEEDS`) that the profile denies on the
/// host's arch: a run on the host cannot show these, yet the container would not start. Empty
/// when the engine's runtime is not runc.
pub fn runtime_needs_denied(ev: &Evaluator) -> Vec<&'static str> {
    if ev.context.runtime.kind != super::runtime::RuntimeKind::Runc {
        return Vec::new();
    }
    runc_needs_denied(ev)
}

/// What runc init needs after installing the filter that the profile denies (whatever the
/// context's runtime: for a run in a runc container).
pub fn runc_needs_denied(ev: &Evaluator) -> Vec<&'static str> {
    let native = ev.context.native;
    crate::profile::generate::RUNC_NEEDS
        .iter()
        .copied()
        .filter(|n| ev.decide_name(native, n, &[0; 6]).is_some_and(|d| !d.action.lets_through()))
        .collect()
}

/// Counts of (errors, warnings, infos).
pub fn tally(findings: &[Finding]) -> (usize, usize, usize) {
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
    (count(Level::Error), count(Level::Warning), count(Level::Info))
}

/// The level a lint id is reported at.
pub fn level_of(id: &str) -> Level {
    LINTS.iter().find(|(i, _, _)| *i == id).map_or(Level::Warning, |(_, l, _)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::context::Engine;

    fn levels(denied: &[&str]) -> Vec<(String, Level)> {
        let names: Vec<String> = denied.iter().map(|n| format!("\"{n}\"")).collect();
        let text = format!(
            r#"{{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{{"names": [{}], "action": "SCMP_ACT_ERRNO"}}]}}"#,
            names.join(", ")
        );
        let doc = Document::parse(&text, "t.json").expect("parses");
        let ctx = Context::for_engine(Engine::Docker);
        lint(&doc, &ctx).into_iter().filter(|f| f.id.contains("exit")).map(|f| (f.id.to_string(), f.level)).collect()
    }

    #[test]
    fn denying_exit_alone_is_a_warning_about_threads() {
        assert_eq!(levels(&["exit"]), [("thread-exit-denied".to_string(), Level::Warning)]);
        assert_eq!(levels(&["exit_group"]), [("exit-denied".to_string(), Level::Error)]);
        assert_eq!(levels(&["exit", "exit_group"]), [("exit-denied".to_string(), Level::Error)]);
        assert_eq!(levels(&["read"]), []);
    }
}
