//! The OCI bundle seccompose runs: a config.json made for a root filesystem (`--rootfs`), or a
//! user's bundle (`--bundle`) with only `linux.seccomp` replaced (and the command, when given).
//!
//! A user's config.json is checked against the runtime-spec types (oci-spec) for a located
//! error, then edited as JSON, so fields the types do not know are kept as written.

use oci_spec::runtime::{LinuxSeccomp, Spec};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What to run the command in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A root filesystem: seccompose writes the whole config (runc's defaults).
    Rootfs(PathBuf),
    /// An OCI bundle directory with its own config.json.
    Bundle(PathBuf),
}

/// The PATH runc's `runc spec` gives a container, used when the config sets none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{0}: not a directory (--rootfs wants a root filesystem, e.g. from `docker export`)")]
    NotADirectory(PathBuf),
    #[error("{path}: cannot read: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{0}: not an OCI config: {1}")]
    Shape(PathBuf, &'static str),
    #[error("no command: give one after `--` (the bundle's config.json has no process.args)")]
    NoCommand,
    #[error("{command}: not found in the container's root filesystem {rootfs} (looked {looked})")]
    CommandMissing { command: String, rootfs: PathBuf, looked: String },
}

/// The config.json for `target`, with `seccomp` as `linux.seccomp` and `command` (when not
/// empty) as the process's arguments. `terminal` is used for a root filesystem only (a bundle
/// keeps its own). The command is checked to exist in the root filesystem.
pub fn config(
    target: &Target,
    command: &[String],
    seccomp: &LinuxSeccomp,
    terminal: bool,
) -> Result<Value, BundleError> {
    let mut config = match target {
        Target::Rootfs(rootfs) => rootfs_config(rootfs, terminal)?,
        Target::Bundle(dir) => bundle_config(dir)?,
    };
    let seccomp = serde_json::to_value(seccomp).expect("serializable");
    config["linux"]["seccomp"] = seccomp;
    if !command.is_empty() {
        config["process"]["args"] = Value::from(command.to_vec());
    }
    check_command(&config)?;
    Ok(config)
}

/// runc's own defaults (`runc spec`: namespaces, mounts, capabilities, no new privileges) with
/// a read-only root at `rootfs`.
fn rootfs_config(rootfs: &Path, terminal: bool) -> Result<Value, BundleError> {
    if !rootfs.is_dir() {
        return Err(BundleError::NotADirectory(rootfs.to_path_buf()));
    }
    let absolute = std::path::absolute(rootfs).map_err(|e| read_error(rootfs, &e))?;
    let mut config = serde_json::to_value(Spec::default()).expect("serializable");
    config["root"] = serde_json::json!({"path": absolute, "readonly": true});
    config["hostname"] = Value::from("seccompose");
    config["process"]["terminal"] = Value::from(terminal);
    Ok(config)
}

/// The bundle's config.json, validated, with its root path made absolute (the config seccompose
/// writes lives in another directory).
fn bundle_config(dir: &Path) -> Result<Value, BundleError> {
    let path = dir.join("config.json");
    let text = crate::fsutil::read::read_text(&path).map_err(|e| read_error(&path, &e))?;
    let located = |e: serde_json::Error| BundleError::Invalid {
        path: path.clone(),
        line: e.line(),
        column: e.column(),
        message: e.to_string().rsplit_once(" at line ").map_or_else(|| e.to_string(), |(m, _)| m.to_string()),
    };
    let mut config: Value = serde_json::from_str(&text).map_err(located)?;
    serde_json::from_str::<Spec>(&text).map_err(located)?;
    let root = config["root"]["path"].as_str().ok_or(BundleError::Shape(path.clone(), "it has no root.path"))?;
    let root = dir.join(root);
    let absolute = std::path::absolute(&root).map_err(|e| read_error(&root, &e))?;
    config["root"]["path"] = Value::from(absolute.to_string_lossy().into_owned());
    if !config["process"].is_object() {
        return Err(BundleError::Shape(path, "it has no process"));
    }
    Ok(config)
}

fn read_error(path: &Path, e: &std::io::Error) -> BundleError {
    BundleError::Read { path: path.to_path_buf(), reason: crate::fsutil::reason(e) }
}

/// The command must be an executable file inside the root filesystem, found as runc finds it:
/// a path with a slash from the working directory, a bare name on the process's PATH.
fn check_command(config: &Value) -> Result<(), BundleError> {
    let command = match config["process"]["args"].as_array().and_then(|a| a.first()).and_then(Value::as_str) {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => return Err(BundleError::NoCommand),
    };
    let rootfs = PathBuf::from(config["root"]["path"].as_str().unwrap_or_default());
    let candidates: Vec<String> = if command.contains('/') {
        let cwd = config["process"]["cwd"].as_str().unwrap_or("/");
        vec![if command.starts_with('/') { command.clone() } else { format!("{cwd}/{command}") }]
    } else {
        let path = env_path(config).unwrap_or_else(|| DEFAULT_PATH.to_string());
        path.split(':').filter(|d| !d.is_empty()).map(|d| format!("{d}/{command}")).collect()
    };
    if candidates.iter().any(|c| executable_in(&rootfs, c)) {
        return Ok(());
    }
    let looked = if candidates.len() == 1 {
        format!("for {}", candidates[0])
    } else {
        format!("in PATH: {}", candidates.join(", "))
    };
    Err(BundleError::CommandMissing { command, rootfs, looked })
}

fn env_path(config: &Value) -> Option<String> {
    let env = config["process"]["env"].as_array()?;
    env.iter().filter_map(Value::as_str).find_map(|e| e.strip_prefix("PATH=")).map(str::to_string)
}

/// Whether `path` names an executable regular file with `rootfs` as `/` (symlinks resolved
/// inside it, as in the container).
pub fn executable_in(rootfs: &Path, path: &str) -> bool {
    use rustix::fs::{Mode, OFlags, ResolveFlags, fstat, open, openat2};
    let Ok(root) = open(rootfs, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()) else {
        return false;
    };
    let Ok(fd) = openat2(
        &root,
        path.trim_start_matches('/'),
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::IN_ROOT,
    ) else {
        return false;
    };
    fstat(&fd).is_ok_and(|st| {
        let mode = rustix::fs::FileType::from_raw_mode(st.st_mode);
        mode == rustix::fs::FileType::RegularFile && st.st_mode & 0o111 != 0
    })
}

/// Whether the config maps users in a user namespace: what runc needs to run without root.
pub fn is_rootless(config: &Value) -> bool {
    let has_userns = config["linux"]["namespaces"].as_array().is_some_and(|ns| ns.iter().any(|n| n["type"] == "user"));
    has_userns && config["linux"]["uidMappings"].as_array().is_some_and(|m| !m.is_empty())
}

/// Writes `config` as `dir/config.json` (dir is seccompose's own, mode 0700).
pub fn write(dir: &Path, config: &Value) -> std::io::Result<PathBuf> {
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec_pretty(config).expect("serializable"))?;
    Ok(path)
}

#[cfg(test)]
mod tests;
