//! The Syscall tab: what the selected syscall is and what the kernel will do with it.

use crate::catalog::{self, Arch, groups_of};
use crate::policy::describe::{action_text, decided_by, rule_note};
use crate::tui::state::EditingState;
use crate::tui::theme::Theme;
use ratatui::text::{Line, Span};

/// The arches whose numbers the tab lists, the host's first.
const SHOWN_ARCHES: [Arch; 6] = [Arch::X86_64, Arch::X86, Arch::X32, Arch::Aarch64, Arch::Arm, Arch::Riscv64];

pub fn info_lines(ed: &EditingState, theme: &Theme) -> Vec<Line<'static>> {
    let Some(row) = ed.selected() else {
        return vec![Line::styled("no syscall selected", theme.dim())];
    };
    let name = row.name;
    let info = catalog::info(name);
    let verdict = match row.action {
        Some(action) => Span::styled(action_text(action), theme.action(action)),
        None => Span::styled("…", theme.dim()),
    };
    let mut lines = vec![Line::from(vec![Span::styled(name.to_string(), theme.accent()), Span::raw("  "), verdict])];
    if let Some(info) = info {
        lines.push(Line::raw(info.summary.to_string()));
    }
    lines.push(Line::raw(""));
    lines.push(field(theme, "numbers", numbers(name)));
    let mut groups: Vec<String> = info.map(|i| vec![i.category.title.to_string()]).unwrap_or_default();
    groups.extend(groups_of(name).iter().map(|g| g.name.to_string()));
    lines.push(field(theme, "categories", groups.join(", ")));
    if let Some(risk) = info.and_then(|i| i.risk) {
        lines.push(Line::from(vec![
            Span::styled(format!("{:>11} ", "risk"), theme.dim()),
            Span::styled(format!("{:?}: {}", risk.level, risk.note), theme.warning()),
        ]));
    }
    lines.push(Line::raw(""));
    if ed.is_pending() {
        lines.push(Line::styled("evaluating the profile…", theme.dim()));
        lines.push(Line::raw(""));
        lines.push(field(theme, "context", ed.ctx.summary()));
        return lines;
    }
    match &ed.evaluator {
        Ok(ev) => {
            let native = ed.ctx.native;
            if let (Some(d), Some(nr)) = (ev.decide_name(native, name, &[0; 6]), catalog::number(native, name)) {
                lines.push(field(theme, "decided by", decided_by(&ed.doc, ev, d, native, nr, name)));
            }
            for rule in ed.doc.profile.rules.iter().filter(|r| r.all_names().any(|n| n == name)) {
                let decided = ev.decide_name(ed.ctx.native, name, &[0; 6]).map(|d| d.source);
                if decided != Some(crate::policy::evaluator::Source::Rule(rule.index)) {
                    lines.push(field(theme, "also", rule_note(ev, rule, name)));
                }
            }
        }
        Err(e) => lines.push(Line::styled(format!("the engine refuses this profile: {e}"), theme.error())),
    }
    lines.push(Line::raw(""));
    lines.push(field(theme, "context", ed.ctx.summary()));
    let engines: Vec<String> = ed.per_engine(name).into_iter().map(|(e, a)| format!("{e} {a}")).collect();
    lines.push(field(theme, "engines", engines.join(" · ")));
    lines
}

fn field(theme: &Theme, label: &str, value: String) -> Line<'static> {
    Line::from(vec![Span::styled(format!("{label:>11} "), theme.dim()), Span::raw(value)])
}

fn numbers(name: &str) -> String {
    let shown: Vec<String> = SHOWN_ARCHES
        .iter()
        .map(|arch| match catalog::number(*arch, name) {
            Some(nr) if *arch == Arch::X32 => format!("{} {nr:#x}", arch.short_name()),
            Some(nr) => format!("{} {nr}", arch.short_name()),
            None => format!("{} —", arch.short_name()),
        })
        .collect();
    shown.join(" · ")
}
