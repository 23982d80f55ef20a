//! The terminal the editor takes over, and every way of giving it back: a quit, a panic, and
//! SIGTERM / SIGHUP / SIGINT (which also end the command running in the run pane).

use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::prelude::CrosstermBackend;
use ratatui::{DefaultTerminal, Terminal};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

/// Raw mode, the alternate screen and mouse reporting; a panic from here on restores the
/// terminal before the panic message is printed.
pub fn enter() -> io::Result<DefaultTerminal> {
    install_panic_hook();
    let entered = enable_raw_mode()
        .and_then(|()| execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture))
        .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
    if entered.is_err() {
        restore();
    }
    entered
}

/// Gives the terminal back as it was: mouse reporting off, the main screen, the cursor shown,
/// cooked mode. Safe to call more than once; errors are ignored (there is no one to tell).
pub fn restore() {
    let _ = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// SIGTERM, SIGHUP and SIGINT, taken by `sigwait` on a thread of their own.
///
/// They are blocked in the calling thread, and so in every thread it starts afterwards (the
/// run pane's included): a handler that the sandbox installs for a run (it forwards signals
/// to the command) never sees them, and the editor always learns of them. Commands started
/// in the run pane reset their signal mask, so they get signals as usual.
pub struct Signals {
    received: Arc<AtomicI32>,
}

const TAKEN: [nix::sys::signal::Signal; 3] =
    [nix::sys::signal::Signal::SIGTERM, nix::sys::signal::Signal::SIGHUP, nix::sys::signal::Signal::SIGINT];

/// How long after a signal the editor may take to end before the signal thread ends it.
const STUCK_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

impl Signals {
    /// Call before any other thread starts.
    pub fn start() -> io::Result<Signals> {
        let set = nix::sys::signal::SigSet::from_iter(TAKEN);
        set.thread_block().map_err(io::Error::from)?;
        let received = Arc::new(AtomicI32::new(0));
        let seen = received.clone();
        std::thread::Builder::new().name("signals".into()).spawn(move || {
            if let Ok(signal) = set.wait() {
                seen.store(signal as i32, Ordering::Release);
                // The editor answers within a moment (ending a run-pane command takes up to
                // 5 s). Still here after that, its thread is stuck where it cannot look (a
                // terminal read that never returns): end the process rather than leave it
                // deaf to every later signal, which stays blocked.
                std::thread::sleep(STUCK_AFTER);
                restore();
                std::process::exit(128 + signal as i32);
            }
        })?;
        Ok(Signals { received })
    }

    /// The signal that arrived, if one did.
    pub fn received(&self) -> Option<i32> {
        Some(self.received.load(Ordering::Acquire)).filter(|&s| s != 0)
    }
}

/// What the terminal had for the editor within a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Bytes to read (or crossterm may hold parsed events: ask it).
    Input,
    /// Nothing within the wait.
    Idle,
    /// The terminal is gone (its emulator closed, `tmux kill-server`, a dropped ssh link).
    HungUp,
}

/// The terminal crossterm reads events from (stdin when it is a terminal, else `/dev/tty`),
/// watched by the editor itself before crossterm reads it.
///
/// Why: crossterm 0.29 loops without end when a read gives 0 bytes, which a hung-up terminal
/// does forever; the editor then spun at full CPU, deaf to SIGTERM. Asked first, `poll(2)`
/// reports the hang-up (POLLHUP), and crossterm is only called while the terminal is alive.
pub struct Tty {
    fd: std::os::fd::OwnedFd,
}

impl Tty {
    pub fn open() -> io::Result<Tty> {
        let stdin = io::stdin();
        let fd = if rustix::termios::isatty(&stdin) {
            std::os::fd::AsFd::as_fd(&stdin).try_clone_to_owned()?
        } else {
            std::fs::File::options().read(true).open("/dev/tty")?.into()
        };
        Ok(Tty { fd })
    }

    /// Waits up to `timeout` for input or a hang-up.
    pub fn wait(&self, timeout: std::time::Duration) -> io::Result<Readiness> {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
        let ts = Timespec { tv_sec: timeout.as_secs() as i64, tv_nsec: i64::from(timeout.subsec_nanos()) };
        match poll(&mut fds, Some(&ts)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => Ok(Readiness::Idle),
            Ok(_) => {
                let got = fds[0].revents();
                if got.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                    Ok(Readiness::HungUp)
                } else {
                    Ok(Readiness::Input)
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}
