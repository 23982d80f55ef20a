//! The NOTIFY rewriting: which calls the agent sees, and what stays with the kernel.

use super::*;
use crate::policy::context::{Context, Engine};
use crate::profile::Document;
use serde_json::{Value, json};

fn evaluator(profile: &str) -> Evaluator {
    let doc = Document::parse(profile, "t.json").expect("parses");
    Evaluator::with_arches(doc.effective_profile(), &Context::for_engine(Engine::Oci), Some(&[Arch::X86_64]))
        .expect("builds")
}

/// The filter as runc reads it from config.json.
fn json_of(seccomp: &LinuxSeccomp) -> Value {
    serde_json::to_value(seccomp).unwrap()
}

/// The names of every rule with `action`.
fn names_with(filter: &Value, action: &str) -> Vec<String> {
    let rules = filter["syscalls"].as_array().cloned().unwrap_or_default();
    let with = rules.iter().filter(|r| r["action"] == action);
    with.flat_map(|r| r["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string())).collect()
}

#[test]
fn an_allowing_profile_notifies_only_what_it_denies_and_the_exec() {
    let ev = evaluator(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid", "fstatfs"], "action": "SCMP_ACT_ERRNO"}]}"#,
    );
    let f = json_of(&observing(&ev, Path::new("/run/agent.sock")));
    assert_eq!(f["defaultAction"], "SCMP_ACT_ALLOW");
    assert_eq!(f["listenerPath"], "/run/agent.sock");
    assert_eq!(f["architectures"], json!(["SCMP_ARCH_X86_64"]));
    assert_eq!(names_with(&f, "SCMP_ACT_NOTIFY"), ["execve", "execveat", "fstatfs", "getpid"]);
    assert!(names_with(&f, "SCMP_ACT_ALLOW").is_empty(), "the default already allows: {f}");
}

#[test]
fn a_denying_default_stays_and_every_other_name_is_spelled_out() {
    let ev = evaluator(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
            "syscalls": [{"names": ["read", "write", "rt_sigreturn", "exit_group"], "action": "SCMP_ACT_ALLOW"},
                         {"names": ["ptrace"], "action": "SCMP_ACT_TRAP"}]}"#,
    );
    let f = json_of(&observing(&ev, Path::new("/s")));
    // runc refuses NOTIFY as the default: it stays ERRNO (ENOSYS) and the names are listed.
    assert_eq!((f["defaultAction"].as_str(), f["defaultErrnoRet"].as_u64()), (Some("SCMP_ACT_ERRNO"), Some(38)));
    let notified = names_with(&f, "SCMP_ACT_NOTIFY");
    for name in ["openat", "getpid", "mount", "execve", "clone3"] {
        assert!(notified.iter().any(|n| n == name), "{name} is not notified");
    }
    for name in ["write", "rt_sigreturn", "read", "exit_group", "ptrace"] {
        assert!(!notified.iter().any(|n| n == name), "{name} is notified");
    }
    let mut allowed = names_with(&f, "SCMP_ACT_ALLOW");
    allowed.sort();
    assert_eq!(allowed, ["exit_group", "read", "rt_sigreturn", "write"]);
    assert_eq!(names_with(&f, "SCMP_ACT_TRAP"), ["ptrace"], "TRAP is the kernel's to do");
}

#[test]
fn write_keeps_its_own_rules_with_their_conditions() {
    let ev = evaluator(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "args": [{"index": 0, "value": 99, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let f = json_of(&observing(&ev, Path::new("/s")));
    let rules = f["syscalls"].as_array().unwrap();
    let write: Vec<&Value> = rules.iter().filter(|r| r["names"] == json!(["write"])).collect();
    assert_eq!(write.len(), 1);
    assert_eq!(write[0]["action"], "SCMP_ACT_ERRNO");
    assert_eq!(write[0]["errnoRet"], 5);
    assert_eq!(write[0]["args"], json!([{"index": 0, "value": 99, "op": "SCMP_CMP_EQ"}]));
    assert!(!names_with(&f, "SCMP_ACT_NOTIFY").contains(&"write".to_string()));
}

#[test]
fn a_conditional_rule_is_notified_and_decided_by_the_agent() {
    let ev = evaluator(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    let f = json_of(&observing(&ev, Path::new("/s")));
    assert!(names_with(&f, "SCMP_ACT_NOTIFY").contains(&"personality".to_string()));
    assert!(
        f["syscalls"].as_array().unwrap().iter().all(|r| r.get("args").is_none()),
        "no condition reaches runc: {f}"
    );
}

#[test]
fn a_profile_that_denies_write_goes_to_runc_as_written_without_a_listener() {
    let ev = evaluator(r#"{"defaultAction": "SCMP_ACT_ERRNO"}"#);
    assert!(denies_write(&ev));
    let f = json_of(&observing(&ev, Path::new("/s")));
    assert_eq!(f["defaultAction"], "SCMP_ACT_ERRNO");
    assert!(f.get("listenerPath").is_none(), "{f}");
    assert!(names_with(&f, "SCMP_ACT_NOTIFY").is_empty());
}

#[test]
fn recording_notifies_everything_but_the_kept_calls() {
    let lib = crate::catalog::Libseccomp::latest();
    let f = json_of(&recording(&[Arch::X86_64, Arch::X86], None, lib, Path::new("/s")));
    assert_eq!(f["defaultAction"], "SCMP_ACT_ALLOW");
    assert_eq!(f["architectures"], json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]));
    let notified = names_with(&f, "SCMP_ACT_NOTIFY");
    assert!(notified.iter().any(|n| n == "openat") && notified.iter().any(|n| n == "socketcall"));
    assert!(!notified.iter().any(|n| KEPT.contains(&n.as_str())));
    // With a base and only_new, what the base allows runs unnotified.
    let base = evaluator(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["openat"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let f = json_of(&recording(&[Arch::X86_64], Some(&base), lib, Path::new("/s")));
    let notified = names_with(&f, "SCMP_ACT_NOTIFY");
    assert!(!notified.iter().any(|n| n == "openat") && notified.iter().any(|n| n == "getpid"));
}

#[test]
fn rt_sigreturn_is_never_notified_even_when_denied() {
    // runc init (Go) may return from a signal handler before the agent has the fd.
    let ev = evaluator(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["write"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let f = json_of(&observing(&ev, Path::new("/s")));
    assert!(!names_with(&f, "SCMP_ACT_NOTIFY").iter().any(|n| n == "rt_sigreturn"));
    assert!(names_with(&f, "SCMP_ACT_NOTIFY").iter().any(|n| n == "getpid"));
    let f = json_of(&recording(&[Arch::X86_64], None, crate::catalog::Libseccomp::latest(), Path::new("/s")));
    assert!(!names_with(&f, "SCMP_ACT_NOTIFY").iter().any(|n| n == "rt_sigreturn" || n == "write"));
}

#[test]
fn every_kept_call_is_one_recorded_profiles_allow_anyway() {
    // Never observed, so a recording cannot tell whether the program needs them: the profiles
    // written from recordings must allow them whatever was seen.
    for name in KEPT {
        assert!(crate::profile::generate::RUNC_NEEDS.contains(name), "{name} is kept but not in RUNC_NEEDS");
    }
}
