//! The action picker (allow, errno, log, kill, …, default) and the one-line prompts (errno,
//! save path and format, capabilities, kernel, conditions, comments, what to compare with).
//! A prompt only collects text: what the text means is up to the feature that asked, so the
//! app hands the submitted text to it.

pub mod view;

use crate::policy::convert::Format;
use crate::profile::ActionName;
use crate::profile::edit::Setting;
use crate::tui::shared::{Mode, Msg, Prompt};
use crate::tui::state::{EditingState, Target, errno_of};

/// The choices of the action picker, in order.
pub const CHOICES: &[(&str, Option<Setting>)] = &[
    ("allow", Some(Setting::Action(ActionName::Allow, None))),
    ("errno EPERM (1)", Some(Setting::Action(ActionName::Errno, Some(1)))),
    ("errno ENOSYS (38)", Some(Setting::Action(ActionName::Errno, Some(38)))),
    ("errno … (type a number or name)", None),
    ("log", Some(Setting::Action(ActionName::Log, None))),
    ("kill thread", Some(Setting::Action(ActionName::KillThread, None))),
    ("kill process", Some(Setting::Action(ActionName::KillProcess, None))),
    ("trap", Some(Setting::Action(ActionName::Trap, None))),
    ("notify", Some(Setting::Action(ActionName::Notify, None))),
    ("trace", Some(Setting::Action(ActionName::Trace, None))),
    ("default action", Some(Setting::Default)),
];

/// The picker's choices: the default action cannot be "the default".
pub fn choices(target: Target) -> &'static [(&'static str, Option<Setting>)] {
    if target == Target::Default { &CHOICES[..CHOICES.len() - 1] } else { CHOICES }
}

/// Keys of the action picker.
pub fn pick_key(ed: &mut EditingState, mode: &mut Mode, msg: Msg, target: Target, cursor: usize) {
    let choices = choices(target);
    match msg {
        Msg::Up => *mode = Mode::Pick { target, cursor: cursor.saturating_sub(1) },
        Msg::Down => *mode = Mode::Pick { target, cursor: (cursor + 1).min(choices.len() - 1) },
        Msg::Escape | Msg::Quit => *mode = Mode::Normal,
        Msg::ClickRow(i) if i < choices.len() => *mode = Mode::Pick { target, cursor: i },
        Msg::Enter | Msg::Toggle | Msg::Type(' ') => {
            *mode = Mode::Normal;
            match choices[cursor].1 {
                Some(setting) => ed.set_action(setting, target),
                None => *mode = Mode::Prompt { purpose: Prompt::Errno(target), input: String::new() },
            }
        }
        _ => {}
    }
}

/// Keys of a prompt: the prompt and its text when Enter submits them.
pub fn prompt_key(mode: &mut Mode, msg: Msg, purpose: Prompt, mut input: String) -> Option<(Prompt, String)> {
    match msg {
        Msg::Type(c) => input.push(c),
        Msg::Backspace => {
            input.pop();
        }
        Msg::Escape => {
            *mode = match purpose {
                Prompt::Condition { .. } | Prompt::Comment { .. } => Mode::Rules { cursor: 0 },
                _ => Mode::Normal,
            };
            return None;
        }
        Msg::Enter => {
            *mode = Mode::Normal;
            return Some((purpose, input));
        }
        Msg::NextPane => {
            if let Prompt::SavePath { to } = purpose {
                *mode = Mode::Prompt { purpose: Prompt::SavePath { to: next_format(to) }, input };
                return None;
            }
        }
        _ => {}
    }
    *mode = Mode::Prompt { purpose, input };
    None
}

/// The errno prompt's answer: that errno for `target`.
pub fn submit_errno(ed: &mut EditingState, target: Target, input: &str) {
    match errno_of(input) {
        Some(e) => ed.set_action(Setting::Action(ActionName::Errno, Some(e)), target),
        None => ed.message = Some(format!("\"{input}\" is not an errno (0..4094 or a name like EACCES)")),
    }
}

/// The save prompt's format choices, in Tab order.
fn next_format(to: Option<Format>) -> Option<Format> {
    match to {
        None => Some(Format::Oci),
        Some(Format::Oci) => Some(Format::Docker),
        Some(Format::Docker) => Some(Format::Podman),
        Some(Format::Podman) => Some(Format::Spo),
        Some(Format::Spo) => None,
    }
}
