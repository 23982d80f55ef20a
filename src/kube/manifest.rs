//! Reading Kubernetes manifests: multi-document YAML, `kind: List`, and the pod spec inside
//! each workload kind.

use serde::Deserialize;
use serde_json::Value;

/// A manifest that cannot be read as YAML, with the parser's position when it gives one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}{}: {message}", place(*.line, *.column))]
pub struct ManifestError {
    pub source_name: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

fn place(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// Where an object came from: file, 1-based document number, and index inside a `kind: List`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub source_name: String,
    pub document: usize,
    pub item: Option<usize>,
}

/// An object that carries a pod spec.
#[derive(Debug, Clone)]
pub struct Workload {
    pub origin: Origin,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment, …).
    pub pod_spec: Value,
    /// The pod's annotations (a template's for controllers): the deprecated seccomp ones live there.
    pub pod_annotations: Value,
}

/// An object that carries no pod spec (a Service, a ConfigMap, …), or one without `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub origin: Origin,
    pub kind: String,
    pub name: String,
}

/// What a manifest file holds.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub workloads: Vec<Workload>,
    pub skipped: Vec<Skipped>,
}

/// Reads every document of a YAML (or JSON) stream. Empty documents (a trailing `---`) are
/// ignored; a document that is not a mapping is an error, since it cannot be a manifest.
pub fn read_manifest(text: &str, source_name: &str) -> Result<Manifest, ManifestError> {
    let mut out = Manifest::default();
    if let Err(e) = crate::profile::yaml::check_depth(text) {
        return Err(ManifestError {
            source_name: source_name.to_string(),
            line: Some(e.line),
            column: Some(e.column),
            message: e.message,
        });
    }
    for (i, document) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let number = i + 1;
        let value = Value::deserialize(document).map_err(|e| yaml_error(source_name, number, &e))?;
        let origin = Origin { source_name: source_name.to_string(), document: number, item: None };
        match value {
            Value::Null => {}
            Value::Object(_) => collect(value, origin, &mut out),
            other => {
                return Err(ManifestError {
                    source_name: source_name.to_string(),
                    line: None,
                    column: None,
                    message: format!("document {number} is a {}, not a Kubernetes object", type_name(&other)),
                });
            }
        }
    }
    Ok(out)
}

fn yaml_error(source_name: &str, document: usize, e: &serde_yaml_ng::Error) -> ManifestError {
    let text = e.to_string();
    // The parser appends "at line L column C"; the position goes in front instead.
    let message = text.split(" at line ").next().unwrap_or(&text).to_string();
    let location = e.location();
    ManifestError {
        source_name: source_name.to_string(),
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        message: format!("document {document} is not valid YAML: {message}"),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

/// Files one object (or each item of a `List`) as a workload or as skipped.
fn collect(value: Value, origin: Origin, out: &mut Manifest) {
    let kind = str_at(&value, &["kind"]).unwrap_or_default().to_string();
    // `kubectl get -o yaml` prints `kind: List`; typed lists (`PodList`, …) look the same.
    if kind == "List" || (kind.ends_with("List") && value.get("items").is_some_and(Value::is_array)) {
        let items = value.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
        for (j, item) in items.into_iter().enumerate() {
            collect(item, Origin { item: Some(j), ..origin.clone() }, out);
        }
        return;
    }
    let name = object_name(&value);
    let Some((spec, annotations)) = pod_template(&kind, &value) else {
        out.skipped.push(Skipped { origin, kind, name });
        return;
    };
    let namespace = str_at(&value, &["metadata", "namespace"]).map(str::to_string);
    out.workloads.push(Workload {
        origin,
        kind,
        name,
        namespace,
        pod_spec: spec.clone(),
        pod_annotations: annotations.cloned().unwrap_or(Value::Null),
    });
}

/// The pod spec and pod annotations of a workload kind; `None` for kinds that run no pods.
pub fn pod_template<'v>(kind: &str, object: &'v Value) -> Option<(&'v Value, Option<&'v Value>)> {
    let template: &[&str] = match kind {
        "Pod" => &[],
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "ReplicationController" => {
            &["spec", "template"]
        }
        "PodTemplate" => &["template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        _ => return None,
    };
    let pod = at(object, template)?;
    let spec = pod.get("spec").filter(|s| s.is_object())?;
    Some((spec, at(pod, &["metadata", "annotations"])))
}

fn object_name(value: &Value) -> String {
    str_at(value, &["metadata", "name"])
        .map(str::to_string)
        .or_else(|| str_at(value, &["metadata", "generateName"]).map(|g| format!("{g}*")))
        .unwrap_or_else(|| "(unnamed)".to_string())
}

pub(crate) fn at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, k| v.get(*k))
}

pub(crate) fn str_at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    at(value, path).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_kind_yields_its_pod_spec() {
        let text = "\
kind: Pod
metadata: {name: p}
spec: {containers: [{name: a}]}
---
kind: Deployment
metadata: {name: d}
spec: {template: {metadata: {annotations: {x: y}}, spec: {containers: [{name: b}]}}}
---
kind: CronJob
metadata: {name: c}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c}]}}}}}
---
kind: Service
metadata: {name: s}
---
";
        let m = read_manifest(text, "t.yaml").unwrap();
        let names: Vec<(&str, &str, usize)> =
            m.workloads.iter().map(|w| (w.kind.as_str(), w.name.as_str(), w.origin.document)).collect();
        assert_eq!(names, [("Pod", "p", 1), ("Deployment", "d", 2), ("CronJob", "c", 3)]);
        assert_eq!(m.workloads[1].pod_annotations["x"], "y");
        assert_eq!(m.workloads[2].pod_spec["containers"][0]["name"], "c");
        assert_eq!(
            m.skipped,
            [Skipped {
                origin: Origin { source_name: "t.yaml".into(), document: 4, item: None },
                kind: "Service".into(),
                name: "s".into()
            }]
        );
    }

    #[test]
    fn list_items_are_read_with_their_index() {
        let text = "kind: List\nitems:\n- {kind: ConfigMap, metadata: {name: c}}\n- {kind: Pod, metadata: {name: p}, spec: {containers: []}}\n";
        let m = read_manifest(text, "l.yaml").unwrap();
        assert_eq!(m.workloads.len(), 1);
        assert_eq!(m.workloads[0].origin.item, Some(1));
        assert_eq!(m.skipped[0].origin.item, Some(0));
    }

    #[test]
    fn bad_yaml_gives_the_line() {
        let err = read_manifest("kind: Pod\nspec:\n  containers: [\n  - a: b\n  x: : :\n", "bad.yaml").unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
        assert!(err.to_string().starts_with(&format!("bad.yaml:{}:", err.line.unwrap())), "{err}");
        let err = read_manifest("just text", "t.yaml").unwrap_err();
        assert!(err.message.contains("a string, not a Kubernetes object"), "{err}");
    }
}
