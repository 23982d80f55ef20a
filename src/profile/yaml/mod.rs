//! YAML files (Kubernetes manifests, SPO `SeccompProfile` resources): split into documents that
//! keep their place in the text, parsed into JSON values, written back block-style.
//!
//! The values are `serde_json::Value`s (parsed with `serde_yaml_ng`, a maintained fork of
//! serde_yaml), so the JSON machinery (model reader, edits, evaluator) works on them unchanged.

pub mod emit;
pub mod locate;

use crate::profile::limits::{MAX_YAML_DEPTH, yaml_too_deep};
use serde_json::Value;

/// One YAML document of a file: where its text is, and what it says.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    /// Byte range of the document's text (from its `---` line, if any, to the next one).
    pub start: usize,
    pub end: usize,
    /// 1-based line where the range starts.
    pub first_line: usize,
    pub value: Value,
}

/// Why a YAML text could not be read, with a 1-based position in the whole file.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Whether a text is YAML rather than JSON: JSON profiles start with `{` (or `[` when they are
/// not profiles at all); anything else that is not empty is read as YAML.
pub fn looks_like_yaml(text: &str) -> bool {
    let first = text.trim_start_matches('\u{feff}').trim_start().chars().next();
    first.is_some_and(|c| c != '{' && c != '[')
}

/// Splits the text at `---` lines and parses every document that has content.
pub fn parse_documents(text: &str) -> Result<Vec<YamlDocument>, YamlError> {
    check_depth(text)?;
    let mut docs = Vec::new();
    for (start, end, first_line) in document_ranges(text) {
        let piece = &text[start..end];
        if !has_content(piece) {
            continue;
        }
        let value: Value = serde_yaml_ng::from_str(piece).map_err(|e| {
            let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            // An error at the end of the text is reported on its last line, not one past it.
            let last = text.lines().count().max(1);
            YamlError { line: (first_line + line - 1).min(last), column, message: clean_message(&e.to_string()) }
        })?;
        docs.push(YamlDocument { start, end, first_line, value });
    }
    Ok(docs)
}

/// Refuses nesting deeper than [`MAX_YAML_DEPTH`] before the parser sees it: the parser
/// recurses per level and took minutes on 100,000 levels before giving up.
pub fn check_depth(text: &str) -> Result<(), YamlError> {
    match yaml_too_deep(text, MAX_YAML_DEPTH) {
        Some(line) => Err(YamlError {
            line,
            column: 1,
            message: format!("nesting deeper than {MAX_YAML_DEPTH} levels (a profile needs 6); refusing to parse it"),
        }),
        None => Ok(()),
    }
}

/// Byte ranges between document markers. A `---` at column 0 always starts a document: block
/// scalars and nested content are indented, so the marker cannot occur inside them.
fn document_ranges(text: &str) -> Vec<(usize, usize, usize)> {
    let mut ranges = Vec::new();
    let (mut start, mut start_line, mut offset) = (0, 1, 0);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let is_marker = line.starts_with("---") && line[3..].chars().next().is_none_or(char::is_whitespace);
        if is_marker && offset > start {
            ranges.push((start, offset, start_line));
            (start, start_line) = (offset, i + 1);
        }
        offset += line.len();
    }
    ranges.push((start, text.len(), start_line));
    ranges
}

/// Whether a piece holds more than markers, comments and blank lines.
fn has_content(piece: &str) -> bool {
    piece.lines().any(|l| {
        let t = l.trim();
        !(t.is_empty() || t.starts_with('#') || t == "---" || t == "..." || t.starts_with("--- #"))
    })
}

/// serde_yaml_ng puts " at line L column C" into messages; the position is reported apart.
fn clean_message(message: &str) -> String {
    let Some(at) = message.find(" at line ") else { return message.to_string() };
    let rest = &message[at + " at line ".len()..];
    // Skip "L column C" (digits, " column ", digits).
    let skipped = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let skipped = skipped.strip_prefix(" column ").unwrap_or(skipped).trim_start_matches(|c: char| c.is_ascii_digit());
    format!("{}{skipped}", &message[..at])
}

/// Replaces the text of document `doc` by `content`, keeping every other byte of the file.
pub fn replace_document(text: &str, doc: &YamlDocument, content: &str) -> String {
    let piece = &text[doc.start..doc.end];
    // Keep the `---` line and leading comments of the document; replace from its first content line.
    let keep = leading_part(piece);
    let mut out = String::with_capacity(text.len() + content.len());
    out.push_str(&text[..doc.start]);
    out.push_str(&piece[..keep]);
    out.push_str(content);
    out.push_str(&piece[trailing_start(piece)..]);
    out.push_str(&text[doc.end..]);
    out
}

/// The byte range of a document's content: without its `---` line, the comments above its
/// first key, and what trails its last line.
pub fn content_range(text: &str, doc: &YamlDocument) -> (usize, usize) {
    let piece = &text[doc.start..doc.end];
    (doc.start + leading_part(piece), doc.start + trailing_start(piece))
}

/// Length of the document's leading marker and comment lines.
fn leading_part(piece: &str) -> usize {
    let mut len = 0;
    for line in piece.split_inclusive('\n') {
        let t = line.trim();
        let marker_only = t == "---" || t.starts_with("--- #");
        if !(t.is_empty() || t.starts_with('#') || marker_only) {
            break;
        }
        len += line.len();
    }
    len
}

/// Where the document's trailing blank lines, comments at column 0 and `...` marker begin.
fn trailing_start(piece: &str) -> usize {
    let mut end = piece.len();
    let lines: Vec<&str> = piece.split_inclusive('\n').collect();
    for line in lines.iter().rev() {
        let t = line.trim_end();
        if t.is_empty() || t == "..." || t.starts_with('#') {
            end -= line.len();
        } else {
            break;
        }
    }
    end.max(leading_part(piece))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "# leading comment\napiVersion: v1\nkind: A\n---\n# about B\nkind: B\nlist:\n- 1\n- 2\n...\n";

    #[test]
    fn documents_keep_their_ranges_and_lines() {
        let docs = parse_documents(TWO).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].value["kind"], "A");
        assert_eq!(docs[1].value["list"][1], 2);
        assert_eq!(docs[1].first_line, 4);
        assert_eq!(&TWO[docs[1].start..docs[1].start + 4], "---\n");
    }

    #[test]
    fn errors_point_at_the_line_in_the_whole_file() {
        let err = parse_documents("a: 1\n---\nb: [1, 2\n").unwrap_err();
        assert!(err.line >= 3, "{err:?}");
    }

    #[test]
    fn replacing_a_document_keeps_the_others_and_its_comments() {
        let docs = parse_documents(TWO).unwrap();
        let out = replace_document(TWO, &docs[1], "kind: C\n");
        assert_eq!(out, "# leading comment\napiVersion: v1\nkind: A\n---\n# about B\nkind: C\n...\n");
    }

    #[test]
    fn json_and_yaml_are_told_apart() {
        assert!(!looks_like_yaml("  {\"defaultAction\": 1}"));
        assert!(looks_like_yaml("apiVersion: v1\n"));
        assert!(looks_like_yaml("# comment\n{}"));
        assert!(!looks_like_yaml(""));
    }
}
