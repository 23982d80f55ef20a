//! `seccompose install`: check and compile a profile, then put it where the kubelet finds
//! Localhost profiles, and print the `securityContext` that uses it.

use super::color::{Stream, finding};
use super::{Failure, KubeContextArgs, open_profile};
use crate::bpf::compile::compile;
use crate::kube::install::{
    DEFAULT_ROOT, Outcome, container_snippet, default_target, localhost_path, outcome, pod_snippet, write,
};
use crate::kube::pod_check::blocks_start;
use crate::kube::recording::{EXPECTED_FINDINGS, check_socket_path, recording_profile};
use crate::policy::context::Context;
use crate::policy::convert::{Format, Request, convert};
use crate::policy::evaluator::Evaluator;
use crate::policy::lint::{lint, tally};
use crate::profile::Document;
use crate::profile::finding::Level;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Profile file (JSON or SPO YAML), or a built-in profile name such as runtime-default.
    #[arg(required_unless_present = "record_via")]
    pub file: Option<PathBuf>,
    /// Install the recording profile instead of FILE: every syscall but `write` notifies the
    /// seccomp agent listening on SOCKET (`seccompose agent --socket SOCKET`, an absolute path on
    /// the node); anything else is allowed. Default --as: profiles/seccompose-record.json.
    #[arg(long, value_name = "SOCKET", conflicts_with = "file")]
    pub record_via: Option<PathBuf>,
    /// The kubelet's seccomp profile root.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_ROOT)]
    pub root: PathBuf,
    /// Path under the root, as pods name it in `localhostProfile` (default: profiles/<file stem>.json).
    #[arg(long = "as", value_name = "PATH")]
    pub target: Option<String>,
    /// Check and compile, say what would be written, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub context: KubeContextArgs,
}

/// The bytes that go on the node: the document's text as it is, so a JSON profile is
/// installed byte-for-byte. Formats that runtimes cannot read directly convert here.
/// An SPO resource becomes the OCI profile the operator would write (its base merged in).
pub fn installed_text(doc: &Document) -> Result<String, Failure> {
    if !doc.is_spo() {
        return Ok(doc.render());
    }
    let request = Request { to: Format::Oci, name: None, resolve: None };
    let converted =
        convert(doc, &request).map_err(|r| Failure::unusable(format!("{}: {}", doc.display_name(), r.0.join("; "))))?;
    Ok(converted.text)
}

/// The SPO resource that makes the operator install the same profile on every node, with what
/// it could not carry over as YAML comments above it.
fn spo_equivalent(doc: &Document, localhost: &str, ctx: &Context) -> String {
    if doc.is_spo() {
        return doc.render();
    }
    let stem = Path::new(localhost).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = crate::profile::spo::resource_name(&stem);
    let request = Request { to: Format::Spo, name: Some(&name), resolve: Some(ctx) };
    match convert(doc, &request) {
        Ok(c) => {
            let notes: String = c.dropped.iter().map(|d| format!("# dropped: {d}\n")).collect();
            format!("{notes}{}", c.text)
        }
        Err(r) => format!("# no SPO equivalent: {}\n", r.0.join("; ")),
    }
}

/// The document to install and the Localhost path it goes to.
fn source(args: &InstallArgs, ctx: &Context) -> Result<(Document, String), Failure> {
    if let Some(socket) = &args.record_via {
        let socket = check_socket_path(socket).map_err(|why| Failure::unusable(format!("--record-via: {why}")))?;
        let text = serde_json::to_string_pretty(&recording_profile(&socket, ctx.native)).expect("serializable") + "\n";
        let doc = Document::parse(&text, "the recording profile").map_err(|e| Failure::unusable(e.to_string()))?;
        return Ok((doc, args.target.clone().unwrap_or_else(|| RECORDING_TARGET.to_string())));
    }
    let file = args.file.as_ref().ok_or_else(|| Failure::unusable("give a profile FILE, or --record-via SOCKET"))?;
    let doc = open_profile(file)?;
    let wanted = match &args.target {
        Some(target) => target.clone(),
        // Standard input has no name to install under.
        None if super::is_stdin(file) => {
            return Err(Failure::unusable("a profile from standard input needs --as PATH (e.g. profiles/app.json)"));
        }
        None => default_target(file),
    };
    Ok((doc, wanted))
}

/// Where `--record-via` installs by default.
const RECORDING_TARGET: &str = "profiles/seccompose-record.json";

pub fn run(args: &InstallArgs) -> Result<i32, Failure> {
    let ctx = args.context.context();
    let (doc, wanted) = source(args, &ctx)?;
    let localhost = localhost_path(&wanted).map_err(|why| Failure::unusable(format!("--as {wanted}: {why}")))?;
    let name = doc.display_name();
    let mut findings = lint(&doc, &ctx);
    if args.record_via.is_some() {
        findings.retain(|f| !EXPECTED_FINDINGS.contains(&f.id));
    }
    let (errors, warnings, _) = tally(&findings);
    println!("{name}: checked for {}", ctx.summary());
    // Info findings are for the editor; what an installer must see is what can go wrong.
    for f in findings.iter().filter(|f| f.level >= Level::Warning) {
        println!("{}", finding(&name, f, Stream::Stdout));
    }
    if errors > 0 {
        return Err(refused(format!("{} in the profile", crate::text::count(errors, "error"))));
    }
    // The same rule as check-pod: a profile that stops runc before the program runs would only
    // turn into failed pods.
    if let Some(f) = findings.iter().find(|f| blocks_start(f)) {
        return Err(refused(format!("containers could not start under it ({})", f.id)));
    }
    let ev = Evaluator::new(doc.effective_profile(), &ctx)
        .map_err(|e| refused(format!("under {} the container would not start: {e}", ctx.engine)))?;
    let compiled = compile(&ev).map_err(|e| refused(format!("it does not compile to BPF: {e}")))?;
    let text = installed_text(&doc)?;
    let target = args.root.join(&localhost);
    let result = if args.dry_run {
        outcome(&args.root, &localhost, text.as_bytes())
    } else {
        write(&args.root, &localhost, text.as_bytes())
    }
    .map_err(|e| Failure::unusable(format!("not installed: {e}")))?;
    let arches: Vec<&str> = compiled.arches.iter().map(|a| a.short_name()).collect();
    let verb = match (result, args.dry_run) {
        (Outcome::New, false) => "installed",
        (Outcome::Replaced, false) => "replaced",
        (Outcome::New, true) => "would install",
        (Outcome::Replaced, true) => "would replace",
        (Outcome::AlreadyInstalled, _) => "already installed",
    };
    println!(
        "{verb} {} ({} bytes; BPF: {} instructions for {}; {})",
        target.display(),
        text.len(),
        compiled.program.len(),
        arches.join(", "),
        crate::text::count(warnings, "warning")
    );
    println!("\nFor the whole pod (the pod's or a template's spec):\n{}", indent(&pod_snippet(&localhost)));
    println!("For one container:\n{}", indent(&container_snippet(&localhost)));
    println!("The file must be on every node that may run the pod.");
    println!("\nOr let the Security Profiles Operator put it on every node (`kubectl apply -f`):");
    print!("{}", indent(&spo_equivalent(&doc, &localhost, &ctx)));
    Ok(0)
}

fn refused(why: String) -> Failure {
    Failure { message: format!("not installed: {why}; nothing was written"), code: 1 }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
