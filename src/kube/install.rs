//! Installing a profile on a node: where under the kubelet's seccomp root it goes, and the
//! `securityContext` snippets that point a pod at it.

use std::path::{Component, Path, PathBuf};

/// Where the kubelet looks for Localhost profiles (its `--seccomp-profile-root` is gone; this is
/// `<root-dir>/seccomp` with the default root dir).
pub const DEFAULT_ROOT: &str = "/var/lib/kubelet/seccomp";

/// Checks a `localhostProfile` path as the API server does: relative, without `..`, naming a
/// file. Returns it without `.` components (what to write in the pod spec).
pub fn localhost_path(path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err("the profile path is empty".into());
    }
    let mut parts = Vec::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!(
                    "\"{path}\" contains \"..\": Kubernetes refuses it (a Localhost profile must stay under the seccomp root)"
                ));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "\"{path}\" is absolute: a Localhost profile path is relative to the kubelet's seccomp root"
                ));
            }
        }
    }
    if parts.is_empty() || path.ends_with('/') {
        return Err(format!("\"{path}\" names a directory, not a profile file"));
    }
    Ok(parts.join("/"))
}

/// The default `--as` for a profile given as FILE: `profiles/<stem>.json`.
pub fn default_target(file: &Path) -> String {
    let stem = file.file_stem().map_or_else(|| "profile".into(), |s| s.to_string_lossy().into_owned());
    format!("profiles/{stem}.json")
}

/// The file a Localhost path names under `root`.
pub fn resolve(root: &Path, localhost: &str) -> PathBuf {
    root.join(localhost)
}

/// What installing does (or would do) to the target file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// There was no file.
    New,
    /// There was a file with other content: an update.
    Replaced,
    /// The same bytes are already there: nothing to write.
    AlreadyInstalled,
}

/// Compares the target with the bytes to install.
pub fn outcome(target: &Path, bytes: &[u8]) -> Outcome {
    match std::fs::read(target) {
        Ok(existing) if existing == bytes => Outcome::AlreadyInstalled,
        Ok(_) => Outcome::Replaced,
        // Unreadable counts as other content: writing will say what is wrong, if anything.
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Outcome::Replaced,
        Err(_) => Outcome::New,
    }
}

/// Creates the missing parent directories and writes atomically (no half-written profile on
/// a node, ever). Does nothing for [`Outcome::AlreadyInstalled`].
pub fn write(target: &Path, bytes: &[u8]) -> std::io::Result<Outcome> {
    let result = outcome(target, bytes);
    if result == Outcome::AlreadyInstalled {
        return Ok(result);
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    crate::profile::document::write_atomically(target, bytes)?;
    Ok(result)
}

/// The `securityContext` for a whole pod (`spec.securityContext`), as YAML to paste.
pub fn pod_snippet(localhost: &str) -> String {
    format!(
        "spec:\n  securityContext:\n    seccompProfile:\n      type: Localhost\n      localhostProfile: {localhost}\n"
    )
}

/// The `securityContext` for one container (`spec.containers[]`), as YAML to paste.
pub fn container_snippet(localhost: &str) -> String {
    format!(
        "containers:\n- name: NAME\n  securityContext:\n    seccompProfile:\n      type: Localhost\n      localhostProfile: {localhost}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_paths_follow_the_api_server_rules() {
        assert_eq!(localhost_path("profiles/a.json").unwrap(), "profiles/a.json");
        assert_eq!(localhost_path("./profiles/./a.json").unwrap(), "profiles/a.json");
        assert!(localhost_path("../a.json").unwrap_err().contains(".."));
        assert!(localhost_path("profiles/../../etc/passwd").unwrap_err().contains(".."));
        assert!(localhost_path("/etc/a.json").unwrap_err().contains("absolute"));
        assert!(localhost_path("").is_err());
        assert!(localhost_path("profiles/").unwrap_err().contains("directory"));
        assert!(localhost_path(".").unwrap_err().contains("directory"));
    }

    #[test]
    fn default_target_uses_the_file_stem() {
        assert_eq!(default_target(Path::new("dir/web.json")), "profiles/web.json");
        assert_eq!(default_target(Path::new("runtime-default")), "profiles/runtime-default.json");
    }

    #[test]
    fn writing_reports_new_replaced_and_already_installed() {
        let dir = std::env::temp_dir().join(format!("seccompose-kube-install-{}", std::process::id()));
        let target = dir.join("profiles/nested/a.json");
        assert_eq!(write(&target, b"one").unwrap(), Outcome::New);
        assert_eq!(write(&target, b"one").unwrap(), Outcome::AlreadyInstalled);
        assert_eq!(write(&target, b"two").unwrap(), Outcome::Replaced);
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
