//! The rules editor: the rules that name the selected syscall, their argument conditions
//! (add, edit with an op picker, remove) and comments; and the profile's architectures.

pub mod view;

use crate::catalog::Arch;
use crate::catalog::constants::parse_value;
use crate::policy::describe::describe_condition_of;
use crate::profile::edit::remove_name;
use crate::profile::edit_rule::{
    append_conditional_rule, remove_condition, set_comment, set_condition, toggle_architecture,
};
use crate::profile::{ActionName, ArgCondition, Op};
use crate::tui::shared::{CondAt, Mode, Msg, Prompt};
use crate::tui::state::EditingState;

/// One line of the rules editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Rule(usize),
    Condition(usize, usize),
    NewRule,
}

/// The rules naming the selected syscall, each followed by its conditions, then "new rule".
pub fn items(ed: &EditingState) -> Vec<Item> {
    let Some(row) = ed.selected() else { return Vec::new() };
    let mut out = Vec::new();
    for rule in ed.doc.profile.rules.iter().filter(|r| r.all_names().any(|n| n == row.name)) {
        out.push(Item::Rule(rule.index));
        out.extend((0..rule.args.len()).map(|k| Item::Condition(rule.index, k)));
    }
    out.push(Item::NewRule);
    out
}

/// The ops in picker order, with how they read.
pub const OPS: [(Op, &str); 7] = [
    (Op::Eq, "==  equal"),
    (Op::Ne, "!=  not equal"),
    (Op::Lt, "<   less than"),
    (Op::Le, "<=  at most"),
    (Op::Gt, ">   greater than"),
    (Op::Ge, ">=  at least"),
    (Op::MaskedEq, "&== masked equal (arg & mask == value)"),
];

pub fn rules_key(ed: &mut EditingState, mode: &mut Mode, msg: Msg, cursor: usize) {
    let items = items(ed);
    let item = items.get(cursor).copied().unwrap_or(Item::NewRule);
    let last = items.len().saturating_sub(1);
    match msg {
        Msg::Up => *mode = Mode::Rules { cursor: cursor.saturating_sub(1) },
        Msg::Down => *mode = Mode::Rules { cursor: (cursor + 1).min(last) },
        Msg::ClickRow(i) if i <= last => *mode = Mode::Rules { cursor: i },
        Msg::Escape | Msg::Quit | Msg::Rules => *mode = Mode::Normal,
        Msg::Enter | Msg::Pick | Msg::Toggle | Msg::Type(' ') => {
            let at = match item {
                Item::Rule(r) => CondAt { rule: Some(r), k: None },
                Item::Condition(r, k) => CondAt { rule: Some(r), k: Some(k) },
                Item::NewRule => CondAt { rule: None, k: None },
            };
            let current = condition(ed, at).map_or(Op::Eq, |c| c.op);
            let op_cursor = OPS.iter().position(|(op, _)| *op == current).unwrap_or(0);
            *mode = Mode::PickOp { at, cursor: op_cursor };
        }
        Msg::Remove => remove(ed, mode, item),
        Msg::Comment => {
            if let Item::Rule(r) | Item::Condition(r, _) = item {
                let current = ed.doc.profile.rules.iter().find(|x| x.index == r).and_then(|x| x.comment.clone());
                *mode = Mode::Prompt { purpose: Prompt::Comment { rule: r }, input: current.unwrap_or_default() };
            }
        }
        _ => {}
    }
}

fn condition(ed: &EditingState, at: CondAt) -> Option<ArgCondition> {
    let rule = ed.doc.profile.rules.iter().find(|r| Some(r.index) == at.rule)?;
    rule.args.get(at.k?).copied()
}

fn remove(ed: &mut EditingState, mode: &mut Mode, item: Item) {
    let Some(name) = ed.selected().map(|r| r.name) else { return };
    let mut value = ed.doc.profile_value().clone();
    let what = match item {
        Item::Condition(r, k) => {
            remove_condition(&mut value, r, k);
            format!("removed condition {} of syscalls[{r}]", k)
        }
        Item::Rule(r) => {
            remove_name(&mut value, r, name);
            format!("{name} no longer in syscalls[{r}]")
        }
        Item::NewRule => return,
    };
    ed.apply(value, what);
    *mode = Mode::Rules { cursor: 0 };
}

pub fn pick_op_key(ed: &mut EditingState, mode: &mut Mode, msg: Msg, at: CondAt, cursor: usize) {
    match msg {
        Msg::Up => *mode = Mode::PickOp { at, cursor: cursor.saturating_sub(1) },
        Msg::Down => *mode = Mode::PickOp { at, cursor: (cursor + 1).min(OPS.len() - 1) },
        Msg::ClickRow(i) if i < OPS.len() => *mode = Mode::PickOp { at, cursor: i },
        Msg::Escape | Msg::Quit => *mode = Mode::Rules { cursor: 0 },
        Msg::Enter | Msg::Toggle | Msg::Type(' ') => {
            let op = OPS[cursor].0;
            let input = condition(ed, at).map(|c| condition_text(&c, op)).unwrap_or_default();
            *mode = Mode::Prompt { purpose: Prompt::Condition { at, op }, input };
        }
        _ => {}
    }
}

/// What the condition prompt starts with when editing: `ARG VALUE` or `ARG MASK VALUE`.
fn condition_text(c: &ArgCondition, op: Op) -> String {
    if op == Op::MaskedEq {
        format!("{} {:#x} {:#x}", c.index, c.value, c.value_two)
    } else {
        format!("{} {}", c.index, if c.value > 9 { format!("{:#x}", c.value) } else { c.value.to_string() })
    }
}

/// Parses `ARG VALUE` (`ARG MASK VALUE` for MASKED_EQ); values by number or name.
pub fn parse_condition(text: &str, op: Op) -> Result<ArgCondition, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let wanted = if op == Op::MaskedEq { 3 } else { 2 };
    if words.len() != wanted {
        let form = if op == Op::MaskedEq { "ARG MASK VALUE, e.g. 0 0x7e020000 0" } else { "ARG VALUE, e.g. 0 AF_INET" };
        return Err(format!("write {form}"));
    }
    let index: u32 = words[0]
        .trim_start_matches("arg")
        .parse()
        .ok()
        .filter(|i| *i <= 5)
        .ok_or_else(|| format!("\"{}\" is not an argument index (0..5)", words[0]))?;
    let value = parse_value(words[1])?;
    let value_two = if op == Op::MaskedEq { parse_value(words[2])? } else { 0 };
    Ok(ArgCondition { index, value, value_two, op })
}

pub fn submit_condition(ed: &mut EditingState, mode: &mut Mode, at: CondAt, op: Op, input: &str) {
    let c = match parse_condition(input, op) {
        Ok(c) => c,
        Err(e) => {
            ed.message = Some(e);
            *mode = Mode::Prompt { purpose: Prompt::Condition { at, op }, input: input.to_string() };
            return;
        }
    };
    let Some(name) = ed.selected().map(|r| r.name) else { return };
    let mut value = ed.doc.profile_value().clone();
    match at.rule {
        Some(rule) => set_condition(&mut value, rule, at.k, &c),
        None => append_conditional_rule(&mut value, name, ActionName::Allow, None, &c),
    }
    let what = match at.rule {
        None => format!("new rule: allow {name} when {}", describe_condition_of(Some(name), &c)),
        Some(r) => format!("syscalls[{r}]: {}", describe_condition_of(Some(name), &c)),
    };
    ed.apply(value, what);
    *mode = Mode::Rules { cursor: 0 };
}

pub fn submit_comment(ed: &mut EditingState, mode: &mut Mode, rule: usize, text: &str) {
    let mut value = ed.doc.profile_value().clone();
    set_comment(&mut value, rule, text);
    ed.apply(value, format!("syscalls[{rule}] comment set"));
    *mode = Mode::Rules { cursor: 0 };
}

/// The architectures the editor offers: the engines' native ones and their compat ABIs.
pub const ARCHES: [Arch; 10] = [
    Arch::X86_64,
    Arch::X86,
    Arch::X32,
    Arch::Aarch64,
    Arch::Arm,
    Arch::Riscv64,
    Arch::Ppc64le,
    Arch::S390x,
    Arch::S390,
    Arch::Loongarch64,
];

pub fn arches_key(ed: &mut EditingState, mode: &mut Mode, msg: Msg, cursor: usize) {
    match msg {
        Msg::Up => *mode = Mode::Arches { cursor: cursor.saturating_sub(1) },
        Msg::Down => *mode = Mode::Arches { cursor: (cursor + 1).min(ARCHES.len() - 1) },
        Msg::ClickRow(i) if i < ARCHES.len() => *mode = Mode::Arches { cursor: i },
        Msg::Escape | Msg::Quit | Msg::Arches => *mode = Mode::Normal,
        Msg::Enter | Msg::Toggle | Msg::Type(' ') => {
            let scmp = ARCHES[cursor].scmp_name();
            let mut value = ed.doc.profile_value().clone();
            toggle_architecture(&mut value, scmp);
            ed.apply(value, format!("architectures: toggled {scmp}"));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_with_names_and_masks() {
        let c = parse_condition("0 CLONE_NEWUSER|CLONE_NEWNS", Op::Ne).unwrap();
        assert_eq!((c.index, c.value, c.op), (0, 0x1002_0000, Op::Ne));
        let m = parse_condition("arg2 0xff 8", Op::MaskedEq).unwrap();
        assert_eq!((m.index, m.value, m.value_two), (2, 0xff, 8));
        assert!(parse_condition("6 1", Op::Eq).unwrap_err().contains("0..5"));
        assert!(parse_condition("0", Op::Eq).unwrap_err().contains("ARG VALUE"));
    }
}
