//! The context switcher: engine, host arch, capabilities and kernel version, as edits of the
//! editor's view (never of the profile; they are not undoable because they change no file).

use crate::catalog::Arch;
use crate::catalog::libseccomp::Origin;
use crate::policy::context::{Context, Engine, normalize_cap};
use crate::policy::runtime::Runtime;
use crate::policy::runtime::spelling::parse_node;
use crate::profile::KernelVersion;
use crate::tui::state::EditingState;

/// Host architectures container engines run on, in the order `r` cycles through them.
pub const HOST_ARCHES: [Arch; 7] =
    [Arch::X86_64, Arch::Aarch64, Arch::Arm, Arch::X86, Arch::Riscv64, Arch::Ppc64le, Arch::S390x];

/// Docker → podman → containerd → oci; the capabilities follow the engine's defaults.
pub fn next_engine(ed: &mut EditingState) {
    let i = Engine::ALL.iter().position(|e| *e == ed.ctx.engine).unwrap_or(0);
    let engine = Engine::ALL[(i + 1) % Engine::ALL.len()];
    let caps = engine.default_caps().iter().map(|c| c.to_string()).collect();
    ed.set_context(Context { caps, ..ed.ctx.with_engine(engine) });
    ed.message = Some(format!(
        "engine {} with its {} default capabilities, {}",
        ed.ctx.engine,
        ed.ctx.caps.len(),
        ed.ctx.runtime
    ));
}

pub fn next_arch(ed: &mut EditingState) {
    let i = HOST_ARCHES.iter().position(|a| *a == ed.ctx.native).map_or(0, |i| i + 1);
    ed.set_context(Context { native: HOST_ARCHES[i % HOST_ARCHES.len()], ..ed.ctx.clone() });
    ed.message = Some(format!("host arch {}", ed.ctx.native.short_name()));
}

/// `CAP_SYS_ADMIN, net_raw` or `none`.
pub fn set_caps(ed: &mut EditingState, text: &str) {
    let caps = text
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("none"))
        .map(normalize_cap)
        .collect();
    ed.set_context(Context { caps, ..ed.ctx.clone() });
    ed.message = Some(format!("{} capabilities", ed.ctx.caps.len()));
}

pub fn set_kernel(ed: &mut EditingState, text: &str) {
    match KernelVersion::parse(text) {
        Some(k) => {
            ed.set_context(Context { kernel: k, ..ed.ctx.clone() });
            ed.message = Some(format!("kernel {k}"));
        }
        None => ed.message = Some(format!("\"{text}\" is not a kernel version (write X.Y, e.g. 5.15)")),
    }
}

/// The prompt's starting text for the current runtime: `runc@1.1.5,libseccomp@2.5.4`.
pub fn runtime_spelling(runtime: &Runtime) -> String {
    let version = runtime.version.map(|v| format!("@{v}")).unwrap_or_default();
    let lib = match (runtime.libseccomp.origin(), runtime.libseccomp.version()) {
        (Origin::Host, _) => "host".to_string(),
        (Origin::Release, Some(v)) => v.to_string(),
        _ => "latest".to_string(),
    };
    format!("{}{version},libseccomp@{lib}", runtime.kind)
}

/// `runc@1.1.5,libseccomp@2.5.4`, `crun`, `host`: what the spelling leaves out stays.
pub fn set_runtime(ed: &mut EditingState, text: &str) {
    match parse_node(text) {
        Ok(node) => {
            ed.set_context(node.apply(&ed.ctx));
            ed.message = Some(format!("runtime {}", ed.ctx.runtime));
        }
        Err(e) => ed.message = Some(e),
    }
}
