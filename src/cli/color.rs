//! `--color`: the finding labels (error, warning, info) in colour when a person reads them.

use crate::profile::Level;
use anstyle::{AnsiColor, Style};
use clap::ValueEnum;
use std::io::IsTerminal;
use std::sync::OnceLock;

/// When to colour: `auto` on a terminal unless NO_COLOR is set (https://no-color.org).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Where a text goes: `auto` asks whether that stream is a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Sets the process's choice once, from the command line (main).
pub fn set_choice(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

fn enabled(stream: Stream) -> bool {
    match CHOICE.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            // An empty NO_COLOR does not count, as the convention says.
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let tty = match stream {
                Stream::Stdout => std::io::stdout().is_terminal(),
                Stream::Stderr => std::io::stderr().is_terminal(),
            };
            tty && !no_color
        }
    }
}

fn style(level: Level) -> Style {
    match level {
        Level::Error => AnsiColor::Red.on_default().bold(),
        Level::Warning => AnsiColor::Yellow.on_default().bold(),
        Level::Info => AnsiColor::Cyan.on_default(),
    }
}

/// `text` (a label such as "error") in the colour of `level` when `stream` takes colour.
pub fn paint(level: Level, text: &str, stream: Stream) -> String {
    if !enabled(stream) {
        return text.to_string();
    }
    let style = style(level);
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// `text` padded to `width` columns, the padding left uncoloured.
pub fn paint_padded(level: Level, text: &str, width: usize, stream: Stream) -> String {
    let pad = width.saturating_sub(text.chars().count());
    format!("{}{}", paint(level, text, stream), " ".repeat(pad))
}

/// A finding as `format_finding` writes it, its level label painted for `stream`.
pub fn finding(file: &str, f: &crate::profile::finding::Finding, stream: Stream) -> String {
    crate::profile::finding::format_finding_with(file, f, |level| paint(level, &level.to_string(), stream))
}
