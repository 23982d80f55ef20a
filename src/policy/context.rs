//! The editing context: which engine loads the profile, on what host, with which capabilities.

use super::runtime::{Provenance, Runtime, RuntimeKind, detect};
use crate::catalog::Arch;
use crate::profile::KernelVersion;
use std::collections::BTreeSet;
use std::fmt;

/// The software that turns a profile file into the OCI spec runc or crun installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// dockerd (moby): resolves includes/excludes, archMap, the deprecated `name`.
    Docker,
    /// podman and CRI-O (containers/common): as docker, plus errno names.
    Podman,
    /// containerd (Kubernetes Localhost profiles): the file is decoded straight into the OCI
    /// struct, so includes/excludes/archMap/name are ignored.
    Containerd,
    /// A raw OCI `config.json` `linux.seccomp`: as containerd.
    Oci,
}

impl Engine {
    pub const ALL: [Engine; 4] = [Engine::Docker, Engine::Podman, Engine::Containerd, Engine::Oci];

    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
            Engine::Containerd => "containerd",
            Engine::Oci => "oci",
        }
    }

    pub fn parse(text: &str) -> Option<Engine> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "docker" | "moby" | "dockerd" => Some(Engine::Docker),
            "podman" | "cri-o" | "crio" | "containers-common" => Some(Engine::Podman),
            "containerd" | "kubernetes" | "k8s" => Some(Engine::Containerd),
            "oci" | "runc" | "crun" => Some(Engine::Oci),
            _ => None,
        }
    }

    /// The runtime each engine uses by default: docker and containerd ship runc, podman crun.
    pub fn runtime(self) -> RuntimeKind {
        match self {
            Engine::Podman => RuntimeKind::Crun,
            _ => RuntimeKind::Runc,
        }
    }

    /// Whether the engine evaluates `includes`, `excludes` and `archMap`.
    pub fn resolves_conditions(self) -> bool {
        matches!(self, Engine::Docker | Engine::Podman)
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Docker's default capability set (moby `oci/caps/defaults.go`).
pub const DOCKER_DEFAULT_CAPS: [&str; 14] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// Podman's default capability set (containers/common `DefaultCapabilities`): Docker's
/// without CAP_MKNOD, CAP_NET_RAW and CAP_AUDIT_WRITE.
pub const PODMAN_DEFAULT_CAPS: [&str; 11] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

impl Engine {
    /// The capabilities a container gets from this engine when none are added or dropped
    /// (containerd's default spec has Docker's 14).
    pub fn default_caps(self) -> &'static [&'static str] {
        match self {
            Engine::Podman => &PODMAN_DEFAULT_CAPS,
            _ => &DOCKER_DEFAULT_CAPS,
        }
    }
}

/// Everything that decides what a profile enforces besides the profile itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub engine: Engine,
    /// The host's architecture: the native arch of the filter, and the `archMap` key.
    pub native: Arch,
    /// The container's capabilities (bounding set), `CAP_*` spelling.
    pub caps: BTreeSet<String>,
    pub kernel: KernelVersion,
    /// The runtime that installs the filter, its version and its libseccomp.
    pub runtime: Runtime,
}

impl Default for Context {
    fn default() -> Context {
        Context::for_engine(Engine::Docker)
    }
}

impl Context {
    /// This host, with the engine's default capabilities and the newest release of its runtime
    /// (deterministic: nothing is detected; see [`Context::detected`]).
    pub fn for_engine(engine: Engine) -> Context {
        Context {
            engine,
            native: Arch::host(),
            caps: engine.default_caps().iter().map(|c| c.to_string()).collect(),
            kernel: running_kernel(),
            runtime: Runtime::newest(engine.runtime()),
        }
    }

    /// This host, with the runtime found on it (`runc`/`crun` on `PATH`, the host's libseccomp).
    pub fn detected(engine: Engine) -> Context {
        Context { runtime: detect::detected(engine.runtime()), ..Context::for_engine(engine) }
    }

    /// The same context under another engine. The runtime follows the engine (docker's runc,
    /// podman's crun) unless it was chosen apart from it; a detected runtime is detected again.
    pub fn with_engine(&self, engine: Engine) -> Context {
        let follows = self.runtime.kind == self.engine.runtime();
        let runtime = if follows && engine.runtime() != self.runtime.kind {
            match self.runtime.provenance {
                Provenance::Detected => detect::detected(engine.runtime()),
                _ => Runtime { kind: engine.runtime(), version: None, provenance: Provenance::Newest, ..self.runtime },
            }
        } else {
            self.runtime.clone()
        };
        Context { engine, runtime, ..self.clone() }
    }

    pub fn has_cap(&self, cap: &str) -> bool {
        self.caps.contains(cap)
    }

    /// One line for status bars and reports:
    /// `docker · x86_64 · docker default caps · kernel 6.18 · runc 1.1.5 · libseccomp 2.5.4 (host)`.
    pub fn summary(&self) -> String {
        format!("{} · {}", self.node_summary(), self.runtime)
    }

    /// The context without the runtime: `docker · x86_64 · docker default caps · kernel 6.18`.
    pub fn node_summary(&self) -> String {
        let caps =
            if self.caps.len() == DOCKER_DEFAULT_CAPS.len() && DOCKER_DEFAULT_CAPS.iter().all(|c| self.has_cap(c)) {
                "docker default caps".to_string()
            } else {
                format!("{} caps", self.caps.len())
            };
        format!("{} · {} · {caps} · kernel {}", self.engine, self.native, self.kernel)
    }
}

/// Normalises a capability name: `sys_admin`, `SYS_ADMIN` and `CAP_SYS_ADMIN` are the same.
pub fn normalize_cap(text: &str) -> String {
    let upper = text.trim().to_ascii_uppercase();
    if upper.starts_with("CAP_") { upper } else { format!("CAP_{upper}") }
}

/// The kernel this program runs on (`/proc/sys/kernel/osrelease`), or 6.1 if unreadable.
pub fn running_kernel() -> KernelVersion {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .and_then(|s| KernelVersion::parse(&s))
        .unwrap_or(KernelVersion { major: 6, minor: 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_docker() {
        let ctx = Context::default();
        assert_eq!(ctx.engine, Engine::Docker);
        assert_eq!(ctx.caps.len(), 14);
        assert!(!ctx.has_cap("CAP_SYS_ADMIN"));
        assert_eq!(normalize_cap("sys_admin"), "CAP_SYS_ADMIN");
        assert_eq!(Engine::parse("CRI-O"), Some(Engine::Podman));
    }
}
