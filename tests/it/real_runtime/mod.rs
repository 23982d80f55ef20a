//! Real runc and crun against `seccompose explain` (feature `runtime-tests`, root): a static
//! probe makes raw syscalls inside busybox containers under several profiles, and each answer
//! the kernel gave is held against what explain predicts for that runtime.
//!
//! `cargo test --features runtime-tests --test it real_runtime -- --nocapture` prints the
//! agreement table (calls × runtime columns, per profile) and the cost figures.

mod agent;
mod bundle;
mod cases;
mod compare;
mod container;
mod editor;
mod matrix;
mod probe;
mod runtime;

use matrix::Matrix;
use std::sync::OnceLock;

/// One run of the matrix (about thirty containers), shared by the tests of this module.
fn matrix() -> &'static Matrix {
    static MATRIX: OnceLock<Matrix> = OnceLock::new();
    MATRIX.get_or_init(matrix::build)
}

fn print_once(m: &Matrix) {
    static PRINTED: OnceLock<()> = OnceLock::new();
    PRINTED.get_or_init(|| {
        println!("{}", m.render());
        println!("probe build (cc -static -O2): {:?}", m.costs.probe_build);
        for (rt, version, took) in &m.costs.start {
            println!("{} ({version}): one container, start to exit, median of 5: {took:?}", rt.name());
        }
    });
}

/// The goal of issue 16: explain agrees with the real runtimes on every call.
#[test]
fn explain_agrees_with_runc_and_crun() {
    let m = matrix();
    print_once(m);
    let disagreements = m.disagreements();
    let listed: Vec<String> =
        disagreements.iter().map(|((p, c, r), what)| format!("{p} | {c} | {r}: {what}")).collect();
    assert!(listed.is_empty(), "{} disagreement(s) with the real runtimes:\n{}", listed.len(), listed.join("\n"));
}
