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

/// What a syscall should do: back to the default, or an explicit action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Default,
    Action(ActionName, Option<u32>),
}

/// Sets what `name` does without touching conditional rules (with `args`, `includes` or
/// `excludes`): the name leaves every unconditional rule, then joins an unconditional rule with
/// the wanted action (the first one, keeping its names sorted if they are) or a new one.
/// `default` is the profile's resolved default (action, errno): setting it means no rule.
pub fn set_syscall(profile: &mut Value, name: &str, setting: Setting, default: (ActionName, Option<u32>)) {
    let unconditional = |r: &Value| {
        ["args", "includes", "excludes"].iter().all(|k| match field(r, k) {
            None | Some(Value::Null) => true,
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            Some(_) => false,
        })
    };
    let names_of = |r: &Value| -> bool {
        field(r, "names").and_then(Value::as_array).is_some_and(|ns| ns.iter().any(|n| n.as_str() == Some(name)))
            || field(r, "name").and_then(Value::as_str) == Some(name)
    };
    let rules = profile.get("syscalls").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    // Last first: removing a rule does not move those still to visit.
    let naming: Vec<usize> =
        (0..rules.len()).rev().filter(|&i| names_of(&rules[i]) && unconditional(&rules[i])).collect();
    for i in naming {
        remove_name(profile, i, name);
    }
    let Setting::Action(action, errno) = setting else { return };
    let same_errno = |r: &Value| {
        let e = field(r, "errnoRet").and_then(Value::as_u64).map(|e| e as u32);
        !action.takes_errno() || e.or(Some(1)) == errno.or(Some(1))
    };
    let is_default = action == default.0 && (!action.takes_errno() || errno.or(Some(1)) == default.1.or(Some(1)));
    if is_default {
        return;
    }
    let target = profile.get("syscalls").and_then(Value::as_array).and_then(|rules| {
        rules.iter().position(|r| {
            field(r, "action").and_then(Value::as_str) == Some(action.spelling())
                && unconditional(r)
                && same_errno(r)
                && field(r, "names").is_some_and(Value::is_array)
        })
    });
    match target {
        Some(i) => {
            let names = profile["syscalls"][i]["names"].as_array_mut().expect("checked above");
            let sorted = names.windows(2).all(|w| w[0].as_str() <= w[1].as_str());
            let at = if sorted { names.partition_point(|n| n.as_str().is_some_and(|s| s < name)) } else { names.len() };
            names.insert(at, json!(name));
        }
        None => append_rule(profile, &[name], action, errno.filter(|_| action.takes_errno())),
    }
}

/// `rule[key]`: a rule has a few keys, and comparing them is cheaper than hashing `key` (this
/// runs for each key asked of each of a big profile's thousands of rules, at every toggle).
fn field<'v>(rule: &'v Value, key: &str) -> Option<&'v Value> {
    match rule {
        Value::Object(map) if map.len() <= 8 => map.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
        _ => rule.get(key),
    }
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
    fn setting_a_syscall_keeps_conditional_rules_and_joins_existing_rules() {
        let mut v = json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]});
        let default = (ActionName::Errno, None);
        set_syscall(&mut v, "mount", Setting::Action(ActionName::Allow, None), default);
        assert_eq!(v["syscalls"][0]["names"], json!(["mount", "read", "write"]), "joins the sorted allow rule");
        assert_eq!(v["syscalls"][1]["names"], json!(["mount"]), "the conditional rule stays");
        set_syscall(&mut v, "mount", Setting::Default, default);
        assert_eq!(v["syscalls"][0]["names"], json!(["read", "write"]));
        set_syscall(&mut v, "personality", Setting::Action(ActionName::Errno, Some(38)), default);
        assert_eq!(v["syscalls"][2]["args"][0]["value"], json!(8), "still there");
        assert_eq!(v["syscalls"][3], json!({"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}));
        set_syscall(&mut v, "read", Setting::Action(ActionName::Errno, None), default);
        assert_eq!(v["syscalls"][0]["names"], json!(["write"]), "setting the default removes the rule entry only");
        assert_eq!(v["syscalls"].as_array().unwrap().len(), 4);
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
