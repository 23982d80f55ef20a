//! The editor's run pane with a container target, in a real pty on real runc: a line that
//! starts with `--rootfs DIR` runs in a container; denials show under runc init or the program;
//! the one-key allows and `R` (record, then `y`) give a profile that runs with no denial.

use super::container::busybox_rootfs;
use crate::editor_pty::{Session, wait_exit};
use crate::support::TempDir;

/// The editor on `profile` (written to a file in `dir`), its run pane open on an empty line.
fn editor_with_pane(dir: &TempDir, profile: &str) -> (Session, std::path::PathBuf) {
    let path = dir.path().join("profile.json");
    std::fs::write(&path, profile).unwrap();
    let mut s = Session::start(&[path.to_str().unwrap()]);
    s.wait_for("profile.json │");
    s.step("t", "no command run yet");
    s.keys(&"\x7f".repeat(80));
    (s, path)
}

/// Saves, closes the pane, quits; the editor exits 0.
fn save_and_quit(mut s: Session) {
    s.step("\x13", "saved ");
    s.keys("t");
    s.keys("q");
    let status = wait_exit(&mut s.child);
    assert!(status.success(), "{status:?}\n{}", s.text());
}

#[test]
fn the_run_pane_runs_in_a_container_and_shows_runc_inits_denials_apart() {
    let rootfs = busybox_rootfs("editor-run");
    let dir = TempDir::new("editor-run-profile");
    let profile = r#"{"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["getpid", "fstatfs"], "action": "SCMP_ACT_ERRNO"}]}"#;
    let (mut s, path) = editor_with_pane(&dir, profile);
    let line = format!("--rootfs {} echo hello-from-the-container\r", rootfs.path().join("rootfs").display());
    let screen = s.step(&line, "for the program");
    assert!(screen.contains("in a runc container: did not start"), "{screen}");
    assert!(screen.contains("runtime (runc init, before the program): 2"), "{screen}");
    assert!(screen.contains("program: 0"), "{screen}");
    assert!(screen.contains("getpid") && screen.contains("fstatfs"), "{screen}");
    assert!(!screen.contains("hello-from-the-container\n"), "the program never ran:\n{screen}");

    // `+` allows runc init's denials like any other; `r` runs the container again.
    s.step("+", "allowed getpid, fstatfs");
    let screen = s.step("r", "exited with status 0");
    assert!(screen.contains("0 denied for runc init, 0 for the program"), "{screen}");
    assert!(screen.contains("hello-from-the-container"), "{screen}");
    save_and_quit(s);
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(!saved.contains("getpid"), "getpid is allowed (the default) now:\n{saved}");
}

#[test]
fn r_records_in_the_container_and_y_gives_a_profile_that_runs_it_with_no_denial() {
    let rootfs = busybox_rootfs("editor-record");
    let dir = TempDir::new("editor-record-profile");
    let profile = r#"{"defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}"#;
    let (mut s, path) = editor_with_pane(&dir, profile);
    let line = format!("--rootfs {} ls -l /bin", rootfs.path().join("rootfs").display());
    s.keys(&line);
    // Escape leaves the line without running it (the cursor goes); R records it. Sent on its
    // own, so that ESC and R are not read as one Alt-R.
    s.wait_for("/bin▏");
    s.keys("\x1b");
    let start = std::time::Instant::now();
    while s.text().contains("/bin▏") {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "Escape did not leave the line");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let screen = s.step("R", "would add (y applies");
    assert!(screen.contains("for runc init (the runtime)"), "{screen}");
    assert!(screen.contains("for the program"), "{screen}");
    assert!(screen.contains("in a runc container: recorded"), "{screen}");
    s.step("y", "added to the profile");
    let screen = s.step("r", "exited with status 0");
    assert!(screen.contains("0 denied for runc init, 0 for the program"), "{screen}");
    assert!(screen.contains("busybox"), "the listing ran:\n{screen}");
    save_and_quit(s);
    let saved = std::fs::read_to_string(&path).unwrap();
    for name in ["execve", "fstatfs", "getdents64", "openat"] {
        assert!(saved.contains(&format!("\"{name}\"")), "{name} not allowed:\n{saved}");
    }
}
