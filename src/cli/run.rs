//! `seccompose run`: a command under a profile, with every denial reported.

use super::{ContextArgs, Failure, Format, usable_profile};
use crate::sandbox::observe::{self, Denial, RunOptions, RunReport};
use crate::sandbox::pty::{RawMode, relay, terminal_size};
use crate::sandbox::session::Exit;
use crate::sandbox::spawn::Stdio;
use crate::text::count;
use clap::Args;
use serde_json::json;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Profile file (JSON), or a built-in profile name such as runtime-default.
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: PathBuf,
    #[command(flatten)]
    pub context: ContextArgs,
    /// End the command (and everything it started) after this many seconds (more than 0, at
    /// most 86400: a day).
    #[arg(long, value_name = "SECS", value_parser = timeout_seconds)]
    pub timeout: Option<Duration>,
    /// How to print the summary (on stderr).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Install the profile unchanged: no notifications, no report of denials.
    #[arg(long)]
    pub exact: bool,
    #[command(flatten)]
    pub container: ContainerArgs,
    /// The command and its arguments (after `--`; optional with --bundle).
    #[arg(required_unless_present = "bundle", last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

pub fn run(args: &RunArgs) -> Result<i32, Failure> {
    let ctx = args.context.context();
    let (doc, ev) = usable_profile(&args.file, &ctx, None)?;
    host_only(&args.container)?;
    if let Some(target) = args.container.target() {
        if args.exact {
            return Err(Failure::unusable(
                "--exact runs on the host only (in a container the profile is always observed)",
            ));
        }
        return super::run_container::run(args, &doc.display_name(), &ev, &target);
    }
    let tty = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let stdio = if tty {
        let (rows, cols) = terminal_size();
        Stdio::Pty { rows, cols }
    } else {
        Stdio::Inherit
    };
    let options = RunOptions { exact: args.exact, timeout: args.timeout, stdio };
    let mut output = None;
    let raw = tty.then(RawMode::enter).flatten();
    let report = observe::run(&ev, &args.command, options, |spawned| {
        if let Some(master) = &spawned.pty_master {
            output = relay(master).ok();
        }
    });
    if let Some(out) = output {
        let _ = out.join();
    }
    drop(raw);
    let report = report.map_err(|e| Failure::unusable(e.to_string()))?;
    match args.format {
        Format::Text => {
            eprint!("{}", text_summary(&args.command, &doc.display_name(), &report));
            if let Some(note) = runtime_note(&ev, &report) {
                eprintln!("{note}");
            }
        }
        Format::Json => eprintln!(
            "{}",
            serde_json::to_string_pretty(&json_summary(&args.command, &doc.display_name(), &report))
                .expect("serializable")
        ),
    }
    Ok(report.exit.status_code())
}

/// The longest `--timeout` (a day): a bound that keeps every deadline representable.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// Parses `--timeout`: seconds, a finite number above 0 and at most [`MAX_TIMEOUT_SECS`].
pub fn timeout_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
        return Err(format!("{text} is not a number of seconds above 0 and at most {MAX_TIMEOUT_SECS} (a day)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Syscalls runc itself needs after installing the filter: denied, the container would not
/// even start, which a run on the host cannot show (DESIGN §3). One line, or none.
fn runtime_note(ev: &crate::policy::evaluator::Evaluator, report: &RunReport) -> Option<String> {
    let denied = crate::policy::lint::runtime_needs_denied(ev);
    if denied.is_empty() {
        return None;
    }
    let names = denied.join(", ");
    Some(if report.works() {
        format!(
            "seccompose: works on the host; runc itself also needs {names}: allow them, or the container fails before the command starts"
        )
    } else {
        format!(
            "seccompose: note: in a container, runc would fail before starting the command: the profile denies {names} (runc needs them after installing the filter)"
        )
    })
}

/// `--rootfs`, `--bundle` and how the container is run (`run` and `record`).
#[derive(Debug, Clone, Args)]
pub struct ContainerArgs {
    /// Run the command in a container (runc) on this root filesystem: e.g. from `docker
    /// export` / `podman export`, or a busybox-static tree. seccompose is its seccomp agent.
    #[arg(long, value_name = "DIR", conflicts_with = "bundle", value_hint = clap::ValueHint::DirPath)]
    pub rootfs: Option<PathBuf>,
    /// Run in a container from this OCI bundle: its config.json's process, mounts and
    /// namespaces are kept, only linux.seccomp is replaced (and the command, when given).
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub bundle: Option<PathBuf>,
    /// The OCI runtime binary for --rootfs/--bundle (default: runc on PATH).
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub runtime_path: Option<PathBuf>,
    /// Where seccompose listens for runc (linux.seccomp.listenerPath) with --rootfs/--bundle
    /// (default: in a private temporary directory).
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub socket: Option<PathBuf>,
}

/// `--runtime-path` and `--socket` without a container target: refused, not ignored.
pub fn host_only(container: &ContainerArgs) -> Result<(), Failure> {
    let stray =
        container.runtime_path.as_ref().map(|_| "--runtime-path").or(container.socket.as_ref().map(|_| "--socket"));
    match stray {
        Some(flag) if container.target().is_none() => {
            Err(Failure::unusable(format!("{flag} is for containers: give --rootfs DIR or --bundle DIR too")))
        }
        _ => Ok(()),
    }
}

impl ContainerArgs {
    pub fn target(&self) -> Option<crate::container::bundle::Target> {
        use crate::container::bundle::Target;
        match (&self.rootfs, &self.bundle) {
            (Some(dir), _) => Some(Target::Rootfs(dir.clone())),
            (None, Some(dir)) => Some(Target::Bundle(dir.clone())),
            (None, None) => None,
        }
    }

    pub fn options(&self, timeout: Option<Duration>) -> crate::container::session::ContainerOptions {
        crate::container::session::ContainerOptions {
            runtime_path: self.runtime_path.clone(),
            socket: self.socket.clone(),
            timeout,
            terminal: std::io::stdout().is_terminal() && std::io::stdin().is_terminal(),
            stdio: None,
            stop: None,
        }
    }
}

fn text_summary(command: &[String], profile: &str, report: &RunReport) -> String {
    let mut out = format!("seccompose: {} {} under {profile}\n", command.join(" "), report.exit_text());
    if let Some(action) = report.exec_denied {
        out.push_str(&format!("seccompose: the command could not start: the profile denies execve ({action})\n"));
    }
    if let Some(note) = &report.unwatched {
        out.push_str(&format!("seccompose: note: {note}\n"));
    }
    out.push_str(&descendants_line(report.descendants_killed));
    let denied: Vec<&Denial> = report.denials.iter().filter(|d| !d.action.lets_through()).collect();
    let logged: Vec<&Denial> = report.denials.iter().filter(|d| d.action.lets_through()).collect();
    if denied.is_empty() {
        out.push_str("seccompose: no syscall was denied\n");
    } else {
        let calls: u64 = denied.iter().map(|d| d.count).sum();
        let (syscalls, calls) = (count(denied.len(), "syscall"), count(calls as usize, "call"));
        out.push_str(&format!("seccompose: {syscalls} denied, {calls}:\n"));
        for d in denied {
            out.push_str(&denial_line(d));
        }
    }
    if !logged.is_empty() {
        out.push_str(&format!("seccompose: {} logged (SCMP_ACT_LOG), allowed:\n", count(logged.len(), "syscall")));
        for d in logged {
            out.push_str(&denial_line(d));
        }
    }
    out
}

/// "seccompose: 2 descendant processes were still running and were killed", or nothing.
pub fn descendants_line(count: usize) -> String {
    match count {
        0 => String::new(),
        1 => "seccompose: 1 descendant process was still running and was killed\n".to_string(),
        n => format!("seccompose: {n} descendant processes were still running and were killed\n"),
    }
}

pub(super) fn denial_line(d: &Denial) -> String {
    let mut line = format!("  {:<18} {:<14} {:>6}×", d.name, d.action.to_string(), d.count);
    if let Some(first) = d.samples.first() {
        line.push_str(&format!("  {first}"));
    }
    line.push('\n');
    for more in d.samples.iter().skip(1) {
        line.push_str(&format!("  {:<18} {:<14} {:>7}  {more}\n", "", "", ""));
    }
    line
}

fn json_summary(command: &[String], profile: &str, report: &RunReport) -> serde_json::Value {
    let (code, signal) = match report.exit {
        Exit::Code(c) => (Some(c), None),
        Exit::Signal(s) => (None, Some(s)),
    };
    json!({
        "command": command,
        "profile": profile,
        "exit": {"status": report.exit.status_code(), "code": code, "signal": signal},
        "killed_for": report.killed_for,
        "exec_denied": report.exec_denied.map(|a| a.to_string()),
        "timed_out": report.timed_out,
        "descendants_killed": report.descendants_killed,
        "unwatched": report.unwatched,
        "duration_ms": report.duration.as_secs_f64() * 1000.0,
        "denials": report.denials.iter().map(|d| json!({
            "syscall": d.name, "arch": d.arch.short_name(), "nr": d.nr, "action": d.action.to_string(),
            "count": d.count, "samples": d.samples,
        })).collect::<Vec<_>>(),
    })
}
