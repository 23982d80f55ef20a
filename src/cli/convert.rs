//! `seccompose convert`: a profile in another format, with what was dropped or resolved named.

use super::{ContextArgs, Failure, open_profile, write_output};
use crate::policy::context::{Context, Engine};
use crate::policy::convert::{self, Format, Request};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Oci,
    Docker,
    Podman,
    Spo,
}

impl Target {
    fn format(self) -> Format {
        match self {
            Target::Oci => Format::Oci,
            Target::Docker => Format::Docker,
            Target::Podman => Format::Podman,
            Target::Spo => Format::Spo,
        }
    }
}

/// Convert a profile to OCI, Docker, Podman or SPO (SeccompProfile YAML).
///
/// Everything the target can express is kept. What it cannot is resolved for a context you
/// name (`--resolve`, `--native`, `--cap`, `--kernel`: Docker's includes/excludes for OCI and
/// SPO, minKernel for Podman), or dropped and named on stderr, or the conversion is refused.
///
/// Exit status: 0 converted, 1 refused (the message says what would be lost and how to
/// resolve it), 2 the input cannot be used.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Profile file (JSON or SPO YAML), or a built-in profile name.
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    /// Format to write.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub to: Target,
    /// metadata.name of the SPO resource (default: the source's name or the file's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Write here (default: standard output).
    #[arg(short, long, value_name = "OUT", value_hint = clap::ValueHint::FilePath)]
    pub output: Option<PathBuf>,
    /// Resolve conditions the target cannot express for a context (Docker's default caps,
    /// this host's arch and kernel, unless given below).
    #[arg(long)]
    pub resolve: bool,
    /// The context to resolve for (implied when any of its flags is given): --engine (docker
    /// and podman evaluate conditions, containerd and oci keep every rule), --native, --cap, --kernel.
    #[command(flatten)]
    pub context: ContextArgs,
}

impl ConvertArgs {
    /// The context to resolve for, when asked to (`--resolve` or any context flag).
    fn context(&self) -> Option<Context> {
        let c = &self.context;
        let given = c.native.is_some() || !c.caps.is_empty() || c.kernel.is_some() || c.engine != Engine::Docker;
        (self.resolve || given).then(|| c.context())
    }
}

pub fn run(args: &ConvertArgs) -> Result<i32, Failure> {
    let doc = open_profile(&args.file)?;
    let ctx = args.context();
    let request = Request { to: args.to.format(), name: args.name.as_deref(), resolve: ctx.as_ref() };
    let from = Format::of(&doc);
    let converted = match convert::convert(&doc, &request) {
        Ok(c) => c,
        Err(refused) => {
            eprintln!("{}: not converted to {}:", doc.display_name(), request.to.name());
            for reason in &refused.0 {
                eprintln!("  {reason}");
            }
            return Ok(1);
        }
    };
    match &args.output {
        Some(path) => write_output(path, converted.text.as_bytes())?,
        None => print!("{}", converted.text),
    }
    let to = args.output.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default();
    eprintln!("converted {} ({}) to {}{to}", doc.display_name(), from.name(), request.to.name());
    for note in &converted.rewritten {
        eprintln!("  kept: {note}");
    }
    for note in &converted.dropped {
        eprintln!("  dropped: {note}");
    }
    if converted.dropped.is_empty() {
        eprintln!("  nothing dropped");
    }
    Ok(0)
}
