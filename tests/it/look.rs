//! Readable at a glance (issue 15): every text on a selected or highlighted row reaches WCAG AA
//! (4.5:1) in every bundled theme, measured on what ratatui's TestBackend holds.

use crate::support::{TempDir, root};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use seccompose::catalog::{Arch, CATEGORIES};
use seccompose::policy::context::{Context, Engine};
use seccompose::profile::{Document, KernelVersion};
use seccompose::tui::app::update::{Msg, update};
use seccompose::tui::app::view::{self, Areas};
use seccompose::tui::app::{App, Focus, Tab};
use seccompose::tui::features::run::RunPane;
use seccompose::tui::features::run::history::History;
use seccompose::tui::theme::{BUILTIN, Theme, contrast};
use std::time::{Duration, Instant};

/// WCAG AA for normal text.
const AA: f64 = 4.5;

fn context() -> Context {
    Context {
        native: Arch::X86_64,
        kernel: KernelVersion { major: 6, minor: 8 },
        ..Context::for_engine(Engine::Docker)
    }
}

pub fn app(profile: &str) -> App {
    App::new(Document::open(&root().join(profile)).unwrap(), context(), Theme::builtin("dark").unwrap())
}

fn send(app: &mut App, msgs: &[Msg]) {
    for m in msgs {
        update(app, *m);
    }
}

fn search(app: &mut App, query: &str) {
    send(app, &[Msg::StartSearch]);
    send(app, &query.chars().map(Msg::Type).collect::<Vec<_>>());
    send(app, &[Msg::Enter]);
}

pub fn buffer(app: &mut App, width: u16, height: u16) -> Buffer {
    app.prepare_view();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::draw(frame, app)).unwrap();
    terminal.backend().buffer().clone()
}

/// Which cells a scenario measures.
enum Cells {
    /// Every visible cell on the selection's background (the focused selection).
    Selection,
    /// Every visible cell of the row of `area` (from the layout) showing `text`: an unfocused
    /// selection, shown with its own colours (bold or the accent).
    Row(fn(&Areas) -> Rect, fn(&App) -> String),
}

struct Scenario {
    element: &'static str,
    profile: &'static str,
    setup: fn(&mut App),
    cells: Cells,
}

fn selected_name(app: &App) -> String {
    app.selected().unwrap().name.to_string()
}

fn scenarios() -> Vec<Scenario> {
    use Cells::*;
    let fg = "profiles/fine-grained.json";
    let moby = "tests/fixtures/reference/moby-default.json";
    vec![
        Scenario { element: "categories (focused)", profile: fg, setup: |a| send(a, &[Msg::Left]), cells: Selection },
        Scenario {
            element: "categories (unfocused)",
            profile: fg,
            setup: |_| {},
            cells: Row(|a| a.categories, |app| CATEGORIES[app.category].title.to_string()),
        },
        Scenario {
            element: "syscalls (focused)",
            profile: moby,
            setup: |a| search_then_list(a, "ptrace"),
            cells: Selection,
        },
        Scenario {
            element: "syscalls (unfocused)",
            profile: moby,
            setup: |a| {
                search_then_list(a, "ptrace");
                send(a, &[Msg::Left]);
            },
            cells: Row(|a| a.syscalls, selected_name),
        },
        Scenario { element: "search hits", profile: moby, setup: |a| search(a, "mount"), cells: Selection },
        Scenario {
            element: "lint findings",
            profile: moby,
            setup: |a| send(a, &[Msg::ClickTab(Tab::Lint), Msg::Down]),
            cells: Selection,
        },
        Scenario {
            element: "tab bar",
            profile: fg,
            setup: |a| send(a, &[Msg::ClickTab(Tab::Lint)]),
            cells: Row(|a| a.tabs, |_| "Lint".into()),
        },
        Scenario {
            element: "compare rows",
            profile: fg,
            setup: |a| seccompose::tui::app::compare::open_named(a, "runtime-default"),
            cells: Selection,
        },
        Scenario {
            element: "action picker",
            profile: fg,
            setup: |a| send(a, &[Msg::Pick, Msg::Down]),
            cells: Selection,
        },
        Scenario { element: "rules editor", profile: moby, setup: |a| rules(a), cells: Selection },
        Scenario { element: "architectures", profile: fg, setup: |a| send(a, &[Msg::Arches]), cells: Selection },
        Scenario { element: "run-pane denials", profile: "profiles/violation.json", setup: run_echo, cells: Selection },
    ]
}

/// The list (not the category) shows the search's hit with the cursor on it.
fn search_then_list(app: &mut App, query: &str) {
    search(app, query);
    app.focus = Focus::Syscalls;
}

fn rules(app: &mut App) {
    search(app, "clone");
    send(app, &[Msg::Rules, Msg::Down]);
}

/// Runs `/bin/echo` under violation.json: its denials fill the pane, the first selected.
fn run_echo(app: &mut App) {
    run_command(app, "/bin/echo hi");
}

fn run_command(app: &mut App, command: &str) {
    let dir = TempDir::new("look-denials");
    let history = History::load(&dir.path().join("data"));
    app.run = Some(RunPane { input: command.into(), history, size: (20, 80), ..RunPane::default() });
    app.focus = Focus::Run;
    seccompose::tui::app::step(app, Msg::Rerun);
    let start = Instant::now();
    while app.run.as_ref().unwrap().is_running() {
        seccompose::tui::app::run_pane::tick(app);
        assert!(start.elapsed() < Duration::from_secs(30), "echo did not end");
        std::thread::sleep(Duration::from_millis(5));
    }
    seccompose::tui::app::run_pane::tick(app);
    assert!(!app.run.as_ref().unwrap().denials().is_empty(), "{command} under violation.json is denied something");
}

/// The lowest contrast among the measured cells, with the worst cell's colours and symbol.
struct Measure {
    cells: usize,
    worst: f64,
    what: String,
}

fn measure(app: &App, buf: &Buffer, cells: &Cells) -> Measure {
    let theme = &app.theme;
    let selection_bg = theme.selection().bg.unwrap();
    let chosen: Vec<(u16, u16)> = match cells {
        Cells::Selection => buf
            .area
            .positions()
            .filter(|p| buf[*p].bg == selection_bg && p.y + 2 < buf.area.height) // not the status bar
            .map(|p| (p.x, p.y))
            .collect(),
        Cells::Row(area, text) => {
            let areas = Areas::compute(buf.area, app.run.is_some()).unwrap();
            let area = area(&areas);
            let text = text(app);
            let row = (area.y..area.bottom()).find(|y| {
                let line: String = (area.x..area.right()).map(|x| buf[(x, *y)].symbol()).collect();
                line.contains(&text)
            });
            let row = row.unwrap_or_else(|| panic!("{text:?} not shown"));
            (area.x + 1..area.right() - 1).map(|x| (x, row)).collect()
        }
    };
    let mut m = Measure { cells: 0, worst: 21.0, what: String::new() };
    for (x, y) in chosen {
        let cell = &buf[(x, y)];
        if cell.symbol().trim().is_empty() || "│─┌┐└┘".contains(cell.symbol()) {
            continue;
        }
        m.cells += 1;
        let (fg, bg) = (theme.rgb(cell.fg, true), theme.rgb(cell.bg, false));
        let ratio = contrast(fg, bg);
        if ratio < m.worst {
            let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
            m.worst = ratio;
            m.what = format!("{:?} {} on {}", cell.symbol(), hex(fg), hex(bg));
        }
    }
    m
}

#[test]
fn every_selected_or_highlighted_cell_reaches_wcag_aa_in_every_theme() {
    let mut table = String::from("| element | theme | cells | lowest contrast | worst cell |\n|---|---|---|---|---|\n");
    let mut failures = Vec::new();
    for scenario in scenarios() {
        let mut app = app(scenario.profile);
        (scenario.setup)(&mut app);
        for (name, _) in BUILTIN {
            app.theme = Theme::builtin(name).unwrap();
            let buf = buffer(&mut app, 160, 45);
            let m = measure(&app, &buf, &scenario.cells);
            assert!(m.cells > 0, "{}: nothing measured in {name}", scenario.element);
            table += &format!("| {} | {name} | {} | {:.2} | {} |\n", scenario.element, m.cells, m.worst, m.what);
            if m.worst < AA {
                failures.push(format!("{} in {name}: {:.2} ({})", scenario.element, m.worst, m.what));
            }
        }
    }
    println!("{table}");
    assert!(failures.is_empty(), "below WCAG AA 4.5:1:\n{}", failures.join("\n"));
}

// ---- small terminals: responsive layout, whole items, snapshots ----

const SIZES: [(u16, u16); 3] = [(80, 24), (100, 30), (160, 45)];

/// The key hints as the status bar spells them (a shown hint must be one of these, whole).
const HINTS: &[&str] = &[
    "↑↓ move",
    "←→/Tab pane",
    "/ search",
    "Space allow⇄default",
    "Enter action",
    "d default",
    "u undo",
    "Ctrl-s save",
    "? help",
    "q quit",
];

fn text(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height).map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()).collect()
}

/// The screens the snapshots hold: the main screen with a syscall selected, the Lint tab,
/// the run pane open.
fn screen(name: &str) -> App {
    // Relative to the package (cargo runs tests there): the status bar shows no machine's path.
    let doc = Document::open(std::path::Path::new("profiles/fine-grained.json")).unwrap();
    let mut app = App::new(doc, context(), Theme::builtin("dark").unwrap());
    send(&mut app, &[Msg::Down, Msg::Down]);
    match name {
        "main" => {}
        "lint" => send(&mut app, &[Msg::ClickTab(Tab::Lint)]),
        "run" => {
            let dir = TempDir::new("look-run-snapshot");
            let history = History::load(&dir.path().join("data"));
            app.run = Some(RunPane { input: "ls -la /".into(), history, size: (10, 60), ..RunPane::default() });
        }
        _ => unreachable!(),
    }
    app
}

const SCREENS: [&str; 3] = ["main", "lint", "run"];

#[test]
fn screens_match_the_snapshots_at_three_sizes() {
    let dir = root().join("tests/snapshots");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut differ = Vec::new();
    for name in SCREENS {
        for (w, h) in SIZES {
            let mut app = screen(name);
            let shown = text(&buffer(&mut app, w, h)).join("\n") + "\n";
            let path = dir.join(format!("{name}-{w}x{h}.txt"));
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &shown).unwrap();
            }
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            if want != shown {
                differ.push(format!("{} differs (UPDATE_SNAPSHOTS=1 rewrites it):\n{shown}", path.display()));
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// The status bar is the two last rows: the first holds the file's name, the default action,
/// the context, the runtime and the undo count separated by " │ ", the second the key hints separated by
/// " · ". "No word cut" means: every piece between separators is one of those items exactly
/// (the whole item or nothing), and they come in their order.
#[test]
fn status_and_hints_show_whole_items_only_and_the_active_tab() {
    for name in SCREENS {
        for (w, h) in SIZES {
            let mut app = screen(name);
            let rows = text(&buffer(&mut app, w, h));
            let status = rows[h as usize - 2].trim();
            let default = "default ERRNO(1)";
            let name = app.doc.display_name();
            let items =
                [name.clone(), default.into(), app.ctx.node_summary(), app.ctx.runtime.to_string(), "undo 0".into()];
            let mut at = 0;
            for piece in status.split(" │ ") {
                // A long path may be shown as its file name alone: still a whole item.
                let whole = |i: &String| i == piece || (i == &name && name.ends_with(&format!("/{piece}")));
                let k = items[at..].iter().position(whole);
                let k = k.unwrap_or_else(|| {
                    panic!("{name} {w}×{h}: status piece {piece:?} is not a whole item of {items:?}")
                });
                at += k + 1;
            }
            let hints = rows[h as usize - 1].trim();
            let mut at = 0;
            for piece in hints.split(" · ") {
                let k = HINTS[at..].iter().position(|i| *i == piece);
                let k = k.unwrap_or_else(|| panic!("{name} {w}×{h}: hint {piece:?} is cut or unknown in {hints:?}"));
                at += k + 1;
            }
            assert!(hints.contains("? help") && hints.contains("q quit"), "{name} {w}×{h}: {hints:?}");
            let active = if name == "lint" { format!("4 Lint ({})", app.findings.len()) } else { "1 Syscall".into() };
            assert!(rows.iter().any(|r| r.contains(&active)), "{name} {w}×{h}: tab {active:?} not shown whole");
        }
    }
}

#[test]
fn narrow_screens_give_the_preview_room_and_keep_the_category_in_a_line() {
    let mut app = screen("main");
    let areas = Areas::compute(Rect::new(0, 0, 80, 24), false).unwrap();
    assert!(areas.detail.width >= 40, "the preview gets {} columns at 80", areas.detail.width);
    let rows = text(&buffer(&mut app, 80, 24));
    let category = CATEGORIES[app.category].title;
    assert!(rows.iter().any(|r| r.contains(category)), "the category is named:\n{}", rows.join("\n"));
    assert!(rows.iter().any(|r| r.contains("x86_64 ")), "the syscall numbers per arch show:\n{}", rows.join("\n"));
    // ← focuses the selector, ↓ changes the category, as in the categories pane.
    send(&mut app, &[Msg::Left, Msg::Down]);
    let next = CATEGORIES[app.category].title;
    assert_ne!(next, category);
    let rows = text(&buffer(&mut app, 80, 24));
    assert_eq!(app.focus, Focus::Categories);
    assert!(rows.iter().any(|r| r.contains(next)), "{}", rows.join("\n"));
}

#[test]
fn help_wraps_its_descriptions_at_80_columns() {
    let mut app = screen("main");
    send(&mut app, &[Msg::Help]);
    let rows = text(&buffer(&mut app, 80, 120));
    let shown = rows.join(" ").replace(['│', '┌', '┐', '└', '┘', '─'], " ");
    let shown = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    for binding in seccompose::tui::app::keymap::KEYMAP {
        let words = binding.help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(shown.contains(&words), "{:?} is cut:\n{}", binding.help, rows.join("\n"));
    }
}

#[test]
fn denial_arguments_are_whole_at_160_columns() {
    // violation.json denies execve: its sample is the program's path, made 40-odd characters.
    let dir = std::env::temp_dir().join(format!("sc-look-{}/a-longer-name", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let echo = dir.join("echo");
    let _ = std::fs::remove_file(&echo);
    std::os::unix::fs::symlink("/bin/echo", &echo).unwrap();
    let mut app = app("profiles/violation.json");
    run_command(&mut app, &format!("{} hi", echo.display()));
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    let rows = text(&buffer(&mut app, 160, 45)).join("\n");
    let denials = app.run.as_ref().unwrap().denials();
    let sampled: Vec<_> = denials.iter().filter_map(|d| d.samples.first()).collect();
    assert!(sampled.iter().any(|s| s.len() > 30), "long arguments: {sampled:?}");
    for sample in sampled {
        assert!(rows.contains(sample.as_str()), "{sample:?} is cut:\n{rows}");
    }
}

// ---- the smaller items ----

#[test]
fn a_long_prompt_input_shows_its_end() {
    let mut app = screen("main");
    send(&mut app, &[Msg::EditCaps]);
    let typed = ",CAP_NET_ADMIN,CAP_SYS_PTRACE,CAP_SYS_ADMIN,CAP_NET_RAW,CAP_SYS_TIME,CAP_SYSLOG";
    send(&mut app, &typed.chars().map(Msg::Type).collect::<Vec<_>>());
    let rows = text(&buffer(&mut app, 80, 24)).join("\n");
    assert!(rows.contains("CAP_SYS_TIME,CAP_SYSLOG▏"), "the end of what is typed shows:\n{rows}");
}

#[test]
fn the_compare_view_does_not_keep_the_editor_search() {
    let mut app = screen("main");
    search(&mut app, "sock");
    assert!(!app.query.is_empty());
    seccompose::tui::app::compare::open_named(&mut app, "runtime-default");
    assert!(app.query.is_empty(), "the editor's search is cleared when the view opens");
    let rows = text(&buffer(&mut app, 160, 45)).join("\n");
    let view = app.compare.as_ref().unwrap();
    assert_eq!(view.rows("").len(), view.rows(&app.query).len(), "every difference is listed");
    // The view's own search says so in its header.
    send(&mut app, &[Msg::StartSearch]);
    send(&mut app, &"sock".chars().map(Msg::Type).collect::<Vec<_>>());
    send(&mut app, &[Msg::Enter]);
    let filtered = text(&buffer(&mut app, 160, 45)).join("\n");
    assert!(filtered.contains("matching /sock"), "{rows}\n{filtered}");
}

#[test]
fn quitting_while_a_command_runs_says_so_not_unsaved_edits() {
    let mut app = screen("main");
    let dir = TempDir::new("look-quit");
    let history = History::load(&dir.path().join("data"));
    app.run = Some(RunPane { input: "/bin/sleep 20".into(), history, size: (10, 60), ..RunPane::default() });
    seccompose::tui::app::step(&mut app, Msg::Rerun);
    assert!(app.run.as_ref().unwrap().is_running());
    app.focus = Focus::Syscalls;
    send(&mut app, &[Msg::Quit]);
    let rows = text(&buffer(&mut app, 160, 45)).join("\n");
    seccompose::tui::app::step(&mut app, Msg::Escape);
    seccompose::tui::app::step(&mut app, Msg::Stop);
    assert!(!rows.contains("Unsaved edits"), "nothing is modified:\n{rows}");
    assert!(rows.contains("A command is running: stop it and quit?"), "{rows}");
}

#[test]
fn a_finding_about_the_whole_profile_does_not_claim_to_jump() {
    let mut app = screen("lint");
    assert!(app.findings[app.finding].syscall.is_none(), "fine-grained's first finding is about defaultAction");
    let rows = text(&buffer(&mut app, 160, 45)).join("\n");
    assert!(!rows.contains("jumps to its syscall"), "{rows}");
    assert!(rows.contains("about the whole profile"), "{rows}");
}

#[test]
fn empty_categories_are_not_listed() {
    let mut app = screen("main");
    let empty: Vec<&str> =
        CATEGORIES.iter().zip(&app.counts).filter(|(_, c)| c.total == 0).map(|(c, _)| c.title).collect();
    assert!(!empty.is_empty(), "x86_64 has an empty category (Other)");
    send(&mut app, &[Msg::Left]);
    send(&mut app, &vec![Msg::Down; CATEGORIES.len()]);
    assert!(app.counts[app.category].total > 0, "the cursor never rests on an empty category");
    let rows = text(&buffer(&mut app, 160, 80)).join("\n");
    for title in empty {
        assert!(!rows.contains(&format!("] {title} ")), "{title} listed:\n{rows}");
    }
}
