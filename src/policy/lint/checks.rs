//! The individual lint checks. Each pushes (finding, JSON path within the profile).

use super::level_of;
use crate::catalog::{self, RiskLevel};
use crate::policy::context::Context;
use crate::policy::evaluator::{BuildError, Decision, Evaluator, Source};
use crate::policy::prepare::describe_filter;
use crate::policy::seccomp_db::tree::{Id as TreeId, Tree};
use crate::profile::finding::Finding;
use crate::profile::json::PathStep;
use crate::profile::{Action, Document};
use rustc_hash::FxHashMap;

pub(super) type Out = Vec<(Finding, Vec<PathStep>)>;

fn key(k: &str) -> PathStep {
    PathStep::Key(k.to_string())
}

fn rule_path(i: usize) -> Vec<PathStep> {
    vec![key("syscalls"), PathStep::Index(i)]
}

fn push(out: &mut Out, id: &'static str, path: Vec<PathStep>, message: String, hint: &str) {
    out.push((Finding::new(id, level_of(id), &path, message).hint(hint), path));
}

pub fn run(doc: &Document, ctx: &Context, evaluator: Result<&Evaluator, &BuildError>, out: &mut Out) {
    structure(doc, ctx, out);
    match evaluator {
        Ok(ev) => {
            behaviour(ev, ctx, out);
            if doc.is_spo() {
                spo_hints(out);
            }
            super::overlaps::overlaps(ev, out);
            super::runtime::run(doc, ev, out);
            range_overlaps(ev, out);
        }
        Err(e) => push(
            out,
            "runtime-refuses",
            Vec::new(),
            format!("under {} the container would not start: {e}", ctx.engine),
            "fix the cause named here; `seccompose explain` shows what each rule does",
        ),
    }
}

/// SPO's CRD has no `defaultErrnoRet`: hints that suggest it say what to do instead.
fn spo_hints(out: &mut Out) {
    for (finding, _) in out.iter_mut().filter(|(f, _)| f.id == "eperm-default") {
        finding.hint = Some("SPO has no defaultErrnoRet: give new syscalls (clone3, faccessat2, …) an explicit rule with errnoRet 38 (ENOSYS)".into());
    }
}

/// Checks on the profile's text and fields, independent of what the filter decides.
fn structure(doc: &Document, ctx: &Context, out: &mut Out) {
    let p = &doc.profile;
    let legacy: Vec<usize> = p.rules.iter().filter(|r| r.name.is_some()).map(|r| r.index).collect();
    if let Some(&first) = legacy.first() {
        push(
            out,
            "deprecated-name",
            [rule_path(first), vec![key("name")]].concat(),
            format!(
                "{} rule(s) use the deprecated single \"name\" field (first: syscalls[{first}]); containerd and plain OCI runtimes ignore it, so those rules do nothing there",
                legacy.len()
            ),
            "use \"names\": [\"…\"]",
        );
    }
    // A big profile names the same few hundred syscalls thousands of times: each is looked up
    // in the catalog once.
    let mut known: FxHashMap<&str, (bool, bool)> = FxHashMap::default();
    let compat = ctx.native.compat_arches();
    let lookup =
        |name: &str| (catalog::is_known_anywhere(name), compat.iter().any(|a| catalog::number(*a, name).is_some()));
    for rule in &p.rules {
        let mut not_here = Vec::new();
        for (j, name) in rule.names.iter().enumerate() {
            let (anywhere, here) = *known.entry(name.as_str()).or_insert_with(|| lookup(name));
            if !anywhere {
                let suggestion = catalog::suggest(name).map(|s| format!("; did you mean \"{s}\"?")).unwrap_or_default();
                let path = [rule_path(rule.index), vec![key("names"), PathStep::Index(j)]].concat();
                let msg = format!("unknown syscall \"{name}\": runc skips it silently{suggestion}");
                out.push((
                    Finding::new("unknown-syscall", level_of("unknown-syscall"), &path, msg)
                        .hint("fix the spelling or remove it")
                        .about(name.clone()),
                    path,
                ));
            } else if !here {
                not_here.push(name.as_str());
            }
        }
        if !not_here.is_empty() {
            push(
                out,
                "not-on-arch",
                [rule_path(rule.index), vec![key("names")]].concat(),
                format!(
                    "{} of these names are not syscalls on a {} host ({}); they do nothing there",
                    not_here.len(),
                    ctx.native,
                    not_here.join(", ")
                ),
                "fine in a multi-arch profile; remove them if the profile is for this host only",
            );
        }
    }
    if p.rules.len() > 128 {
        push(
            out,
            "too-many-rules",
            vec![key("syscalls")],
            format!("{} rule entries (more than 128)", p.rules.len()),
            "merge rules with the same action and conditions into one \"names\" list",
        );
    }
    if doc.original.len() > 1 << 20 {
        push(
            out,
            "too-large",
            Vec::new(),
            format!("the file is {} bytes (over 1 MiB)", doc.original.len()),
            "merge rules and drop comments; Kubernetes objects are limited to about 1 MiB",
        );
    }
    let uses_notify = p.default_action == Some(crate::profile::ActionName::Notify)
        || p.rules.iter().any(|r| r.action == crate::profile::ActionName::Notify);
    if uses_notify && p.listener_path.is_none() {
        push(
            out,
            "notify-without-listener",
            Vec::new(),
            "SCMP_ACT_NOTIFY is used but \"listenerPath\" is not set: nothing would answer the notifications".into(),
            "set \"listenerPath\" to the seccomp agent's unix socket, or use another action",
        );
    }
    if !ctx.engine.resolves_conditions() {
        ignored_conditions(doc, ctx, out);
    }
}

fn ignored_conditions(doc: &Document, ctx: &Context, out: &mut Out) {
    let p = &doc.profile;
    if !p.arch_map.is_empty() {
        push(
            out,
            "ignored-conditions",
            vec![key("archMap")],
            format!(
                "{} ignores \"archMap\": the filter covers only the host's native arch plus \"architectures\"",
                ctx.engine
            ),
            "list the architectures in \"architectures\" for containerd and plain OCI",
        );
    }
    for rule in p.rules.iter().filter(|r| !r.includes.is_empty() || !r.excludes.is_empty()) {
        let names: Vec<&str> = rule.all_names().collect();
        let shown = if names.len() > 8 {
            format!("{}, … ({} in all)", names[..8].join(", "), names.len())
        } else {
            names.join(", ")
        };
        let condition = describe_filter(&rule.includes, &rule.excludes);
        let which = if rule.includes.is_empty() { "excludes" } else { "includes" };
        push(
            out,
            "ignored-conditions",
            [rule_path(rule.index), vec![key(which)]].concat(),
            format!(
                "{} ignores includes/excludes: this {} rule for {shown} applies to every container, not only {condition}",
                ctx.engine,
                rule.action.spelling(),
            ),
            "for containerd, write a profile for the container's real capabilities (seccompose can resolve one for you)",
        );
    }
}

/// Checks on what the filter does on the host's native arch.
fn behaviour(ev: &Evaluator, ctx: &Context, out: &mut Out) {
    let arch = ctx.native;
    let zero = [0u64; 6];
    let decide = |name: &str| ev.decide_name(arch, name, &zero);
    if let Some(d) = decide("execve").filter(|d| !d.action.lets_through()) {
        push(
            out,
            "exec-denied",
            Vec::new(),
            format!(
                "execve gets {} on {arch}: no program can start (the container fails like the tutorial's violation.json)",
                d.action
            ),
            "allow execve (and the syscalls your program needs: `seccompose record` lists them)",
        );
    }
    exits(&decide, out);
    // execve and exit_group have lints of their own.
    let denied: Vec<&str> =
        super::runtime_needs_denied(ev).into_iter().filter(|n| !matches!(*n, "execve" | "exit_group")).collect();
    if !denied.is_empty() {
        push(
            out,
            "runtime-syscalls-denied",
            Vec::new(),
            format!(
                "runc calls {} after installing the filter; denying them stops the container before the program runs (\"runc run failed\")",
                denied.join(", ")
            ),
            "allow them, even if your program does not need them",
        );
    }
    let default = ev.default_action;
    if default.lets_through() {
        push(
            out,
            "allow-by-default",
            vec![key("defaultAction")],
            format!("the default action is {default}: every syscall not listed runs"),
            "use SCMP_ACT_ERRNO as default and allow what the program needs (`seccompose record`)",
        );
    } else {
        dangerous_allows(ev, out);
    }
    if default == Action::Errno(1) {
        push(out, "eperm-default", vec![key("defaultAction")],
            "denied syscalls fail with EPERM; newer libcs probe new syscalls (clone3, faccessat2, …) and fall back only on ENOSYS".into(),
            "set \"defaultErrnoRet\": 38 (ENOSYS), or give new syscalls an explicit ENOSYS rule");
    }
}

/// A denied exit_group stops every program from ending; a denied exit alone only the threads
/// of multi-threaded programs (a single-threaded one ends with exit_group).
fn exits(decide: &dyn Fn(&str) -> Option<Decision>, out: &mut Out) {
    let denied = |n: &str| decide(n).filter(|d| !d.action.lets_through()).map(|d| format!("{n} → {}", d.action));
    match (denied("exit"), denied("exit_group")) {
        (exit, Some(group)) => push(
            out,
            "exit-denied",
            Vec::new(),
            format!("{}: programs cannot exit cleanly", exit.into_iter().chain([group]).collect::<Vec<_>>().join(", ")),
            "allow exit and exit_group",
        ),
        (Some(exit), None) => push(
            out,
            "thread-exit-denied",
            Vec::new(),
            format!(
                "{exit} while exit_group is allowed: single-threaded programs end fine, but a thread of a multi-threaded program cannot end (glibc retries exit forever, so it spins)"
            ),
            "allow exit",
        ),
        (None, None) => {}
    }
}

fn dangerous_allows(ev: &Evaluator, out: &mut Out) {
    let arch = ev.context.native;
    let rules = &ev.prepared.spec.rules;
    let mut conditional = vec![false; rules.iter().map(|r| r.origin + 1).max().unwrap_or(0)];
    for rule in rules.iter().filter(|r| !r.args.is_empty()) {
        conditional[rule.origin] = true;
    }
    for info in catalog::all().iter().filter(|i| i.risk.is_some()) {
        let Some(d) = ev.decide_name(arch, info.name, &[0; 6]) else { continue };
        let Source::Rule(origin) = d.source else { continue };
        // A conditional allow is already the narrowing the risk note asks for.
        if !d.action.lets_through() || conditional.get(origin).copied().unwrap_or(false) {
            continue;
        }
        let risk = info.risk.expect("filtered on risk");
        let id = "dangerous-allow";
        let level = if risk.level == RiskLevel::High { level_of(id) } else { crate::profile::Level::Info };
        let path = rule_path(origin);
        let msg = format!("{} is allowed ({}): {}", info.name, d.action, risk.note);
        out.push((
            Finding::new(id, level, &path, msg).hint("deny it unless the workload needs it").about(info.name),
            path,
        ));
    }
}

/// libseccomp 2.5's BPF generator can skip an accumulator reload (found by differential
/// testing of libseccomp 2.5.4 against its own rule tree; `tests/it/oracle.rs` has a
/// reproducer): a node that compares the same argument word as the node before it on its
/// level does not reload it, yet it is also reached when a failed check deeper under that
/// previous node falls through, with another word loaded. Such trees are flagged, per arch.
fn range_overlaps(ev: &Evaluator, out: &mut Out) {
    for db in &ev.db.dbs {
        for (&nr, entry) in &db.syscalls {
            let Some(root) = entry.tree.root else { continue };
            // One action throughout (Docker's socket rules) was never seen to go wrong. (Checked
            // first: it is the cheaper test, and most trees have one action.)
            if !has_two_actions(&entry.tree) || !has_stale_reload(&entry.tree, root) {
                continue;
            }
            let Some(name) = catalog::name_of(db.arch, nr) else { continue };
            let origin =
                ev.prepared.spec.rules.iter().find(|r| r.names.iter().any(|n| n == name)).map_or(0, |r| r.origin);
            let path = rule_path(origin);
            let msg = format!(
                "the conditional rules for {name} (on {}) make a comparison tree that libseccomp 2.5 compiles wrongly: a check deeper in one rule falls through to the next without reloading the argument, so the kernel can decide differently from these rules",
                db.arch
            );
            out.push((
                Finding::new("libseccomp-miscompile", level_of("libseccomp-miscompile"), &path, msg)
                    .hint("merge the conditions into fewer rules, or check the decisions with `seccompose explain`")
                    .about(name),
                path,
            ));
            return;
        }
    }
}

fn has_stale_reload(tree: &Tree, any: TreeId) -> bool {
    let mut seen = vec![false; tree.nodes.len()];
    let mut levels = vec![tree.level_start(any)];
    while let Some(start) = levels.pop() {
        if std::mem::replace(&mut seen[start], true) {
            continue;
        }
        let mut cur = Some(start);
        while let Some(id) = cur {
            let n = tree.node(id);
            let next = n.lvl_nxt;
            for child in [n.nxt_t, n.nxt_f].into_iter().flatten() {
                let child_level = tree.level_start(child);
                levels.push(child_level);
                if let Some(sibling) = next {
                    let s = tree.node(sibling);
                    let same_word = s.arg == n.arg && s.hi == n.hi && s.mask == n.mask;
                    if same_word && falls_through_with_other_word(tree, child_level, (n.arg, n.hi, n.mask)) {
                        return true;
                    }
                }
            }
            cur = next;
        }
    }
    false
}

fn has_two_actions(tree: &Tree) -> bool {
    let mut actions = tree.nodes.iter().flat_map(|n| [n.act_t, n.act_f]).flatten();
    let Some(first) = actions.next() else { return false };
    actions.any(|a| a != first)
}

/// Whether some path through the levels under `start` loads another word and then falls
/// out of them (a branch with neither a next level nor an action).
fn falls_through_with_other_word(tree: &Tree, start: TreeId, word: (u32, bool, u32)) -> bool {
    let mut seen = vec![false; tree.nodes.len()];
    let mut levels = vec![start];
    let (mut other_word, mut falls) = (false, false);
    while let Some(level) = levels.pop() {
        if std::mem::replace(&mut seen[level], true) {
            continue;
        }
        let mut cur = Some(level);
        while let Some(id) = cur {
            let n = tree.node(id);
            other_word |= (n.arg, n.hi, n.mask) != word;
            for (next, act) in [(n.nxt_t, n.act_t), (n.nxt_f, n.act_f)] {
                match next {
                    Some(child) => levels.push(tree.level_start(child)),
                    None => falls |= act.is_none() && n.lvl_nxt.is_none(),
                }
            }
            cur = n.lvl_nxt;
        }
    }
    other_word && falls
}
