//! Drawing the rules editor, the op picker and the architectures list (popups over the main
//! screen).

use super::{ARCHES, Item, OPS, items};
use crate::policy::describe::describe_condition_of;
use crate::policy::prepare::describe_filter;
use crate::profile::Rule;
use crate::tui::state::EditingState;
use crate::tui::theme::Theme;
use crate::tui::widgets::{popup, selected};
use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn rules(frame: &mut Frame, ed: &EditingState, theme: &Theme, cursor: usize) {
    let name = ed.selected().map_or("", |r| r.name);
    let items = items(ed);
    let title = format!("Rules naming {name} · Enter add/edit condition · x remove · # comment · Esc back");
    let inner = popup(frame, theme, &title, 100, items.len() as u16 + 4);
    let mut lines: Vec<Line> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let line = match *item {
                Item::Rule(r) => match ed.doc.profile.rules.iter().find(|x| x.index == r) {
                    Some(rule) => Line::styled(rule_header(rule), theme.accent()),
                    None => Line::raw(format!("syscalls[{r}]")),
                },
                Item::Condition(r, k) => {
                    let rule = ed.doc.profile.rules.iter().find(|x| x.index == r);
                    let text = rule
                        .and_then(|x| x.args.get(k))
                        .map(|c| describe_condition_of(Some(name), c))
                        .unwrap_or_default();
                    let joiner = if k == 0 { "when" } else { " and" };
                    Line::raw(format!("    {joiner} {text}"))
                }
                Item::NewRule => Line::styled(format!("+ new rule: allow {name} only when …"), theme.dim()),
            };
            if i == cursor { selected(line, theme.selection()) } else { line }
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Conditions of one rule must all hold (AND); rules for the same syscall are alternatives (OR).",
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn rule_header(rule: &Rule) -> String {
    let names: Vec<&str> = rule.all_names().collect();
    let names = if names.len() > 4 {
        format!("{}, … ({} names)", names[..4].join(", "), names.len())
    } else {
        names.join(", ")
    };
    let errno = rule.errno_ret.map(|e| format!(" errnoRet {e}")).unwrap_or_default();
    let filter = describe_filter(&rule.includes, &rule.excludes);
    let filter = if filter.is_empty() { String::new() } else { format!(" ({filter})") };
    let comment = rule.comment.as_ref().map(|c| format!(" # {c}")).unwrap_or_default();
    let always = if rule.is_conditional() { "" } else { " always" };
    format!("syscalls[{}] {}{errno} for {names}{always}{filter}{comment}", rule.index, rule.action.spelling())
}

pub fn ops(frame: &mut Frame, theme: &Theme, cursor: usize) {
    let inner = popup(frame, theme, "Comparison (Enter picks, Esc back)", 52, OPS.len() as u16 + 2);
    let lines: Vec<Line> = OPS
        .iter()
        .enumerate()
        .map(|(i, (op, text))| {
            let line = Line::raw(format!(" {text:<40} {}", op.spelling().trim_start_matches("SCMP_CMP_")));
            if i == cursor { selected(line, theme.selection()) } else { line }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn arches(frame: &mut Frame, ed: &EditingState, theme: &Theme, cursor: usize) {
    let listed = &ed.doc.profile.architectures;
    let inner = popup(frame, theme, "Architectures (Space toggles, Esc back)", 52, ARCHES.len() as u16 + 4);
    let mut lines: Vec<Line> = ARCHES
        .iter()
        .enumerate()
        .map(|(i, arch)| {
            let mark = if listed.iter().any(|a| a == arch.scmp_name()) { "[x]" } else { "[ ]" };
            let line = Line::raw(format!(" {mark} {:<12} {}", arch.short_name(), arch.scmp_name()));
            if i == cursor { selected(line, theme.selection()) } else { line }
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Other arches are killed; runc adds the host arch (and archMap sub-arches under docker, podman).",
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
