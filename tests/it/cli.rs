//! The real binary: exit codes, first lines, messages (DESIGN "Done when" of the foundation).

use crate::support::root;
use std::process::{Command, Output};

pub fn seccompose(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seccompose")).args(args).current_dir(root()).output().expect("binary runs")
}

fn first_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_string()
}

#[test]
fn explain_gives_the_runtime_default_decisions() {
    let moby = "tests/fixtures/reference/moby-default.json";
    let cases: &[(&[&str], &str)] = &[
        (&["mount"], "ERRNO(1)"),
        (&["chroot"], "ALLOW"),
        (&["personality", "8"], "ALLOW"),
        (&["personality", "1"], "ERRNO(1)"),
        (&["socket", "40"], "ERRNO(1)"),
        (&["clone3"], "ERRNO(38)"),
        (&["mount", "--engine", "containerd"], "ALLOW"),
        (&["clone3", "--engine", "containerd"], "ALLOW"),
        (&["personality", "0x8", "--arch", "x86"], "ALLOW"),
        (&["read", "--arch", "aarch64"], "KILL_THREAD"),
        (&["mount", "--cap", "CAP_SYS_ADMIN"], "ALLOW"),
        (&["ptrace", "--kernel", "4.4"], "ERRNO(1)"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["explain", moby];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--native", "x86_64"]);
        let out = seccompose(&args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(first_line(&out), *expected, "{args:?}");
    }
    let out = seccompose(&["explain", moby, "mount", "--native", "x86_64"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("the default action"), "{text}");
    assert!(text.contains("only with CAP_SYS_ADMIN"), "names the rule that did not apply: {text}");
    let out = seccompose(&["explain", moby, "clone3", "--engine", "containerd", "--native", "x86_64"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("syscalls[17]"), "the first rule decides");
}

#[test]
fn check_warns_why_containerd_differs() {
    let out = seccompose(&[
        "check",
        "tests/fixtures/reference/moby-default.json",
        "--engine",
        "containerd",
        "--native",
        "x86_64",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "warnings only: {text}");
    assert!(text.contains("warning[ignored-conditions]") && text.contains("applies to every container"), "{text}");
    assert!(text.contains("warning[conflicting-rules]") && text.contains("clone3"), "{text}");
    assert!(text.contains("warning[dangerous-allow]") && text.contains("mount is allowed"), "{text}");
}

#[test]
fn check_runs_on_every_profile_without_crashing() {
    for path in crate::support::all_profiles() {
        let p = path.to_string_lossy();
        for engine in ["docker", "podman", "containerd", "oci"] {
            let out = seccompose(&["check", &p, "--engine", engine]);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{p} under {engine}: {code:?} {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let json = seccompose(&["check", &p, "--engine", engine, "--format", "json"]);
            let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("check --format json prints JSON");
            assert!(v["findings"].is_array() && v["summary"]["errors"].is_u64());
        }
    }
}

#[test]
fn check_exit_codes() {
    assert_eq!(seccompose(&["check", "profiles/fine-grained.json"]).status.code(), Some(0));
    assert_eq!(seccompose(&["check", "profiles/violation.json"]).status.code(), Some(1));
    let missing = seccompose(&["check", "no/such/file.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.json"));
    assert_eq!(seccompose(&["check", "runtime-default"]).status.code(), Some(0), "built-in profiles by name");
}

#[test]
fn syscalls_lists_the_catalog() {
    let out = seccompose(&["syscalls", "mount", "--arch", "x86_64"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(first.starts_with("mount ") && first.contains(" 165 "), "{text}");
    let out = seccompose(&["syscalls", "--group", "@reboot", "--arch", "aarch64"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("kexec_load") && text.contains("reboot") && text.lines().count() == 4, "{text}");
    assert_eq!(seccompose(&["syscalls", "--group", "@nonsense"]).status.code(), Some(2));
}

#[test]
fn compile_writes_raw_c_hex_and_a_readable_disassembly() {
    let raw = seccompose(&["compile", "profiles/runtime-default.json", "--native", "x86_64"]);
    assert!(raw.status.success(), "{}", String::from_utf8_lossy(&raw.stderr));
    assert_eq!(raw.stdout.len() % 8, 0);
    let program = seccompose::bpf::insn::decode_program(&raw.stdout, true).unwrap();
    // The raw program decides like the evaluator: mount is denied, read allowed.
    let run = |nr| {
        seccompose::bpf::run(&program, &seccompose::bpf::SeccompData::new(0xC000_003E, nr, [0; 6]), true).unwrap().ret
    };
    assert_eq!(run(165), 0x0005_0001);
    assert_eq!(run(0), 0x7fff_0000);

    let disasm = String::from_utf8(
        seccompose(&["compile", "runtime-default", "--format", "disasm", "--native", "x86_64"]).stdout,
    )
    .unwrap();
    assert!(disasm.starts_with("; (built-in) runtime-default.json:"), "{disasm}");
    assert!(
        disasm.contains("; arch == x86_64") && disasm.contains("(personality)") && disasm.contains("; arg0.lo =="),
        "{disasm}"
    );
    assert!(disasm.contains("; --- x86_64 ---") && disasm.contains("; --- x86 ---"), "{disasm}");
    assert!(disasm.contains("ret ERRNO(1)") && disasm.contains("ret ALLOW") && disasm.contains("ret KILL_THREAD"));
    assert_eq!(
        disasm.lines().filter(|l| l.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit())).count(),
        program.len()
    );

    let c =
        String::from_utf8(seccompose(&["compile", "runtime-default", "--format", "c", "--native", "x86_64"]).stdout)
            .unwrap();
    assert!(c.contains("static struct sock_filter filter[] = {") && c.contains(&format!(".len = {},", program.len())));
    let hex =
        String::from_utf8(seccompose(&["compile", "runtime-default", "--format", "hex", "--native", "x86_64"]).stdout)
            .unwrap();
    assert_eq!(hex.lines().count(), program.len());
    assert!(hex.lines().all(|l| l.len() == 16 && l.chars().all(|c| c.is_ascii_hexdigit())));
}

#[test]
fn compile_arch_flag_covers_exactly_those_arches_and_writes_files() {
    let tmp = crate::support::TempDir::new("compile");
    let out = tmp.path().join("filter.bpf");
    let status = seccompose(&[
        "compile",
        "runtime-default",
        "--arch",
        "aarch64",
        "--arch",
        "SCMP_ARCH_ARM",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let program = seccompose::bpf::insn::decode_program(&std::fs::read(&out).unwrap(), true).unwrap();
    let arch_of = |audit: u32| {
        seccompose::bpf::run(&program, &seccompose::bpf::SeccompData::new(audit, 0, [0; 6]), true).unwrap().ret
    };
    assert_ne!(arch_of(0xC000_00B7), 0, "aarch64 is covered");
    assert_ne!(arch_of(0x4000_0028), 0, "arm is covered");
    assert_eq!(arch_of(0xC000_003E), 0, "x86_64 is not: killed");
}

#[test]
fn compile_refuses_what_cannot_be_compiled() {
    let bad = seccompose(&["compile", "tests/fixtures/invalid/07-unknown-action.json"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("has errors"));
    // 4000 argument values on four architectures: more than 4096 instructions.
    let tmp = crate::support::TempDir::new("too-long");
    let path = tmp.path().join("big.json");
    let rules: Vec<String> = (0..4000)
        .map(|v| format!(r#"{{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{{"index": 1, "value": {v}, "op": "SCMP_CMP_EQ"}}]}}"#))
        .collect();
    let text = format!(
        r#"{{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"], "syscalls": [{}]}}"#,
        rules.join(",")
    );
    std::fs::write(&path, text).unwrap();
    let out = seccompose(&["compile", path.to_str().unwrap(), "--format", "hex", "--native", "x86_64"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("more than the kernel's limit of 4096") && err.contains("--arch"), "{err}");
}

#[test]
fn check_flags_the_tree_shape_libseccomp_miscompiles() {
    let tmp = crate::support::TempDir::new("miscompile");
    let path = tmp.path().join("p.json");
    std::fs::write(
        &path,
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"], "syscalls": [
        {"names": ["dup3"], "action": "SCMP_ACT_KILL_THREAD", "args": [
            {"index": 0, "value": 8, "op": "SCMP_CMP_NE"}, {"index": 1, "value": 7, "op": "SCMP_CMP_LT"},
            {"index": 2, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
        {"names": ["dup3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [
            {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 5, "value": 24, "op": "SCMP_CMP_EQ"}]}]}"#,
    )
    .unwrap();
    let out = seccompose(&["check", path.to_str().unwrap(), "--native", "x86_64"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("warning[libseccomp-miscompile]") && text.contains("for dup3 (on x86"), "{text}");
    // Docker's and Podman's defaults have overlapping conditions too, but not that shape.
    for profile in
        ["tests/fixtures/reference/moby-default.json", "tests/fixtures/reference/containers-common-seccomp.json"]
    {
        let out = seccompose(&["check", profile, "--native", "x86_64", "--engine", "podman"]);
        assert!(!String::from_utf8_lossy(&out.stdout).contains("libseccomp-miscompile"), "{profile}");
    }
}

#[test]
fn the_editor_explains_what_it_cannot_open_and_needs_a_terminal() {
    // A missing file in a directory that exists is a new file (editor_pty); in one that does
    // not, a typo to report.
    let missing = seccompose(&["no-such-dir/no-such-profile.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-profile.json: No such file"));
    let theme = seccompose(&["profiles/fine-grained.json", "--theme", "solarized"]);
    assert_eq!(theme.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&theme.stderr).contains("unknown theme \"solarized\""));
    // Output captured here, so not a terminal: a clear refusal instead of a garbled screen.
    for args in [&["profiles/fine-grained.json"][..], &["edit", "fine-grained"], &[], &["no-such-profile.json"]] {
        let out = seccompose(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("the editor needs a terminal"), "{args:?}");
    }
}
