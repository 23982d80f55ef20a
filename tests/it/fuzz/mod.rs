//! The fuzz suite's property tests: random and mutated inputs for every entry point that reads
//! outside data (JSON and YAML profiles, SPO bases, manifests, audit logs) and for the
//! compiler. Each case runs under a budget that fails it when exceeded:
//!
//! - time: the case's wall-clock time ([`CASE_TIME`], generous for a loaded debug build: the
//!   quadratic paths this guards against took seconds on inputs of a few KiB);
//! - memory: the peak of bytes allocated and not yet freed by the case's own thread, counted
//!   by the test binary's allocator ([`alloc`]); the loaders are single-threaded, so this is
//!   the case's real peak heap, measured per case even with tests running in parallel;
//! - output: findings and records linear in the input's size.
//!
//! Inputs are at most a few KiB (mutations of the bundled profiles and fixtures), so the budget
//! is hundreds of times the input. `PROPTEST_CASES` sets the cases per property (default 64:
//! the suite takes seconds in `cargo test`); `fuzz/` has cargo-fuzz targets for long runs.

pub mod alloc;
mod compiler;
mod inputs;
mod loaders;
mod mutate;

use proptest::test_runner::Config;
use std::time::{Duration, Instant};

/// Wall-clock time one case may take.
pub const CASE_TIME: Duration = Duration::from_secs(5);

/// Heap one case may hold at its peak.
pub const CASE_MEMORY: usize = 128 << 20;

/// Cases per property: `PROPTEST_CASES`, else 64.
pub fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64);
    // No regression files written into the source tree; a failure prints its minimal input.
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Runs one case and fails it when it takes longer than [`CASE_TIME`] or holds more than
/// [`CASE_MEMORY`] of heap at once. `what` describes the input for the failure message.
pub fn within_budget<T>(what: &str, case: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let (out, peak) = alloc::peak_during(case);
    let elapsed = started.elapsed();
    assert!(elapsed <= CASE_TIME, "{what}: took {elapsed:?} (budget {CASE_TIME:?})");
    assert!(peak <= CASE_MEMORY, "{what}: held {} MiB of heap (budget {} MiB)", peak >> 20, CASE_MEMORY >> 20);
    out
}

#[test]
fn the_budget_catches_a_case_over_it() {
    let held = std::panic::catch_unwind(|| within_budget("big", || vec![1u8; CASE_MEMORY + (1 << 20)].len()));
    assert!(held.is_err(), "a case holding more than the budget fails");
    let (_, peak) = alloc::peak_during(|| std::hint::black_box(vec![0u8; 10 << 20]).len());
    assert!(peak >= 10 << 20, "the allocator counts this thread's heap: {peak}");
}
