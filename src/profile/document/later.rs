//! A value made on another thread and waited for where it is first needed: opening a big
//! profile draws its first frame before its value is made.

use nix::sys::signal::{SigSet, Signal};
use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// The signals that end a process and are not caused by what a thread does.
const ASYNC_SIGNALS: [Signal; 4] = [Signal::SIGHUP, Signal::SIGINT, Signal::SIGTERM, Signal::SIGQUIT];

/// `T`, ready or made by a thread of its own once started.
pub(super) struct Later<T> {
    ready: OnceCell<T>,
    making: RefCell<Option<JoinHandle<Option<T>>>>,
    /// Starts the thread's work; dropped unsent, the thread ends without making anything.
    start: RefCell<Option<Sender<()>>>,
}

impl<T: Send + 'static> Later<T> {
    pub(super) fn ready(value: T) -> Later<T> {
        Later { ready: OnceCell::from(value), making: RefCell::new(None), start: RefCell::new(None) }
    }

    /// `make` on a thread of its own, once [`Later::start`]ed (or asked for); the error when
    /// no thread can be started (a process or cgroup limit): the caller makes the value itself
    /// then. The thread is there from now on, so that starting it later cannot fail.
    pub(super) fn spawn(make: impl FnOnce() -> T + Send + 'static) -> std::io::Result<Later<T>> {
        let (start, started): (Sender<()>, Receiver<()>) = channel();
        let handle = std::thread::Builder::new().spawn(move || {
            // Signals sent to the process go to a thread that expects them (the editor's
            // signal thread, else the main thread), not to this one, which may still be
            // running when a terminal hangs up: their default action would end the process
            // from here, before the editor restores the terminal.
            let _ = SigSet::from_iter(ASYNC_SIGNALS).thread_block();
            started.recv().ok().map(|()| make())
        })?;
        Ok(Later { ready: OnceCell::new(), making: RefCell::new(Some(handle)), start: RefCell::new(Some(start)) })
    }

    /// Lets the thread make the value now (it waits until then: while a big profile's first
    /// frame is made, a second core is better spent there).
    pub(super) fn start(&self) {
        if let Some(start) = self.start.borrow_mut().take() {
            // The thread only ends after it received this, or once it is dropped unsent.
            let _ = start.send(());
        }
    }

    /// Whether the value is made, or being made.
    pub(super) fn is_started(&self) -> bool {
        self.start.borrow().is_none()
    }

    /// The value, started and waited for the first time. A panic there is raised here.
    pub(super) fn get(&self) -> &T {
        self.ready.get_or_init(|| {
            self.start();
            let handle = self.making.borrow_mut().take().expect("a value not ready is being made");
            let made = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            made.expect("a started thread makes its value")
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
        later.start();
        let mut copy = later.clone();
        copy.get_mut().push(4);
        assert_eq!(later.get(), &vec![1, 2, 3]);
        assert_eq!(copy.get(), &vec![1, 2, 3, 4]);
        assert_eq!(format!("{:?}", Later::ready(7)), "7");
    }

    /// Nothing is made before it is started or asked for, and a value never started is never
    /// made.
    #[test]
    fn the_thread_waits_to_be_started_and_ends_unused() {
        let made = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = |made: &std::sync::Arc<std::sync::atomic::AtomicUsize>| {
            let made = made.clone();
            move || made.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 10
        };
        let asked = Later::spawn(count(&made)).unwrap();
        let unused = Later::spawn(count(&made)).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 0, "waiting to be started");
        assert_eq!(*asked.get(), 10, "asked for: started and made");
        let handle = unused.making.borrow_mut().take().unwrap();
        drop(unused);
        assert!(handle.join().unwrap().is_none(), "dropped unstarted: ends without making");
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    #[should_panic(expected = "made wrong")]
    fn a_panic_while_making_is_raised_where_the_value_is_asked_for() {
        let later: Later<u8> = Later::spawn(|| panic!("made wrong")).unwrap();
        later.get();
    }
}
