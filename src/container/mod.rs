//! Containers under a real OCI runtime: the seccomp agent protocol runc speaks
//! (`linux.seccomp.listenerPath`), and what serves it.

pub mod agent;
pub mod listener;
pub mod naming;
pub mod recorder;
