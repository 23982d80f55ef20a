//! The runtime's part in what the kernel does: runc's ENOSYS stub per runc version, names
//! skipped per libseccomp release, what each version refuses, and detection from `PATH`.

use crate::support::TempDir;
use seccompose::catalog::{Arch, Libseccomp, Version};
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::{Evaluator, Source};
use seccompose::policy::runtime::{Runtime, RuntimeKind};
use seccompose::profile::{Action, Document};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn ctx(kind: RuntimeKind, runtime: &str, libseccomp: &str, native: Arch) -> Context {
    let lib = if libseccomp == "latest" {
        Libseccomp::latest()
    } else {
        Libseccomp::release(Version::parse(libseccomp).unwrap()).unwrap()
    };
    let engine = if kind == RuntimeKind::Crun { Engine::Podman } else { Engine::Containerd };
    Context { native, runtime: Runtime::given(kind, Version::parse(runtime), lib), ..Context::for_engine(engine) }
}

fn runc(version: &str, libseccomp: &str) -> Context {
    ctx(RuntimeKind::Runc, version, libseccomp, Arch::X86_64)
}

fn profile(text: &str) -> Document {
    let doc = Document::parse(text, "t.json").unwrap();
    assert!(!doc.has_errors(), "{:?}", doc.findings);
    doc
}

fn decide(doc: &Document, ctx: &Context, arch: Arch, nr: u32) -> (Action, Source) {
    let ev = Evaluator::new(doc.effective_profile(), ctx).unwrap();
    let d = ev.decide(arch, nr, &[0; 6]);
    (d.action, d.source)
}

const NO_ARCHES: &str = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write", "execve", "exit", "exit_group", "cachestat"], "action": "SCMP_ACT_ALLOW"}]}"#;
const WITH_ARCHES: &str = r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [{"names": ["read", "write", "execve", "exit", "exit_group", "cachestat"], "action": "SCMP_ACT_ALLOW"}]}"#;

#[test]
fn the_stub_follows_runc_versions() {
    let enosys = (Action::Errno(38), Source::EnosysStub);
    let default = (Action::Errno(1), Source::Default);
    let none = profile(NO_ARCHES);
    let listed = profile(WITH_ARCHES);
    // (runc version, profile, call ABI, expected for nr 9999)
    let table: [(&str, &Document, Arch, (Action, Source)); 12] = [
        ("0.1.1", &listed, Arch::X86_64, default),
        ("1.0.0", &none, Arch::X86_64, default),
        ("1.0.0", &listed, Arch::X86_64, enosys),
        ("1.1.5", &none, Arch::X86_64, default),
        ("1.1.5", &listed, Arch::X86_64, enosys),
        ("1.1.5", &listed, Arch::X86, enosys),
        ("1.1.14", &none, Arch::X86_64, default),
        ("1.1.15", &none, Arch::X86_64, enosys),
        // The native arch is added, not its compat arches: i386 calls are not covered.
        ("1.1.15", &none, Arch::X86, (Action::KillThread, Source::BadArch)),
        ("1.2.0", &none, Arch::X86_64, enosys),
        ("1.3.0", &none, Arch::X86_64, enosys),
        ("1.3.0", &listed, Arch::X32, enosys),
    ];
    for (version, doc, arch, expected) in table {
        let got = decide(doc, &runc(version, "latest"), arch, 9999);
        assert_eq!(got, expected, "runc {version}, {} arches, {arch} nr 9999", doc.profile.architectures.len());
    }
    // crun has no stub at all.
    let crun = ctx(RuntimeKind::Crun, "1.8.1", "latest", Arch::X86_64);
    assert_eq!(decide(&listed, &crun, Arch::X86_64, 9999), default);
}

#[test]
fn the_stub_is_skipped_for_enosys_and_allow_like_defaults() {
    let errno38 = profile(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    assert_eq!(decide(&errno38, &runc("1.3.0", "latest"), Arch::X86_64, 9999), (Action::Errno(38), Source::Default));
    let log = profile(
        r#"{"defaultAction": "SCMP_ACT_LOG", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO"}]}"#,
    );
    assert_eq!(decide(&log, &runc("1.3.0", "latest"), Arch::X86_64, 9999), (Action::Log, Source::Default));
}

/// upstream 2.5.4 knows Linux 5.17's table (up to set_mempolicy_home_node, 450); cachestat (451)
/// came with 2.5.5 and mseal (462) with 2.6.0.
#[test]
fn names_the_linked_libseccomp_does_not_know_are_skipped() {
    let doc = profile(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read", "set_mempolicy_home_node", "cachestat", "mseal"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let table: [(&str, &str, u32, Action); 9] = [
        ("1.1.5", "2.5.4", 450, Action::Allow),
        // cachestat unknown: skipped, and the stub's threshold is 450, so 451 gets ENOSYS.
        ("1.1.5", "2.5.4", 451, Action::Errno(38)),
        ("1.1.5", "2.5.4", 462, Action::Errno(38)),
        ("1.1.5", "2.5.5", 451, Action::Allow),
        ("1.1.5", "2.5.5", 462, Action::Errno(38)),
        ("1.1.5", "2.6.0", 462, Action::Allow),
        ("1.1.5", "latest", 462, Action::Allow),
        // Between the threshold and a skipped name: above 451 under 2.5.5 → stub.
        ("1.1.5", "2.5.5", 452, Action::Errno(38)),
        ("1.1.5", "2.6.0", 452, Action::Errno(1)),
    ];
    for (runc_version, lib, nr, expected) in table {
        let (action, _) = decide(&doc, &runc(runc_version, lib), Arch::X86_64, nr);
        assert_eq!(action, expected, "runc {runc_version} + libseccomp {lib}, nr {nr}");
    }
    // crun skips the same names; without a stub they get the default.
    let crun = ctx(RuntimeKind::Crun, "1.8.1", "2.5.4", Arch::X86_64);
    assert_eq!(decide(&doc, &crun, Arch::X86_64, 462), (Action::Errno(1), Source::Default));
    let ev = Evaluator::new(doc.effective_profile(), &crun).unwrap();
    let unknown: Vec<&str> = ev.unknown_names.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(unknown, ["cachestat", "mseal"]);
}

#[test]
fn what_each_runc_version_refuses() {
    let refuses =
        |text: &str, version: &str| Evaluator::new(profile(text).effective_profile(), &runc(version, "latest")).err();
    let flags = r#"{"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOG"], "syscalls": []}"#;
    assert!(refuses(flags, "1.1.15").unwrap().to_string().contains("flags"), "runc 1.1 refuses flags");
    assert!(refuses(flags, "1.2.0").is_none());
    let kill =
        r#"{"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#;
    assert!(refuses(kill, "1.1.2").unwrap().to_string().contains("SCMP_ACT_KILL_PROCESS"));
    assert!(refuses(kill, "1.1.3").is_none());
    let riscv = r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_RISCV64"], "syscalls": []}"#;
    assert!(refuses(riscv, "1.1.7").unwrap().to_string().contains("SCMP_ARCH_RISCV64"));
    assert!(refuses(riscv, "1.1.8").is_none());
    let killable =
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"], "syscalls": []}"#;
    assert!(refuses(killable, "1.4.0").unwrap().to_string().contains("needs runc 1.5.0"));
    assert!(refuses(killable, "1.5.0").is_none());
}

#[test]
fn s390_setup_gets_enosys_from_runc_1_1_3() {
    let doc = profile(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_S390X"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let old = ctx(RuntimeKind::Runc, "1.1.2", "latest", Arch::S390x);
    let new = ctx(RuntimeKind::Runc, "1.1.3", "latest", Arch::S390x);
    assert_eq!(decide(&doc, &old, Arch::S390x, 0).0, Action::Errno(1));
    assert_eq!(decide(&doc, &new, Arch::S390x, 0), (Action::Errno(38), Source::EnosysStub));
}

/// A directory with a fake `runc` that prints `output` (or hangs), first on `PATH`.
fn fake_runc(dir: &TempDir, script: &str) -> String {
    let path = dir.path().join("runc");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", dir.path().display())
}

fn explain_with_path(path: &str, extra: &[&str]) -> serde_json::Value {
    // No architectures, one rule: the stub exists only where runc adds the native arch.
    let dir = TempDir::new("no-arches");
    let profile = dir.path().join("p.json");
    std::fs::write(&profile, NO_ARCHES).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["explain", profile.to_str().unwrap(), "9999", "--engine", "containerd", "--format", "json"])
        .args(extra)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_runtime_on_path_is_detected_and_flags_override_it() {
    let dir = TempDir::new("fake-runc");
    let old = fake_runc(&dir, "echo 'runc version 1.1.5+ds1'; echo 'libseccomp: 2.5.4'");
    let v = explain_with_path(&old, &[]);
    assert_eq!(v["context"]["runtime"]["version"], "1.1.5");
    assert_eq!(v["context"]["runtime"]["version_from"], "detected");
    // No architectures: runc 1.1.5 has no stub for it.
    assert_eq!(v["action"], "ERRNO(1)");
    let v = explain_with_path(&old, &["--runtime-version", "1.2.0", "--libseccomp", "2.6.0"]);
    assert_eq!(
        (v["action"].as_str(), v["context"]["runtime"]["version_from"].as_str()),
        (Some("ERRNO(38)"), Some("given"))
    );
    assert_eq!(v["context"]["runtime"]["libseccomp"]["version"], "2.6.0");
    let new = fake_runc(&dir, "echo 'runc version 1.3.0'; echo 'libseccomp: 2.5.5'");
    assert_eq!(explain_with_path(&new, &[])["action"], "ERRNO(38)");
}

#[test]
fn no_runtime_or_a_broken_one_means_the_newest_behaviour() {
    let dir = TempDir::new("no-runc");
    let empty = format!("{}:/nonexistent", dir.path().display());
    let v = explain_with_path(&empty, &[]);
    assert_eq!(v["context"]["runtime"]["version_from"], "newest");
    assert_eq!(v["action"], "ERRNO(38)");
    // A runc that hangs is given up on (after 3 s) rather than waited for.
    let hanging = fake_runc(&dir, "exec sleep 600");
    let v = explain_with_path(&hanging, &[]);
    assert_eq!(v["context"]["runtime"]["version_from"], "newest");
    let garbage = fake_runc(&dir, "head -c 1000000 /dev/zero");
    assert_eq!(explain_with_path(&garbage, &[])["context"]["runtime"]["version_from"], "newest");
}

fn seccompose(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_seccompose")).args(args).output().unwrap()
}

fn write_profile(dir: &TempDir, text: &str) -> String {
    let path = dir.path().join("p.json");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn diff_across_runtimes_shows_where_node_generations_disagree() {
    let dir = TempDir::new("diff-runtimes");
    let p = write_profile(&dir, NO_ARCHES);
    let out = seccompose(&[
        "diff",
        &p,
        &p,
        "--engine",
        "containerd",
        "--format",
        "json",
        "--left-runtime",
        "runc@1.1.5,libseccomp@2.6.0",
        "--right-runtime",
        "runc@1.3.0,libseccomp@2.6.0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["left"]["context"]["runtime"]["version"], "1.1.5");
    assert_eq!(v["right"]["context"]["runtime"]["version"], "1.3.0");
    // No architectures: runc 1.1.5 has no stub, 1.3.0 answers ENOSYS past cachestat (451).
    let rows = v["differences"].as_array().unwrap();
    let mseal = rows.iter().find(|r| r["syscall"] == "mseal").expect("mseal differs");
    assert_eq!(
        (mseal["left"]["action"].as_str(), mseal["right"]["action"].as_str()),
        (Some("ERRNO(1)"), Some("ERRNO(38)"))
    );
    // The same runtime on both sides: equivalent.
    let same = seccompose(&[
        "diff",
        &p,
        &p,
        "--engine",
        "containerd",
        "--format",
        "json",
        "--left-runtime",
        "runc@1.3.0",
        "--right-runtime",
        "runc@1.3.0",
    ]);
    assert_eq!(same.status.code(), Some(0));
    let bad = seccompose(&["diff", &p, &p, "--left-runtime", "rkt@1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown runtime \"rkt\""));
}

#[test]
fn check_all_runtimes_lists_disagreements_and_refusals() {
    let dir = TempDir::new("all-runtimes");
    let p = write_profile(&dir, NO_ARCHES);
    let out = seccompose(&[
        "check",
        &p,
        "--engine",
        "containerd",
        "--runtime",
        "runc@1.1.5",
        "--libseccomp",
        "2.5.4",
        "--all-runtimes",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().filter_map(|f| f["id"].as_str()).collect();
    assert!(ids.contains(&"no-enosys-stub"), "{ids:?}");
    assert!(ids.contains(&"unknown-to-libseccomp"), "cachestat is unknown to 2.5.4: {ids:?}");
    let all = &v["all_runtimes"];
    let labels: Vec<&str> = all["runtimes"].as_array().unwrap().iter().filter_map(|r| r["label"].as_str()).collect();
    assert_eq!(labels[0], "runc 1.1.5 · libseccomp 2.5.4");
    assert!(labels.iter().any(|l| l.starts_with("crun 1.8.1")), "{labels:?}");
    let differences = all["differences"].as_array().unwrap();
    let cachestat =
        differences.iter().find(|d| d["syscall"] == "cachestat" && d["arch"] == "x86_64").expect("cachestat differs");
    let actions: Vec<&str> = cachestat["actions"].as_array().unwrap().iter().filter_map(|a| a.as_str()).collect();
    assert!(actions.contains(&"ALLOW") && actions.contains(&"ERRNO(1)"), "{actions:?}");
    // A profile with flags: runc 1.1.x refuses it, so the report's exit status is 1.
    let flags = write_profile(
        &dir,
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOG"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let out = seccompose(&["check", &flags, "--runtime", "runc@1.3.0", "--libseccomp", "latest", "--all-runtimes"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("runc 1.1.14 · libseccomp 2.5.4 — refuses the profile"), "{text}");
}
