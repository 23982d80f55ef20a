//! The editor's state, and what is derived from it (rows, badges, counts) after every edit.

use super::preview::{BpfView, DiffLine, bpf_view, json_diff};
use super::theme::Theme;
use crate::catalog::{self, CATEGORIES, search::search};
use crate::policy::context::{Context, Engine};
use crate::policy::convert::Format;
use crate::policy::evaluator::Evaluator;
use crate::policy::lint::lint;
use crate::profile::finding::Finding;
use crate::profile::{Action, Document, Op};
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Categories,
    Syscalls,
    /// The run pane's denial list.
    Run,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Info,
    Json,
    Bpf,
    Lint,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Info, Tab::Json, Tab::Bpf, Tab::Lint];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Info => "Syscall",
            Tab::Json => "JSON",
            Tab::Bpf => "BPF",
            Tab::Lint => "Lint",
        }
    }
}

/// What a key press means right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a search query.
    Search,
    Help,
    /// Choosing an action for the selected syscall, the whole category or the default.
    Pick {
        target: Target,
        cursor: usize,
    },
    /// Typing a value: an errno, or a path to save to.
    Prompt {
        purpose: Prompt,
        input: String,
    },
    /// The rules that name the selected syscall: conditions and comments.
    Rules {
        cursor: usize,
    },
    /// Choosing the comparison of a condition being added or edited.
    PickOp {
        at: CondAt,
        cursor: usize,
    },
    /// The profile's `architectures`.
    Arches {
        cursor: usize,
    },
    /// Typing the run pane's command line.
    RunCommand,
    /// Keys go to the running command until Ctrl-].
    Interact,
    /// Unsaved edits: quit anyway?
    ConfirmQuit,
    /// The file changed on disk: overwrite it?
    ConfirmOverwrite,
}

/// What an action choice applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Syscall,
    Category,
    /// The profile's `defaultAction` (and `defaultErrnoRet`).
    Default,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Errno(Target),
    /// Where to save, and in which format (`None`: the document's own).
    SavePath {
        to: Option<Format>,
    },
    /// Capabilities of the context, comma-separated.
    Caps,
    /// Kernel version of the context.
    Kernel,
    /// `ARG VALUE` (or `ARG MASK VALUE`) of a condition.
    Condition {
        at: CondAt,
        op: Op,
    },
    /// A rule's comment.
    Comment {
        rule: usize,
    },
    /// A file or built-in name to compare the edited profile with.
    CompareWith,
}

/// Where a condition goes: a rule (`None`: a new rule for the selected syscall) and which of
/// its conditions (`None`: a new one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CondAt {
    pub rule: Option<usize>,
    pub k: Option<usize>,
}

/// One row of the syscall list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: &'static str,
    /// What the kernel does with all arguments 0 on the host's arch.
    pub action: Action,
    /// A rule with argument or capability conditions names it.
    pub conditional: bool,
    /// Matched characters of the name (search).
    pub matched: Vec<usize>,
}

/// Allowed and total syscalls of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    pub allowed: usize,
    pub total: usize,
}

pub struct App {
    pub doc: Document,
    pub ctx: Context,
    pub theme: Theme,
    pub undo: Vec<Value>,
    pub redo: Vec<Value>,
    pub focus: Focus,
    pub category: usize,
    pub cursor: usize,
    pub query: String,
    pub tab: Tab,
    pub mode: Mode,
    pub message: Option<String>,
    pub quit: bool,
    /// Lines scrolled in the detail pane.
    pub detail_scroll: u16,
    /// Lines scrolled in the help.
    pub help_scroll: u16,
    /// Selected lint finding (Lint tab).
    pub finding: usize,
    // Derived after each edit or context change.
    pub evaluator: Result<Evaluator, String>,
    pub counts: Vec<Count>,
    pub findings: Vec<Finding>,
    pub rows: Vec<Row>,
    /// The run pane, when open.
    pub run: Option<super::run_pane::RunPane>,
    /// The compare view, when open (it takes the editor's place).
    pub compare: Option<super::compare::CompareView>,
    /// Syscalls that a conditional rule names (the list's marker).
    conditional: BTreeSet<String>,
    /// The profile under docker, podman and containerd, for the preview's comparison.
    engines: Vec<(Engine, Result<Evaluator, String>)>,
    /// Preview tabs, computed on demand by [`App::prepare_view`]; `None` after an edit.
    pub json_view: Option<Vec<DiffLine>>,
    pub bpf_view: Option<Result<BpfView, String>>,
}

impl App {
    pub fn new(doc: Document, ctx: Context, theme: Theme) -> App {
        let mut app = App {
            doc,
            ctx,
            theme,
            undo: Vec::new(),
            redo: Vec::new(),
            focus: Focus::Syscalls,
            category: 0,
            cursor: 0,
            query: String::new(),
            tab: Tab::Info,
            mode: Mode::Normal,
            message: None,
            quit: false,
            detail_scroll: 0,
            help_scroll: 0,
            finding: 0,
            evaluator: Err(String::new()),
            counts: Vec::new(),
            findings: Vec::new(),
            rows: Vec::new(),
            run: None,
            compare: None,
            conditional: BTreeSet::new(),
            engines: Vec::new(),
            json_view: None,
            bpf_view: None,
        };
        app.refresh();
        app
    }

    /// Recomputes everything derived from the profile and the context.
    pub fn refresh(&mut self) {
        self.evaluator = Evaluator::new(self.doc.effective_profile(), &self.ctx).map_err(|e| e.to_string());
        self.findings = lint(&self.doc, &self.ctx);
        self.engines = [Engine::Docker, Engine::Podman, Engine::Containerd]
            .into_iter()
            .map(|engine| {
                let ctx = Context { engine, ..self.ctx.clone() };
                (engine, Evaluator::new(self.doc.effective_profile(), &ctx).map_err(|e| e.to_string()))
            })
            .collect();
        let conditional_rules = self.doc.profile.rules.iter().filter(|r| r.is_conditional());
        self.conditional = conditional_rules.flat_map(|r| r.all_names().map(str::to_string)).collect();
        self.counts = CATEGORIES.iter().map(|c| self.count(c.id)).collect();
        self.json_view = None;
        self.bpf_view = None;
        self.refresh_rows();
        super::compare::refresh(self);
    }

    /// Computes what the shown tab needs and does not have yet (call before drawing).
    pub fn prepare_view(&mut self) {
        match self.tab {
            Tab::Json if self.json_view.is_none() => {
                self.json_view = Some(json_diff(&self.doc.original, &self.doc.render()));
            }
            Tab::Bpf if self.bpf_view.is_none() => {
                self.bpf_view = Some(self.evaluator.as_ref().map_err(Clone::clone).and_then(bpf_view));
            }
            _ => {}
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
        let action = self.decide(name);
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
        let mut c = Count::default();
        for info in names {
            c.total += 1;
            c.allowed += usize::from(self.decide(info.name).lets_through());
        }
        c
    }

    pub fn selected(&self) -> Option<&Row> {
        self.rows.get(self.cursor)
    }

    /// Replaces the profile with an edited one, keeping the old one for undo.
    pub fn apply(&mut self, edited: Value, what: String) {
        let before = self.doc.profile_value().clone();
        if before == edited {
            return;
        }
        self.undo.push(before);
        self.redo.clear();
        self.doc.set_profile_value(edited);
        self.message = Some(what);
        self.refresh();
    }

    /// The effective action under each engine (same host arch and caps).
    pub fn per_engine(&self, name: &str) -> Vec<(Engine, String)> {
        self.engines
            .iter()
            .map(|(engine, ev)| {
                let text = match ev {
                    Ok(ev) => ev
                        .decide_name(self.ctx.native, name, &[0; 6])
                        .map_or_else(|| "-".into(), |d| d.action.to_string()),
                    Err(_) => "refused".to_string(),
                };
                (*engine, text)
            })
            .collect()
    }
}
