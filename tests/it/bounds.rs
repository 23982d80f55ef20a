//! Bounded work and memory on any input (issue 13 §3): duplicate rules reported once per
//! group, size and nesting limits, a streamed `import-audit`, duplicate JSON keys, base
//! profile cycles. Each test failed before its fix.

use crate::support::{TempDir, root};
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::policy::lint::lint;
use seccompose::profile::{Document, Finding};
use serde_json::{Value, json};
use std::process::{Command, Output, Stdio};

fn seccompose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

fn ctx() -> Context {
    Context { native: Arch::X86_64, ..Context::for_engine(Engine::Docker) }
}

/// A profile that allows what a program needs, then `copies` copies of one `getpid` rule.
fn with_copies(copies: usize) -> Value {
    let mut rules =
        vec![json!({"names": ["execve", "exit", "exit_group", "read", "write"], "action": "SCMP_ACT_ALLOW"})];
    rules.extend(std::iter::repeat_n(json!({"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}), copies));
    json!({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": rules})
}

fn of(findings: &[Finding], id: &str) -> Vec<Finding> {
    findings.iter().filter(|f| f.id == id).cloned().collect()
}

#[test]
fn two_hundred_copies_of_a_rule_are_one_finding() {
    let doc = Document::parse(&serde_json::to_string_pretty(&with_copies(200)).unwrap(), "copies.json").unwrap();
    let dups = of(&lint(&doc, &ctx()), "duplicate-rule");
    assert_eq!(dups.len(), 1, "{dups:#?}");
    let f = &dups[0];
    assert!(f.message.starts_with("syscalls[1], syscalls[2], "), "{}", f.message);
    assert!(f.message.contains("(200 in all) are the same rule (200 copies: ALLOW for getpid)"), "{}", f.message);
    assert_eq!((f.path.as_str(), f.line), ("syscalls[2]", Some(21)), "at the first repeat");
}

#[test]
fn names_repeated_across_and_within_rules_are_grouped() {
    let profile = json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read", "write", "close"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["close", "close", "close", "openat"], "action": "SCMP_ACT_LOG"},
    ]});
    let doc = Document::parse(&profile.to_string(), "p.json").unwrap();
    let findings = lint(&doc, &ctx());
    let messages: Vec<&str> =
        findings.iter().filter(|f| f.id != "dangerous-allow").map(|f| f.message.as_str()).collect();
    assert!(
        messages.contains(
            &"read, write already ALLOW in syscalls[0]; listing them again in syscalls[1], syscalls[2] has no effect"
        ),
        "{messages:#?}"
    );
    assert!(
        messages.contains(&"syscalls[3] lists 1 name(s) more than once: close (3×); the repeats have no effect"),
        "{messages:#?}"
    );
    assert!(messages.contains(&"close: syscalls[0] makes it ALLOW and this rule LOG; libseccomp keeps the first, so this rule does nothing for it"), "{messages:#?}");
    assert_eq!(of(&findings, "duplicate-rule").len() + of(&findings, "conflicting-rules").len(), 3, "{messages:#?}");
}

/// 10,000 copies made 50 million findings, each located by rendering and parsing the whole
/// file again: minutes and gigabytes. Now it is one finding, found in linear time.
#[test]
fn ten_thousand_duplicate_rules_lint_in_linear_time() {
    let text = serde_json::to_string_pretty(&with_copies(10_000)).unwrap();
    // Bytes allocated, not seconds: the same on a loaded machine.
    let (findings, allocated) = crate::fuzz::alloc::allocated_during(|| {
        let doc = Document::parse(&text, "copies.json").unwrap();
        lint(&doc, &ctx())
    });
    assert_eq!(of(&findings, "duplicate-rule").len(), 1);
    assert!(allocated < 256 << 20, "{} MiB allocated for a {} KiB file", allocated >> 20, text.len() >> 10);
}

/// Ten thousand unknown names: one finding each, all located without re-parsing per finding.
/// Locating by rendering and parsing the file per finding grows with names × file size; one
/// index grows with the names. Counted in bytes allocated (not seconds: the same on a loaded
/// machine), 10,000 names against 1,000: linear is 10×, quadratic 100×.
#[test]
fn ten_thousand_findings_are_located_in_linear_time() {
    let findings_for = |n: usize| {
        let names: Vec<String> = (0..n).map(|i| format!("nosuch{i}")).collect();
        let profile =
            json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": names, "action": "SCMP_ACT_ALLOW"}]});
        let text = serde_json::to_string_pretty(&profile).unwrap();
        crate::fuzz::alloc::allocated_during(|| {
            let doc = Document::parse(&text, "unknown.json").unwrap();
            lint(&doc, &ctx())
        })
    };
    let (findings, large) = findings_for(10_000);
    let unknown = of(&findings, "unknown-syscall");
    assert_eq!(unknown.len(), 10_000);
    assert_eq!((unknown[9_999].line, unknown[9_999].column), (Some(10_005), Some(9)));
    let (_, small) = findings_for(1_000);
    assert!(large < 20 * small, "10,000 names allocated {} KiB, 1,000 names {} KiB", large >> 10, small >> 10);
}

#[test]
fn a_profile_over_one_mib_is_refused_with_the_flag_that_raises_the_limit() {
    let dir = TempDir::new("bounds-large");
    let path = dir.path().join("large.json");
    let text = serde_json::to_string_pretty(&with_copies(40_000)).unwrap();
    assert!(text.len() > 3 << 20);
    std::fs::write(&path, &text).unwrap();
    let out = seccompose(&["check", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("large.json is 3.4 MiB; profiles are limited to 1 MiB: use --max-input-size 4MiB to read it"),
        "{stderr}"
    );
    let raised = seccompose(&["check", path.to_str().unwrap(), "--max-input-size", "4MiB"]);
    assert_eq!(raised.status.code(), Some(0), "{}", String::from_utf8_lossy(&raised.stderr));
}

/// `/dev/zero` is not a regular file: refused before reading. Through `/dev/stdin` (which is
/// read as it is) it is read up to the limit and one byte more, not until memory runs out.
#[test]
fn dev_zero_as_a_profile_ends_at_the_limit() {
    let out = seccompose(&["check", "/dev/zero"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/dev/zero: not a regular file (a character device)"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["check", "/dev/stdin"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/dev/stdin is larger than 1 MiB (reading stopped there)"), "{stderr}");
}

#[test]
fn yaml_nested_deeper_than_64_levels_is_refused_before_parsing() {
    let deep = format!(
        "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nspec:\n  x: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let err = Document::parse(&deep, "deep.yaml").unwrap_err().to_string();
    assert_eq!(err, "deep.yaml:4:1: nesting deeper than 64 levels (a profile needs 6); refusing to parse it");
}

#[test]
fn import_audit_refuses_an_overlong_line_without_reading_on() {
    let out = seccompose(&["import-audit", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"), "a device is not read at all");

    let out = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["import-audit", "/dev/stdin"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/dev/stdin:1: cannot read: a line longer than 64 KiB"), "{stderr}");
}

#[test]
fn import_audit_refuses_an_overlong_line_on_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["import-audit", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The writer fails with EPIPE once the reader has given up: that is the point.
    let writer = std::thread::spawn(move || {
        let line = vec![b'a'; 1 << 20];
        let _ = std::io::Write::write_all(&mut stdin, &line);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("stdin:1: cannot read: a line longer than 64 KiB"), "{stderr}");
}

#[test]
fn a_repeated_key_is_a_located_error_naming_the_one_that_counts() {
    let text = "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}],\n  \"syscalls\": [{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]\n}\n";
    let doc = Document::parse(text, "dup.json").unwrap();
    let dup: Vec<&Finding> = doc.findings.iter().filter(|f| f.id == "duplicate-key").collect();
    assert_eq!(dup.len(), 1, "{:#?}", doc.findings);
    assert_eq!((dup[0].line, dup[0].column), (Some(4), Some(3)), "at the second key");
    assert!(dup[0].message.contains("first at line 3, column 3"), "{}", dup[0].message);
    assert!(dup[0].message.contains("Go's encoding/json, which keeps only this last one"), "{}", dup[0].message);
    assert!(doc.has_errors());
    let names: Vec<&str> = doc.profile.rules.iter().flat_map(|r| r.all_names()).collect();
    assert_eq!(names, ["write"], "the model is what the runtimes read");
}

#[test]
fn a_key_repeated_in_another_letter_case_is_reported_too() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [], "Syscalls": [{"names": ["write"], "action": "SCMP_ACT_ALLOW"}]}"#;
    let doc = Document::parse(text, "dup.json").unwrap();
    assert!(doc.findings.iter().any(|f| f.id == "duplicate-key" && f.column == Some(53)), "{:#?}", doc.findings);
    assert_eq!(doc.profile.rules.len(), 1, "Go keeps the last one");
}

#[test]
fn a_base_profile_cycle_is_reported_once_and_merged_never() {
    let dir = TempDir::new("bounds-cycle");
    let spo = |name: &str, base: &str, call: &str| {
        format!(
            "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: {name}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  baseProfileName: {base}\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names:\n    - {call}\n"
        )
    };
    std::fs::write(dir.path().join("a.yaml"), spo("a", "b", "read")).unwrap();
    std::fs::write(dir.path().join("b.yaml"), spo("b", "a", "write")).unwrap();
    let doc = Document::open(&dir.path().join("a.yaml")).unwrap();
    let cycles: Vec<&Finding> = doc.findings.iter().filter(|f| f.id == "base-profile-cycle").collect();
    assert_eq!(cycles.len(), 1, "{:#?}", doc.findings);
    assert!(cycles[0].message.contains("a → b → a"), "{}", cycles[0].message);
    assert_eq!((cycles[0].line, cycles[0].column), (Some(7), Some(3)));
    assert_eq!(doc.effective_profile().rules.len(), 1, "nothing merged");
    let all = lint(&doc, &ctx());
    assert!(all.iter().all(|f| f.id != "duplicate-rule"), "{all:#?}");
}

/// Each conditional rule copied the syscall's whole rule tree to roll back a conflict: 10,000
/// of them on one syscall copied gigabytes (and took seconds per evaluator; `explain` builds
/// four). Counted in bytes allocated, which does not depend on the machine's load.
#[test]
fn ten_thousand_conditional_rules_do_not_copy_the_rule_tree_each() {
    let rules: Vec<Value> = (0..10_000)
        .map(|i| json!({"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "args": [{"index": i % 6, "value": i, "op": "SCMP_CMP_EQ"}]}))
        .collect();
    let text = json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": rules}).to_string();
    let doc = Document::parse(&text, "conditional.json").unwrap();
    let (ev, allocated) = crate::fuzz::alloc::allocated_during(|| Evaluator::new(&doc.profile, &ctx()).unwrap());
    assert_eq!(ev.decide_name(Arch::X86_64, "getpid", &[0, 0, 0, 0, 0, 9_995]).unwrap().action.to_string(), "ALLOW");
    assert!(allocated < 256 << 20, "{} MiB allocated to build the evaluator", allocated >> 20);
}
