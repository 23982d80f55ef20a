//! `install` and `check-pod`: profiles installed into a temporary kubelet root, then the
//! manifests in tests/fixtures/k8s checked against it.

use crate::cli::seccompose;
use crate::support::{TempDir, root};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const K8S: &str = "tests/fixtures/k8s";

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn install(file: &str, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["install", file, "--root", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    seccompose(&args)
}

/// The number after "BPF: " in install's report.
fn bpf_instructions(stdout: &str) -> usize {
    let after = stdout.split("BPF: ").nth(1).unwrap_or_else(|| panic!("no BPF count: {stdout}"));
    after.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn install_writes_the_profile_byte_for_byte_and_prints_the_snippets() {
    let dir = TempDir::new("kube-install");
    let source = std::fs::read(root().join("profiles/fine-grained.json")).unwrap();
    let out = install("profiles/fine-grained.json", dir.path(), &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let target = dir.path().join("profiles/fine-grained.json");
    assert_eq!(std::fs::read(&target).unwrap(), source, "installed byte-for-byte");
    assert!(stdout.contains(&format!("installed {} ({} bytes;", target.display(), source.len())), "{stdout}");
    assert!(bpf_instructions(&stdout) > 10, "{stdout}");
    assert!(stdout.contains("checked for containerd"), "containerd is the default engine here: {stdout}");
    let pod = "  spec:\n    securityContext:\n      seccompProfile:\n        type: Localhost\n        localhostProfile: profiles/fine-grained.json\n";
    assert!(stdout.contains(pod), "pod-level snippet: {stdout}");
    let one = "  - name: NAME\n    securityContext:\n      seccompProfile:\n        type: Localhost\n        localhostProfile: profiles/fine-grained.json\n";
    assert!(stdout.contains(one), "container-level snippet: {stdout}");

    let again = text(&install("profiles/fine-grained.json", dir.path(), &[])).0;
    assert!(again.contains(&format!("already installed {}", target.display())), "{again}");
    std::fs::write(&target, "{}").unwrap();
    let update = text(&install("profiles/fine-grained.json", dir.path(), &[])).0;
    assert!(update.contains(&format!("replaced {}", target.display())), "{update}");
    assert_eq!(std::fs::read(&target).unwrap(), source);
}

#[test]
fn install_takes_built_in_names_another_target_and_a_dry_run() {
    let dir = TempDir::new("kube-install-as");
    let out = install("batch-job", dir.path(), &["--as", "./team/batch.json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let bundled = std::fs::read(root().join("profiles/batch-job.json")).unwrap();
    assert_eq!(std::fs::read(dir.path().join("team/batch.json")).unwrap(), bundled);
    assert!(stdout.contains("localhostProfile: team/batch.json\n"), "the path without ./: {stdout}");

    let out = install("runtime-default", dir.path(), &["--dry-run"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("would install") && stdout.contains("profiles/runtime-default.json"), "{stdout}");
    assert!(!dir.path().join("profiles").exists(), "a dry run writes nothing");
}

#[test]
fn install_refuses_a_broken_profile_and_writes_nothing() {
    let dir = TempDir::new("kube-install-broken");
    let out = install(&format!("{K8S}/no-exec.json"), dir.path(), &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("error[exec-denied]"), "the findings are printed: {stdout}");
    assert!(stderr.contains("not installed") && stderr.contains("nothing was written"), "{stderr}");
    assert!(!dir.path().join("profiles/no-exec.json").exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "not even a directory or temp file");

    let out = install("violation", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let out = install(&format!("{K8S}/bad.yaml"), dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "not a profile: {:?}", text(&out));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn install_refuses_a_profile_that_stops_runc_as_check_pod_would() {
    let dir = TempDir::new("kube-install-runc");
    let out = install(&format!("{K8S}/stops-runc.json"), dir.path(), &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("warning[runtime-syscalls-denied]"), "{stdout}");
    assert!(stderr.contains("could not start under it (runtime-syscalls-denied)"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn install_refuses_targets_outside_the_root() {
    let dir = TempDir::new("kube-install-escape");
    let root_dir = dir.path().join("root");
    for (target, why) in [("../x.json", ".."), ("profiles/../../x.json", ".."), ("/tmp/x.json", "absolute")] {
        let out = install("fine-grained", &root_dir, &["--as", target]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{target}: {stdout}{stderr}");
        assert!(stderr.contains(&format!("--as {target}")) && stderr.contains(why), "{target}: {stderr}");
    }
    assert!(!dir.path().join("x.json").exists() && !root_dir.exists(), "nothing written anywhere");
}

#[test]
fn only_the_kubernetes_commands_default_to_containerd() {
    let check = text(&seccompose(&["check", "profiles/fine-grained.json"])).0;
    assert!(check.contains("checked for docker"), "{check}");
    let dir = TempDir::new("kube-engine");
    let out = text(&install("fine-grained", dir.path(), &["--engine", "docker", "--dry-run"])).0;
    assert!(out.contains("checked for docker"), "--engine still works: {out}");
}

/// A kubelet root with fine-grained and batch-job installed by `install`, and no-exec (which
/// `install` refuses) copied in by hand, as someone could.
fn node_root(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    for p in ["fine-grained", "batch-job"] {
        let out = install(p, dir.path(), &[]);
        assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    }
    std::fs::copy(root().join(K8S).join("no-exec.json"), dir.path().join("profiles/no-exec.json")).unwrap();
    dir
}

const MANIFESTS: [&str; 6] = [
    "pod-override.yaml",
    "deploy-missing.yaml",
    "daemonset-privileged.yaml",
    "cronjob-unconfined.yaml",
    "multi.yaml",
    "list.yaml",
];

fn check_pod_json(node: &Path) -> (Option<i32>, Value) {
    let mut args = vec!["check-pod".to_string(), "--format".into(), "json".into()];
    args.extend(["--root".to_string(), node.display().to_string()]);
    args.extend(MANIFESTS.iter().map(|m| format!("{K8S}/{m}")));
    let out = seccompose(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {:?}", text(&out)));
    (out.status.code(), v)
}

/// The JSON of container `name` in the workload `kind`/`workload`.
fn container<'v>(report: &'v Value, kind: &str, workload: &str, name: &str) -> &'v Value {
    let w = report["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == kind && w["name"] == workload)
        .unwrap_or_else(|| panic!("no {kind} {workload}"));
    w["containers"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

fn ids(c: &Value) -> Vec<&str> {
    c["problems"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect()
}

#[test]
fn check_pod_judges_every_container_of_the_fixtures() {
    let node = node_root("kube-check");
    let (code, report) = check_pod_json(node.path());
    assert_eq!(code, Some(1), "errors: {report:#}");
    let cases: &[(&str, &str, &str, &str, &str, &str)] = &[
        // kind, workload, container, verdict, first problem id, set at
        ("Pod", "web", "app", "ok", "localhost", "pod"),
        ("Pod", "web", "metrics", "ok", "runtime-default", "container"),
        ("Deployment", "api", "api", "error", "profile-missing", "container"),
        ("DaemonSet", "node-agent", "agent", "warning", "privileged", "container"),
        ("DaemonSet", "node-agent", "shipper", "warning", "seccomp-unset", "unset"),
        ("CronJob", "nightly-report", "report", "warning", "unconfined", "pod"),
        ("Job", "migrate", "migrate", "error", "profile-cannot-start", "container"),
        ("StatefulSet", "db", "init-perms", "ok", "localhost", "pod"),
        ("StatefulSet", "db", "postgres", "ok", "localhost", "pod"),
        ("Pod", "escape", "c", "error", "localhost-path-invalid", "container"),
    ];
    for (kind, workload, name, verdict, id, set_at) in cases {
        let c = container(&report, kind, workload, name);
        assert_eq!(
            (c["verdict"].as_str(), ids(c)[0], c["setAt"].as_str()),
            (Some(*verdict), *id, Some(*set_at)),
            "{c:#}"
        );
    }
    assert_eq!(container(&report, "Pod", "web", "metrics")["seccompProfile"]["type"], "RuntimeDefault");
    assert_eq!(container(&report, "StatefulSet", "db", "init-perms")["role"], "initContainers");
    assert_eq!(container(&report, "DaemonSet", "node-agent", "agent")["privileged"], true);
    let missing = container(&report, "Deployment", "api", "api")["problems"][0]["message"].as_str().unwrap();
    assert!(missing.contains("CreateContainerError"), "{missing}");

    let workloads = report["workloads"].as_array().unwrap();
    let agent = workloads.iter().find(|w| w["kind"] == "DaemonSet").unwrap();
    assert_eq!(agent["problems"][0]["id"], "deprecated-annotation");
    let escape = workloads.iter().find(|w| w["name"] == "escape").unwrap();
    assert_eq!((escape["document"].as_u64(), escape["item"].as_u64()), (Some(1), Some(0)));
    let job = workloads.iter().find(|w| w["kind"] == "Job").unwrap();
    assert_eq!((job["source"].as_str(), job["document"].as_u64()), (Some("tests/fixtures/k8s/multi.yaml"), Some(2)));

    let skipped: Vec<(&str, &str)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["name"].as_str().unwrap()))
        .collect();
    assert_eq!(skipped, [("Service", "db"), ("ConfigMap", "settings")]);

    // Each profile once, in order of first use, however many containers share it.
    let profiles: Vec<(&str, &str)> = report["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["localhostProfile"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        profiles,
        [
            ("profiles/fine-grained.json", "usable"),
            ("profiles/api-not-installed.json", "missing"),
            ("profiles/no-exec.json", "cannot-start"),
            ("profiles/batch-job.json", "usable"),
            ("../../etc/passwd", "invalid-path"),
        ]
    );
    let no_exec = &report["profiles"][2];
    assert!(no_exec["findings"].as_array().unwrap().iter().any(|f| f["id"] == "exec-denied"), "{no_exec:#}");
    assert!(no_exec["bpfInstructions"].as_u64().unwrap() > 0);
    assert_eq!(report["summary"]["errors"], 3);
    assert_eq!(report["context"]["engine"], "containerd");
}

#[test]
fn check_pod_passes_once_the_missing_profile_is_installed() {
    let node = node_root("kube-fix");
    let manifest = format!("{K8S}/deploy-missing.yaml");
    let root_arg = node.path().to_str().unwrap();
    let before = seccompose(&["check-pod", &manifest, "--root", root_arg]);
    let (stdout, _) = text(&before);
    assert_eq!(before.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&format!("Deployment shop/api ({manifest}, document 1)")), "{stdout}");
    assert!(stdout.contains("error   api: Localhost profiles/api-not-installed.json (container-level)"), "{stdout}");
    let out = install("static-server", node.path(), &["--as", "profiles/api-not-installed.json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let after = seccompose(&["check-pod", &manifest, "--root", root_arg]);
    let (stdout, stderr) = text(&after);
    assert_eq!(after.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("ok      api: Localhost profiles/api-not-installed.json"), "{stdout}");
}

#[test]
fn check_pod_text_shows_the_override_and_reads_stdin() {
    let node = node_root("kube-stdin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["check-pod", "-", "--root", node.path().to_str().unwrap()])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let manifest = std::fs::read(root().join(K8S).join("pod-override.yaml")).unwrap();
    child.stdin.take().unwrap().write_all(&manifest).unwrap();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("Pod web (<stdin>, document 1)"), "{stdout}");
    assert!(stdout.contains("ok      app: Localhost profiles/fine-grained.json (pod-level)"), "{stdout}");
    assert!(stdout.contains("ok      metrics: RuntimeDefault (container-level)"), "{stdout}");
}

#[test]
fn check_pod_refuses_bad_yaml_with_its_line() {
    let out = seccompose(&["check-pod", &format!("{K8S}/pod-override.yaml"), &format!("{K8S}/bad.yaml")]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("tests/fixtures/k8s/bad.yaml:9:"), "file:line: {stderr}");
    assert!(stderr.contains("not valid YAML"), "{stderr}");
    let out = seccompose(&["check-pod", &format!("{K8S}/does-not-exist.yaml")]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}

#[test]
fn install_takes_an_spo_resource_and_writes_what_the_operator_would() {
    let dir = TempDir::new("kube-install-spo");
    let out = install("tests/fixtures/spo/app.yaml", dir.path(), &["--as", "profiles/web.json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let written: Value = serde_json::from_slice(&std::fs::read(dir.path().join("profiles/web.json")).unwrap()).unwrap();
    assert!(written.get("baseProfileName").is_none(), "a runtime cannot read SPO fields");
    let names: Vec<&str> = written["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["names"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    assert!(names.contains(&"bind") && names.contains(&"execve"), "its rules and its base's: {names:?}");
    assert!(stdout.contains("Security Profiles Operator") && stdout.contains("  kind: SeccompProfile"), "{stdout}");

    let other = install("profiles/fine-grained.json", dir.path(), &[]);
    let stdout = text(&other).0;
    assert!(
        stdout.contains("    name: fine-grained\n") && stdout.contains("  apiVersion: security-profiles-operator"),
        "{stdout}"
    );
}
