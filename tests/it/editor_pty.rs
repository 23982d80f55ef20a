//! End to end: the real binary in a real pty, driven by keystrokes, its screen read back with a
//! terminal emulator (vt100), its saved file checked on disk.

use crate::support::{TempDir, root};
use seccompose::tui::state::preview::{DiffLine, json_diff};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const COLS: u16 = 140;
const ROWS: u16 = 36;

pub struct Session {
    /// The user's data dir for this session (run-pane history), so tests touch no real home.
    _data: TempDir,
    pub child: Child,
    input: File,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("sizes are positive")
}

impl Session {
    pub fn start(args: &[&str]) -> Session {
        Session::start_program(env!("CARGO_BIN_EXE_seccompose"), args, &[])
    }

    fn start_program(program: &str, args: &[&str], env: &[(&str, &str)]) -> Session {
        let (master, slave) = crate::support::openpty(ROWS, COLS);
        let data = TempDir::new(&format!("pty-data-{}", args.join("-").replace(['/', ':'], "_")));
        let mut command = Command::new(program);
        command
            .args(args)
            .envs(env.iter().copied())
            .env("XDG_DATA_HOME", data.path())
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR");
        crate::support::in_pty(&mut command, slave);
        let child = command.spawn().unwrap();
        let mut output = File::from(master.try_clone().unwrap());
        let screen = Arc::new(Mutex::new(vt100::Parser::new(nz(ROWS), nz(COLS), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (screen_w, raw_w) = (screen.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = output.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen_w.lock().unwrap().process(&buf[..n]);
                raw_w.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Session { _data: data, child, input: File::from(master), screen, raw }
    }

    pub fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `wanted`; the limit only ends a hung run.
    pub fn wait_for(&self, wanted: &str) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if text.contains(wanted) {
                return text;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "never showed {wanted:?}; screen:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn keys(&mut self, bytes: &str) {
        self.input.write_all(bytes.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }

    /// Types `bytes` then waits for `wanted`.
    pub fn step(&mut self, bytes: &str, wanted: &str) -> String {
        self.keys(bytes);
        self.wait_for(wanted)
    }
}

#[test]
fn search_allow_undo_allow_save_quit_in_a_real_terminal() {
    let dir = TempDir::new("editor-pty");
    let path = dir.path().join("profile.json");
    std::fs::copy(root().join("profiles/fine-grained.json"), &path).unwrap();
    let original = std::fs::read_to_string(&path).unwrap();
    let mut s = Session::start(&[path.to_str().unwrap()]);
    // The status bar is drawn last: once it shows, the whole first frame is on the screen.
    let first = s.wait_for("profile.json │");
    assert!(first.contains("profile.json") && first.contains("Basic I/O"), "{first}");

    s.step("/mount", "/mount▏");
    let found = s.step("\r", "/mount (");
    assert!(found.contains("mount                 ERRNO(1)"), "{found}");
    let allowed = s.step(" ", "mount → ALLOW");
    assert!(allowed.contains("mount                    ALLOW"), "{allowed}");
    assert!(allowed.contains("[modified]"), "{allowed}");
    let undone = s.step("u", "undone");
    assert!(undone.contains("mount                 ERRNO(1)") && !undone.contains("[modified]"), "{undone}");
    s.step("/ptrace\r", "/ptrace (");
    s.step(" ", "ptrace → ALLOW");
    let saved = s.step("\x13", "saved ");
    assert!(!saved.contains("[modified]"), "{saved}");
    s.keys("q");
    let status = wait_exit(&mut s.child);
    assert!(status.success(), "{status:?}");

    let text = std::fs::read_to_string(&path).unwrap();
    let diff = json_diff(&original, &text);
    let changed: Vec<usize> = diff.iter().enumerate().filter(|(_, l)| l.is_change()).map(|(i, _)| i).collect();
    assert!(changed.windows(2).all(|w| w[1] == w[0] + 1), "one changed region: {diff:?}");
    assert!(diff.iter().any(|l| l == DiffLine::Added("                \"ptrace\"")), "ptrace allowed");
    assert!(!text.contains("\"mount\""), "the undone edit is not saved");
    // The reader thread may still be draining the pty after the exit.
    let start = Instant::now();
    loop {
        let raw = s.raw.lock().unwrap().clone();
        let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(200)..]).to_string();
        if tail.contains("\x1b[?1049l") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "never left the alternate screen: {tail:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_tiny_terminal_gets_a_message_and_q_still_quits() {
    let mut s = Session::start(&["fine-grained"]);
    s.wait_for("Categories");
    let size = libc::winsize { ws_row: 10, ws_col: 50, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ on our pty master with a valid winsize.
    unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&s.input), libc::TIOCSWINSZ, &size) };
    s.screen.lock().unwrap().screen_mut().set_size(nz(10), nz(50));
    // The resize event arrives with SIGWINCH; a key makes sure the loop has drawn since.
    s.keys("j");
    s.wait_for("Terminal too small");
    s.keys("q");
    assert!(wait_exit(&mut s.child).success());
}

#[test]
fn the_run_pane_turns_the_violation_profile_into_one_that_runs_echo() {
    let dir = TempDir::new("pane-pty");
    let path = dir.path().join("violation.json");
    std::fs::copy(root().join("profiles/violation.json"), &path).unwrap();
    let mut s = Session::start(&[path.to_str().unwrap()]);
    s.wait_for("Categories");
    s.step("t", "$ ▏");
    s.keys("/bin/echo hi");
    let denied = s.step("\r", "did not start");
    assert!(denied.contains("execve") && denied.contains("path=\"/bin/echo\""), "{denied}");
    s.step("a", "allowed execve");
    let mut rounds = 0;
    loop {
        // Runs are numbered on the status line: wait for this one's end.
        let screen = s.step("r", &format!("run {}: ", rounds + 2));
        let screen = if screen.contains("running for") { s.wait_for("syscalls denied") } else { screen };
        if screen.contains("exited with status 0") && screen.contains("— 0 syscalls denied") {
            assert!(screen.contains("│hi"), "the output is shown:\n{screen}");
            break;
        }
        s.step("+", "(r re-runs)");
        rounds += 1;
        assert!(rounds < 20, "never converged:\n{screen}");
    }
    s.step("\x13", "saved ");
    s.keys("q");
    assert!(wait_exit(&mut s.child).success());
    let out = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["run", path.to_str().unwrap(), "--", "/bin/echo", "hi"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no syscall was denied"), "{out:?}");
    assert!(out.status.success());
}

#[test]
fn diff_on_a_terminal_opens_the_compare_view_where_a_decision_is_copied_and_saved() {
    let dir = TempDir::new("compare-pty");
    let path = dir.path().join("mine.json");
    std::fs::copy(root().join("profiles/fine-grained.json"), &path).unwrap();
    let mut s = Session::start(&["diff", path.to_str().unwrap(), "runtime-default"]);
    let first = s.wait_for("Compare");
    assert!(first.contains("right also allows") && first.contains("differences"), "{first}");
    let found = s.step("/ptrace\r", "+ ptrace");
    assert!(found.contains("ERRNO(1)"), "{found}");
    s.step("<", "copied the right side's rules");
    s.step("\x13", "saved ");
    s.keys("q");
    // The profiles still differ: the view exits as `diff --format text` would.
    assert_eq!(wait_exit(&mut s.child).code(), Some(1));
    let out = Command::new(env!("CARGO_BIN_EXE_seccompose"))
        .args(["diff", path.to_str().unwrap(), "runtime-default", "--format", "json", "--native", "x86_64"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ptrace_on_host = v["differences"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["syscall"] == "ptrace" && d["arches"].as_array().unwrap().iter().any(|a| a == "x86_64"));
    assert!(!ptrace_on_host, "the saved file decides ptrace as runtime-default does");
}

pub fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the editor did not quit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pty's line discipline is cooked again: canonical mode and echo on.
fn termios_is_sane(s: &Session) -> bool {
    // SAFETY: tcgetattr on our pty master (it reports the pty's termios) into a zeroed struct.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::tcgetattr(std::os::fd::AsRawFd::as_raw_fd(&s.input), &mut t) };
    assert_eq!(rc, 0, "tcgetattr: {}", std::io::Error::last_os_error());
    t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
}

/// Waits for the editor's last bytes to be read, then checks that they leave the alternate
/// screen, turn mouse reporting off and show the cursor after the last time it was hidden.
fn assert_terminal_restored(s: &Session) {
    let start = Instant::now();
    let tail = loop {
        let raw = s.raw.lock().unwrap().clone();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let after = text.rfind("\x1b[?1049h").map_or("", |i| &text[i..]).to_string();
        let done = ["\x1b[?1049l", "\x1b[?1000l", "\x1b[?25h"].iter().all(|seq| after.contains(seq))
            && after.rfind("\x1b[?25h") > after.rfind("\x1b[?25l");
        if done {
            break after;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the terminal was not restored: {:?}",
            &after[after.len().saturating_sub(300)..]
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        termios_is_sane(s),
        "the pty is still raw (ICANON or ECHO off); output tail {:?}",
        &tail[tail.len().saturating_sub(200)..]
    );
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: signalling the editor we started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

#[test]
fn sigterm_and_sighup_restore_the_terminal_and_exit_with_128_plus_the_signal() {
    for (sig, code) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129), (libc::SIGINT, 130)] {
        let mut s = Session::start(&["fine-grained"]);
        s.wait_for("Categories");
        assert!(!termios_is_sane(&s), "the editor runs in raw mode");
        signal(&s.child, sig);
        let status = wait_exit(&mut s.child);
        assert_eq!(status.code(), Some(code), "signal {sig}: {status:?}");
        assert_terminal_restored(&s);
    }
}

/// The pids of `parent`'s children named `comm`.
fn children_named(parent: u32, comm: &str) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // pid (comm) state ppid …: comm may hold spaces, so split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(") ") else { continue };
        let ppid: u32 = rest.split(' ').nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        if ppid == parent && head.ends_with(&format!("({comm}")) {
            found.push(head.split(' ').next().unwrap().parse().unwrap());
        }
    }
    found
}

#[test]
fn sigterm_ends_the_command_in_the_run_pane_and_the_editor() {
    let mut s = Session::start(&["runtime-default"]);
    s.wait_for("Categories");
    s.step("t", "$ ");
    // The pane may offer the last command from history: clear the line first.
    s.keys(&"\x7f".repeat(80));
    s.keys("sleep 1000");
    s.step("\r", "running for");
    let start = Instant::now();
    let sleep = loop {
        if let Some(&pid) = children_named(s.child.id(), "sleep").first() {
            break pid;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no sleep child");
        std::thread::sleep(Duration::from_millis(20));
    };
    signal(&s.child, libc::SIGTERM);
    let status = wait_exit(&mut s.child);
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_terminal_restored(&s);
    let start = Instant::now();
    while Path::new(&format!("/proc/{sleep}")).exists() {
        assert!(start.elapsed() < Duration::from_secs(10), "the command (pid {sleep}) outlived the editor");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A panic with the terminal taken over: the hook gives the terminal back before the message
/// is printed. The child is this test binary, re-run for this test alone in a pty.
#[test]
fn a_panic_restores_the_terminal_before_the_message_is_printed() {
    if std::env::var_os("SECCOMPOSE_PANIC_CHILD").is_some() {
        let _terminal = seccompose::tui::terminal::enter().unwrap();
        ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::cursor::Hide).unwrap();
        panic!("deliberate panic with the terminal taken over");
    }
    let me = std::env::current_exe().unwrap();
    let name = "editor_pty::a_panic_restores_the_terminal_before_the_message_is_printed";
    let mut s = Session::start_program(
        me.to_str().unwrap(),
        &[name, "--exact", "--nocapture", "--test-threads=1"],
        &[("SECCOMPOSE_PANIC_CHILD", "1")],
    );
    let status = wait_exit(&mut s.child);
    assert!(!status.success(), "the child test panics");
    assert_terminal_restored(&s);
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    let (left, message) = (raw.rfind("\x1b[?1049l").unwrap(), raw.find("deliberate panic").expect("the message"));
    assert!(left < message, "the message was printed on the alternate screen: {raw:?}");
}

#[test]
fn a_path_that_does_not_exist_opens_a_new_profile_that_ctrl_s_saves_there() {
    let dir = TempDir::new("editor-pty-new");
    let path = dir.path().join("new.json");
    let mut s = Session::start(&[path.to_str().unwrap()]);
    let first = s.wait_for("[new file]");
    assert!(first.contains("new.json [new file]") && first.contains("Basic I/O"), "{first}");
    assert!(!path.exists(), "nothing is written before Ctrl-s");
    let saved = s.step("\x13", "saved ");
    assert!(!saved.contains("[new file]") && !saved.contains("Save as"), "saved without asking: {saved}");
    s.keys("q");
    let status = wait_exit(&mut s.child);
    assert!(status.success(), "{status:?}");
    let doc = seccompose::profile::Document::open(&path).expect("the new file loads");
    assert!(!doc.has_errors(), "{:?}", doc.findings);
    let default = seccompose::profile::bundled::open("runtime-default").unwrap();
    assert_eq!(doc.profile_value(), default.profile_value(), "the runtime default");
}

/// The terminal goes away under a running editor (its emulator closed, `tmux kill-server`).
/// Run as `nohup` would (SIGHUP ignored), the editor hears of it only from the terminal
/// itself: it must end (129, as for SIGHUP), not spin on reads that give 0 bytes forever,
/// which it did in crossterm's event reader, deaf to SIGTERM.
#[test]
fn a_terminal_hung_up_under_the_editor_ends_it_even_with_sighup_ignored() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    // Both ways: nohup'd (only the hang-up can end it) and as usual (SIGHUP comes too). stderr
    // stays on the gone terminal, as in real life: a write there fails, and a panic on it
    // (eprintln!) would end the editor with 101.
    for ignore_sighup in [true, false] {
        let (master, slave) = crate::support::openpty(ROWS, COLS);
        let data = TempDir::new("pty-hangup");
        let mut command = Command::new(env!("CARGO_BIN_EXE_seccompose"));
        command.arg("fine-grained").env("XDG_DATA_HOME", data.path()).env("TERM", "xterm-256color");
        crate::support::in_pty(&mut command, slave);
        if ignore_sighup {
            // SAFETY: signal(2) is async-signal-safe; SIG_IGN survives exec, as with nohup.
            unsafe {
                command.pre_exec(|| {
                    libc::signal(libc::SIGHUP, libc::SIG_IGN);
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().unwrap();
        drop(command);
        // Read the master (no other copy of it exists) until the editor has drawn.
        let mut seen = Vec::new();
        let start = Instant::now();
        while !String::from_utf8_lossy(&seen).contains("Categories") {
            assert!(start.elapsed() < Duration::from_secs(30), "never drew: {}", String::from_utf8_lossy(&seen));
            let mut fds = [libc::pollfd { fd: master.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
            // SAFETY: poll and read on the master we own, into a buffer of the stated length.
            if unsafe { libc::poll(fds.as_mut_ptr(), 1, 100) } == 1 {
                let mut buf = [0u8; 65536];
                let n = unsafe { libc::read(master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
                assert!(n > 0, "the pty closed before the editor drew");
                seen.extend_from_slice(&buf[..n as usize]);
            }
        }
        drop(master);
        let status = wait_exit(&mut child);
        // 101: a panic (its message went to the gone terminal).
        assert_eq!(status.code(), Some(129), "SIGHUP ignored: {ignore_sighup}: {status:?}");
    }
}
