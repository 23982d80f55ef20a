//! Benchmark: the ecosystem formats. Reading and saving an SPO resource the size of Docker's
//! default against the same profile as JSON (the reference), converting it, and importing a
//! large kernel log.
//!
//! `cargo bench --bench formats`. Prints a table.

use seccompose::catalog::Arch;
use seccompose::policy::context::{Context, Engine};
use seccompose::policy::convert::{Format, Request, convert};
use seccompose::profile::audit_import::{Filter, Import};
use seccompose::profile::edit::{Setting, set_syscall};
use seccompose::profile::generate::Dialect;
use seccompose::profile::{ActionName, Document, KernelVersion};
use std::time::{Duration, Instant};

const RUNS: usize = 21;

fn median(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Opens, makes one edit, renders the text to save: what Ctrl-s costs after a toggle.
fn open_edit_render(text: &str) -> usize {
    let mut doc = Document::parse(text, "bench").unwrap();
    let mut value = doc.profile_value().clone();
    set_syscall(&mut value, "ptrace", Setting::Action(ActionName::Allow, None), (ActionName::Errno, Some(1)));
    doc.set_profile_value(value);
    doc.render().len()
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let json_text = std::fs::read_to_string(format!("{root}/profiles/runtime-default.json")).unwrap();
    let json = Document::parse(&json_text, "runtime-default.json").unwrap();
    let ctx = Context {
        native: Arch::X86_64,
        kernel: KernelVersion { major: 6, minor: 8 },
        ..Context::for_engine(Engine::Docker)
    };
    let spo = convert(&json, &Request { to: Format::Spo, name: Some("runtime-default"), resolve: Some(&ctx) }).unwrap();
    // The reference: the same rules as plain OCI JSON (the SPO resource's conditions are resolved).
    let spo_doc = Document::parse(&spo.text, "s").unwrap();
    let oci_text = convert(&spo_doc, &Request { to: Format::Oci, name: None, resolve: None }).unwrap().text;
    println!(
        "Docker's default profile resolved for x86_64: {} bytes as OCI JSON, {} bytes as an SPO resource\n",
        oci_text.len(),
        spo.text.len()
    );
    println!("{:<44} {:>12} {:>12} {:>8}", "operation (median of 21)", "JSON", "SPO YAML", "ratio");
    let row = |name: &str, a: Duration, b: Duration| {
        println!("{name:<44} {:>12} {:>12} {:>7.1}×", ms(a), ms(b), b.as_secs_f64() / a.as_secs_f64());
    };
    let open_json = median(|| drop(Document::parse(&oci_text, "j").unwrap()));
    let open_spo = median(|| drop(Document::parse(&spo.text, "s").unwrap()));
    row("open (parse, read, lint-free model)", open_json, open_spo);
    let edit_json = median(|| {
        std::hint::black_box(open_edit_render(&oci_text));
    });
    let edit_spo = median(|| {
        std::hint::black_box(open_edit_render(&spo.text));
    });
    row("open, toggle ptrace, render the save", edit_json, edit_spo);
    let to_spo =
        median(|| drop(convert(&json, &Request { to: Format::Spo, name: None, resolve: Some(&ctx) }).unwrap()));
    let to_oci = median(|| drop(convert(&spo_doc, &Request { to: Format::Oci, name: None, resolve: None }).unwrap()));
    println!("{:<44} {:>12}", "convert Docker JSON -> SPO (conditions resolved)", ms(to_spo));
    println!("{:<44} {:>12}", "convert SPO -> OCI", ms(to_oci));

    // A kernel log of 200,000 lines, one in four a seccomp record.
    let record = "Nov 29 10:14:02 worker-1 kernel: [ 4120.100137] audit: type=1326 audit(1764411262.121:5121): auid=4294967295 uid=65532 gid=65532 ses=4294967295 subj=cri-containerd.apparmor.d pid=41207 comm=\"http-echo\" exe=\"/http-echo\" sig=0 arch=c000003e syscall=";
    let other = "Nov 29 10:14:02 worker-1 containerd[812]: time=\"2026-11-29T10:14:00.902116Z\" level=info msg=\"StartContainer returns successfully\"\n";
    let mut log = String::new();
    for i in 0..200_000u32 {
        if i % 4 == 0 {
            log.push_str(&format!("{record}{} compat=0 ip=0x46b2ee code=0x7ffc0000\n", i % 330));
        } else {
            log.push_str(other);
        }
    }
    let import = median(|| {
        let mut import = Import::new(Filter::default());
        import.add_text("bench.log", &log);
        drop(import.profile(Arch::X86_64, Dialect::Oci));
    });
    let mb = log.len() as f64 / 1e6;
    println!(
        "{:<44} {:>12}   ({:.1} MB, {:.0} MB/s, {:.2} M lines/s)",
        "import-audit: 200,000 lines, 50,000 records",
        ms(import),
        mb,
        mb / import.as_secs_f64(),
        0.2 / import.as_secs_f64()
    );
}
