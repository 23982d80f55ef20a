//! Benchmark: the libseccomp knowledge. The bundled table's size, parsing one release's answers
//! from it, and asking the host's `libseccomp.so.2` about every name on every arch (what
//! `Libseccomp::host()` does once per process).
//!
//! `cargo bench --bench libseccomp`. Prints the figures.

use seccompose::catalog::Version;
use seccompose::catalog::libseccomp::{Libseccomp, measure};
use std::time::{Duration, Instant};

const RUNS: usize = 21;

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn median<T>(mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| timed(&mut f).1).collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let v = Version::new(2, 5, 4);
    println!("bundled data file: {} bytes", measure::data_bytes());
    // First use: the header and the release's rows, as a command pays it once.
    let (lib, first) = timed(|| Libseccomp::release(v).map(|l| l.names(seccompose::catalog::Arch::X86_64).len()));
    println!("first Libseccomp::release(2.5.4) (header + release): {} ({lib:?} names on x86_64)", ms(first));
    let names = measure::parse_release(v);
    println!(
        "parse one release (2.5.4, median of {RUNS}): {} ({names:?} names)",
        ms(median(|| measure::parse_release(v)))
    );
    let (host, first) = timed(Libseccomp::host);
    println!(
        "first Libseccomp::host(): {} ({})",
        ms(first),
        host.map_or("no libseccomp.so.2".into(), |h| h.to_string())
    );
    if host.is_some() {
        let known = measure::load_host();
        println!("host table anew (median of {RUNS}): {} ({known:?} names)", ms(median(measure::load_host)));
    }
}
