//! Finds the line of a JSON path in a block-style YAML document, so findings about a YAML
//! profile point at the YAML file's own lines.

use super::emit::{indentation, is_blank_or_comment, is_item, plain_key};
use crate::profile::json::PathStep;
use std::collections::HashSet;

/// The text's lines, and the item lines whose `- ` is read as indentation (so the keys of a
/// mapping item line up with the keys below it).
struct Lines<'t> {
    lines: Vec<&'t str>,
    dashes: HashSet<usize>,
}

impl Lines<'_> {
    fn indent(&self, i: usize) -> usize {
        indentation(self.lines[i]) + if self.dashes.contains(&i) { 2 } else { 0 }
    }

    fn content(&self, i: usize) -> &str {
        &self.lines[i][self.indent(i)..]
    }
}

/// The 1-based line and column of the deepest part of `path` found in `text` (a document's
/// text; add its first line to get the file's line). `None` when not even the first step is there.
pub fn locate(text: &str, path: &[PathStep]) -> Option<(usize, usize)> {
    let mut t = Lines { lines: text.lines().collect(), dashes: HashSet::new() };
    let mut region: Vec<usize> = (0..t.lines.len()).filter(|&i| !is_blank_or_comment(t.lines[i])).collect();
    let mut found = None;
    for step in path {
        let Some(&first) = region.first() else { break };
        let indent = t.indent(first);
        let mut heads = region.iter().copied().filter(|&i| t.indent(i) == indent);
        let head = match step {
            PathStep::Key(k) => heads.find(|&i| plain_key(t.content(i)) == Some(k.as_str())),
            PathStep::Index(n) => heads.filter(|&i| is_item(t.content(i))).nth(*n),
        };
        let Some(head) = head else { break };
        found = Some((head + 1, indent + 1));
        let at = region.iter().position(|&i| i == head).unwrap_or(region.len());
        let mut body = Vec::new();
        if matches!(step, PathStep::Index(_)) && t.content(head).len() > 2 {
            t.dashes.insert(head);
            body.push(head);
        }
        for &i in &region[at + 1..] {
            // Kubectl style puts a key's list items at the key's own indentation.
            let nested =
                t.indent(i) > indent || (t.indent(i) == indent && is_item(t.content(i)) && !is_item(t.content(head)));
            if !nested {
                break;
            }
            body.push(i);
        }
        region = body;
    }
    found
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
}
