//! Resolving each container's effective seccomp profile and judging it: does the Localhost
//! file exist under the root, can it be loaded, compiled, and start a program?

use super::install::{localhost_path, resolve as resolve_path};
use super::manifest::{Manifest, Origin, Skipped, Workload, str_at};
use crate::bpf::compile::compile;
use crate::policy::context::Context;
use crate::policy::evaluator::Evaluator;
use crate::policy::lint::lint;
use crate::profile::Document;
use crate::profile::finding::{Finding, Level};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A `seccompProfile` object's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileType {
    /// A file under the kubelet's seccomp root (`None`: `localhostProfile` missing).
    Localhost(Option<String>),
    RuntimeDefault,
    Unconfined,
    /// A type the API server would refuse.
    Other(String),
}

impl ProfileType {
    /// How the pod spec spells it.
    pub fn type_name(&self) -> &str {
        match self {
            ProfileType::Localhost(_) => "Localhost",
            ProfileType::RuntimeDefault => "RuntimeDefault",
            ProfileType::Unconfined => "Unconfined",
            ProfileType::Other(t) => t,
        }
    }
}

/// Where a container's effective profile was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAt {
    Container,
    Pod,
    /// Nowhere: the kubelet's default applies.
    Unset,
}

/// The pod-spec list a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Container,
    Init,
    Ephemeral,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Init, Role::Container, Role::Ephemeral];

    /// The pod-spec field.
    pub fn field(self) -> &'static str {
        match self {
            Role::Container => "containers",
            Role::Init => "initContainers",
            Role::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container with its effective profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub name: String,
    pub role: Role,
    /// `None` when unset at both levels.
    pub profile: Option<ProfileType>,
    pub set_at: SetAt,
    pub privileged: bool,
}

/// Reads a `seccompProfile` object; `None` when absent or null.
pub fn parse_profile(value: Option<&Value>) -> Option<ProfileType> {
    let value = value.filter(|v| !v.is_null())?;
    let localhost = str_at(value, &["localhostProfile"]).map(str::to_string);
    Some(match str_at(value, &["type"]).unwrap_or_default() {
        "Localhost" => ProfileType::Localhost(localhost),
        "RuntimeDefault" => ProfileType::RuntimeDefault,
        "Unconfined" => ProfileType::Unconfined,
        other => ProfileType::Other(other.to_string()),
    })
}

/// Every container of a pod spec (init, regular, ephemeral), with the profile in effect: the
/// container's own `securityContext.seccompProfile`, else the pod's, else none.
pub fn resolve(pod_spec: &Value) -> Vec<Resolved> {
    let pod_level = parse_profile(pod_spec.pointer("/securityContext/seccompProfile"));
    let mut out = Vec::new();
    for role in Role::ALL {
        let Some(list) = pod_spec.get(role.field()).and_then(Value::as_array) else { continue };
        for (i, c) in list.iter().enumerate() {
            let own = parse_profile(c.pointer("/securityContext/seccompProfile"));
            let (profile, set_at) = match (own, &pod_level) {
                (Some(p), _) => (Some(p), SetAt::Container),
                (None, Some(p)) => (Some(p.clone()), SetAt::Pod),
                (None, None) => (None, SetAt::Unset),
            };
            out.push(Resolved {
                name: str_at(c, &["name"]).map_or_else(|| format!("{}[{i}]", role.field()), str::to_string),
                role,
                profile,
                set_at,
                privileged: c.pointer("/securityContext/privileged").and_then(Value::as_bool) == Some(true),
            });
        }
    }
    out
}

/// One verdict about a workload or container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub level: Level,
    pub id: &'static str,
    pub message: String,
}

fn problem(level: Level, id: &'static str, message: impl Into<String>) -> Problem {
    Problem { level, id, message: message.into() }
}

/// What was found for one Localhost profile path (checked once however many containers use it).
#[derive(Debug, Clone)]
pub struct ProfileReport {
    /// The `localhostProfile` as written in the pod spec.
    pub localhost: String,
    /// The file under the root (`None` when the path itself is refused).
    pub file: Option<PathBuf>,
    pub state: ProfileState,
}

#[derive(Debug, Clone)]
pub enum ProfileState {
    /// The path is absolute or has `..`: the API server refuses the pod.
    InvalidPath(String),
    Missing,
    /// Unreadable, not JSON, or with load errors: the runtime refuses it.
    Unusable(String),
    Loaded {
        findings: Vec<Finding>,
        /// Why no container can start under it (lint errors, runc's syscalls, compile failure).
        blocking: Vec<String>,
        /// BPF instructions, when it compiled.
        instructions: Option<usize>,
    },
}

/// Lint ids that mean the container does not start. `runtime-syscalls-denied` is a warning for
/// `check` (the calls partly depend on timing) but it is exactly the "runc run failed" a pod
/// check is for.
pub fn blocks_start(f: &Finding) -> bool {
    f.level == Level::Error || f.id == "runtime-syscalls-denied"
}

/// Checks one Localhost profile: exists, loads, lints, compiles.
pub fn check_profile(root: &Path, localhost: &str, ctx: &Context) -> ProfileReport {
    let report = |file, state| ProfileReport { localhost: localhost.to_string(), file, state };
    let rel = match localhost_path(localhost) {
        Ok(rel) => rel,
        Err(why) => return report(None, ProfileState::InvalidPath(why)),
    };
    let file = resolve_path(root, &rel);
    if !file.exists() {
        return report(Some(file), ProfileState::Missing);
    }
    let doc = match Document::open(&file) {
        Ok(doc) => doc,
        Err(e) => return report(Some(file), ProfileState::Unusable(e.to_string())),
    };
    let findings = lint(&doc, ctx);
    let mut blocking: Vec<String> =
        findings.iter().filter(|f| blocks_start(f)).map(|f| format!("{}: {}", f.id, f.message)).collect();
    let mut instructions = None;
    if !doc.has_errors() {
        // The evaluator's refusal is already a `runtime-refuses` finding; only compile is new.
        if let Ok(ev) = Evaluator::new(&doc.profile, ctx) {
            match compile(&ev) {
                Ok(c) => instructions = Some(c.program.len()),
                Err(e) => blocking.push(format!("does not compile to BPF: {e}")),
            }
        }
    }
    report(Some(file), ProfileState::Loaded { findings, blocking, instructions })
}

/// A container's verdicts.
#[derive(Debug, Clone)]
pub struct ContainerReport {
    pub container: Resolved,
    pub problems: Vec<Problem>,
}

impl ContainerReport {
    /// The worst level among its problems.
    pub fn level(&self) -> Level {
        self.problems.iter().map(|p| p.level).max().unwrap_or(Level::Info)
    }
}

#[derive(Debug, Clone)]
pub struct WorkloadReport {
    pub origin: Origin,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// About the workload as a whole (deprecated annotations, no containers).
    pub problems: Vec<Problem>,
    pub containers: Vec<ContainerReport>,
}

/// Everything `check-pod` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub workloads: Vec<WorkloadReport>,
    /// Each Localhost profile once, in order of first use.
    pub profiles: Vec<ProfileReport>,
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// Every problem, workload- and container-level.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.workloads.iter().flat_map(|w| w.problems.iter().chain(w.containers.iter().flat_map(|c| &c.problems)))
    }

    pub fn has_errors(&self) -> bool {
        self.problems().any(|p| p.level == Level::Error)
    }
}

/// Checks every workload of the manifests against the profiles under `root`.
pub fn check(manifests: &[Manifest], root: &Path, ctx: &Context) -> Report {
    let mut report = Report::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for manifest in manifests {
        report.skipped.extend(manifest.skipped.iter().cloned());
        for w in &manifest.workloads {
            let containers = resolve(&w.pod_spec)
                .into_iter()
                .map(|c| {
                    let profile = match &c.profile {
                        Some(ProfileType::Localhost(Some(path))) => {
                            let index = *seen.entry(path.clone()).or_insert_with(|| {
                                report.profiles.push(check_profile(root, path, ctx));
                                report.profiles.len() - 1
                            });
                            Some(&report.profiles[index])
                        }
                        _ => None,
                    };
                    let problems = container_problems(&c, profile, root);
                    ContainerReport { container: c, problems }
                })
                .collect();
            report.workloads.push(WorkloadReport {
                origin: w.origin.clone(),
                kind: w.kind.clone(),
                name: w.name.clone(),
                namespace: w.namespace.clone(),
                problems: workload_problems(w),
                containers,
            });
        }
    }
    report
}

/// The deprecated annotations, and a pod without containers.
fn workload_problems(w: &Workload) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(annotations) = w.pod_annotations.as_object() {
        for (key, value) in annotations {
            let deprecated = key == "seccomp.security.alpha.kubernetes.io/pod"
                || key.starts_with("container.seccomp.security.alpha.kubernetes.io/");
            if deprecated {
                out.push(problem(
                    Level::Warning,
                    "deprecated-annotation",
                    format!(
                        "annotation {key}: {} is ignored by the kubelet since Kubernetes 1.27; set securityContext.seccompProfile instead",
                        value.as_str().unwrap_or("?")
                    ),
                ));
            }
        }
    }
    if resolve(&w.pod_spec).is_empty() {
        out.push(problem(Level::Warning, "no-containers", "the pod spec lists no containers"));
    }
    out
}

/// The verdicts for one container, given the report on its Localhost profile (if any).
pub fn container_problems(c: &Resolved, profile: Option<&ProfileReport>, root: &Path) -> Vec<Problem> {
    let mut out = match &c.profile {
        None => vec![problem(
            Level::Warning,
            "seccomp-unset",
            "no seccompProfile: runs Unconfined unless the kubelet has --seccomp-default (then RuntimeDefault)",
        )],
        Some(ProfileType::Unconfined) => {
            vec![problem(Level::Warning, "unconfined", "no seccomp filter: every syscall is allowed")]
        }
        Some(ProfileType::RuntimeDefault) => {
            vec![problem(Level::Info, "runtime-default", "the container runtime's default profile")]
        }
        Some(ProfileType::Other(t)) => vec![problem(
            Level::Error,
            "unknown-type",
            format!("seccompProfile type \"{t}\": the API server accepts only Localhost, RuntimeDefault, Unconfined"),
        )],
        Some(ProfileType::Localhost(None)) => vec![problem(
            Level::Error,
            "localhost-without-path",
            "type Localhost without localhostProfile: the API server refuses the pod",
        )],
        Some(ProfileType::Localhost(Some(_))) => profile.map(|p| localhost_problems(p, root)).unwrap_or_default(),
    };
    if c.privileged {
        // containerd and CRI-O install no filter for a privileged container: whatever the
        // profile is, it is not applied, so its problems cannot stop the container either.
        for p in &mut out {
            if p.level == Level::Error {
                p.level = Level::Warning;
                p.message.push_str(" (not applied: the container is privileged)");
            }
        }
        out.insert(
            0,
            problem(Level::Warning, "privileged", "privileged: seccomp does not apply, no filter is installed"),
        );
    }
    out
}

fn localhost_problems(p: &ProfileReport, root: &Path) -> Vec<Problem> {
    vec![match &p.state {
        ProfileState::InvalidPath(why) => problem(Level::Error, "localhost-path-invalid", why.clone()),
        ProfileState::Missing => {
            let file = p.file.clone().unwrap_or_else(|| resolve_path(root, &p.localhost));
            let message = format!("{} does not exist: the pod fails with CreateContainerError", file.display());
            problem(Level::Error, "profile-missing", message)
        }
        ProfileState::Unusable(why) => {
            problem(Level::Error, "profile-unusable", format!("the runtime cannot use the profile: {why}"))
        }
        ProfileState::Loaded { blocking, .. } if !blocking.is_empty() => {
            let ids: Vec<&str> = blocking.iter().map(|b| b.split(':').next().unwrap_or(b)).collect();
            let message = format!("the container cannot start under this profile ({})", ids.join(", "));
            problem(Level::Error, "profile-cannot-start", message)
        }
        ProfileState::Loaded { findings, .. } => {
            let warnings = findings.iter().filter(|f| f.level == Level::Warning).count();
            problem(
                Level::Info,
                "localhost",
                format!("profile found, {}", crate::text::count(warnings, "lint warning")),
            )
        }
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn localhost(p: &str) -> Option<ProfileType> {
        Some(ProfileType::Localhost(Some(p.to_string())))
    }

    #[test]
    fn container_level_overrides_pod_level() {
        let spec = json!({
            "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/a.json"}},
            "initContainers": [{"name": "init"}],
            "containers": [
                {"name": "app"},
                {"name": "side", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
            ],
            "ephemeralContainers": [{"name": "debug", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}],
        });
        let got: Vec<(String, Role, Option<ProfileType>, SetAt)> =
            resolve(&spec).into_iter().map(|r| (r.name, r.role, r.profile, r.set_at)).collect();
        assert_eq!(
            got,
            [
                ("init".into(), Role::Init, localhost("profiles/a.json"), SetAt::Pod),
                ("app".into(), Role::Container, localhost("profiles/a.json"), SetAt::Pod),
                ("side".into(), Role::Container, Some(ProfileType::RuntimeDefault), SetAt::Container),
                ("debug".into(), Role::Ephemeral, Some(ProfileType::Unconfined), SetAt::Container),
            ]
        );
    }

    #[test]
    fn unset_everywhere_is_unset_and_a_warning() {
        let spec = json!({"securityContext": {"runAsUser": 1}, "containers": [{"name": "a", "securityContext": {"seccompProfile": null}}]});
        let r = resolve(&spec);
        assert_eq!((r[0].profile.clone(), r[0].set_at), (None, SetAt::Unset));
        let problems = container_problems(&r[0], None, Path::new("/r"));
        assert_eq!(problems[0].id, "seccomp-unset");
        assert_eq!(problems[0].level, Level::Warning);
        assert!(problems[0].message.contains("--seccomp-default"));
    }

    #[test]
    fn odd_types_and_missing_paths_are_errors() {
        let spec = json!({"containers": [
            {"name": "a", "securityContext": {"seccompProfile": {"type": "Localhost"}}},
            {"name": "b", "securityContext": {"seccompProfile": {"type": "runtime/default"}}},
        ]});
        let ids: Vec<&str> = resolve(&spec)
            .iter()
            .flat_map(|c| container_problems(c, None, Path::new("/r")))
            .map(|p| {
                assert_eq!(p.level, Level::Error);
                p.id
            })
            .collect();
        assert_eq!(ids, ["localhost-without-path", "unknown-type"]);
    }

    #[test]
    fn privileged_containers_warn_and_do_not_fail_on_their_profile() {
        let spec = json!({"containers": [{"name": "p", "securityContext": {"privileged": true,
            "seccompProfile": {"type": "Localhost", "localhostProfile": "nope.json"}}}]});
        let c = &resolve(&spec)[0];
        assert!(c.privileged);
        let ctx = Context::for_engine(crate::policy::context::Engine::Containerd);
        let missing = check_profile(Path::new("/nonexistent-root"), "nope.json", &ctx);
        assert!(matches!(missing.state, ProfileState::Missing));
        let problems = container_problems(c, Some(&missing), Path::new("/nonexistent-root"));
        let got: Vec<(&str, Level)> = problems.iter().map(|p| (p.id, p.level)).collect();
        assert_eq!(got, [("privileged", Level::Warning), ("profile-missing", Level::Warning)]);
    }

    #[test]
    fn escaping_paths_are_refused_before_touching_the_disk() {
        let ctx = Context::for_engine(crate::policy::context::Engine::Containerd);
        let r = check_profile(Path::new("/r"), "../../etc/passwd", &ctx);
        assert!(matches!(r.state, ProfileState::InvalidPath(ref why) if why.contains("..")), "{r:?}");
        assert!(r.file.is_none());
    }
}
