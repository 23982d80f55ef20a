//! `seccompose diff`: semantic comparisons of real profiles, exit codes, JSON.

use crate::cli::seccompose;
use serde_json::Value;

const MOBY: &str = "tests/fixtures/reference/moby-default.json";
const COMMON: &str = "tests/fixtures/reference/containers-common-seccomp.json";

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--native", "x86_64"]);
    let out = seccompose(&all);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    (out.status.code(), value)
}

fn rows<'a>(v: &'a Value, syscall: &str) -> Vec<&'a Value> {
    v["differences"].as_array().unwrap().iter().filter(|d| d["syscall"] == syscall).collect()
}

fn on_x86_64<'a>(v: &'a Value, syscall: &str) -> &'a Value {
    rows(v, syscall)
        .into_iter()
        .find(|d| d["arches"].as_array().unwrap().iter().any(|a| a == "x86_64"))
        .unwrap_or_else(|| panic!("no x86_64 row for {syscall}"))
}

#[test]
fn a_profile_is_equivalent_to_itself() {
    let (code, v) = json(&[MOBY, MOBY]);
    assert_eq!(code, Some(0));
    assert_eq!(v["equivalent"], true);
    assert!(v["compared"].as_u64().unwrap() > 1000, "x86_64, x86 and x32 tables");
    let text = seccompose(&["diff", "profiles/fine-grained.json", "fine-grained"]);
    assert_eq!(text.status.code(), Some(0), "a file and the built-in of the same name");
    assert!(String::from_utf8_lossy(&text.stdout).contains("equivalent"));
}

#[test]
fn moby_under_containerd_allows_what_docker_keeps_behind_capabilities() {
    let (code, v) = json(&[MOBY, MOBY, "--right-engine", "containerd"]);
    assert_eq!(code, Some(1));
    let mount = on_x86_64(&v, "mount");
    assert_eq!(mount["direction"], "right-allows-more");
    assert_eq!(mount["left"]["action"], "ERRNO(1)");
    assert_eq!(mount["right"]["action"], "ALLOW");
    let mounts = v["right_allows_more"].as_array().unwrap().iter().find(|r| r["category"] == "Mounts").unwrap();
    assert!(mounts["syscalls"].as_array().unwrap().iter().any(|s| s == "umount2"));
    let risk = v["risk"].as_array().unwrap();
    assert!(risk.iter().any(|r| r["syscall"] == "mount" && r["level"] == "high" && r["newly"] == "allowed"));
    // containerd applies no archMap: x86 calls are outside its filter.
    let read = rows(&v, "read");
    assert!(
        read.iter().any(
            |r| r["arches"].as_array().unwrap().iter().any(|a| a == "x86") && r["right"]["action"] == "KILL_THREAD"
        )
    );
}

#[test]
fn conditions_are_explained_in_words() {
    let (code, v) = json(&["runtime-default", "profiles/fine-grained.json"]);
    assert_eq!(code, Some(1));
    let socket = on_x86_64(&v, "socket");
    assert_eq!(socket["direction"], "right-allows-more", "fine-grained allows AF_VSOCK too");
    let words = socket["left"]["words"].as_str().unwrap();
    assert!(words.contains("arg0") && words.contains("otherwise ERRNO(1)"), "{words}");
    let clone = on_x86_64(&v, "clone");
    assert!(clone["left"]["words"].as_str().unwrap().contains("arg0 & 0x7e020000 == 0x0"), "{clone}");
    let ptrace = on_x86_64(&v, "ptrace");
    assert_eq!(ptrace["direction"], "right-allows-less");
}

#[test]
fn moby_and_containers_common_differ_and_the_text_is_readable() {
    let (code, v) = json(&[MOBY, COMMON]);
    assert_eq!(code, Some(1));
    assert!(!v["differences"].as_array().unwrap().is_empty());
    let out = seccompose(&["diff", MOBY, COMMON, "--native", "x86_64"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("left:  tests/fixtures/reference/moby-default.json"), "{text}");
    assert!(text.contains(" differences: "), "{text}");
}

#[test]
fn an_unusable_side_exits_2() {
    let out = seccompose(&["diff", MOBY, "no-such.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such.json"));
}
