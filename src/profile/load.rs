//! Reads the typed [`Profile`] out of a JSON tree, checking every field on the way.
//!
//! Nothing here fails: each problem becomes a [`Finding`] with its JSON path and position,
//! and the model holds what could be read. Keys are matched exactly; a key that differs only
//! in case is also taken (Go's encoding/json, used by every engine, does that) but reported.

use super::action::{ActionName, Op};
use super::errno::{errno_names, errno_number};
use super::finding::{Finding, Level};
use super::json::{Member, Node, NodeKind, PathStep};
use super::model::{ArchMapEntry, ArgCondition, Filter, KernelVersion, Profile, Rule};
use super::position::LineIndex;
use crate::catalog::Arch;
use crate::text::did_you_mean;

/// Errno values the runtimes accept: libseccomp refuses `SCMP_ACT_ERRNO(x)` for x >= 4095.
pub const MAX_ERRNO: u32 = 4094;

/// The seccomp filter flags runc and crun know.
pub const KNOWN_FLAGS: &[&str] = &[
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
];

const TOP_KEYS: &[&str] = &[
    "defaultAction",
    "defaultErrnoRet",
    "defaultErrno",
    "architectures",
    "archMap",
    "flags",
    "listenerPath",
    "listenerMetadata",
    "syscalls",
];
const RULE_KEYS: &[&str] = &["names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes"];
const ARG_KEYS: &[&str] = &["index", "value", "valueTwo", "op"];
const FILTER_KEYS: &[&str] = &["caps", "arches", "minKernel"];
const ARCHMAP_KEYS: &[&str] = &["architecture", "subArchitectures"];
/// Keys only an SPO `SeccompProfile` spec has.
const SPO_ONLY_KEYS: &[&str] = &["baseProfileName", "disabled"];
/// Keys the SPO CRD does not have: the API server prunes them from the stored object.
const NOT_IN_SPO: &[&str] =
    &["defaultErrnoRet", "defaultErrno", "archMap", "name", "errno", "comment", "includes", "excludes"];

/// Which schema the profile object follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// OCI, Docker/moby and containers/common JSON (one reader takes them all).
    Json,
    /// The `spec` of a Security Profiles Operator `SeccompProfile`.
    Spo,
}

/// Where a read's findings about `syscalls[]` elements sit: one block from `start`, element by
/// element, `counts[i]` of them about element `i` (an edit of a few rules replaces theirs only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleFindings {
    pub start: usize,
    pub counts: Vec<usize>,
}

/// Reads the profile object at `base` (the root for JSON files).
pub fn read_profile(root: &Node, text: &str, base: &[PathStep], schema: Schema) -> (Profile, Vec<Finding>) {
    let (profile, findings, _) = read_profile_indexed(root, &LineIndex::new(text), base, schema);
    (profile, findings)
}

/// [`read_profile`] with the text's lines indexed (`index`), also saying where the findings of
/// each rule are (`None` when `syscalls` is not an array).
pub fn read_profile_indexed(
    root: &Node,
    index: &LineIndex,
    base: &[PathStep],
    schema: Schema,
) -> (Profile, Vec<Finding>, Option<RuleFindings>) {
    read_with(Reader { root, index, findings: Vec::new(), schema, rule_findings: None }, base)
}

/// The rules of elements `items` of the `syscalls` array of the profile at `base` (in a read of
/// the whole profile, they would come with these findings), and each element's finding count.
pub fn read_rules(
    root: &Node,
    index: &LineIndex,
    base: &[PathStep],
    schema: Schema,
    items: std::ops::Range<usize>,
) -> (Vec<Rule>, Vec<Finding>, Vec<usize>) {
    let mut r = Reader { root, index, findings: Vec::new(), schema, rule_findings: None };
    let path: Vec<PathStep> = base.iter().cloned().chain([PathStep::Key("syscalls".into())]).collect();
    let array = root.at(&path).map(|node| match &node.kind {
        NodeKind::Array(all) => all.as_slice(),
        _ => &[],
    });
    let present = array.map_or(&[][..], |all| &all[items.start.min(all.len())..items.end.min(all.len())]);
    let (rules, mut counts) = r.rule_items(present, &At::Base(&path), items.start);
    // Elements past the array's end have no rule and no finding.
    counts.resize(items.len(), 0);
    (rules, r.findings, counts)
}

fn read_with(mut r: Reader, base: &[PathStep]) -> (Profile, Vec<Finding>, Option<RuleFindings>) {
    let root = r.root;
    let profile = match root.at(base) {
        Some(node) if matches!(node.kind, NodeKind::Object(_)) => r.profile(node, At::Base(base)),
        Some(_) => {
            r.error("wrong-type", &At::Base(base), "a seccomp profile must be a JSON object");
            Profile::default()
        }
        None => {
            r.error("missing-profile", &At::Base(base), "no seccomp profile found here");
            Profile::default()
        }
    };
    (profile, r.findings, r.rule_findings)
}

/// From this many rules on, a profile's rules are read by two threads (a thread costs tens of
/// microseconds; a thousand rules take a millisecond to read).
const SPLIT_AT: usize = 1000;

struct Reader<'a> {
    root: &'a Node,
    index: &'a LineIndex<'a>,
    findings: Vec<Finding>,
    schema: Schema,
    /// Filled when `syscalls` is read as an array.
    rule_findings: Option<RuleFindings>,
}

/// Where the reader is: the steps down to a value, kept on the stack as the reader descends
/// and made into a path only for a finding. Most values have none, and a path per value (a
/// copy of every key above it) was most of the time reading a big profile took.
#[derive(Clone, Copy)]
enum At<'a> {
    Base(&'a [PathStep]),
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn steps(&self) -> Vec<PathStep> {
        match self {
            At::Base(base) => base.to_vec(),
            At::Key(parent, k) => {
                let mut path = parent.steps();
                path.push(PathStep::Key(k.to_string()));
                path
            }
            At::Index(parent, i) => {
                let mut path = parent.steps();
                path.push(PathStep::Index(*i));
                path
            }
        }
    }
}

impl Reader<'_> {
    fn push(&mut self, finding: Finding, path: &[PathStep]) {
        let located = if matches!(finding.id, "misspelled-key" | "unknown-key") {
            finding.locate_key(self.root, self.index, path)
        } else {
            finding.locate(self.root, self.index, path)
        };
        self.findings.push(located);
    }

    fn error(&mut self, id: &'static str, at: &At, message: impl Into<String>) {
        let path = at.steps();
        self.push(Finding::new(id, Level::Error, &path, message), &path);
    }

    fn error_hint(&mut self, id: &'static str, at: &At, message: impl Into<String>, hint: impl Into<String>) {
        let path = at.steps();
        self.push(Finding::new(id, Level::Error, &path, message).hint(hint), &path);
    }

    fn warning_hint(&mut self, id: &'static str, at: &At, message: impl Into<String>, hint: impl Into<String>) {
        let path = at.steps();
        self.push(Finding::new(id, Level::Warning, &path, message).hint(hint), &path);
    }

    /// The members of an object by known key, reporting unknown and misspelled keys.
    fn members<'n>(&mut self, node: &'n Node, path: &At, known: &[&str]) -> Vec<(&'static str, &'n Node)> {
        let NodeKind::Object(members) = &node.kind else { return Vec::new() };
        let mut out: Vec<(&'static str, &'n Node)> = Vec::new();
        let mut first_at: Vec<(&'static str, usize)> = Vec::new();
        for m in members {
            let here = At::Key(path, &m.key);
            let canonical = known.iter().find(|k| k.eq_ignore_ascii_case(&m.key)).map(|k| *static_key(k));
            if let Some(k) = canonical {
                match first_at.iter().find(|(seen, _)| *seen == k) {
                    Some(&(_, first)) => self.duplicate_key(m, k, first, &here.steps()),
                    None => first_at.push((k, m.key_span.start)),
                }
            }
            if let Some(k) = known.iter().find(|k| **k == m.key) {
                if self.schema == Schema::Spo && NOT_IN_SPO.contains(k) {
                    self.warning_hint(
                        "not-in-spo",
                        &here,
                        format!("SPO's SeccompProfile has no \"{k}\": the API server drops it"),
                        "`seccompose convert --to spo` says what to write instead",
                    );
                }
                out.retain(|(seen, _)| seen != k);
                out.push((*static_key(k), &m.value));
                continue;
            }
            match did_you_mean(&m.key, known.iter().copied()) {
                Some(k) if k.eq_ignore_ascii_case(&m.key) => {
                    self.error_hint(
                        "misspelled-key",
                        &here,
                        format!("unknown key \"{}\"; did you mean \"{k}\"?", m.key),
                        format!("rename it to \"{k}\": Go-based engines accept any letter case, other tools do not"),
                    );
                    // Go's encoding/json sets the field again for every matching key: the last wins.
                    out.retain(|(seen, _)| *seen != k);
                    out.push((*static_key(k), &m.value));
                }
                Some(k) => self.error_hint(
                    "misspelled-key",
                    &here,
                    format!("unknown key \"{}\"; did you mean \"{k}\"?", m.key),
                    format!("rename it to \"{k}\"; as written, every engine ignores it"),
                ),
                None => self.warning_hint(
                    "unknown-key",
                    &here,
                    format!("unknown key \"{}\" is ignored by the engines", m.key),
                    "kept as is when saving; remove it if it is a mistake",
                ),
            }
        }
        out
    }

    /// A key given twice (or in two letter cases): an error at the later one, the one that counts.
    fn duplicate_key(&mut self, member: &Member, canonical: &str, first: usize, path: &[PathStep]) {
        let (first_line, first_column) = self.index.line_col(first);
        let (line, column) = self.index.line_col(member.key_span.start);
        let mut finding = Finding::new(
            "duplicate-key",
            Level::Error,
            path,
            format!(
                "\"{canonical}\" is given again here (first at line {first_line}, column {first_column}): the runtimes decode with Go's encoding/json, which keeps only this last one and ignores the first"
            ),
        )
        .hint(format!("merge them into one \"{canonical}\" (other tools may keep the first one instead)"));
        (finding.line, finding.column) = (Some(line), Some(column));
        self.findings.push(finding);
    }

    fn profile(&mut self, node: &Node, path: At) -> Profile {
        let mut p = Profile::default();
        let mut saw_default = false;
        let spo_keys: Vec<&str> = TOP_KEYS.iter().chain(SPO_ONLY_KEYS).copied().collect();
        let known = if self.schema == Schema::Spo { &spo_keys[..] } else { TOP_KEYS };
        for (k, v) in self.members(node, &path, known) {
            let here = At::Key(&path, k);
            match k {
                "baseProfileName" => p.base_profile_name = self.opt_string(v, &here).filter(|s| !s.is_empty()),
                "disabled" => {}
                "defaultAction" => {
                    saw_default = true;
                    p.default_action = self.action(v, &here);
                }
                "defaultErrnoRet" => p.default_errno_ret = self.errno_value(v, &here),
                "defaultErrno" => p.default_errno = self.errno_name(v, &here),
                "architectures" => p.architectures = self.arch_list(v, &here),
                "archMap" => p.arch_map = self.arch_map(v, &here),
                "flags" => p.flags = self.flags(v, &here),
                "listenerPath" => p.listener_path = self.opt_string(v, &here),
                "listenerMetadata" => p.listener_metadata = self.opt_string(v, &here),
                "syscalls" => p.rules = self.rules(v, &here),
                _ => {}
            }
        }
        if !saw_default {
            self.error_hint(
                "missing-default-action",
                &path,
                "missing \"defaultAction\"",
                "add \"defaultAction\": \"SCMP_ACT_ERRNO\" (deny what is not listed) or another SCMP_ACT_* action",
            );
        }
        if p.listener_metadata.is_some() && p.listener_path.is_none() {
            self.error_hint(
                "metadata-without-listener",
                &At::Key(&path, "listenerMetadata"),
                "\"listenerMetadata\" is set but \"listenerPath\" is not",
                "add \"listenerPath\" (the agent's unix socket) or remove \"listenerMetadata\"",
            );
        }
        p
    }

    fn action(&mut self, node: &Node, path: &At) -> Option<ActionName> {
        let text = self.string(node, path)?;
        let parsed = ActionName::parse(&text);
        if parsed.is_none() {
            let spellings = ActionName::ALL.map(ActionName::spelling);
            let message = match did_you_mean(&text, spellings) {
                Some(s) => format!("unknown action \"{text}\"; did you mean \"{s}\"?"),
                None => format!("unknown action \"{text}\""),
            };
            self.error_hint("unknown-action", path, message, format!("use one of {}", spellings.join(", ")));
        }
        parsed
    }

    fn errno_value(&mut self, node: &Node, path: &At) -> Option<u32> {
        if matches!(node.kind, NodeKind::Null) {
            return None;
        }
        let value = self.unsigned(node, path)?;
        if value > u64::from(MAX_ERRNO) {
            self.error_hint(
                "errno-range",
                path,
                format!("errno {value} is out of range: runtimes refuse values above {MAX_ERRNO}"),
                "use an errno number such as 1 (EPERM) or 38 (ENOSYS)",
            );
            return None;
        }
        Some(value as u32)
    }

    fn errno_name(&mut self, node: &Node, path: &At) -> Option<String> {
        let text = self.string(node, path)?;
        if text.is_empty() {
            return None;
        }
        if errno_number(&text).is_none() {
            let message = match did_you_mean(&text, errno_names()) {
                Some(s) => format!("unknown errno name \"{text}\"; did you mean \"{s}\"?"),
                None => format!("unknown errno name \"{text}\""),
            };
            self.error_hint("unknown-errno", path, message, "use a name such as EPERM or ENOSYS");
        }
        Some(text)
    }

    fn arch_list(&mut self, node: &Node, path: &At) -> Vec<String> {
        let names = self.string_list(node, path);
        for (i, name) in names.iter().enumerate() {
            self.check_arch(name, &At::Index(path, i));
        }
        names
    }

    fn check_arch(&mut self, name: &str, path: &At) {
        if Arch::from_scmp(name).is_none() {
            let all: Vec<&str> = Arch::all().map(Arch::scmp_name).collect();
            let message =
                match Arch::parse(name).map(Arch::scmp_name).or_else(|| did_you_mean(name, all.iter().copied())) {
                    Some(s) => format!("unknown architecture \"{name}\"; did you mean \"{s}\"?"),
                    None => format!("unknown architecture \"{name}\""),
                };
            self.error_hint(
                "unknown-arch",
                path,
                message,
                "architectures are spelled SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, …",
            );
        }
    }

    fn arch_map(&mut self, node: &Node, path: &At) -> Vec<ArchMapEntry> {
        let mut out = Vec::new();
        for (i, item) in self.array(node, path).iter().enumerate() {
            let here = At::Index(path, i);
            if !self.expect_object(item, &here) {
                continue;
            }
            let mut entry = ArchMapEntry::default();
            for (k, v) in self.members(item, &here, ARCHMAP_KEYS) {
                let at = At::Key(&here, k);
                match k {
                    "architecture" => {
                        entry.architecture = self.string(v, &at).unwrap_or_default();
                        self.check_arch(&entry.architecture.clone(), &at);
                    }
                    _ => entry.sub_architectures = self.arch_list(v, &at),
                }
            }
            out.push(entry);
        }
        out
    }

    fn flags(&mut self, node: &Node, path: &At) -> Vec<String> {
        let flags = self.string_list(node, path);
        for (i, flag) in flags.iter().enumerate() {
            if !KNOWN_FLAGS.contains(&flag.as_str()) {
                let message = match did_you_mean(flag, KNOWN_FLAGS.iter().copied()) {
                    Some(s) => format!("unknown seccomp flag \"{flag}\"; did you mean \"{s}\"?"),
                    None => format!("unknown seccomp flag \"{flag}\": runc refuses to start the container"),
                };
                self.error_hint(
                    "unknown-flag",
                    &At::Index(path, i),
                    message,
                    format!("known flags: {}", KNOWN_FLAGS.join(", ")),
                );
            }
        }
        flags
    }

    fn rules(&mut self, node: &Node, path: &At) -> Vec<Rule> {
        let items = self.array(node, path);
        let start = self.findings.len();
        // A big profile's rules are read in two halves at once: the second on a thread of its
        // own (each rule's reading is its own; the halves' rules and findings are joined in
        // order, as one reader gives them), when a thread can be had.
        let half = if items.len() >= SPLIT_AT { items.len() / 2 } else { items.len() };
        let (root, index, schema) = (self.root, self.index, self.schema);
        let ((mut out, mut counts), second) = std::thread::scope(|s| {
            let read_second = move || {
                let mut r = Reader { root, index, findings: Vec::new(), schema, rule_findings: None };
                let (rules, counts) = r.rule_items(&items[half..], path, half);
                (rules, counts, r.findings)
            };
            let second =
                (half < items.len()).then(|| std::thread::Builder::new().spawn_scoped(s, read_second).ok()).flatten();
            let first = self.rule_items(&items[..half], path, 0);
            (first, second.map(|thread| thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))))
        });
        let (rules, rest, mut findings) = match second {
            Some(read) => read,
            None => {
                let (rules, rest) = self.rule_items(&items[half..], path, half);
                (rules, rest, Vec::new())
            }
        };
        out.extend(rules);
        counts.extend(rest);
        self.findings.append(&mut findings);
        if matches!(node.kind, NodeKind::Array(_)) {
            self.rule_findings = Some(RuleFindings { start, counts });
        }
        out
    }

    /// The rules of `items` (elements `first..` of the `syscalls` array at `path`), and how
    /// many findings each gave.
    fn rule_items(&mut self, items: &[Node], path: &At, first: usize) -> (Vec<Rule>, Vec<usize>) {
        let (mut rules, mut counts) = (Vec::with_capacity(items.len()), Vec::with_capacity(items.len()));
        for (k, item) in items.iter().enumerate() {
            let before = self.findings.len();
            rules.extend(self.rule_item(item, path, first + k));
            counts.push(self.findings.len() - before);
        }
        (rules, counts)
    }

    /// Element `i` of the `syscalls` array at `path`.
    fn rule_item(&mut self, item: &Node, path: &At, i: usize) -> Option<Rule> {
        let here = At::Index(path, i);
        if self.expect_object(item, &here) { self.rule(item, &here, i) } else { None }
    }

    fn rule(&mut self, node: &Node, path: &At, index: usize) -> Option<Rule> {
        let mut rule = Rule {
            index,
            names: Vec::new(),
            name: None,
            action: ActionName::Allow,
            errno_ret: None,
            errno: None,
            args: Vec::new(),
            comment: None,
            includes: Filter::default(),
            excludes: Filter::default(),
        };
        let mut action = None;
        let mut saw_action = false;
        let mut saw_names = false;
        for (k, v) in self.members(node, path, RULE_KEYS) {
            let here = At::Key(path, k);
            match k {
                "names" => {
                    saw_names = true;
                    rule.names = self.string_list(v, &here);
                }
                "name" => rule.name = self.opt_string(v, &here),
                "action" => {
                    saw_action = true;
                    action = self.action(v, &here);
                }
                "errnoRet" => rule.errno_ret = self.errno_value(v, &here),
                "errno" => rule.errno = self.errno_name(v, &here),
                "args" => rule.args = self.args(v, &here),
                "comment" => rule.comment = self.opt_string(v, &here),
                "includes" => rule.includes = self.filter(v, &here),
                _ => rule.excludes = self.filter(v, &here),
            }
        }
        if rule.names.is_empty() && rule.name.is_none() {
            let message =
                if saw_names { "\"names\" is empty: the rule applies to nothing" } else { "the rule names no syscall" };
            self.error_hint("empty-names", path, message, "list the syscalls in \"names\", or remove the rule");
        }
        if !saw_action {
            self.error_hint(
                "missing-action",
                path,
                "the rule has no \"action\"",
                "add \"action\": \"SCMP_ACT_ALLOW\" (or another SCMP_ACT_* action)",
            );
        }
        rule.action = action?;
        Some(rule)
    }

    fn args(&mut self, node: &Node, path: &At) -> Vec<ArgCondition> {
        let mut out = Vec::new();
        for (i, item) in self.array(node, path).iter().enumerate() {
            let here = At::Index(path, i);
            if self.expect_object(item, &here) {
                if let Some(arg) = self.arg(item, &here) {
                    out.push(arg);
                }
            }
        }
        out
    }

    fn arg(&mut self, node: &Node, path: &At) -> Option<ArgCondition> {
        let (mut index, mut value, mut value_two, mut op) = (None, 0, 0, None);
        let mut ok = true;
        for (k, v) in self.members(node, path, ARG_KEYS) {
            let here = At::Key(path, k);
            match k {
                "index" => index = self.unsigned(v, &here),
                "value" => {
                    value = self.unsigned(v, &here).unwrap_or_else(|| {
                        ok = false;
                        0
                    })
                }
                "valueTwo" => {
                    value_two = self.unsigned(v, &here).unwrap_or_else(|| {
                        ok = false;
                        0
                    })
                }
                _ => {
                    let text = self.string(v, &here)?;
                    op = Op::parse(&text);
                    if op.is_none() {
                        let spellings = Op::ALL.map(Op::spelling);
                        let message = match did_you_mean(&text, spellings) {
                            Some(s) => format!("unknown operator \"{text}\"; did you mean \"{s}\"?"),
                            None => format!("unknown operator \"{text}\""),
                        };
                        self.error_hint("unknown-op", &here, message, format!("use one of {}", spellings.join(", ")));
                    }
                }
            }
        }
        let index = match index {
            Some(i) if i <= 5 => i as u32,
            Some(i) => {
                self.error_hint(
                    "arg-index-range",
                    &At::Key(path, "index"),
                    format!("argument index {i} is out of range"),
                    "syscalls have arguments 0 to 5",
                );
                return None;
            }
            None => {
                self.error_hint("missing-index", path, "the condition has no \"index\"", "add \"index\": 0..5");
                return None;
            }
        };
        let Some(op) = op else {
            if node.member("op").is_none() {
                self.error_hint(
                    "missing-op",
                    path,
                    "the condition has no \"op\"",
                    "add \"op\": \"SCMP_CMP_EQ\" (or another SCMP_CMP_*)",
                );
            }
            return None;
        };
        if value_two != 0 && op != Op::MaskedEq {
            self.error_hint(
                "value-two-without-masked-eq",
                &At::Key(path, "valueTwo"),
                format!(
                    "\"valueTwo\" is {value_two} but only SCMP_CMP_MASKED_EQ uses it; with {} it is ignored",
                    op.spelling()
                ),
                "set \"op\" to SCMP_CMP_MASKED_EQ (value = mask, valueTwo = expected bits) or remove \"valueTwo\"",
            );
        }
        ok.then_some(ArgCondition { index, value, value_two, op })
    }

    fn filter(&mut self, node: &Node, path: &At) -> Filter {
        let mut f = Filter::default();
        if !self.expect_object(node, path) {
            return f;
        }
        for (k, v) in self.members(node, path, FILTER_KEYS) {
            let here = At::Key(path, k);
            match k {
                "caps" => f.caps = self.string_list(v, &here),
                "arches" => f.arches = self.string_list(v, &here),
                _ => {
                    let Some(text) = self.string(v, &here) else { continue };
                    if text.is_empty() {
                        continue;
                    }
                    f.min_kernel = strict_kernel_version(&text);
                    if f.min_kernel.is_none() {
                        self.error_hint(
                            "bad-kernel-version",
                            &here,
                            format!("\"{text}\" is not a kernel version"),
                            "write it as major.minor, e.g. \"5.8\" (dockerd refuses anything else)",
                        );
                    }
                }
            }
        }
        f
    }

    // ---- typed leaves ----

    fn type_error(&mut self, node: &Node, path: &At, expected: &str) {
        let found = match node.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Number(_) => "a number",
            NodeKind::String(_) => "a string",
            NodeKind::Array(_) => "an array",
            NodeKind::Object(_) => "an object",
        };
        self.error_hint(
            "wrong-type",
            path,
            format!("expected {expected}, found {found}"),
            "the engines refuse a profile with a wrongly typed field",
        );
    }

    fn expect_object(&mut self, node: &Node, path: &At) -> bool {
        let ok = matches!(node.kind, NodeKind::Object(_));
        if !ok {
            self.type_error(node, path, "an object");
        }
        ok
    }

    fn string(&mut self, node: &Node, path: &At) -> Option<String> {
        match &node.kind {
            NodeKind::String(s) => Some(s.to_string()),
            _ => {
                self.type_error(node, path, "a string");
                None
            }
        }
    }

    /// Like `string`, but `null` means absent (Go decodes null into an empty value).
    fn opt_string(&mut self, node: &Node, path: &At) -> Option<String> {
        if matches!(node.kind, NodeKind::Null) { None } else { self.string(node, path) }
    }

    fn unsigned(&mut self, node: &Node, path: &At) -> Option<u64> {
        match &node.kind {
            NodeKind::Number(text) => match text.parse::<u64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    let why = if text.starts_with('-') {
                        "must not be negative"
                    } else if text.contains(['.', 'e', 'E']) {
                        "must be a whole number"
                    } else {
                        "does not fit in 64 bits"
                    };
                    self.error_hint(
                        "bad-number",
                        path,
                        format!("{text} {why}"),
                        "write a whole number from 0 to 18446744073709551615",
                    );
                    None
                }
            },
            _ => {
                self.type_error(node, path, "a number");
                None
            }
        }
    }

    fn array<'n>(&mut self, node: &'n Node, path: &At) -> &'n [Node] {
        match &node.kind {
            NodeKind::Array(items) => items,
            NodeKind::Null => &[],
            _ => {
                self.type_error(node, path, "an array");
                &[]
            }
        }
    }

    fn string_list(&mut self, node: &Node, path: &At) -> Vec<String> {
        let mut out = Vec::new();
        for (i, item) in self.array(node, path).iter().enumerate() {
            if let Some(s) = self.string(item, &At::Index(path, i)) {
                out.push(s);
            }
        }
        out
    }
}

/// dockerd accepts exactly `<kernel>.<major>`, each 0..255, and not `0.0`.
fn strict_kernel_version(text: &str) -> Option<KernelVersion> {
    let (major, minor) = text.split_once('.')?;
    let (major, minor): (u8, u8) = (major.parse().ok()?, minor.parse().ok()?);
    ((major, minor) != (0, 0)).then_some(KernelVersion { major: major.into(), minor: minor.into() })
}

/// Known keys are static strings; look the canonical spelling up in the key tables.
fn static_key(k: &str) -> &'static &'static str {
    [TOP_KEYS, RULE_KEYS, ARG_KEYS, FILTER_KEYS, ARCHMAP_KEYS, SPO_ONLY_KEYS]
        .iter()
        .flat_map(|keys| keys.iter())
        .find(|known| **known == k)
        .expect("only known keys are looked up")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::json::parse;

    /// A profile big enough to be read in two halves, with findings of several kinds spread
    /// over both (a misspelt key, an unknown action, a wrong type, a repeated key): its rules,
    /// findings and per-rule counts are those of reading every element in one go.
    #[test]
    fn rules_read_in_halves_are_read_as_in_one_go() {
        let rule = |i: usize| match i % 97 {
            3 => format!(r#"{{"Names": ["r{i}"], "action": "SCMP_ACT_ALLOW"}}"#),
            11 => format!(r#"{{"names": ["r{i}"], "action": "SCMP_ACT_NOPE"}}"#),
            40 => "17".to_string(),
            71 => format!(r#"{{"names": ["r{i}"], "action": "SCMP_ACT_LOG", "action": "SCMP_ACT_ALLOW"}}"#),
            _ => format!(
                r#"{{"names": ["read", "r{i}"], "action": "SCMP_ACT_ALLOW", "args": [{{"index": 1, "value": {i}, "op": "SCMP_CMP_EQ"}}]}}"#
            ),
        };
        let n = SPLIT_AT * 3 + 7;
        let rules: Vec<String> = (0..n).map(rule).collect();
        let text = format!("{{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n{}\n]}}", rules.join(",\n"));
        let root = parse(&text).unwrap();
        let index = LineIndex::new(&text);
        let (profile, findings, block) = read_profile_indexed(&root, &index, &[], Schema::Json);
        let block = block.expect("syscalls is an array");
        let (one_go, one_go_findings, one_go_counts) = read_rules(&root, &index, &[], Schema::Json, 0..n);
        assert_eq!(profile.rules, one_go);
        assert_eq!(block.counts, one_go_counts);
        let end = block.start + block.counts.iter().sum::<usize>();
        assert_eq!(findings[block.start..end], one_go_findings[..]);
        let in_second_half = one_go_counts[n / 2..].iter().filter(|c| **c > 0).count();
        assert!(in_second_half > 10 && one_go_counts[..n / 2].iter().any(|c| *c > 0), "findings in both halves");
    }
}
