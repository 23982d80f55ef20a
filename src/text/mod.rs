//! Small text helpers shared by messages: edit distance and did-you-mean; and the shortest
//! edit script between two sequences ([`edit_script`]), which the JSON patch and the JSON tab use.

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
    fn suggestions() {
        let keys = ["defaultAction", "syscalls", "architectures"];
        assert_eq!(did_you_mean("defaultACtion", keys), Some("defaultAction"));
        assert_eq!(did_you_mean("sycalls", keys), Some("syscalls"));
        assert_eq!(did_you_mean("unrelated", keys), None);
    }
}
