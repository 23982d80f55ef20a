//! `run` and `record` with `--rootfs` / `--bundle`: the container's report, with the runtime's
//! denials (runc init, before the program's execve) apart from the program's.

use super::Failure;
use super::run::{RunArgs, denial_line};
use crate::catalog::Arch;
use crate::container::bundle::Target;
use crate::container::observe::{self, ContainerRunReport};
use crate::container::profile::{KEPT, UNOBSERVABLE};
use crate::policy::evaluator::Evaluator;
use crate::profile::generate::RUNC_NEEDS;
use crate::sandbox::observe::Denial;
use crate::sandbox::observe::Recording;
use crate::sandbox::session::Exit;
use crate::text::count;
use serde_json::json;
use std::collections::BTreeSet;

/// `seccompose run PROFILE --rootfs DIR -- CMD`.
pub fn run(args: &RunArgs, profile: &str, ev: &Evaluator, target: &Target) -> Result<i32, Failure> {
    let options = args.container.options(args.timeout);
    let report = observe::run(ev, target, &args.command, &options).map_err(|e| Failure::unusable(e.to_string()))?;
    match args.format {
        super::Format::Text => eprint!("{}", text_summary(&args.command, profile, target, &report)),
        super::Format::Json => eprintln!(
            "{}",
            serde_json::to_string_pretty(&json_summary(&args.command, profile, target, &report)).expect("serializable")
        ),
    }
    Ok(report.exit().status_code())
}

/// "in a container (runc, rootfs /srv/rootfs)".
pub fn target_text(target: &Target) -> String {
    match target {
        Target::Rootfs(dir) => format!("in a container (runc, rootfs {})", dir.display()),
        Target::Bundle(dir) => format!("in a container (runc, bundle {})", dir.display()),
    }
}

fn exit_text(report: &ContainerRunReport) -> String {
    let ended = &report.ended;
    let how = match report.exit() {
        _ if report.not_started() => format!("did not start (runc exited with status {})", ended.exit.status_code()),
        Exit::Signal(sig) if ended.interrupted == Some(sig) => {
            format!("was stopped: seccompose got signal {sig} and killed the container")
        }
        Exit::Signal(libc::SIGSYS) if report.killed_for.is_some() => {
            format!("was killed (as by SIGSYS): the profile kills on {}", report.killed_for.as_deref().unwrap_or("?"))
        }
        Exit::Code(c) => format!("exited with status {c}"),
        Exit::Signal(s) => format!("was killed by signal {s}"),
    };
    let timeout = if ended.timed_out { " (stopped at the timeout)" } else { "" };
    format!("{how}{timeout} after {:.2} s", ended.duration.as_secs_f64())
}

fn text_summary(command: &[String], profile: &str, target: &Target, report: &ContainerRunReport) -> String {
    let shown = if command.is_empty() { "the bundle's process".to_string() } else { command.join(" ") };
    let mut out = format!("seccompose: {shown} {} {} under {profile}\n", target_text(target), exit_text(report));
    if let Some(d) = report.execve_denied() {
        out.push_str(&format!(
            "seccompose: the program never ran: the profile denies runc init's {} ({}), the exec that starts it\n",
            d.name, d.action
        ));
    }
    for error in &report.ended.runc_errors {
        out.push_str(&format!("seccompose: runc: {error}\n"));
    }
    if report.not_started() && report.execve_denied().is_none() {
        out.push_str("seccompose: runc failed before starting the program (runc's own message, if any, is above)\n");
    }
    out.push_str(&group("runtime (runc init, before the program's execve)", &report.runtime));
    out.push_str(&group("program", &report.program));
    if report.as_written {
        out.push_str(&format!(
            "seccompose: note: the profile denies {UNOBSERVABLE}: runc init needs it to hand its notify fd to seccompose (and to start any program), so runc got the profile as written and nothing could be observed\n"
        ));
    }
    for (name, action) in &report.unobserved {
        out.push_str(&format!(
            "seccompose: note: the profile gives {name} {action}: enforced but not observed (runc init makes it before seccompose has its notify fd)\n"
        ));
    }
    out
}

/// One group's denials, then its logged calls.
fn group(title: &str, denials: &[Denial]) -> String {
    let denied: Vec<&Denial> = denials.iter().filter(|d| !d.action.lets_through()).collect();
    let logged: Vec<&Denial> = denials.iter().filter(|d| d.action.lets_through()).collect();
    let mut out = if denied.is_empty() {
        format!("seccompose: {title}: no syscall was denied\n")
    } else {
        let calls: u64 = denied.iter().map(|d| d.count).sum();
        let mut text = format!(
            "seccompose: {title}: {} denied, {}:\n",
            count(denied.len(), "syscall"),
            count(calls as usize, "call")
        );
        denied.iter().for_each(|d| text.push_str(&denial_line(d)));
        text
    };
    if !logged.is_empty() {
        out.push_str(&format!(
            "seccompose: {title}: {} logged (SCMP_ACT_LOG), allowed:\n",
            count(logged.len(), "syscall")
        ));
        logged.iter().for_each(|d| out.push_str(&denial_line(d)));
    }
    out
}

fn denials_json(denials: &[Denial]) -> serde_json::Value {
    denials
        .iter()
        .map(|d| {
            json!({"syscall": d.name, "arch": d.arch.short_name(), "nr": d.nr, "action": d.action.to_string(),
                   "count": d.count, "samples": d.samples})
        })
        .collect()
}

pub fn target_json(target: &Target) -> serde_json::Value {
    match target {
        Target::Rootfs(dir) => json!({"runtime": "runc", "rootfs": dir}),
        Target::Bundle(dir) => json!({"runtime": "runc", "bundle": dir}),
    }
}

fn json_summary(command: &[String], profile: &str, target: &Target, report: &ContainerRunReport) -> serde_json::Value {
    let exit = report.exit();
    let (code, signal) = match exit {
        Exit::Code(c) => (Some(c), None),
        Exit::Signal(s) => (None, Some(s)),
    };
    let ended = &report.ended;
    json!({
        "schema": super::JSON_SCHEMA,
        "command": command,
        "profile": profile,
        "container": target_json(target),
        "container_id": ended.names.id,
        "exit": {"status": exit.status_code(), "code": code, "signal": signal},
        "started": !report.not_started(),
        "runc_errors": ended.runc_errors,
        "killed_for": report.killed_for,
        "timed_out": ended.timed_out,
        "interrupted_by": ended.interrupted,
        "duration_ms": ended.duration.as_secs_f64() * 1000.0,
        "denials": {"runtime": denials_json(&report.runtime), "program": denials_json(&report.program)},
        "observed": !report.as_written,
        "unobserved": report.unobserved.iter().map(|(n, a)| json!({"syscall": n, "action": a.to_string()})).collect::<Vec<_>>(),
    })
}

/// `seccompose record --rootfs DIR -- CMD`: the profile that runs this container under runc
/// with nothing denied, the runtime's share in a rule of its own.
pub fn record(
    args: &super::record::RecordArgs,
    ctx: &crate::policy::Context,
    base: Option<&(crate::profile::Document, Evaluator)>,
    target: &Target,
) -> Result<i32, Failure> {
    use crate::profile::generate::{Dialect, allow_list, must_haves};
    let native = ctx.native;
    let arches: Vec<Arch> = std::iter::once(native).chain(native.compat_arches().iter().copied()).collect();
    let options = args.container.options(args.timeout);
    let base_ev = base.map(|(_, ev)| ev);
    let report =
        observe::record(base_ev, args.only_new, &arches, ctx.runtime.libseccomp, target, &args.command, &options)
            .map_err(|e| Failure::unusable(e.to_string()))?;
    let dialect = if args.format == super::record::ProfileFormat::Docker { Dialect::Docker } else { Dialect::Oci };
    let program: BTreeSet<String> = report.program.needed.keys().map(|(_, n)| n.clone()).collect();
    let denied_by_base =
        |n: &str| base_ev.is_none_or(|ev| ev.decide_name(native, n, &[0; 6]).is_some_and(|d| !d.action.lets_through()));
    let share: Vec<&str> = runtime_share(&report.runtime, &program).into_iter().filter(|n| denied_by_base(n)).collect();
    let (text, share) = match base {
        Some((doc, ev)) => {
            let stop = super::record::stop_needs_denied(ev, &program);
            let recorded: Vec<&str> = program.iter().map(String::as_str).chain(stop.iter().copied()).collect();
            let share: Vec<&str> = share.iter().copied().filter(|n| !recorded.contains(n)).collect();
            let rules = [(recorded, "recorded by seccompose"), (share.clone(), RUNTIME_COMMENT)];
            (super::record::merged_rules(doc, &rules, dialect), share)
        }
        None => {
            let seen_arches = arches_seen(native, &report);
            let mut profile = allow_list(&program, &seen_arches, native, dialect);
            let (stop, runc_only) = must_haves(&program);
            let rules = profile["syscalls"].as_array_mut().expect("allow_list writes rules");
            if !runc_only.is_empty() {
                rules.pop();
            }
            let share: Vec<&str> = share.iter().copied().filter(|n| !stop.contains(n)).collect();
            if !share.is_empty() {
                rules.push(crate::profile::generate::rule(share.iter().copied(), dialect, RUNTIME_COMMENT));
            }
            (serde_json::to_string_pretty(&profile).expect("serializable") + "\n", share)
        }
    };
    match &args.output {
        Some(path) => super::write_output(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    let as_json = args.summary_format == super::Format::Json;
    eprint!("{}", record_summary(&args.command, target, &report, &share, as_json));
    Ok(report.ended.exit.status_code())
}

/// The comment on the rule of what runc needs (a Docker-dialect comment; OCI has none, the
/// summary names them).
pub const RUNTIME_COMMENT: &str =
    "the runtime's share: runc init calls these between installing the filter and starting the program";

/// What the runtime needs that the program did not make: what runc init was seen making, runc's
/// known post-filter set (Go-runtime calls come and go with timing), and the calls never
/// notified ([`KEPT`]).
fn runtime_share(runtime: &Recording, program: &BTreeSet<String>) -> Vec<&'static str> {
    let seen = runtime.seen.keys().filter_map(|(_, n)| crate::catalog::info(n).map(|i| i.name));
    let known = RUNC_NEEDS.iter().chain(KEPT).copied();
    let all: BTreeSet<&'static str> = seen.chain(known).collect();
    all.into_iter().filter(|n| !program.contains(*n)).collect()
}

fn arches_seen(native: Arch, report: &observe::ContainerRecordReport) -> Vec<Arch> {
    let mut arches = vec![native];
    for (arch, _) in report.program.seen.keys().chain(report.runtime.seen.keys()) {
        if !arches.contains(arch) {
            arches.push(*arch);
        }
    }
    arches
}

fn recording_json(rec: &Recording) -> serde_json::Value {
    let syscalls: Vec<serde_json::Value> = rec
        .seen
        .iter()
        .map(|((arch, name), count)| json!({"arch": arch.short_name(), "syscall": name, "count": count}))
        .collect();
    json!({"calls": rec.total, "syscalls": syscalls})
}

fn record_summary(
    command: &[String],
    target: &Target,
    report: &observe::ContainerRecordReport,
    share: &[&str],
    as_json: bool,
) -> String {
    let ended = &report.ended;
    if as_json {
        let summary = json!({
            "schema": super::JSON_SCHEMA, "command": command, "container": target_json(target),
            "status": ended.exit.status_code(), "started": report.program_started, "runc_errors": ended.runc_errors,
            "program": recording_json(&report.program), "runtime": recording_json(&report.runtime),
            "runtime_share": share, "unobserved": KEPT,
        });
        return format!("{summary}\n");
    }
    let (p, r) = (&report.program, &report.runtime);
    let mut out = format!(
        "seccompose: recorded {} of {} from the program {} in {:.2} s; exit status {}\n",
        count(p.total as usize, "call"),
        count(p.seen.len(), "syscall"),
        target_text(target),
        ended.duration.as_secs_f64(),
        ended.exit.status_code()
    );
    if !report.program_started {
        out.push_str("seccompose: warning: the program did not start (runc's message, if any, is above)\n");
    }
    for error in &ended.runc_errors {
        out.push_str(&format!("seccompose: runc: {error}\n"));
    }
    out.push_str(&format!(
        "seccompose: runc init (the runtime) made {} of {} between installing the filter and starting the program\n",
        count(r.total as usize, "call"),
        count(r.seen.len(), "syscall")
    ));
    if !share.is_empty() {
        out.push_str(&format!("seccompose: the runtime's share, in a rule of its own: {}\n", share.join(", ")));
    }
    out.push_str(&format!(
        "seccompose: {} are never notified (runc init may make them before seccompose has its fd): kept as the profile has them, not counted\n",
        KEPT.join(", ")
    ));
    out
}
