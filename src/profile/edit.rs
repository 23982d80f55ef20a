//! Edits on a profile value: each changes only what it must, so the saved diff stays small.

use super::action::ActionName;
use serde_json::{Map, Value, json};

/// Sets `defaultAction` (and `defaultErrnoRet` when given; removes it when `None` and not ERRNO).
pub fn set_default_action(profile: &mut Value, action: ActionName, errno: Option<u32>) {
    let Some(obj) = profile.as_object_mut() else { return };
    obj.insert("defaultAction".into(), json!(action.spelling()));
    match errno {
        Some(e) => {
            insert_after(obj, "defaultErrnoRet", json!(e), "defaultAction");
        }
        None if !action.takes_errno() => {
            obj.shift_remove("defaultErrnoRet");
        }
        None => {}
    }
}

/// Removes one syscall name from rule `rule`'s `names`; drops the rule if nothing is left.
pub fn remove_name(profile: &mut Value, rule: usize, name: &str) {
    let Some(rules) = profile.get_mut("syscalls").and_then(Value::as_array_mut) else { return };
    let Some(entry) = rules.get_mut(rule) else { return };
    if let Some(names) = entry.get_mut("names").and_then(Value::as_array_mut) {
        names.retain(|n| n.as_str() != Some(name));
    }
    let names_left = entry.get("names").and_then(Value::as_array).is_some_and(|n| !n.is_empty());
    let legacy = entry.get("name").and_then(Value::as_str) == Some(name);
    if legacy {
        entry.as_object_mut().map(|o| o.shift_remove("name"));
    }
    let legacy_left = entry.get("name").is_some();
    if !names_left && !legacy_left {
        rules.remove(rule);
    }
}

/// Appends an unconditional rule for `names` with `action` (and `errnoRet`).
pub fn append_rule(profile: &mut Value, names: &[&str], action: ActionName, errno: Option<u32>) {
    let Some(obj) = profile.as_object_mut() else { return };
    let rules = obj.entry("syscalls").or_insert_with(|| json!([]));
    if !rules.is_array() {
        *rules = json!([]);
    }
    let mut rule = Map::new();
    rule.insert("names".into(), json!(names));
    rule.insert("action".into(), json!(action.spelling()));
    if let Some(e) = errno {
        rule.insert("errnoRet".into(), json!(e));
    }
    rules.as_array_mut().expect("made an array above").push(Value::Object(rule));
}

/// Inserts `key` right after `after` (or at the end), keeping every other key where it is.
fn insert_after(obj: &mut Map<String, Value>, key: &str, value: Value, after: &str) {
    if obj.contains_key(key) {
        obj.insert(key.into(), value);
        return;
    }
    let position = obj.keys().position(|k| k == after).map_or(obj.len(), |p| p + 1);
    obj.shift_insert(position, key.into(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_the_last_name_removes_the_rule() {
        let mut v = json!({"syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW"}, {"names": ["b", "c"], "action": "SCMP_ACT_ALLOW"}]});
        remove_name(&mut v, 1, "b");
        assert_eq!(v["syscalls"][1]["names"], json!(["c"]));
        remove_name(&mut v, 0, "a");
        assert_eq!(v["syscalls"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn default_errno_goes_after_default_action() {
        let mut v = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []});
        set_default_action(&mut v, ActionName::Errno, Some(38));
        assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["defaultAction", "defaultErrnoRet", "syscalls"]);
        set_default_action(&mut v, ActionName::Log, None);
        assert!(v.get("defaultErrnoRet").is_none());
    }
}
