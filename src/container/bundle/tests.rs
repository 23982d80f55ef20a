//! Config generation: runc's defaults around a root filesystem, a user's bundle kept but for
//! linux.seccomp, and the errors a person can act on.

use super::*;
use crate::container::profile::oci_action;
use crate::profile::Action;
use serde_json::json;

fn seccomp() -> LinuxSeccomp {
    let mut s = LinuxSeccomp::default();
    s.set_default_action(oci_action(Action::Errno(38)).0);
    s.set_default_errno_ret(Some(38));
    s.set_listener_path(Some("/tmp/x/agent.sock".into()));
    s
}

/// A root filesystem with an executable /bin/tool and a symlink /bin/alias -> tool.
fn rootfs(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let root = dir.join("rootfs");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(root.join("bin/tool"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(root.join("bin/tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("/bin/tool", root.join("bin/alias")).unwrap();
    root
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_rootfs_gets_runc_defaults_a_readonly_root_and_the_filter() {
    let dir = tempfile::tempdir().unwrap();
    let root = rootfs(dir.path());
    let c = config(&Target::Rootfs(root.clone()), &words(&["alias", "-x"]), &seccomp(), false).unwrap();
    assert_eq!(c["root"], json!({"path": root, "readonly": true}));
    assert_eq!(c["process"]["args"], json!(["alias", "-x"]));
    assert_eq!(c["process"]["terminal"], false);
    assert_eq!(c["linux"]["seccomp"]["listenerPath"], "/tmp/x/agent.sock");
    assert_eq!(c["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
    let ns: Vec<&str> =
        c["linux"]["namespaces"].as_array().unwrap().iter().map(|n| n["type"].as_str().unwrap()).collect();
    assert!(ns.contains(&"pid") && ns.contains(&"mount"), "{ns:?}");
    assert!(!is_rootless(&c));
}

#[test]
fn a_bundle_keeps_everything_but_seccomp_and_the_command() {
    let dir = tempfile::tempdir().unwrap();
    rootfs(dir.path());
    let original = json!({
        "ociVersion": "1.0.2", "process": {"args": ["tool"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}},
        "root": {"path": "rootfs"}, "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
        "linux": {"namespaces": [{"type": "pid"}], "seccomp": {"defaultAction": "SCMP_ACT_KILL"}},
        "x-unknown": {"kept": true},
    });
    std::fs::write(dir.path().join("config.json"), original.to_string()).unwrap();
    let c = config(&Target::Bundle(dir.path().into()), &[], &seccomp(), true).unwrap();
    assert_eq!(c["process"]["args"], json!(["tool"]), "no command: the bundle's");
    assert_eq!(c["mounts"], original["mounts"]);
    assert_eq!(c["linux"]["namespaces"], original["linux"]["namespaces"]);
    assert_eq!(c["x-unknown"], json!({"kept": true}));
    assert_eq!(c["linux"]["seccomp"]["defaultAction"], "SCMP_ACT_ERRNO");
    assert_eq!(c["root"]["path"], json!(dir.path().join("rootfs")));
    let c = config(&Target::Bundle(dir.path().into()), &words(&["/bin/alias"]), &seccomp(), true).unwrap();
    assert_eq!(c["process"]["args"], json!(["/bin/alias"]));
}

#[test]
fn an_invalid_config_is_reported_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), "{\n  \"ociVersion\": \"1.0.2\",\n  \"process\": 7\n}\n").unwrap();
    let e = config(&Target::Bundle(dir.path().into()), &[], &seccomp(), false).unwrap_err().to_string();
    let at = format!("{}:3:", dir.path().join("config.json").display());
    assert!(e.starts_with(&at) && e.contains("invalid type"), "{e}");
    std::fs::write(dir.path().join("config.json"), "{\"ociVersion\": ").unwrap();
    let e = config(&Target::Bundle(dir.path().into()), &[], &seccomp(), false).unwrap_err().to_string();
    assert!(e.contains("config.json:1:"), "{e}");
}

#[test]
fn a_command_missing_from_the_rootfs_is_refused_naming_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let root = rootfs(dir.path());
    let e = config(&Target::Rootfs(root.clone()), &words(&["ls", "/"]), &seccomp(), false).unwrap_err().to_string();
    assert!(e.starts_with("ls: not found in the container's root filesystem") && e.contains("/usr/bin/ls"), "{e}");
    // The host has /bin/sh; the root filesystem does not: looked up inside it only.
    let e = config(&Target::Rootfs(root), &words(&["/bin/sh"]), &seccomp(), false).unwrap_err().to_string();
    assert!(e.contains("for /bin/sh"), "{e}");
    let e = config(&Target::Rootfs(dir.path().join("nope")), &words(&["x"]), &seccomp(), false).unwrap_err();
    assert!(e.to_string().contains("not a directory"), "{e}");
}

#[test]
fn symlinks_resolve_inside_the_rootfs() {
    let dir = tempfile::tempdir().unwrap();
    let root = rootfs(dir.path());
    assert!(executable_in(&root, "/bin/alias"));
    std::os::unix::fs::symlink("/bin/sh", root.join("bin/escape")).unwrap();
    assert!(!executable_in(&root, "/bin/escape"), "/bin/sh of the host must not count");
}

#[test]
fn a_bundle_mapping_users_is_rootless() {
    let c = json!({"linux": {"namespaces": [{"type": "user"}], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}});
    assert!(is_rootless(&c));
}
