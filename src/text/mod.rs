//! Small text helpers shared by messages: edit distance and did-you-mean; the shortest edit
//! script between two sequences ([`edit_script`]), which the JSON patch and the JSON tab use;
//! and the common head and tail of two texts, which an edit's re-read and the JSON tab use.

pub mod edit_script;

/// A count and its noun in the right number: `1 syscall`, `2 syscalls`, `0 errors`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Levenshtein distance, case-sensitive, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The candidate closest to `word`: an exact case-insensitive match first, then edit distance
/// at most `max(2, len/4)`.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = 2.max(word.len() / 4);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.eq_ignore_ascii_case(word) {
            return Some(c);
        }
        // The distance is at least the difference in length: skip what cannot be close.
        if c.len().abs_diff(word.len()) > limit {
            continue;
        }
        let d = edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// How many bytes `a` and `b` have in common at their start.
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    // Compared in chunks: slices compare with memcmp.
    const CHUNK: usize = 4096;
    let mut done = 0;
    while done + CHUNK <= a.len().min(b.len()) && a[done..done + CHUNK] == b[done..done + CHUNK] {
        done += CHUNK;
    }
    done + a[done..].iter().zip(&b[done..]).take_while(|(x, y)| x == y).count()
}

/// How many bytes `a` and `b` have in common at their end.
pub fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 4096;
    let (la, lb) = (a.len(), b.len());
    let mut done = 0;
    while done + CHUNK <= la.min(lb) && a[la - done - CHUNK..la - done] == b[lb - done - CHUNK..lb - done] {
        done += CHUNK;
    }
    done + a[..la - done].iter().rev().zip(b[..lb - done].iter().rev()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn common_heads_and_tails() {
        let long = "x".repeat(10_000);
        for (a, b, head, tail) in [("abc", "abd", 2, 0), ("", "a", 0, 0), ("same", "same", 4, 4), ("xab", "yab", 0, 2)]
        {
            assert_eq!(common_prefix(a.as_bytes(), b.as_bytes()), head, "{a:?} {b:?}");
            assert_eq!(common_suffix(a.as_bytes(), b.as_bytes()), tail, "{a:?} {b:?}");
        }
        let (a, b) = (format!("{long}a{long}"), format!("{long}b{long}"));
        assert_eq!(common_prefix(a.as_bytes(), b.as_bytes()), 10_000);
        assert_eq!(common_suffix(a.as_bytes(), b.as_bytes()), 10_000);
        assert_eq!(common_prefix(long.as_bytes(), &long.as_bytes()[1..]), 9_999);
    }

    #[test]
    fn suggestions() {
        let keys = ["defaultAction", "syscalls", "architectures"];
        assert_eq!(did_you_mean("defaultACtion", keys), Some("defaultAction"));
        assert_eq!(did_you_mean("sycalls", keys), Some("syscalls"));
        assert_eq!(did_you_mean("unrelated", keys), None);
    }
}
