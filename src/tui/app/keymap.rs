//! The keymap: one table (data, not code) that both translates keys and writes the help screen,
//! so the help can never disagree with what the keys do. A new key is one row here.

use crate::tui::shared::{Msg, Tab};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as the table spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

pub struct Binding {
    pub keys: &'static [Key],
    pub msg: Msg,
    pub help: &'static str,
}

use Key::{Char, Code, Ctrl};

/// Keys of the main screen. In text prompts (search, errno, path) printable keys type.
pub const KEYMAP: &[Binding] = &[
    Binding { keys: &[Code(KeyCode::Up), Char('k')], msg: Msg::Up, help: "move up" },
    Binding { keys: &[Code(KeyCode::Down), Char('j')], msg: Msg::Down, help: "move down" },
    Binding { keys: &[Code(KeyCode::PageUp), Ctrl('u')], msg: Msg::PageUp, help: "page up" },
    Binding { keys: &[Code(KeyCode::PageDown), Ctrl('d')], msg: Msg::PageDown, help: "page down" },
    Binding { keys: &[Code(KeyCode::Left), Char('h')], msg: Msg::Left, help: "categories pane" },
    Binding { keys: &[Code(KeyCode::Right), Char('l')], msg: Msg::Right, help: "syscalls pane" },
    Binding { keys: &[Code(KeyCode::Tab)], msg: Msg::NextPane, help: "switch pane" },
    Binding {
        keys: &[Char('/')],
        msg: Msg::StartSearch,
        help: "fuzzy search (names, summaries, categories); Esc clears",
    },
    Binding {
        keys: &[Char(' ')],
        msg: Msg::Toggle,
        help: "allow ⇄ default (syscall, or whole category in categories pane)",
    },
    Binding {
        keys: &[Code(KeyCode::Enter), Char('a')],
        msg: Msg::Pick,
        help: "choose an action: allow, errno N, log, kill, trap, notify, trace, default",
    },
    Binding { keys: &[Char('A')], msg: Msg::PickCategory, help: "choose an action for the whole category" },
    Binding {
        keys: &[Char('d')],
        msg: Msg::PickDefault,
        help: "choose the profile's default action (and default errno)",
    },
    Binding {
        keys: &[Char('c')],
        msg: Msg::Rules,
        help: "rules of the syscall: argument conditions (Enter add/edit, x remove), # comment",
    },
    Binding {
        keys: &[Char('x'), Code(KeyCode::Delete)],
        msg: Msg::Remove,
        help: "in the rules editor: remove the condition, or the syscall from the rule",
    },
    Binding { keys: &[Char('#')], msg: Msg::Comment, help: "in the rules editor: edit the rule's comment" },
    Binding { keys: &[Char('m')], msg: Msg::Arches, help: "the profile's architectures (Space toggles)" },
    Binding { keys: &[Char('u')], msg: Msg::Undo, help: "undo" },
    Binding { keys: &[Ctrl('r'), Char('U')], msg: Msg::Redo, help: "redo" },
    Binding { keys: &[Ctrl('s')], msg: Msg::Save, help: "save (atomic, only changed lines differ)" },
    Binding {
        keys: &[Char('S')],
        msg: Msg::SaveAs,
        help: "save as: a new file, in this or another format (Tab: OCI, Docker, Podman, SPO)",
    },
    Binding { keys: &[Char(']')], msg: Msg::NextTab, help: "next preview tab: Syscall, JSON, BPF, Lint" },
    Binding { keys: &[Char('[')], msg: Msg::PrevTab, help: "previous preview tab" },
    Binding { keys: &[Char('1')], msg: Msg::ClickTab(Tab::Info), help: "Syscall tab" },
    Binding { keys: &[Char('2')], msg: Msg::ClickTab(Tab::Json), help: "JSON tab (pending edit highlighted)" },
    Binding {
        keys: &[Char('3')],
        msg: Msg::ClickTab(Tab::Bpf),
        help: "BPF tab (disassembly, size, executed instructions)",
    },
    Binding {
        keys: &[Char('4')], msg: Msg::ClickTab(Tab::Lint), help: "Lint tab (↑↓ jumps to the finding's syscall)"
    },
    Binding { keys: &[Char('J')], msg: Msg::ScrollDetail(3), help: "scroll the preview down" },
    Binding { keys: &[Char('K')], msg: Msg::ScrollDetail(-3), help: "scroll the preview up" },
    Binding {
        keys: &[Char('e')],
        msg: Msg::NextEngine,
        help: "context: next engine (docker, podman, containerd, oci)",
    },
    Binding { keys: &[Char('H')], msg: Msg::NextArch, help: "context: next host arch" },
    Binding { keys: &[Char('C')], msg: Msg::EditCaps, help: "context: edit capabilities" },
    Binding { keys: &[Char('v')], msg: Msg::EditKernel, help: "context: kernel version" },
    Binding {
        keys: &[Char('V')],
        msg: Msg::EditRuntime,
        help: "context: runtime and libseccomp (runc@1.1.5,libseccomp@2.5.4, crun, host)",
    },
    Binding { keys: &[Char('t')], msg: Msg::RunPane, help: "run pane: open (type a command, Enter runs it) or close" },
    Binding { keys: &[Char('r')], msg: Msg::Rerun, help: "run pane: run the command again under the edited profile" },
    Binding { keys: &[Char(':')], msg: Msg::EditCommand, help: "run pane: edit the command line" },
    Binding {
        keys: &[Char('=')],
        msg: Msg::AllowArgs,
        help: "run pane: allow the denial only with these flag/family values (Enter/a: the whole syscall)",
    },
    Binding { keys: &[Char('+')], msg: Msg::AllowAll, help: "run pane: allow every denial of the run" },
    Binding {
        keys: &[Char('R')],
        msg: Msg::Record,
        help: "run pane: record the command's syscalls, then y adds what it needs (one undo), n discards",
    },
    Binding {
        keys: &[Char('i')],
        msg: Msg::Interact,
        help: "run pane: type into the running command (Ctrl-] gives the keys back)",
    },
    Binding { keys: &[Ctrl('c')], msg: Msg::Stop, help: "run pane: stop the command" },
    Binding {
        keys: &[Char('D')],
        msg: Msg::Compare,
        help: "compare the edited profile with a file or built-in (Esc leaves)",
    },
    Binding {
        keys: &[Char('>')],
        msg: Msg::CopyRight,
        help: "compare: copy the left decision to the right (undoable)",
    },
    Binding { keys: &[Char('<')], msg: Msg::CopyLeft, help: "compare: copy the right decision to the left (undoable)" },
    Binding { keys: &[Char('*')], msg: Msg::ToggleAll, help: "compare: every syscall, or only the differences" },
    Binding { keys: &[Char('W')], msg: Msg::SaveRight, help: "compare: save the right side" },
    Binding { keys: &[Char('?'), Code(KeyCode::F(1))], msg: Msg::Help, help: "this help" },
    Binding { keys: &[Char('q')], msg: Msg::Quit, help: "quit (asks when there are unsaved edits)" },
];

/// Keys of the run pane's command line besides typing (printable keys type; ↑/↓ browse the
/// history, Enter runs, Esc leaves). Apart from [`KEYMAP`]: Ctrl-u clears here, pages there.
pub const COMMAND_LINE: &[Binding] = &[
    Binding {
        keys: &[Code(KeyCode::Left)],
        msg: Msg::Left,
        help: "command line: cursor left (the remembered command stays, for editing)",
    },
    Binding { keys: &[Code(KeyCode::Right)], msg: Msg::Right, help: "command line: cursor right" },
    Binding { keys: &[Code(KeyCode::Home), Ctrl('a')], msg: Msg::Home, help: "command line: start of the line" },
    Binding {
        keys: &[Code(KeyCode::End), Ctrl('e')],
        msg: Msg::End,
        help: "command line: end of the line (the remembered command stays, for editing)",
    },
    Binding {
        keys: &[Ctrl('u')],
        msg: Msg::ClearLine,
        help: "command line: clear what is before the cursor (the whole line at its end), as in a shell",
    },
    Binding {
        keys: &[Code(KeyCode::PageUp)],
        msg: Msg::PageUp,
        help: "command line: scroll the command's output back",
    },
    Binding { keys: &[Code(KeyCode::PageDown)], msg: Msg::PageDown, help: "command line: scroll the output forward" },
];

/// What a key means on the run pane's command line: [`COMMAND_LINE`], then typing.
pub fn command_line(key: KeyEvent) -> Option<Msg> {
    let pressed = as_key(key)?;
    COMMAND_LINE.iter().find(|b| b.keys.contains(&pressed)).map(|b| b.msg).or_else(|| typing(key))
}

/// The message for a key in the main screen, if it has one.
pub fn lookup(key: KeyEvent) -> Option<Msg> {
    let pressed = as_key(key)?;
    KEYMAP.iter().find(|b| b.keys.contains(&pressed)).map(|b| b.msg)
}

/// The message for a key while typing: printable characters are text.
pub fn typing(key: KeyEvent) -> Option<Msg> {
    match as_key(key)? {
        Code(KeyCode::Esc) => Some(Msg::Escape),
        Code(KeyCode::Enter) => Some(Msg::Enter),
        Code(KeyCode::Backspace) => Some(Msg::Backspace),
        Code(KeyCode::Up) => Some(Msg::Up),
        Code(KeyCode::Down) => Some(Msg::Down),
        Code(KeyCode::Tab) => Some(Msg::NextPane),
        Char(c) => Some(Msg::Type(c)),
        Ctrl('c') => Some(Msg::Escape),
        _ => None,
    }
}

fn as_key(key: KeyEvent) -> Option<Key> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char(c) if ctrl => Some(Ctrl(c.to_ascii_lowercase())),
        KeyCode::Char(c) => Some(Char(c)),
        KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace | KeyCode::Tab => Some(Code(key.code)),
        KeyCode::BackTab => Some(Code(KeyCode::Tab)),
        code => Some(Code(code)),
    }
}

/// How a key is written in the help and the status bar.
pub fn spell(key: Key) -> String {
    match key {
        Char(' ') => "Space".into(),
        Char(c) => c.to_string(),
        Ctrl(c) => format!("Ctrl-{c}"),
        Code(KeyCode::Up) => "↑".into(),
        Code(KeyCode::Down) => "↓".into(),
        Code(KeyCode::Left) => "←".into(),
        Code(KeyCode::Right) => "→".into(),
        Code(KeyCode::PageUp) => "PgUp".into(),
        Code(KeyCode::PageDown) => "PgDn".into(),
        Code(KeyCode::F(n)) => format!("F{n}"),
        Code(code) => format!("{code}"),
    }
}

/// The help screen's lines: keys, then what they do.
pub fn help_lines() -> Vec<(String, &'static str)> {
    let mut lines: Vec<(String, &'static str)> =
        KEYMAP.iter().map(|b| (b.keys.iter().map(|k| spell(*k)).collect::<Vec<_>>().join(" / "), b.help)).collect();
    lines.push((
        "typing".into(),
        "command line: the remembered command is shown selected; typing replaces it, ↑/↓ older/newer commands",
    ));
    lines.extend(
        COMMAND_LINE.iter().map(|b| (b.keys.iter().map(|k| spell(*k)).collect::<Vec<_>>().join(" / "), b.help)),
    );
    lines.push(("Esc".into(), "close a popup, clear the search"));
    lines.push(("mouse".into(), "click a category, a syscall or a tab; wheel scrolls the pane under it"));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        let mut seen = Vec::new();
        for binding in KEYMAP {
            for key in binding.keys {
                assert!(!seen.contains(key), "{key:?} bound twice");
                seen.push(*key);
            }
        }
    }

    #[test]
    fn no_command_line_key_is_bound_twice() {
        let keys: Vec<Key> = COMMAND_LINE.iter().flat_map(|b| b.keys.iter().copied()).collect();
        for (i, key) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(key), "{key:?} bound twice");
        }
    }

    #[test]
    fn ctrl_keys_and_plain_keys_differ() {
        let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(lookup(ctrl_r), Some(Msg::Redo));
        assert_eq!(lookup(KeyEvent::new(KeyCode::Char('H'), KeyModifiers::SHIFT)), Some(Msg::NextArch));
    }
}
