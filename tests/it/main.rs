//! Integration tests: one binary, one module per area.

mod adversarial_run;
mod agent;
mod bounds;
mod cli;
mod cli_conventions;
mod compare_view;
mod compiler;
mod container_cli;
mod convert;
mod diff;
mod editor;
mod editor_pty;
mod effects;
mod evaluator_table;
mod fuzz;
mod guide;
mod import_audit;
mod invalid;
#[cfg(target_arch = "x86_64")]
mod kernel;
mod kube;
#[cfg(feature = "oracle")]
mod libseccomp_table;
mod lint_after_edits;
mod look;
#[cfg(feature = "oracle")]
mod oracle;
mod random_profile;
#[cfg(all(feature = "runtime-tests", target_arch = "x86_64"))]
mod real_runtime;
mod roundtrip;
mod run_pane;
mod runtime_rules;
mod safe_files;
mod sandbox;
mod shell;
mod spo;
mod support;
mod synth;
