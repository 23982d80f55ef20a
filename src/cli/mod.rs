//! Subcommands: argument definitions and output formatting. The logic lives in the core.

mod agent;
mod check;
mod check_pod;
mod check_runtimes;
pub mod color;
mod compile;
mod completions;
mod convert;
mod diff;
mod edit;
mod explain;
mod import_audit;
mod install;
mod man;
mod record;
mod run;
mod run_container;
pub mod runtime_args;
mod syscalls;

use crate::catalog::Arch;
use crate::policy::context::{Context, Engine, normalize_cap, running_kernel};
use crate::policy::evaluator::Evaluator;
use crate::policy::runtime::Runtime;
use crate::profile::{Document, KernelVersion};
use clap::{Args, Parser, Subcommand, ValueEnum};
use runtime_args::RuntimeArgs;
use std::path::Path;

/// seccompose: edit, explain, test-run and compare Linux seccomp profiles.
#[derive(Debug, Parser)]
#[command(name = "seccompose", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a subcommand: open FILE (or the runtime default) in the editor.
    #[command(flatten)]
    pub edit: edit::EditArgs,
    /// Largest input read: each profile or manifest (default 1 MiB), each audit log (default
    /// 4 GiB, read line by line). Bytes, or with K, M, G: 8MiB.
    #[arg(long, global = true, value_name = "SIZE", value_parser = crate::profile::limits::parse_size)]
    pub max_input_size: Option<u64>,
    /// Colour the labels of findings (error, warning, info): auto on a terminal unless NO_COLOR
    /// is set.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: color::ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open a profile in the interactive editor (the default without a subcommand).
    #[command(
        after_help = "Examples:\n  seccompose edit profile.json\n  seccompose edit runtime-default --theme high-contrast"
    )]
    Edit(edit::EditArgs),
    /// Check a profile: load errors and lint findings under a context.
    ///
    /// Exit status: 0 without error-level findings, 1 with any, 2 when the file cannot be used.
    #[command(
        after_help = "Examples:\n  seccompose check profile.json --engine containerd\n  seccompose check a.json b.yaml c.json --format json\n  cat profile.json | seccompose check -"
    )]
    Check(check::CheckArgs),
    /// Explain what the kernel does for one syscall (and arguments) under a profile.
    ///
    /// The first line is the action (`ALLOW`, `ERRNO(1)`, …); then the rule that decided.
    #[command(
        after_help = "Examples:\n  seccompose explain runtime-default mount\n  seccompose explain profile.json openat -100 0 --arch x86\n  seccompose explain profile.json socket 40 --cap CAP_SYS_ADMIN"
    )]
    Explain(explain::ExplainArgs),
    /// Compile a profile to the seccomp BPF program runc would install.
    ///
    /// Raw bytes by default (refused on a terminal); `--format disasm` to read it.
    #[command(
        after_help = "Examples:\n  seccompose compile profile.json -o filter.bpf\n  seccompose compile profile.json --format disasm | less\n  seccompose compile runtime-default --arch x86_64 --arch x86 --format c"
    )]
    Compile(compile::CompileArgs),
    /// Compare what the kernel does under two profiles (or one under two engines).
    ///
    /// Exit status: 0 when equivalent, 1 when they differ, 2 when either cannot be used.
    #[command(
        after_help = "Examples:\n  seccompose diff old.json new.json\n  seccompose diff runtime-default profile.json --format json\n  seccompose diff profile.json profile.json --left-runtime runc@1.1.5,libseccomp@2.5.4 --right-runtime runc@1.3.0,libseccomp@2.6.0"
    )]
    Diff(diff::DiffArgs),
    /// Convert a profile between OCI, Docker, Podman and SPO (SeccompProfile YAML).
    ///
    /// Exit status: 0 converted, 1 refused (it would lose behaviour; the message says how to
    /// resolve it), 2 the input cannot be used.
    #[command(
        after_help = "Examples:\n  seccompose convert profile.json --to spo --name app -o app.yaml\n  seccompose convert moby.json --to oci --resolve --native x86_64\n  seccompose convert app.yaml --to docker"
    )]
    Convert(convert::ConvertArgs),
    /// Run a command under a profile and report every syscall it was denied.
    ///
    /// Exit status: the command's, or 128 + the signal that ended it.
    #[command(
        after_help = "Examples:\n  seccompose run profile.json -- ls -la /\n  seccompose run runtime-default --timeout 10 -- ./server"
    )]
    Run(run::RunArgs),
    /// Run a command, see every syscall it makes, and write the allow-list profile it needs.
    #[command(
        after_help = "Examples:\n  seccompose record -o ls.json -- ls -la /\n  seccompose record --base runtime-default --only-new -o app.json -- ./app\n  seccompose record --summary-format json -- make 2> counts.json"
    )]
    Record(record::RecordArgs),
    /// Read seccomp audit records from logs (audit.log, syslog, dmesg, journalctl -k) and write
    /// the allow-list profile of every syscall they show, with a summary per program.
    ///
    /// The profile goes to OUT or standard output, the summary to standard error.
    ///
    /// Exit status: 0 when records were found and the profile written (malformed lines and
    /// unknown syscall numbers are reported, not fatal), 2 when a LOG cannot be read, no
    /// seccomp record is found (or none matches --comm/--pid), or OUT cannot be written.
    #[command(
        after_help = "Examples:\n  seccompose import-audit /var/log/audit/audit.log -o app.json\n  journalctl -k | seccompose import-audit - --comm nginx"
    )]
    ImportAudit(import_audit::ImportAuditArgs),
    /// List the syscall catalog: numbers, categories, summaries; QUERY is fuzzy.
    #[command(
        after_help = "Examples:\n  seccompose syscalls\n  seccompose syscalls sock --arch aarch64\n  seccompose syscalls --group @mount --format json"
    )]
    Syscalls(syscalls::SyscallsArgs),
    /// Check a profile, then install it as a Kubernetes Localhost profile under the kubelet's root.
    ///
    /// Exit status: 0 when installed (or already installed), 1 when the profile has errors or does
    /// not compile (nothing is written), 2 when the file cannot be used or the target is refused.
    #[command(
        after_help = "Examples:\n  seccompose install profile.json --dry-run\n  seccompose install app.yaml --as profiles/app.json --root /var/lib/kubelet/seccomp"
    )]
    Install(install::InstallArgs),
    /// Serve runc's seccomp notifications for many containers at once and write one profile per
    /// workload: the recording side of `install --record-via`.
    ///
    /// Runs until SIGTERM or SIGINT (then writes what every running container did so far,
    /// removes the socket and exits 0), or until --exit-after containers are done. The socket is
    /// made mode 0600: runc runs as root (or as this user, rootless).
    #[command(
        after_help = "Examples:\n  seccompose agent --socket /run/seccompose/agent.sock --out /var/lib/seccompose/recorded\n  seccompose agent --socket /tmp/a.sock --profile app.json"
    )]
    Agent(agent::AgentArgs),
    /// Check the seccomp profiles that Kubernetes manifests ask for against a node's profile root.
    ///
    /// Exit status: 0 without error-level problems, 1 with any, 2 when a manifest cannot be read.
    #[command(
        after_help = "Examples:\n  seccompose check-pod deploy.yaml\n  helm template chart | seccompose check-pod - --format json"
    )]
    CheckPod(check_pod::CheckPodArgs),
    // Their help (with how to install) is the doc comment on the args struct.
    #[command(
        after_help = "Examples:\n  seccompose completions bash > ~/.local/share/bash-completion/completions/seccompose\n  seccompose completions zsh > ~/.zfunc/_seccompose"
    )]
    Completions(completions::CompletionsArgs),
    #[command(after_help = "Examples:\n  seccompose man | man -l -\n  seccompose man --dir ~/.local/share/man/man1")]
    Man(man::ManArgs),
}

/// The context flags every profile-taking subcommand shares.
#[derive(Debug, Clone, Args)]
pub struct ContextArgs {
    /// Engine that loads the profile: docker, podman (also CRI-O), containerd, oci.
    #[arg(long, value_name = "E", default_value = "docker", value_parser = engine_parser())]
    pub engine: Engine,
    /// Host architecture (native arch of the filter; picks the archMap entry). Default: this machine.
    #[arg(long, value_name = "ARCH", value_parser = arch_parser(), hide_possible_values = true)]
    pub native: Option<Arch>,
    /// Container capability (repeatable; replaces the engine's defaults: Docker's 14, podman's 11). `--cap none` for none.
    #[arg(long = "cap", value_name = "CAP", value_parser = parse_cap_list)]
    pub caps: Vec<String>,
    /// Kernel version of the host, X.Y (default: the running kernel).
    #[arg(long, value_name = "X.Y", value_parser = parse_kernel)]
    pub kernel: Option<KernelVersion>,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl ContextArgs {
    /// The context, with the runtime found on this host unless it was given.
    pub fn context(&self) -> Context {
        Context { runtime: self.runtime.runtime(self.engine), ..self.context_before_detection() }
    }

    /// The context as given, its runtime not yet detected (the engine's runtime, newest
    /// release): what the editor's first frame shows while [`ContextArgs::context`] runs.
    pub fn context_before_detection(&self) -> Context {
        let caps = if self.caps.is_empty() {
            self.engine.default_caps().iter().map(|c| c.to_string()).collect()
        } else {
            self.caps
                .iter()
                .flat_map(|c| c.split(','))
                .filter(|c| !c.trim().is_empty() && !c.trim().eq_ignore_ascii_case("none"))
                .map(normalize_cap)
                .collect()
        };
        Context {
            engine: self.engine,
            native: self.native.unwrap_or_else(Arch::host),
            caps,
            kernel: self.kernel.unwrap_or_else(running_kernel),
            runtime: Runtime::newest(self.runtime.kind(self.engine)),
        }
    }
}

/// The context flags of the Kubernetes subcommands: as [`ContextArgs`], but the engine defaults
/// to containerd, which loads Localhost profiles on most clusters (and ignores includes,
/// excludes and archMap).
#[derive(Debug, Clone, Args)]
pub struct KubeContextArgs {
    /// Engine that loads the profile: containerd (most clusters), podman (CRI-O), docker, oci.
    #[arg(long, value_name = "E", default_value = "containerd", value_parser = parse_engine)]
    pub engine: Engine,
    /// Node architecture (native arch of the filter). Default: this machine.
    #[arg(long, value_name = "ARCH", value_parser = parse_arch)]
    pub native: Option<Arch>,
    /// Container capability (repeatable; replaces the engine's defaults). `--cap none` for none.
    #[arg(long = "cap", value_name = "CAP", value_parser = parse_cap_list)]
    pub caps: Vec<String>,
    /// Kernel version of the node, X.Y (default: the running kernel).
    #[arg(long, value_name = "X.Y", value_parser = parse_kernel)]
    pub kernel: Option<KernelVersion>,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

impl KubeContextArgs {
    pub fn context(&self) -> Context {
        let KubeContextArgs { engine, native, caps, kernel, runtime } = self.clone();
        ContextArgs { engine, native, caps, kernel, runtime }.context()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// `--engine`: completes and lists the four names, accepts the aliases `parse_engine` knows.
fn engine_parser() -> completions::Hinted<Engine> {
    completions::hinted(parse_engine, Engine::ALL.map(Engine::name))
}

/// `--arch`/`--native`: completes the short names (too many to list in help), accepts every
/// spelling `Arch::parse` knows.
fn arch_parser() -> completions::Hinted<Arch> {
    completions::hinted(parse_arch, Arch::all().map(Arch::short_name))
}

fn parse_engine(s: &str) -> Result<Engine, String> {
    Engine::parse(s).ok_or_else(|| format!("unknown engine \"{s}\" (use docker, podman, containerd or oci)"))
}

pub fn parse_arch(s: &str) -> Result<Arch, String> {
    Arch::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Arch::all().map(Arch::short_name).collect();
        format!("unknown architecture \"{s}\" (use one of {})", names.join(", "))
    })
}

/// `--cap`: one or more capabilities (comma-separated) or `none`; each must be a real one.
fn parse_cap_list(s: &str) -> Result<String, String> {
    crate::policy::caps::parse_caps(s).map(|_| s.to_string())
}

fn parse_kernel(s: &str) -> Result<KernelVersion, String> {
    KernelVersion::parse(s).ok_or_else(|| format!("\"{s}\" is not a kernel version (write X.Y, e.g. 5.15)"))
}

/// A failure that ends a subcommand: message for stderr and exit status.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: i32,
}

impl Failure {
    /// The input cannot be used (exit 2).
    pub fn unusable(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), code: 2 }
    }
}

/// The `"schema"` of every JSON output: raised when a field changes meaning or goes away
/// (docs/json.md).
pub const JSON_SCHEMA: u32 = 1;

/// What a profile read from standard input is called in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// `-` names standard input wherever a file is read.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Standard input as text, under the same size limit as a profile file. It can be read once:
/// `diff - -` is refused rather than comparing something with nothing.
pub fn read_stdin() -> Result<String, Failure> {
    use crate::profile::limits;
    static TAKEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if TAKEN.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return Err(Failure::unusable("standard input (-) can be read only once"));
    }
    let bytes =
        limits::read_limited(std::io::stdin().lock(), limits::profile_limit(), "profiles").map_err(|e| match e {
            limits::LimitError::Io(io) => Failure::unusable(format!("{STDIN_NAME}: {io}")),
            too_large => Failure::unusable(format!("{STDIN_NAME} {too_large}")),
        })?;
    String::from_utf8(bytes).map_err(|e| {
        Failure::unusable(format!(
            "{STDIN_NAME}: the input is not valid UTF-8 text (near byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The context of a report, the same object in every JSON output.
pub fn context_json(ctx: &Context) -> serde_json::Value {
    serde_json::json!({
        "engine": ctx.engine.name(),
        "native": ctx.native.short_name(),
        "caps": ctx.caps,
        "kernel": ctx.kernel.to_string(),
        "runtime": runtime_json(&ctx.runtime),
    })
}

/// The runtime part of the context in JSON outputs.
pub fn runtime_json(runtime: &crate::policy::Runtime) -> serde_json::Value {
    let provenance = match runtime.provenance {
        crate::policy::runtime::Provenance::Detected => "detected",
        crate::policy::runtime::Provenance::Given => "given",
        crate::policy::runtime::Provenance::Newest => "newest",
    };
    let lib = runtime.libseccomp;
    serde_json::json!({
        "name": runtime.kind.name(),
        "version": runtime.version.map(|v| v.to_string()),
        "version_from": provenance,
        "libseccomp": {
            "version": lib.version().map(|v| v.to_string()),
            "from": match lib.origin() {
                crate::catalog::libseccomp::Origin::Host => "host",
                crate::catalog::libseccomp::Origin::Release => "release",
                crate::catalog::libseccomp::Origin::Latest => "latest",
            },
            "label": lib.to_string(),
        },
    })
}

/// Whether the command was asked for JSON on standard output.
fn wants_json(command: &Command) -> bool {
    match command {
        Command::Check(a) => a.format == Format::Json,
        Command::Explain(a) => a.format == Format::Json,
        Command::Diff(a) => a.format == Some(Format::Json),
        Command::Syscalls(a) => a.format == Format::Json,
        Command::CheckPod(a) => a.format == Format::Json,
        _ => false,
    }
}

/// The JSON a script reads when the command could not do its work (the message also goes to
/// standard error).
pub fn error_json(failure: &Failure) -> serde_json::Value {
    serde_json::json!({"schema": JSON_SCHEMA, "error": {"message": failure.message, "exit": failure.code}})
}

/// Runs a subcommand; returns the exit status. With `--format json`, a failure is also a JSON
/// object on standard output, so that a script always has JSON to read.
pub fn run(command: Command) -> Result<i32, Failure> {
    let json = wants_json(&command);
    let result = dispatch(command);
    if let (true, Err(failure)) = (json, &result) {
        println!("{}", serde_json::to_string_pretty(&error_json(failure)).expect("serializable"));
    }
    result
}

fn dispatch(command: Command) -> Result<i32, Failure> {
    match command {
        Command::Edit(args) => edit::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Record(args) => record::run(&args),
        Command::ImportAudit(args) => import_audit::run(&args),
        Command::Syscalls(args) => syscalls::run(&args),
        Command::Install(args) => install::run(&args),
        Command::Agent(args) => agent::run(&args),
        Command::CheckPod(args) => check_pod::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    }
}

/// Opens a profile that must be free of errors and builds its evaluator under `ctx` (for
/// exactly `arches` when given): what every command that acts on a profile needs.
pub fn usable_profile(path: &Path, ctx: &Context, arches: Option<&[Arch]>) -> Result<(Document, Evaluator), Failure> {
    let doc = open_profile(path)?;
    if doc.has_errors() {
        return Err(Failure::unusable(format!(
            "{}: the profile has errors; run `seccompose check` first",
            doc.display_name()
        )));
    }
    let ev = Evaluator::with_arches(doc.effective_profile(), ctx, arches).map_err(|e| {
        Failure::unusable(format!("{}: under {} the container would not start: {e}", doc.display_name(), ctx.engine))
    })?;
    Ok((doc, ev))
}

/// Writes an output file (`-o`, `--dir`) with the one safe writer, and says where it went when
/// that is not simply the path given (a symlink followed, a hard link split).
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let saved = crate::fsutil::write_file(path, bytes).map_err(|e| Failure::unusable(e.to_string()))?;
    if saved.link.is_some() {
        eprintln!("seccompose: wrote {}", saved.describe());
    }
    for warning in saved.warnings() {
        eprintln!("seccompose: warning: {warning}");
    }
    Ok(())
}

/// Opens a profile file, standard input (`-`), or a bundled profile by name
/// (`runtime-default`, `fine-grained`, …).
pub fn open_profile(path: &Path) -> Result<Document, Failure> {
    if is_stdin(path) {
        return Document::parse(&read_stdin()?, STDIN_NAME).map_err(|e| Failure::unusable(e.to_string()));
    }
    if !path.exists() {
        if let Some(doc) = crate::profile::bundled::open(&path.to_string_lossy()) {
            return Ok(doc);
        }
    }
    Document::open(path).map_err(|e| Failure::unusable(e.to_string()))
}
