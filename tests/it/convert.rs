//! `convert`: round trips OCI -> SPO -> OCI and Docker -> Podman -> Docker on every bundled and
//! reference profile keep what both formats express and name what they drop; the CLI's exits.

use crate::cli::seccompose;
use crate::support::{TempDir, all_profiles, root};
use seccompose::catalog::Arch;
use seccompose::policy::compare::compare;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::convert::{Converted, Format, Request, convert};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::{Document, KernelVersion};
use std::path::Path;

/// A fixed context (x86_64 host, Docker's caps, kernel 6.8) under `engine`.
fn ctx(engine: Engine) -> Context {
    let caps = Engine::Docker.default_caps().iter().map(|c| c.to_string()).collect();
    Context { native: Arch::X86_64, caps, kernel: KernelVersion { major: 6, minor: 8 }, ..Context::for_engine(engine) }
}

/// `None` when the kernel does the same for every syscall of every arch either filter covers.
fn difference(a: &Document, a_engine: Engine, b: &Document, b_engine: Engine) -> Option<String> {
    let ea = Evaluator::new(a.effective_profile(), &ctx(a_engine)).unwrap();
    let eb = Evaluator::new(b.effective_profile(), &ctx(b_engine)).unwrap();
    let mut arches = ea.arches();
    arches.extend(eb.arches().into_iter().filter(|x| !ea.arches().contains(x)));
    let c = compare(&ea, &eb, &arches, false);
    if c.differences.is_empty() && c.default_left == c.default_right {
        return None;
    }
    let first: Vec<String> = c.differences.iter().take(5).map(|d| format!("{d:?}")).collect();
    Some(format!(
        "defaults {} / {}; {} differences: {}",
        c.default_left,
        c.default_right,
        c.differences.len(),
        first.join("; ")
    ))
}

/// Converts and reads the result back from a file, as a user would.
fn convert_via_file(
    doc: &Document,
    to: Format,
    resolve: Option<&Context>,
    dir: &Path,
    name: &str,
) -> (Converted, Document) {
    let converted = convert(doc, &Request { to, name: None, resolve })
        .unwrap_or_else(|r| panic!("{} to {}: refused: {:?}", doc.display_name(), to.name(), r.0));
    let file = dir.join(name);
    std::fs::write(&file, &converted.text).unwrap();
    let back = Document::open(&file).unwrap_or_else(|e| panic!("{e}"));
    assert!(!back.has_errors(), "{}: {:?}", file.display(), back.findings);
    (converted, back)
}

/// A profile with load errors is not converted (every format would carry the error on).
fn refused_with_errors(src: &Document) -> bool {
    if !src.has_errors() {
        return false;
    }
    for to in [Format::Oci, Format::Spo, Format::Podman] {
        let refused = convert(src, &Request { to, name: None, resolve: None }).expect_err("errors are refused");
        assert!(refused.0[0].contains("has errors"), "{:?}", refused.0);
    }
    true
}

/// Every bundled and reference profile that can be converted (name, document); the others
/// must be refused.
fn convertible_profiles() -> Vec<(String, Document)> {
    let all = all_profiles().into_iter().map(|path| {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        (stem, Document::open(&path).unwrap())
    });
    all.filter(|(_, src)| !refused_with_errors(src)).collect()
}

/// Only comments may be dropped without the behaviour changing.
fn behaviour_kept(c: &Converted) -> bool {
    c.dropped.iter().all(|d| d.contains("comment"))
}

#[test]
fn oci_to_spo_to_oci_keeps_what_both_express_on_every_profile() {
    let tmp = TempDir::new("convert-spo");
    let resolve = ctx(Engine::Docker);
    let mut exact = 0;
    for (stem, src) in convertible_profiles() {
        let from = Format::of(&src);
        let (to_spo, spo) = convert_via_file(&src, Format::Spo, Some(&resolve), tmp.path(), &format!("{stem}.yaml"));
        assert!(spo.is_spo(), "{stem}");
        let (to_oci, oci) = convert_via_file(&spo, Format::Oci, None, tmp.path(), &format!("{stem}.json"));
        assert!(to_oci.dropped.is_empty(), "{stem}: SPO to OCI drops nothing: {:?}", to_oci.dropped);
        assert_eq!(difference(&spo, Engine::Containerd, &oci, Engine::Oci), None, "{stem}: SPO and OCI differ");
        if behaviour_kept(&to_spo) {
            let resolved_engine = if from == Format::Oci { Engine::Oci } else { Engine::Docker };
            assert_eq!(difference(&src, resolved_engine, &oci, Engine::Oci), None, "{stem}: {:?}", to_spo.rewritten);
        } else {
            assert!(to_spo.dropped.iter().all(|d| !d.is_empty()), "{stem}");
        }
        if from == Format::Oci && to_spo.dropped.is_empty() && to_spo.rewritten.is_empty() {
            assert_eq!(oci.profile_value(), src.profile_value(), "{stem}: a plain OCI profile comes back unchanged");
            exact += 1;
        }
    }
    assert!(exact >= 4, "the plain OCI profiles come back field for field ({exact})");
}

#[test]
fn docker_to_podman_to_docker_keeps_what_both_express_on_every_profile() {
    let tmp = TempDir::new("convert-podman");
    let resolve = ctx(Engine::Docker);
    let mut exact = 0;
    for (stem, src) in convertible_profiles() {
        let from = Format::of(&src);
        let (to_podman, podman) =
            convert_via_file(&src, Format::Podman, Some(&resolve), tmp.path(), &format!("{stem}.podman.json"));
        let (to_docker, docker) =
            convert_via_file(&podman, Format::Docker, None, tmp.path(), &format!("{stem}.docker.json"));
        assert!(to_podman.dropped.is_empty() && to_docker.dropped.is_empty(), "{stem}: nothing to drop between them");
        // Podman reads all three alike (errno names, numbers, conditions): compare there, and
        // the Docker copy with a Docker-format source under Docker too.
        assert_eq!(difference(&src, Engine::Podman, &podman, Engine::Podman), None, "{stem}: podman copy differs");
        assert_eq!(difference(&src, Engine::Podman, &docker, Engine::Podman), None, "{stem}: docker copy differs");
        if from != Format::Podman {
            assert_eq!(difference(&src, Engine::Docker, &docker, Engine::Docker), None, "{stem}: under docker");
        }
        if to_podman.rewritten.is_empty() && to_docker.rewritten.is_empty() {
            assert_eq!(docker.profile_value(), src.profile_value(), "{stem}: comes back field for field");
            assert_eq!(docker.original, src.original, "{stem}: and byte for byte");
            exact += 1;
        }
    }
    assert!(exact >= 8, "most profiles come back byte for byte ({exact})");
}

#[test]
fn conditions_are_refused_unless_resolved_for_a_named_context() {
    let moby = "tests/fixtures/reference/moby-default.json";
    let refused = seccompose(&["convert", moby, "--to", "oci"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("includes/excludes") && err.contains("--resolve"), "{err}");
    assert!(refused.stdout.is_empty(), "nothing is written when refused");

    let tmp = TempDir::new("convert-cli");
    let out = tmp.path().join("moby.yaml");
    let done =
        seccompose(&["convert", moby, "--to", "spo", "--kernel", "6.8", "--name", "moby", "-o", out.to_str().unwrap()]);
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(err.contains("resolved for docker · x86_64") || err.contains("resolved for docker"), "{err}");
    assert!(err.contains("archMap (9 entries) written as architectures"), "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with(
            "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: moby\n"
        ),
        "{text}"
    );
    let check = seccompose(&["check", out.to_str().unwrap(), "--engine", "containerd"]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
}

#[test]
fn spo_to_oci_merges_the_base_and_names_what_it_drops() {
    let out = seccompose(&["convert", "tests/fixtures/spo/app.yaml", "--to", "oci"]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = value["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["names"].as_array().unwrap())
        .filter_map(|n| n.as_str())
        .collect();
    assert!(names.contains(&"bind") && names.contains(&"execve"), "{names:?}");
    assert!(value.get("baseProfileName").is_none());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("baseProfileName runc-base: its 1 rules (from this file) appended"), "{err}");

    let orphan = seccompose(&["convert", "tests/fixtures/spo/missing-base.yaml", "--to", "docker"]);
    assert_eq!(orphan.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&orphan.stderr).contains("nowhere-to-be-found cannot be resolved"));

    let custom = root().join("tests/fixtures/reference/containers-common-seccomp.json");
    let spo = seccompose(&["convert", custom.to_str().unwrap(), "--to", "spo", "--resolve", "--kernel", "6.8"]);
    assert_eq!(spo.status.code(), Some(0));
    let err = String::from_utf8_lossy(&spo.stderr);
    assert!(err.contains("dropped: defaultErrnoRet 38"), "the ENOSYS default cannot be said in SPO: {err}");
}
