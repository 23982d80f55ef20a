//! Finds the line of a JSON path in a block-style YAML document, so findings about a YAML
//! profile point at the YAML file's own lines.
//!
//! The document's key/item structure is indexed once ([`YamlIndex`]); each lookup then costs
//! one hash or vector access per path step, so locating thousands of findings stays linear.

use super::emit::{indentation, is_blank_or_comment, is_item, plain_key};
use crate::profile::json::PathStep;
use std::collections::HashMap;

/// Deeper levels are not indexed (the loader refuses nesting deeper than this anyway); a
/// path into them is located at the deepest indexed line.
const MAX_LEVELS: usize = 256;

/// The keys and items of one block level, each with its line and what is nested under it.
#[derive(Default)]
struct Level {
    keys: HashMap<String, usize>,
    items: Vec<usize>,
}

struct Head {
    /// 1-based line and column within the document's text.
    line: usize,
    column: usize,
    level: Level,
}

/// Every key and item of a document's text, by path.
pub struct YamlIndex {
    root: Level,
    heads: Vec<Head>,
}

/// The text's lines while indexing: item lines whose `- ` is read as indentation (so the keys
/// of a mapping item line up with the keys below it) are marked in `dashes`.
struct Lines<'t> {
    lines: Vec<&'t str>,
    dashes: Vec<bool>,
    /// Indexes of the lines that are neither blank nor comments: every region is a range of it.
    content_lines: Vec<usize>,
}

impl Lines<'_> {
    fn indent(&self, i: usize) -> usize {
        indentation(self.lines[i]) + if self.dashes[i] { 2 } else { 0 }
    }

    fn content(&self, i: usize) -> &str {
        &self.lines[i][self.indent(i).min(self.lines[i].len())..]
    }
}

impl YamlIndex {
    pub fn new(text: &str) -> YamlIndex {
        let lines: Vec<&str> = text.lines().collect();
        let content_lines = (0..lines.len()).filter(|&i| !is_blank_or_comment(lines[i])).collect();
        let mut t = Lines { dashes: vec![false; lines.len()], lines, content_lines };
        let mut index = YamlIndex { root: Level::default(), heads: Vec::new() };
        let all = 0..t.content_lines.len();
        index.root = index.level(&mut t, all, 0);
        index
    }

    /// The 1-based line and column of the deepest part of `path` found (`None` when not even
    /// the first step is there).
    pub fn locate(&self, path: &[PathStep]) -> Option<(usize, usize)> {
        let mut level = &self.root;
        let mut found = None;
        for step in path {
            let head = match step {
                PathStep::Key(k) => level.keys.get(k.as_str()).copied(),
                PathStep::Index(n) => level.items.get(*n).copied(),
            };
            let Some(head) = head.map(|h| &self.heads[h]) else { break };
            found = Some((head.line, head.column));
            level = &head.level;
        }
        found
    }

    /// Indexes the keys and items of the region `range` (of `t.content_lines`).
    fn level(&mut self, t: &mut Lines, range: std::ops::Range<usize>, depth: usize) -> Level {
        let mut level = Level::default();
        let Some(&first) = t.content_lines.get(range.start) else { return level };
        if range.is_empty() || depth >= MAX_LEVELS {
            return level;
        }
        let indent = t.indent(first);
        let mut at = range.start;
        while at < range.end {
            let head = t.content_lines[at];
            if t.indent(head) != indent {
                at += 1;
                continue;
            }
            let is_item_head = is_item(t.content(head));
            let key = if is_item_head { None } else { plain_key(t.content(head)).map(str::to_string) };
            let mut body_start = at + 1;
            if is_item_head && t.content(head).len() > 2 {
                // The item's own line holds its first key: read the dash as indentation.
                t.dashes[head] = true;
                body_start = at;
            }
            let mut end = at + 1;
            while end < range.end {
                let i = t.content_lines[end];
                // Kubectl style puts a key's list items at the key's own indentation.
                let nested = t.indent(i) > indent || (t.indent(i) == indent && is_item(t.content(i)) && !is_item_head);
                if !nested {
                    break;
                }
                end += 1;
            }
            let id = self.heads.len();
            self.heads.push(Head { line: head + 1, column: indent + 1, level: Level::default() });
            let nested = self.level(t, body_start..end, depth + 1);
            self.heads[id].level = nested;
            if is_item_head {
                level.items.push(id);
            } else if let Some(key) = key {
                level.keys.entry(key).or_insert(id);
            }
            at = end;
        }
        level
    }
}

/// The 1-based line and column of the deepest part of `path` found in `text` (a document's
/// text; add its first line to get the file's line). `None` when not even the first step is there.
pub fn locate(text: &str, path: &[PathStep]) -> Option<(usize, usize)> {
    YamlIndex::new(text).locate(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(steps: &[&str]) -> Vec<PathStep> {
        steps.iter().map(|s| s.parse::<usize>().map_or(PathStep::Key(s.to_string()), PathStep::Index)).collect()
    }

    const TEXT: &str = "kind: SeccompProfile\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names:\n    - read\n  # second\n  - names:\n    - write\n    action: SCMP_ACT_BOGUS\n";

    #[test]
    fn paths_find_their_lines() {
        assert_eq!(locate(TEXT, &path(&["spec", "defaultAction"])), Some((3, 3)));
        assert_eq!(locate(TEXT, &path(&["spec", "syscalls", "0", "action"])), Some((5, 5)));
        assert_eq!(locate(TEXT, &path(&["spec", "syscalls", "0", "names", "0"])), Some((7, 5)));
        assert_eq!(locate(TEXT, &path(&["spec", "syscalls", "1", "action"])), Some((11, 5)));
        assert_eq!(locate(TEXT, &path(&["spec", "syscalls", "1", "names", "0"])), Some((10, 5)));
    }

    #[test]
    fn a_missing_step_gives_the_deepest_line_found() {
        assert_eq!(locate(TEXT, &path(&["spec", "flags"])), Some((2, 1)));
        assert_eq!(locate(TEXT, &path(&["status"])), None);
    }

    #[test]
    fn kubectl_style_items_at_the_keys_indentation() {
        let text = "spec:\n  syscalls:\n  - names:\n    - read\n    action: A\n  - names:\n    - write\n  flags: []\n";
        assert_eq!(locate(text, &path(&["spec", "syscalls", "1", "names", "0"])), Some((7, 5)));
        assert_eq!(locate(text, &path(&["spec", "syscalls", "0", "action"])), Some((5, 5)));
        assert_eq!(locate(text, &path(&["spec", "flags"])), Some((8, 3)));
    }

    #[test]
    fn one_index_serves_many_rules_in_linear_time() {
        let mut text = String::from("spec:\n  syscalls:\n");
        for i in 0..20_000 {
            text.push_str(&format!("  - action: A\n    names:\n    - n{i}\n"));
        }
        let started = std::time::Instant::now();
        let index = YamlIndex::new(&text);
        for i in (0..20_000).step_by(7) {
            assert_eq!(index.locate(&path(&["spec", "syscalls", &i.to_string(), "names", "0"])), Some((5 + 3 * i, 5)));
        }
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }
}
