//! Findings: problems found while loading or linting a profile, with where and why.

use super::json::{Node, PathStep, path_to_string};
use super::position::LineIndex;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        })
    }
}

/// One problem, with a stable id, a JSON path and a source position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub level: Level,
    /// `syscalls[3].args[0].op`
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// The syscall the finding is about, when there is one (the editor jumps to it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syscall: Option<String>,
}

impl Finding {
    pub fn new(id: &'static str, level: Level, path: &[PathStep], message: impl Into<String>) -> Finding {
        Finding {
            id,
            level,
            path: path_to_string(path),
            line: None,
            column: None,
            message: message.into(),
            hint: None,
            syscall: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = Some(hint.into());
        self
    }

    pub fn about(mut self, syscall: impl Into<String>) -> Finding {
        self.syscall = Some(syscall.into());
        self
    }

    /// Fills line and column from the key at the end of `path` (for findings about a key).
    pub fn locate_key(mut self, root: &Node, index: &LineIndex, path: &[PathStep]) -> Finding {
        if let (Some(PathStep::Key(k)), Some(parent)) = (path.last(), root.at(&path[..path.len().saturating_sub(1)])) {
            if let Some(member) = parent.member(k) {
                let (line, column) = index.line_col(member.key_span.start);
                self.line = Some(line);
                self.column = Some(column);
                return self;
            }
        }
        self.locate(root, index, path)
    }

    /// Fills line and column from the node at `path` (or its nearest existing parent).
    pub fn locate(mut self, root: &Node, index: &LineIndex, path: &[PathStep]) -> Finding {
        let mut len = path.len();
        loop {
            if let Some(node) = root.at(&path[..len]) {
                let (line, column) = index.line_col(node.span.start);
                self.line = Some(line);
                self.column = Some(column);
                return self;
            }
            if len == 0 {
                return self;
            }
            len -= 1;
        }
    }
}

/// Renders `file:line:column: level[id]: message` plus an indented hint line.
pub fn format_finding(file: &str, f: &Finding) -> String {
    format_finding_with(file, f, |level| level.to_string())
}

/// As [`format_finding`], with the level label written by `label` (the CLI colours it).
pub fn format_finding_with(file: &str, f: &Finding, label: impl Fn(Level) -> String) -> String {
    let place = match (f.line, f.column) {
        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
        _ => file.to_string(),
    };
    let mut out = format!("{place}: {}[{}]: {}: {}", label(f.level), f.id, f.path, f.message);
    if let Some(h) = &f.hint {
        out.push_str(&format!("\n    hint: {h}"));
    }
    out
}
