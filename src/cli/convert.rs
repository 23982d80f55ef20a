//! `seccompose convert`: a profile in another format, with what was dropped or resolved named.

use super::{Failure, arch_parser, open_profile, parse_kernel};
use crate::catalog::Arch;
use crate::policy::context::{Context, Engine, normalize_cap, running_kernel};
use crate::profile::KernelVersion;
use crate::profile::convert::{self, Format, Request};
use crate::profile::document::write_atomically;
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
    /// Resolve as this engine does: docker and podman evaluate the conditions, containerd and
    /// oci ignore them (every rule applies). Implies --resolve when not docker.
    #[arg(long, value_name = "E", default_value = "docker", value_parser = super::engine_parser())]
    pub engine: Engine,
    /// Resolve for this host architecture (implies --resolve).
    #[arg(long, value_name = "ARCH", value_parser = arch_parser(), hide_possible_values = true)]
    pub native: Option<Arch>,
    /// Resolve for a container with this capability (repeatable; implies --resolve; `none` for none).
    #[arg(long = "cap", value_name = "CAP")]
    pub caps: Vec<String>,
    /// Resolve for this kernel version, X.Y (implies --resolve).
    #[arg(long, value_name = "X.Y", value_parser = parse_kernel)]
    pub kernel: Option<KernelVersion>,
}

impl ConvertArgs {
    /// The context to resolve for, when asked to.
    fn context(&self) -> Option<Context> {
        let asked = self.resolve
            || self.native.is_some()
            || !self.caps.is_empty()
            || self.kernel.is_some()
            || self.engine != Engine::Docker;
        asked.then(|| {
            let caps = if self.caps.is_empty() {
                self.engine.default_caps().iter().map(|c| c.to_string()).collect()
            } else {
                let given = self.caps.iter().flat_map(|c| c.split(','));
                given
                    .filter(|c| !c.trim().is_empty() && !c.trim().eq_ignore_ascii_case("none"))
                    .map(normalize_cap)
                    .collect()
            };
            Context {
                engine: self.engine,
                native: self.native.unwrap_or_else(Arch::host),
                caps,
                kernel: self.kernel.unwrap_or_else(running_kernel),
            }
        })
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
        Some(path) => write_atomically(path, converted.text.as_bytes())
            .map_err(|e| Failure::unusable(format!("{}: {e}", path.display())))?,
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
