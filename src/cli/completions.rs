//! `seccompose completions SHELL`: the shell completion script, generated from the CLI definition.

use super::{Cli, Failure};
use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Arg, Args, CommandFactory, ValueEnum};
use std::ffi::OsStr;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Print the completion script for SHELL on standard output
///
/// Install it once, then open a new shell:
///
///   bash: seccompose completions bash > ~/.local/share/bash-completion/completions/seccompose
///
///   zsh:  seccompose completions zsh > ~/.zfunc/_seccompose
///         (and in ~/.zshrc, before `compinit`: fpath=(~/.zfunc $fpath))
///
///   fish: seccompose completions fish > ~/.config/fish/completions/seccompose.fish
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> Result<i32, Failure> {
    let mut out = Vec::new();
    clap_complete::generate(to_clap_shell(args.shell), &mut Cli::command(), "seccompose", &mut out);
    std::io::stdout().lock().write_all(&out).map_err(|e| Failure::unusable(format!("standard output: {e}")))?;
    Ok(0)
}

fn to_clap_shell(shell: Shell) -> clap_complete::Shell {
    match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    }
}

/// A parser function plus the canonical values to offer: shells complete them and `--help`
/// lists them, while the function still accepts its aliases (`moby`, `k8s`, `amd64`, …).
pub fn hinted<T>(parse: fn(&str) -> Result<T, String>, values: impl IntoIterator<Item = &'static str>) -> Hinted<T> {
    Hinted { parse, values: values.into_iter().collect() }
}

#[derive(Clone)]
pub struct Hinted<T> {
    parse: fn(&str) -> Result<T, String>,
    values: Vec<&'static str>,
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Hinted<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&Arg>, value: &OsStr) -> Result<T, clap::Error> {
        self.parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().map(|v| PossibleValue::new(*v))))
    }
}
