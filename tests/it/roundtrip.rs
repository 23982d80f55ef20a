//! Lossless load and save on every bundled and reference profile.

use crate::support::{TempDir, all_profiles};
use seccompose::profile::{ActionName, Document, edit};

#[test]
fn every_profile_saves_back_byte_identical() {
    let tmp = TempDir::new("roundtrip");
    for path in all_profiles() {
        let original = std::fs::read(&path).unwrap();
        let mut doc = Document::open(&path).unwrap();
        let copy = tmp.path().join(path.file_name().unwrap());
        doc.save_as(&copy).unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), original, "{} changed on save", path.display());
    }
}

/// Lines that differ between two texts (a crude line diff: common prefix and suffix removed).
fn changed_lines(a: &str, b: &str) -> (usize, usize) {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    (a.len() - prefix - suffix, b.len() - prefix - suffix)
}

#[test]
fn edits_change_only_the_lines_they_must() {
    let path = crate::support::root().join("profiles/runtime-default.json");
    let doc = Document::open(&path).unwrap();

    let mut d = doc.clone();
    let mut v = d.profile_value().clone();
    edit::set_default_action(&mut v, ActionName::Errno, Some(38));
    d.set_profile_value(v);
    assert_eq!(changed_lines(&doc.original, &d.render()), (1, 1), "changing defaultErrnoRet changes one line");

    let audit = Document::open(&crate::support::root().join("profiles/audit.json")).unwrap();
    let mut d = audit.clone();
    let mut v = d.profile_value().clone();
    edit::set_default_action(&mut v, ActionName::Errno, Some(38));
    d.set_profile_value(v);
    assert_eq!(d.render(), "{\n    \"defaultAction\": \"SCMP_ACT_ERRNO\",\n    \"defaultErrnoRet\": 38\n}\n");

    let mut d = doc.clone();
    let mut v = d.profile_value().clone();
    edit::remove_name(&mut v, 0, "accept");
    d.set_profile_value(v);
    assert_eq!(changed_lines(&doc.original, &d.render()), (1, 0), "removing a name removes its line");
    assert!(!d.profile.rules[0].names.contains(&"accept".to_string()));

    let mut d = doc.clone();
    let mut v = d.profile_value().clone();
    edit::append_rule(&mut v, &["mount"], ActionName::Allow, None);
    d.set_profile_value(v);
    let rendered = d.render();
    let (removed, added) = changed_lines(&doc.original, &rendered);
    // The new rule is 6 lines plus the comma after the previous rule's closing brace (which a
    // line diff shows as 6 added lines, the old brace line matching the new rule's).
    assert_eq!((removed, added), (0, 6), "{rendered}");
    assert!(rendered.contains(
        "\t\t{\n\t\t\t\"names\": [\n\t\t\t\t\"mount\"\n\t\t\t],\n\t\t\t\"action\": \"SCMP_ACT_ALLOW\"\n\t\t}\n\t]"
    ));
    assert!(d.is_modified());
}

#[test]
fn save_refuses_a_file_changed_on_disk() {
    let tmp = TempDir::new("changed");
    let path = tmp.path().join("p.json");
    std::fs::write(&path, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n").unwrap();
    let mut doc = Document::open(&path).unwrap();
    let mut v = doc.profile_value().clone();
    edit::set_default_action(&mut v, ActionName::Log, None);
    doc.set_profile_value(v);
    std::fs::write(&path, "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n").unwrap();
    let err = doc.save().unwrap_err();
    assert!(err.to_string().contains("changed on disk"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n");
}

#[test]
fn writing_to_a_device_writes_through_it_instead_of_replacing_it() {
    use std::os::unix::fs::FileTypeExt;
    seccompose::fsutil::write_file(std::path::Path::new("/dev/null"), b"{}").unwrap();
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device(), "/dev/null is still a device");
}
