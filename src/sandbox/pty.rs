//! Passing a terminal through to a command running in a pty: raw mode on our side, bytes
//! copied both ways, the window size handed on.

use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::thread::JoinHandle;

/// Our terminal in raw mode until dropped (also on panic, through unwinding).
pub struct RawMode {
    saved: libc::termios,
}

impl RawMode {
    /// Puts stdin's terminal in raw mode; `None` when stdin is not a terminal.
    pub fn enter() -> Option<RawMode> {
        // SAFETY: termios calls on fd 0 with stack structs.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut saved) != 0 {
                return None;
            }
            let mut raw = saved;
            libc::cfmakeraw(&mut raw);
            libc::tcsetattr(0, libc::TCSANOW, &raw);
            Some(RawMode { saved })
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restoring the saved settings.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &self.saved) };
    }
}

/// The size of the terminal on stdout, or 24x80.
pub fn terminal_size() -> (u16, u16) {
    // SAFETY: TIOCGWINSZ fills a winsize.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_row > 0 {
            return (ws.ws_row, ws.ws_col);
        }
    }
    (24, 80)
}

/// Copies the pty's output to stdout until the command side closes (the returned thread
/// ends then), and stdin to the pty (that thread is left to end with the process); the
/// terminal's size follows ours (checked a few times a second).
pub fn relay(master: &OwnedFd) -> io::Result<JoinHandle<()>> {
    let out_fd = dup(master)?;
    let in_fd = dup(master)?;
    let size_fd = dup(master)?;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let output_done = done.clone();
    std::thread::Builder::new().name("pty-size".into()).spawn(move || {
        let mut last = terminal_size();
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(250));
            let now = terminal_size();
            if now != last {
                let ws = libc::winsize { ws_row: now.0, ws_col: now.1, ws_xpixel: 0, ws_ypixel: 0 };
                // SAFETY: TIOCSWINSZ reads a winsize; the kernel signals the foreground group.
                if unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&size_fd), libc::TIOCSWINSZ, &ws) } != 0 {
                    break;
                }
                last = now;
            }
        }
    })?;
    std::thread::Builder::new().name("pty-input".into()).spawn(move || {
        let mut pty = std::fs::File::from(in_fd);
        let mut buf = [0u8; 4096];
        let stdin = io::stdin();
        let mut input = stdin.lock();
        while let Ok(n) = input.read(&mut buf) {
            if n == 0 || pty.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    })?;
    std::thread::Builder::new().name("pty-output".into()).spawn(move || {
        let mut pty = std::fs::File::from(out_fd);
        let mut buf = [0u8; 16384];
        let mut out = io::stdout();
        // EIO once every process holding the other side has exited.
        while let Ok(n) = pty.read(&mut buf) {
            if n == 0 || out.write_all(&buf[..n]).and_then(|_| out.flush()).is_err() {
                break;
            }
        }
        output_done.store(true, std::sync::atomic::Ordering::Relaxed);
    })
}

fn dup(fd: &OwnedFd) -> io::Result<OwnedFd> {
    fd.try_clone()
}
