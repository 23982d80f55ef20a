//! A JSON syntax tree that remembers where every value and key sits in the source text.

use compact_str::CompactString;
use serde_json::{Map, Value};

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One JSON value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// The literal text of the number, so it can be re-emitted unchanged.
    Number(CompactString),
    String(CompactString),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

/// `"key": value` inside an object, with the key's own span (quotes included).
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: CompactString,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    /// The value as a `serde_json::Value`; for duplicate keys the last one wins, as in Go's
    /// encoding/json, which is what the container engines use.
    pub fn to_value(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(text) => number_value(text),
            NodeKind::String(s) => Value::String(s.to_string()),
            NodeKind::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            NodeKind::Object(members) => {
                let mut map = Map::new();
                for m in members {
                    map.insert(m.key.to_string(), m.value.to_value());
                }
                Value::Object(map)
            }
        }
    }

    /// The member named `key` (the last one when a key repeats).
    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.kind {
            NodeKind::Object(members) => members.iter().rev().find(|m| m.key == key),
            _ => None,
        }
    }

    /// Follows a path of object keys and array indexes.
    pub fn at(&self, path: &[PathStep]) -> Option<&Node> {
        let mut node = self;
        for step in path {
            node = match (step, &node.kind) {
                (PathStep::Key(k), NodeKind::Object(_)) => &node.member(k)?.value,
                (PathStep::Index(i), NodeKind::Array(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }
}

/// One step of a JSON path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// Renders a path the way people write it: `syscalls[3].args[0].op`.
pub fn path_to_string(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() { "(top level)".to_string() } else { out }
}

/// Reads back what [`path_to_string`] wrote (keys containing `.` or `[` are not told apart).
pub fn parse_path(text: &str) -> Vec<PathStep> {
    let mut out = Vec::new();
    if text == "(top level)" {
        return out;
    }
    for part in text.split('.') {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        if !key.is_empty() {
            out.push(PathStep::Key(key.to_string()));
        }
        for index in indexes.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(PathStep::Index(i));
            }
        }
    }
    out
}

fn number_value(text: &str) -> Value {
    serde_json::from_str::<serde_json::Number>(text).map(Value::Number).unwrap_or(Value::Null)
}
