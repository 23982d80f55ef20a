//! `seccompose record`: run a command, see every syscall it makes, write the profile it needs.

use super::{ContextArgs, Failure, usable_profile, write_output};
use crate::catalog::Arch;
use crate::policy::evaluator::Evaluator;
use crate::profile::generate::{Dialect, STOP_NEEDS, allow_list, must_haves, rule};
use crate::sandbox::observe::{self, RecordReport, RunOptions};
use crate::sandbox::spawn::Stdio;
use crate::text::count;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileFormat {
    Oci,
    Docker,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Write the profile here (default: standard output).
    #[arg(short, long, value_name = "OUT", value_hint = clap::ValueHint::FilePath)]
    pub output: Option<PathBuf>,
    /// Add what the command needs to this profile instead of starting from nothing.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub base: Option<PathBuf>,
    /// With --base: only notify what the base does not allow (the rest runs at full speed).
    #[arg(long, requires = "base")]
    pub only_new: bool,
    /// Profile dialect to write.
    #[arg(long, value_enum, default_value = "oci")]
    pub format: ProfileFormat,
    /// The summary on stderr: text, or JSON (`--format` is the profile's dialect).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub summary_format: super::Format,
    #[command(flatten)]
    pub context: ContextArgs,
    /// End the command after this many seconds (more than 0, at most 86400: a day).
    #[arg(long, value_name = "SECS", value_parser = super::run::timeout_seconds)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub container: super::run::ContainerArgs,
    /// The command and its arguments (after `--`; optional with --bundle).
    #[arg(required_unless_present = "bundle", last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

pub fn run(args: &RecordArgs) -> Result<i32, Failure> {
    let ctx = args.context.context();
    let base = match &args.base {
        Some(path) => Some(usable_profile(path, &ctx, None)?),
        None => None,
    };
    if let Some(target) = args.container.target() {
        return super::run_container::record(args, &ctx, base.as_ref(), &target);
    }
    super::run::host_only(&args.container)?;
    let options = RunOptions { exact: false, timeout: args.timeout, stdio: Stdio::Inherit };
    let report = observe::record(base.as_ref().map(|(_, ev)| ev), args.only_new, &args.command, options, |_| {})
        .map_err(|e| Failure::unusable(e.to_string()))?;
    let dialect = if args.format == ProfileFormat::Docker { Dialect::Docker } else { Dialect::Oci };
    let needed: BTreeSet<String> = report.recording.needed.keys().map(|(_, n)| n.clone()).collect();
    let (text, added) = match &base {
        Some((doc, ev)) => {
            let stop = stop_needs_denied(ev, &needed);
            (merged(doc, needed.iter().map(String::as_str).chain(stop.iter().copied()), dialect), (stop, Vec::new()))
        }
        None => {
            let arches: Vec<Arch> = arches_seen(&report, ctx.native);
            let text = serde_json::to_string_pretty(&allow_list(&needed, &arches, ctx.native, dialect))
                .expect("serializable")
                + "\n";
            (text, must_haves(&needed))
        }
    };
    match &args.output {
        Some(path) => write_output(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    report_counts(&args.command, &report, args.summary_format == super::Format::Json, base.is_some());
    if let Some(line) = added_line(&added.0, &added.1).filter(|_| args.summary_format != super::Format::Json) {
        eprintln!("{line}");
    }
    Ok(report.exit.status_code())
}

fn arches_seen(report: &RecordReport, native: Arch) -> Vec<Arch> {
    let mut arches = vec![native];
    for (arch, _) in report.recording.seen.keys() {
        if !arches.contains(arch) {
            arches.push(*arch);
        }
    }
    arches
}

/// What every program needs to stop that the base denies and the run did not already add.
pub(super) fn stop_needs_denied(base: &Evaluator, needed: &BTreeSet<String>) -> Vec<&'static str> {
    let native = base.context.native;
    let denies = |n: &str| base.decide_name(native, n, &[0; 6]).is_some_and(|d| !d.action.lets_through());
    STOP_NEEDS.iter().copied().filter(|n| !needed.contains(*n) && denies(n)).collect()
}

/// The summary line for what was written beyond what the command made (none when nothing).
pub(super) fn added_line(stop: &[&str], runc: &[&str]) -> Option<String> {
    let stop = (!stop.is_empty()).then(|| format!("what every program needs to stop: {}", stop.join(", ")));
    let runc = (!runc.is_empty()).then(|| format!("what runc needs to start the container: {}", runc.join(", ")));
    let parts: Vec<String> = [stop, runc].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| format!("seccompose: added {}", parts.join("; and ")))
}

/// The base document with one more rule for what it did not allow (saved losslessly).
fn merged<'a>(doc: &crate::profile::Document, names: impl Iterator<Item = &'a str>, dialect: Dialect) -> String {
    let names: Vec<&str> = names.collect();
    merged_rules(doc, &[(names, "recorded by seccompose")], dialect)
}

/// The base document with one rule per (names, comment) that names anything.
pub(super) fn merged_rules(doc: &crate::profile::Document, rules: &[(Vec<&str>, &str)], dialect: Dialect) -> String {
    let new: Vec<Value> = rules
        .iter()
        .filter(|(names, _)| !names.is_empty())
        .map(|(names, comment)| {
            let names: BTreeSet<&str> = names.iter().copied().collect();
            rule(names.into_iter(), dialect, comment)
        })
        .collect();
    if new.is_empty() {
        return doc.render();
    }
    let mut value = doc.profile_value().clone();
    if let Some(existing) = value.get_mut("syscalls").and_then(Value::as_array_mut) {
        existing.extend(new);
    } else if let Some(obj) = value.as_object_mut() {
        obj.insert("syscalls".into(), Value::Array(new));
    }
    let mut edited = doc.clone();
    edited.set_profile_value(value);
    edited.render()
}

fn report_counts(command: &[String], report: &RecordReport, as_json: bool, has_base: bool) {
    let rec = &report.recording;
    if as_json {
        let seen: Vec<Value> = rec.seen.iter().map(|((arch, name), count)| json!({"arch": arch.short_name(), "syscall": name, "count": count, "needed": rec.needed.contains_key(&(*arch, name.clone()))})).collect();
        eprintln!(
            "{}",
            json!({"schema": super::JSON_SCHEMA, "command": command, "status": report.exit.status_code(), "calls": rec.total, "syscalls": seen, "descendants_killed": report.descendants_killed})
        );
        return;
    }
    // Without --base everything seen is needed: naming a base would only puzzle.
    let new = if has_base { format!(" ({} not allowed by the base)", rec.needed.len()) } else { String::new() };
    eprintln!(
        "seccompose: recorded {} of {}{new} in {:.2} s; exit status {}",
        count(rec.total as usize, "call"),
        count(rec.seen.len(), "syscall"),
        report.duration.as_secs_f64(),
        report.exit.status_code()
    );
    eprint!("{}", super::run::descendants_line(report.descendants_killed));
    let mut by_count: Vec<(&(Arch, String), &u64)> = rec.seen.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1));
    let top: Vec<String> = by_count.iter().take(12).map(|((_, n), c)| format!("{n} {c}")).collect();
    eprintln!("seccompose: most called: {}", top.join(", "));
}
