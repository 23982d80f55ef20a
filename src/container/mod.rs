//! Containers under a real OCI runtime: the seccomp agent protocol runc speaks
//! (`linux.seccomp.listenerPath`), test-runs and recordings in a runc container, and the
//! long-running agent that serves many containers at once.

pub mod agent;
pub mod bundle;
pub mod listener;
pub mod naming;
pub mod observe;
pub mod profile;
pub mod recorder;
pub mod runtime;
pub mod session;
