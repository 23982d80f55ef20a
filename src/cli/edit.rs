//! `seccompose [edit] [FILE]`: open the interactive editor.

use super::{ContextArgs, Failure, open_profile};
use crate::profile::bundled;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use clap::Args;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Args)]
pub struct EditArgs {
    /// Profile file (JSON), or a built-in profile name. Without it: the runtime default, unsaved;
    /// a file that does not exist (in a directory that does): a new profile from the runtime
    /// default, saved there.
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub file: Option<PathBuf>,
    /// Colour theme: dark, light, high-contrast, colour-blind, a theme in the config dir, or a
    /// .json file. Default: `theme` in ~/.config/seccompose/config.json, else dark. NO_COLOR wins.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    #[command(flatten)]
    pub context: ContextArgs,
}

pub fn run(args: &EditArgs) -> Result<i32, Failure> {
    // First: the editor's signals are blocked in every thread started after this one.
    let signals = crate::tui::terminal::Signals::start().map_err(|e| Failure::unusable(format!("signals: {e}")))?;
    let runtime_default = || bundled::open("runtime-default").expect("runtime-default is bundled");
    // The context asks the host's runc or crun for its version (a process to start): found
    // while the profile is read and the first frame drawn (nothing in that frame depends on
    // the runtime); the editor takes it before it evaluates (`EditingState::settle`).
    let context = args.context.clone();
    let coming = std::thread::spawn(move || context.context());
    let doc = match &args.file {
        Some(path) if is_new_file(path) => Ok(runtime_default().into_new_file(path)),
        Some(path) => open_profile(path),
        None => Ok(runtime_default()),
    }?;
    let theme = Theme::choose(args.theme.as_deref()).map_err(Failure::unusable)?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::unusable(
            "the editor needs a terminal; for scripts use `seccompose check`, `explain` or `compile`",
        ));
    }
    let mut app = App::opening(doc, args.context.context_before_detection(), theme);
    app.state.set_context_coming(coming);
    let ending = crate::tui::run(app, signals).map_err(|e| Failure::unusable(format!("terminal: {e}")))?;
    Ok(ending.status())
}

/// `seccompose new.json`: a path that is neither a file nor a built-in name, in a directory
/// that exists, is a new file, as editors take it. A missing directory stays an error (a typo
/// there would otherwise surface only at the first save).
fn is_new_file(path: &Path) -> bool {
    if super::is_stdin(path) || path.symlink_metadata().is_ok() || bundled::open(&path.to_string_lossy()).is_some() {
        return false;
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.is_dir(),
        _ => true,
    }
}
