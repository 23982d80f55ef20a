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
            }
        })?;
        Ok(Signals { received })
    }

    /// The signal that arrived, if one did.
    pub fn received(&self) -> Option<i32> {
        Some(self.received.load(Ordering::Acquire)).filter(|&s| s != 0)
    }
}
