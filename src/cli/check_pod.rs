//! `seccompose check-pod`: the seccomp profile of every container in Kubernetes manifests,
//! checked against a node's profile root, as text or JSON.

use super::color::{Stream, finding, paint_padded};
use super::{Failure, Format, KubeContextArgs};
use crate::kube::install::DEFAULT_ROOT;
use crate::kube::manifest::{Manifest, Origin, read_manifest};
use crate::kube::pod_check::{ProfileReport, ProfileState, ProfileType, Report, Resolved, Role, SetAt, check};
use crate::policy::context::Context;
use crate::profile::finding::Level;
use crate::profile::limits;
use crate::text::count;
use clap::Args;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct CheckPodArgs {
    /// Manifest files (YAML or JSON, multi-document, `kind: List`); `-` reads standard input.
    #[arg(required = true, value_name = "MANIFEST")]
    pub manifests: Vec<PathBuf>,
    /// The kubelet's seccomp profile root, where Localhost profiles are looked up.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_ROOT)]
    pub root: PathBuf,
    #[command(flatten)]
    pub context: KubeContextArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also list the objects that run no pods (Services, ConfigMaps, …) and info findings.
    #[arg(short, long)]
    pub verbose: bool,
}

pub fn run(args: &CheckPodArgs) -> Result<i32, Failure> {
    let manifests = args.manifests.iter().map(|p| load(p)).collect::<Result<Vec<Manifest>, Failure>>()?;
    let ctx = args.context.context();
    let report = check(&manifests, &args.root, &ctx);
    match args.format {
        Format::Json => {
            let out = to_json(&report, &args.root, &ctx);
            println!("{}", serde_json::to_string_pretty(&out).expect("report serializes"));
        }
        Format::Text => print_text(&report, &args.root, &ctx, args.verbose),
    }
    Ok(if report.has_errors() { 1 } else { 0 })
}

/// Reads and parses one manifest; any failure is exit 2 with file:line when known.
fn load(path: &Path) -> Result<Manifest, Failure> {
    let limit = limits::manifest_limit();
    let (name, bytes) = if path.as_os_str() == "-" {
        ("<stdin>".to_string(), limits::read_limited(std::io::stdin(), limit, "manifests"))
    } else {
        (path.display().to_string(), limits::read_file_limited(path, limit, "manifests"))
    };
    let separator = if matches!(bytes, Err(limits::LimitError::TooLarge { .. })) { " " } else { ": " };
    let bytes = bytes.map_err(|e| Failure::unusable(format!("{name}{separator}{e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Failure::unusable(format!("{name}: not valid UTF-8 text (near byte {})", e.utf8_error().valid_up_to()))
    })?;
    read_manifest(&text, &name).map_err(|e| Failure::unusable(e.to_string()))
}

fn origin_text(o: &Origin) -> String {
    match o.item {
        Some(i) => format!("{}, document {}, item {}", o.source_name, o.document, i + 1),
        None => format!("{}, document {}", o.source_name, o.document),
    }
}

fn qualified(name: &str, namespace: Option<&str>) -> String {
    namespace.map_or_else(|| name.to_string(), |ns| format!("{ns}/{name}"))
}

/// The verdict in a 7-column field, coloured for a terminal ("ok" stays plain).
fn verdict_label(level: Level) -> String {
    match level {
        Level::Info => format!("{:<7}", verdict(level)),
        _ => paint_padded(level, verdict(level), 7, Stream::Stdout),
    }
}

fn verdict(level: Level) -> &'static str {
    match level {
        Level::Info => "ok",
        Level::Warning => "warning",
        Level::Error => "error",
    }
}

/// `Localhost profiles/a.json (pod-level)`, `RuntimeDefault (container-level)`, `unset`.
fn profile_text(c: &Resolved) -> String {
    let what = match &c.profile {
        None => return "unset".into(),
        Some(ProfileType::Localhost(Some(p))) => format!("Localhost {p}"),
        Some(p) => p.type_name().to_string(),
    };
    let at = if c.set_at == SetAt::Pod { "pod-level" } else { "container-level" };
    format!("{what} ({at})")
}

fn role_suffix(role: Role) -> &'static str {
    match role {
        Role::Container => "",
        Role::Init => " (init)",
        Role::Ephemeral => " (ephemeral)",
    }
}

fn print_text(report: &Report, root: &Path, ctx: &Context, verbose: bool) {
    let missing_root = if root.is_dir() { "" } else { " (which does not exist here)" };
    println!("Checked against {}{missing_root} for {}", root.display(), ctx.summary());
    for w in &report.workloads {
        println!("\n{} {} ({})", w.kind, qualified(&w.name, w.namespace.as_deref()), origin_text(&w.origin));
        for p in &w.problems {
            println!("  {} {} [{}]", verdict_label(p.level), p.message, p.id);
        }
        for c in &w.containers {
            let messages: Vec<String> = c.problems.iter().map(|p| format!("{} [{}]", p.message, p.id)).collect();
            let name = &c.container.name;
            let role = role_suffix(c.container.role);
            let profile = profile_text(&c.container);
            println!("  {} {name}{role}: {profile}: {}", verdict_label(c.level()), messages.join("; "));
        }
    }
    if !report.profiles.is_empty() {
        println!("\nLocalhost profiles:");
    }
    for p in &report.profiles {
        print_profile(p, verbose);
    }
    if verbose {
        for s in &report.skipped {
            let kind = if s.kind.is_empty() { "(no kind)" } else { &s.kind };
            println!("skipped {kind} {} ({}): it runs no pods", s.name, origin_text(&s.origin));
        }
    }
    let levels = |l: Level| report.problems().filter(|p| p.level == l).count();
    let containers: usize = report.workloads.iter().map(|w| w.containers.len()).sum();
    let skipped = match (report.skipped.len(), verbose) {
        (0, _) => String::new(),
        (n, true) => format!("; {} without pods skipped", count(n, "object")),
        (n, false) => format!("; {} without pods skipped (-v lists them)", count(n, "object")),
    };
    println!(
        "\n{}, {}: {}, {}{skipped}",
        count(report.workloads.len(), "workload"),
        count(containers, "container"),
        count(levels(Level::Error), "error"),
        count(levels(Level::Warning), "warning")
    );
}

fn print_profile(p: &ProfileReport, verbose: bool) {
    let file = p.file.as_ref().map(|f| f.display().to_string()).unwrap_or_default();
    match &p.state {
        ProfileState::InvalidPath(why) => println!("  {}: refused: {why}", p.localhost),
        ProfileState::Missing => println!("  {}: missing ({file})", p.localhost),
        ProfileState::Unusable(why) => println!("  {}: unusable: {why}", p.localhost),
        ProfileState::Loaded { findings, blocking, instructions } => {
            let (e, w) = (
                findings.iter().filter(|f| f.level == Level::Error).count(),
                findings.iter().filter(|f| f.level == Level::Warning).count(),
            );
            let bpf = instructions.map_or_else(String::new, |n| format!("; {n} BPF instructions"));
            let starts = if blocking.is_empty() { "" } else { "; containers cannot start under it" };
            let (e, w) = (count(e, "error"), count(w, "warning"));
            println!("  {} ({file}): {e}, {w}{bpf}{starts}", p.localhost);
            for f in findings.iter().filter(|f| verbose || f.level >= Level::Warning) {
                println!("    {}", finding(&file, f, Stream::Stdout).replace('\n', "\n    "));
            }
            for b in blocking.iter().filter(|b| b.starts_with("does not compile")) {
                println!("    {file}: {b}");
            }
        }
    }
}

fn to_json(report: &Report, root: &Path, ctx: &Context) -> Value {
    let levels = |l: Level| report.problems().filter(|p| p.level == l).count();
    json!({
        "schema": super::JSON_SCHEMA,
        "root": root.display().to_string(),
        "context": super::context_json(ctx),
        "workloads": report.workloads.iter().map(|w| json!({
            "source": w.origin.source_name,
            "document": w.origin.document,
            "item": w.origin.item,
            "kind": w.kind,
            "name": w.name,
            "namespace": w.namespace,
            "problems": w.problems,
            "containers": w.containers.iter().map(|c| json!({
                "name": c.container.name,
                "role": c.container.role.field(),
                "seccompProfile": profile_json(&c.container),
                "setAt": match c.container.set_at { SetAt::Container => "container", SetAt::Pod => "pod", SetAt::Unset => "unset" },
                "privileged": c.container.privileged,
                "verdict": verdict(c.level()),
                "problems": c.problems,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "profiles": report.profiles.iter().map(profile_report_json).collect::<Vec<_>>(),
        "skipped": report.skipped.iter().map(|s| json!({
            "source": s.origin.source_name,
            "document": s.origin.document,
            "item": s.origin.item,
            "kind": s.kind,
            "name": s.name,
        })).collect::<Vec<_>>(),
        "summary": {"errors": levels(Level::Error), "warnings": levels(Level::Warning), "info": levels(Level::Info)},
    })
}

fn profile_json(c: &Resolved) -> Value {
    match &c.profile {
        None => Value::Null,
        Some(ProfileType::Localhost(path)) => json!({"type": "Localhost", "localhostProfile": path}),
        Some(p) => json!({"type": p.type_name()}),
    }
}

fn profile_report_json(p: &ProfileReport) -> Value {
    let (status, detail) = match &p.state {
        ProfileState::InvalidPath(why) => ("invalid-path", json!({"reason": why})),
        ProfileState::Missing => ("missing", json!({})),
        ProfileState::Unusable(why) => ("unusable", json!({"reason": why})),
        ProfileState::Loaded { findings, blocking, instructions } => (
            if blocking.is_empty() { "usable" } else { "cannot-start" },
            json!({"findings": findings, "blocking": blocking, "bpfInstructions": instructions}),
        ),
    };
    let mut out = json!({"localhostProfile": p.localhost, "file": p.file, "status": status});
    if let (Some(o), Value::Object(d)) = (out.as_object_mut(), detail) {
        o.extend(d);
    }
    out
}
