//! Where node generations disagree: one profile evaluated under the runtimes in common use
//! (runc 1.1.x / 1.2+ / crun, libseccomp 2.5.x / 2.6), and the syscalls they treat differently.

use super::{Runtime, RuntimeKind};
use crate::catalog::{self, Arch, Libseccomp, Version};
use crate::policy::context::Context;
use crate::policy::evaluator::Evaluator;
use crate::profile::Profile;
use std::collections::BTreeMap;

/// The runtimes in common use on clusters, oldest first: runc 1.1.14 (the last release whose
/// stub covers only the listed arches), runc 1.2.0 and crun 1.8.1, each with libseccomp 2.5.4
/// (Debian 12, Ubuntu 22.04), 2.5.5 (Ubuntu 24.04) and 2.6.0.
pub fn common_runtimes() -> Vec<Runtime> {
    let runtimes = [
        (RuntimeKind::Runc, Version::new(1, 1, 14)),
        (RuntimeKind::Runc, Version::new(1, 2, 0)),
        (RuntimeKind::Crun, Version::new(1, 8, 1)),
    ];
    let libs = [Version::new(2, 5, 4), Version::new(2, 5, 5), Version::new(2, 6, 0)];
    let mut out = Vec::new();
    for (kind, version) in runtimes {
        for lib in libs {
            let lib = Libseccomp::release(lib).unwrap_or_else(|_| Libseccomp::latest());
            out.push(Runtime::given(kind, Some(version), lib));
        }
    }
    out
}

/// One syscall (or a number past every table) on which the runtimes disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    pub arch: Arch,
    pub nr: u32,
    /// The name, or `None` for a number no table names (a syscall newer than every table).
    pub name: Option<&'static str>,
    /// Per runtime (index into [`Matrix::runtimes`]): the action with all arguments 0.
    pub actions: Vec<String>,
}

/// The profile under each runtime.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub runtimes: Vec<Runtime>,
    /// Per runtime: why it refuses the profile (the container does not start), if it does.
    pub refusals: Vec<Option<String>>,
    pub disagreements: Vec<Disagreement>,
}

/// Evaluates `profile` under `ctx` with each runtime and lists the calls where they differ
/// (on the host's arch and its compat arches, arguments 0). Runtimes that refuse the profile
/// are reported, not compared.
pub fn matrix(profile: &Profile, ctx: &Context, runtimes: Vec<Runtime>) -> Matrix {
    let results: Vec<Result<Evaluator, String>> = runtimes
        .iter()
        .map(|r| {
            let c = Context { runtime: r.clone(), ..ctx.clone() };
            Evaluator::new(profile, &c).map_err(|e| e.to_string())
        })
        .collect();
    let refusals = results.iter().map(|r| r.as_ref().err().cloned()).collect();
    let loaded: Vec<(usize, &Evaluator)> =
        results.iter().enumerate().filter_map(|(i, r)| r.as_ref().ok().map(|e| (i, e))).collect();
    let mut disagreements = Vec::new();
    for &arch in ctx.native.compat_arches() {
        for (nr, name) in probes(arch) {
            let mut actions = vec![String::new(); runtimes.len()];
            for &(i, ev) in &loaded {
                actions[i] = ev.decide(arch, nr, &[0; 6]).action.to_string();
            }
            let mut distinct: Vec<&String> = loaded.iter().map(|(i, _)| &actions[*i]).collect();
            distinct.dedup();
            if distinct.len() > 1 {
                disagreements.push(Disagreement { arch, nr, name, actions });
            }
        }
    }
    Matrix { runtimes, refusals, disagreements }
}

/// Every syscall of the arch's table, and one number past its end (what a syscall newer than
/// every table meets).
fn probes(arch: Arch) -> Vec<(u32, Option<&'static str>)> {
    let Some(table) = catalog::table(arch) else { return Vec::new() };
    let mut out: Vec<(u32, Option<&'static str>)> = table.iter().map(|(nr, name)| (nr, Some(name))).collect();
    // Private ranges (ARM's 0xf0000) are not "newer" syscalls: past the ordinary table.
    let ordinary = table.iter().map(|(nr, _)| nr).filter(|nr| nr & 0xf_0000 == 0 || arch == Arch::X32).max();
    if let Some(last) = ordinary {
        out.push((last + 1, None));
    }
    out
}

/// Groups runtimes by the action they give: `[("ERRNO(1)", [0, 3]), ("ALLOW", [1, 2])]`.
pub fn grouped(d: &Disagreement) -> Vec<(&str, Vec<usize>)> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, a) in d.actions.iter().enumerate().filter(|(_, a)| !a.is_empty()) {
        groups.entry(a.as_str()).or_default().push(i);
    }
    groups.into_iter().collect()
}
