//! `run` and `record` with `--rootfs` / `--bundle`: the container's report, with the runtime's
//! denials (runc init, before the program's execve) apart from the program's.

use super::Failure;
use super::run::{RunArgs, denial_line};
use crate::container::bundle::Target;
use crate::container::observe::{self, ContainerRunReport};
use crate::container::profile::UNOBSERVABLE;
use crate::policy::evaluator::Evaluator;
use crate::sandbox::observe::Denial;
use crate::sandbox::session::Exit;
use crate::text::count;
use serde_json::json;

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
