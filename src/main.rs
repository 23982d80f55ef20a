//! The `seccompose` binary: parse arguments, dispatch, map errors to exit codes.

use clap::Parser;
use seccompose::cli::{Cli, Command, run};
use std::io::Write;
use std::process::ExitCode;

/// Opening and editing a big profile is mostly small allocations (see Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    restore_default_sigpipe();
    // This process starts no other child while `run`, `record` or the run pane runs one: every
    // process orphaned to it then is the command's, to be killed at its end.
    seccompose::sandbox::descendants::claim_every_orphan();
    let cli = Cli::parse();
    if let Some(bytes) = cli.max_input_size {
        seccompose::profile::limits::set_max_input_size(bytes);
    }
    seccompose::cli::color::set_choice(cli.color);
    let command = cli.command.unwrap_or(Command::Edit(cli.edit));
    match run(command) {
        Ok(code) => ExitCode::from(code as u8),
        Err(failure) => {
            // Not eprintln!: it panics when stderr is a terminal that has gone away.
            let _ = writeln!(std::io::stderr(), "seccompose: {}", failure.message);
            ExitCode::from(failure.code as u8)
        }
    }
}

/// Rust ignores SIGPIPE, so `seccompose syscalls | head` would end in a write error; let the
/// pipe close end the process quietly, as other command-line tools do.
fn restore_default_sigpipe() {
    // SAFETY: setting a signal disposition to its default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
