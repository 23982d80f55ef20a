//! The formatting conventions of a JSON file, learned from the file, for rendering new values.

use super::tree::{Node, NodeKind};
use serde_json::Value;
use std::collections::HashMap;

/// How a file is formatted: indent unit, line ending, key separator, which arrays span lines.
#[derive(Debug, Clone)]
pub struct Style {
    pub unit: String,
    pub newline: &'static str,
    pub colon: String,
    /// Whether the document spans several lines (pretty-printed) at all.
    pub pretty: bool,
    /// For arrays held by a key (`names`, `args`, …): laid out one element per line or not.
    array_layout: HashMap<String, bool>,
}

impl Style {
    pub fn detect(text: &str, root: &Node) -> Style {
        let mut array_layout = HashMap::new();
        learn_layouts(text, root, &mut array_layout);
        Style {
            unit: detect_unit(text),
            newline: if text.contains("\r\n") { "\r\n" } else { "\n" },
            colon: first_colon(text, root).unwrap_or_else(|| ": ".to_string()),
            pretty: text[root.span.start..root.span.end].contains('\n'),
            array_layout,
        }
    }

    /// Whether arrays under this key are laid out one element per line in this file.
    pub fn multiline_for(&self, key: &str) -> Option<bool> {
        self.array_layout.get(key).copied()
    }

    /// Renders a new value whose first line sits at `indent`; `key` is the key holding it.
    pub fn render(&self, value: &Value, indent: &str, key: Option<&str>) -> String {
        match value {
            Value::Array(items) if items.is_empty() => "[]".into(),
            Value::Object(map) if map.is_empty() => "{}".into(),
            Value::Array(items) => {
                let multiline = key.and_then(|k| self.multiline_for(k)).unwrap_or(self.pretty);
                let parts: Vec<(Option<&str>, &Value)> = items.iter().map(|v| (None, v)).collect();
                self.render_container(&parts, indent, multiline, ('[', ']'))
            }
            Value::Object(map) => {
                let parts: Vec<(Option<&str>, &Value)> = map.iter().map(|(k, v)| (Some(k.as_str()), v)).collect();
                self.render_container(&parts, indent, self.pretty, ('{', '}'))
            }
            scalar => serde_json::to_string(scalar).unwrap_or_default(),
        }
    }

    fn render_container(
        &self,
        parts: &[(Option<&str>, &Value)],
        indent: &str,
        multiline: bool,
        brackets: (char, char),
    ) -> String {
        let inner = if multiline { format!("{indent}{}", self.unit) } else { indent.to_string() };
        let rendered: Vec<String> = parts
            .iter()
            .map(|(k, v)| match k {
                Some(k) => format!(
                    "{}{}{}",
                    serde_json::to_string(k).unwrap_or_default(),
                    self.colon,
                    self.render(v, &inner, Some(k))
                ),
                None => self.render(v, &inner, None),
            })
            .collect();
        if multiline {
            let nl = self.newline;
            format!("{}{nl}{inner}{}{nl}{indent}{}", brackets.0, rendered.join(&format!(",{nl}{inner}")), brackets.1)
        } else {
            format!("{}{}{}", brackets.0, rendered.join(", "), brackets.1)
        }
    }
}

fn detect_unit(text: &str) -> String {
    let mut smallest_spaces = usize::MAX;
    for line in text.lines() {
        if line.starts_with('\t') {
            return "\t".into();
        }
        let spaces = line.chars().take_while(|c| *c == ' ').count();
        if spaces > 0 && spaces < line.len() {
            smallest_spaces = smallest_spaces.min(spaces);
        }
    }
    if smallest_spaces == usize::MAX { "    ".into() } else { " ".repeat(smallest_spaces.min(8)) }
}

fn first_colon(text: &str, node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::Object(members) => members.first().and_then(|m| {
            let between = &text[m.key_span.end..m.value.span.start];
            (!between.contains('\n')).then(|| between.to_string())
        }),
        NodeKind::Array(items) => items.iter().find_map(|n| first_colon(text, n)),
        _ => None,
    }
}

fn learn_layouts(text: &str, node: &Node, layouts: &mut HashMap<String, bool>) {
    match &node.kind {
        NodeKind::Object(members) => {
            for m in members {
                if let NodeKind::Array(items) = &m.value.kind {
                    if let Some(first) = items.first() {
                        let between = &text[m.value.span.start..first.span.start];
                        layouts.entry(m.key.to_string()).or_insert(between.contains('\n'));
                    }
                }
                learn_layouts(text, &m.value, layouts);
            }
        }
        NodeKind::Array(items) => items.iter().for_each(|n| learn_layouts(text, n, layouts)),
        _ => {}
    }
}
