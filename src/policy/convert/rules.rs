//! The per-field steps of a conversion: deprecated names, errno names, conditions, archMap,
//! and the fields SPO's CRD does not have.

use super::{Format, Request, Work};
use crate::catalog::Arch;
use crate::policy::context::{Context, Engine};
use crate::policy::prepare::condition_excludes;
use crate::profile::errno::errno_number;
use crate::profile::{Document, KernelVersion};
use serde_json::{Map, Value};

/// Keys an SPO spec, rule and argument have.
const SPO_SPEC: &[&str] = &[
    "baseProfileName",
    "disabled",
    "defaultAction",
    "architectures",
    "listenerPath",
    "listenerMetadata",
    "syscalls",
    "flags",
];
const SPO_RULE: &[&str] = &["names", "action", "errnoRet", "args"];
const SPO_ARG: &[&str] = &["index", "value", "valueTwo", "op"];

/// The deprecated single `name` becomes `names` for every target but Docker (which reads both).
pub(super) fn fold_names(work: &mut Work, to: Format) {
    if to == Format::Docker {
        return;
    }
    let mut folded = 0;
    for (_, rule) in work.rules_mut() {
        if let Some(name) = rule.shift_remove("name") {
            let names = rule.entry("names").or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = names {
                if !list.contains(&name) {
                    list.push(name);
                }
            }
            folded += 1;
        }
    }
    if folded > 0 {
        work.rewritten.push(format!("the deprecated \"name\" of {folded} rule(s) moved into \"names\""));
    }
}

/// containers-common's errno names (`defaultErrno`, `errno`) become numbers for the others.
pub(super) fn errno_names(work: &mut Work, to: Format) {
    if to == Format::Podman {
        return;
    }
    let mut count = 0;
    count += usize::from(errno_in_place(&mut work.profile, "defaultErrno", "defaultErrnoRet"));
    for (_, rule) in work.rules_mut() {
        count += usize::from(errno_in_place(rule, "errno", "errnoRet"));
    }
    if count > 0 {
        work.rewritten.push(format!("{count} errno name(s) written as numbers (defaultErrnoRet / errnoRet)"));
    }
}

/// Replaces an errno name (`"ENOSYS"`) by its number under the numeric key, where it stood.
/// containers-common prefers the name over a number given too, so the name's value wins.
fn errno_in_place(map: &mut Map<String, Value>, name_key: &str, number_key: &str) -> bool {
    let Some(number) = map.get(name_key).and_then(Value::as_str).and_then(errno_number) else { return false };
    map.shift_remove(number_key);
    let old = std::mem::take(map);
    for (k, v) in old {
        if k == name_key {
            map.insert(number_key.to_string(), number.into());
        } else {
            map.insert(k, v);
        }
    }
    true
}

/// `includes`/`excludes`: kept for Docker; for Podman only `minKernel` needs resolving; for
/// OCI and SPO the whole condition is resolved for the named context, or the conversion refused.
pub(super) fn conditions(work: &mut Work, doc: &Document, req: &Request) {
    if req.to == Format::Docker {
        return;
    }
    let only_kernel = req.to == Format::Podman;
    let mut conditional = Vec::new();
    let mut removed = Vec::new();
    let mut kept = 0;
    let mut keep = vec![true; work.profile.get("syscalls").and_then(Value::as_array).map_or(0, Vec::len)];
    for rule in &doc.profile.rules {
        let needs = if only_kernel {
            rule.includes.min_kernel.is_some() || rule.excludes.min_kernel.is_some()
        } else {
            !rule.includes.is_empty() || !rule.excludes.is_empty()
        };
        if !needs {
            continue;
        }
        conditional.push(format!("syscalls[{}]", rule.index));
        let Some(ctx) = req.resolve else { continue };
        let reason = if only_kernel {
            kernel_excludes(rule.includes.min_kernel, rule.excludes.min_kernel, ctx.kernel)
        } else if ctx.engine.resolves_conditions() {
            condition_excludes(rule, &docker(ctx))
        } else {
            None // containerd and plain OCI ignore conditions: every rule applies.
        };
        match reason {
            Some(why) => {
                removed.push(format!("syscalls[{}] ({why})", rule.index));
                if let Some(k) = keep.get_mut(rule.index) {
                    *k = false;
                }
            }
            None => kept += 1,
        }
    }
    if conditional.is_empty() {
        return;
    }
    let what = if only_kernel { "minKernel conditions, which Podman ignores" } else { "includes/excludes conditions" };
    let Some(ctx) = req.resolve else {
        work.refused.push(format!(
            "{} rule(s) have {what} ({}); {} cannot express them: resolve them for a context with --resolve (and --native, --cap, --kernel)",
            conditional.len(),
            shortened(&conditional),
            req.to.name()
        ));
        return;
    };
    strip_conditions(work, &keep, only_kernel);
    let summary = match (only_kernel, ctx.engine.resolves_conditions()) {
        (true, _) => format!("kernel {}", ctx.kernel),
        (false, true) => docker(ctx).summary(),
        (false, false) => format!("{}, which ignores them", ctx.engine),
    };
    let mut note = format!(
        "{} conditional rule(s) resolved for {summary}: {kept} kept without their condition",
        conditional.len()
    );
    if !removed.is_empty() {
        note.push_str(&format!(", {} removed: {}", removed.len(), shortened(&removed)));
    }
    work.rewritten.push(note);
}

/// The first few items of a long list.
fn shortened(items: &[String]) -> String {
    match items.len() {
        0..=6 => items.join(", "),
        n => format!("{}, … and {} more", items[..5].join(", "), n - 5),
    }
}

/// The context with Docker's full condition semantics (caps, arches and minKernel).
fn docker(ctx: &Context) -> Context {
    Context { engine: Engine::Docker, ..ctx.clone() }
}

fn kernel_excludes(
    min_in: Option<KernelVersion>,
    min_ex: Option<KernelVersion>,
    kernel: KernelVersion,
) -> Option<String> {
    if let Some(k) = min_ex.filter(|k| kernel >= *k) {
        return Some(format!("excluded on kernel {kernel} (>= {k})"));
    }
    min_in.filter(|k| kernel < *k).map(|k| format!("only on kernel >= {k}"))
}

/// Removes resolved rules and the conditions of the kept ones.
fn strip_conditions(work: &mut Work, keep: &[bool], only_kernel: bool) {
    let Some(Value::Array(list)) = work.profile.get_mut("syscalls") else { return };
    let mut i = 0;
    list.retain(|_| {
        i += 1;
        keep.get(i - 1).copied().unwrap_or(true)
    });
    for rule in list.iter_mut().filter_map(Value::as_object_mut) {
        for key in ["includes", "excludes"] {
            if only_kernel {
                if let Some(filter) = rule.get_mut(key).and_then(Value::as_object_mut) {
                    filter.shift_remove("minKernel");
                }
                if rule.get(key).and_then(Value::as_object).is_some_and(Map::is_empty) {
                    rule.shift_remove(key);
                }
            } else {
                rule.shift_remove(key);
            }
        }
    }
}

/// `archMap` becomes `architectures`: every arch of every entry. A filter that also lists arches
/// the host cannot run behaves the same (their calls cannot happen), so nothing is lost.
/// When resolving for a context, only the native arch's entry is taken, as dockerd does: the
/// rules were resolved for that arch.
pub(super) fn flatten_arch_map(work: &mut Work, native: Option<Arch>) {
    let Some(Value::Array(entries)) = work.profile.shift_remove("archMap") else { return };
    let mut arches: Vec<Value> =
        work.profile.get("architectures").and_then(Value::as_array).cloned().unwrap_or_default();
    let is_native =
        |e: &&Value| native.is_none_or(|n| e.get("architecture").and_then(Value::as_str) == Some(n.scmp_name()));
    for entry in entries.iter().filter(is_native) {
        let main = entry.get("architecture").into_iter();
        let subs = entry.get("subArchitectures").and_then(Value::as_array).into_iter().flatten();
        for arch in main.chain(subs) {
            if !arches.contains(arch) {
                arches.push(arch.clone());
            }
        }
    }
    let listed: Vec<&str> = arches.iter().filter_map(Value::as_str).collect();
    let whose = native.map_or(String::new(), |n| {
        format!(" (the {} entry: the profile is now for {} hosts)", n.short_name(), n.short_name())
    });
    work.rewritten.push(format!(
        "archMap ({} entries) written as architectures{whose}: {}",
        entries.len(),
        listed.join(", ")
    ));
    insert_after(&mut work.profile, "defaultErrnoRet", "architectures", Value::Array(arches));
}

/// Inserts `key` after `after` (or after `defaultAction`), keeping the file's key order.
fn insert_after(map: &mut Map<String, Value>, after: &str, key: &str, value: Value) {
    map.shift_remove(key);
    let anchor = [after, "defaultAction"].into_iter().find(|k| map.contains_key(*k));
    let mut out = Map::new();
    let mut placed = false;
    for (k, v) in std::mem::take(map) {
        let here = Some(k.as_str()) == anchor;
        out.insert(k, v);
        if here {
            out.insert(key.to_string(), value.clone());
            placed = true;
        }
    }
    if !placed {
        out.insert(key.to_string(), value);
    }
    *map = out;
}

/// What SPO's CRD has no field for: `defaultErrnoRet` (equal to SPO's EPERM when it is 1), and
/// unknown keys, which the API server would prune.
pub(super) fn spo_only_fields(work: &mut Work) {
    if let Some(errno) = work.profile.shift_remove("defaultErrnoRet") {
        let errno_default = work.profile.get("defaultAction").and_then(Value::as_str) == Some("SCMP_ACT_ERRNO");
        if errno_default && errno == 1 {
            work.rewritten.push("defaultErrnoRet 1 left out: SCMP_ACT_ERRNO returns EPERM (1) without it".into());
        } else {
            work.dropped.push(format!(
                "defaultErrnoRet {errno}: SPO has no default errno, so denied calls fail with EPERM instead (give the calls that need it an explicit rule with errnoRet {errno})"
            ));
        }
    }
    let unknown: Vec<String> = work.profile.keys().filter(|k| !SPO_SPEC.contains(&k.as_str())).cloned().collect();
    for key in &unknown {
        work.profile.shift_remove(key);
    }
    let mut dropped: Vec<String> = unknown;
    for (i, rule) in work.rules_mut() {
        rule.retain(|k, _| {
            SPO_RULE.contains(&k.as_str()) || {
                dropped.push(format!("syscalls[{i}].{k}"));
                false
            }
        });
        for (j, arg) in rule.get_mut("args").and_then(Value::as_array_mut).into_iter().flatten().enumerate() {
            if let Some(arg) = arg.as_object_mut() {
                arg.retain(|k, _| {
                    SPO_ARG.contains(&k.as_str()) || {
                        dropped.push(format!("syscalls[{i}].args[{j}].{k}"));
                        false
                    }
                });
            }
        }
    }
    if !dropped.is_empty() {
        work.dropped
            .push(format!("fields SPO's CRD does not have (the API server would prune them): {}", dropped.join(", ")));
    }
    too_large_for_int64(work);
}

/// SPO's CRD types argument values as int64: larger values cannot be applied.
fn too_large_for_int64(work: &mut Work) {
    let mut large = Vec::new();
    for (i, rule) in work.rules_mut() {
        for (j, arg) in rule.get("args").and_then(Value::as_array).into_iter().flatten().enumerate() {
            for key in ["value", "valueTwo"] {
                if arg.get(key).and_then(Value::as_u64).is_some_and(|v| v > i64::MAX as u64) {
                    large.push(format!("syscalls[{i}].args[{j}].{key}"));
                }
            }
        }
    }
    if !large.is_empty() {
        work.refused.push(format!("{} do not fit SPO's int64 argument values", large.join(", ")));
    }
}
