//! Benchmark: the editor's speed and memory (DESIGN §7: first frame < 50 ms, a search keystroke
//! < 2 ms, memory < 30 MB). Draws on ratatui's TestBackend, so the figures are the editor's own
//! work without a terminal's.
//!
//! `cargo bench --bench editor`. Prints a table.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use seccompose::policy::context::Context;
use seccompose::profile::Document;
use seccompose::tui::app::App;
use seccompose::tui::app::update::{Msg, update};
use seccompose::tui::app::view;
use seccompose::tui::theme::Theme;
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 21;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn first_frame(path: &Path) -> Duration {
    let start = Instant::now();
    let doc = Document::open(path).unwrap();
    let mut app = App::new(doc, Context::default(), Theme::builtin("dark").unwrap());
    app.prepare_view();
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    start.elapsed()
}

/// Each keystroke of `query` re-filters the whole catalog and redraws; the median keystroke.
fn search_keystroke(path: &Path, query: &str) -> (Duration, Duration) {
    let doc = Document::open(path).unwrap();
    let mut app = App::new(doc, Context::default(), Theme::builtin("dark").unwrap());
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
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
fn edit_with_json_tab(path: &Path) -> Duration {
    let doc = Document::open(path).unwrap();
    let mut app = App::new(doc, Context::default(), Theme::builtin("dark").unwrap());
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
    update(&mut app, Msg::ClickTab(seccompose::tui::app::Tab::Json));
    let times = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            update(&mut app, Msg::Toggle);
            app.prepare_view();
            terminal.draw(|frame| view::draw(frame, &app)).unwrap();
            start.elapsed()
        })
        .collect();
    median(times)
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
        let t = median((0..RUNS).map(|_| first_frame(path)).collect());
        println!("{:<44} {:>9.2} ms {:>10}", format!("first frame, {name}"), t.as_secs_f64() * 1e3, "< 50 ms");
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
    let t = edit_with_json_tab(&moby);
    println!("{:<44} {:>9.2} ms", "one edit with the JSON diff shown, moby", t.as_secs_f64() * 1e3);
    println!("{:<44} {:>9.1} MB {:>10}", "peak memory of this process (max RSS)", max_rss_mb(), "< 30 MB");
}
