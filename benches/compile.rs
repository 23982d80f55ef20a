//! Benchmark: our compiler next to libseccomp (optimize=1 and 2) on the same profiles, in one
//! run: program size, instructions executed per x86_64 syscall (all args 0), syscalls the
//! kernel's action cache holds, compile time and the kernel's install time.
//!
//! `cargo bench --features oracle --bench compile` (needs libseccomp-dev). Prints a table.

use seccompose::bpf::{self, Insn, compile::is_little_endian, reference, stats::stats};
use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::evaluator::Evaluator;
use seccompose::profile::Document;
use seccompose::sandbox::filter::PreparedFilter;
use std::time::{Duration, Instant};

#[path = "compile/generated.rs"]
mod generated;
#[path = "scaling.rs"]
mod scaling;

struct Row {
    profile: String,
    builder: &'static str,
    insns: usize,
    mean: f64,
    max: u32,
    cached: usize,
    compile: Duration,
    install: Option<Duration>,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median time of `f` over enough runs to take about 0.2 s; one run's when that one is long.
fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    std::hint::black_box(f());
    let first = start.elapsed();
    if first > Duration::from_millis(50) {
        return first;
    }
    let mut samples = vec![first];
    while samples.len() < 5 || (start.elapsed() < Duration::from_millis(200) && samples.len() < 2000) {
        let t = Instant::now();
        std::hint::black_box(f());
        samples.push(t.elapsed());
    }
    median(samples)
}

/// The kernel's time to install `program` (the seccomp() call), median over forked children.
fn install_time(program: &[Insn]) -> Option<Duration> {
    let filter = PreparedFilter::new(program);
    let mut samples = Vec::new();
    for _ in 0..40 {
        // Shared page: the child writes its measurement, then the parent kills it (the filter
        // may not even allow exiting).
        // SAFETY: anonymous shared mapping of one page, unmapped below.
        let page = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        } as *mut u64;
        if page as *mut libc::c_void == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: the child only reads the clock (vDSO), makes two syscalls and stores two words.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let t = Instant::now();
            let ok = filter.install(0).is_ok();
            let ns = t.elapsed().as_nanos() as u64;
            unsafe {
                page.add(1).write_volatile(ns);
                page.write_volatile(if ok { 1 } else { 2 });
                loop {
                    libc::pause();
                }
            }
        }
        let mut waited = 0;
        let status = loop {
            let s = unsafe { page.read_volatile() };
            if s != 0 || waited > 2000 {
                break s;
            }
            std::thread::sleep(Duration::from_millis(1));
            waited += 1;
        };
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        if status == 1 {
            samples.push(Duration::from_nanos(unsafe { page.add(1).read_volatile() }));
        }
        unsafe { libc::munmap(page as *mut libc::c_void, 4096) };
    }
    (!samples.is_empty()).then(|| median(samples))
}

fn measure(profile: &str, doc: &Document, ctx: &Context) -> Vec<Row> {
    let ev = Evaluator::new(&doc.profile, ctx).expect("the profile builds");
    let le = is_little_endian(ctx.native);
    let mut rows = Vec::new();
    let ours = bpf::compile(&ev).expect("compiles").program;
    let compile = time(|| bpf::compile(&Evaluator::new(&doc.profile, ctx).unwrap()).unwrap());
    let s = stats(&ours, le, Arch::X86_64);
    rows.push(Row {
        profile: profile.to_string(),
        builder: "seccompose",
        insns: s.instructions,
        mean: s.mean_executed,
        max: s.max_executed,
        cached: s.cached,
        compile,
        install: install_time(&ours),
    });
    for (builder, level) in [("libseccomp O1", 1), ("libseccomp O2", 2)] {
        let program = reference::build(&ev, level).expect("libseccomp builds it");
        let compile = time(|| reference::build(&ev, level).unwrap());
        let s = stats(&program, le, Arch::X86_64);
        rows.push(Row {
            profile: profile.to_string(),
            builder,
            insns: s.instructions,
            mean: s.mean_executed,
            max: s.max_executed,
            cached: s.cached,
            compile,
            install: install_time(&program),
        });
    }
    rows
}

fn main() {
    reference_profiles();
    generated::family();
    // SCALING=0 leaves out the scaling table (minutes: it runs the CLI on 5,000-rule profiles).
    if std::env::var("SCALING").as_deref() != Ok("0") {
        println!();
        scaling::main();
    }
}

fn reference_profiles() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ctx = |engine| Context { native: Arch::X86_64, ..Context::for_engine(engine) };
    let mut cases: Vec<(String, std::path::PathBuf, Context)> = vec![
        (
            "moby default (docker: x86_64+x86+x32)".into(),
            root.join("tests/fixtures/reference/moby-default.json"),
            ctx(Engine::Docker),
        ),
        (
            "containers-common (podman)".into(),
            root.join("tests/fixtures/reference/containers-common-seccomp.json"),
            ctx(Engine::Podman),
        ),
    ];
    for name in ["runtime-default", "fine-grained", "static-server", "batch-job", "audit", "violation"] {
        cases.push((format!("{name}.json"), root.join(format!("profiles/{name}.json")), ctx(Engine::Docker)));
    }
    println!(
        "{:<40} {:<14} {:>6} {:>10} {:>5} {:>7} {:>12} {:>12}",
        "profile", "builder", "insns", "mean exec", "max", "cached", "compile", "install"
    );
    for (name, path, ctx) in cases {
        let doc = Document::open(&path).expect("readable");
        for r in measure(&name, &doc, &ctx) {
            let install = r.install.map_or_else(|| "-".to_string(), |d| format!("{:.1} µs", d.as_secs_f64() * 1e6));
            println!(
                "{:<40} {:<14} {:>6} {:>10.1} {:>5} {:>7} {:>9.1} µs {:>12}",
                r.profile,
                r.builder,
                r.insns,
                r.mean,
                r.max,
                r.cached,
                r.compile.as_secs_f64() * 1e6,
                install
            );
        }
    }
}
