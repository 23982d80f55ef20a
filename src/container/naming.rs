//! Which file a container's recording goes to: named from the Kubernetes annotations the
//! runtime puts in the OCI state (so a restarted container adds to the same file), else from
//! the container id; and what an earlier recording in that file already allowed.

use crate::catalog::Arch;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// (namespace, pod, container) annotation keys: CRI-O and the kubelet's own names first, then
/// containerd's CRI plugin (`pkg/cri/annotations`, which uses its own names).
const KEY_SETS: [[&str; 3]; 2] = [
    ["io.kubernetes.pod.namespace", "io.kubernetes.pod.name", "io.kubernetes.container.name"],
    ["io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.sandbox-name", "io.kubernetes.cri.container-name"],
];

/// The longest name kept (a file name must fit in 255 bytes with ".json").
const MAX_NAME: usize = 200;

/// `namespace_pod_container` when the annotations name all three, else the container id;
/// always a single safe file-name component.
pub fn workload_name(annotations: &BTreeMap<String, String>, id: &str) -> String {
    for keys in KEY_SETS {
        let parts: Option<Vec<&str>> =
            keys.iter().map(|k| annotations.get(*k).map(String::as_str).filter(|v| !v.is_empty())).collect();
        if let Some(parts) = parts {
            let joined: Vec<String> = parts.iter().map(|p| safe_component(p)).collect();
            return joined.join("_");
        }
    }
    safe_component(id)
}

/// Letters, digits, `.`, `_`, `-`; anything else (a `/`, a NUL) becomes `_`, and a leading `.`
/// too, so the name is never `..` or hidden.
fn safe_component(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .take(MAX_NAME)
        .collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if out.is_empty() { "unnamed".into() } else { out }
}

/// What an earlier recording allowed: the names of its plain ALLOW rules (no argument
/// conditions, no includes/excludes) and its architectures.
pub fn previously_allowed(text: &str) -> Result<(BTreeSet<String>, Vec<Arch>), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let rules = value.get("syscalls").and_then(Value::as_array).ok_or("no \"syscalls\" list")?;
    let mut names = BTreeSet::new();
    for rule in rules.iter().filter(|r| is_plain_allow(r)) {
        for name in rule.get("names").and_then(Value::as_array).into_iter().flatten() {
            names.insert(name.as_str().ok_or("a syscall name that is not a string")?.to_string());
        }
    }
    let arches = value
        .get("architectures")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().and_then(Arch::from_scmp))
        .collect();
    Ok((names, arches))
}

fn is_plain_allow(rule: &Value) -> bool {
    let empty = |key: &str| rule.get(key).is_none_or(|v| v.as_array().is_some_and(Vec::is_empty) || v.is_null());
    let conditions_free = empty("args")
        && ["includes", "excludes"]
            .iter()
            .all(|k| rule.get(*k).is_none_or(|v| v.as_object().is_none_or(|o| o.is_empty())));
    rule.get("action").and_then(Value::as_str) == Some("SCMP_ACT_ALLOW") && conditions_free
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn kubernetes_annotations_name_the_workload() {
        let cri_o = annotations(&[
            ("io.kubernetes.pod.namespace", "shop"),
            ("io.kubernetes.pod.name", "web-0"),
            ("io.kubernetes.container.name", "nginx"),
        ]);
        assert_eq!(workload_name(&cri_o, "abc"), "shop_web-0_nginx");
        let containerd = annotations(&[
            ("io.kubernetes.cri.sandbox-namespace", "shop"),
            ("io.kubernetes.cri.sandbox-name", "web-0"),
            ("io.kubernetes.cri.container-name", "nginx"),
        ]);
        assert_eq!(workload_name(&containerd, "abc"), "shop_web-0_nginx");
    }

    #[test]
    fn the_id_names_a_container_without_all_three() {
        let partial = annotations(&[("io.kubernetes.pod.name", "web-0"), ("io.kubernetes.container.name", "nginx")]);
        assert_eq!(workload_name(&partial, "c1"), "c1");
        let empty_value = annotations(&[
            ("io.kubernetes.pod.namespace", ""),
            ("io.kubernetes.pod.name", "p"),
            ("io.kubernetes.container.name", "c"),
        ]);
        assert_eq!(workload_name(&empty_value, "c2"), "c2");
    }

    #[test]
    fn names_cannot_leave_the_directory() {
        let hostile = annotations(&[
            ("io.kubernetes.pod.namespace", ".."),
            ("io.kubernetes.pod.name", "a/../../etc"),
            ("io.kubernetes.container.name", "x\0y"),
        ]);
        let name = workload_name(&hostile, "id");
        assert_eq!(name, "_._a_.._.._etc_x_y");
        assert!(!name.contains('/') && !name.starts_with('.'));
        assert_eq!(workload_name(&BTreeMap::new(), ""), "unnamed");
        assert_eq!(workload_name(&BTreeMap::new(), &"x".repeat(400)).len(), MAX_NAME);
    }

    #[test]
    fn an_earlier_recording_gives_its_plain_allows_and_arches() {
        let text = r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],
            "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                        {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},
                        {"names":["mount"],"action":"SCMP_ACT_ERRNO"},
                        {"names":["close"],"action":"SCMP_ACT_ALLOW","args":[],"includes":{}}]}"#;
        let (names, arches) = previously_allowed(text).unwrap();
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["close", "read", "write"]);
        assert_eq!(arches, [Arch::X86_64, Arch::X86]);
        assert!(previously_allowed("{}").unwrap_err().contains("syscalls"));
        assert!(previously_allowed("not json").is_err());
    }
}
