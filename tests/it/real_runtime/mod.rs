//! Real runc and crun against `seccompose explain` (feature `runtime-tests`, root): a static
//! probe makes raw syscalls inside busybox containers under several profiles, and each answer
//! the kernel gave is held against what explain predicts for that runtime.
//!
//! `cargo test --features runtime-tests --test it real_runtime -- --nocapture` prints the
//! agreement table (calls × runtime columns, per profile) and the cost figures.

mod bundle;
mod cases;
mod compare;
mod known;
mod matrix;
mod probe;
mod runtime;

use matrix::{Key, Matrix};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Both tests read one run of the matrix (about twenty containers).
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

/// Until explain models the runtime (issue 16), it disagrees exactly where known.rs says: this
/// pins the harness's findings on current main, so a change in either shows up. Delete it with
/// known.rs when the goal above passes.
#[test]
fn explain_disagrees_exactly_where_issue_16_says() {
    let m = matrix();
    print_once(m);
    let found: BTreeSet<Key> = m.disagreements().into_iter().map(|(key, _)| key).collect();
    let known: BTreeSet<Key> = known::BEFORE_ISSUE_16
        .iter()
        .flat_map(|(profile, column, calls)| {
            calls.iter().map(|call| (profile.to_string(), column.to_string(), call.to_string()))
        })
        .collect();
    let show = |set: Vec<&Key>| set.iter().map(|(p, c, r)| format!("  {p} | {c} | {r}")).collect::<Vec<_>>().join("\n");
    let (new, gone): (Vec<&Key>, Vec<&Key>) = (found.difference(&known).collect(), known.difference(&found).collect());
    assert!(
        new.is_empty() && gone.is_empty(),
        "disagreements changed from the known set (known.rs)\nnew:\n{}\nno longer disagreeing:\n{}",
        show(new),
        show(gone)
    );
}
