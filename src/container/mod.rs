//! Containers under a real OCI runtime: the seccomp agent protocol runc speaks
//! (`linux.seccomp.listenerPath`), and what serves it.

pub mod bundle;
pub mod listener;
pub mod observe;
pub mod profile;
pub mod runtime;
pub mod session;
