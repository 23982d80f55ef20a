//! Input limits: how much of an input is read, how long a log line may be, how deep YAML may
//! nest. Every reader stops at its limit (it never reads `/dev/zero` to the end) and says which
//! limit it hit and how to raise it.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};

/// Profiles and manifests: 1 MiB, the size of the largest Kubernetes object (the API server
/// stores objects up to about 1.5 MiB; a `SeccompProfile` must fit) and of the lint's
/// `too-large` check. Real profiles are far smaller (Docker's default is about 20 KiB).
pub const DEFAULT_PROFILE_LIMIT: u64 = 1 << 20;

/// Manifests: a file of many objects (a rendered Helm chart with CRDs) can pass 1 MiB.
pub const DEFAULT_MANIFEST_LIMIT: u64 = 16 << 20;

/// Audit logs are streamed line by line, so only time grows with their size: 4 GiB each.
pub const DEFAULT_LOG_LIMIT: u64 = 4 << 30;

/// Longest log line read: kernel audit records are under 9 KiB (MAX_AUDIT_MESSAGE_LENGTH is
/// 8970 bytes); journald and syslog prefixes add little.
pub const MAX_LOG_LINE: usize = 64 << 10;

/// YAML nesting deeper than this is refused before parsing (a profile needs 6 levels; a
/// Kubernetes manifest rarely more than 20).
pub const MAX_YAML_DEPTH: usize = 64;

/// The flag that raises the input limits.
pub const FLAG: &str = "--max-input-size";

/// `--max-input-size` as given (0: not given).
static MAX_INPUT: AtomicU64 = AtomicU64::new(0);

/// Sets the limit for every input read from now on (`--max-input-size`).
pub fn set_max_input_size(bytes: u64) {
    MAX_INPUT.store(bytes, Ordering::Relaxed);
}

/// The limit for a profile or manifest.
pub fn profile_limit() -> u64 {
    given().unwrap_or(DEFAULT_PROFILE_LIMIT)
}

/// The limit for a file of Kubernetes manifests.
pub fn manifest_limit() -> u64 {
    given().unwrap_or(DEFAULT_MANIFEST_LIMIT)
}

/// The limit for one audit log.
pub fn log_limit() -> u64 {
    given().unwrap_or(DEFAULT_LOG_LIMIT)
}

fn given() -> Option<u64> {
    Some(MAX_INPUT.load(Ordering::Relaxed)).filter(|b| *b > 0)
}

/// Why an input could not be read whole.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// Over the limit; `size` is the file's size when it is a regular file.
    #[error("{}", too_large_message(*.size, *.limit, .what))]
    TooLarge { size: Option<u64>, limit: u64, what: &'static str },
    #[error("{0}")]
    Io(#[from] io::Error),
}

fn too_large_message(size: Option<u64>, limit: u64, what: &str) -> String {
    let is = match size {
        Some(size) => format!("is {}", human(size)),
        None => format!("is larger than {} (reading stopped there)", human(limit)),
    };
    let enough = size.unwrap_or(limit.saturating_mul(4)).max(1).next_power_of_two().max(1 << 20);
    format!("{is}; {what} are limited to {}: use {FLAG} {} to read it", human(limit), flag_value(enough))
}

/// A size as `--max-input-size` takes it: `4MiB`, `2GiB`.
fn flag_value(bytes: u64) -> String {
    human(bytes).replace(' ', "")
}

/// Reads all of `reader` but at most `limit` bytes: one byte more is an error, and nothing
/// past it is read. `what` names the kind of input in the message ("profiles").
pub fn read_limited(reader: impl Read, limit: u64, what: &'static str) -> Result<Vec<u8>, LimitError> {
    let mut out = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(LimitError::TooLarge { size: None, limit, what });
    }
    Ok(out)
}

/// Reads a file of at most `limit` bytes, saying how large it is when it is larger.
pub fn read_file_limited(path: &std::path::Path, limit: u64, what: &'static str) -> Result<Vec<u8>, LimitError> {
    // Regular files only, opened non-blocking: a FIFO or a device is refused, never read.
    let file = crate::fsutil::open_regular(path)?;
    let size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    match size {
        Some(size) if size > limit => Err(LimitError::TooLarge { size: Some(size), limit, what }),
        _ => read_limited(file, limit, what),
    }
}

/// Reads one line (up to and without `\n`) into `buf`, at most `max` bytes of it: a longer
/// line is an error and is not kept in memory. Returns the bytes consumed (0 at the end).
pub fn read_line_limited(reader: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    buf.clear();
    let mut consumed = 0;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], i + 1),
            None => (available, 0),
        };
        if buf.len() + chunk.len() > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line longer than {} (no audit record is that long; is this a log?)", human(max as u64)),
            ));
        }
        buf.extend_from_slice(chunk);
        let used = if done > 0 { done } else { chunk.len() };
        reader.consume(used);
        consumed += used;
        if done > 0 {
            return Ok(consumed);
        }
    }
}

/// Parses `--max-input-size`: bytes, or a number with K, M, G (powers of 1024; `KiB`, `MB` … too).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let number: u64 =
        digits.parse().map_err(|_| format!("\"{text}\" is not a size (write e.g. 4MiB, 512K or 1048576)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("\"{text}\": unknown unit \"{unit}\" (use K, M or G)")),
    };
    match number.checked_mul(1 << shift) {
        Some(0) => Err("the size must be larger than 0".into()),
        Some(n) => Ok(n),
        None => Err(format!("\"{text}\" is too large")),
    }
}

/// `3.2 MiB`, `64 KiB`, `900 bytes`.
pub fn human(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            return if bytes % size == 0 { format!("{} {unit}", bytes / size) } else { format!("{value:.1} {unit}") };
        }
    }
    format!("{bytes} bytes")
}

/// The deepest YAML nesting, found without parsing: indentation of block lines (each deeper
/// indentation one level) plus open flow brackets. Returns the 1-based line where `max` is
/// first exceeded. Comments and quoted scalars are skipped; block scalars (`|`, `>`) may only
/// overestimate, which matters only past `max` levels of indentation.
pub fn yaml_too_deep(text: &str, max: usize) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (n, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        if flow == 0 && !(body.is_empty() || body.starts_with('#')) {
            let indent = line.len() - body.len() + body.len() - body.trim_start_matches(['-', ' ']).len();
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        flow = scan_flow(body, flow, max);
        if indents.len() + flow > max {
            return Some(n + 1);
        }
    }
    None
}

/// Follows `[`/`{` and `]`/`}` on one line, outside quotes and comments.
fn scan_flow(body: &str, mut flow: usize, max: usize) -> usize {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in body.chars() {
        match (quote, c) {
            (Some(q), c) if c == q && prev != '\\' => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if prev == ' ' => break,
            (None, '[' | '{') => flow += 1,
            (None, ']' | '}') => flow = flow.saturating_sub(1),
            _ => {}
        }
        if flow > max {
            break;
        }
        prev = c;
    }
    flow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_stops_one_byte_past_the_limit() {
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let err = read_limited(zero, 1 << 20, "profiles").unwrap_err().to_string();
        assert_eq!(
            err,
            "is larger than 1 MiB (reading stopped there); profiles are limited to 1 MiB: use --max-input-size 4MiB to read it"
        );
        assert_eq!(read_limited(&b"abc"[..], 3, "profiles").unwrap(), b"abc");
        assert!(read_limited(&b"abcd"[..], 3, "profiles").is_err());
    }

    #[test]
    fn long_lines_are_refused_without_being_kept() {
        let data = vec![b'x'; 100_000];
        let mut reader = std::io::BufReader::with_capacity(4096, &data[..]);
        let mut buf = Vec::new();
        let err = read_line_limited(&mut reader, &mut buf, 65_536).unwrap_err();
        assert!(err.to_string().contains("longer than 64 KiB"), "{err}");
        assert!(buf.len() <= 65_536);
        let mut reader = std::io::BufReader::with_capacity(3, &b"ab\ncdef\n\nx"[..]);
        let lines: Vec<String> = std::iter::from_fn(|| match read_line_limited(&mut reader, &mut buf, 10) {
            Ok(0) => None,
            Ok(_) => Some(String::from_utf8(buf.clone()).unwrap()),
            Err(e) => panic!("{e}"),
        })
        .collect();
        assert_eq!(lines, ["ab", "cdef", "", "x"]);
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("4MiB"), Ok(4 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("4 parsecs").is_err());
        assert!(parse_size("99999999999999G").is_err());
        assert_eq!(human(3_355_443), "3.2 MiB");
    }

    #[test]
    fn yaml_depth_is_found_before_parsing() {
        let deep = format!("a:\n  b: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(yaml_too_deep(&deep, 64), Some(2));
        let block: String = (0..100).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
        assert_eq!(yaml_too_deep(&block, 64), Some(65));
        let fine = "kind: SeccompProfile\nspec:\n  syscalls:\n  - names: [read, \"[[[\"] # [[[\n    action: A\n";
        assert_eq!(yaml_too_deep(fine, 3), None);
        assert_eq!(yaml_too_deep(fine, 2), Some(4));
    }
}
