//! The editor without a terminal: messages in, state and effects out (state tests), and what
//! ratatui's TestBackend shows (render tests).

use crate::support::{TempDir, render, root};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyModifiers;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use seccompose::catalog::{Arch, CATEGORIES};
use seccompose::policy::context::{Context, Engine};
use seccompose::profile::{Action, Document, KernelVersion};
use seccompose::tui::app::update::{Effect, Msg, update};
use seccompose::tui::app::view;
use seccompose::tui::app::{App, Focus, Mode, Tab};
use seccompose::tui::state::preview::{DiffLine, json_diff};
use seccompose::tui::theme::Theme;
use seccompose::tui::{mouse_msg, perform};
use std::path::Path;

/// A fixed context so that figures do not depend on the machine running the tests.
fn context() -> Context {
    Context {
        native: Arch::X86_64,
        kernel: KernelVersion { major: 6, minor: 8 },
        ..Context::for_engine(Engine::Docker)
    }
}

fn open(path: &Path) -> App {
    App::new(Document::open(path).unwrap(), context(), Theme::builtin("dark").unwrap())
}

fn fine_grained() -> App {
    open(&root().join("profiles/fine-grained.json"))
}

fn moby() -> App {
    open(&root().join("tests/fixtures/reference/moby-default.json"))
}

fn send(app: &mut App, msgs: &[Msg]) -> Vec<Effect> {
    msgs.iter().flat_map(|m| update(app, *m)).collect()
}

fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(Msg::Type).collect()
}

fn search(app: &mut App, query: &str) {
    send(app, &[Msg::StartSearch]);
    send(app, &typed(query));
    send(app, &[Msg::Enter]);
}

// ---- state ----

#[test]
fn search_finds_the_syscall_first_and_marks_the_matched_characters() {
    let mut app = fine_grained();
    search(&mut app, "mount");
    assert_eq!(app.mode, Mode::Normal);
    let first = app.selected().unwrap();
    assert_eq!(first.name, "mount");
    assert_eq!(first.matched, vec![0, 1, 2, 3, 4]);
    assert!(app.rows.iter().any(|r| r.name == "umount2"), "fuzzy matches follow");
    send(&mut app, &[Msg::Escape]);
    assert!(app.query.is_empty(), "Esc clears the search");
    assert_eq!(app.rows.len(), app.counts[app.category].total, "back to the category");
}

#[test]
fn toggling_allows_then_undo_and_redo_restore_exactly() {
    let mut app = fine_grained();
    let before = app.doc.profile_value().clone();
    search(&mut app, "mount");
    assert_ne!(app.decide("mount"), Action::Allow);
    send(&mut app, &[Msg::Toggle]);
    assert_eq!(app.decide("mount"), Action::Allow);
    assert!(app.doc.is_modified());
    send(&mut app, &[Msg::Undo]);
    assert_eq!(app.doc.profile_value(), &before);
    assert!(!app.doc.is_modified());
    send(&mut app, &[Msg::Redo]);
    assert_eq!(app.decide("mount"), Action::Allow);
    send(&mut app, &[Msg::Toggle]);
    assert_eq!(app.decide("mount"), Action::Errno(1), "Space again: back to the default");
}

#[test]
fn a_whole_category_toggles_and_the_counts_follow() {
    let mut app = fine_grained();
    let mounts = CATEGORIES.iter().position(|c| c.id == "mount").unwrap();
    send(&mut app, &[Msg::ClickCategory(mounts)]);
    assert_eq!(app.focus, Focus::Categories);
    assert_eq!(app.counts[mounts].allowed, Some(0));
    send(&mut app, &[Msg::Toggle]);
    let count = app.counts[mounts];
    assert_eq!(count.allowed, Some(count.total), "all allowed");
    assert!(app.rows.iter().all(|r| r.action == Some(Action::Allow)));
    send(&mut app, &[Msg::Toggle]);
    assert_eq!(app.counts[mounts].allowed, Some(0), "all back to the default");
    assert_eq!(app.undo.len(), 2, "one undo step per category toggle");
}

#[test]
fn toggles_never_flatten_conditional_rules() {
    let mut app = moby();
    let conditional_before = app.doc.profile.rules.iter().filter(|r| r.is_conditional()).count();
    search(&mut app, "personality");
    assert!(app.selected().unwrap().conditional);
    send(&mut app, &[Msg::Toggle]);
    assert_eq!(app.decide("personality"), Action::Allow);
    send(&mut app, &[Msg::Toggle]);
    let conditional_after = app.doc.profile.rules.iter().filter(|r| r.is_conditional()).count();
    assert_eq!(conditional_after, conditional_before);
    let ev = app.evaluator.as_ref().unwrap();
    let per_linux32 = ev.decide_name(Arch::X86_64, "personality", &[8, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(per_linux32.action, Action::Allow, "the conditional allow still applies");
    let other = ev.decide_name(Arch::X86_64, "personality", &[0x1234, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(other.action, Action::Errno(1));
}

#[test]
fn the_picker_sets_an_errno_by_name_and_rejects_nonsense() {
    let mut app = fine_grained();
    search(&mut app, "ptrace");
    send(&mut app, &[Msg::Pick]);
    assert!(matches!(app.mode, Mode::Pick { .. }));
    send(&mut app, &[Msg::Down, Msg::Down, Msg::Down, Msg::Enter]);
    assert!(matches!(app.mode, Mode::Prompt { .. }), "the 4th choice asks for a value");
    send(&mut app, &typed("EBUSY"));
    send(&mut app, &[Msg::Enter]);
    assert_eq!(app.decide("ptrace"), Action::Errno(16));
    send(&mut app, &[Msg::Pick, Msg::Down, Msg::Down, Msg::Down, Msg::Enter]);
    send(&mut app, &typed("5000"));
    send(&mut app, &[Msg::Enter]);
    assert_eq!(app.decide("ptrace"), Action::Errno(16), "unchanged");
    assert!(app.message.as_deref().unwrap().contains("not an errno"));
}

#[test]
fn the_default_action_and_errno_are_edited_from_the_picker() {
    let mut app = fine_grained();
    search(&mut app, "ptrace");
    send(&mut app, &[Msg::PickDefault, Msg::Down, Msg::Down, Msg::Enter]);
    assert_eq!(app.doc.profile.default_errno_ret, Some(38), "errno ENOSYS");
    assert_eq!(app.decide("ptrace"), Action::Errno(38));
    let kill = seccompose::tui::features::prompt::choices(seccompose::tui::app::Target::Default)
        .iter()
        .position(|(label, _)| *label == "kill process")
        .unwrap();
    send(&mut app, &[Msg::PickDefault]);
    send(&mut app, &vec![Msg::Down; kill]);
    send(&mut app, &[Msg::Enter]);
    assert_eq!(app.decide("ptrace"), Action::KillProcess);
    assert_eq!(app.doc.profile.default_errno_ret, None, "defaultErrnoRet goes with ERRNO");
}

#[test]
fn conditions_are_added_edited_and_removed_in_the_rules_editor() {
    let mut app = fine_grained();
    search(&mut app, "socket");
    assert_eq!(app.selected().unwrap().name, "socket");
    // Back to the default first: no unconditional rule names it.
    send(&mut app, &[Msg::Pick]);
    send(&mut app, &[Msg::Down; 12]);
    send(&mut app, &[Msg::Enter]);
    assert_eq!(app.decide("socket"), Action::Errno(1));
    send(&mut app, &[Msg::Rules]);
    let items = seccompose::tui::features::rules::items(&app);
    assert_eq!(items.last(), Some(&seccompose::tui::features::rules::Item::NewRule));
    send(&mut app, &vec![Msg::Down; items.len()]);
    send(&mut app, &[Msg::Enter, Msg::Enter]); // new rule, op ==
    send(&mut app, &typed("0 AF_UNIX"));
    send(&mut app, &[Msg::Enter]);
    assert!(matches!(app.mode, Mode::Rules { .. }));
    let ev = app.evaluator.as_ref().unwrap();
    assert_eq!(ev.decide_name(Arch::X86_64, "socket", &[1, 0, 0, 0, 0, 0]).unwrap().action, Action::Allow);
    assert_eq!(ev.decide_name(Arch::X86_64, "socket", &[2, 0, 0, 0, 0, 0]).unwrap().action, Action::Errno(1));
    // Edit it to AF_INET6 with the op picker: the condition is item 1 (after its rule).
    let items = seccompose::tui::features::rules::items(&app);
    let cond = items.iter().position(|i| matches!(i, seccompose::tui::features::rules::Item::Condition(..))).unwrap();
    send(&mut app, &[Msg::Up; 10]);
    send(&mut app, &vec![Msg::Down; cond]);
    send(&mut app, &[Msg::Enter, Msg::Enter]);
    let Mode::Prompt { input, .. } = &app.mode else { panic!("{:?}", app.mode) };
    assert_eq!(input, "0 1", "the prompt starts from the current condition");
    send(&mut app, &[Msg::Backspace]);
    send(&mut app, &typed("AF_INET6"));
    send(&mut app, &[Msg::Enter]);
    let ev = app.evaluator.as_ref().unwrap();
    assert_eq!(ev.decide_name(Arch::X86_64, "socket", &[10, 0, 0, 0, 0, 0]).unwrap().action, Action::Allow);
    // A comment, then remove the condition: the rule is unconditional again.
    send(&mut app, &[Msg::Up; 10]);
    send(&mut app, &vec![Msg::Down; cond - 1]);
    send(&mut app, &[Msg::Comment]);
    send(&mut app, &typed("IPv6 only"));
    send(&mut app, &[Msg::Enter]);
    assert!(app.doc.profile.rules.iter().any(|r| r.comment.as_deref() == Some("IPv6 only")));
    send(&mut app, &[Msg::Down, Msg::Remove]);
    assert_eq!(app.decide("socket"), Action::Allow);
    assert!(app.doc.profile.rules.iter().all(|r| !r.is_conditional() || !r.all_names().any(|n| n == "socket")));
}

/// Issue 15: a condition typed by name is echoed by name, with its number.
#[test]
fn conditions_are_echoed_with_the_catalogs_names() {
    let mut app = fine_grained();
    search(&mut app, "socket");
    send(&mut app, &[Msg::Pick]);
    send(&mut app, &[Msg::Down; 12]);
    send(&mut app, &[Msg::Enter, Msg::Rules]);
    let items = seccompose::tui::features::rules::items(&app);
    send(&mut app, &vec![Msg::Down; items.len()]);
    send(&mut app, &[Msg::Enter, Msg::Enter]); // new rule, op ==
    send(&mut app, &typed("0 AF_INET"));
    send(&mut app, &[Msg::Enter]);
    assert_eq!(app.message.as_deref(), Some("new rule: allow socket when arg0 == AF_INET (2)"));
    let text = render(&mut app, 160, 45);
    assert!(text.contains("when arg0 == AF_INET (2)"), "the rules list names it too:\n{text}");
    let rule = app.doc.profile.rules.iter().find(|r| r.is_conditional()).unwrap();
    let words = seccompose::policy::describe::describe_rule(&app.doc, rule);
    assert!(words.contains("when arg0 == AF_INET (2)"), "explain and the preview: {words}");
}

#[test]
fn architectures_toggle_from_their_list() {
    let mut app = fine_grained();
    let had_x86 = app.doc.profile.architectures.iter().any(|a| a == "SCMP_ARCH_X86");
    send(&mut app, &[Msg::Arches, Msg::Down, Msg::Toggle]);
    let has_x86 = app.doc.profile.architectures.iter().any(|a| a == "SCMP_ARCH_X86");
    assert_ne!(had_x86, has_x86);
}

#[test]
fn quitting_asks_only_with_unsaved_edits() {
    let mut app = fine_grained();
    assert_eq!(send(&mut app, &[Msg::Quit]), vec![Effect::Quit]);
    search(&mut app, "ptrace");
    send(&mut app, &[Msg::Toggle]);
    assert!(send(&mut app, &[Msg::Quit]).is_empty());
    assert_eq!(app.mode, Mode::ConfirmQuit);
    assert!(send(&mut app, &[Msg::Type('n')]).is_empty(), "n cancels");
    assert_eq!(app.mode, Mode::Normal);
    send(&mut app, &[Msg::Quit]);
    assert_eq!(send(&mut app, &[Msg::Type('y')]), vec![Effect::Quit]);
}

#[test]
fn saving_changes_only_the_edited_lines_and_asks_before_overwriting_a_changed_file() {
    let dir = TempDir::new("editor-save");
    let path = dir.path().join("p.json");
    std::fs::copy(root().join("profiles/fine-grained.json"), &path).unwrap();
    let original = std::fs::read_to_string(&path).unwrap();
    let mut app = open(&path);
    search(&mut app, "ptrace");
    send(&mut app, &[Msg::Toggle]);
    for effect in send(&mut app, &[Msg::Save]) {
        perform(&mut app, effect);
    }
    assert!(!app.doc.is_modified());
    let saved = std::fs::read_to_string(&path).unwrap();
    let diff = json_diff(&original, &saved);
    let changed: Vec<DiffLine> = diff.iter().filter(|l| l.is_change()).collect();
    let added = [DiffLine::Added("                \"getrlimit\","), DiffLine::Added("                \"ptrace\"")];
    assert_eq!(changed.len(), 3, "one name appended to the last rule: {changed:?}");
    assert_eq!(changed[0], DiffLine::Removed("                \"getrlimit\""));
    assert_eq!(changed[1..], added[..]);
    // Someone else edits the file: saving asks, and `n` leaves their version alone.
    std::fs::write(&path, "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n").unwrap();
    send(&mut app, &[Msg::Toggle]);
    for effect in send(&mut app, &[Msg::Save]) {
        perform(&mut app, effect);
    }
    assert_eq!(app.mode, Mode::ConfirmOverwrite);
    send(&mut app, &[Msg::Type('n')]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n");
    for msg in [Msg::Save, Msg::Type('y')] {
        for effect in send(&mut app, &[msg]) {
            perform(&mut app, effect);
        }
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original, "ptrace toggled back: the original text");
}

#[test]
fn an_unsaved_profile_asks_for_a_path_and_never_overwrites_another_file() {
    let dir = TempDir::new("editor-save-as");
    let mut app = App::new(
        seccompose::profile::bundled::open("runtime-default").unwrap(),
        context(),
        Theme::builtin("dark").unwrap(),
    );
    send(&mut app, &[Msg::Save]);
    assert!(matches!(app.mode, Mode::Prompt { .. }));
    let target = dir.path().join("new.json");
    send(&mut app, &typed(&target.display().to_string()));
    let effects = send(&mut app, &[Msg::Enter]);
    assert_eq!(effects, vec![Effect::SaveAs(target.display().to_string(), None)]);
    effects.into_iter().for_each(|e| perform(&mut app, e));
    assert!(Document::open(&target).is_ok());
    std::fs::write(&target, "keep me").unwrap();
    perform(&mut app, Effect::SaveAs(target.display().to_string(), None));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    assert!(app.message.as_deref().unwrap().contains("exists"));
}

#[test]
fn selecting_a_lint_finding_jumps_to_its_syscall() {
    let mut app = moby();
    send(&mut app, &[Msg::ClickTab(Tab::Lint)]);
    let target = app.findings.iter().position(|f| f.syscall.is_some()).expect("moby has syscall findings");
    send(&mut app, &vec![Msg::Down; target + 1]);
    send(&mut app, &[Msg::Up]);
    let wanted = app.findings[app.finding].syscall.clone().unwrap();
    assert_eq!(app.selected().unwrap().name, wanted);
}

#[test]
fn the_context_switcher_changes_what_is_decided() {
    let mut app = moby();
    search(&mut app, "bpf");
    assert_eq!(app.decide("bpf"), Action::Errno(1), "docker without CAP_SYS_ADMIN");
    send(&mut app, &[Msg::EditCaps]);
    let Mode::Prompt { input, .. } = &app.mode else { panic!() };
    let len = input.chars().count();
    send(&mut app, &vec![Msg::Backspace; len]);
    send(&mut app, &typed("CAP_SYS_ADMIN"));
    send(&mut app, &[Msg::Enter]);
    assert_eq!(app.decide("bpf"), Action::Allow, "moby allows bpf with CAP_SYS_ADMIN");
    send(&mut app, &[Msg::NextEngine]);
    assert_eq!(app.ctx.engine, Engine::Podman);
}

#[test]
fn clicks_select_categories_rows_and_tabs() {
    let app = fine_grained();
    let area = Rect::new(0, 0, 120, 36);
    let areas = view::Areas::compute(area, false).unwrap();
    let click = |column, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let c = areas.categories;
    assert_eq!(mouse_msg(&app, click(c.x + 3, c.y + 3), area), Some(Msg::ClickCategory(2)));
    let s = areas.syscalls;
    assert_eq!(mouse_msg(&app, click(s.x + 3, s.y + 1), area), Some(Msg::ClickRow(0)));
    let t = areas.tabs;
    assert_eq!(mouse_msg(&app, click(t.x + 13, t.y), area), Some(Msg::ClickTab(Tab::Json)));
    let wheel = MouseEvent { kind: MouseEventKind::ScrollDown, ..click(areas.detail.x + 5, areas.detail.y + 5) };
    assert_eq!(mouse_msg(&app, wheel, area), Some(Msg::ScrollDetail(3)));
}

// ---- render ----

#[test]
fn the_main_screen_shows_categories_syscalls_preview_and_status() {
    let mut app = fine_grained();
    let screen = render(&mut app, 160, 36);
    for text in ["Categories", "[~] Basic I/O", "close", "ALLOW", "1 Syscall", "decided by", "fine-grained.json"] {
        assert!(screen.contains(text), "{text:?} missing:\n{screen}");
    }
    assert!(screen.contains("docker ALLOW · podman ALLOW · containerd ALLOW"), "{screen}");
    assert!(screen.contains("x86_64 3 · x86 6"), "numbers per arch:\n{screen}");
}

/// The editor as a terminal opens it: first drawn without verdicts (a big profile's
/// evaluation takes several frames), then settled into exactly what a full build gives.
#[test]
fn the_first_frame_comes_before_the_verdicts_and_settling_gives_the_full_state() {
    let path = root().join("tests/fixtures/reference/moby-default.json");
    let mut app = App::opening(Document::open(&path).unwrap(), context(), Theme::builtin("dark").unwrap());
    let full = moby();
    assert!(app.is_pending());
    assert!(app.rows.iter().all(|r| r.action.is_none()), "no verdict before the evaluation");
    assert!(app.counts.iter().all(|c| c.allowed.is_none()));
    assert_eq!(app.lint_count(), None);
    let unjudged = |a: &App| a.rows.iter().map(|r| (r.name, r.conditional)).collect::<Vec<_>>();
    assert_eq!(unjudged(&app), unjudged(&full), "the same rows");
    // Moby's conditional rules (clone, personality) are among the processes'.
    let processes = CATEGORIES.iter().position(|c| c.id == seccompose::catalog::info("clone").unwrap().category.id);
    let mut full_processes = moby();
    app.select_category(processes.unwrap());
    full_processes.select_category(processes.unwrap());
    assert_eq!(unjudged(&app), unjudged(&full_processes), "conditional markers included");
    assert!(app.rows.iter().any(|r| r.conditional));
    app.select_category(0);
    let totals = |a: &App| a.counts.iter().map(|c| c.total).collect::<Vec<_>>();
    assert_eq!(totals(&app), totals(&full));
    let first = render(&mut app, 160, 36);
    for text in
        ["[…] Basic I/O              …/24", "close                        …", "evaluating the profile…", "4 Lint (…)"]
    {
        assert!(first.contains(text), "{text:?} missing:\n{first}");
    }
    assert!(!first.contains("ALLOW"), "no verdict is shown before it is known:\n{first}");
    assert!(app.state.settle());
    assert!(!app.state.settle(), "settled once");
    assert_eq!(app.rows, full.rows);
    assert_eq!(app.counts, full.counts);
    assert_eq!(app.findings, full.findings);
    let mut full = full;
    assert_eq!(render(&mut app, 160, 36), render(&mut full, 160, 36));
}

/// What the first edit of a big file needs (its value and a copy of its tree, made on a thread
/// of their own) is not made while the first frame is (on a machine of two cores that took a
/// fifth of the time to it), but from settling on, while the profile is evaluated.
#[test]
fn a_big_files_value_is_made_after_the_first_frame() {
    let tmp = TempDir::new("later");
    let path = tmp.path().join("big.json");
    let profile = seccompose::profile::synth::arg_heavy(3000, &[Arch::X86_64], 18);
    std::fs::write(&path, serde_json::to_string(&profile).unwrap()).unwrap();
    let mut app = App::opening(Document::open(&path).unwrap(), context(), Theme::builtin("dark").unwrap());
    assert!(!app.state.doc.is_prepared_for_edits(), "nothing made for edits before the first frame");
    render(&mut app, 160, 36);
    assert!(!app.state.doc.is_prepared_for_edits(), "nor while it is drawn");
    assert!(app.state.settle());
    assert!(app.state.doc.is_prepared_for_edits(), "made while the profile is evaluated");
    update(&mut app, Msg::Toggle);
    assert!(app.state.doc.is_modified(), "the first edit takes it");
}

/// The editor opens while the runtime is found (a process to run): the first frame says the
/// runtime is not known yet, and the verdicts are the found context's, as if it had been known
/// from the start; a key pressed before acts in it too. Here the found runtime's libseccomp
/// (2.4.4) does not know `epoll_pwait2`, which moby allows: runc answers it ENOSYS.
#[test]
fn the_editor_opens_while_the_runtime_is_found_and_judges_in_the_found_context() {
    use seccompose::catalog::{Libseccomp, Version};
    use seccompose::policy::runtime::{Runtime, RuntimeKind};
    let path = root().join("tests/fixtures/reference/moby-default.json");
    let old = Libseccomp::release(Version::new(2, 4, 4)).unwrap();
    let found = Context { runtime: Runtime::given(RuntimeKind::Runc, Some(Version::new(1, 1, 5)), old), ..context() };
    let opening = |found: &Context| {
        let mut app = App::opening(Document::open(&path).unwrap(), context(), Theme::builtin("dark").unwrap());
        let coming = found.clone();
        app.state.set_context_coming(std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            coming
        }));
        app
    };
    let mut app = opening(&found);
    assert!(app.state.is_finding_context());
    let first = render(&mut app, 160, 36);
    assert!(first.contains("runc …"), "the runtime is being found:\n{first}");
    assert!(app.state.settle());
    assert!(!app.state.is_finding_context());
    assert_eq!(app.state.ctx, found);
    let mut known = App::new(Document::open(&path).unwrap(), found.clone(), Theme::builtin("dark").unwrap());
    assert_eq!(render(&mut app, 160, 36), render(&mut known, 160, 36), "as if found before opening");
    let epoll_pwait2 = |a: &App| a.state.decide("epoll_pwait2");
    assert_eq!(epoll_pwait2(&app), Action::Errno(38), "2.4.4 does not know it");
    assert_eq!(epoll_pwait2(&moby()), Action::Allow, "the provisional context allows it");
    // A key before the runtime is found: the toggle allows it (not allowed where found).
    let mut early = opening(&found);
    search(&mut early, "epoll_pwait2");
    send(&mut early, &[Msg::Toggle]);
    assert!(!early.state.is_finding_context());
    let said = early.state.message.clone().unwrap_or_default();
    assert!(said.contains("epoll_pwait2 → ALLOW"), "{said}");
}

/// A key pressed before the verdicts are known acts on the settled state: a toggle of an
/// allowed syscall sends it back to the default, as it would a moment later.
#[test]
fn a_key_before_the_verdicts_acts_on_them() {
    let path = root().join("tests/fixtures/reference/moby-default.json");
    let mut app = App::opening(Document::open(&path).unwrap(), context(), Theme::builtin("dark").unwrap());
    app.focus = Focus::Syscalls;
    app.cursor = app.rows.iter().position(|r| r.name == "read").unwrap();
    send(&mut app, &[Msg::Toggle]);
    assert!(!app.is_pending());
    assert_eq!(app.selected().unwrap().action, Some(Action::Errno(1)), "read went back to the default");
}

#[test]
fn the_search_screen_shows_the_query_and_the_hits() {
    let mut app = fine_grained();
    send(&mut app, &[Msg::StartSearch]);
    send(&mut app, &typed("mount"));
    let screen = render(&mut app, 120, 36);
    assert!(screen.contains("/mount▏"), "{screen}");
    assert!(screen.contains("mount_setattr"), "{screen}");
    assert!(screen.contains("type to filter"), "{screen}");
}

#[test]
fn a_toggled_category_shows_as_all_allowed() {
    let mut app = fine_grained();
    let mounts = CATEGORIES.iter().position(|c| c.id == "mount").unwrap();
    send(&mut app, &[Msg::ClickCategory(mounts)]);
    let before = render(&mut app, 120, 36);
    assert!(before.contains("[ ] Mounts"), "{before}");
    send(&mut app, &[Msg::Toggle]);
    let after = render(&mut app, 120, 36);
    assert!(after.contains("[x] Mounts"), "{after}");
    assert!(after.contains("[modified]"), "{after}");
}

#[test]
fn the_preview_tabs_show_json_changes_bpf_and_lint() {
    let mut app = fine_grained();
    search(&mut app, "ptrace");
    send(&mut app, &[Msg::Toggle, Msg::ClickTab(Tab::Json)]);
    let json = render(&mut app, 120, 36);
    assert!(json.contains("+                 \"ptrace\""), "{json}");
    send(&mut app, &[Msg::ClickTab(Tab::Bpf)]);
    let bpf = render(&mut app, 120, 36);
    assert!(bpf.contains("instructions for x86_64"), "{bpf}");
    assert!(bpf.contains("ld [4]") || bpf.contains("arch"), "{bpf}");
    send(&mut app, &[Msg::ClickTab(Tab::Lint)]);
    let lint = render(&mut app, 120, 36);
    let first = &app.findings[0];
    assert!(lint.contains(first.id), "{lint}");
}

#[test]
fn help_lists_every_binding_of_the_keymap() {
    let mut app = fine_grained();
    send(&mut app, &[Msg::Help]);
    let screen = render(&mut app, 140, 50);
    for binding in seccompose::tui::app::keymap::KEYMAP {
        let start: String = binding.help.chars().take(30).collect();
        assert!(screen.contains(&start), "{start:?} missing:\n{screen}");
    }
    send(&mut app, &[Msg::Escape]);
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn a_tiny_terminal_gets_a_message_instead_of_a_broken_screen() {
    let mut app = fine_grained();
    let screen = render(&mut app, 60, 12);
    assert!(screen.contains("Terminal too small"), "{screen}");
    assert!(screen.contains("60×12"), "{screen}");
    // With unsaved edits, q asks there too, and y can answer.
    search(&mut app, "ptrace");
    send(&mut app, &[Msg::Toggle, Msg::Quit]);
    let screen = render(&mut app, 60, 12);
    assert!(screen.contains("(y/n)"), "{screen}");
    let y = ratatui::crossterm::event::KeyEvent::new(ratatui::crossterm::event::KeyCode::Char('y'), KeyModifiers::NONE);
    assert_eq!(seccompose::tui::key_msg(&app, y, Rect::new(0, 0, 60, 12)), Some(Msg::Type('y')));
}

#[test]
fn every_theme_renders_and_no_color_drops_colours() {
    for (name, _) in seccompose::tui::theme::BUILTIN {
        let mut app = fine_grained();
        app.theme = Theme::builtin(name).unwrap();
        assert!(render(&mut app, 120, 36).contains("Categories"));
    }
    let mut app = fine_grained();
    app.theme = Theme::monochrome();
    app.prepare_view();
    let mut terminal = Terminal::new(TestBackend::new(120, 36)).unwrap();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    let buffer = terminal.backend().buffer();
    let coloured = buffer.content().iter().filter(|c| c.fg != ratatui::style::Color::Reset).count();
    assert_eq!(coloured, 0, "NO_COLOR: no cell has a colour");
}

/// `S`, the path typed, Tab pressed `tabs` times (the format), Enter, and the save performed.
fn save_as(app: &mut App, path: &Path, tabs: usize) {
    send(app, &[Msg::SaveAs]);
    send(app, &typed(&path.display().to_string()));
    send(app, &vec![Msg::NextPane; tabs]);
    for effect in send(app, &[Msg::Enter]) {
        perform(app, effect);
    }
}

#[test]
fn save_as_a_yaml_name_writes_an_spo_resource_and_a_mismatched_format_is_saved_with_a_warning() {
    let dir = TempDir::new("editor-save-as-yaml");
    for name in ["app.yaml", "app.yml"] {
        let mut app = open(&root().join("profiles/fine-grained.json"));
        search(&mut app, "ptrace");
        send(&mut app, &[Msg::Toggle]);
        let target = dir.path().join(name);
        save_as(&mut app, &target, 0);
        let text = std::fs::read_to_string(&target).unwrap_or_else(|e| panic!("{name}: {e}: {:?}", app.message));
        assert!(text.starts_with("apiVersion:"), "{name}: {text}");
        let doc = Document::open(&target).unwrap();
        assert!(doc.is_spo() && !doc.has_errors(), "{name}: {:?}", doc.findings);
        assert!(
            doc.effective_profile().rules.iter().any(|r| r.names.iter().any(|n| n == "ptrace")),
            "{name}: edit kept"
        );
        assert!(!app.message.as_deref().unwrap().contains("warning"), "{:?}", app.message);
    }
    // SPO chosen with Tab (four presses) for a .json name: saved as chosen, and said.
    let mut app = open(&root().join("profiles/fine-grained.json"));
    let target = dir.path().join("spo.json");
    save_as(&mut app, &target, 4);
    assert!(std::fs::read_to_string(&target).unwrap().starts_with("apiVersion:"));
    let message = app.message.clone().unwrap();
    assert!(message.contains("warning") && message.contains(".json"), "{message}");
    // OCI chosen for a .yaml name: JSON written, as chosen, with the warning.
    let mut app = open(&root().join("profiles/fine-grained.json"));
    let target = dir.path().join("oci.yaml");
    save_as(&mut app, &target, 1);
    assert!(std::fs::read_to_string(&target).unwrap().starts_with('{'));
    let message = app.message.clone().unwrap();
    assert!(message.contains("warning") && message.contains(".yaml"), "{message}");
}

#[test]
fn the_runtime_prompt_changes_what_the_preview_says() {
    // fine-grained.json lists its arches: runc's stub answers ENOSYS past its newest name.
    let mut app = fine_grained();
    let decide = |app: &App| app.evaluator.as_ref().unwrap().decide(Arch::X86_64, 9999, &[0; 6]).action;
    assert_eq!(decide(&app), Action::Errno(38));
    send(&mut app, &[Msg::EditRuntime]);
    let Mode::Prompt { input, .. } = &app.mode else { panic!("{:?}", app.mode) };
    assert_eq!(input, "runc,libseccomp@latest", "the prompt starts from the current runtime");
    let input_len = input.chars().count();
    send(&mut app, &vec![Msg::Backspace; input_len]);
    send(&mut app, &typed("crun@1.8.1,libseccomp@2.5.4"));
    send(&mut app, &[Msg::Enter]);
    assert_eq!(app.ctx.runtime.to_string(), "crun 1.8.1 · libseccomp 2.5.4");
    assert_eq!(decide(&app), Action::Errno(1), "crun has no stub");
    // Nonsense is refused with a message; the context stays.
    send(&mut app, &[Msg::EditRuntime]);
    send(&mut app, &vec![Msg::Backspace; 40]);
    send(&mut app, &typed("rkt"));
    send(&mut app, &[Msg::Enter]);
    assert!(app.message.as_deref().unwrap_or_default().contains("unknown runtime"), "{:?}", app.message);
    assert_eq!(app.ctx.runtime.kind, seccompose::policy::RuntimeKind::Crun);
}
