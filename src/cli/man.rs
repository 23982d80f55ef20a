//! `seccompose man [--dir DIR]`: the roff manual pages, generated from the CLI definition.

use super::{Cli, Failure, write_output};
use clap::{Args, CommandFactory, ValueHint};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};
use std::io::Write;
use std::path::PathBuf;

/// Print the manual page seccompose(1), or write every page into a directory.
///
/// Read it with `seccompose man | man -l -`. Install the pages with
/// `seccompose man --dir ~/.local/share/man/man1` (then `man seccompose-check`).
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write seccompose.1 and one seccompose-SUBCOMMAND.1 per subcommand into DIR (created if missing).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dir: Option<PathBuf>,
}

pub fn run(args: &ManArgs) -> Result<i32, Failure> {
    let pages = pages();
    match &args.dir {
        None => {
            let top = &pages[0].1;
            std::io::stdout().lock().write_all(top).map_err(|e| Failure::unusable(format!("standard output: {e}")))?;
        }
        Some(dir) => write_pages(dir, &pages)?,
    }
    Ok(0)
}

/// Every page as (file name, roff bytes): seccompose.1 first, then one per visible subcommand.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = vec![page(&root, true)];
    pages.extend(root.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| page(s, false)));
    pages
}

fn page(cmd: &clap::Command, top: bool) -> (String, Vec<u8>) {
    let man = Man::new(cmd.clone());
    let mut bytes = Vec::new();
    man.render(&mut bytes).expect("writing to a Vec");
    extra_sections(top).to_writer(&mut bytes).expect("writing to a Vec");
    (man.get_filename(), bytes)
}

/// EXIT STATUS and EXAMPLES on the top page; SEE ALSO on every subcommand's page.
fn extra_sections(top: bool) -> Roff {
    let mut roff = Roff::new();
    if top {
        roff.control("SH", ["EXIT STATUS"]);
        roff.text([roman("0 on success; 1 when a check finds errors or a diff finds differences; 2 when a profile or an argument cannot be used. ")]);
        roff.text([roman(
            "The run and record subcommands end with the command's status, or 128 + the signal that ended it.",
        )]);
        roff.control("SH", ["EXAMPLES"]);
        for (command, what) in EXAMPLES {
            roff.control("TP", []);
            roff.text([bold(*command)]);
            roff.text([roman(*what)]);
        }
    } else {
        roff.control("SH", ["SEE ALSO"]);
        roff.text([bold("seccompose"), roman("(1)")]);
    }
    roff
}

const EXAMPLES: &[(&str, &str)] = &[
    ("seccompose profile.json", "Open profile.json in the interactive editor."),
    (
        "seccompose check profile.json --engine containerd",
        "Report errors and lint findings as containerd would load it.",
    ),
    ("seccompose explain runtime-default mount", "Show what the runtime default does for mount(2), and why."),
    ("seccompose run profile.json -- ls /", "Run ls under the profile and list the syscalls it was denied."),
    ("seccompose completions bash > ~/.local/share/bash-completion/completions/seccompose", "Install bash completion."),
];

fn write_pages(dir: &std::path::Path, pages: &[(String, Vec<u8>)]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::unusable(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut out = std::io::stdout().lock();
    for (name, bytes) in pages {
        let path = dir.join(name);
        write_output(&path, bytes)?;
        writeln!(out, "{}", path.display()).map_err(|e| Failure::unusable(format!("standard output: {e}")))?;
    }
    Ok(())
}
