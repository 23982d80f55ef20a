//! Drawing the rules editor, the op picker and the architectures list (popups over the main
//! screen).

use super::app::App;
use super::rules::{ARCHES, Item, OPS, items};
use super::view::popup;
use crate::policy::describe::describe_condition;
use crate::policy::prepare::describe_filter;
use crate::profile::Rule;
use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn rules(frame: &mut Frame, app: &App, cursor: usize) {
    let name = app.selected().map_or("", |r| r.name);
    let items = items(app);
    let title = format!("Rules naming {name} · Enter add/edit condition · x remove · # comment · Esc back");
    let inner = popup(frame, app, &title, 100, items.len() as u16 + 4);
    let mut lines: Vec<Line> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let line = match *item {
                Item::Rule(r) => match app.doc.profile.rules.iter().find(|x| x.index == r) {
                    Some(rule) => Line::styled(rule_header(rule), app.theme.accent()),
                    None => Line::raw(format!("syscalls[{r}]")),
                },
                Item::Condition(r, k) => {
                    let rule = app.doc.profile.rules.iter().find(|x| x.index == r);
                    let text = rule.and_then(|x| x.args.get(k)).map(describe_condition).unwrap_or_default();
                    let joiner = if k == 0 { "when" } else { " and" };
                    Line::raw(format!("    {joiner} {text}"))
                }
                Item::NewRule => Line::styled(format!("+ new rule: allow {name} only when …"), app.theme.dim()),
            };
            if i == cursor { line.patch_style(app.theme.selection()) } else { line }
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Conditions of one rule must all hold (AND); rules for the same syscall are alternatives (OR).",
        app.theme.dim(),
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

pub fn ops(frame: &mut Frame, app: &App, cursor: usize) {
    let inner = popup(frame, app, "Comparison (Enter picks, Esc back)", 52, OPS.len() as u16 + 2);
    let lines: Vec<Line> = OPS
        .iter()
        .enumerate()
        .map(|(i, (op, text))| {
            let line = Line::raw(format!(" {text:<40} {}", op.spelling().trim_start_matches("SCMP_CMP_")));
            if i == cursor { line.patch_style(app.theme.selection()) } else { line }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn arches(frame: &mut Frame, app: &App, cursor: usize) {
    let listed = &app.doc.profile.architectures;
    let inner = popup(frame, app, "Architectures (Space toggles, Esc back)", 52, ARCHES.len() as u16 + 4);
    let mut lines: Vec<Line> = ARCHES
        .iter()
        .enumerate()
        .map(|(i, arch)| {
            let mark = if listed.iter().any(|a| a == arch.scmp_name()) { "[x]" } else { "[ ]" };
            let line = Line::raw(format!(" {mark} {:<12} {}", arch.short_name(), arch.scmp_name()));
            if i == cursor { line.patch_style(app.theme.selection()) } else { line }
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Other arches are killed; runc adds the host arch (and archMap sub-arches under docker, podman).",
        app.theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
