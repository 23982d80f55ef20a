//! A value made on another thread and waited for where it is first needed: opening a big
//! profile draws its first frame while its value is still being made.

use nix::sys::signal::{SigSet, Signal};
use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::thread::JoinHandle;

/// The signals that end a process and are not caused by what a thread does.
const ASYNC_SIGNALS: [Signal; 4] = [Signal::SIGHUP, Signal::SIGINT, Signal::SIGTERM, Signal::SIGQUIT];

/// `T`, ready or being made by a thread of its own.
pub(super) struct Later<T> {
    ready: OnceCell<T>,
    making: RefCell<Option<JoinHandle<T>>>,
}

impl<T: Send + 'static> Later<T> {
    pub(super) fn ready(value: T) -> Later<T> {
        Later { ready: OnceCell::from(value), making: RefCell::new(None) }
    }

    /// `make` on a thread of its own; the error when no thread can be started (a process or
    /// cgroup limit): the caller makes the value itself then.
    pub(super) fn spawn(make: impl FnOnce() -> T + Send + 'static) -> std::io::Result<Later<T>> {
        let handle = std::thread::Builder::new().spawn(move || {
            // Signals sent to the process go to a thread that expects them (the editor's
            // signal thread, else the main thread), not to this one, which may still be
            // running when a terminal hangs up: their default action would end the process
            // from here, before the editor restores the terminal.
            let _ = SigSet::from_iter(ASYNC_SIGNALS).thread_block();
            make()
        })?;
        Ok(Later { ready: OnceCell::new(), making: RefCell::new(Some(handle)) })
    }

    /// The value, waiting for its thread the first time. A panic there is raised here.
    pub(super) fn get(&self) -> &T {
        self.ready.get_or_init(|| {
            let handle = self.making.borrow_mut().take().expect("a value not ready is being made");
            handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    pub(super) fn get_mut(&mut self) -> &mut T {
        self.get();
        self.ready.get_mut().expect("got above")
    }
}

/// A copy is of the value: the thread is waited for first.
impl<T: Clone + Send + 'static> Clone for Later<T> {
    fn clone(&self) -> Later<T> {
        Later::ready(self.get().clone())
    }
}

impl<T: fmt::Debug> fmt::Debug for Later<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ready.get() {
            Some(value) => value.fmt(f),
            None => f.write_str("(being made)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_made_later_is_the_value_made_and_copies_are_its_own() {
        let later = Later::spawn(|| vec![1, 2, 3]).unwrap();
        let mut copy = later.clone();
        copy.get_mut().push(4);
        assert_eq!(later.get(), &vec![1, 2, 3]);
        assert_eq!(copy.get(), &vec![1, 2, 3, 4]);
        assert_eq!(format!("{:?}", Later::ready(7)), "7");
    }

    #[test]
    #[should_panic(expected = "made wrong")]
    fn a_panic_while_making_is_raised_where_the_value_is_asked_for() {
        let later: Later<u8> = Later::spawn(|| panic!("made wrong")).unwrap();
        later.get();
    }
}
