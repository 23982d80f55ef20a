//! A profile file: its original text, the edited value, the typed model, and lossless saving.

use super::finding::{Finding, Level};
use super::json::{self, Node, PathStep};
use super::load::read_profile;
use super::model::Profile;
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be used at all (as opposed to findings about its content).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax { path: String, line: usize, column: usize, message: String },
    #[error("{path}: the file is not valid UTF-8 text (near byte {offset})")]
    Encoding { path: String, offset: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{path} changed on disk since it was opened; not overwriting it (reload it, or save elsewhere)")]
    ChangedOnDisk { path: String },
    #[error("{path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("no file name to save to")]
    NoPath,
}

/// An open profile: what was read, what it is now, and the model of what it is now.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it was read from (`None` for a built-in or new profile).
    pub path: Option<PathBuf>,
    /// What to call it when it has no path (`(built-in) runtime-default.json`).
    pub name: String,
    /// The text as read; saving patches this text.
    pub original: String,
    original_root: Node,
    /// The whole document as edited so far.
    value: Value,
    /// Where the profile object sits in the document (empty for plain JSON).
    pub profile_at: Vec<PathStep>,
    pub profile: Profile,
    /// Problems found while reading the current value.
    pub findings: Vec<Finding>,
    /// The line of each `syscalls[i]` in the current text (0 when unknown): kept with every
    /// edit so that showing "syscalls[3] (line 40)" costs nothing.
    rule_lines: Vec<usize>,
}

impl Document {
    /// Reads a profile file. Syntax errors and unreadable files are errors; content problems
    /// become findings.
    pub fn open(path: &Path) -> Result<Document, LoadError> {
        let shown = path.display().to_string();
        let bytes = fs::read(path).map_err(|source| LoadError::Read { path: shown.clone(), source })?;
        let text = String::from_utf8(bytes)
            .map_err(|e| LoadError::Encoding { path: shown.clone(), offset: e.utf8_error().valid_up_to() })?;
        let mut doc = Document::parse(&text, &shown)?;
        doc.path = Some(path.to_path_buf());
        Ok(doc)
    }

    /// Reads a profile from text; `name` is used in messages.
    pub fn parse(text: &str, name: &str) -> Result<Document, LoadError> {
        let root = json::parse(text).map_err(|e| LoadError::Syntax {
            path: name.to_string(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
        let value = root.to_value();
        let (profile, findings) = read_profile(&root, text, &[]);
        let rule_lines = rule_lines(&root, text, &[]);
        Ok(Document {
            path: None,
            name: name.to_string(),
            original: text.to_string(),
            original_root: root,
            value,
            profile_at: Vec::new(),
            profile,
            findings,
            rule_lines,
        })
    }

    /// The name to show for this document.
    pub fn display_name(&self) -> String {
        self.path.as_ref().map_or_else(|| self.name.clone(), |p| p.display().to_string())
    }

    /// Whether any finding makes the profile unusable by an engine.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Error)
    }

    /// The whole document value, as edited.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The profile object inside the document.
    pub fn profile_value(&self) -> &Value {
        pointer(&self.value, &self.profile_at).unwrap_or(&Value::Null)
    }

    /// Replaces the profile object and re-reads the model from it.
    pub fn set_profile_value(&mut self, new: Value) {
        if let Some(slot) = pointer_mut(&mut self.value, &self.profile_at) {
            *slot = new;
        }
        self.reread();
    }

    fn reread(&mut self) {
        let text = self.render();
        if let Ok(root) = json::parse(&text) {
            let (profile, findings) = read_profile(&root, &text, &self.profile_at);
            self.profile = profile;
            self.findings = findings;
            self.rule_lines = rule_lines(&root, &text, &self.profile_at);
        }
    }

    /// The line where rule `index` (`syscalls[index]`) starts in the text as it would be saved.
    pub fn rule_line(&self, index: usize) -> Option<usize> {
        self.rule_lines.get(index).copied().filter(|l| *l > 0)
    }

    /// Whether the document differs from what was read.
    pub fn is_modified(&self) -> bool {
        !json::patch::node_equals(&self.original_root, &self.value)
    }

    /// The text to save: the original with only the edited parts rewritten.
    pub fn render(&self) -> String {
        if !self.is_modified() {
            return self.original.clone();
        }
        json::patch(&self.original, &self.original_root, &self.value)
    }

    /// Saves to the file it came from, refusing if that file changed since it was read.
    pub fn save(&mut self) -> Result<(), SaveError> {
        let path = self.path.clone().ok_or(SaveError::NoPath)?;
        if let Ok(on_disk) = fs::read(&path) {
            if on_disk != self.original.as_bytes() {
                return Err(SaveError::ChangedOnDisk { path: path.display().to_string() });
            }
        }
        self.save_as(&path)
    }

    /// Writes atomically to `path` (temp file, fsync, rename) and makes it the new baseline.
    pub fn save_as(&mut self, path: &Path) -> Result<(), SaveError> {
        let text = self.render();
        write_atomically(path, text.as_bytes())
            .map_err(|source| SaveError::Write { path: path.display().to_string(), source })?;
        let root = json::parse(&text).expect("rendered documents are valid JSON");
        self.original = text;
        self.original_root = root;
        self.path = Some(path.to_path_buf());
        Ok(())
    }
}

/// Temp file in the same directory, fsync, rename over the target, fsync the directory: a crash
/// leaves either the old file or the new one, never half of one. Targets that are not regular
/// files are written to in place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // A device, pipe or socket (`-o /dev/null`, `-o /dev/stdout`) is written to, never replaced.
    if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return fs::OpenOptions::new().write(true).open(path)?.write_all(bytes);
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.seccompose-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        if let Ok(meta) = fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn pointer<'v>(value: &'v Value, path: &[PathStep]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, step| match step {
        PathStep::Key(k) => v.get(k),
        PathStep::Index(i) => v.get(i),
    })
}

fn pointer_mut<'v>(value: &'v mut Value, path: &[PathStep]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, step| match step {
        PathStep::Key(k) => v.get_mut(k),
        PathStep::Index(i) => v.get_mut(i),
    })
}

/// The line of every element of the profile's `syscalls` array.
fn rule_lines(root: &Node, text: &str, profile_at: &[PathStep]) -> Vec<usize> {
    let mut path = profile_at.to_vec();
    path.push(PathStep::Key("syscalls".into()));
    let Some(rules) = root.at(&path) else { return Vec::new() };
    let lines = super::position::LineIndex::new(text);
    (0..).map_while(|i| rules.at(&[PathStep::Index(i)]).map(|n| lines.line(n.span.start))).collect()
}
