//! A profile file (JSON, or YAML with an SPO resource): its original text, the edited value,
//! the typed model, and lossless saving.

use super::bundled;
use super::finding::{Finding, Level};
use super::json::style::Style as JsonStyle;
use super::json::{self, Node, PathStep};
use super::limits;
use super::load::{RuleFindings, Schema, read_profile_indexed};
use super::model::Profile;
use super::position::{LineIndex, LineStarts};
use super::spo::{self, BaseProfile};
use super::yaml::emit::{self, Style};
use super::yaml::locate::YamlIndex;
use super::yaml::{self, YamlDocument};
use crate::fsutil::read::read_regular;
use crate::fsutil::{Saved, WriteError, write_file};
use serde_json::Value;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use later::Later;

mod later;
mod revert;
mod splice;

pub use revert::Revert;

/// Why a file could not be used at all (as opposed to findings about its content).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax { path: String, line: usize, column: usize, message: String },
    #[error("{path} {source}")]
    Limit { path: String, source: limits::LimitError },
    #[error("{path}: the file is not valid UTF-8 text (near byte {offset})")]
    Encoding { path: String, offset: usize },
    #[error("{path}: no SeccompProfile resource or seccomp profile in this YAML (found: {found})")]
    NotAProfile { path: String, found: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{path} changed on disk since it was opened; not overwriting it (reload it, or save elsewhere)")]
    ChangedOnDisk { path: String },
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("no file name to save to")]
    NoPath,
}

/// How the file holds the profile: what saving writes back into.
#[derive(Debug, Clone)]
pub enum Source {
    /// A JSON profile (OCI, Docker/moby, containers/common): saving patches the text.
    Json,
    /// A YAML file: the profile is document `index` (an SPO `SeccompProfile`, or a bare
    /// profile); saving rewrites that document only, reusing its unchanged lines.
    Yaml { documents: Vec<YamlDocument>, index: usize, style: Style },
}

/// What a document is now.
#[derive(Debug, Clone)]
struct Current {
    value: Value,
    /// A copy of `Document::original_root`, until an edit takes it.
    spare_tree: Option<Node>,
    /// A JSON file's style (what the first edit is patched in), learnt beside the value.
    style: Option<JsonStyle>,
}

/// An open profile: what was read, what it is now, and the model of what it is now.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it was read from (`None` for a built-in or new profile).
    pub path: Option<PathBuf>,
    /// What to call it when it has no path (`(built-in) runtime-default.json`).
    pub name: String,
    /// `path` does not exist yet: the first save creates it (`seccompose new.json`).
    pub new_file: bool,
    /// The file's text as read.
    pub original: String,
    pub source: Source,
    /// The JSON text edits are patched into (the file itself for JSON, the profile's
    /// document as JSON for YAML), and its tree.
    baseline: String,
    original_root: Rc<Node>,
    /// The whole document as edited so far, and the copy of the tree as read that the first
    /// edit patches. A big JSON file's are made on a thread of their own while the profile is
    /// read (the first frame needs neither).
    current: Later<Current>,
    /// Where the profile object sits in the document (`spec` for SPO, empty otherwise).
    pub profile_at: Vec<PathStep>,
    pub profile: Profile,
    /// `baseProfileName`, resolved (SPO): the error says why it could not be.
    pub base: Option<Result<BaseProfile, String>>,
    /// The profile with its base merged in: what the engine gets.
    effective: Option<Profile>,
    /// Problems found while reading the current value.
    pub findings: Vec<Finding>,
    /// The line of each `syscalls[i]` in the current text (0 when unknown): kept with every
    /// edit so that showing "syscalls[3] (line 40)" costs nothing.
    rule_lines: Vec<usize>,
    /// The names of the profiles that asked for this one as their base, outermost first.
    chain: Vec<String>,
    /// A JSON document's current text, tree and lines, kept by each re-read: rendering and
    /// locating findings reuse them instead of patching and parsing the text again (1 MB on a
    /// big profile). `None` for YAML (its text is not the JSON that was parsed).
    rendered: Option<Rendered>,
    /// `baseProfileName` leads back to a profile of the chain: the cycle, as `a → b → a`.
    pub base_cycle: Option<String>,
    /// The document differs from what was read (kept by each re-read: asked every frame).
    modified: bool,
    /// Where the findings of each rule are among `findings` (an edit replaces a few rules').
    rule_findings: Option<RuleFindings>,
    /// The baseline's JSON style: a JSON file's from `current`, a YAML file's learnt at the
    /// first edit.
    style: OnceCell<JsonStyle>,
    /// Where the baseline's lines start: a JSON file's found by the read, a YAML file's at the
    /// first edit.
    baseline_lines: OnceCell<Rc<LineStarts>>,
}

/// A JSON document's text as it would be saved, its tree, and where its lines start (found
/// by the read, then moved by each edit the splice takes: see `splice.rs`).
#[derive(Clone)]
pub(super) struct Rendered {
    /// Shared with the JSON tab's diff, which shows it.
    text: Rc<String>,
    root: Rc<Node>,
    lines: Rc<LineStarts>,
}

impl Rendered {
    fn new(text: String, root: Rc<Node>, lines: LineStarts) -> Rendered {
        Rendered { text: Rc::new(text), root, lines: Rc::new(lines) }
    }
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rendered({} bytes)", self.text.len())
    }
}

impl Document {
    /// Reads a profile file. Syntax errors and unreadable files are errors; content problems
    /// become findings.
    pub fn open(path: &Path) -> Result<Document, LoadError> {
        Document::open_in_chain(path, Vec::new())
    }

    fn open_in_chain(path: &Path, chain: Vec<String>) -> Result<Document, LoadError> {
        let shown = path.display().to_string();
        let bytes = limits::read_file_limited(path, limits::profile_limit(), "profiles").map_err(|e| match e {
            limits::LimitError::Io(source) => LoadError::Read { path: shown.clone(), source },
            too_large => LoadError::Limit { path: shown.clone(), source: too_large },
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|e| LoadError::Encoding { path: shown.clone(), offset: e.utf8_error().valid_up_to() })?;
        let mut doc = Document::read(&text, &shown, None, Some(path), chain)?;
        doc.path = Some(path.to_path_buf());
        Ok(doc)
    }

    /// Reads a profile from text; `name` is used in messages.
    pub fn parse(text: &str, name: &str) -> Result<Document, LoadError> {
        Document::read(text, name, None, None, Vec::new())
    }

    /// Every profile in a file: one for JSON, one per `SeccompProfile` for YAML.
    pub fn open_all(path: &Path) -> Result<Vec<Document>, LoadError> {
        let first = Document::open(path)?;
        first.with_the_others(Some(path))
    }

    /// Every profile in a text (standard input): as [`Document::open_all`], without a path.
    pub fn parse_all(text: &str, name: &str) -> Result<Vec<Document>, LoadError> {
        Document::parse(text, name)?.with_the_others(None)
    }

    /// This document, or each `SeccompProfile` of its YAML file when there are several.
    fn with_the_others(self, path: Option<&Path>) -> Result<Vec<Document>, LoadError> {
        let first = self;
        let Source::Yaml { documents, .. } = &first.source else { return Ok(vec![first]) };
        let names: Vec<String> = documents
            .iter()
            .filter(|d| spo::is_resource(&d.value))
            .filter_map(|d| spo::name_of(&d.value).map(String::from))
            .collect();
        if names.len() <= 1 {
            return Ok(vec![first]);
        }
        let text = first.original.clone();
        let shown = first.display_name();
        names
            .iter()
            .map(|n| {
                let mut doc = Document::read(&text, &shown, Some(n), path, Vec::new())?;
                doc.path = path.map(Path::to_path_buf);
                Ok(doc)
            })
            .collect()
    }

    /// Reads the profile `select` names (the first one when `None`) out of a file's text.
    fn read(
        text: &str,
        name: &str,
        select: Option<&str>,
        path: Option<&Path>,
        chain: Vec<String>,
    ) -> Result<Document, LoadError> {
        let (source, current, profile_at, json_root) = if yaml::looks_like_yaml(text) {
            let (source, value, profile_at) = select_yaml(text, name, select)?;
            (source, Later::ready(Current { value, spare_tree: None, style: None }), profile_at, None)
        } else {
            let (root, current) = parse_json(text).map_err(|e| syntax(name, e.line, e.column, e.message))?;
            (Source::Json, current, Vec::new(), Some(root))
        };
        let baseline = match source {
            Source::Json => text.to_string(),
            Source::Yaml { .. } => {
                serde_json::to_string_pretty(&current.get().value).expect("YAML values serialize as JSON")
            }
        };
        // A JSON file is its own baseline: its tree is already parsed.
        let original_root = Rc::new(match json_root {
            Some(root) => root,
            None => json::parse(&baseline).map_err(|e| syntax(name, e.line, e.column, e.message))?,
        });
        let mut doc = Document {
            path: path.map(Path::to_path_buf),
            name: name.to_string(),
            new_file: false,
            original: text.to_string(),
            source,
            baseline,
            original_root,
            current,
            profile_at,
            profile: Profile::default(),
            base: None,
            effective: None,
            findings: Vec::new(),
            rule_lines: Vec::new(),
            chain,
            base_cycle: None,
            rendered: None,
            modified: false,
            rule_findings: None,
            style: OnceCell::new(),
            baseline_lines: OnceCell::new(),
        };
        match doc.source {
            // As read: the text and tree are the file's (no patching), and so are its lines.
            Source::Json => {
                doc.read_as_parsed(text.to_string());
                if let Some(rendered) = &doc.rendered {
                    let _ = doc.baseline_lines.set(Rc::clone(&rendered.lines));
                }
            }
            Source::Yaml { .. } => doc.reread(),
        }
        doc.path = None;
        Ok(doc)
    }

    /// This profile, to be saved as the new file `path` (which does not exist yet).
    pub fn into_new_file(self, path: &Path) -> Document {
        Document { path: Some(path.to_path_buf()), new_file: true, ..self }
    }

    /// Whether the text is YAML (an SPO resource or a bare profile), not JSON.
    pub fn is_yaml(&self) -> bool {
        matches!(self.source, Source::Yaml { .. })
    }

    /// The name to show for this document.
    pub fn display_name(&self) -> String {
        self.path.as_ref().map_or_else(|| self.name.clone(), |p| p.display().to_string())
    }

    /// What the file holds, for headers: `SeccompProfile app (base runc-base: this file)`.
    pub fn kind_text(&self) -> Option<String> {
        // Only a YAML file holds a resource (a JSON file is read as a bare profile).
        if !self.is_spo() {
            return None;
        }
        let name = spo::name_of(self.value())?;
        let base = match (&self.profile.base_profile_name, &self.base) {
            (Some(b), Some(Ok(found))) => format!(", base {b} from {}", found.from),
            (Some(b), Some(Err(why))) => format!(", base {b}: {why}"),
            _ => String::new(),
        };
        Some(format!("SeccompProfile {name}{base}"))
    }

    /// The file format (for the status bar and `convert`).
    pub fn is_spo(&self) -> bool {
        !self.profile_at.is_empty()
    }

    /// Whether any finding makes the profile unusable by an engine.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Error)
    }

    /// Starts making what the first edit needs (a big JSON file's value and the copy of its
    /// tree: see [`parse_json`]), if that is still to do. Until then, or until they are
    /// asked for, nothing is made: opening draws its first frame on every core there is, and
    /// a document read only to be checked never makes them.
    pub fn prepare_for_edits(&self) {
        self.current.start();
    }

    /// Whether what the first edit needs is made, or being made.
    pub fn is_prepared_for_edits(&self) -> bool {
        self.current.is_started()
    }

    /// The whole document value, as edited.
    pub fn value(&self) -> &Value {
        &self.current.get().value
    }

    /// The profile object inside the document, to edit.
    fn profile_mut(&mut self) -> Option<&mut Value> {
        pointer_mut(&mut self.current.get_mut().value, &self.profile_at)
    }

    /// The profile object inside the document.
    pub fn profile_value(&self) -> &Value {
        pointer(self.value(), &self.profile_at).unwrap_or(&Value::Null)
    }

    /// What the engine gets: the profile with its base profile's rules merged in.
    pub fn effective_profile(&self) -> &Profile {
        self.effective.as_ref().unwrap_or(&self.profile)
    }

    /// The `syscalls[]` entries as written, then those of the base profile (if resolved).
    pub fn effective_syscalls(&self) -> Vec<Value> {
        let mut out = self.profile_value().get("syscalls").and_then(Value::as_array).cloned().unwrap_or_default();
        if let Some(Ok(base)) = &self.base {
            out.extend(base.syscalls.iter().cloned());
        }
        out
    }

    /// Replaces the profile object and re-reads the model from it.
    pub fn set_profile_value(&mut self, new: Value) {
        self.replace_profile_value(new);
    }

    /// [`Document::set_profile_value`], giving back the value it replaces (for undo: a copy of
    /// a big profile's value costs milliseconds).
    pub fn replace_profile_value(&mut self, new: Value) -> Value {
        let old = match self.profile_mut() {
            Some(slot) => std::mem::replace(slot, new),
            None => Value::Null,
        };
        self.reread();
        old
    }

    /// Re-reads the model, findings, rule lines and base from the current value.
    fn reread(&mut self) {
        let previous = self.rendered.take();
        match self.source {
            Source::Json => {
                let text = self.patched();
                // An edit of a few rules re-reads those (see `splice.rs`).
                let text = match previous {
                    Some(previous) => match self.reread_rules(previous, text) {
                        Ok(_) => return,
                        Err((text, _)) => text,
                    },
                    None => text,
                };
                self.read_json(text);
            }
            Source::Yaml { .. } => {
                self.modified = !json::patch::node_equals(&self.original_root, self.value());
                let text = serde_json::to_string_pretty(self.value()).expect("values serialize");
                self.read_tree(json::parse(&text).map(|root| (text, Rc::new(root))));
            }
        }
    }

    /// Reads the profile from the file's own text and tree (nothing patched); the tree is
    /// shared until an edit takes the copy made with the value (see [`parse_json`]).
    fn read_as_parsed(&mut self, text: String) {
        let root = Rc::clone(&self.original_root);
        let model = read_model(&root, &text, &self.profile_at, self.schema());
        self.take_read(model, text, root);
    }

    /// Reads a JSON document's new text.
    fn read_json(&mut self, text: String) {
        self.modified = text != self.original;
        if self.modified {
            return self.read_tree(json::parse(&text).map(|root| (text, Rc::new(root))));
        }
        // Unchanged: the profile is read from the tree that was read, and the copy of it that
        // the first edit patches is made now rather than then (a big profile's copy takes
        // milliseconds, a keystroke must fit in a frame), on a second thread meanwhile.
        let root = Rc::clone(&self.original_root);
        let tree: &Node = &root;
        let read = |doc: &Document| read_model(tree, &text, &doc.profile_at, doc.schema());
        let spare = self.current.get_mut().spare_tree.take();
        let (model, copy) = if let Some(copy) = spare {
            (read(self), copy)
        } else if text.len() < WORTH_A_THREAD {
            (read(self), tree.clone())
        } else {
            std::thread::scope(|s| {
                let copy = s.spawn(|| tree.clone());
                (read(self), copy.join().expect("copying a tree does not panic"))
            })
        };
        self.take_read(model, text, Rc::new(copy));
    }

    fn schema(&self) -> Schema {
        if self.is_spo() { Schema::Spo } else { Schema::Json }
    }

    /// Reads the model, findings, rule lines and base from the document as JSON text and tree.
    fn read_tree(&mut self, parsed: Result<(String, Rc<Node>), json::SyntaxError>) {
        let Ok((json_text, root)) = parsed else { return };
        let model = read_model(&root, &json_text, &self.profile_at, self.schema());
        self.take_read(model, json_text, root);
    }

    /// Takes what [`read_model`] read from `root` (the tree of `json_text`), and resolves the base.
    fn take_read(&mut self, model: Model, json_text: String, root: Rc<Node>) {
        let Model { profile, findings, rule_findings, rule_lines, lines } = model;
        self.rule_findings = rule_findings;
        self.profile = profile;
        self.rule_lines = rule_lines;
        self.findings = findings;
        self.resolve_base();
        if let (Some(cycle), true) = (&self.base_cycle, self.chain.is_empty()) {
            let at: Vec<PathStep> =
                self.profile_at.iter().cloned().chain([PathStep::Key("baseProfileName".into())]).collect();
            let finding = Finding::new("base-profile-cycle", Level::Error, &at, format!("baseProfileName makes a cycle: {cycle}; the operator cannot resolve it, and seccompose uses this profile without a base"))
                .hint("point one of them at a profile outside the cycle, or remove its baseProfileName");
            self.findings.push(finding.locate_key(&root, &lines.index(&json_text), &at));
        }
        match self.source {
            Source::Yaml { .. } => self.relocate_to_yaml(),
            Source::Json => self.rendered = Some(Rendered::new(json_text, root, lines)),
        }
    }

    /// Findings and rule lines were located in the JSON form; point them at the YAML lines.
    fn relocate_to_yaml(&mut self) {
        let text = self.render();
        let Some((content, first_line)) = self.yaml_content(&text) else { return };
        let index = YamlIndex::new(content);
        let mut rules = self.profile_at.clone();
        rules.push(PathStep::Key("syscalls".into()));
        self.rule_lines = (0..self.rule_lines.len())
            .map(|i| {
                let at: Vec<PathStep> = rules.iter().cloned().chain([PathStep::Index(i)]).collect();
                index.locate(&at).map_or(0, |(l, _)| l + first_line - 1)
            })
            .collect();
        for f in &mut self.findings {
            let at = json::parse_path(&f.path);
            (f.line, f.column) = match index.locate(&at) {
                Some((l, c)) => (Some(l + first_line - 1), Some(c)),
                None => (Some(first_line), Some(1)),
            };
        }
    }

    /// The text of the profile's YAML document within `text` (a rendering of this file), and
    /// the line it starts on.
    fn yaml_content<'t>(&self, text: &'t str) -> Option<(&'t str, usize)> {
        let Source::Yaml { index, documents, .. } = &self.source else { return None };
        // Unedited, the text is the original: its documents are known without parsing again.
        let parsed;
        let docs = if !self.is_modified() && text == self.original {
            documents
        } else {
            parsed = yaml::parse_documents(text).ok()?;
            &parsed
        };
        let doc = docs.get(*index).or(docs.last())?;
        let (start, end) = yaml::content_range(text, doc);
        let first_line = text[..start].matches('\n').count() + 1;
        Some((&text[start..end], first_line))
    }

    /// Finds `baseProfileName`: another profile of the same file, a file beside this one, or
    /// a built-in profile.
    fn resolve_base(&mut self) {
        self.effective = None;
        self.base_cycle = None;
        self.base = self.profile.base_profile_name.clone().map(|name| self.find_base(&name));
        if let Some(Ok(base)) = &self.base {
            self.effective = Some(spo::merge(&self.profile, &base.profile));
        }
    }

    /// The name a base profile chain knows this one by: its resource name, else its file's stem.
    fn own_name(&self) -> String {
        spo::name_of(self.value())
            .map(String::from)
            .or_else(|| self.path.as_deref().and_then(Path::file_stem).map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_else(|| self.name.clone())
    }

    fn find_base(&mut self, name: &str) -> Result<BaseProfile, String> {
        let mut chain = self.chain.clone();
        chain.push(self.own_name());
        if chain.iter().any(|n| n == name) {
            let cycle = chain.iter().skip_while(|n| *n != name).chain([&name.to_string()]).cloned().collect::<Vec<_>>();
            let cycle = cycle.join(" → ");
            self.base_cycle = Some(cycle.clone());
            return Err(format!("a cycle: {cycle}"));
        }
        if chain.len() > spo::MAX_BASE_DEPTH {
            return Err(format!("base profiles nest deeper than {}", spo::MAX_BASE_DEPTH));
        }
        let result = self.find_base_in(name, chain);
        // A cycle further down is this chain's cycle too: report it here, merge nothing.
        if let Ok(base) = &result {
            if let Some(cycle) = &base.cycle {
                self.base_cycle = Some(cycle.clone());
                return Err(format!("a cycle: {cycle}"));
            }
        }
        result
    }

    fn find_base_in(&self, name: &str, chain: Vec<String>) -> Result<BaseProfile, String> {
        if name.starts_with("oci://") {
            return Err("the operator pulls it from a registry; seccompose cannot fetch it".into());
        }
        let found = |doc: Document, from: String| BaseProfile {
            name: name.to_string(),
            from,
            profile: doc.effective_profile().clone(),
            syscalls: doc.effective_syscalls(),
            cycle: doc.base_cycle.clone(),
        };
        if let Source::Yaml { documents, .. } = &self.source {
            if documents.iter().any(|d| spo::is_resource(&d.value) && spo::name_of(&d.value) == Some(name)) {
                let mut doc =
                    Document::read(&self.original, &self.name, Some(name), self.path.as_deref(), chain.clone())
                        .map_err(|e| e.to_string())?;
                doc.path = self.path.clone();
                return Ok(found(doc, "this file".into()));
            }
        }
        let dir = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d });
        if let Some(dir) = dir {
            for file in [format!("{name}.yaml"), format!("{name}.yml"), format!("{name}.json")] {
                let candidate = dir.join(&file);
                if candidate.is_file() {
                    let doc = Document::open_in_chain(&candidate, chain.clone()).map_err(|e| e.to_string())?;
                    return Ok(found(doc, candidate.display().to_string()));
                }
            }
        }
        if let Some(doc) = bundled::open(name) {
            return Ok(found(doc, "built-in".into()));
        }
        let looked = dir.map_or(String::new(), |d| format!(", {}/{name}.yaml|.yml|.json", d.display()));
        Err(format!("not found (looked in this file{looked} and the built-in profiles)"))
    }

    /// The line where rule `index` (`syscalls[index]`) starts in the text as it would be saved.
    pub fn rule_line(&self, index: usize) -> Option<usize> {
        self.rule_lines.get(index).copied().filter(|l| *l > 0)
    }

    /// Points a finding about `path` (within the profile object) at its line in the file.
    pub fn locate(&self, finding: Finding, path: &[PathStep]) -> Finding {
        self.locate_all(vec![(finding, path.to_vec())]).pop().expect("one finding in, one out")
    }

    /// Points findings at their lines: the text is rendered and indexed once for all of them.
    pub fn locate_all(&self, raw: Vec<(Finding, Vec<PathStep>)>) -> Vec<Finding> {
        let full = |path: &[PathStep]| -> Vec<PathStep> { self.profile_at.iter().chain(path).cloned().collect() };
        if let Some(rendered) = &self.rendered {
            let lines = rendered.lines.index(&rendered.text);
            return raw
                .into_iter()
                .map(|(finding, path)| finding.locate(&rendered.root, &lines, &full(&path)))
                .collect();
        }
        let text = self.render();
        if let Some((content, first_line)) = self.yaml_content(&text) {
            let index = YamlIndex::new(content);
            return raw
                .into_iter()
                .map(|(finding, path)| {
                    let (line, column) =
                        index.locate(&full(&path)).map_or((first_line, 1), |(l, c)| (l + first_line - 1, c));
                    Finding { line: Some(line), column: Some(column), ..finding }
                })
                .collect();
        }
        match json::parse(&text) {
            Ok(root) => {
                let lines = LineIndex::new(&text);
                raw.into_iter().map(|(finding, path)| finding.locate(&root, &lines, &full(&path))).collect()
            }
            Err(_) => raw.into_iter().map(|(finding, _)| finding).collect(),
        }
    }

    /// Whether the document differs from what was read.
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// [`Document::render`] and where its lines start, shared where the document keeps them
    /// (the JSON tab shows a big profile's megabytes: copying them cost a keystroke's time).
    pub fn shared_text(&self) -> (Rc<String>, Rc<LineStarts>) {
        match &self.rendered {
            Some(rendered) => (Rc::clone(&rendered.text), Rc::clone(&rendered.lines)),
            None => {
                let text = self.render();
                let lines = LineStarts::of(&text);
                (Rc::new(text), Rc::new(lines))
            }
        }
    }

    /// The text to save: the original with only the edited parts rewritten.
    pub fn render(&self) -> String {
        if let Some(rendered) = &self.rendered {
            return rendered.text.to_string();
        }
        if !self.is_modified() {
            return self.original.clone();
        }
        match &self.source {
            Source::Json => self.patched(),
            Source::Yaml { documents, index, style } => {
                let doc = &documents[*index];
                let (start, end) = yaml::content_range(&self.original, doc);
                let content = emit::document_reusing(&self.original[start..end], &doc.value, self.value(), *style);
                yaml::replace_document(&self.original, doc, &content)
            }
        }
    }

    /// The baseline with the current value patched in.
    fn patched(&self) -> String {
        let style = self.style.get_or_init(|| match &self.current.get().style {
            Some(style) => style.clone(),
            None => JsonStyle::detect(&self.baseline, &self.original_root),
        });
        let lines = self.baseline_lines.get_or_init(|| Rc::new(LineStarts::of(&self.baseline)));
        json::patch::patch_in_style(&self.baseline, &self.original_root, self.value(), style, lines)
    }

    /// Saves to the file it came from, refusing if that file changed since it was read.
    pub fn save(&mut self) -> Result<Saved, SaveError> {
        let path = self.path.clone().ok_or(SaveError::NoPath)?;
        if let Ok(on_disk) = read_regular(&path) {
            if on_disk != self.original.as_bytes() {
                return Err(SaveError::ChangedOnDisk { path: path.display().to_string() });
            }
        }
        self.save_as(&path)
    }

    /// Writes atomically to `path` (see [`write_file`]) and makes it the new baseline. The
    /// document keeps `path` (a symlink stays the name it is edited under).
    pub fn save_as(&mut self, path: &Path) -> Result<Saved, SaveError> {
        let text = self.render();
        let saved = write_file(path, text.as_bytes())?;
        let select = spo::name_of(self.value()).map(String::from);
        let reread = Document::read(&text, &self.name, select.as_deref(), Some(path), self.chain.clone())
            .expect("a rendered document reads back");
        *self = Document { path: Some(path.to_path_buf()), ..reread };
        Ok(saved)
    }
}

fn syntax(name: &str, line: usize, column: usize, message: String) -> LoadError {
    LoadError::Syntax { path: name.to_string(), line, column, message }
}

/// The parser's words for a tab in indentation ("found character that cannot start any
/// token") do not say what to change; this does.
fn tab_message(text: &str, line: usize, column: usize) -> Option<String> {
    let row = text.lines().nth(line.checked_sub(1)?)?;
    let indent: String = row.chars().take_while(|c| c.is_whitespace()).collect();
    (indent.contains('\t') && column <= indent.chars().count() + 1)
        .then(|| "tabs are not allowed for indentation in YAML (indent with spaces)".to_string())
}

/// The profile's document of a YAML file: the `SeccompProfile` named `select` (or the first
/// one), else a bare profile.
fn select_yaml(text: &str, name: &str, select: Option<&str>) -> Result<(Source, Value, Vec<PathStep>), LoadError> {
    let documents = yaml::parse_documents(text).map_err(|e| {
        let message = tab_message(text, e.line, e.column).unwrap_or(e.message);
        syntax(name, e.line, e.column, message)
    })?;
    let wanted =
        |d: &&YamlDocument| spo::is_resource(&d.value) && select.is_none_or(|s| spo::name_of(&d.value) == Some(s));
    let (index, profile_at) = if let Some(i) = documents.iter().position(|d| wanted(&d)) {
        (i, vec![PathStep::Key("spec".into())])
    } else if let Some(i) = documents.iter().position(|d| select.is_none() && spo::is_bare_profile(&d.value)) {
        (i, Vec::new())
    } else {
        let values: Vec<&Value> = documents.iter().map(|d| &d.value).collect();
        return Err(LoadError::NotAProfile { path: name.to_string(), found: spo::kinds(&values) });
    };
    let value = documents[index].value.clone();
    let style = Style::detect(text);
    Ok((Source::Yaml { documents, index, style }, value, profile_at))
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

/// Below this size a JSON text is read on one thread (a thread costs more than it saves).
const WORTH_A_THREAD: usize = 64 * 1024;

/// A JSON text's tree, and the document's value with a copy of the tree (what the first edit
/// patches). A big text's value and copy are made from a second parse on a thread of their own
/// once the document is prepared for edits (or they are asked for): the first frame needs
/// neither, and making them took longer than the rest of opening a 1 MB profile.
fn parse_json(text: &str) -> Result<(Node, Later<Current>), json::SyntaxError> {
    // The style is learnt then too: a keystroke must fit in a frame, the first edit's included.
    let current = |text: &str, root: Node| Current {
        value: root.to_value(),
        style: Some(JsonStyle::detect(text, &root)),
        spare_tree: Some(root),
    };
    if text.len() < WORTH_A_THREAD {
        let root = json::parse(text)?;
        return Ok((root.clone(), Later::ready(current(text, root))));
    }
    let owned = text.to_string();
    // When the text does not parse, this one's error is the answer and the document is gone
    // before anything asks for the value: the thread's own failure is not reported.
    let later = Later::spawn(move || match json::parse(&owned) {
        Ok(root) => current(&owned, root),
        Err(_) => Current { value: Value::Null, spare_tree: None, style: None },
    });
    let root = json::parse(text)?;
    // No thread to be had: made here (slower to open, the same document).
    let later = later.unwrap_or_else(|_| Later::ready(current(text, root.clone())));
    Ok((root, later))
}

/// What reading a document's JSON tree gives, before its base is resolved.
struct Model {
    profile: Profile,
    findings: Vec<Finding>,
    rule_findings: Option<RuleFindings>,
    rule_lines: Vec<usize>,
    /// Where the text's lines start (found once for the findings and the rule lines, kept).
    lines: LineStarts,
}

fn read_model(root: &Node, text: &str, profile_at: &[PathStep], schema: Schema) -> Model {
    let lines = LineStarts::of(text);
    let index = lines.index(text);
    let (profile, findings, rule_findings) = read_profile_indexed(root, &index, profile_at, schema);
    let rule_lines = rule_lines(root, &index, profile_at);
    Model { profile, findings, rule_findings, rule_lines, lines }
}

/// The line of every element of the profile's `syscalls` array.
fn rule_lines(root: &Node, lines: &LineIndex, profile_at: &[PathStep]) -> Vec<usize> {
    let mut path = profile_at.to_vec();
    path.push(PathStep::Key("syscalls".into()));
    let Some(rules) = root.at(&path) else { return Vec::new() };
    (0..).map_while(|i| rules.at(&[PathStep::Index(i)]).map(|n| lines.line(n.span.start))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEXT: &str = "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n    {\n      \"names\": [\"write\"],\n      \"action\": \"SCMP_ACT_ALLOW\"\n    }\n  ]\n}\n";

    /// A big document's value and the tree its first edit patches are made on another thread:
    /// the value is the tree's (repeated keys, escapes, numbers of every form, unknown
    /// nesting), the first edit (spliced) patches that copy, not the tree as read, and taking
    /// the edit back gives the text as read. A text that does not parse is still an error.
    #[test]
    fn a_big_documents_value_and_copy_are_made_aside_and_the_first_edit_takes_the_copy() {
        let rule = r#"{"names": ["read", "wr\u0069te", "caf\u00e9\ud83d\ude00"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errnoRet": 38, "x": {"f": -1.5e3, "g": [0, 18446744073709551615, -0, 1E2, 0.1], "h": null, "i": true}}"#;
        let rules = vec![rule; 800].join(",\n");
        for extra in ["", r#", "huge": 1e999"#] {
            let text = format!("{{\"defaultAction\": \"SCMP_ACT_ALLOW\"{extra}, \"syscalls\": [\n{rules}\n]}}");
            assert!(text.len() > WORTH_A_THREAD, "the document is read on two threads");
            let mut doc = Document::parse(&text, "big.json").unwrap();
            let as_read = json::parse(&text).unwrap();
            assert!(*doc.value() == as_read.to_value(), "the value is the tree's, with {extra:?}");
            assert_eq!(doc.value()["syscalls"][799]["errnoRet"], json!(38));
            assert_eq!(doc.profile.rules.len(), 800);
            first_edit_and_back(&mut doc, &text, &as_read, |p| p["syscalls"][400]["errnoRet"] = json!(13));
            let broken = format!("{text},");
            assert!(matches!(Document::parse(&broken, "big.json"), Err(LoadError::Syntax { .. })));
        }
        // Plain rules: the edit is spliced into the tree, which is the copy.
        let profile = crate::profile::synth::arg_heavy(2000, &[crate::catalog::Arch::X86_64], 7);
        let text = serde_json::to_string_pretty(&profile).unwrap();
        let mut doc = Document::parse(&text, "big.json").unwrap();
        let as_read = json::parse(&text).unwrap();
        first_edit_and_back(&mut doc, &text, &as_read, |p| p["syscalls"][400]["action"] = json!("SCMP_ACT_LOG"));
        assert!(doc.current.get().spare_tree.is_none(), "the spliced edit took the copy");
    }

    /// `edit` changes the document: the tree as read stays as read, the kept tree is the new
    /// text's, and taking the edit back gives the text as read.
    fn first_edit_and_back(doc: &mut Document, text: &str, as_read: &Node, edit: impl FnOnce(&mut Value)) {
        let revert = doc.edit_profile(edit).expect("an edit");
        assert!(*doc.original_root == *as_read, "the tree as read is untouched");
        let rendered = doc.rendered.as_ref().expect("a JSON document keeps its text");
        assert!(*rendered.text != text, "the edit is in the text");
        assert!(*rendered.root == json::parse(&rendered.text).unwrap(), "the kept tree is the edited text's");
        doc.revert(revert).expect("taken back");
        assert!(doc.render() == text, "taking the edit back gives the text as read");
    }

    /// After each edit (and back to the text as read), the text and tree a re-read keeps are
    /// what patching and parsing anew give, and findings are located on the same lines.
    #[test]
    fn the_kept_text_and_tree_are_a_fresh_render_and_parse() {
        let mut doc = Document::parse(TEXT, "t.json").unwrap();
        let original = doc.profile_value().clone();
        let edits: [&dyn Fn(&mut Value); 4] = [
            &|v| v["syscalls"][1]["action"] = json!("SCMP_ACT_LOG"),
            &|v| {
                v["syscalls"].as_array_mut().unwrap().insert(0, json!({"names": ["close"], "action": "SCMP_ACT_ALLOW"}))
            },
            &|v| {
                v["syscalls"].as_array_mut().unwrap().remove(0);
            },
            &|v| *v = original.clone(),
        ];
        let at = vec![PathStep::Key("syscalls".into()), PathStep::Index(1), PathStep::Key("action".into())];
        let raw = vec![(Finding::new("x", Level::Warning, &at, "m"), at.clone())];
        for (i, edit) in edits.iter().enumerate() {
            let mut value = doc.profile_value().clone();
            edit(&mut value);
            doc.set_profile_value(value);
            let (kept_text, located) = (doc.render(), doc.locate_all(raw.clone()));
            let Rendered { text, root, .. } = doc.rendered.take().expect("a JSON document keeps its text");
            assert_eq!(kept_text, *text);
            assert_eq!(*text, doc.render(), "edit {i}");
            assert_eq!(*root, json::parse(&text).unwrap(), "edit {i}");
            assert_eq!(located, doc.locate_all(raw.clone()), "edit {i}");
            assert!(located[0].line.is_some());
        }
        assert_eq!(doc.render(), TEXT, "back to the text as read");
    }
}
