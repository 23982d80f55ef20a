//! Edits inside one rule (argument conditions, comment) and of the profile's architectures.
//! Like [`super::edit`], each touches only what it must so the saved diff stays small.

use super::action::ActionName;
use super::model::ArgCondition;
use serde_json::{Map, Value, json};

/// The JSON of a condition. `valueTwo` is written when the profile's other conditions write it
/// (moby's style) or when the op needs it (MASKED_EQ).
fn condition_json(c: &ArgCondition, with_value_two: bool) -> Value {
    let mut obj = Map::new();
    obj.insert("index".into(), json!(c.index));
    obj.insert("value".into(), json!(c.value));
    if with_value_two || c.op == super::Op::MaskedEq {
        obj.insert("valueTwo".into(), json!(c.value_two));
    }
    obj.insert("op".into(), json!(c.op.spelling()));
    Value::Object(obj)
}

/// Whether any condition in the profile spells out `valueTwo`.
fn style_writes_value_two(profile: &Value) -> bool {
    let rules = profile.get("syscalls").and_then(Value::as_array);
    rules
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("args").and_then(Value::as_array))
        .flatten()
        .any(|a| a.get("valueTwo").is_some())
}

/// Replaces condition `k` of rule `rule`, or appends the condition when `k` is `None`.
pub fn set_condition(profile: &mut Value, rule: usize, k: Option<usize>, c: &ArgCondition) {
    let value = condition_json(c, style_writes_value_two(profile));
    let Some(entry) = profile.get_mut("syscalls").and_then(|r| r.get_mut(rule)).and_then(Value::as_object_mut) else {
        return;
    };
    let args = entry.entry("args").or_insert_with(|| json!([]));
    if !args.is_array() {
        *args = json!([]);
    }
    let args = args.as_array_mut().expect("made an array above");
    match k {
        Some(k) if k < args.len() => args[k] = value,
        _ => args.push(value),
    }
}

/// Removes condition `k` of rule `rule`; an emptied `args` goes too.
pub fn remove_condition(profile: &mut Value, rule: usize, k: usize) {
    let Some(entry) = profile.get_mut("syscalls").and_then(|r| r.get_mut(rule)).and_then(Value::as_object_mut) else {
        return;
    };
    let Some(args) = entry.get_mut("args").and_then(Value::as_array_mut) else { return };
    if k < args.len() {
        args.remove(k);
    }
    if args.is_empty() {
        entry.shift_remove("args");
    }
}

/// Appends a rule for `name` that applies only when `c` holds.
pub fn append_conditional_rule(
    profile: &mut Value,
    name: &str,
    action: ActionName,
    errno: Option<u32>,
    c: &ArgCondition,
) {
    super::edit::append_rule(profile, &[name], action, errno);
    let last = profile["syscalls"].as_array().map_or(0, Vec::len) - 1;
    set_condition(profile, last, None, c);
}

/// Sets rule `rule`'s comment; an empty text removes it.
pub fn set_comment(profile: &mut Value, rule: usize, text: &str) {
    let Some(entry) = profile.get_mut("syscalls").and_then(|r| r.get_mut(rule)).and_then(Value::as_object_mut) else {
        return;
    };
    if text.trim().is_empty() {
        entry.shift_remove("comment");
    } else if entry.contains_key("comment") {
        entry.insert("comment".into(), json!(text.trim()));
    } else {
        // After the action, where moby and containers-common put it.
        let at = entry.keys().position(|key| key == "action").map_or(entry.len(), |p| p + 1);
        entry.shift_insert(at, "comment".into(), json!(text.trim()));
    }
}

/// Adds or removes one `SCMP_ARCH_*` in `architectures`.
pub fn toggle_architecture(profile: &mut Value, scmp: &str) {
    let Some(obj) = profile.as_object_mut() else { return };
    let list = obj.entry("architectures").or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    let list = list.as_array_mut().expect("made an array above");
    match list.iter().position(|a| a.as_str() == Some(scmp)) {
        Some(i) => {
            list.remove(i);
        }
        None => list.push(json!(scmp)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Op;

    fn cond(index: u32, op: Op, value: u64, value_two: u64) -> ArgCondition {
        ArgCondition { index, value, value_two, op }
    }

    #[test]
    fn conditions_are_added_replaced_and_removed() {
        let mut v = json!({"syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW"}]});
        set_condition(&mut v, 0, None, &cond(0, Op::Eq, 8, 0));
        assert_eq!(v["syscalls"][0]["args"], json!([{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]));
        set_condition(&mut v, 0, Some(0), &cond(0, Op::MaskedEq, 0xff, 8));
        assert_eq!(v["syscalls"][0]["args"][0]["valueTwo"], json!(8), "MASKED_EQ needs valueTwo");
        remove_condition(&mut v, 0, 0);
        assert!(v["syscalls"][0].get("args").is_none(), "an empty args list goes");
    }

    #[test]
    fn new_conditions_follow_the_profiles_value_two_style() {
        let mut v = json!({"syscalls": [
            {"names": ["a"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 2, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}]});
        append_conditional_rule(&mut v, "clone", ActionName::Allow, None, &cond(0, Op::Eq, 5, 0));
        assert_eq!(v["syscalls"][1]["args"][0]["valueTwo"], json!(0));
        assert_eq!(v["syscalls"][1]["names"], json!(["clone"]));
    }

    #[test]
    fn comments_go_after_the_action_and_empty_ones_go_away() {
        let mut v = json!({"syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW", "args": []}]});
        set_comment(&mut v, 0, "needed by the JVM");
        let keys: Vec<&String> = v["syscalls"][0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["names", "action", "comment", "args"]);
        set_comment(&mut v, 0, " ");
        assert!(v["syscalls"][0].get("comment").is_none());
    }

    #[test]
    fn architectures_toggle() {
        let mut v = json!({"architectures": ["SCMP_ARCH_X86_64"]});
        toggle_architecture(&mut v, "SCMP_ARCH_X86");
        assert_eq!(v["architectures"], json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]));
        toggle_architecture(&mut v, "SCMP_ARCH_X86_64");
        assert_eq!(v["architectures"], json!(["SCMP_ARCH_X86"]));
    }
}
