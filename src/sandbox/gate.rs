//! The child's wait between installing its filter and exec: a flag in memory shared with us.
//!
//! The child must not exec before we hold its notification listener (the listener fd is
//! close-on-exec) and, when we trace, before we have seized it. It used to wait in a notified
//! `getppid(cookie)` that a prefix in the filter recognised: the command could make that call
//! too, and the prefix stayed in its filter. Here the child waits without any syscall, spinning
//! on a word of a `MAP_SHARED` page; exec drops the mapping, so nothing of the wait is left for
//! the command to use, and the filter is the profile's program and nothing else.

use rustix::mm::{MapFlags, ProtFlags, mmap_anonymous, munmap};
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

const LEN: usize = 4096;

pub struct Gate {
    flag: NonNull<AtomicU32>,
}

// SAFETY: the page is only touched through the atomic.
unsafe impl Send for Gate {}
unsafe impl Sync for Gate {}

impl Gate {
    /// A closed gate, mapped before `fork` so the child shares it.
    pub fn new() -> io::Result<Gate> {
        // SAFETY: a fresh anonymous mapping; zero-filled, so the flag starts at 0 (closed).
        let ptr =
            unsafe { mmap_anonymous(std::ptr::null_mut(), LEN, ProtFlags::READ | ProtFlags::WRITE, MapFlags::SHARED) }?;
        let flag = NonNull::new(ptr.cast::<AtomicU32>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(Gate { flag })
    }

    fn flag(&self) -> &AtomicU32 {
        // SAFETY: the mapping lives until drop and is page-aligned.
        unsafe { self.flag.as_ref() }
    }

    /// Lets the child go on to exec.
    pub fn open(&self) {
        self.flag().store(1, Ordering::Release);
    }

    /// In the child: spins until the gate opens, making no syscall (async-signal-safe). The
    /// wait is short (the parent copies one fd, and seizes the child when it traces); if the
    /// parent dies meanwhile, PR_SET_PDEATHSIG ends the child.
    pub fn wait(&self) {
        while self.flag().load(Ordering::Acquire) == 0 {
            std::hint::spin_loop();
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        // SAFETY: our own mapping of LEN bytes; no reference to it outlives self.
        let _ = unsafe { munmap(self.flag.as_ptr().cast(), LEN) };
    }
}
