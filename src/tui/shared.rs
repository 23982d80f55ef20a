//! The vocabulary every feature and the app share, below the features: the messages a key,
//! a click or the loop sends ([`Msg`], serializable so a keymap can name them), the effects an
//! update asks the loop to perform ([`Effect`]), which popup has the keys ([`Mode`]) and which
//! pane ([`Focus`]). No state and no drawing here.

use super::state::Target;
use crate::policy::convert::Format;
use crate::profile::Op;

/// Everything a key, a click or the loop can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Msg {
    Up,
    Down,
    PageUp,
    PageDown,
    Left,
    Right,
    /// A line's start and end (the run pane's command line).
    Home,
    End,
    /// Clear the line before the cursor, as Ctrl-u in a shell.
    ClearLine,
    NextPane,
    StartSearch,
    Type(char),
    Backspace,
    Escape,
    Enter,
    /// Allow the selected syscall, or set it back to the default.
    Toggle,
    /// Choose an action for the selected syscall.
    Pick,
    /// Choose an action for every syscall of the category.
    PickCategory,
    /// Choose the profile's default action.
    PickDefault,
    Undo,
    Redo,
    Save,
    /// Save to a new file, in a format picked in the prompt.
    SaveAs,
    Quit,
    Help,
    NextTab,
    PrevTab,
    /// Cycle the engine of the context.
    NextEngine,
    NextArch,
    /// Open the rules editor (conditions, comments) for the selected syscall.
    Rules,
    /// Open the profile's architectures.
    Arches,
    /// Rules editor: remove the selected condition, or the syscall from the selected rule.
    Remove,
    /// Rules editor: edit the selected rule's comment.
    Comment,
    /// Open or close the run pane.
    RunPane,
    /// Run the command line's command again under the profile as edited now.
    Rerun,
    /// Allow the selected denial only with its flag/family argument values.
    AllowArgs,
    /// Allow every denial of the last run.
    AllowAll,
    /// Stop the running command.
    Stop,
    /// Send keys to the running command (Ctrl-] ends).
    Interact,
    /// Edit the run pane's command line.
    EditCommand,
    /// Run the command recording every syscall.
    Record,
    /// Compare the edited profile with a file or built-in.
    Compare,
    /// Compare view: make the right side do what the left does for the selected syscall.
    CopyRight,
    /// Compare view: make the left side do what the right does.
    CopyLeft,
    /// Compare view: show every syscall, not only differences.
    ToggleAll,
    /// Compare view: save the right side.
    SaveRight,
    EditCaps,
    EditKernel,
    EditRuntime,
    /// Mouse: a click on a category row, a syscall row, a tab.
    ClickCategory(usize),
    ClickRow(usize),
    ClickTab(Tab),
    ScrollDetail(i16),
}

/// What the loop has to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Save to the document's file (refusing if it changed on disk).
    Save,
    /// Save even though the file changed on disk.
    SaveOverwrite,
    SaveAs(String, Option<Format>),
    Quit,
    /// Compare view: save the right side to its file.
    SaveRight,
    /// Open the compare view against a file, or a built-in profile by name.
    OpenCompare(String),
    /// Open the run pane (reading the command history) at its command line.
    OpenRunPane,
    /// Start the run pane's command under the profile as edited now (recording, or not).
    Run(Launch),
    /// End the run pane's command (its whole process group).
    StopRun,
}

/// A command the run pane is to start, checked by the routing (split, not empty, nothing
/// running, the profile compiles); starting it is the loop's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The command line as typed (remembered in the history).
    pub command: String,
    pub argv: Vec<String>,
    /// Record every syscall instead of running under the profile.
    pub record: bool,
    /// In a runc container (`--rootfs DIR` / `--bundle DIR` before the command) or on the host.
    pub target: Option<crate::container::bundle::Target>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Categories,
    Syscalls,
    /// The run pane's denial list.
    Run,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tab {
    Info,
    Json,
    Bpf,
    Lint,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Info, Tab::Json, Tab::Bpf, Tab::Lint];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Info => "Syscall",
            Tab::Json => "JSON",
            Tab::Bpf => "BPF",
            Tab::Lint => "Lint",
        }
    }
}

/// What a key press means right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a search query.
    Search,
    Help,
    /// Choosing an action for the selected syscall, the whole category or the default.
    Pick {
        target: Target,
        cursor: usize,
    },
    /// Typing a value: an errno, or a path to save to.
    Prompt {
        purpose: Prompt,
        input: String,
    },
    /// The rules that name the selected syscall: conditions and comments.
    Rules {
        cursor: usize,
    },
    /// Choosing the comparison of a condition being added or edited.
    PickOp {
        at: CondAt,
        cursor: usize,
    },
    /// The profile's `architectures`.
    Arches {
        cursor: usize,
    },
    /// Typing the run pane's command line.
    RunCommand,
    /// Keys go to the running command until Ctrl-].
    Interact,
    /// Unsaved edits: quit anyway?
    ConfirmQuit,
    /// The file changed on disk: overwrite it?
    ConfirmOverwrite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Errno(Target),
    /// Where to save, and in which format (`None`: the document's own).
    SavePath {
        to: Option<Format>,
    },
    /// Capabilities of the context, comma-separated.
    Caps,
    /// Kernel version of the context.
    Kernel,
    /// Runtime of the context (`runc@1.1.5,libseccomp@2.5.4`).
    Runtime,
    /// `ARG VALUE` (or `ARG MASK VALUE`) of a condition.
    Condition {
        at: CondAt,
        op: Op,
    },
    /// A rule's comment.
    Comment {
        rule: usize,
    },
    /// A file or built-in name to compare the edited profile with.
    CompareWith,
}

/// Where a condition goes: a rule (`None`: a new rule for the selected syscall) and which of
/// its conditions (`None`: a new one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CondAt {
    pub rule: Option<usize>,
    pub k: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_named_as_a_keymap_file_would_name_them() {
        assert_eq!(serde_json::to_string(&Msg::CopyRight).unwrap(), "\"CopyRight\"");
        let click: Msg = serde_json::from_str(r#"{"ClickTab": "Json"}"#).unwrap();
        assert_eq!(click, Msg::ClickTab(Tab::Json));
    }
}
