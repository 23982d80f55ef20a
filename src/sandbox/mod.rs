//! The sandbox: installing filters, running commands under them, supervising notifications.

pub mod decode;
pub mod descendants;
pub mod filter;
pub mod foreground;
pub mod gate;
pub mod notify;
pub mod observe;
pub mod pty;
pub mod session;
pub mod spawn;
pub mod supervisor;
pub mod trace;
