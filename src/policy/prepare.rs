//! The engine stage: what dockerd, podman or containerd hand to the runtime for a profile.
//!
//! docker and podman resolve `archMap`, `includes` / `excludes` and the deprecated `name`
//! against the context; containerd and raw OCI decode the file straight into the OCI struct,
//! so those fields are ignored and every rule applies.

use super::context::{Context, Engine};
use crate::catalog::Arch;
use crate::profile::errno::errno_number;
use crate::profile::{ActionName, ArgCondition, Filter, Profile, Rule};

/// The OCI `linux.seccomp` the runtime receives.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub default_action: ActionName,
    pub default_errno_ret: Option<u32>,
    pub architectures: Vec<Arch>,
    pub flags: Vec<String>,
    pub listener_path: Option<String>,
    pub rules: Vec<SpecRule>,
}

/// One `syscalls[]` entry of the OCI spec, with the index of the profile rule it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecRule {
    pub origin: usize,
    pub names: Vec<String>,
    pub action: ActionName,
    pub errno_ret: Option<u32>,
    pub args: Vec<ArgCondition>,
}

/// Why an engine refuses a profile (the container does not start).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrepareError {
    #[error("the profile has no valid defaultAction")]
    NoDefaultAction,
    #[error("both \"architectures\" and \"archMap\" are set; {0} refuses that (use one of them)")]
    ArchitecturesAndArchMap(Engine),
    #[error("rule {0} sets both \"name\" and \"names\"; {1} refuses that (use \"names\")")]
    NameAndNames(usize, Engine),
    #[error("unknown architecture \"{0}\"")]
    UnknownArch(String),
}

/// A rule the engine left out, and why (for explanations and lint).
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub origin: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub spec: Spec,
    pub skipped: Vec<Skipped>,
}

/// Runs the engine stage for `profile` under `ctx`.
pub fn prepare(profile: &Profile, ctx: &Context) -> Result<Prepared, PrepareError> {
    let mut spec = prepare_header(profile, ctx)?;
    let mut skipped = Vec::new();
    for rule in &profile.rules {
        match prepare_rule(rule, ctx)? {
            Prepared1::Rule(r) => spec.rules.push(r),
            Prepared1::Skipped(s) => skipped.push(s),
        }
    }
    Ok(Prepared { spec, skipped })
}

/// What the engine makes of one rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Prepared1 {
    Rule(SpecRule),
    Skipped(Skipped),
}

/// The spec without its rules (an edit of the rules re-prepares only the rules it changed).
pub fn prepare_header(profile: &Profile, ctx: &Context) -> Result<Spec, PrepareError> {
    let default_action = profile.default_action.ok_or(PrepareError::NoDefaultAction)?;
    Ok(Spec {
        default_action,
        default_errno_ret: default_errno(profile, ctx.engine),
        architectures: architectures(profile, ctx)?,
        flags: profile.flags.clone(),
        listener_path: profile.listener_path.clone(),
        rules: Vec::new(),
    })
}

/// The engine stage for one rule: it goes to the runtime, is left out, or refuses the profile.
pub fn prepare_rule(rule: &Rule, ctx: &Context) -> Result<Prepared1, PrepareError> {
    if ctx.engine.resolves_conditions() {
        // dockerd refuses `name` with `names` before looking at conditions; podman only for
        // rules that apply.
        let both = rule.name.is_some() && !rule.names.is_empty();
        if both && ctx.engine == Engine::Docker {
            return Err(PrepareError::NameAndNames(rule.index, ctx.engine));
        }
        if let Some(reason) = condition_excludes(rule, ctx) {
            return Ok(Prepared1::Skipped(Skipped { origin: rule.index, reason }));
        }
        if both {
            return Err(PrepareError::NameAndNames(rule.index, ctx.engine));
        }
    } else if rule.names.is_empty() && rule.name.is_some() {
        return Ok(Prepared1::Skipped(Skipped {
            origin: rule.index,
            reason: format!("{} ignores the deprecated \"name\" (only \"names\" is read)", ctx.engine),
        }));
    }
    Ok(Prepared1::Rule(spec_rule(rule, ctx.engine)))
}

/// Whether `rule` reaches the runtime as `spec` (where it sits aside), without building its
/// spec rule. `false` may also mean "cannot tell cheaply" (the rule is then prepared anew).
pub fn prepares_to(rule: &Rule, ctx: &Context, spec: &SpecRule) -> bool {
    let resolves = ctx.engine.resolves_conditions();
    let extra = rule.name.as_ref().filter(|_| resolves);
    let names_match = spec.names.len() == rule.names.len() + usize::from(extra.is_some())
        && spec.names.iter().zip(rule.names.iter().chain(extra)).all(|(a, b)| a == b);
    let errno_ret = match ctx.engine {
        Engine::Podman => rule.errno.as_deref().and_then(parse_errno).or(rule.errno_ret),
        _ => rule.errno_ret,
    };
    let refused_or_skipped = match resolves {
        true => rule.name.is_some() && !rule.names.is_empty() || !rule.includes.is_empty() || !rule.excludes.is_empty(),
        false => rule.names.is_empty() && rule.name.is_some(),
    };
    !refused_or_skipped
        && names_match
        && spec.action == rule.action
        && spec.errno_ret == errno_ret
        && spec.args == rule.args
}

fn spec_rule(rule: &Rule, engine: Engine) -> SpecRule {
    let mut names = rule.names.clone();
    if engine.resolves_conditions() {
        names.extend(rule.name.clone());
    }
    // containers/common: an `errno` name wins over `errnoRet`.
    let errno_ret = match engine {
        Engine::Podman => rule.errno.as_deref().and_then(parse_errno).or(rule.errno_ret),
        _ => rule.errno_ret,
    };
    SpecRule { origin: rule.index, names, action: rule.action, errno_ret, args: rule.args.clone() }
}

fn default_errno(profile: &Profile, engine: Engine) -> Option<u32> {
    match engine {
        Engine::Podman => profile.default_errno.as_deref().and_then(parse_errno).or(profile.default_errno_ret),
        _ => profile.default_errno_ret,
    }
}

/// containers/common accepts an errno name or a decimal number.
fn parse_errno(text: &str) -> Option<u32> {
    errno_number(text).or_else(|| text.parse().ok())
}

/// The filter's architectures: `architectures` as written, plus (docker, podman) the `archMap`
/// entry of the host's arch with its sub-architectures.
fn architectures(profile: &Profile, ctx: &Context) -> Result<Vec<Arch>, PrepareError> {
    let mut names: Vec<&str> = profile.architectures.iter().map(String::as_str).collect();
    if ctx.engine.resolves_conditions() {
        if !profile.architectures.is_empty() && !profile.arch_map.is_empty() {
            return Err(PrepareError::ArchitecturesAndArchMap(ctx.engine));
        }
        // containers/common applies archMap only on these hosts (its nativeToSeccomp table).
        let podman_maps = matches!(
            ctx.native,
            Arch::X86_64
                | Arch::Aarch64
                | Arch::S390x
                | Arch::Mips64
                | Arch::Mipsel64
                | Arch::Mips64n32
                | Arch::Mipsel64n32
        );
        let use_map = ctx.engine == Engine::Docker || podman_maps;
        for entry in profile.arch_map.iter().filter(|_| use_map) {
            if Arch::from_scmp(&entry.architecture) == Some(ctx.native) {
                names.push(&entry.architecture);
                names.extend(entry.sub_architectures.iter().map(String::as_str));
                break;
            }
        }
    }
    let mut out: Vec<Arch> = Vec::new();
    for name in names {
        let arch = Arch::from_scmp(name).ok_or_else(|| PrepareError::UnknownArch(name.to_string()))?;
        if !out.contains(&arch) {
            out.push(arch);
        }
    }
    Ok(out)
}

/// Why docker/podman leave this rule out under `ctx`, if they do.
pub fn condition_excludes(rule: &Rule, ctx: &Context) -> Option<String> {
    let go_arch = go_arch(ctx.native);
    let ex = &rule.excludes;
    if ex.arches.iter().any(|a| a == go_arch) {
        return Some(format!("excluded on {go_arch}"));
    }
    if let Some(cap) = ex.caps.iter().find(|c| ctx.has_cap(c)) {
        return Some(format!("excluded because the container has {cap}"));
    }
    // containers/common has no minKernel: podman applies such rules on every kernel.
    let kernel_checks = ctx.engine == Engine::Docker;
    if let Some(k) = ex.min_kernel.filter(|k| kernel_checks && ctx.kernel >= *k) {
        return Some(format!("excluded on kernel {} (>= {k})", ctx.kernel));
    }
    let inc = &rule.includes;
    if !inc.arches.is_empty() && !inc.arches.iter().any(|a| a == go_arch) {
        return Some(format!("only for {} (host is {go_arch})", inc.arches.join(", ")));
    }
    if let Some(cap) = inc.caps.iter().find(|c| !ctx.has_cap(c)) {
        return Some(format!("only with {} (the container lacks {cap})", inc.caps.join(" and ")));
    }
    if let Some(k) = inc.min_kernel.filter(|k| kernel_checks && ctx.kernel < *k) {
        return Some(format!("only on kernel >= {k} (context kernel is {})", ctx.kernel));
    }
    None
}

/// Describes the condition of a rule in words (`with CAP_SYS_ADMIN`, `on amd64`).
pub fn describe_filter(includes: &Filter, excludes: &Filter) -> String {
    let mut parts = Vec::new();
    if !includes.caps.is_empty() {
        parts.push(format!("with {}", includes.caps.join(" and ")));
    }
    if !includes.arches.is_empty() {
        parts.push(format!("on {}", includes.arches.join("/")));
    }
    if let Some(k) = includes.min_kernel {
        parts.push(format!("on kernel >= {k}"));
    }
    if !excludes.caps.is_empty() {
        parts.push(format!("without {}", excludes.caps.join(" or ")));
    }
    if !excludes.arches.is_empty() {
        parts.push(format!("not on {}", excludes.arches.join("/")));
    }
    if let Some(k) = excludes.min_kernel {
        parts.push(format!("on kernel < {k}"));
    }
    parts.join(", ")
}

/// The Go `GOARCH` spelling of an arch: moby and containers/common compare `includes.arches`
/// with `runtime.GOARCH`.
pub fn go_arch(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "amd64",
        Arch::X86 => "386",
        Arch::X32 => "x32",
        Arch::Aarch64 => "arm64",
        Arch::Arm => "arm",
        Arch::Riscv64 => "riscv64",
        Arch::Ppc64le => "ppc64le",
        Arch::Ppc64 => "ppc64",
        Arch::Ppc => "ppc",
        Arch::S390x => "s390x",
        Arch::S390 => "s390",
        Arch::Mips => "mips",
        Arch::Mipsel => "mipsle",
        Arch::Mips64 => "mips64",
        Arch::Mipsel64 => "mips64le",
        Arch::Mips64n32 => "mips64p32",
        Arch::Mipsel64n32 => "mips64p32le",
        Arch::Loongarch64 => "loong64",
        Arch::Parisc => "parisc",
        Arch::Parisc64 => "parisc64",
    }
}
