//! Lossless JSON: a span-keeping parser, and a patcher that writes edits back as small diffs.

pub mod parse;
pub mod patch;
pub mod style;
pub mod tree;

pub use parse::{SyntaxError, parse};
pub use patch::patch;
pub use tree::{Member, Node, NodeKind, PathStep, Span, parse_path, path_to_string};
