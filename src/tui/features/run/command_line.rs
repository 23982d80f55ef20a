//! The run pane's command line, edited as in a shell: insert at the cursor, ←/→, Home/End,
//! Ctrl-u. The remembered command is shown selected when the line gets the keys, so typing
//! replaces it (instead of appending to it) while a cursor key keeps it for editing.

use super::RunPane;

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
