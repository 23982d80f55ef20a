//! Byte offsets to 1-based line and column numbers, for messages people can jump to.

/// Bytes per block of the character-count index: a column costs at most this many byte checks.
const BLOCK: usize = 256;

/// Where every line of a text starts, and whether the text is ASCII: what a [`LineIndex`] is
/// made of. A document keeps its text's beside it, and an edit moves them (see
/// [`LineStarts::replaced`]) instead of scanning megabytes for newlines again.
#[derive(Debug, Clone)]
pub struct LineStarts {
    /// 0, then the offset after each `\n`.
    starts: Vec<usize>,
    /// Known to be ASCII (columns are then byte counts). An edit that takes out the last
    /// non-ASCII character leaves it false: columns are counted then, and still right.
    ascii: bool,
}

impl LineStarts {
    pub fn of(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(memchr_lines(text));
        LineStarts { starts, ascii: text.is_ascii() }
    }

    /// The starts of `new`, a text that is this one's with bytes `head..old_end` replaced by
    /// `new[head..new_end]`: only the replacement is scanned, the starts after it are moved.
    pub fn replaced(&self, new: &str, head: usize, old_end: usize, new_end: usize) -> LineStarts {
        // A start is the offset after a newline: those up to `head` follow a newline before the
        // change, those after `old_end` one after it.
        let kept = self.starts.partition_point(|&s| s <= head);
        let moved = self.starts.partition_point(|&s| s <= old_end);
        let replacement = &new[head..new_end];
        let mut starts = Vec::with_capacity(self.starts.len() + 16);
        starts.extend_from_slice(&self.starts[..kept]);
        starts.extend(memchr_lines(replacement).map(|s| s + head));
        starts.extend(self.starts[moved..].iter().map(|&s| s + new_end - old_end));
        LineStarts { starts, ascii: self.ascii && replacement.is_ascii() }
    }

    #[cfg(test)]
    pub fn starts(&self) -> &[usize] {
        &self.starts
    }

    /// The index of `text`, the text these are the starts of.
    pub fn index<'a>(&'a self, text: &'a str) -> LineIndex<'a> {
        debug_assert_eq!(self.starts.len(), 1 + memchr::memchr_iter(b'\n', text.as_bytes()).count());
        let chars_before_block = if self.ascii { Vec::new() } else { chars_before_blocks(text) };
        LineIndex { text, starts: std::borrow::Cow::Borrowed(&self.starts), chars_before_block }
    }

    /// How many lines `text` has, as [`str::lines`] counts them (no empty line after a last
    /// newline).
    pub fn count(&self, text: &str) -> usize {
        self.starts.len() - usize::from(self.starts.last() == Some(&text.len()))
    }

    /// Where the line holding `offset` starts.
    pub fn line_start(&self, offset: usize) -> usize {
        self.starts[self.starts.partition_point(|&s| s <= offset) - 1]
    }

    /// How many of the first `count` lines (see [`LineStarts::count`]) start before `offset`.
    pub fn before(&self, offset: usize, count: usize) -> usize {
        self.starts.partition_point(|&s| s < offset).min(count)
    }

    /// The byte range of line `i` (0-based) of `text`, without its `\n` or `\r\n`.
    pub fn range(&self, text: &str, i: usize) -> (usize, usize) {
        let start = self.starts[i];
        let Some(&next) = self.starts.get(i + 1) else { return (start, text.len()) };
        let end = next - 1;
        let end = if end > start && text.as_bytes()[end - 1] == b'\r' { end - 1 } else { end };
        (start, end)
    }
}

/// Start offsets of every line of a text, and enough of a character count to turn an offset
/// into a column in constant time, even on one 1 MiB line of non-ASCII text.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: std::borrow::Cow<'a, [usize]>,
    /// Characters before each `BLOCK`-byte boundary (and in all); empty when the text is ASCII.
    chars_before_block: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let LineStarts { starts, ascii } = LineStarts::of(text);
        let chars_before_block = if ascii { Vec::new() } else { chars_before_blocks(text) };
        LineIndex { text, starts: std::borrow::Cow::Owned(starts), chars_before_block }
    }

    /// 1-based (line, column); the column counts characters, as editors do.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        (line + 1, self.chars_at(offset) - self.chars_at(start) + 1)
    }

    /// 1-based line of an offset.
    pub fn line(&self, offset: usize) -> usize {
        self.line_col(offset).0
    }

    /// Characters that start before `offset` (counting a character cut by `offset` as before it).
    fn chars_at(&self, offset: usize) -> usize {
        if self.chars_before_block.is_empty() {
            return offset;
        }
        let block = offset / BLOCK;
        let rest = &self.text.as_bytes()[block * BLOCK..offset];
        self.chars_before_block[block] + rest.iter().filter(|b| !is_continuation(**b)).count()
    }
}

/// Characters before each `BLOCK`-byte boundary of `text`, and in all.
fn chars_before_blocks(text: &str) -> Vec<usize> {
    let mut count = 0;
    let mut before: Vec<usize> = text
        .as_bytes()
        .chunks(BLOCK)
        .map(|block| {
            let here = count;
            count += block.iter().filter(|b| !is_continuation(**b)).count();
            here
        })
        .collect();
    before.push(count);
    before
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// Where each line after the first starts (memchr: a byte-by-byte filter took 0.2 ms on a
/// 1 MB profile, once a lint).
fn memchr_lines(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "ab\ncd\n\né!";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(1), (1, 2));
        assert_eq!(idx.line_col(3), (2, 1));
        assert_eq!(idx.line_col(7), (4, 1));
        assert_eq!(idx.line_col(9), (4, 2));
        assert_eq!(idx.line(100), 4);
    }

    #[test]
    fn columns_count_characters_across_blocks() {
        let text = format!("x\n{}é{}\n", "é".repeat(700), "a".repeat(300));
        let idx = LineIndex::new(&text);
        for (offset, _) in text.char_indices() {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let line = text[..offset].matches('\n').count() + 1;
            assert_eq!(idx.line_col(offset), (line, text[start..offset].chars().count() + 1), "offset {offset}");
        }
    }

    #[test]
    fn line_starts_count_and_split_lines_as_str_lines_does() {
        for text in ["", "a", "a\n", "a\r\nb", "\n\n", "a\r\n\r\n", "x\ry\n", "\r\n", "é\nü"] {
            let starts = LineStarts::of(text);
            let lines: Vec<&str> =
                (0..starts.count(text)).map(|i| starts.range(text, i)).map(|(a, b)| &text[a..b]).collect();
            assert_eq!(lines, text.lines().collect::<Vec<_>>(), "{text:?}");
        }
    }

    /// Random replacements (newlines and `\r\n` in and around them, ASCII or not, at the ends
    /// of the text): the moved starts are the new text's, and its index answers as a fresh one.
    #[test]
    fn replaced_starts_are_the_starts_of_the_new_text() {
        let mut rng = crate::profile::synth::XorShift::new(11);
        let pieces = ["a", "\n", "\r\n", "bc\n", "é", "\n\n", "  \"x\": 1,\n"];
        let text_of = |rng: &mut crate::profile::synth::XorShift, n: usize| -> String {
            (0..n).map(|_| pieces[rng.index(pieces.len())]).collect()
        };
        for round in 0..2000 {
            let n = rng.index(30);
            let old = text_of(&mut rng, n);
            let cut = |rng: &mut crate::profile::synth::XorShift, text: &str| {
                let mut at = rng.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                at
            };
            let (a, b) = (cut(&mut rng, &old), cut(&mut rng, &old));
            let (head, old_end) = (a.min(b), a.max(b));
            let n = rng.index(5);
            let replacement = text_of(&mut rng, n);
            let new = format!("{}{replacement}{}", &old[..head], &old[old_end..]);
            let moved = LineStarts::of(&old).replaced(&new, head, old_end, head + replacement.len());
            let fresh_starts = LineStarts::of(&new);
            assert_eq!(moved.starts, fresh_starts.starts, "round {round}: {old:?} -> {new:?}");
            assert!(!moved.ascii || new.is_ascii(), "round {round}: {new:?} is not ASCII");
            assert_eq!(moved.ascii, new.is_ascii() && old.is_ascii(), "round {round}");
            let (fresh, kept) = (LineIndex::new(&new), moved.index(&new));
            for offset in (0..=new.len()).filter(|o| new.is_char_boundary(*o)) {
                assert_eq!(kept.line_col(offset), fresh.line_col(offset), "round {round}, offset {offset}");
            }
        }
    }
}
