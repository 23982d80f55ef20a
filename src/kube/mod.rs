//! Kubernetes: reading workload manifests, resolving each container's seccomp profile, judging
//! it against the profiles on a node, and the rules for installing a profile there.
//!
//! No printing here: the `install` and `check-pod` subcommands format what these return.

pub mod install;
pub mod manifest;
pub mod pod_check;
pub mod recording;
