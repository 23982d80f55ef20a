//! The runtime flags every context takes: `--runtime`, `--runtime-version`, `--libseccomp`.

use crate::catalog::{Libseccomp, Version};
use crate::policy::context::Engine;
use crate::policy::runtime::spelling::{parse_libseccomp, parse_runtime, parse_version};
use crate::policy::runtime::{Provenance, Runtime, RuntimeKind, detect};
use clap::Args;

#[derive(Debug, Clone, Default, Args)]
pub struct RuntimeArgs {
    /// Runtime that installs the filter, optionally with its version: runc, crun, runc@1.1.5
    /// (default: the engine's, runc for docker/containerd/oci, crun for podman).
    #[arg(long, value_name = "NAME[@X.Y.Z]", value_parser = parse_runtime)]
    pub runtime: Option<(RuntimeKind, Option<Version>)>,
    /// Version of the runtime, X.Y.Z (default: what `runc --version` / `crun --version` on PATH
    /// prints; none found: the newest behaviour).
    #[arg(long, value_name = "X.Y.Z", value_parser = parse_version)]
    pub runtime_version: Option<Version>,
    /// libseccomp the runtime links: a release (2.5.4), `host` (this machine's libseccomp.so.2,
    /// asked at run time) or `latest` (default: host, else the version runc reports, else latest).
    #[arg(long, value_name = "VERSION|host|latest", value_parser = parse_libseccomp)]
    pub libseccomp: Option<&'static Libseccomp>,
}

impl RuntimeArgs {
    /// Which runtime installs the filter under `engine`: the one given, else the engine's.
    pub fn kind(&self, engine: Engine) -> RuntimeKind {
        self.runtime.map_or(engine.runtime(), |(kind, _)| kind)
    }

    /// The runtime for `engine`: what the flags say, the rest detected on this host.
    pub fn runtime(&self, engine: Engine) -> Runtime {
        let (kind, pinned) = self.runtime.unwrap_or((engine.runtime(), None));
        let version = self.runtime_version.or(pinned);
        if let (Some(version), Some(libseccomp)) = (version, self.libseccomp) {
            // Everything given: nothing to detect (no `runc --version` run).
            return Runtime { kind, version: Some(version), libseccomp, provenance: Provenance::Given };
        }
        let mut runtime = detect::detected(kind);
        if let Some(v) = version {
            runtime.version = Some(v);
            runtime.provenance = Provenance::Given;
        }
        if let Some(lib) = self.libseccomp {
            runtime.libseccomp = lib;
        }
        runtime
    }
}
