//! Writes JSON values as block-style YAML, either fresh or reusing the original text of every
//! part that did not change, so an edit to a YAML profile changes only the lines it must.

use serde_json::{Map, Value};

/// How sequences under a key are laid out: kubectl style (`key:\n- a`) or indented
/// (`key:\n  - a`). Detected from the file, so new parts look like the old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub indent_sequences: bool,
}

impl Style {
    /// The layout the text uses (kubectl style when it has no block sequence under a key).
    pub fn detect(text: &str) -> Style {
        let lines: Vec<&str> = text.lines().filter(|l| !is_blank_or_comment(l)).collect();
        for pair in lines.windows(2) {
            let (parent, child) = (pair[0], pair[1]);
            if parent.trim_end().ends_with(':') && is_item(child.trim_start()) {
                return Style { indent_sequences: indentation(child) > indentation(parent) };
            }
        }
        Style::default()
    }
}

/// A whole document, fresh.
pub fn document(value: &Value, style: Style) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => emit_map(&mut out, map, 0, style),
        Value::Array(items) if !items.is_empty() => emit_seq(&mut out, items, 0, style),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

/// A document that was `old` with text `text` and is now `new`: unchanged keys and list items
/// keep their text (comments included), changed ones are written fresh. The result is checked
/// by parsing it back; if the original layout was too unusual to reuse, the document is
/// written fresh.
pub fn document_reusing(text: &str, old: &Value, new: &Value, style: Style) -> String {
    if old == new {
        return text.to_string();
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let reused = match (old, new) {
        (Value::Object(o), Value::Object(n)) => reuse_map(&lines, o, n, 0, style),
        _ => None,
    };
    match reused {
        Some(out) if parses_to(&out, new) => out,
        _ => document(new, style),
    }
}

fn parses_to(text: &str, expected: &Value) -> bool {
    serde_yaml_ng::from_str::<Value>(text).is_ok_and(|v| &v == expected)
}

fn emit_map(out: &mut String, map: &Map<String, Value>, indent: usize, style: Style) {
    for (k, v) in map {
        push_pad(out, indent);
        out.push_str(&scalar(&Value::String(k.clone())));
        out.push(':');
        emit_after_key(out, v, indent, style);
    }
}

fn emit_after_key(out: &mut String, value: &Value, indent: usize, style: Style) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            emit_map(out, map, indent + 2, style);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            emit_seq(out, items, indent + if style.indent_sequences { 2 } else { 0 }, style);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn emit_seq(out: &mut String, items: &[Value], indent: usize, style: Style) {
    for item in items {
        emit_item(out, item, indent, style);
    }
}

/// One `- item` at `indent`; a mapping item starts on the dash's line.
fn emit_item(out: &mut String, item: &Value, indent: usize, style: Style) {
    let mut inner = String::new();
    match item {
        Value::Object(map) if !map.is_empty() => emit_map(&mut inner, map, indent + 2, style),
        Value::Array(items) if !items.is_empty() => emit_seq(&mut inner, items, indent + 2, style),
        other => {
            push_pad(out, indent);
            out.push_str("- ");
            out.push_str(&scalar(other));
            out.push('\n');
            return;
        }
    }
    push_pad(out, indent);
    out.push_str("- ");
    out.push_str(&inner[indent + 2..]);
}

/// A scalar (or empty collection) on one line, quoted only when YAML needs it.
fn scalar(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        Value::String(s) if s.contains(['\n', '\r', '\t']) || s.chars().any(char::is_control) => {
            // A JSON string is a valid YAML double-quoted scalar, and stays on one line.
            serde_json::to_string(s).unwrap_or_default()
        }
        other => match serde_yaml_ng::to_string(other) {
            Ok(text) if !text.starts_with(['|', '>']) => text.trim_end().to_string(),
            _ => serde_json::to_string(other).unwrap_or_default(),
        },
    }
}

fn push_pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

pub(super) fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

pub(super) fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

pub(super) fn is_item(trimmed: &str) -> bool {
    trimmed == "-" || trimmed.starts_with("- ")
}

/// A key's or item's lines: the comments above it, its first line, its nested lines.
pub(super) struct Block<'t> {
    pub(super) lines: Vec<&'t str>,
    /// Index in `lines` of the key or dash line.
    pub(super) head: usize,
}

impl Block<'_> {
    fn text(&self) -> String {
        self.lines.concat()
    }
    pub(super) fn body(&self) -> &[&str] {
        &self.lines[self.head + 1..]
    }
}

/// Splits lines at `indent` into blocks, each starting where `starts` says (comments above a
/// block belong to it). `None` when a line sits left of `indent` or nothing starts a block.
pub(super) fn blocks<'t>(lines: &[&'t str], indent: usize, starts: impl Fn(&str) -> bool) -> Option<Vec<Block<'t>>> {
    let mut out: Vec<Block<'t>> = Vec::new();
    let mut pending: Vec<&'t str> = Vec::new();
    for &line in lines {
        if is_blank_or_comment(line) {
            pending.push(line);
            continue;
        }
        let at = indentation(line);
        if at < indent {
            return None;
        }
        if at == indent && starts(&line[at..]) {
            let head = pending.len();
            pending.push(line);
            out.push(Block { lines: std::mem::take(&mut pending), head });
        } else {
            let last = out.last_mut()?;
            last.lines.append(&mut pending);
            last.lines.push(line);
        }
    }
    if let Some(last) = out.last_mut() {
        last.lines.append(&mut pending);
    }
    Some(out)
}

/// The key of a block mapping line `key: …` (plain keys only: quoted keys are left to fresh
/// emission).
pub(super) fn plain_key(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with(['"', '\'', '?', '{', '[', '-']) {
        return None;
    }
    let colon = t.find(": ").or_else(|| t.trim_end().strip_suffix(':').map(str::len))?;
    Some(&t[..colon])
}

fn reuse_map(
    lines: &[&str],
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    indent: usize,
    style: Style,
) -> Option<String> {
    let found = blocks(lines, indent, |l| plain_key(l).is_some())?;
    let by_key: Vec<(&str, &Block)> = found.iter().map(|b| (plain_key(b.lines[b.head]).unwrap_or(""), b)).collect();
    if by_key.len() != old.len() {
        return None;
    }
    let mut out = String::new();
    for (k, v) in new {
        let old_block = by_key.iter().find(|(name, _)| name == k).map(|(_, b)| *b);
        match (old_block, old.get(k)) {
            (Some(block), Some(old_v)) if old_v == v => out.push_str(&block.text()),
            (Some(block), Some(old_v)) => out.push_str(&reuse_key(block, k, old_v, v, indent, style)),
            _ => {
                let mut single = Map::new();
                single.insert(k.clone(), v.clone());
                emit_map(&mut out, &single, indent, style);
            }
        }
    }
    Some(out)
}

/// A changed key: keep its comments and, for a block collection, the unchanged parts inside.
fn reuse_key(block: &Block, key: &str, old: &Value, new: &Value, indent: usize, style: Style) -> String {
    let mut out: String = block.lines[..block.head].concat();
    let head = block.lines[block.head];
    let block_style = head.trim_end().ends_with(':');
    let body = block.body();
    let child_indent = body.iter().find(|l| !is_blank_or_comment(l)).map(|l| indentation(l));
    let inner = match (old, new, child_indent) {
        (Value::Object(o), Value::Object(n), Some(ci)) if block_style && !n.is_empty() && ci > indent => {
            reuse_map(body, o, n, ci, style)
        }
        (Value::Array(o), Value::Array(n), Some(ci)) if block_style && !n.is_empty() && ci >= indent => {
            reuse_seq(body, o, n, ci, style)
        }
        _ => None,
    };
    match inner {
        Some(text) => {
            out.push_str(head);
            out.push_str(&text);
        }
        None => {
            push_pad(&mut out, indent);
            out.push_str(&scalar(&Value::String(key.to_string())));
            out.push(':');
            emit_after_key(&mut out, new, indent, style);
        }
    }
    out
}

fn reuse_seq(lines: &[&str], old: &[Value], new: &[Value], indent: usize, style: Style) -> Option<String> {
    let found = blocks(lines, indent, is_item)?;
    if found.len() != old.len() {
        return None;
    }
    let mut used = vec![false; old.len()];
    let mut out = String::new();
    for (i, item) in new.iter().enumerate() {
        if let Some(j) = (0..old.len()).find(|&j| !used[j] && &old[j] == item) {
            used[j] = true;
            out.push_str(&found[j].text());
            continue;
        }
        // The item at the same place, edited: reuse what is unchanged inside it.
        let edited = (i < old.len() && !used[i]).then(|| reuse_item(&found[i], &old[i], item, indent, style)).flatten();
        match edited {
            Some(text) => {
                used[i] = true;
                out.push_str(&text);
            }
            None => emit_item(&mut out, item, indent, style),
        }
    }
    Some(out)
}

/// An edited mapping item `- key: …`: its lines with the dash blanked are a mapping at
/// `indent + 2`, reused like any other, then the dash is put back.
fn reuse_item(block: &Block, old: &Value, new: &Value, indent: usize, style: Style) -> Option<String> {
    let (Value::Object(o), Value::Object(n)) = (old, new) else { return None };
    let head = block.lines[block.head];
    if n.is_empty() || !head[indent..].starts_with("- ") {
        return None;
    }
    let blanked = format!("{}  {}", &head[..indent], &head[indent + 2..]);
    let mut lines: Vec<&str> = block.lines[block.head + 1..].to_vec();
    lines.insert(0, &blanked);
    let inner = reuse_map(&lines, o, n, indent + 2, style)?;
    let first = inner.lines().position(|l| !is_blank_or_comment(l))?;
    let mut out: String = block.lines[..block.head].concat();
    for (i, line) in inner.split_inclusive('\n').enumerate() {
        if i == first {
            out.push_str(&line[..indent]);
            out.push_str("- ");
            out.push_str(&line[indent + 2..]);
        } else {
            out.push_str(line);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: &Value, style: Style) {
        let text = document(value, style);
        let back: Value = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(&back, value, "{text}");
    }

    #[test]
    fn fresh_documents_parse_back_to_the_same_value() {
        let v = json!({"apiVersion": "v1", "spec": {"syscalls": [{"action": "SCMP_ACT_ALLOW", "names": ["read", "write"],
            "args": [{"index": 0, "value": 18446744073709551615u64, "op": "SCMP_CMP_EQ"}]}], "empty": [], "none": {},
            "tricky": ["yes", "on", "1.0", "null", "", "a: b", "#x", "multi\nline", "- dash"]}});
        round_trip(&v, Style::default());
        round_trip(&v, Style { indent_sequences: true });
    }

    #[test]
    fn kubectl_style_is_the_default_and_detected() {
        let text = document(&json!({"a": {"b": ["x"]}}), Style::default());
        assert_eq!(text, "a:\n  b:\n  - x\n");
        assert!(Style::detect("a:\n  b:\n    - x\n").indent_sequences);
        assert!(!Style::detect(&text).indent_sequences);
    }

    #[test]
    fn an_edit_keeps_comments_and_unchanged_lines() {
        let text = "# the profile\nkind: SeccompProfile\nmetadata:\n  name: x  # its name\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  # reads\n  - action: SCMP_ACT_ALLOW\n    names:\n    - read\n    - write\n  - action: SCMP_ACT_LOG\n    names: [ptrace]\n";
        let old: Value = serde_yaml_ng::from_str(text).unwrap();
        let mut new = old.clone();
        new["spec"]["syscalls"][0]["names"].as_array_mut().unwrap().push(json!("close"));
        let out = document_reusing(text, &old, &new, Style::detect(text));
        assert_eq!(out, text.replace("    - write\n", "    - write\n    - close\n"));
    }

    #[test]
    fn removed_and_added_items_touch_only_their_lines() {
        let text =
            "spec:\n  syscalls:\n  - action: A\n    names:\n    - read\n  - action: B\n    names:\n    - write\n";
        let old: Value = serde_yaml_ng::from_str(text).unwrap();
        let mut new = old.clone();
        new["spec"]["syscalls"].as_array_mut().unwrap().remove(0);
        new["spec"]["syscalls"].as_array_mut().unwrap().push(json!({"action": "C", "names": ["close"]}));
        let out = document_reusing(text, &old, &new, Style::detect(text));
        assert_eq!(
            out,
            "spec:\n  syscalls:\n  - action: B\n    names:\n    - write\n  - action: C\n    names:\n    - close\n"
        );
    }
}
