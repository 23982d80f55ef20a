//! `run`/`record` with a container target: the errors a person meets before any container runs
//! (no runc, a root filesystem without the command, a broken config.json, a socket in use).
//! None needs runc: `--runtime-path /bin/true` gets past the runtime check where wanted.

use crate::support::TempDir;
use std::path::Path;
use std::process::{Command, Output};

fn seccompose(args: &[&str], path_env: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_seccompose"));
    c.args(args);
    if let Some(p) = path_env {
        c.env("PATH", p);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A root filesystem with nothing but an empty /bin.
fn empty_rootfs(dir: &TempDir) -> String {
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    root.to_str().unwrap().to_string()
}

#[test]
fn runc_missing_says_how_to_install_it() {
    let dir = TempDir::new("no-runc");
    let root = empty_rootfs(&dir);
    let empty = dir.path().to_str().unwrap();
    let o = seccompose(&["run", "runtime-default", "--rootfs", &root, "--", "ls"], Some(empty));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("runc not found on PATH: install it (Debian/Ubuntu: `apt-get install runc`"),
        "{}",
        stderr(&o)
    );
    let o = seccompose(&["record", "--rootfs", &root, "--runtime-path", "/nonexistent/runc", "--", "ls"], None);
    assert!(stderr(&o).contains("/nonexistent/runc: not an executable file (--runtime-path)"), "{}", stderr(&o));
}

#[test]
fn a_rootfs_without_the_command_is_refused() {
    let dir = TempDir::new("no-cmd");
    let root = empty_rootfs(&dir);
    let o = seccompose(
        &["run", "runtime-default", "--rootfs", &root, "--runtime-path", "/bin/true", "--", "ls", "/"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("ls: not found in the container's root filesystem") && e.contains("/bin/ls"), "{e}");
}

#[test]
fn an_invalid_bundle_config_is_located() {
    let dir = TempDir::new("bad-config");
    std::fs::write(dir.path().join("config.json"), "{\n  \"ociVersion\": \"1.0.2\",\n  \"root\": {\"path\": 3}\n}\n")
        .unwrap();
    let bundle = dir.path().to_str().unwrap();
    let o = seccompose(&["run", "runtime-default", "--bundle", bundle, "--runtime-path", "/bin/true"], None);
    assert_eq!(o.status.code(), Some(2));
    let at = format!("{}:3:", dir.path().join("config.json").display());
    assert!(stderr(&o).contains(&at), "{}", stderr(&o));
}

#[test]
fn a_socket_path_in_use_is_refused() {
    let dir = TempDir::new("sock-in-use");
    let root = empty_rootfs(&dir);
    let socket = dir.path().join("agent.sock");
    let _other = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let args = ["run", "runtime-default", "--rootfs", &root, "--runtime-path", "/bin/true", "--socket"];
    let o = seccompose(&[&args[..], &[socket.to_str().unwrap(), "--", "/bin/x"]].concat(), None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("another agent is listening on this socket"), "{}", stderr(&o));
    assert!(Path::new(&socket).exists(), "the other agent's socket is left alone");
}

#[test]
fn container_flags_without_a_container_are_refused() {
    let o = seccompose(&["run", "runtime-default", "--runtime-path", "/bin/true", "--", "true"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--runtime-path is for containers: give --rootfs DIR or --bundle DIR too"),
        "{}",
        stderr(&o)
    );
    let o = seccompose(&["run", "runtime-default", "--rootfs", "/", "--bundle", "/"], None);
    assert_eq!(o.status.code(), Some(2), "--rootfs and --bundle exclude each other");
}
