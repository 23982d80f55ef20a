//! The supervisor thread: answers every notification with what a handler decides, until told
//! to stop.

use super::notify::{Listener, Notification, Response};
use std::os::unix::thread::JoinHandleExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the handler wants done with a notification.
pub enum Verdict {
    Respond(Response),
    /// Kill the calling process (SIGKILL); the call is never answered.
    Kill,
}

/// A running supervisor.
pub struct Supervisor {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

extern "C" fn wake(_: libc::c_int) {}

/// SIGUSR2 interrupts a blocked receive (no SA_RESTART), so the thread can see `stop`.
fn install_wake_handler() {
    // SAFETY: installing a handler that does nothing.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = wake as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGUSR2, &sa, std::ptr::null_mut());
    }
}

impl Supervisor {
    /// Serves `listener` on a new thread; `handle` runs for each notification (it must be quick:
    /// the caller waits).
    pub fn start<F>(listener: Listener, mut handle: F) -> Supervisor
    where
        F: FnMut(&Listener, &Notification) -> Verdict + Send + 'static,
    {
        install_wake_handler();
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("seccomp-supervisor".into())
            .spawn(move || {
                listener.set_sync_wakeup();
                while !stop_flag.load(Ordering::Acquire) {
                    let n = match listener.receive() {
                        Ok(n) => n,
                        Err(e) if matches!(e.raw_os_error(), Some(libc::EINTR) | Some(libc::ENOENT)) => continue,
                        Err(_) => break,
                    };
                    match handle(&listener, &n) {
                        Verdict::Respond(r) => {
                            let _ = listener.respond(n.id, r);
                        }
                        Verdict::Kill => {
                            // SAFETY: signalling the (thread's) process.
                            unsafe { libc::kill(n.pid as i32, libc::SIGKILL) };
                        }
                    }
                }
            })
            .expect("spawning a thread");
        Supervisor { stop, handle: Some(handle) }
    }

    /// Stops the thread once no more notifications can come (the supervised tree has exited).
    pub fn stop(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        let Some(handle) = self.handle.take() else { return };
        self.stop.store(true, Ordering::Release);
        let thread = handle.as_pthread_t();
        // The signal may land just before the thread blocks again: repeat, waiting a little
        // longer each time.
        let mut pause = Duration::from_micros(20);
        while !handle.is_finished() {
            // SAFETY: the thread exists until joined below.
            unsafe { libc::pthread_kill(thread, libc::SIGUSR2) };
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
        let _ = handle.join();
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.finish();
    }
}
