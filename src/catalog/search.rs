//! Fuzzy search over the catalog: names first, then summaries and categories.

use super::{SyscallInfo, all, groups_of};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A match: the entry, its score, and the matched character positions in the name.
pub struct Hit {
    pub info: &'static SyscallInfo,
    pub score: i64,
    pub name_positions: Vec<usize>,
}

/// Entries matching `query`, best first. A name match scores above a summary or group match.
pub fn search(query: &str) -> Vec<Hit> {
    let matcher = SkimMatcherV2::default().ignore_case();
    let query = query.trim();
    let lower = query.to_ascii_lowercase();
    let mut hits: Vec<Hit> = all()
        .iter()
        .filter_map(|info| {
            if query.is_empty() {
                return Some(Hit { info, score: 0, name_positions: Vec::new() });
            }
            if let Some((score, positions)) = matcher.fuzzy_indices(info.name, query) {
                return Some(Hit { info, score: score * 4, name_positions: positions });
            }
            let word_hit = haystack(info.name).contains(&lower);
            word_hit.then(|| Hit { info, score: 1, name_positions: Vec::new() })
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score.cmp(&a.score).then(a.info.name.len().cmp(&b.info.name.len())).then(a.info.name.cmp(b.info.name))
    });
    hits
}

/// Summary, category and groups of a syscall in lower case, built once: the editor searches
/// on every keystroke.
fn haystack(name: &str) -> &'static str {
    static HAYSTACKS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    let all = HAYSTACKS.get_or_init(|| {
        all()
            .iter()
            .map(|info| {
                let groups: Vec<&str> = groups_of(info.name).iter().map(|g| g.name).collect();
                let text = format!("{} {} {}", info.summary, info.category.id, groups.join(" "));
                (info.name, text.to_ascii_lowercase())
            })
            .collect()
    });
    all.get(name).map_or("", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_rank_first_and_summaries_match_words() {
        let hits = search("mount");
        assert_eq!(hits[0].info.name, "mount");
        assert!(hits.iter().any(|h| h.info.name == "umount2"));
        assert_eq!(hits[0].name_positions, vec![0, 1, 2, 3, 4]);
        let by_summary = search("keyring");
        assert!(by_summary.iter().any(|h| h.info.name == "keyctl"), "found through its category or summary");
        assert_eq!(search("").len(), all().len());
    }
}
