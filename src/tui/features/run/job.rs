//! A command running under the edited profile for the run pane: the sandbox runs on its own
//! thread, the pty output is parsed into a screen model on another, so the editor never blocks.

use crate::policy::evaluator::Evaluator;
use crate::sandbox::observe::{self, Denial, RecordReport, RunOptions, RunReport};
use crate::sandbox::spawn::Stdio;
use std::fs::File;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lines of output kept above the screen.
const SCROLLBACK: usize = 1000;

/// How the last run ended (or that it is still running).
#[derive(Debug, Clone)]
pub enum State {
    Running { since: Instant },
    Ended(Result<Report, String>),
}

/// What a finished job reports: a run's denials, or a recording's syscalls.
#[derive(Debug, Clone)]
pub enum Report {
    Run(RunReport),
    Record(RecordReport),
}

pub struct Job {
    pub argv: Vec<String>,
    pub state: State,
    pub screen: Arc<Mutex<vt100::Parser>>,
    pub denials: Arc<Mutex<Vec<Denial>>>,
    /// Bumped by the output thread: the loop redraws when it moved.
    pub output_seq: Arc<AtomicU64>,
    pid: Arc<AtomicI32>,
    input: Arc<Mutex<Option<File>>>,
    done: Receiver<Result<Report, String>>,
}

impl Job {
    /// Starts `argv` under `ev` in a pty of `rows`×`cols`; with `record`, every syscall is
    /// let through and counted, and what `ev` does not allow is reported as needed.
    pub fn start(ev: Evaluator, argv: Vec<String>, rows: u16, cols: u16, record: bool) -> Job {
        let screen = Arc::new(Mutex::new(vt100::Parser::new(nonzero(rows), nonzero(cols), SCROLLBACK)));
        let denials = Arc::new(Mutex::new(Vec::new()));
        let output_seq = Arc::new(AtomicU64::new(0));
        let pid = Arc::new(AtomicI32::new(0));
        let input = Arc::new(Mutex::new(None));
        let (tx, done) = channel();
        let (screen_t, denials_t, seq_t, pid_t, input_t, argv_t) =
            (screen.clone(), denials.clone(), output_seq.clone(), pid.clone(), input.clone(), argv.clone());
        std::thread::spawn(move || {
            let options = RunOptions { exact: false, timeout: None, stdio: Stdio::Pty { rows, cols } };
            let on_spawn = |spawned: &crate::sandbox::spawn::Spawned| {
                pid_t.store(spawned.pid, Ordering::Release);
                if let Some(master) = spawned.pty_master.as_ref().and_then(|m| m.try_clone().ok()) {
                    let reader = File::from(master);
                    *input_t.lock().expect("not poisoned") = reader.try_clone().ok();
                    pump_output(reader, screen_t, seq_t);
                }
            };
            let result = if record {
                observe::record(Some(&ev), false, &argv_t, options, on_spawn).map(Report::Record)
            } else {
                observe::run_live(&ev, &argv_t, options, denials_t, on_spawn).map(Report::Run)
            };
            let _ = tx.send(result.map_err(|e| e.to_string()));
        });
        Job { argv, state: State::Running { since: Instant::now() }, screen, denials, output_seq, pid, input, done }
    }

    /// Notices the end of the run; returns true when the state changed.
    pub fn poll(&mut self) -> bool {
        if !matches!(self.state, State::Running { .. }) {
            return false;
        }
        match self.done.try_recv() {
            Ok(result) => {
                self.state = State::Ended(result);
                true
            }
            Err(TryRecvError::Disconnected) => {
                self.state = State::Ended(Err("the run ended without a report".into()));
                true
            }
            Err(TryRecvError::Empty) => false,
        }
    }

    /// The command's pid (0 until it started).
    pub fn pid(&self) -> i32 {
        self.pid.load(Ordering::Acquire)
    }

    pub fn is_running(&self) -> bool {
        matches!(self.state, State::Running { .. })
    }

    /// Ends the command and everything it started (its process group).
    pub fn stop(&self) {
        let pid = self.pid.load(Ordering::Acquire);
        if pid > 0 && self.is_running() {
            // SAFETY: signalling the process group the sandbox made for this command.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
    }

    /// Waits (briefly) for a stopped command's report.
    pub fn wait(&mut self, limit: Duration) {
        let start = Instant::now();
        while self.is_running() && start.elapsed() < limit {
            if !self.poll() {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// Keystrokes for the command.
    pub fn send(&self, bytes: &[u8]) {
        if let Some(f) = self.input.lock().expect("not poisoned").as_mut() {
            let _ = f.write_all(bytes);
        }
    }

    /// Follows the pane's size: the pty and the screen model.
    pub fn resize(&self, rows: u16, cols: u16) {
        let mut screen = self.screen.lock().expect("not poisoned");
        let (r, c) = screen.screen().size();
        if (r.get(), c.get()) == (rows, cols) {
            return;
        }
        screen.screen_mut().set_size(nonzero(rows), nonzero(cols));
        if let Some(f) = self.input.lock().expect("not poisoned").as_ref() {
            let size = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
            // SAFETY: TIOCSWINSZ on our pty master with a valid winsize.
            unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(f), libc::TIOCSWINSZ, &size) };
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.stop();
    }
}

fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).expect("at least 1")
}

/// Reads the pty on its own thread; a burst is parsed in 64 KiB chunks and the loop redraws
/// at its own pace, so a program printing megabytes cannot stall the editor.
fn pump_output(mut reader: File, screen: Arc<Mutex<vt100::Parser>>, seq: Arc<AtomicU64>) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            screen.lock().expect("not poisoned").process(&buf[..n]);
            seq.fetch_add(1, Ordering::Release);
        }
    });
}
