//! Drawing the action picker, the prompts and the yes/no questions (popups).

use super::choices;
use crate::catalog::CATEGORIES;
use crate::policy::convert::Format;
use crate::tui::shared::Prompt;
use crate::tui::state::{EditingState, Target};
use crate::tui::theme::Theme;
use crate::tui::widgets::{popup, selected};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn picker(frame: &mut Frame, ed: &EditingState, theme: &Theme, target: Target, cursor: usize) {
    let subject = match target {
        Target::Syscall => ed.selected().map_or("syscall".to_string(), |r| r.name.to_string()),
        Target::Category => format!("all of {}", CATEGORIES[ed.category].title),
        Target::Default => "the default action".to_string(),
    };
    let options = choices(target);
    let inner = popup(frame, theme, &format!("Action for {subject}"), 48, options.len() as u16 + 2);
    let lines: Vec<Line> = options
        .iter()
        .enumerate()
        .map(|(i, (label, _))| {
            let line = Line::raw(format!(" {label}"));
            if i == cursor { selected(line, theme.selection()) } else { line }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn prompt(frame: &mut Frame, ed: &EditingState, theme: &Theme, purpose: Prompt, input: &str) {
    let save_question;
    let question = match purpose {
        Prompt::Errno(_) => "Errno to return (a number 0..4094 or a name like EACCES):",
        Prompt::SavePath { to } => {
            let format =
                to.map_or_else(|| format!("as it is ({})", Format::of(&ed.doc).name()), |f| f.name().to_string());
            save_question = format!("Save as (path) · format: {format} · Tab changes the format:");
            &save_question
        }
        Prompt::Caps => "Capabilities of the container (comma-separated, or none):",
        Prompt::Kernel => "Kernel version of the host (X.Y):",
        Prompt::Runtime => "Runtime (runc@1.1.5,libseccomp@2.5.4 · crun@1.8.1 · libseccomp@latest · host):",
        Prompt::Condition { op: crate::profile::Op::MaskedEq, .. } => {
            "ARG MASK VALUE (arg & MASK == VALUE); numbers, 0x hex or names like CLONE_NEWUSER|CLONE_NEWNS:"
        }
        Prompt::Condition { .. } => {
            "ARG VALUE; ARG is 0..5, VALUE a number, 0x hex or a name (AF_INET, PER_LINUX, PR_SET_NAME):"
        }
        Prompt::Comment { .. } => "Comment for the rule (empty removes it):",
        Prompt::CompareWith => "Compare with (a file, or runtime-default, audit, violation, fine-grained, …):",
    };
    let inner = popup(frame, theme, "Enter confirms · Esc cancels", 72, 5);
    let [asked, typed] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(Line::raw(question)).wrap(Wrap { trim: false }), asked);
    frame.render_widget(Paragraph::new(Line::styled(input_line(input, typed.width), theme.accent())), typed);
}

/// "> typed▏", scrolled so that the end of a long input (where the typing is) shows.
fn input_line(input: &str, width: u16) -> String {
    let room = (width as usize).saturating_sub(4);
    let count = input.chars().count();
    if count <= room {
        return format!("> {input}▏");
    }
    let tail: String = input.chars().skip(count - room.saturating_sub(1)).collect();
    format!("> …{tail}▏")
}

pub fn confirm(frame: &mut Frame, theme: &Theme, question: &str) {
    let inner = popup(frame, theme, "Confirm", question.chars().count() as u16 + 4, 3);
    frame.render_widget(Paragraph::new(Line::styled(question.to_string(), theme.warning())), inner);
}
