//! The terminal's foreground for a command that shares our terminal (stdin a terminal, no pty
//! of its own): as a shell does, the command's process group gets the foreground, so it can
//! read the terminal (in the background, a read stops it with SIGTTIN) and Ctrl-C reaches it;
//! we take the foreground back when it ends.

use rustix::process::{Pid, getpgrp};
use rustix::termios::{tcgetpgrp, tcsetpgrp};
use std::io::IsTerminal;

/// Whether stdin is a terminal whose foreground is our process group.
pub fn terminal_is_ours() -> bool {
    std::io::stdin().is_terminal() && tcgetpgrp(std::io::stdin()).is_ok_and(|group| group == getpgrp())
}

/// The foreground lent to a command's group; given back on drop.
pub struct Foreground {
    ours: Pid,
}

impl Foreground {
    /// Gives the foreground to the group `group` (the command's pid).
    pub fn give(group: i32) -> Foreground {
        let ours = getpgrp();
        if let Some(group) = Pid::from_raw(group) {
            without_sigttou(|| {
                let _ = tcsetpgrp(std::io::stdin(), group);
            });
        }
        Foreground { ours }
    }
}

impl Drop for Foreground {
    fn drop(&mut self) {
        // We are a background group now: a blocked SIGTTOU lets tcsetpgrp through.
        without_sigttou(|| {
            let _ = tcsetpgrp(std::io::stdin(), self.ours);
        });
    }
}

/// Runs `f` with SIGTTOU blocked on this thread (the kernel then lets a background group set
/// the foreground instead of stopping it).
fn without_sigttou(f: impl FnOnce()) {
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
    let mut old = SigSet::empty();
    let blocked = pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&SigSet::from(Signal::SIGTTOU)), Some(&mut old));
    f();
    if blocked.is_ok() {
        let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
    }
}
