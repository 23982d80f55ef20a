//! SPO `SeccompProfile` YAML: lossless load and save, findings on YAML lines, base profiles.

use crate::support::{TempDir, root};
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::edit::{self, Setting};
use seccompose::profile::{ActionName, Document, LoadError};

fn fixture(name: &str) -> std::path::PathBuf {
    root().join("tests/fixtures/spo").join(name)
}

fn decide(doc: &Document, name: &str) -> String {
    let ctx = Context::for_engine(Engine::Containerd);
    let ev = Evaluator::new(doc.effective_profile(), &ctx).unwrap();
    ev.decide_name(ctx.native, name, &[0; 6]).map(|d| d.action.to_string()).unwrap_or_default()
}

#[test]
fn an_unedited_yaml_file_saves_back_byte_identical() {
    let tmp = TempDir::new("spo-same");
    for name in ["app.yaml", "on-local-base.yaml", "bad-action.yaml"] {
        let mut doc = Document::open(&fixture(name)).unwrap();
        let copy = tmp.path().join(name);
        doc.save_as(&copy).unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(fixture(name)).unwrap(), "{name}");
    }
}

#[test]
fn an_edit_changes_only_its_lines_and_keeps_comments_and_other_documents() {
    let doc = Document::open(&fixture("app.yaml")).unwrap();
    assert!(doc.is_spo());
    assert_eq!(doc.kind_text().unwrap(), "SeccompProfile web, base runc-base from this file");
    let mut edited = doc.clone();
    let mut v = edited.profile_value().clone();
    edit::set_syscall(&mut v, "connect", Setting::Action(ActionName::Allow, None), (ActionName::Errno, None));
    edited.set_profile_value(v);
    let before = doc.original.clone();
    let after = edited.render();
    let added: Vec<&str> = after.lines().filter(|l| !before.lines().any(|b| b == *l)).collect();
    let removed: Vec<&str> = before.lines().filter(|l| !after.lines().any(|a| a == *l)).collect();
    assert_eq!(added, vec!["    - connect"], "{after}");
    assert!(removed.is_empty(), "{removed:?}");
    assert!(
        after.contains("# what the server itself needs") && after.contains("namespace: shop # the app's namespace")
    );
    assert!(after.contains("# What runc needs to start any container.\n"), "the second document is kept");
    assert_eq!(decide(&edited, "connect"), "ALLOW");
}

#[test]
fn findings_and_rule_lines_point_at_the_yaml_lines() {
    let doc = Document::open(&fixture("bad-action.yaml")).unwrap();
    let unknown = doc.findings.iter().find(|f| f.id == "unknown-action").expect("the typo is found");
    assert_eq!((unknown.line, unknown.column), (Some(11), Some(5)), "{unknown:?}");
    assert_eq!(unknown.path, "spec.syscalls[1].action");
    let pruned = doc.findings.iter().find(|f| f.id == "not-in-spo").expect("comment is not an SPO field");
    assert_eq!(pruned.line, Some(12));
    assert_eq!(doc.rule_line(0), Some(8));
    assert_eq!(doc.rule_line(1), Some(10));
}

#[test]
fn base_profiles_come_from_the_same_file_a_file_beside_it_or_a_built_in() {
    let app = Document::open(&fixture("app.yaml")).unwrap();
    assert_eq!(decide(&app, "execve"), "ALLOW", "from runc-base in the same file");
    assert_eq!(decide(&app, "bind"), "ALLOW", "its own rule");
    assert_eq!(decide(&app, "ptrace"), "ERRNO(1)");

    let local = Document::open(&fixture("on-local-base.yaml")).unwrap();
    assert_eq!(local.base.as_ref().unwrap().as_ref().unwrap().from, fixture("local-base.json").display().to_string());
    assert_eq!(decide(&local, "write"), "ALLOW");
    assert_eq!(decide(&local, "uname"), "ALLOW");

    let builtin = Document::open(&fixture("on-builtin-base.yaml")).unwrap();
    assert_eq!(builtin.base.as_ref().unwrap().as_ref().unwrap().from, "built-in");
    assert_eq!(decide(&builtin, "ptrace"), "ALLOW");
    assert_eq!(decide(&builtin, "epoll_wait"), "ALLOW", "the runtime default allows it");

    let orphan = Document::open(&fixture("missing-base.yaml")).unwrap();
    let why = orphan.base.as_ref().unwrap().as_ref().unwrap_err();
    assert!(why.contains("not found"), "{why}");
    assert_eq!(decide(&orphan, "execve"), "ERRNO(1)", "without its base the profile is what it says");
}

#[test]
fn every_profile_of_a_multi_document_file_can_be_opened() {
    let docs = Document::open_all(&fixture("app.yaml")).unwrap();
    let names: Vec<String> = docs.iter().map(|d| d.kind_text().unwrap()).collect();
    assert_eq!(names, vec!["SeccompProfile web, base runc-base from this file", "SeccompProfile runc-base"]);
}

#[test]
fn yaml_that_is_not_a_profile_or_not_yaml_is_refused_with_where_and_why() {
    match Document::open(&fixture("deployment.yaml")) {
        Err(LoadError::NotAProfile { found, .. }) => assert_eq!(found, "Deployment not-a-profile"),
        other => panic!("expected NotAProfile, got {other:?}"),
    }
    match Document::open(&fixture("broken.yaml")) {
        Err(e @ LoadError::Syntax { line: 4, .. }) => assert!(e.to_string().contains("broken.yaml:4:"), "{e}"),
        other => panic!("expected a syntax error on line 4, got {other:?}"),
    }
}
