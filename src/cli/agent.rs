//! `seccompose agent`: the seccomp agent runc hands containers to (`linux.seccomp.listenerPath`),
//! recording a profile per workload.

use super::{Failure, KubeContextArgs, usable_profile};
use crate::container::agent::{self, Config};
use crate::container::listener::{AgentSocket, Limits};
use clap::Args;
use nix::sys::signal::{SigSet, Signal};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The socket to listen on: the recording profile's `listenerPath` (see `install --record-via`).
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub socket: PathBuf,
    /// Write one profile per workload here (`NAMESPACE_POD_CONTAINER.json`, else `ID.json`),
    /// merged with an earlier recording of the same name. Made if missing.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, required_unless_present = "profile")]
    pub out: Option<PathBuf>,
    /// Enforce this profile: answer each call as it asks (ERRNO, KILL…) and report denials,
    /// instead of letting every call through.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub profile: Option<PathBuf>,
    #[command(flatten)]
    pub context: KubeContextArgs,
    /// Exit once this many containers have been served to their end.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub exit_after: Option<u64>,
    /// Containers served at once; further connections are closed.
    #[arg(long, value_name = "N", default_value = "512", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_containers: u64,
}

pub fn run(args: &AgentArgs) -> Result<i32, Failure> {
    let ctx = args.context.context();
    let policy = match &args.profile {
        Some(path) => Some(usable_profile(path, &ctx, None)?.1),
        None => None,
    };
    if let Some(out) = &args.out {
        agent::prepare_out(out).map_err(|e| {
            Failure::unusable(format!("{}: cannot make the directory: {}", out.display(), crate::fsutil::reason(&e)))
        })?;
    }
    let stop = stop_on_signals()?;
    let socket = AgentSocket::bind(&args.socket).map_err(|e| Failure::unusable(e.to_string()))?;
    let config = Config {
        out: args.out.clone(),
        policy,
        native: ctx.native,
        limits: Limits::default(),
        exit_after: args.exit_after.map(|n| n as usize),
        max_containers: args.max_containers as usize,
    };
    eprintln!("seccompose agent: listening on {}", socket.path().display());
    let started = Instant::now();
    let log = |line: &str| eprintln!("seccompose agent: {line}");
    let summary = agent::serve(&socket, &config, &stop, &log).map_err(|e| Failure::unusable(e.to_string()))?;
    drop(socket);
    let memory = agent::peak_memory_kib().map_or(String::new(), |k| format!(", peak memory {k} KiB"));
    eprintln!(
        "seccompose agent: served {} containers, {} calls, wrote {} profiles in {:.2} s{memory}",
        summary.containers,
        summary.calls,
        summary.written.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// SIGTERM, SIGINT and SIGHUP set the returned flag (taken with sigwait on a thread of its own,
/// blocked everywhere else: threads started later inherit the mask).
fn stop_on_signals() -> Result<Arc<AtomicBool>, Failure> {
    let mut set = SigSet::empty();
    for s in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        set.add(s);
    }
    set.thread_block().map_err(|e| Failure::unusable(format!("cannot block signals: {e}")))?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::Builder::new()
        .name("agent-signals".into())
        .spawn(move || {
            if set.wait().is_ok() {
                flag.store(true, Ordering::Release);
            }
        })
        .map_err(|e| Failure::unusable(format!("cannot start the signal thread: {e}")))?;
    Ok(stop)
}
