//! The run pane's command line, edited as in a shell: insert at the cursor, ←/→, Home/End,
//! Ctrl-u. The remembered command is shown selected when the line gets the keys, so typing
//! replaces it (instead of appending to it) while a cursor key keeps it for editing. A line
//! that starts with `--rootfs DIR` or `--bundle DIR` runs the rest in a runc container.

use super::RunPane;
use crate::container::bundle::Target;
use std::path::PathBuf;

/// The container target at the head of a split command line, and the command after it:
/// `--rootfs DIR CMD…`, `--bundle DIR [CMD…]` (the bundle's own process when no command),
/// `--rootfs=DIR`; anything else is a host command.
pub fn split_target(argv: Vec<String>) -> Result<(Option<Target>, Vec<String>), String> {
    let Some(first) = argv.first() else { return Ok((None, argv)) };
    let (flag, inline) = match first.split_once('=') {
        Some((flag, dir)) => (flag, Some(dir.to_string())),
        None => (first.as_str(), None),
    };
    let make: fn(PathBuf) -> Target = match flag {
        "--rootfs" => Target::Rootfs,
        "--bundle" => Target::Bundle,
        _ => return Ok((None, argv)),
    };
    let flag = flag.to_string();
    let mut rest = argv.into_iter().skip(1);
    let dir = match inline.or_else(|| rest.next()) {
        Some(dir) if !dir.is_empty() => dir,
        _ => return Err(format!("{flag} needs a directory: {flag} DIR COMMAND")),
    };
    let command: Vec<String> = rest.skip_while(|a| a == "--").collect();
    if command.is_empty() && flag == "--rootfs" {
        return Err(format!("--rootfs {dir}: which command? --rootfs DIR COMMAND"));
    }
    Ok((Some(make(PathBuf::from(dir))), command))
}

/// The byte offset of the cursor (`input_back` characters before the end).
fn cursor_byte(p: &RunPane) -> usize {
    let count = p.input.chars().count();
    let at = count - p.input_back.min(count);
    p.input.char_indices().nth(at).map_or(p.input.len(), |(i, _)| i)
}

/// The line gets the keys: its command is selected, the cursor at its end.
pub fn select_all(p: &mut RunPane) {
    p.input_selected = !p.input.is_empty();
    p.input_back = 0;
}

/// A new line (from the history): not selected, the cursor at its end.
pub fn set(p: &mut RunPane, text: &str) {
    p.input = text.to_string();
    p.input_back = 0;
    p.input_selected = false;
}

/// Drops a selected command (the key that replaces or deletes it), true if there was one.
fn take_selection(p: &mut RunPane) -> bool {
    let selected = std::mem::take(&mut p.input_selected);
    if selected {
        set(p, "");
    }
    selected
}

pub fn type_char(p: &mut RunPane, c: char) {
    take_selection(p);
    let at = cursor_byte(p);
    p.input.insert(at, c);
}

pub fn backspace(p: &mut RunPane) {
    if take_selection(p) {
        return;
    }
    let at = cursor_byte(p);
    if let Some((start, _)) = p.input[..at].char_indices().next_back() {
        p.input.replace_range(start..at, "");
    }
}

/// Ctrl-u: what is before the cursor goes (all of a selected command).
pub fn clear_before_cursor(p: &mut RunPane) {
    if take_selection(p) {
        return;
    }
    let at = cursor_byte(p);
    p.input.replace_range(..at, "");
}

/// ←, →, Home, End: one character, or to an end; keeps the command (unselected).
pub fn move_cursor(p: &mut RunPane, to: Move) {
    p.input_selected = false;
    let count = p.input.chars().count();
    p.input_back = match to {
        Move::Left => (p.input_back + 1).min(count),
        Move::Right => p.input_back.saturating_sub(1),
        Move::Home => count,
        Move::End => 0,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Left,
    Right,
    Home,
    End,
}

/// The line as drawn: (before the cursor, after it), or the whole selected command.
pub fn parts(p: &RunPane) -> (&str, &str) {
    p.input.split_at(cursor_byte(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pane(text: &str) -> RunPane {
        RunPane { input: text.into(), ..RunPane::default() }
    }

    fn split(line: &str) -> Result<(Option<Target>, Vec<String>), String> {
        split_target(shell_words::split(line).unwrap())
    }

    #[test]
    fn a_leading_rootfs_or_bundle_names_a_container() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(split("ls -l").unwrap(), (None, words(&["ls", "-l"])));
        assert_eq!(
            split("--rootfs /tmp/r ls /").unwrap(),
            (Some(Target::Rootfs("/tmp/r".into())), words(&["ls", "/"]))
        );
        assert_eq!(split("--rootfs=/r -- sh -c 'echo a'").unwrap().1, words(&["sh", "-c", "echo a"]));
        assert_eq!(split("--bundle /b").unwrap(), (Some(Target::Bundle("/b".into())), vec![]));
        assert!(split("--rootfs").unwrap_err().contains("needs a directory"));
        assert!(split("--rootfs /r").unwrap_err().contains("which command"));
        // Only at the head: a command's own --rootfs is its business.
        assert_eq!(split("tar --rootfs x").unwrap().0, None);
    }

    #[test]
    fn edits_happen_at_the_cursor_in_characters() {
        let mut p = pane("cat ä.txt");
        select_all(&mut p);
        move_cursor(&mut p, Move::Home);
        for _ in 0..5 {
            move_cursor(&mut p, Move::Right);
        }
        backspace(&mut p);
        type_char(&mut p, 'ö');
        assert_eq!(p.input, "cat ö.txt");
        assert_eq!(parts(&p), ("cat ö", ".txt"));
        clear_before_cursor(&mut p);
        assert_eq!(p.input, ".txt");
        select_all(&mut p);
        type_char(&mut p, 'x');
        assert_eq!(p.input, "x", "typing replaces a selected command");
        select_all(&mut p);
        backspace(&mut p);
        assert_eq!(p.input, "", "backspace deletes a selected command");
    }
}
