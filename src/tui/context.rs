//! The context switcher: engine, host arch, capabilities and kernel version, as edits of the
//! editor's view (never of the profile; they are not undoable because they change no file).

use super::app::App;
use crate::catalog::Arch;
use crate::policy::context::{Engine, normalize_cap};
use crate::profile::KernelVersion;

/// Host architectures container engines run on, in the order `r` cycles through them.
pub const HOST_ARCHES: [Arch; 7] =
    [Arch::X86_64, Arch::Aarch64, Arch::Arm, Arch::X86, Arch::Riscv64, Arch::Ppc64le, Arch::S390x];

/// Docker → podman → containerd → oci; the capabilities follow the engine's defaults.
pub fn next_engine(app: &mut App) {
    let i = Engine::ALL.iter().position(|e| *e == app.ctx.engine).unwrap_or(0);
    app.ctx.engine = Engine::ALL[(i + 1) % Engine::ALL.len()];
    app.ctx.caps = app.ctx.engine.default_caps().iter().map(|c| c.to_string()).collect();
    app.refresh();
    app.message = Some(format!("engine {} with its {} default capabilities", app.ctx.engine, app.ctx.caps.len()));
}

pub fn next_arch(app: &mut App) {
    let i = HOST_ARCHES.iter().position(|a| *a == app.ctx.native).map_or(0, |i| i + 1);
    app.ctx.native = HOST_ARCHES[i % HOST_ARCHES.len()];
    app.refresh();
    app.message = Some(format!("host arch {}", app.ctx.native.short_name()));
}

/// `CAP_SYS_ADMIN, net_raw` or `none`.
pub fn set_caps(app: &mut App, text: &str) {
    app.ctx.caps = text
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("none"))
        .map(normalize_cap)
        .collect();
    app.refresh();
    app.message = Some(format!("{} capabilities", app.ctx.caps.len()));
}

pub fn set_kernel(app: &mut App, text: &str) {
    match KernelVersion::parse(text) {
        Some(k) => {
            app.ctx.kernel = k;
            app.refresh();
            app.message = Some(format!("kernel {k}"));
        }
        None => app.message = Some(format!("\"{text}\" is not a kernel version (write X.Y, e.g. 5.15)")),
    }
}
