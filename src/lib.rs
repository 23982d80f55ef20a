//! seccompose: edit, explain, test-run and compare Linux seccomp profiles.

pub mod bpf;
pub mod catalog;
pub mod cli;
pub mod container;
pub mod fsutil;
pub mod kube;
pub mod policy;
pub mod profile;
pub mod sandbox;
pub mod text;
pub mod tui;
