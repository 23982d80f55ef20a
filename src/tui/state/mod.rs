//! Layer 1 of the editor: the editing state. The document being edited, the context it is
//! judged in, undo and redo, the selection in the catalogue, and everything derived from them
//! (the evaluator, per-engine evaluators, counts, lint findings, the syscall list's rows, the
//! preview caches), with the operations the features need: [`EditingState::edit`] (one undo
//! step), [`EditingState::set_context`], [`EditingState::refresh`].
//!
//! It knows nothing of panes, modes, keys, themes or ratatui: every feature reads it and changes
//! it through these methods, and the features above never need each other to stay consistent.

mod actions;
#[cfg(test)]
mod engines_test;
pub mod preview;

pub use actions::{Target, errno_of};

use crate::catalog::{self, CATEGORIES, search::search};
use crate::policy::context::{Context, Engine};
use crate::policy::evaluator::Evaluator;
use crate::policy::lint::lint_with;
use crate::profile::finding::Finding;
use crate::profile::{Action, Document, Revert};
use preview::{BpfView, JsonDiff, bpf_view, json_diff_shared};
use serde_json::Value;
use std::cell::{OnceCell, RefCell};
use std::collections::BTreeSet;
use std::thread::JoinHandle;

/// One row of the syscall list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: &'static str,
    /// What the kernel does with all arguments 0 on the host's arch (`None` while the profile
    /// is not evaluated yet: see [`EditingState::opening`]).
    pub action: Option<Action>,
    /// A rule with argument or capability conditions names it.
    pub conditional: bool,
    /// Matched characters of the name (search).
    pub matched: Vec<usize>,
}

/// Allowed and total syscalls of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// `None` while the profile is not evaluated yet.
    pub allowed: Option<usize>,
    pub total: usize,
}

/// An engine and the profile's evaluator under it (`None`: the editor's own context).
type EngineEvaluator = (Engine, Option<Result<Evaluator, String>>);

pub struct EditingState {
    pub doc: Document,
    pub ctx: Context,
    /// What takes each edit back (the newest last), and each undone edit forward again.
    pub undo: Vec<Revert>,
    pub redo: Vec<Revert>,
    // The selection: which category, which row of the list, the search, the lint finding.
    pub category: usize,
    pub cursor: usize,
    pub query: String,
    /// Selected lint finding (Lint tab).
    pub finding: usize,
    /// What the last operation did (or why it did not), for the status line.
    pub message: Option<String>,
    // Derived after each edit or context change.
    pub evaluator: Result<Evaluator, String>,
    pub counts: Vec<Count>,
    pub findings: Vec<Finding>,
    pub rows: Vec<Row>,
    /// Syscalls that a conditional rule names (the list's marker).
    conditional: BTreeSet<String>,
    /// The profile under docker, podman and containerd, for the preview's comparison: built
    /// when first asked for after an edit (each is a whole evaluator), `None` for an engine
    /// whose context is the editor's own (its evaluator is [`EditingState::evaluator`]).
    engines: OnceCell<Vec<EngineEvaluator>>,
    /// The per-engine evaluators of before the last refresh: the next ones are updated from
    /// them (an edit rebuilds only what it touched; see [`Evaluator::updated`]).
    stale_engines: RefCell<Vec<EngineEvaluator>>,
    /// Preview caches, computed on demand by [`EditingState::prepare_json`] and
    /// [`EditingState::prepare_bpf`]; `None` after an edit.
    pub json_view: Option<JsonDiff>,
    pub bpf_view: Option<Result<BpfView, String>>,
    /// Counts refreshes, so views derived elsewhere (the comparison) know when to recompute.
    revision: u64,
    /// Opened with [`EditingState::opening`] and not evaluated yet (see [`EditingState::settle`]).
    pending: bool,
    /// The context being found meanwhile (the runtime's version is a process to run): `ctx`
    /// is its provisional form until [`EditingState::settle`] takes it.
    context_coming: Option<JoinHandle<Context>>,
}

impl EditingState {
    pub fn new(doc: Document, ctx: Context) -> EditingState {
        doc.prepare_for_edits();
        let mut state = EditingState::unevaluated(doc, ctx);
        state.refresh();
        state
    }

    /// The state of a document just opened, before the profile is evaluated: the list, the
    /// categories' sizes and the reader's findings, without verdicts or the lint. On a big
    /// profile the evaluation takes several frames (libseccomp's rule trees for every arch):
    /// the editor shows this first, then [`EditingState::settle`]s before it takes a key.
    pub fn opening(doc: Document, ctx: Context) -> EditingState {
        let mut state = EditingState::unevaluated(doc, ctx);
        state.pending = true;
        state.findings = state.doc.findings.clone();
        state.conditional = conditional_names(&state.doc.profile);
        state.counts = CATEGORIES.iter().map(|c| state.count(c.id)).collect();
        state.refresh_rows();
        state
    }

    /// Opened while the context is found: `ctx` stands for it (only its runtime differs, and
    /// nothing shown before the evaluation depends on that) until [`EditingState::settle`].
    pub fn set_context_coming(&mut self, coming: JoinHandle<Context>) {
        self.context_coming = Some(coming);
        self.pending = true;
    }

    /// Whether the context (the runtime) is still being found.
    pub fn is_finding_context(&self) -> bool {
        self.context_coming.is_some()
    }

    /// Evaluates the profile if that is still to do (in the context found meanwhile); whether
    /// it was.
    pub fn settle(&mut self) -> bool {
        // The first frame is out: what the first edit needs is made meanwhile.
        self.doc.prepare_for_edits();
        if let Some(coming) = self.context_coming.take() {
            self.ctx = coming.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        let pending = self.pending;
        if pending {
            self.refresh();
        }
        pending
    }

    /// Opened and not evaluated yet: rows and counts have no verdicts, the lint has not run.
    pub fn is_pending(&self) -> bool {
        self.pending
    }

    /// How many lint findings there are (`None` before the lint has run).
    pub fn lint_count(&self) -> Option<usize> {
        (!self.pending).then_some(self.findings.len())
    }

    fn unevaluated(doc: Document, ctx: Context) -> EditingState {
        EditingState {
            doc,
            ctx,
            undo: Vec::new(),
            redo: Vec::new(),
            category: 0,
            cursor: 0,
            query: String::new(),
            finding: 0,
            message: None,
            evaluator: Err(String::new()),
            counts: Vec::new(),
            findings: Vec::new(),
            rows: Vec::new(),
            conditional: BTreeSet::new(),
            engines: OnceCell::new(),
            stale_engines: RefCell::new(Vec::new()),
            json_view: None,
            bpf_view: None,
            revision: 0,
            pending: false,
            context_coming: None,
        }
    }

    /// Recomputes everything derived from the profile and the context.
    pub fn refresh(&mut self) {
        self.pending = false;
        // The lint judges with the same evaluator (building it is most of the work on a big
        // profile: after an edit, only the syscalls whose rules changed are rebuilt).
        let previous = std::mem::replace(&mut self.evaluator, Err(String::new())).ok();
        let evaluator = Evaluator::updated(previous, self.doc.effective_profile(), &self.ctx);
        self.findings = lint_with(&self.doc, &self.ctx, evaluator.as_ref());
        self.evaluator = evaluator.map_err(|e| e.to_string());
        if let Some(engines) = std::mem::take(&mut self.engines).into_inner() {
            self.stale_engines = RefCell::new(engines);
        }
        self.conditional = conditional_names(&self.doc.profile);
        self.counts = CATEGORIES.iter().map(|c| self.count(c.id)).collect();
        self.json_view = None;
        self.bpf_view = None;
        self.refresh_rows();
        self.revision += 1;
    }

    /// Changes with every [`EditingState::refresh`]: an edit, an undo, a context change.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The JSON tab's diff, computed when first needed after an edit.
    pub fn prepare_json(&mut self) {
        if self.json_view.is_none() {
            let (text, lines) = self.doc.shared_text();
            self.json_view = Some(json_diff_shared(&self.doc.original, text, lines));
        }
    }

    /// The BPF tab's program, compiled when first needed after an edit.
    pub fn prepare_bpf(&mut self) {
        self.settle();
        if self.bpf_view.is_none() {
            self.bpf_view = Some(self.evaluator.as_ref().map_err(Clone::clone).and_then(bpf_view));
        }
    }

    /// Recomputes the list (after a search keystroke or a category change).
    pub fn refresh_rows(&mut self) {
        let native = self.ctx.native;
        let known = |name: &str| catalog::number(native, name).is_some();
        self.rows = if self.query.is_empty() {
            let id = CATEGORIES[self.category].id;
            catalog::all()
                .iter()
                .filter(|i| i.category.id == id && known(i.name))
                .map(|i| self.row(i.name, Vec::new()))
                .collect()
        } else {
            search(&self.query)
                .into_iter()
                .filter(|h| known(h.info.name))
                .map(|h| self.row(h.info.name, h.name_positions))
                .collect()
        };
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    fn row(&self, name: &'static str, matched: Vec<usize>) -> Row {
        let action = (!self.pending).then(|| self.decide(name));
        let conditional = self.conditional.contains(name);
        Row { name, action, conditional, matched }
    }

    /// The action for `name` on the host's arch with all arguments 0.
    pub fn decide(&self, name: &str) -> Action {
        match &self.evaluator {
            Ok(ev) => ev.decide_name(self.ctx.native, name, &[0; 6]).map_or(ev.default_action, |d| d.action),
            Err(_) => Action::KillThread,
        }
    }

    fn count(&self, category: &str) -> Count {
        let names = catalog::all()
            .iter()
            .filter(|i| i.category.id == category && catalog::number(self.ctx.native, i.name).is_some());
        let mut c = Count { allowed: (!self.pending).then_some(0), total: 0 };
        for info in names {
            c.total += 1;
            if let Some(allowed) = &mut c.allowed {
                *allowed += usize::from(self.decide(info.name).lets_through());
            }
        }
        c
    }

    pub fn selected(&self) -> Option<&Row> {
        self.rows.get(self.cursor)
    }

    /// Shows category `i` from its top (the search is gone).
    pub fn select_category(&mut self, i: usize) {
        self.category = i;
        self.query.clear();
        self.cursor = 0;
        self.refresh_rows();
    }

    /// Replaces the profile with an edited one, keeping the old one for undo.
    pub fn apply(&mut self, edited: Value, what: String) {
        let revert = self.doc.replace_profile(edited);
        self.edited(revert, what);
    }

    /// Edits the profile's value with `change`, as one undo step described by `what`.
    pub fn edit(&mut self, what: impl Into<String>, change: impl FnOnce(&mut Value)) {
        let revert = self.doc.edit_profile(change);
        self.edited(revert, what.into());
    }

    /// After an edit: keeps what takes it back, says what it did (nothing when it changed nothing).
    fn edited(&mut self, revert: Option<Revert>, what: String) {
        let Some(revert) = revert else { return };
        self.undo.push(revert);
        self.redo.clear();
        self.message = Some(what);
        self.refresh();
    }

    /// Undoes the newest edit (`backwards`) or redoes the newest undone one.
    pub fn undo(&mut self, backwards: bool) {
        let (from, to) = if backwards { (&mut self.undo, &mut self.redo) } else { (&mut self.redo, &mut self.undo) };
        let Some(value) = from.pop() else {
            self.message = Some(if backwards { "nothing to undo" } else { "nothing to redo" }.into());
            return;
        };
        let Some(reverse) = self.doc.revert(value) else {
            // Only a document replaced under the history could get here (each replacement
            // clears it): say so rather than guess.
            from.clear();
            self.message = Some("cannot undo: the profile no longer has the rules that edit changed".into());
            return;
        };
        to.push(reverse);
        self.refresh();
        self.message = Some(if backwards { "undone" } else { "redone" }.into());
    }

    /// Judges the profile in another context (not an edit: nothing to undo, no file changes).
    pub fn set_context(&mut self, ctx: Context) {
        self.ctx = ctx;
        self.refresh();
    }

    /// Edits another document from now on (its own undo history starts empty).
    pub fn replace_document(&mut self, doc: Document) {
        self.doc = doc;
        self.undo.clear();
        self.redo.clear();
        self.json_view = None;
        self.refresh();
    }

    /// The effective action under each engine (same host arch and caps).
    pub fn per_engine(&self, name: &str) -> Vec<(Engine, String)> {
        self.engines
            .get_or_init(|| self.engine_evaluators())
            .iter()
            .map(|(engine, ev)| {
                let text = match ev.as_ref().unwrap_or(&self.evaluator) {
                    Ok(ev) => ev
                        .decide_name(self.ctx.native, name, &[0; 6])
                        .map_or_else(|| "-".into(), |d| d.action.to_string()),
                    Err(_) => "refused".to_string(),
                };
                (*engine, text)
            })
            .collect()
    }

    /// An evaluator per engine, except where the engine's context is the editor's own.
    fn engine_evaluators(&self) -> Vec<EngineEvaluator> {
        let mut stale = self.stale_engines.take();
        [Engine::Docker, Engine::Podman, Engine::Containerd]
            .into_iter()
            .map(|engine| {
                let ctx = self.ctx.with_engine(engine);
                if ctx == self.ctx {
                    return (engine, None);
                }
                // The engine's evaluator before the edit (in the same context an edit costs the
                // rules it changed), or else the editor's own (the engines differ in a few
                // rules): either way only what differs is rebuilt.
                let previous = stale
                    .iter_mut()
                    .find(|(e, _)| *e == engine)
                    .and_then(|(_, ev)| ev.take()?.ok())
                    .or_else(|| self.evaluator.as_ref().ok().cloned());
                let evaluator = Evaluator::updated(previous, self.doc.effective_profile(), &ctx);
                (engine, Some(evaluator.map_err(|e| e.to_string())))
            })
            .collect()
    }
}

/// The syscalls a conditional rule names. Each is copied once: a big profile names the same
/// few hundred thousands of times, and a copy per mention was most of this after every edit.
fn conditional_names(profile: &crate::profile::Profile) -> BTreeSet<String> {
    let conditional_rules = profile.rules.iter().filter(|r| r.is_conditional());
    let names: rustc_hash::FxHashSet<&str> = conditional_rules.flat_map(|r| r.all_names()).collect();
    names.into_iter().map(str::to_string).collect()
}
