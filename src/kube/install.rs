//! Installing a profile on a node: where under the kubelet's seccomp root it goes, and the
//! `securityContext` snippets that point a pod at it.

use crate::fsutil::beneath::{BeneathError, Dir, Existing, Root};
use std::ffi::OsStr;
use std::fs::Metadata;
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

/// The directories and the file name of a checked Localhost path.
fn split(localhost: &str) -> (Vec<&OsStr>, &OsStr) {
    let mut parts: Vec<&OsStr> = Path::new(localhost).iter().collect();
    let name = parts.pop().unwrap_or_default();
    (parts, name)
}

/// Compares what is at the target with the bytes to install; also gives the old file's
/// metadata (owner and mode to keep).
fn inspect(dir: &Dir, name: &OsStr, bytes: &[u8]) -> Result<(Outcome, Option<Metadata>), BeneathError> {
    Ok(match dir.existing(name)? {
        Existing::Missing => (Outcome::New, None),
        Existing::Regular(old, _) if old == bytes => (Outcome::AlreadyInstalled, None),
        Existing::Regular(_, meta) => (Outcome::Replaced, Some(meta)),
    })
}

/// What installing `bytes` at `localhost` (checked with [`localhost_path`]) under `root` would
/// do, writing nothing. Nothing beneath the root is followed if it is a symlink, and a target
/// that is not a regular file (a FIFO, a device, a directory) is refused, never opened.
pub fn outcome(root: &Path, localhost: &str, bytes: &[u8]) -> Result<Outcome, BeneathError> {
    if !root.exists() {
        return Ok(Outcome::New);
    }
    let (parts, name) = split(localhost);
    match Root::open(root)?.dir(&parts, false)? {
        None => Ok(Outcome::New),
        Some(dir) => Ok(inspect(&dir, name, bytes)?.0),
    }
}

/// Installs `bytes` at `localhost` under `root`: the missing directories are created beneath
/// the root, the file is replaced atomically within its directory and keeps its owner and
/// mode (no half-written profile on a node, ever). Does nothing when already installed.
pub fn write(root: &Path, localhost: &str, bytes: &[u8]) -> Result<Outcome, BeneathError> {
    // The root itself is the administrator's path: created as given, symlinks and all.
    std::fs::create_dir_all(root).map_err(|source| BeneathError::Io { path: root.to_path_buf(), source })?;
    let (parts, name) = split(localhost);
    let dir = Root::open(root)?.dir(&parts, true)?.expect("missing directories are created");
    let (result, meta) = inspect(&dir, name, bytes)?;
    if result != Outcome::AlreadyInstalled {
        dir.replace(name, bytes, meta.as_ref())?;
    }
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
        let target = "profiles/nested/a.json";
        assert_eq!(outcome(&dir, target, b"one").unwrap(), Outcome::New);
        assert_eq!(write(&dir, target, b"one").unwrap(), Outcome::New);
        assert_eq!(write(&dir, target, b"one").unwrap(), Outcome::AlreadyInstalled);
        assert_eq!(outcome(&dir, target, b"two").unwrap(), Outcome::Replaced);
        assert_eq!(write(&dir, target, b"two").unwrap(), Outcome::Replaced);
        assert_eq!(std::fs::read(dir.join(target)).unwrap(), b"two");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
