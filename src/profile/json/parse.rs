//! A strict JSON parser (RFC 8259) that records spans and reports errors by line and column.

use super::tree::{Member, Node, NodeKind, Span};
use crate::profile::position::LineIndex;
use compact_str::CompactString;

/// A syntax error with its position (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 256;

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser { text, bytes: text.as_bytes(), pos: 0, depth: 0 };
    let run = |p: &mut Parser| -> Result<Node, String> {
        p.skip_bom();
        p.skip_ws();
        if p.pos >= p.bytes.len() {
            return Err("the file is empty; expected a JSON object".into());
        }
        let node = p.value()?;
        p.skip_ws();
        if p.pos < p.bytes.len() {
            return Err(format!("unexpected {} after the end of the JSON value", p.describe_here()));
        }
        Ok(node)
    };
    run(&mut p).map_err(|message| {
        let (line, column) = LineIndex::new(text).line_col(p.pos);
        SyntaxError { offset: p.pos, line, column, message }
    })
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn skip_bom(&mut self) {
        if self.text.starts_with('\u{feff}') {
            self.pos = 3;
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn describe_here(&self) -> String {
        match self.text[self.pos..].chars().next() {
            None => "end of file".into(),
            Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            Some(c) => format!("`{c}`"),
        }
    }

    fn value(&mut self) -> Result<Node, String> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => NodeKind::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => NodeKind::Number(self.number()?),
            Some(b't') => self.literal("true", NodeKind::Bool(true))?,
            Some(b'f') => self.literal("false", NodeKind::Bool(false))?,
            Some(b'n') => self.literal("null", NodeKind::Null)?,
            Some(b'\'') => return Err("strings must use double quotes, not single quotes".into()),
            None => return Err("unexpected end of file; expected a value".into()),
            _ => return Err(format!("expected a value, found {}", self.describe_here())),
        };
        Ok(Node { span: Span { start, end: self.pos }, kind })
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<NodeKind, String>) -> Result<NodeKind, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn literal(&mut self, word: &str, kind: NodeKind) -> Result<NodeKind, String> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(format!("expected a value, found {}", self.describe_here()))
        }
    }

    fn object(&mut self) -> Result<NodeKind, String> {
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(NodeKind::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                let hint = if self.peek() == Some(b'}') { " (trailing comma?)" } else { "" };
                return Err(format!("expected a key in double quotes, found {}{hint}", self.describe_here()));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span { start: key_start, end: self.pos };
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(format!("expected `:` after key \"{key}\", found {}", self.describe_here()));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            members.push(Member { key, key_span, value });
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(NodeKind::Object(members));
                }
                _ => {
                    return Err(format!("expected `,` or `}}` after a member, found {}", self.describe_here()));
                }
            }
        }
    }

    fn array(&mut self) -> Result<NodeKind, String> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(NodeKind::Array(items));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') {
                return Err("expected a value, found `]` (trailing comma?)".into());
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(NodeKind::Array(items));
                }
                _ => {
                    return Err(format!("expected `,` or `]` after an element, found {}", self.describe_here()));
                }
            }
        }
    }

    fn string(&mut self) -> Result<CompactString, String> {
        self.pos += 1; // opening quote
        // Most strings have no escape: their text is taken whole (a character at a time took a
        // tenth of opening a big profile).
        let plain = self.bytes[self.pos..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        let mut out = match plain {
            Some(n) if self.bytes[self.pos + n] == b'"' => {
                let text = CompactString::from(&self.text[self.pos..self.pos + n]);
                self.pos += n + 1;
                return Ok(text);
            }
            Some(n) => {
                let text = CompactString::from(&self.text[self.pos..self.pos + n]);
                self.pos += n;
                text
            }
            None => {
                self.pos = self.bytes.len();
                return Err("unterminated string".into());
            }
        };
        loop {
            let rest = &self.text[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err("unterminated string".into());
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                c if (c as u32) < 0x20 => {
                    return Err(format!("control character U+{:04X} inside a string (escape it)", c as u32));
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn escape(&mut self) -> Result<char, String> {
        let c = self.peek().ok_or("unterminated string")?;
        self.pos += 1;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => {
                self.pos -= 1;
                return Err(format!("invalid escape `\\{}` in a string", c as char));
            }
        })
    }

    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            if !self.text[self.pos..].starts_with("\\u") {
                return Err("unpaired surrogate in \\u escape".into());
            }
            self.pos += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err("invalid low surrogate in \\u escape".into());
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(code).ok_or_else(|| "invalid \\u escape".to_string());
        }
        char::from_u32(first).ok_or_else(|| "unpaired surrogate in \\u escape".to_string())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or("truncated \\u escape")?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| format!("invalid \\u escape `\\u{digits}`"))?;
        self.pos += 4;
        Ok(v)
    }

    fn number(&mut self) -> Result<CompactString, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9' | b'x' | b'X') = self.peek() {
                    return Err(
                        "numbers may not have leading zeros or be hexadecimal in JSON; write the decimal value".into(),
                    );
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err("invalid number".into()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err("expected a digit after the decimal point".into());
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err("expected a digit in the exponent".into());
            }
            self.digits();
        }
        Ok(CompactString::from(&self.text[start..self.pos]))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_values_and_keys() {
        let text = "{\n  \"a\": [1, \"x\"],\n  \"b\": null\n}\n";
        let root = parse(text).unwrap();
        let a = root.member("a").unwrap();
        assert_eq!(&text[a.key_span.start..a.key_span.end], "\"a\"");
        assert_eq!(&text[a.value.span.start..a.value.span.end], "[1, \"x\"]");
        let b = root.member("b").unwrap();
        assert_eq!(&text[b.value.span.start..b.value.span.end], "null");
    }

    #[test]
    fn errors_have_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!((err.line, err.column), (3, 1));
        assert!(err.message.contains("trailing comma"), "{}", err.message);
        let err = parse("{\"a\": 01}").unwrap_err();
        assert!(err.message.contains("leading zeros"));
        assert!(parse("").unwrap_err().message.contains("empty"));
        assert!(parse("{} x").unwrap_err().message.contains("after the end"));
    }

    #[test]
    fn escapes_decode() {
        let root = parse(r#"{"k": "a\"b\\c\u00e9\ud83d\ude00"}"#).unwrap();
        assert_eq!(root.member("k").unwrap().value.kind, NodeKind::String("a\"b\\c\u{e9}\u{1F600}".into()));
        assert!(parse(r#"{"k": "\ud800"}"#).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        assert!(parse(&text).unwrap_err().message.contains("nesting"));
    }
}
