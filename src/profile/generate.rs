//! New profiles from observed syscalls: an allow-list grouped by category, so a person can
//! read and trim it.

use crate::catalog::{self, Arch};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Which dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Plain OCI `linux.seccomp`: `architectures`, no comments.
    Oci,
    /// Docker/moby: `archMap` and a `comment` per rule.
    Docker,
}

/// Syscalls runc makes between installing the filter and exec'ing the program: a profile that
/// denies them stops the container before the program runs.
pub const RUNC_NEEDS: &[&str] = &[
    "openat",
    "close",
    "write",
    "getpid",
    "fstatfs",
    "getdents64",
    "epoll_ctl",
    "execve",
    "futex",
    "nanosleep",
    "sched_yield",
    "rt_sigreturn",
    "exit_group",
];

/// Syscalls every program needs to stop, whether or not a short run made them: `exit` ends a
/// thread (a multi-threaded program's workers), `exit_group` the process, `rt_sigreturn`
/// returns from a signal handler (a program that cleans up on SIGTERM).
pub const STOP_NEEDS: &[&str] = &["exit", "exit_group", "rt_sigreturn"];

/// What `allow_list` adds to the names seen: (what every program needs to stop, what runc
/// needs to start the container), each without the names seen, in that order of rules.
pub fn must_haves(seen: &BTreeSet<String>) -> (Vec<&'static str>, Vec<&'static str>) {
    let stop: Vec<&str> = STOP_NEEDS.iter().copied().filter(|n| !seen.contains(*n)).collect();
    let runc: Vec<&str> =
        RUNC_NEEDS.iter().copied().filter(|n| !seen.contains(*n) && !STOP_NEEDS.contains(n)).collect();
    (stop, runc)
}

/// An allow-list profile: default ERRNO(ENOSYS), one rule per category of the names seen,
/// then the must-haves (`must_haves`) the program did not make.
pub fn allow_list(seen: &BTreeSet<String>, arches: &[Arch], native: Arch, dialect: Dialect) -> Value {
    let mut by_category: BTreeMap<&'static str, BTreeSet<&str>> = BTreeMap::new();
    for name in seen {
        let category = catalog::info(name).map_or("other", |i| i.category.id);
        by_category.entry(category).or_default().insert(name);
    }
    let mut profile = Map::new();
    profile.insert("defaultAction".into(), json!("SCMP_ACT_ERRNO"));
    profile.insert("defaultErrnoRet".into(), json!(38));
    let others: Vec<&str> = arches.iter().filter(|a| **a != native).map(|a| a.scmp_name()).collect();
    match dialect {
        Dialect::Oci => {
            let all: Vec<&str> = std::iter::once(native.scmp_name()).chain(others).collect();
            profile.insert("architectures".into(), json!(all));
        }
        Dialect::Docker => {
            profile.insert("archMap".into(), json!([{"architecture": native.scmp_name(), "subArchitectures": others}]));
        }
    }
    let mut rules: Vec<Value> = by_category
        .iter()
        .map(|(category, names)| rule(names.iter().copied(), dialect, &format!("recorded: {}", title(category))))
        .collect();
    let (stop, runc_only) = must_haves(seen);
    if !stop.is_empty() {
        rules.push(rule(stop.into_iter(), dialect, "not seen, but every program needs them to stop"));
    }
    if !runc_only.is_empty() {
        rules.push(rule(
            runc_only.into_iter(),
            dialect,
            "not used by the program, but runc needs them to start the container",
        ));
    }
    profile.insert("syscalls".into(), Value::Array(rules));
    Value::Object(profile)
}

/// One `SCMP_ACT_ALLOW` rule; the comment comes first where the dialect has comments.
pub fn rule<'a>(names: impl Iterator<Item = &'a str>, dialect: Dialect, comment: &str) -> Value {
    let mut r = Map::new();
    if dialect == Dialect::Docker {
        r.insert("comment".into(), json!(comment));
    }
    r.insert("names".into(), json!(names.collect::<Vec<_>>()));
    r.insert("action".into(), json!("SCMP_ACT_ALLOW"));
    Value::Object(r)
}

fn title(category: &str) -> &'static str {
    catalog::category(category).map_or("other", |c| c.title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_category_and_adds_what_runc_needs() {
        let seen: BTreeSet<String> = ["read", "openat", "socket", "exit_group"].iter().map(|s| s.to_string()).collect();
        let p = allow_list(&seen, &[Arch::X86_64], Arch::X86_64, Dialect::Docker);
        assert_eq!(p["defaultErrnoRet"], json!(38));
        let rules = p["syscalls"].as_array().unwrap();
        let names = |i: usize| {
            rules[i]["names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>()
        };
        assert!(
            rules
                .iter()
                .any(|r| r["names"] == json!(["socket"]) && r["comment"] == json!("recorded: Network and sockets"))
        );
        let runc = names(rules.len() - 1);
        assert!(runc.contains(&"execve".to_string()) && !runc.contains(&"openat".to_string()));
        assert_eq!(names(rules.len() - 2), ["exit", "rt_sigreturn"], "exit_group was seen");
        assert!(!runc.contains(&"rt_sigreturn".to_string()), "each name once");
        let oci = allow_list(&seen, &[Arch::X86_64, Arch::X86], Arch::X86_64, Dialect::Oci);
        assert_eq!(oci["architectures"], json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]));
        assert!(oci["syscalls"][0].get("comment").is_none());
    }
}
