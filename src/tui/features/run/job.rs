//! A command running under the edited profile for the run pane, on the host (the sandbox) or
//! in a runc container (seccompose as its seccomp agent): the run goes on its own thread, the
//! pty output is parsed into a screen model on another, so the editor never blocks.

use crate::container::bundle::Target;
use crate::container::observe::{ContainerRecordReport, ContainerRunReport, Live};
use crate::container::session::ContainerOptions;
use crate::policy::evaluator::Evaluator;
use crate::sandbox::observe::{self, Denial, RecordReport, RunOptions, RunReport};
use crate::sandbox::spawn::Stdio;
use std::fs::File;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
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
    // Boxed: a container report is several times a host one, and a job holds one at most.
    ContainerRun(Box<ContainerRunReport>),
    /// With what runc init needs that the profile denies and was not seen (never notified).
    ContainerRecord(Box<ContainerRecordReport>, Vec<&'static str>),
}

pub struct Job {
    pub argv: Vec<String>,
    pub state: State,
    pub screen: Arc<Mutex<vt100::Parser>>,
    /// The program's denials (all of them on the host).
    pub denials: Arc<Mutex<Vec<Denial>>>,
    /// runc init's denials, in a container.
    pub runtime_denials: Arc<Mutex<Vec<Denial>>>,
    /// Runs in a container.
    pub in_container: bool,
    /// Asks a container run to end (runc kills it).
    stop_container: Arc<AtomicBool>,
    /// Bumped by the output thread: the loop redraws when it moved.
    pub output_seq: Arc<AtomicU64>,
    pid: Arc<AtomicI32>,
    input: Arc<Mutex<Option<File>>>,
    done: Receiver<Result<Report, String>>,
}

impl Job {
    /// Starts `argv` under `ev` in a pty of `rows`×`cols`, on the host or in `target`; with
    /// `record`, every syscall is let through and counted, and what `ev` does not allow is
    /// reported as needed.
    pub fn start(ev: Evaluator, argv: Vec<String>, size: (u16, u16), record: bool, target: Option<Target>) -> Job {
        let (rows, cols) = size;
        let mut job = Job {
            argv: argv.clone(),
            state: State::Running { since: Instant::now() },
            screen: Arc::new(Mutex::new(vt100::Parser::new(nonzero(rows), nonzero(cols), SCROLLBACK))),
            denials: Arc::default(),
            runtime_denials: Arc::default(),
            in_container: target.is_some(),
            stop_container: Arc::default(),
            output_seq: Arc::default(),
            pid: Arc::default(),
            input: Arc::default(),
            done: channel().1,
        };
        let (tx, done) = channel();
        job.done = done;
        let output = Output { screen: job.screen.clone(), seq: job.output_seq.clone(), input: job.input.clone() };
        match target {
            None => on_host(ev, argv, size, record, (job.denials.clone(), job.pid.clone()), output, tx),
            Some(target) => {
                let live = Live { runtime: job.runtime_denials.clone(), program: job.denials.clone() };
                let run = ContainerJob { ev, argv, target, record, live, stop: job.stop_container.clone() };
                in_container(run, size, output, tx)
            }
        }
        job
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
        self.stop_container.store(true, Ordering::Release);
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

/// Where a run's terminal output goes, and where keystrokes for it are written.
struct Output {
    screen: Arc<Mutex<vt100::Parser>>,
    seq: Arc<AtomicU64>,
    input: Arc<Mutex<Option<File>>>,
}

impl Output {
    /// Follows the pty `master`: its output onto the screen, keystrokes into it.
    fn attach(self, master: std::os::fd::OwnedFd) {
        let reader = File::from(master);
        *self.input.lock().expect("not poisoned") = reader.try_clone().ok();
        pump_output(reader, self.screen, self.seq);
    }
}

type Done = std::sync::mpsc::Sender<Result<Report, String>>;

/// The host sandbox's run: it makes the pty and the process group (`pid` for Ctrl-c).
fn on_host(
    ev: Evaluator,
    argv: Vec<String>,
    (rows, cols): (u16, u16),
    record: bool,
    (denials, pid): (Arc<Mutex<Vec<Denial>>>, Arc<AtomicI32>),
    output: Output,
    tx: Done,
) {
    std::thread::spawn(move || {
        let options = RunOptions { exact: false, timeout: None, stdio: Stdio::Pty { rows, cols } };
        let mut output = Some(output);
        let on_spawn = |spawned: &crate::sandbox::spawn::Spawned| {
            pid.store(spawned.pid, Ordering::Release);
            let master = spawned.pty_master.as_ref().and_then(|m| m.try_clone().ok());
            if let (Some(master), Some(output)) = (master, output.take()) {
                output.attach(master);
            }
        };
        let result = if record {
            observe::record(Some(&ev), false, &argv, options, on_spawn).map(Report::Record)
        } else {
            observe::run_live(&ev, &argv, options, denials, on_spawn).map(Report::Run)
        };
        let _ = tx.send(result.map_err(|e| e.to_string()));
    });
}

/// A run in a runc container.
struct ContainerJob {
    ev: Evaluator,
    argv: Vec<String>,
    target: Target,
    record: bool,
    live: Live,
    stop: Arc<AtomicBool>,
}

/// runc gets a pty of ours as its stdio (passed through to the program); the container is
/// ended through `stop` (runc kills it), as the host run's process group is.
fn in_container(job: ContainerJob, (rows, cols): (u16, u16), output: Output, tx: Done) {
    std::thread::spawn(move || {
        let result = run_in_container(job, rows, cols, output);
        let _ = tx.send(result);
    });
}

fn run_in_container(job: ContainerJob, rows: u16, cols: u16, output: Output) -> Result<Report, String> {
    let (master, slave) =
        crate::sandbox::spawn::open_pty(rows, cols).map_err(|e| format!("a terminal for the container: {e}"))?;
    output.attach(master);
    let options =
        ContainerOptions { stdio: Some(Arc::new(slave)), stop: Some(job.stop), ..ContainerOptions::default() };
    let ev = &job.ev;
    if job.record {
        let native = ev.context.native;
        let arches: Vec<crate::catalog::Arch> =
            std::iter::once(native).chain(native.compat_arches().iter().copied()).collect();
        let lib = ev.context.runtime.libseccomp;
        let report = crate::container::observe::record(Some(ev), false, &arches, lib, &job.target, &job.argv, &options)
            .map_err(|e| e.to_string())?;
        let seen: Vec<&str> =
            report.runtime.seen.keys().chain(report.program.seen.keys()).map(|(_, n)| n.as_str()).collect();
        let unseen: Vec<&'static str> =
            crate::policy::lint::runc_needs_denied(ev).into_iter().filter(|n| !seen.contains(n)).collect();
        Ok(Report::ContainerRecord(Box::new(report), unseen))
    } else {
        crate::container::observe::run_live(ev, &job.target, &job.argv, &options, job.live)
            .map(|r| Report::ContainerRun(Box::new(r)))
            .map_err(|e| e.to_string())
    }
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
