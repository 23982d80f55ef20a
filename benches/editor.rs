//! Benchmark: the editor's speed and memory (DESIGN §7: first frame < 50 ms, a search keystroke
//! < 2 ms, memory < 30 MB). Draws on ratatui's TestBackend, so the figures are the editor's own
//! work without a terminal's.
//!
//! Issue 18: the same on a generated 5,000-rule, 6-arch profile (`profile::synth::arg_heavy`,
//! written to a temporary file and opened as a user would): open, a toggle (Space), a search
//! keystroke, a cursor move and one edit with the JSON tab shown, each under a frame (16 ms).
//!
//! `cargo bench --bench editor`. Prints a table.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use seccompose::catalog::Arch;
use seccompose::policy::context::Context;
use seccompose::profile::Document;
use seccompose::profile::limits::set_max_input_size;
use seccompose::profile::synth::arg_heavy;
use seccompose::tui::app::update::{Msg, update};
use seccompose::tui::app::view;
use seccompose::tui::app::{App, Focus, Tab};
use seccompose::tui::theme::Theme;
use std::path::Path;
use std::time::{Duration, Instant};

/// The binary's allocator (src/main.rs), so that the figures are the editor's as users run it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 21;
/// Fewer runs on the big profile: a slow edit there costs a lot more than on moby's.
const BIG_RUNS: usize = 9;
const BIG_RULES: usize = 5000;
const BIG_ARCHES: [Arch; 6] = [Arch::X86_64, Arch::X86, Arch::X32, Arch::Aarch64, Arch::Arm, Arch::Ppc64le];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Opening `path` as the editor does on a terminal ([`App::opening`]): the first frame (the
/// list, the profile's findings, verdicts pending), and the frame with every verdict and the
/// lint (what the event loop draws next, before it takes a key).
fn first_frame(path: &Path) -> (Duration, Duration) {
    let start = Instant::now();
    let doc = Document::open(path).unwrap();
    let mut app = App::opening(doc, Context::default(), Theme::builtin("dark").unwrap());
    app.prepare_view();
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    let first = start.elapsed();
    assert!(app.state.settle(), "the first frame was drawn before the evaluation");
    app.prepare_view();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    (first, start.elapsed())
}

/// The medians of `runs` openings: first frame, complete frame.
fn openings(path: &Path, runs: usize) -> (Duration, Duration) {
    let (first, complete): (Vec<Duration>, Vec<Duration>) = (0..runs).map(|_| first_frame(path)).unzip();
    (median(first), median(complete))
}

/// Each keystroke of `query` re-filters the whole catalog and redraws; the median keystroke.
fn search_keystroke(path: &Path, query: &str) -> (Duration, Duration) {
    let doc = Document::open(path).unwrap();
    let mut app = App::new(doc, Context::default(), Theme::builtin("dark").unwrap());
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
    // The frame shown before the search is typed (what it computes is not a keystroke's).
    app.prepare_view();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    update(&mut app, Msg::StartSearch);
    let mut times = Vec::new();
    for c in query.chars() {
        let start = Instant::now();
        update(&mut app, Msg::Type(c));
        app.prepare_view();
        terminal.draw(|frame| view::draw(frame, &app)).unwrap();
        times.push(start.elapsed());
    }
    let max = *times.iter().max().unwrap();
    (median(times), max)
}

/// One edit (toggle) with the JSON tab open: re-evaluate, re-lint, re-diff, redraw.
fn edit_with_json_tab(path: &Path, runs: usize) -> Duration {
    keystrokes(path, Tab::Json, Msg::Toggle, runs)
}

/// The editor on `path` with `tab` shown and the cursor on the first syscall a conditional rule
/// names (its rules are what an edit of it rewrites), drawn once.
fn opened(path: &Path, tab: Tab) -> (App, Terminal<TestBackend>) {
    let doc = Document::open(path).unwrap();
    let mut app = App::new(doc, Context::default(), Theme::builtin("dark").unwrap());
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
    update(&mut app, Msg::ClickTab(tab));
    app.focus = Focus::Syscalls;
    app.cursor = app.rows.iter().position(|r| r.conditional).unwrap_or(0);
    app.prepare_view();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    (app, terminal)
}

/// The median of `runs` presses of `msg`, each with the frame it causes.
fn keystrokes(path: &Path, tab: Tab, msg: Msg, runs: usize) -> Duration {
    let (mut app, mut terminal) = opened(path, tab);
    let times = (0..runs)
        .map(|_| {
            let start = Instant::now();
            update(&mut app, msg);
            app.prepare_view();
            terminal.draw(|frame| view::draw(frame, &app)).unwrap();
            start.elapsed()
        })
        .collect();
    median(times)
}

/// The first toggle of the listed unconditional syscall that the most rules name (allowed:
/// the toggle takes it out of each, far apart in the profile), and how many name it.
fn first_toggle_of_a_widely_named_syscall(path: &Path) -> (Duration, &'static str, usize) {
    let (mut app, mut terminal) = opened(path, Tab::Info);
    let named = |name: &str| app.doc.profile.rules.iter().filter(|r| r.all_names().any(|n| n == name)).count();
    let unconditional = (0..app.rows.len()).filter(|&i| !app.rows[i].conditional);
    let cursor = unconditional.max_by_key(|&i| named(app.rows[i].name)).unwrap_or(0);
    let (name, rules) = (app.rows[cursor].name, named(app.rows[cursor].name));
    app.cursor = cursor;
    let start = Instant::now();
    update(&mut app, Msg::Toggle);
    app.prepare_view();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    (start.elapsed(), name, rules)
}

/// The cursor walking down the list and back (↓ then ↑), one frame each.
fn cursor_moves(path: &Path, runs: usize) -> Duration {
    let (mut app, mut terminal) = opened(path, Tab::Info);
    app.cursor = 0;
    let times = (0..runs * 2)
        .map(|i| {
            let start = Instant::now();
            update(&mut app, if i < runs { Msg::Down } else { Msg::Up });
            app.prepare_view();
            terminal.draw(|frame| view::draw(frame, &app)).unwrap();
            start.elapsed()
        })
        .collect();
    median(times)
}

/// Issue 18's generated profile as a file a user would open: compact as generators write it
/// (1.0 MB, under the default input limit), or `pretty` (1.3 MB: opened with
/// `--max-input-size`), where an edit changes a few of its 60,000 lines.
fn big_profile(pretty: bool) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    let profile = arg_heavy(BIG_RULES, &BIG_ARCHES, 18);
    let text = if pretty { serde_json::to_string_pretty(&profile) } else { serde_json::to_string(&profile) }.unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    file
}

fn row(what: &str, t: Duration, target: &str) {
    println!("{:<44} {:>9.2} ms {:>10}", what, t.as_secs_f64() * 1e3, target);
}

/// The big profile's figures: every one is a keystroke, so every target is a frame.
fn big_rows() {
    let file = big_profile(false);
    let path = file.path();
    let name = format!("{BIG_RULES} rules x {} arches", BIG_ARCHES.len());
    let (first, complete) = openings(path, BIG_RUNS);
    row(&format!("first frame (open), {name}"), first, "< 16 ms");
    row("  the frame with every verdict and the lint", complete, "");
    row(&format!("toggle (Space), {name}"), keystrokes(path, Tab::Info, Msg::Toggle, BIG_RUNS), "< 16 ms");
    let first: Vec<Duration> = (0..BIG_RUNS).map(|_| keystrokes(path, Tab::Info, Msg::Toggle, 1)).collect();
    row("  the first toggle after opening", median(first), "< 16 ms");
    let wide: Vec<_> = (0..BIG_RUNS).map(|_| first_toggle_of_a_widely_named_syscall(path)).collect();
    let (_, syscall, rules) = wide[0];
    let label = format!("  the same, {syscall} (named by {rules} rules)");
    row(&label, median(wide.iter().map(|w| w.0).collect()), "< 16 ms");
    let (search, max) = search_keystroke(path, "sock");
    row(&format!("search keystroke \"sock\", {name}"), search, "< 16 ms");
    println!("{:<44} {:>9.2} ms", "  (slowest keystroke)", max.as_secs_f64() * 1e3);
    row(&format!("cursor move (down/up), {name}"), cursor_moves(path, BIG_RUNS), "< 16 ms");
    row(&format!("one edit with the JSON diff shown, {name}"), edit_with_json_tab(path, BIG_RUNS), "< 16 ms");
    let pretty = big_profile(true);
    set_max_input_size(16 << 20);
    let t = edit_with_json_tab(pretty.path(), BIG_RUNS);
    row("  the same, pretty-printed (--max-input-size)", t, "< 16 ms");
}

/// The peak resident memory of this process: `VmHWM` (getrusage's maxrss would include the
/// parent's peak from before exec).
fn max_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("Linux reports VmHWM");
    let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024.0
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let moby = root.join("tests/fixtures/reference/moby-default.json");
    let fine = root.join("profiles/fine-grained.json");
    println!("{:<44} {:>12} {:>10}", "editor (TestBackend 160x45)", "median", "target");
    for (name, path) in [("moby default", &moby), ("fine-grained", &fine)] {
        let (first, complete) = openings(path, RUNS);
        row(&format!("first frame, {name}"), first, "< 50 ms");
        row("  the frame with every verdict and the lint", complete, "< 50 ms");
    }
    for query in ["mount", "sock", "time", "xyzzy"] {
        let (median, max) = search_keystroke(&moby, query);
        println!(
            "{:<44} {:>9.3} ms {:>10}   (max {:.3} ms)",
            format!("search keystroke \"{query}\", moby default"),
            median.as_secs_f64() * 1e3,
            "< 2 ms",
            max.as_secs_f64() * 1e3
        );
    }
    row("one edit with the JSON diff shown, moby", edit_with_json_tab(&moby, RUNS), "< 16 ms");
    // The high-water mark so far is that of editing Docker's profile (DESIGN §7's figure).
    println!("{:<44} {:>9.1} MB {:>10}", "peak memory so far (max RSS), moby", max_rss_mb(), "< 30 MB");
    big_rows();
    println!("{:<44} {:>9.1} MB", "peak memory with the 5,000-rule profiles", max_rss_mb());
}
