//! The sandbox: installing filters, running commands under them, supervising notifications.

pub mod filter;
