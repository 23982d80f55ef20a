//! How a runtime is written on the command line and in the editor: `runc@1.1.5`, `crun`,
//! `libseccomp@2.5.4`, `host`, and `runc@1.1.5,libseccomp@2.5.4` for one node generation.

use super::{Runtime, RuntimeKind, detect};
use crate::catalog::{Libseccomp, Version};
use crate::policy::context::Context;

/// `runc`, `crun@1.8.1`.
pub fn parse_runtime(s: &str) -> Result<(RuntimeKind, Option<Version>), String> {
    let (name, version) = match s.split_once('@') {
        Some((n, v)) => (n, Some(parse_version(v)?)),
        None => (s, None),
    };
    let kind = RuntimeKind::parse(name).ok_or_else(|| format!("unknown runtime \"{name}\" (use runc or crun)"))?;
    Ok((kind, version))
}

pub fn parse_version(s: &str) -> Result<Version, String> {
    Version::parse(s).ok_or_else(|| format!("\"{s}\" is not a version (write X.Y.Z, e.g. 1.1.5)"))
}

/// `2.5.4`, `host`, `latest`.
pub fn parse_libseccomp(s: &str) -> Result<&'static Libseccomp, String> {
    match s.trim() {
        "latest" => Ok(Libseccomp::latest()),
        "host" => Libseccomp::host().ok_or_else(|| {
            "the host's libseccomp.so.2 could not be loaded (install libseccomp2, or name a release: --libseccomp 2.5.4)"
                .to_string()
        }),
        text => Libseccomp::release(parse_version(text)?),
    }
}

/// One node generation: `runc@1.1.5`, `crun`, `runc@1.1.5,libseccomp@2.5.4`, or `host` (what
/// this machine has). The engine's runtime when the name is left out: `libseccomp@2.6.0`.
pub fn parse_node(s: &str) -> Result<NodeSpec, String> {
    let mut spec = NodeSpec::default();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "host" {
            spec.host = true;
        } else if let Some(lib) = part.strip_prefix("libseccomp@").or_else(|| part.strip_prefix("libseccomp=")) {
            spec.libseccomp = Some(parse_libseccomp(lib)?);
        } else {
            spec.runtime = Some(
                parse_runtime(part)
                    .map_err(|e| format!("{e}; write e.g. runc@1.1.5,libseccomp@2.5.4, crun@1.8.1 or host"))?,
            );
        }
    }
    Ok(spec)
}

/// A parsed [`parse_node`] spelling.
#[derive(Debug, Clone, Default)]
pub struct NodeSpec {
    pub runtime: Option<(RuntimeKind, Option<Version>)>,
    pub libseccomp: Option<&'static Libseccomp>,
    /// `host`: detect what the spelling leaves out; otherwise the newest behaviour fills it.
    pub host: bool,
}

impl NodeSpec {
    /// `ctx` with this node's runtime. What the spelling leaves out comes from `ctx` (same
    /// runtime: its version; another runtime: the one on this host, else the newest), and
    /// `host` takes it from this machine.
    pub fn apply(&self, ctx: &Context) -> Context {
        let current = &ctx.runtime;
        let (kind, version) = self.runtime.unwrap_or((current.kind, None));
        let base = if self.host || kind != current.kind { detect::detected(kind) } else { current.clone() };
        let runtime = match version {
            Some(v) => Runtime::given(kind, Some(v), base.libseccomp),
            None => base,
        };
        let libseccomp = match (self.libseccomp, self.host) {
            (Some(l), _) => l,
            (None, true) => runtime.libseccomp,
            (None, false) => current.libseccomp,
        };
        Context { runtime: Runtime { libseccomp, ..runtime }, ..ctx.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_spellings_parse() {
        let n = parse_node("runc@1.1.5,libseccomp@2.5.4").unwrap();
        assert_eq!(n.runtime, Some((RuntimeKind::Runc, Some(Version::new(1, 1, 5)))));
        assert_eq!(n.libseccomp.and_then(|l| l.version()), Some(Version::new(2, 5, 4)));
        assert!(parse_node("host").unwrap().host);
        assert!(parse_node("rkt@1.0").unwrap_err().contains("unknown runtime \"rkt\""));
        assert!(parse_runtime("runc@x").unwrap_err().contains("not a version"));
    }
}
