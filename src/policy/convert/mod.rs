//! Conversion between profile formats (OCI, Docker/moby, Podman/containers-common, SPO):
//! everything the target can say is kept, the rest is resolved for a named context, or
//! dropped and named, or the conversion is refused.

mod rules;

use crate::policy::context::Context;
use crate::profile::Document;
use crate::profile::spo;
use crate::profile::yaml::emit::{self, Style};
use serde_json::{Map, Value};

/// A profile format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OCI runtime-spec `linux.seccomp` (containerd, CRI-O's Localhost files, crun, runc).
    Oci,
    /// Docker/moby: `archMap`, `comment`, `includes`/`excludes` with `minKernel`.
    Docker,
    /// Podman/containers-common: as Docker without `minKernel`, plus errno names.
    Podman,
    /// Security Profiles Operator `SeccompProfile` (YAML).
    Spo,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Oci => "OCI",
            Format::Docker => "Docker",
            Format::Podman => "Podman",
            Format::Spo => "SPO",
        }
    }

    /// The format a document is written in, judged by the fields it uses (a plain profile is OCI).
    pub fn of(doc: &Document) -> Format {
        if doc.is_spo() {
            return Format::Spo;
        }
        let p = &doc.profile;
        let rules = &p.rules;
        if p.default_errno.is_some() || rules.iter().any(|r| r.errno.is_some()) {
            Format::Podman
        } else if !p.arch_map.is_empty()
            || rules
                .iter()
                .any(|r| r.comment.is_some() || r.name.is_some() || !r.includes.is_empty() || !r.excludes.is_empty())
        {
            Format::Docker
        } else {
            Format::Oci
        }
    }
}

/// What to convert to, and how.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub to: Format,
    /// `metadata.name` for SPO (default: the source's name, else the file's stem).
    pub name: Option<&'a str>,
    /// The context to resolve conditions for (`includes`/`excludes`, `minKernel`) when the
    /// target cannot express them; without one such conversions are refused.
    pub resolve: Option<&'a Context>,
}

/// The converted profile, and what happened on the way.
#[derive(Debug, Clone)]
pub struct Converted {
    pub text: String,
    pub value: Value,
    /// What the target cannot express and was left out (behaviour may differ).
    pub dropped: Vec<String>,
    /// What was written differently without changing behaviour.
    pub rewritten: Vec<String>,
}

/// Why a conversion was refused: every reason, with what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused(pub Vec<String>);

/// Converts `doc` (its profile as edited) to `req.to`.
pub fn convert(doc: &Document, req: &Request) -> Result<Converted, Refused> {
    if doc.has_errors() {
        return Err(Refused(vec![format!(
            "{} has errors; fix them first (`seccompose check {}`)",
            doc.display_name(),
            doc.display_name()
        )]));
    }
    let Some(profile) = doc.profile_value().as_object().cloned() else {
        return Err(Refused(vec!["the profile is not an object".into()]));
    };
    let mut work = Work { profile, dropped: Vec::new(), rewritten: Vec::new(), refused: Vec::new() };
    work.spo_fields(doc, req.to);
    rules::fold_names(&mut work, req.to);
    rules::errno_names(&mut work, req.to);
    rules::conditions(&mut work, doc, req);
    work.targets_fields(req.to, req.resolve.map(|c| c.native));
    if !work.refused.is_empty() {
        return Err(Refused(work.refused));
    }
    let spec = Value::Object(work.profile);
    let (value, text) = match req.to {
        Format::Spo => {
            let resource = spo_resource(doc, spec, req.name, &mut work.rewritten);
            let text = emit::document(&resource, Style::default());
            (resource, text)
        }
        // Nothing to change: the file's own text, formatting and all.
        _ if !doc.is_spo() && &spec == doc.profile_value() => (spec, doc.render()),
        _ => {
            let text = serde_json::to_string_pretty(&spec).expect("values serialize") + "\n";
            (spec, text)
        }
    };
    Ok(Converted { text, value, dropped: work.dropped, rewritten: work.rewritten })
}

/// The profile being converted and the notes so far.
pub(crate) struct Work {
    pub(crate) profile: Map<String, Value>,
    pub(crate) dropped: Vec<String>,
    pub(crate) rewritten: Vec<String>,
    pub(crate) refused: Vec<String>,
}

impl Work {
    pub(crate) fn rules_mut(&mut self) -> impl Iterator<Item = (usize, &mut Map<String, Value>)> {
        self.profile
            .get_mut("syscalls")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, r)| r.as_object_mut().map(|r| (i, r)))
    }

    /// `baseProfileName` and `disabled`: kept for SPO, resolved (the base's rules merged) or
    /// refused for the others.
    fn spo_fields(&mut self, doc: &Document, to: Format) {
        if to == Format::Spo {
            return;
        }
        if let Some(Value::Bool(true)) = self.profile.shift_remove("disabled") {
            self.dropped
                .push("disabled: true (the operator would not install this profile; a file has no such switch)".into());
        }
        let Some(base_name) = self.profile.shift_remove("baseProfileName") else { return };
        match &doc.base {
            Some(Ok(base)) => {
                let rules = self.profile.entry("syscalls").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = rules {
                    list.extend(base.syscalls.iter().cloned());
                }
                self.rewritten.push(format!(
                    "baseProfileName {}: its {} rules (from {}) appended to syscalls, as the operator merges them",
                    base_name.as_str().unwrap_or_default(),
                    base.syscalls.len(),
                    base.from
                ));
            }
            Some(Err(why)) => self.refused.push(format!(
                "baseProfileName {} cannot be resolved ({why}); without it the profile would lose the base's rules",
                base_name.as_str().unwrap_or_default()
            )),
            None => {}
        }
    }

    /// Top-level and rule fields the target does not have.
    fn targets_fields(&mut self, to: Format, native: Option<crate::catalog::Arch>) {
        if matches!(to, Format::Oci | Format::Spo) {
            rules::flatten_arch_map(self, native);
            let mut comments = Vec::new();
            for (i, rule) in self.rules_mut() {
                if let Some(c) = rule.shift_remove("comment") {
                    comments.push(format!("syscalls[{i}] {c}"));
                }
            }
            if !comments.is_empty() {
                self.dropped.push(format!(
                    "{} comment(s), which {} has no field for: {}",
                    comments.len(),
                    to.name(),
                    comments.join("; ")
                ));
            }
        }
        if to == Format::Spo {
            rules::spo_only_fields(self);
        }
    }
}

/// The SPO resource: the source's own (metadata kept, server fields dropped) or a new one.
fn spo_resource(doc: &Document, spec: Value, name: Option<&str>, rewritten: &mut Vec<String>) -> Value {
    let mut resource = if doc.is_spo() {
        let mut r = doc.value().clone();
        if r.get("status").is_some() {
            rewritten.push("status dropped (the server sets it)".into());
        }
        spo::strip_server_fields(&mut r);
        r["spec"] = spec;
        r
    } else {
        let stem = doc.path.as_deref().and_then(|p| p.file_stem()).map(|s| s.to_string_lossy().into_owned());
        let stem =
            stem.unwrap_or_else(|| doc.name.trim_start_matches("(built-in) ").trim_end_matches(".json").to_string());
        spo::resource(&spo::resource_name(&stem), spec)
    };
    if let (Some(n), Some(meta)) = (name, spo::metadata_mut(&mut resource)) {
        meta.insert("name".into(), Value::String(n.to_string()));
    }
    resource
}
