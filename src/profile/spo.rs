//! Security Profiles Operator `SeccompProfile` resources: recognising them, building them,
//! and what `baseProfileName` brings in.

use super::model::Profile;
use serde_json::{Map, Value, json};

pub const API_GROUP: &str = "security-profiles-operator.x-k8s.io";
pub const API_VERSION: &str = "security-profiles-operator.x-k8s.io/v1beta1";
pub const KIND: &str = "SeccompProfile";

/// The operator follows base profiles at most this deep.
pub const MAX_BASE_DEPTH: usize = 15;

/// Whether a YAML document is an SPO `SeccompProfile`.
pub fn is_resource(value: &Value) -> bool {
    value.get("kind").and_then(Value::as_str) == Some(KIND)
        && value.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with(API_GROUP))
}

/// Whether a YAML document is a bare profile (the OCI fields at its top level).
pub fn is_bare_profile(value: &Value) -> bool {
    value.get("kind").is_none() && (value.get("defaultAction").is_some() || value.get("syscalls").is_some())
}

/// `metadata.name` of a resource.
pub fn name_of(value: &Value) -> Option<&str> {
    value.get("metadata")?.get("name")?.as_str()
}

/// A `SeccompProfile` resource around `spec`.
pub fn resource(name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name},
        "spec": spec,
    })
}

/// A name Kubernetes accepts for `metadata.name` (RFC 1123 subdomain) made from a file name.
pub fn resource_name(stem: &str) -> String {
    let mut name: String = stem
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' })
        .collect();
    name = name.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
    name.truncate(253);
    if name.is_empty() { "profile".into() } else { name }
}

/// A kind/name list of the documents of a file, for "no profile here" messages.
pub fn kinds(values: &[&Value]) -> String {
    let kinds: Vec<String> = values
        .iter()
        .map(|v| match (v.get("kind").and_then(Value::as_str), name_of(v)) {
            (Some(k), Some(n)) => format!("{k} {n}"),
            (Some(k), None) => k.to_string(),
            _ => "a document without kind".to_string(),
        })
        .collect();
    if kinds.is_empty() { "no document".into() } else { kinds.join(", ") }
}

/// The profile named by `baseProfileName`, once found.
#[derive(Debug, Clone)]
pub struct BaseProfile {
    pub name: String,
    /// Where it was found (`this file`, a path, `built-in`).
    pub from: String,
    /// The base as the operator would merge it (its own base already merged in).
    pub profile: Profile,
    /// The same rules as written (`syscalls[]` entries), for conversions that merge them.
    pub syscalls: Vec<Value>,
    /// The cycle its own `baseProfileName` chain makes, if it does (`a → b → a`).
    pub cycle: Option<String>,
}

/// What the operator installs for a profile with a base: the profile's own settings, its
/// rules, then the base's rules. Rules of the base keep their indexes past the profile's own,
/// so "syscalls[n]" beyond the file's rules means "from the base".
pub fn merge(own: &Profile, base: &Profile) -> Profile {
    let mut merged = own.clone();
    let offset = own.rules.len();
    merged.rules.extend(base.rules.iter().cloned().enumerate().map(|(j, mut rule)| {
        rule.index = offset + j;
        rule
    }));
    merged
}

/// Drops `status` and the server-set parts of `metadata`: a resource to apply, not one read back.
pub fn strip_server_fields(resource: &mut Value) {
    if let Some(map) = resource.as_object_mut() {
        map.shift_remove("status");
    }
    if let Some(meta) = resource.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink"] {
            meta.shift_remove(key);
        }
    }
}

/// An empty metadata object if there is none (so `metadata.name` can be set).
pub fn metadata_mut(resource: &mut Value) -> Option<&mut Map<String, Value>> {
    let map = resource.as_object_mut()?;
    map.entry("metadata").or_insert_with(|| json!({})).as_object_mut()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_recognised_by_kind_and_group() {
        assert!(is_resource(&resource("x", json!({}))));
        assert!(!is_resource(&json!({"kind": "SeccompProfile", "apiVersion": "v1"})));
        assert!(is_bare_profile(&json!({"defaultAction": "SCMP_ACT_LOG"})));
    }

    #[test]
    fn names_follow_kubernetes_rules() {
        assert_eq!(resource_name("Fine_Grained"), "fine-grained");
        assert_eq!(resource_name("__"), "profile");
    }
}
