//! Words for decisions: which rule decided, what a rule or condition means. Shared by
//! `explain` and the editor's preview.

use crate::catalog::Arch;
use crate::catalog::constants::{self, number_text, value_text};
use crate::policy::evaluator::{Decision, Evaluator, Source};
use crate::policy::prepare::describe_filter;
use crate::profile::spo::BaseProfile;
use crate::profile::{Action, Document, Rule, errno};

pub fn action_text(action: Action) -> String {
    match action {
        Action::Errno(e) => match errno::errno_name(e) {
            Some(n) => format!("{action} {n}"),
            None => action.to_string(),
        },
        _ => action.to_string(),
    }
}

pub fn source_text(doc: &Document, ev: &Evaluator, source: Source) -> String {
    let p = &doc.profile;
    match source {
        Source::Rule(i) => match p.rules.iter().find(|r| r.index == i) {
            Some(rule) => describe_rule(doc, rule),
            None => match (&doc.base, doc.effective_profile().rules.iter().find(|r| r.index == i)) {
                (Some(Ok(base)), Some(rule)) => describe_base_rule(base, rule, i - p.rules.len()),
                _ => format!("syscalls[{i}]"),
            },
        },
        Source::Default => {
            let errno = p.default_errno_ret.map(|e| format!(", defaultErrnoRet {e}")).unwrap_or_default();
            let action = p.default_action.map_or("?", |a| a.spelling());
            format!("the default action (defaultAction {action}{errno}): no rule applies")
        }
        Source::MergedConditions => "overlapping conditional rules, as libseccomp merged them".to_string(),
        Source::BadArch => {
            format!("architecture check: the filter covers only {}, anything else is killed", arch_list(ev))
        }
        Source::EnosysStub => {
            "runc's ENOSYS stub: the syscall is newer than every syscall the profile names".to_string()
        }
    }
}

/// A rule the base profile (`baseProfileName`) brought in: `syscalls[j]` of the base.
fn describe_base_rule(base: &BaseProfile, rule: &Rule, j: usize) -> String {
    let names: Vec<&str> = rule.all_names().take(6).collect();
    format!(
        "syscalls[{j}] of base profile {} ({}): {} for {}",
        base.name,
        base.from,
        rule.action.spelling(),
        names.join(", ") + if rule.names.len() > 6 { ", …" } else { "" }
    )
}

pub fn arch_list(ev: &Evaluator) -> String {
    ev.arches().iter().map(|a| a.short_name()).collect::<Vec<_>>().join(", ")
}

pub fn describe_rule(doc: &Document, rule: &Rule) -> String {
    let mut out = format!("syscalls[{}]{}: {}", rule.index, line_of(doc, rule.index), rule.action.spelling());
    if let Some(e) = rule.errno_ret {
        out.push_str(&format!(" errnoRet {e}"));
    }
    let names: Vec<&str> = rule.all_names().collect();
    let names = if names.len() > 6 {
        format!("{}, … ({} names)", names[..6].join(", "), names.len())
    } else {
        names.join(", ")
    };
    out.push_str(&format!(" for {names}"));
    if !rule.args.is_empty() {
        let all: Vec<&str> = rule.all_names().collect();
        let conds: Vec<String> =
            rule.args.iter().map(|c| describe_condition_of(naming_syscall(&all, c.index as usize), c)).collect();
        out.push_str(&format!(" when {}", conds.join(" and ")));
    }
    let filter = describe_filter(&rule.includes, &rule.excludes);
    if !filter.is_empty() {
        out.push_str(&format!(" ({filter})"));
    }
    if let Some(c) = &rule.comment {
        out.push_str(&format!(" — \"{c}\""));
    }
    out
}

/// ` (line N)` for a rule, from the document's text.
pub fn line_of(doc: &Document, index: usize) -> String {
    doc.rule_line(index).map_or_else(String::new, |line| format!(" (line {line})"))
}

/// A condition in numbers (`arg0 == 0x28`), for when the syscall is not known.
pub fn describe_condition(c: &crate::profile::ArgCondition) -> String {
    describe_condition_of(None, c)
}

/// A condition with the catalog's names for the syscall's values (`arg0 == AF_UNIX (1)`,
/// `arg0 & CLONE_NEWUSER (0x10000000) == 0`), numbers where there is no name.
pub fn describe_condition_of(syscall: Option<&str>, c: &crate::profile::ArgCondition) -> String {
    let i = c.index as usize;
    let value = |v: u64| syscall.map_or_else(|| number_text(v), |name| value_text(name, i, v));
    match c.op {
        crate::profile::Op::MaskedEq if syscall.is_none() => {
            format!("arg{i} & {:#x} == {:#x}", c.value, c.value_two & c.value)
        }
        crate::profile::Op::MaskedEq => format!("arg{i} & {} == {}", value(c.value), value(c.value_two & c.value)),
        op => format!("arg{i} {} {}", op.symbol(), value(c.value)),
    }
}

/// The syscall whose value names fit argument `index` for every name of a rule (the first),
/// if they all name it alike.
fn naming_syscall<'a>(names: &[&'a str], index: usize) -> Option<&'a str> {
    let first = *names.first()?;
    let naming = constants::naming(first, index)?;
    names.iter().all(|n| constants::naming(n, index) == Some(naming)).then_some(first)
}

/// What decided a call to `name` (number `nr` on `arch`), with the runtime's part in it: a rule
/// skipped because its libseccomp does not know the name, or the stub's threshold.
pub fn decided_by(doc: &Document, ev: &Evaluator, d: Decision, arch: Arch, nr: u32, name: &str) -> String {
    let text = source_text(doc, ev, d.source);
    match d.source {
        Source::Default => match unknown_name_note(ev, name).or_else(|| missing_stub_note(ev, arch, nr)) {
            Some(note) => format!("{text} — {note}"),
            None => text,
        },
        Source::EnosysStub => stub_text(ev, arch, nr),
        _ => text,
    }
}

/// `mseal is unknown to libseccomp 2.5.4 (host), so runc skipped the rule naming it`.
pub fn unknown_name_note(ev: &Evaluator, name: &str) -> Option<String> {
    let runtime = &ev.context.runtime;
    ev.unknown_names.iter().any(|(_, n)| n == name).then(|| {
        format!(
            "{name} is unknown to libseccomp {}, so {} skipped the rule naming it",
            runtime.libseccomp, runtime.kind
        )
    })
}

/// Why a call newer than the profile's names meets the default, not ENOSYS: runc before 1.1.15
/// builds its stub only for the listed arches, and the profile lists none.
fn missing_stub_note(ev: &Evaluator, arch: Arch, nr: u32) -> Option<String> {
    let runtime = &ev.context.runtime;
    let spec = &ev.prepared.spec;
    let coverage = runtime.stub_coverage(spec.default_action, spec.default_errno_ret);
    if coverage != crate::policy::runtime::StubCoverage::Listed || !spec.architectures.is_empty() {
        return None;
    }
    let newest = spec.rules.iter().flat_map(|r| &r.names).filter_map(|n| runtime.libseccomp.number(arch, n)).max()?;
    (nr > newest).then(|| {
        format!(
            "{} builds its ENOSYS stub only for the arches in \"architectures\" and the profile lists none, so this call newer than the profile's syscalls gets the default (runc 1.1.15 and 1.2 add the host's arch)",
            runtime.program_label()
        )
    })
}

/// The stub's decision with its threshold: which known name set it, under which libseccomp.
fn stub_text(ev: &Evaluator, arch: Arch, nr: u32) -> String {
    let runtime = &ev.context.runtime;
    let threshold = ev.stub.as_ref().and_then(|s| s.last.get(&arch).copied());
    match threshold {
        Some(max) => {
            let newest = crate::catalog::name_of(arch, max).unwrap_or("?");
            format!(
                "{}'s ENOSYS stub: nr {nr} is above {max} ({newest}), the newest syscall the profile names that libseccomp {} knows on {arch}",
                runtime.kind, runtime.libseccomp
            )
        }
        None => format!("{}'s ENOSYS stub: the syscall is newer than every syscall the profile names", runtime.kind),
    }
}

/// What a rule that names `name` but did not decide does (shown as "also").
pub fn rule_note(ev: &Evaluator, rule: &Rule, name: &str) -> String {
    let base = format!("syscalls[{}] {}", rule.index, rule.action.spelling());
    if let Some(s) = ev.prepared.skipped.iter().find(|s| s.origin == rule.index) {
        return format!("{base} does not apply: {}", s.reason);
    }
    if ev.unknown_names.iter().any(|(i, n)| *i == rule.index && n == name) {
        let runtime = &ev.context.runtime;
        return format!(
            "{base} is skipped for {name}: libseccomp {} does not know it ({} ignores it)",
            runtime.libseccomp, runtime.kind
        );
    }
    let action = Action::from_name(rule.action, rule.errno_ret);
    if action == ev.default_action {
        return format!("{base} equals the default action (runc drops it)");
    }
    if !rule.args.is_empty() {
        let conds: Vec<String> = rule.args.iter().map(describe_condition).collect();
        return format!("{base} applies only when {}", conds.join(" and "));
    }
    format!("{base} also names it (an earlier rule decides)")
}
