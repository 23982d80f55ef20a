//! Shared helpers for the integration tests: fixture paths, temp dirs, required system tools.

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every profile the project ships or keeps as a reference fixture (copies of ../shared).
pub fn all_profiles() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "profiles",
        "tests/fixtures/reference",
        "tests/fixtures/reference/moby-fixtures",
        "tests/fixtures/reference/k8s-tutorial",
    ] {
        let dir = root().join(dir);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 12, "expected the bundled and reference profiles, found {}", out.len());
    out
}

/// Draws the editor on a TestBackend of `width`×`height` and returns the screen as text.
pub fn render(app: &mut seccompose::tui::app::App, width: u16, height: u16) -> String {
    use ratatui::{Terminal, backend::TestBackend};
    app.prepare_view();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| seccompose::tui::app::view::draw(frame, app)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

/// A fresh temporary directory under the target dir (kept small; removed on drop).
pub struct TempDir(PathBuf);

impl TempDir {
    /// Unique per call: tests run in parallel threads of one process, so the name and the pid
    /// alone could be shared (and removed) by two tests.
    pub fn new(name: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("seccompose-test-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Fails (never skips) when `tool` is not on PATH, naming the Debian package that brings it.
/// Only tests behind a system-tests feature call this: `cargo test` alone needs no tool beyond
/// the Rust toolchain and a base Debian system (sh, bash, coreutils).
pub fn require(tool: &str, package: &str) {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`{tool}` is not installed: run `apt-get install -y {package}` (these tests are on with a system-tests \
         feature; .ci/run installs every package they need)"
    );
}

/// Fails (never skips) unless the tests run as root; only tests behind `root-tests` call this.
#[allow(dead_code)] // until a root test is compiled in
pub fn require_root() {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(euid, 0, "this test needs root (the `root-tests` feature): run it as root, as CI does");
}

/// A new pty pair of `rows`×`cols`: (master, slave).
pub fn openpty(rows: u16, cols: u16) -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: out-pointers to two ints; no name buffer; termios defaults.
    let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // openpty's fds are inherited by exec: the command would hold its own terminal's master
    // open, and the pty could never hang up. Its stdio gets the slave through dup2 regardless.
    for fd in [master, slave] {
        // SAFETY: fcntl on the descriptors just returned.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: openpty returned two fresh descriptors we now own.
    unsafe { (std::os::fd::OwnedFd::from_raw_fd(master), std::os::fd::OwnedFd::from_raw_fd(slave)) }
}

/// Makes `slave` the command's stdin, stdout, stderr and controlling terminal, with the command
/// as the leader of a new session (as a login shell runs in a terminal).
pub fn in_pty(command: &mut std::process::Command, slave: std::os::fd::OwnedFd) {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    command
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
}
